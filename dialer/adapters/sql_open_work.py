"""The SQL side of the service's `OpenWork` port: what a dead dialer process left open, register states."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dialer.compliance.registers import RegisterState
from dialer.db.compliance_store import register_states
from dialer.db.models import Attempt, OperatorSession
from dialer.service.ports import LeftOpen


class SqlOpenWork:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def left_open(self, campaign_id: int) -> LeftOpen:
        with self.sessions() as s:
            attempts = s.execute(
                select(Attempt.id, Attempt.channel_id).where(
                    Attempt.campaign_id == campaign_id, Attempt.outcome.is_(None)
                )
            ).all()
            sessions = s.execute(
                select(OperatorSession.id, OperatorSession.channel_id, OperatorSession.bridge_id).where(
                    OperatorSession.campaign_id == campaign_id, OperatorSession.ended_at.is_(None)
                )
            ).all()
        return LeftOpen([(a, c) for a, c in attempts], [(i, c, b) for i, c, b in sessions])

    def register_states(self) -> dict[str, RegisterState]:
        return register_states(self.sessions)
