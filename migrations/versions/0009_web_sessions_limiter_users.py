"""web sessions, sign-in failures and webhook dead letters in the database; one name and one operator per user

Sessions and the sign-in limiter lived in one web process's memory (a second process or a restart logged
everybody out and reset the limiter); they move to `web_session` and `login_failure`. Webhooks that every
retry failed to deliver are kept in `webhook_dead_letter`. `app_user` gains `username_key` (NFKC +
case-folded name, unique: "ADMIN" cannot sit beside "admin"), `totp_secret` and `totp_last_step` (admins'
second factor; a code is used once), and a
unique `operator_id` (one operator, one user). Existing duplicates stop the upgrade with their names: an
administrator decides which account to rename or unlink, the migration deletes nothing.

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-05 17:10:00
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialer.db.models import UTCDateTime
from dialer.web.users import username_key

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    users = bind.execute(sa.text("SELECT id, username, operator_id FROM app_user ORDER BY id")).all()
    by_key: dict[str, list[str]] = defaultdict(list)
    by_operator: dict[int, list[str]] = defaultdict(list)
    for _, name, operator_id in users:
        by_key[username_key(name)].append(name)
        if operator_id is not None:
            by_operator[operator_id].append(name)
    clashes = [names for names in by_key.values() if len(names) > 1]
    shared = {op_id: names for op_id, names in by_operator.items() if len(names) > 1}
    if clashes or shared:
        raise RuntimeError(
            "cannot make user names case-insensitive / operators one-per-user; fix these first: "
            + "; ".join(
                [f"same name ignoring case: {n}" for n in clashes] + [f"operator {o}: {n}" for o, n in shared.items()]
            )
        )
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("username_key", sa.String(80), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    for user_id, name, _ in users:
        bind.execute(
            sa.text("UPDATE app_user SET username_key = :k WHERE id = :i"), {"k": username_key(name), "i": user_id}
        )
    with op.batch_alter_table("app_user") as batch:
        batch.create_unique_constraint("uq_app_user_username_key", ["username_key"])
        batch.create_unique_constraint("uq_app_user_operator_id", ["operator_id"])

    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="CASCADE", name="fk_web_session_user_id_app_user"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_web_session"),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"])
    op.create_index("ix_web_session_last_seen_at", "web_session", ["last_seen_at"])
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("username_key", sa.String(80), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failure"),
    )
    op.create_index("ix_login_failure_at", "login_failure", ["at"])
    op.create_index("ix_login_failure_client", "login_failure", ["client"])
    op.create_table(
        "webhook_dead_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("event", sa.String(60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_dead_letter"),
    )


def downgrade() -> None:
    op.drop_table("webhook_dead_letter")
    op.drop_index("ix_login_failure_client", table_name="login_failure")
    op.drop_index("ix_login_failure_at", table_name="login_failure")
    op.drop_table("login_failure")
    op.drop_index("ix_web_session_last_seen_at", table_name="web_session")
    op.drop_index("ix_web_session_user_id", table_name="web_session")
    op.drop_table("web_session")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_constraint("uq_app_user_operator_id", type_="unique")
        batch.drop_constraint("uq_app_user_username_key", type_="unique")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
        batch.drop_column("username_key")
