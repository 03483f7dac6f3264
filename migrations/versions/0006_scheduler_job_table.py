"""the scheduler's job table is created by the migrations, not by APScheduler at start-up

Two dialer processes starting at once on one PostgreSQL both ran APScheduler's CREATE TABLE and one of them
died on the duplicate. The table is APScheduler's SQLAlchemyJobStore table, column for column, so its own
`create(checkfirst=True)` finds it and does nothing. A database where APScheduler already made it is left as is.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 07:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "scheduler_job"  # dialer.scheduler's SQLAlchemyJobStore(tablename=...)


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), index=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        op.drop_table(TABLE)
