"""Load evidence records from the database and write the report to CSV/XLSX.

Read-only: plain SELECTs over `attempt` joined with `contact`, and the audit log for blocked
dials; no schema change. Blocked dials have no table of their own: the lease is expected to
add an `AuditLog(action="dial.blocked")` row per refusal (`blocked_dial_audit` builds it), and
this module reads those back. Writers go through `dialer.lists.export.write_table`, which
neutralises spreadsheet formula injection (phone numbers and causes come from outside).
"""

# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dialer.compliance.evidence import (
    ROLLING_DAYS,
    AmdFalsePositiveMethod,
    AttemptRecord,
    BlockedDial,
    EvidenceReport,
    build_evidence,
)
from dialer.compliance.evidence_tables import LEDGER_HEADER, SUMMARY_HEADER, ledger_rows, summary_rows
from dialer.compliance.profiles import ComplianceProfile
from dialer.db.models import Attempt, AuditLog, Campaign, Contact, Recording
from dialer.lists.export import write_table
from dialer.rules.windows import CallingWindows, ContactZones

BLOCKED_DIAL_ACTION = "dial.blocked"


def _zones(timezone: str | None, candidates: list[str] | None) -> ContactZones:
    return timezone or (tuple(candidates) if candidates else None)


def load_attempt_records(
    sessions: sessionmaker[Session], campaign_id: int, start: dt.datetime, end: dt.datetime
) -> list[AttemptRecord]:
    """Attempts of the campaign originated in [start, end), with the contact's zone."""
    q = (
        select(
            Attempt.id,
            Attempt.contact_id,
            Attempt.phone,
            Attempt.originated_at,
            Attempt.answered_at,
            Attempt.bridged_at,
            Attempt.ended_at,
            Attempt.outcome,
            Attempt.amd_status,
            Attempt.amd_cause,
            Attempt.amd_at,
            Attempt.abandon_message_played,
            Recording.dead_air_start_s,
            Contact.timezone,
            Contact.timezone_candidates,
        )
        .join(Contact, Attempt.contact_id == Contact.id)
        .outerjoin(Recording, Recording.attempt_id == Attempt.id)
        .where(
            Attempt.campaign_id == campaign_id,
            Attempt.originated_at >= start,
            Attempt.originated_at < end,
            Attempt.direction == "outbound",  # calls we placed; inbound ones are no dial of ours
        )
        .order_by(Attempt.originated_at, Attempt.id)
    )
    with sessions() as s:
        rows = s.execute(q).all()
    return [
        AttemptRecord(
            attempt_id=r.id,
            contact_id=r.contact_id,
            phone=r.phone,
            originated_at=r.originated_at,
            answered_at=r.answered_at,
            bridged_at=r.bridged_at,
            ended_at=r.ended_at,
            outcome=r.outcome,
            amd_status=r.amd_status,
            amd_cause=r.amd_cause,
            amd_at=r.amd_at,
            timezone=_zones(r.timezone, r.timezone_candidates),
            abandon_message_played=r.abandon_message_played,
            dead_air_s=r.dead_air_start_s,
        )
        for r in rows
    ]


def blocked_dial_audit(
    *, campaign_id: int, contact_id: int, phone: str, reason: str, detail: str = "", at: dt.datetime
) -> AuditLog:
    """The audit row the lease should add for each refused dial (in its own transaction)."""
    return AuditLog(
        at=at,
        action=BLOCKED_DIAL_ACTION,
        target=phone,
        detail={"campaign_id": campaign_id, "contact_id": contact_id, "reason": reason, "detail": detail},
    )


