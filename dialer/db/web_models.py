"""Tables of the web app's shared state (dialer.web.state): signed-in sessions, failed sign-ins and webhook
dead letters. Apart from dialer.db.models so the web app's persistence stays in its own modules;
migrations/env.py imports this module so the models and the migrations are checked together."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dialer.db.models import Base, utcnow


class WebSessionRow(Base):
    """A signed-in session. The key is the SHA-256 of the session id: a database dump holds no usable id."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    csrf: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LoginFailure(Base):
    """One failed sign-in: who was tried (normalised name) from which client address, when."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username_key: Mapped[str] = mapped_column(String(80))
    client: Mapped[str] = mapped_column(String(64), index=True)


class WebhookDeadLetter(Base):
    """A webhook every retry failed to deliver: kept with its body so it can be re-sent or inspected."""

    __tablename__ = "webhook_dead_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    url: Mapped[str] = mapped_column(String(500))
    event: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
