"""Applying campaign files and importing contact lists into the database.

The rules are pure (dialer.rules.campaign validates, dialer.lists classifies each row); this adapter
only moves their results into the repository.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from dialer.db.models import Campaign, Contact
from dialer.db.repository import Repository
from dialer.lists import ImportReport
from dialer.lists.export import CellValue
from dialer.lists.importer import ContactStatus, ImportedContact, import_contacts
from dialer.pacing import DialingMode, PacingKnobs
from dialer.rules.campaign import CampaignDefinition, load_campaign, parse_campaign

# What an import status becomes in the contact table: only accepted contacts are ever dialled.
CONTACT_STATUS = {
    ContactStatus.ACCEPTED: "new",
    ContactStatus.FILTERED: "filtered",
    ContactStatus.CORPORATE: "corporate",
    ContactStatus.DO_NOT_CALL: "dnc",
}


# Knobs an admin may change live (dialer.web's pacing console); stored in Campaign.pacing_overrides.
LIVE_KNOBS: dict[str, type] = {
    "target_abandon_rate": float,
    "min_lines_per_operator": float,
    "max_lines_per_operator": float,
    "max_lines": int,
    "mode": str,
    "paused": bool,
}


def campaign_knobs(c: Campaign) -> PacingKnobs:
    """The campaign's pacing knobs: its definition, with the admin's live overrides on top."""
    base = (
        parse_campaign(c.definition, c.name).pacing_knobs()
        if c.definition
        else PacingKnobs(mode=DialingMode(c.dialing_mode), max_lines=c.max_lines)
    )
    overrides: dict[str, Any] = {
        k: (DialingMode(v) if k == "mode" else v) for k, v in (c.pacing_overrides or {}).items() if k in LIVE_KNOBS
    }
    return replace(base, **overrides)


def apply_campaign(repo: Repository, definition: CampaignDefinition, trunk: str | None = None) -> int:
    """Create or update the campaign from its validated definition; returns its id."""
    fields: dict[str, Any] = {
        "dialing_mode": definition.dialing.mode.value,
        "caller_id": definition.caller_id,
        "dial_string": definition.dial_string or trunk,
        "amd_enabled": definition.amd,
        "record_calls": definition.recording != "none",
        "ring_timeout_s": float(definition.ring_timeout_seconds),
        "connect_limit_s": float(definition.connect_limit_seconds),
        "wrapup_s": float(definition.wrap_up_seconds),
        "max_lines": definition.dialing.max_lines,
    }
    dispositions = [d.model_dump(exclude={"do_not_call", "final"}) for d in definition.dispositions]
    campaign_id = repo.upsert_campaign(
        definition.name, fields=fields, dispositions=dispositions, definition=definition.model_dump(mode="json")
    )
    if definition.compliance:
        from dialer.compliance.profiles import compliance_from_config

        for entry in compliance_from_config(definition.compliance).overrides_to_log():
            repo.audit("compliance.override", definition.name, dict(entry))
    return campaign_id


def apply_campaign_file(repo: Repository, path: str | Path) -> tuple[int, CampaignDefinition]:
    definition = load_campaign(path)
    return apply_campaign(repo, definition), definition


def _contact_row(item: ImportedContact) -> dict[str, Any]:
    c = item.contact
    extra = dict(c.extra)
    if c.city:
        extra.setdefault("city", c.city)
    if c.parent_tax_id:
        extra.setdefault("parent_tax_id", c.parent_tax_id)
    return {
        "row_number": c.row_number,
        "phone": c.phones[0],
        "alt_phones": list(c.phones[1:]),
        "company": c.company,
        "contact_person": c.contact_person,
        "specialty": item.matched_specialty or c.specialty,
        "headcount": c.headcount,
        "tax_id": c.tax_id,
        "group_name": c.group,
        "region": c.region,
        "email": c.email,
        "timezone": c.timezone,
        "timezone_candidates": list(c.timezone_candidates),
        "extra": extra,
        "status": CONTACT_STATUS[item.status],
        "status_reason": item.reason,
    }


def import_list(
    repo: Repository,
    campaign_id: int,
    definition: CampaignDefinition,
    path: str | Path,
    list_name: str | None = None,
    on_row: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a CSV/XLSX into the campaign. All or nothing: a file error stores no row."""
    path = Path(path)
    name = list_name or path.stem
    ref = next((x for x in definition.lists if x.name == name), None)
    dnc_global, dnc_campaign = repo.do_not_call_phones(campaign_id)
    run = import_contacts(
        path,
        definition.import_rules(),
        existing_phones=repo.campaign_phones(campaign_id),
        dnc_global=dnc_global,
        dnc_campaign=dnc_campaign,
        mapping=ref.mapping if ref else None,
        default_region=ref.default_region if ref else "RU",
        sheet=ref.sheet if ref else None,
    )

    def rows() -> Iterator[dict[str, Any]]:
        for n, item in enumerate(run, 1):
            if on_row is not None and n % 1000 == 0:
                on_row(n)
            if isinstance(item, ImportedContact) and item.status in CONTACT_STATUS:
                yield _contact_row(item)

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    repo.add_contact_list(
        campaign_id, name, rows(), source_file=path.name, source_sha256=sha, report=lambda: report_dict(run.report)
    )
    return run.report


def corporate_row(x: Contact) -> list[CellValue]:
    """One contact of the corporate queue, in CORPORATE_HEADER's columns (web and CLI exports)."""
    return [
        x.row_number,
        x.phone,
        ", ".join(x.alt_phones),
        x.company,
        x.tax_id,
        (x.extra or {}).get("parent_tax_id"),
        x.group_name,
        x.headcount,
        x.specialty,
        x.contact_person,
        x.email,
        x.region,
        x.timezone,
        x.status_reason,
    ]


def report_dict(report: ImportReport) -> dict[str, Any]:
    return {
        "file": report.file,
        "rows_read": report.rows_read,
        "accepted": report.accepted,
        "filtered": dict(report.filtered),
        "corporate": dict(report.corporate),
        "duplicates": dict(report.duplicates),
        "do_not_call": dict(report.do_not_call),
        "invalid": report.invalid_count,
        "invalid_rows": [e._asdict() for e in report.invalid[:100]],
    }
