"""Do-not-call entries: one row per opt-out, global (campaign NULL) or for one campaign."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from dialer.db.models import DoNotCall
from dialer.db.repositories.base import RepositoryBase


class DoNotCallRepository(RepositoryBase):
    def add_do_not_call(
        self, phone: str, *, campaign_id: int | None, source: str, reason: str | None = None, by: int | None = None
    ) -> None:
        """Opt-outs take effect at once: the next lease checks them."""
        with self.sessions.begin() as s:
            s.add(DoNotCall(phone=phone, campaign_id=campaign_id, source=source, reason=reason, added_by=by))

    def add_do_not_call_many(
        self,
        phones: Iterable[str],
        *,
        campaign_id: int | None,
        source: str,
        reason: str | None = None,
        by: int | None = None,
    ) -> int:
        """Add the numbers not already on that list (one transaction); returns how many were new."""
        with self.sessions.begin() as s:
            q = select(DoNotCall.phone).where(
                DoNotCall.campaign_id.is_(None) if campaign_id is None else DoNotCall.campaign_id == campaign_id,
                DoNotCall.removed_at.is_(None),
            )
            known = set(s.scalars(q))
            new = sorted(set(phones) - known)
            s.add_all(
                DoNotCall(phone=p, campaign_id=campaign_id, source=source, reason=reason, added_by=by) for p in new
            )
            return len(new)

    def do_not_call_phones(self, campaign_id: int) -> tuple[set[str], set[str]]:
        """(global, this campaign's) do-not-call numbers, for screening an import."""
        with self.sessions() as s:
            rows = s.execute(
                select(DoNotCall.phone, DoNotCall.campaign_id).where(
                    (DoNotCall.campaign_id.is_(None)) | (DoNotCall.campaign_id == campaign_id),
                    DoNotCall.removed_at.is_(None),
                )
            ).all()
        return {p for p, c in rows if c is None}, {p for p, c in rows if c is not None}
