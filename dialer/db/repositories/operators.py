"""Operators and their sessions: one log-in of an operator, with its state changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from dialer.db.models import Operator, OperatorSession, OperatorStateChange
from dialer.db.repositories.base import RepositoryBase


class OperatorRepository(RepositoryBase):
    def ensure_operator(self, login: str, name: str, sip_endpoint: str) -> int:
        with self.sessions.begin() as s:
            op = s.scalar(select(Operator).where(Operator.login == login))
            if op is None:
                op = Operator(login=login, name=name, sip_endpoint=sip_endpoint)
                s.add(op)
            op.sip_endpoint = sip_endpoint
            s.flush()
            return op.id

    def set_operator_server(self, login: str, server: str | None) -> None:
        """Home the operator on one Asterisk server (None: the default server)."""
        with self.sessions.begin() as s:
            s.execute(update(Operator).where(Operator.login == login).values(asterisk_server=server))

    def operator(self, login: str) -> Operator | None:
        with self.sessions() as s:
            return s.scalar(select(Operator).where(Operator.login == login))

    def start_operator_session(self, operator_id: int, campaign_id: int | None, channel_id: str) -> int:
        with self.sessions.begin() as s:
            row = OperatorSession(operator_id=operator_id, campaign_id=campaign_id, channel_id=channel_id)
            s.add(row)
            s.flush()
            return row.id

    def update_operator_session(self, session_id: int, **values: Any) -> None:
        with self.sessions.begin() as s:
            s.execute(update(OperatorSession).where(OperatorSession.id == session_id).values(**values))

    def operator_state(self, session_id: int, state: str, at: datetime, reason: str | None = None) -> None:
        with self.sessions.begin() as s:
            s.add(OperatorStateChange(session_id=session_id, state=state, at=at, reason=reason))

    def end_operator_session(self, session_id: int, at: datetime, reason: str) -> None:
        with self.sessions.begin() as s:
            s.execute(
                update(OperatorSession)
                .where(OperatorSession.id == session_id, OperatorSession.ended_at.is_(None))
                .values(ended_at=at, end_reason=reason)
            )
            s.add(OperatorStateChange(session_id=session_id, state="logged_out", at=at, reason=reason))

    def end_open_operator_sessions(self, at: datetime, reason: str, campaign_id: int | None = None) -> int:
        with self.sessions() as s:
            q = select(OperatorSession.id).where(OperatorSession.ended_at.is_(None))
            if campaign_id is not None:
                q = q.where(OperatorSession.campaign_id == campaign_id)
            ids = list(s.scalars(q))
        for session_id in ids:
            self.end_operator_session(session_id, at, reason)
        return len(ids)
