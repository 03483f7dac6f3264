"""consent history, national registers, do-not-call removals

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 05:50:00

Consent moves from the contact's `extra` (consent_source / consent_date / consent_expires /
consent_revoked, written by imports) to the `consent` table: one row per consent and per
withdrawal. The data step copies every contact's consent fields into events (channel
`migration`, reference = list file and row); `extra` is left as it was, so a downgrade loses
nothing. Rows whose dates cannot be read are not copied (the contact had no usable consent
before either: the old check raised on them).
"""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(value: object) -> dt.datetime | None:
    """Frozen copy of the import's date rule: ISO date or datetime, naive read as UTC."""
    if value is None or value == "":
        return None
    parsed = dt.datetime.fromisoformat(str(value).strip())
    # stored as UTC, as the models' UTCDateTime does (SQLite would otherwise drop the offset)
    return parsed.astimezone(dt.UTC) if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _utc(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _copy_consent_from_contacts() -> None:
    bind = op.get_bind()
    contact = sa.table(
        "contact",
        sa.column("id", sa.Integer),
        sa.column("list_id", sa.Integer),
        sa.column("phone", sa.String),
        sa.column("row_number", sa.Integer),
        sa.column("extra", sa.JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    contact_list = sa.table(
        "contact_list", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("source_file", sa.String)
    )
    consent = sa.table(
        "consent",
        sa.column("phone", sa.String),
        sa.column("contact_id", sa.Integer),
        sa.column("purpose", sa.String),
        sa.column("action", sa.String),
        sa.column("source", sa.String),
        sa.column("channel", sa.String),
        sa.column("reference", sa.String),
        sa.column("given_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(
            contact.c.id,
            contact.c.phone,
            contact.c.row_number,
            contact.c.extra,
            contact.c.created_at,
            contact_list.c.name,
            contact_list.c.source_file,
        ).join(contact_list, contact_list.c.id == contact.c.list_id)
    ).all()
    events: list[dict[str, Any]] = []
    for cid, phone, row_number, extra, created_at, list_name, source_file in rows:
        fields = json.loads(extra) if isinstance(extra, str) else (extra or {})
        if not any(k in fields for k in ("consent_source", "consent_date", "consent_revoked")):
            continue
        try:
            given = _instant(fields.get("consent_date"))
            expires = _instant(fields.get("consent_expires"))
            revoked = _instant(fields.get("consent_revoked"))
        except ValueError:
            continue
        source = str(fields.get("consent_source") or "").strip()
        purpose = str(fields.get("consent_purpose") or "").strip() or "advertising"
        base = {
            "phone": phone,
            "contact_id": cid,
            "purpose": purpose,
            "channel": "migration",
            "reference": f"{source_file or list_name} row {row_number}" if row_number else (source_file or list_name),
            "expires_at": None,
            "recorded_at": _utc(created_at),
        }
        if source and given is not None:
            events.append({**base, "action": "given", "source": source, "given_at": given, "expires_at": expires})
        if revoked is not None:
            events.append({**base, "action": "withdrawn", "source": source or "import", "given_at": revoked})
    if events:
        bind.execute(consent.insert(), events)


def upgrade() -> None:
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_consent_contact_id_contact"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["recorded_by"], ["app_user.id"], name=op.f("fk_consent_recorded_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_consent_phone", ["phone", "purpose"], unique=False)

    op.create_table(
        "national_register",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_file", sa.String(length=500), nullable=True),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("numbers", sa.Integer(), nullable=False),
        sa.Column("loaded_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_register")),
        sa.UniqueConstraint("name", name=op.f("uq_national_register_name")),
    )
    op.create_table(
        "national_register_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["register_id"],
            ["national_register.id"],
            name=op.f("fk_national_register_number_register_id_national_register"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_register_number")),
        sa.UniqueConstraint("register_id", "phone", name=op.f("uq_national_register_number_register_id")),
    )
    with op.batch_alter_table("national_register_number", schema=None) as batch_op:
        batch_op.create_index("ix_national_register_number_phone", ["phone"], unique=False)

    with op.batch_alter_table("do_not_call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("removed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("removed_source", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("removed_reason", sa.String(length=300), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_do_not_call_removed_by_app_user"), "app_user", ["removed_by"], ["id"]
        )

    _copy_consent_from_contacts()


def downgrade() -> None:
    with op.batch_alter_table("do_not_call", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_do_not_call_removed_by_app_user"), type_="foreignkey")
        batch_op.drop_column("removed_reason")
        batch_op.drop_column("removed_source")
        batch_op.drop_column("removed_by")
        batch_op.drop_column("removed_at")
    with op.batch_alter_table("national_register_number", schema=None) as batch_op:
        batch_op.drop_index("ix_national_register_number_phone")
    op.drop_table("national_register_number")
    op.drop_table("national_register")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_phone")
        batch_op.drop_index(batch_op.f("ix_consent_contact_id"))
    op.drop_table("consent")
