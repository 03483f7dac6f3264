"""The web app's shared state in the database: signed-in sessions, failed sign-ins (the limiter's memory)
and webhook dead letters. Several web processes behind a load balancer read and write the same rows, so
a user signed in through one is signed in through all, a restart logs nobody out, and a password guesser
cannot reset the limiter by landing on another process.

Anonymous visitors (the sign-in page) get no row: their CSRF token travels in the signed cookie, so a
flood of page views cannot fill the table.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from dialer.db.models import User, utcnow
from dialer.db.web_models import LoginFailure, WebhookDeadLetter, WebSessionRow
from dialer.web.security import WebSession, WebUser


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Sessions behind a signed cookie: `{"sid": id}` for a signed-in user (a row here), `{"csrf": token}`
    for an anonymous visitor (no row)."""

    TOUCH_EVERY_S = 60.0  # last_seen_at is written at most once a minute per session

    def __init__(self, secret: str, idle_s: int, sessions: sessionmaker[Session]) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="dialer-session")
        self.sessions = sessions
        self.idle_s = idle_s

    def new(self, user: WebUser | None = None) -> WebSession:
        s = WebSession(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), user=user)
        if user is not None:
            now = utcnow()
            with self.sessions.begin() as db:
                db.execute(
                    delete(WebSessionRow).where(WebSessionRow.last_seen_at < now - timedelta(seconds=self.idle_s))
                )
                db.add(
                    WebSessionRow(id_hash=_digest(s.id), csrf=s.csrf, user_id=user.id, created_at=now, last_seen_at=now)
                )
        return s

    def cookie_value(self, session: WebSession) -> str:
        payload = {"sid": session.id} if session.user is not None else {"csrf": session.csrf}
        return self._serializer.dumps(payload)

    def load(self, cookie: str | None) -> WebSession | None:
        if not cookie:
            return None
        try:
            payload = self._serializer.loads(cookie, max_age=max(self.idle_s * 3, 86400))
        except BadSignature:
            return None
        if not isinstance(payload, dict):
            return None
        if isinstance(payload.get("csrf"), str):
            return WebSession(id="", csrf=payload["csrf"])
        sid = payload.get("sid")
        if not isinstance(sid, str):
            return None
        now = utcnow()
        with self.sessions.begin() as db:
            found = db.execute(
                select(WebSessionRow, User)
                .join(User, User.id == WebSessionRow.user_id)
                .where(WebSessionRow.id_hash == _digest(sid))
            ).first()
            if found is None:
                return None
            row, user = found
            if now - row.last_seen_at > timedelta(seconds=self.idle_s) or not user.active:
                db.delete(row)
                return None
            if (now - row.last_seen_at).total_seconds() > self.TOUCH_EVERY_S:
                row.last_seen_at = now
            who = WebUser(user.id, user.username, user.role, user.operator_id, user.language, user.time_zone)
            return WebSession(id=sid, csrf=row.csrf, user=who)

    def delete(self, session_id: str) -> None:
        if not session_id:
            return
        with self.sessions.begin() as db:
            db.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == _digest(session_id)))

    def drop_user(self, user_id: int) -> int:
        return drop_user_sessions(self.sessions, user_id)


def drop_user_sessions(sessions: sessionmaker[Session], user_id: int) -> int:
    """Sign a user out everywhere, in every web process (role change, deactivation, new password, TOTP)."""
    with sessions.begin() as db:
        n = db.scalar(select(func.count()).select_from(WebSessionRow).where(WebSessionRow.user_id == user_id))
        db.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))
    return int(n or 0)


class LoginRateLimiter:
    """Failed sign-ins counted in the database over a sliding window, by (user name, client) and by client.

    - `max_failures` per (user, client): that client may not guess that user's password further;
    - `client_max_failures` per client over any user names: password spraying from one address is stopped.
    Nothing is counted per user alone, so nobody can lock a user out from their own address: a correct
    password from a client that has not failed is always accepted."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        max_failures: int,
        window_s: float,
        client_max_failures: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sessions = sessions
        self.max_failures = max_failures
        self.window_s = window_s
        self.client_max_failures = client_max_failures
        self.clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=utcnow().tzinfo)

    def retry_after(self, username_key: str, client: str) -> float:
        """Seconds until this client may try this user again; 0 when allowed."""
        now = self._now()
        since = now - timedelta(seconds=self.window_s)
        recent = (LoginFailure.client == client[:64]) & (LoginFailure.at >= since)
        with self.sessions() as db:
            pair = list(
                db.scalars(
                    select(LoginFailure.at)
                    .where(recent, LoginFailure.username_key == username_key[:80])
                    .order_by(LoginFailure.at)
                )
            )
            waits: list[float] = []
            if len(pair) >= self.max_failures:
                waits.append((pair[-self.max_failures] - since).total_seconds())
            n_client = db.scalar(select(func.count()).select_from(LoginFailure).where(recent)) or 0
            if n_client >= self.client_max_failures:
                nth = db.scalar(
                    select(LoginFailure.at)
                    .where(recent)
                    .order_by(LoginFailure.at.desc())
                    .offset(self.client_max_failures - 1)
                    .limit(1)
                )
                if nth is not None:
                    waits.append((nth - since).total_seconds())
        return max([1.0, *waits]) if waits else 0.0

    def failed(self, username_key: str, client: str) -> None:
        now = self._now()
        with self.sessions.begin() as db:
            db.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(seconds=self.window_s * 2)))
            db.add(LoginFailure(at=now, username_key=username_key[:80], client=client[:64]))

    def succeeded(self, username_key: str, client: str) -> None:
        with self.sessions.begin() as db:
            db.execute(
                delete(LoginFailure).where(
                    LoginFailure.username_key == username_key[:80], LoginFailure.client == client[:64]
                )
            )


def add_dead_letter(
    sessions: sessionmaker[Session], url: str, payload: dict[str, Any], attempts: int, error: str | None
) -> int:
    with sessions.begin() as db:
        row = WebhookDeadLetter(
            url=url[:500],
            event=str(payload.get("event", ""))[:60],
            payload=payload,
            attempts=attempts,
            last_error=error,
        )
        db.add(row)
        db.flush()
        return row.id


def dead_letters(sessions: sessionmaker[Session], limit: int = 100) -> list[WebhookDeadLetter]:
    with sessions() as db:
        return list(db.scalars(select(WebhookDeadLetter).order_by(WebhookDeadLetter.id.desc()).limit(limit)))
