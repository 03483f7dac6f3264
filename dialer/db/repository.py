"""The database adapter the service talks to: one repository per aggregate (dialer.db.repositories),
composed here into the one `Repository` the service, web app and CLI hold. Plain synchronous
SQLAlchemy; the service runs it on one worker thread (dialer.service.DbWorker) so the event loop
never waits on the database and writes stay in order."""

from __future__ import annotations

from dialer.db.repositories.attempts import AttemptRepository
from dialer.db.repositories.audit import AuditRepository
from dialer.db.repositories.base import DIALABLE, DNC, DONE, LEASED, WRAP_UP, RepositoryBase
from dialer.db.repositories.campaigns import CampaignRepository
from dialer.db.repositories.contacts import CONTACT_INSERT, ContactListRepository
from dialer.db.repositories.dnc import DoNotCallRepository
from dialer.db.repositories.leasing import DialTask, LeasingRepository
from dialer.db.repositories.operators import OperatorRepository
from dialer.db.repositories.recordings import RecordingRepository
from dialer.db.repositories.reports import CampaignSummary, ReportRepository, ShiftFigures
from dialer.db.repositories.scripts import ScriptRepository, ScriptVersion

__all__ = [
    "CONTACT_INSERT",
    "DIALABLE",
    "DNC",
    "DONE",
    "LEASED",
    "WRAP_UP",
    "CampaignSummary",
    "DialTask",
    "Repository",
    "RepositoryBase",
    "ScriptVersion",
    "ShiftFigures",
]


class Repository(
    CampaignRepository,
    ContactListRepository,
    LeasingRepository,
    AttemptRepository,
    OperatorRepository,
    DoNotCallRepository,
    AuditRepository,
    RecordingRepository,
    ReportRepository,
    ScriptRepository,
):
    """Every aggregate's repository over one session factory: `Repository(sessions)`. New code may
    hold just the one it needs (e.g. `LeasingRepository(sessions)`)."""
