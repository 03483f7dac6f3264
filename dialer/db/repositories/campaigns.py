"""Campaigns and their dispositions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update

from dialer.db.models import Campaign, Disposition, utcnow
from dialer.db.repositories.base import RepositoryBase


class CampaignRepository(RepositoryBase):
    def upsert_campaign(
        self,
        name: str,
        *,
        fields: dict[str, Any],
        dispositions: Sequence[dict[str, Any]] = (),
        definition: dict[str, Any] | None = None,
    ) -> int:
        with self.sessions.begin() as s:
            campaign = s.scalar(select(Campaign).where(Campaign.name == name))
            if campaign is None:
                campaign = Campaign(name=name)
                s.add(campaign)
            for key, value in fields.items():
                setattr(campaign, key, value)
            campaign.definition = definition or {}
            s.flush()
            existing = {d.code: d for d in s.scalars(select(Disposition).where(Disposition.campaign_id == campaign.id))}
            for d in dispositions:
                row = existing.get(d["code"]) or Disposition(campaign_id=campaign.id, code=d["code"])
                for key in ("label", "positive", "refusal", "callback"):
                    if key in d:
                        setattr(row, key, d[key])
                s.add(row)
            return campaign.id

    def campaign(self, campaign_id: int) -> Campaign:
        with self.sessions() as s:
            c = s.get(Campaign, campaign_id)
            if c is None:
                raise KeyError(f"no campaign {campaign_id}")
            return c

    def campaigns(self) -> list[Campaign]:
        with self.sessions() as s:
            return list(s.scalars(select(Campaign).order_by(Campaign.id)))

    def campaign_by_name(self, name: str) -> Campaign | None:
        with self.sessions() as s:
            return s.scalar(select(Campaign).where(Campaign.name == name))

    def set_campaign_status(self, campaign_id: int, status: str) -> None:
        with self.sessions.begin() as s:
            s.execute(update(Campaign).where(Campaign.id == campaign_id).values(status=status, updated_at=utcnow()))

    def dispositions(self, campaign_id: int) -> list[Disposition]:
        with self.sessions() as s:
            return list(s.scalars(select(Disposition).where(Disposition.campaign_id == campaign_id)))
