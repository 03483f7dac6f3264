"""The web app's queries about users, the audit log and operators (part of WebQueries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from dialer.db.models import Attempt, AuditLog, Operator, User
from dialer.web.users import normalise_username, username_key


class UserQueries:
    sessions: sessionmaker[Session]

    # -- users and audit -----------------------------------------------------------------------------
    def user_by_username(self, username: str) -> User | None:
        """Case-insensitive after NFKC ("Анна-QA" finds "анна-qa")."""
        with self.sessions() as s:
            return s.scalar(select(User).where(User.username_key == username_key(username)))

    def user_of_operator(self, operator_id: int) -> User | None:
        with self.sessions() as s:
            return s.scalar(select(User).where(User.operator_id == operator_id))

    def user(self, user_id: int) -> User | None:
        with self.sessions() as s:
            return s.get(User, user_id)

    def users(self) -> list[User]:
        with self.sessions() as s:
            return list(s.scalars(select(User).order_by(User.username)))

    def create_user(self, username: str, password_hash: str, role: str, operator_id: int | None) -> int:
        with self.sessions.begin() as s:
            row = User(
                username=normalise_username(username),
                username_key=username_key(username),
                password_hash=password_hash,
                role=role,
                operator_id=operator_id,
            )
            s.add(row)
            s.flush()
            return row.id

    def use_totp_step(self, user_id: int, step: int) -> bool:
        """Record that the code of `step` was used; False if it (or a later one) was used before: a
        replayed code. One UPDATE, so two web processes cannot both accept the same code."""
        with self.sessions.begin() as s:
            done = s.execute(
                update(User)
                .where(User.id == user_id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step)
            )
            return bool(done.rowcount)  # type: ignore[attr-defined]

    def update_user(self, user_id: int, **values: Any) -> User:
        with self.sessions.begin() as s:
            row = s.get(User, user_id)
            if row is None:
                raise KeyError(f"no user {user_id}")
            for k, v in values.items():
                setattr(row, k, v)
            return row

    def audit(self, user_id: int | None, action: str, target: str | None = None, **detail: Any) -> None:
        with self.sessions.begin() as s:
            s.add(AuditLog(user_id=user_id, action=action, target=target, detail=detail))

    def audit_disposition_change(self, user_id: int, attempt: Attempt, new_code: str, **detail: Any) -> None:
        """A disposition replaced (a manager's correction, an operator's within the grace): what it replaced."""
        self.audit(
            user_id,
            "disposition.change",
            f"attempt:{attempt.id}",
            old=attempt.disposition_code,
            old_notes=attempt.notes,
            old_next_action_at=attempt.next_action_at.isoformat() if attempt.next_action_at else None,
            new=new_code,
            **detail,
        )

    def audit_log(self, action: str | None = None, limit: int = 100) -> list[AuditLog]:
        with self.sessions() as s:
            q = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
            if action:
                q = q.where(AuditLog.action == action)
            return list(s.scalars(q))

    def operators(self) -> list[Operator]:
        with self.sessions() as s:
            return list(s.scalars(select(Operator).order_by(Operator.login)))

    def operator_by_id(self, operator_id: int) -> Operator | None:
        with self.sessions() as s:
            return s.get(Operator, operator_id)
