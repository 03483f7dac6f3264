"""a recording with one side only: which leg was missing (NULL: both sides recorded)

Revision ID: 0013_crash_recording_missing_leg
Revises: 0012_web_user_time_zone
Create Date: 2026-12-05 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_crash_recording_missing_leg"
down_revision: str | None = "0012_web_user_time_zone"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recording") as batch:
        batch.add_column(sa.Column("missing_leg", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recording") as batch:
        batch.drop_column("missing_leg")
