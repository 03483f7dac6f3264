"""Which campaigns this dialer process paces. Several processes may share one PostgreSQL: each campaign's
pacing runs on exactly one of them, the one holding the campaign's session advisory lock. A process
that dies loses its connection and with it the lock, and another takes the campaign over at its next
scheduler sync (seconds). SQLite is one process: every campaign is ours."""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

LOCK_SPACE = 0x4449414C  # "DIAL": keeps our advisory locks apart from anybody else's


class CampaignLeases:
    """Use from one thread (the service's database worker): the locks live on one connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"
        self._conn: Connection | None = None
        self.held: set[int] = set()

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.held.clear()  # a new session holds nothing
        return self._conn

    def try_acquire(self, campaign_id: int) -> bool:
        if not self.shared:
            self.held.add(campaign_id)
            return True
        if campaign_id in self.held and self.still_held(campaign_id):
            return True
        got = bool(
            self._connection()
            .execute(text("SELECT pg_try_advisory_lock(:space, :id)"), {"space": LOCK_SPACE, "id": campaign_id})
            .scalar()
        )
        if got:
            self.held.add(campaign_id)
        return got

    def still_held(self, campaign_id: int) -> bool:
        """Is the lock still ours? (It is not if our database session died, e.g. a database restart.)"""
        if not self.shared:
            return campaign_id in self.held
        if self._conn is None or campaign_id not in self.held:
            return False
        try:
            count = self._conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                    " AND classid = :space AND objid = :id AND granted"
                ),
                {"space": LOCK_SPACE, "id": campaign_id},
            ).scalar()
        except DBAPIError:
            log.warning("lost the database session holding the campaign locks")
            self.held.clear()
            return False
        if not count:
            self.held.discard(campaign_id)
        return bool(count)

    def release(self, campaign_id: int) -> None:
        if campaign_id not in self.held:
            return
        self.held.discard(campaign_id)
        if self.shared and self._conn is not None and not self._conn.closed:
            with contextlib.suppress(DBAPIError):
                self._conn.execute(
                    text("SELECT pg_advisory_unlock(:space, :id)"), {"space": LOCK_SPACE, "id": campaign_id}
                )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self.held.clear()
