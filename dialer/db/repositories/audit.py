"""The audit log: security- and compliance-relevant actions, with who did them."""

from __future__ import annotations

from typing import Any

from dialer.db.models import AuditLog
from dialer.db.repositories.base import RepositoryBase


class AuditRepository(RepositoryBase):
    def audit(self, action: str, target: str | None, detail: dict[str, Any], user_id: int | None = None) -> None:
        with self.sessions.begin() as s:
            s.add(AuditLog(user_id=user_id, action=action, target=target, detail=detail))
