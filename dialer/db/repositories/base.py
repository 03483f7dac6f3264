"""What every per-aggregate repository shares: the session factory, and the contact statuses."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

# The contact's life: new -> leased (being dialled) -> new again (retry) | wrap_up -> ... | done | dnc
DIALABLE = "new"
LEASED = "leased"
WRAP_UP = "wrap_up"  # connected; waiting for the operator's disposition
DONE = "done"
DNC = "dnc"
OUTBOUND = "outbound"  # Attempt.direction of calls we placed (inbound ones: dialer.db.inbound)


class RepositoryBase:
    """Plain synchronous SQLAlchemy; the service runs every call on its one database worker thread."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    @property
    def engine(self) -> Engine:
        bind = self.sessions.kw["bind"]
        assert isinstance(bind, Engine)
        return bind