def load_blocked_dials(
    sessions: sessionmaker[Session], campaign_id: int, start: dt.datetime, end: dt.datetime
) -> list[BlockedDial]:
    """Refused dials of the campaign in [start, end), from the audit log."""
    q = (
        select(AuditLog.at, AuditLog.target, AuditLog.detail)
        .where(AuditLog.action == BLOCKED_DIAL_ACTION, AuditLog.at >= start, AuditLog.at < end)
        .order_by(AuditLog.at, AuditLog.id)
    )
    with sessions() as s:
        rows = s.execute(q).all()
    out = []
    for at, target, detail in rows:
        d: dict[str, Any] = detail or {}
        if d.get("campaign_id") != campaign_id:
            continue
        out.append(
            BlockedDial(
                at=at,
                contact_id=int(d.get("contact_id") or 0),
                phone=target or "",
                reason=str(d.get("reason") or "unknown"),
                detail=str(d.get("detail") or ""),
            )
        )
    return out


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def evidence_for_campaign(
    sessions: sessionmaker[Session],
    campaign_id: int,
    campaign_name: str,
    *,
    rules: ComplianceProfile,
    period_start: dt.date,
    period_end: dt.date,
    campaign_windows: CallingWindows | None = None,
    report_tz: str = "UTC",
    amd_method: AmdFalsePositiveMethod | None = None,
    late_connects_are_abandons: bool = True,
    machines_count_as_abandons: bool = False,
) -> EvidenceReport:
    """Load what the period (and the 29 days before it, for rolling windows) needs and build the report."""
    zone = ZoneInfo(report_tz)
    # one spare day either side: the report buckets by local date itself
    start = _local_midnight(period_start - dt.timedelta(days=ROLLING_DAYS), zone)
    end = _local_midnight(period_end + dt.timedelta(days=2), zone)
    attempts = load_attempt_records(sessions, campaign_id, start, end)
    blocked = load_blocked_dials(sessions, campaign_id, start, end)
    return build_evidence(
        attempts,
        blocked,
        campaign=campaign_name,
        rules=rules,
        period_start=period_start,
        period_end=period_end,
        campaign_windows=campaign_windows,
        report_tz=report_tz,
        amd_method=amd_method,
        late_connects_are_abandons=late_connects_are_abandons,
        machines_count_as_abandons=machines_count_as_abandons,
    )


def write_evidence(report: EvidenceReport, path: str | Path) -> int:
    """The summary (one row per figure, with the ids behind it); .csv or .xlsx by extension."""
    return write_table(path, SUMMARY_HEADER, summary_rows(report), sheet_title="Evidence")


def write_evidence_ledger(report: EvidenceReport, path: str | Path) -> int:
    """One row per attempt with every flag the summary counts; .csv or .xlsx by extension."""
    return write_table(path, LEDGER_HEADER, ledger_rows(report), sheet_title="Attempts")


def write_evidence_files(report: EvidenceReport, directory: str | Path, fmt: str = "csv") -> Iterable[Path]:
    """Both tables into `directory` as evidence-<campaign>-<start>_<end>[-ledger].<fmt>."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError("fmt must be 'csv' or 'xlsx'")
    base = Path(directory)
    base.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in report.campaign)
    stem = f"evidence-{safe}-{report.period_start.isoformat()}_{report.period_end.isoformat()}"
    summary, ledger = base / f"{stem}.{fmt}", base / f"{stem}-ledger.{fmt}"
    write_evidence(report, summary)
    write_evidence_ledger(report, ledger)
    return (summary, ledger)


class NoComplianceProfile(ValueError):
    """The campaign has no compliance profile and none was given; the message says what to do."""

    def __init__(self, campaign: str) -> None:
        self.campaign = campaign
        super().__init__(
            f"Campaign {campaign!r} has no compliance profile, so there is no rule to report against. "
            "Add `compliance: {profile: RU}` (US, UK, RU or RU_COLLECTION) to its file and apply it again, "
            "or pick a profile for this report.\n"
            f"У кампании {campaign!r} не выбран профиль соответствия, поэтому отчёт не с чем сверять. "
            "Добавьте `compliance: {profile: RU}` (US, UK, RU или RU_COLLECTION) в её файл и примените его "
            "снова или выберите профиль для этого отчёта."
        )


def campaign_evidence(
    sessions: sessionmaker[Session],
    campaign: Campaign,
    *,
    period_start: dt.date,
    period_end: dt.date,
    profile_code: str | None = None,
    report_tz: str = "UTC",
) -> EvidenceReport:
    """The evidence report of a campaign row under its own profile (or `profile_code`), with its
    calling windows: what the CLI and the web page both show."""
    from dialer.compliance.profiles import compliance_from_config, profile
    from dialer.rules.campaign import parse_campaign

    if period_end < period_start:
        raise ValueError("the period ends before it starts")
    definition = parse_campaign(campaign.definition, campaign.name) if campaign.definition else None
    if profile_code:
        rules = profile(profile_code)
    elif definition is not None and definition.compliance:
        rules = compliance_from_config(definition.compliance).rules
    else:
        raise NoComplianceProfile(campaign.name)
    # the runtime dials with the tighter of the campaign's and the profile's limit: so does the report
    rules = replace(rules, connect_limit_s=min(rules.connect_limit_s, campaign.connect_limit_s))
    return evidence_for_campaign(
        sessions,
        campaign.id,
        campaign.name,
        rules=rules,
        period_start=period_start,
        period_end=period_end,
        campaign_windows=definition.calling_windows_rules() if definition is not None else None,
        report_tz=report_tz,
        machines_count_as_abandons=definition.dialing.machines_count_as_abandons if definition else False,
    )
