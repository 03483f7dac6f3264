"""Call scripts: the versions a manager saved and the campaign's rotation (one version, or two side by side).

Versions are append-only: a save inserts the next version, nothing updates or deletes one, so an attempt's
`script_version_id` always names the text the operator read. Apart from dialer.db.models (which holds the
dialling aggregates); migrations/env.py and dialer.db.repositories.scripts import it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dialer.db.models import Base, utcnow


class CallScript(Base):
    """One saved version of a campaign's call script (the markup of dialer.callscripts.markup)."""

    __tablename__ = "call_script"
    __table_args__ = (UniqueConstraint("campaign_id", "version", name="uq_call_script_campaign_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per campaign
    body: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(String(200))  # what changed, in the manager's words
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))


class ScriptRotation(Base):
    """Which version(s) a campaign's operators read: A alone, or A and B with `share_b` of contacts on B.
    `salt` changes with every new pair, so a new experiment splits the contacts afresh."""

    __tablename__ = "script_rotation"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    version_a_id: Mapped[int] = mapped_column(ForeignKey("call_script.id"))
    version_b_id: Mapped[int | None] = mapped_column(ForeignKey("call_script.id"))
    share_b: Mapped[float] = mapped_column(Float, default=0.5)
    salt: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
