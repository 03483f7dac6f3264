"""call scripts (versions, a campaign's A/B rotation, the version an attempt got) and a language per user

Revision ID: 0011_web_scripts_language
Revises: 0010
Create Date: 2026-12-05 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialer.db.models import UTCDateTime

revision: str = "0011_web_scripts_language"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_script",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True),
        sa.UniqueConstraint("campaign_id", "version", name="uq_call_script_campaign_version"),
    )
    op.create_index("ix_call_script_campaign_id", "call_script", ["campaign_id"])
    op.create_table(
        "script_rotation",
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version_a_id", sa.Integer(), sa.ForeignKey("call_script.id"), nullable=False),
        sa.Column("version_b_id", sa.Integer(), sa.ForeignKey("call_script.id"), nullable=True),
        sa.Column("share_b", sa.Float(), nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.Integer(), sa.ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True),
    )
    with op.batch_alter_table("attempt") as batch:
        batch.add_column(sa.Column("script_version_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_attempt_script_version", "call_script", ["script_version_id"], ["id"])
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("language", sa.String(5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("attempt") as batch:
        batch.drop_constraint("fk_attempt_script_version", type_="foreignkey")
        batch.drop_column("script_version_id")
    op.drop_table("script_rotation")
    op.drop_index("ix_call_script_campaign_id", table_name="call_script")
    op.drop_table("call_script")
