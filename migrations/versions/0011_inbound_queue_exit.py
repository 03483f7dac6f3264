"""inbound attempts record how a caller who never reached an operator left the queue

Revision ID: 0011_inbound_queue_exit
Revises: 0010
Create Date: 2026-12-05 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_inbound_queue_exit"
down_revision: str | None = "0011_conn_amd_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_exit", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_column("queue_exit")
