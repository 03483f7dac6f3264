"""the Russian numbering plan register: files loaded and their ranges (operator, region) by number

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-05 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "numbering_plan_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("ranges", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(100)),
    )
    op.create_table(
        "numbering_range",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("file_id", sa.Integer(), sa.ForeignKey("numbering_plan_file.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("end", sa.BigInteger(), nullable=False),
        sa.Column("operator", sa.String(300), nullable=False),
        sa.Column("region", sa.String(500), nullable=False),
        sa.Column("inn", sa.String(12)),
    )
    op.create_index("ix_numbering_range_file_id", "numbering_range", ["file_id"])
    op.create_index("ix_numbering_range_code", "numbering_range", ["code"])


def downgrade() -> None:
    op.drop_table("numbering_range")
    op.drop_table("numbering_plan_file")
