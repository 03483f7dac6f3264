"""Applying campaign files and importing contact lists into the database.

The rules are pure (dialer.rules.campaign validates, dialer.lists classifies each row); this adapter
only moves their results into the repository.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from dialer.adapters.campaign_file import load_campaign
from dialer.compliance.consent import CONSENT_KEYS, split_consent_fields
from dialer.db.contact_import import ContactBatch, column_limits
from dialer.db.models import Campaign, Contact
from dialer.db.repository import Repository
from dialer.lists import ImportReport
from dialer.lists.export import CellValue, detail_cells
from dialer.lists.importer import ContactStatus, ImportedContact, ImportRun, import_contacts
from dialer.pacing import DialingMode, PacingKnobs
from dialer.rules.campaign import CampaignDefinition, parse_campaign

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
        else PacingKnobs(mode=DialingMode(c.dialing_mode), max_lines=c.max_lines, wrap_up_limit_s=c.wrapup_s)
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


#: VARCHAR lengths of the contact columns: PostgreSQL refuses longer values, so a 5,000-character
#: "company" cell is cut to the column rather than failing the whole import.
_LIMITS = column_limits()
#: Contacts per write batch (one executemany / COPY each).
_WRITE_BATCH = 10_000
_NO_PHONES = "[]"
_encode_json_str: Callable[[str], str] = json.encoder.encode_basestring_ascii


def _cut(value: str | None, column: str) -> str | None:
    limit = _LIMITS[column]
    return value[:limit] if value is not None and len(value) > limit else value


def _phones_json(phones: tuple[str, ...]) -> str:
    """json.dumps(list(phones)) for E.164 numbers ('+' and digits: nothing to escape)."""
    return '["' + '", "'.join(phones) + '"]' if phones else _NO_PHONES


def _object_json(values: Mapping[str, object]) -> str:
    """json.dumps(values), byte for byte, for the usual all-text dict, ~3x faster: the same C
    string encoder json.dumps uses, and its separators. Anything else goes to json.dumps."""
    if not values:
        return "{}"
    enc = _encode_json_str
    try:
        return "{" + ", ".join([enc(k) + ": " + enc(v) for k, v in values.items()]) + "}"  # type: ignore[arg-type]
    except TypeError:  # a value that is not a str
        return json.dumps(values)


class _ContactValues:
    """ImportedContact -> the value tuple dialer.db.contact_import stores (IMPORT_COLUMNS order).

    JSON columns are serialised here exactly as SQLAlchemy's JSON type would (json.dumps); the
    time-zone candidate lists repeat endlessly, so their JSON is memoised. Text is cut to the
    column's VARCHAR length (PostgreSQL would refuse the whole import otherwise)."""

    def __init__(self, consent_columns: bool) -> None:
        self.consent_columns = consent_columns  # the file has consent_* columns: split them off
        self.consents: list[tuple[str, int | None, dict[str, object]]] = []
        self._zones_json: dict[tuple[str, ...], str] = {}

    def __call__(self, item: ImportedContact, status: str) -> tuple[Any, ...]:
        c = item.contact
        extra: Mapping[str, object] = c.extra
        if c.city or c.parent_tax_id or self.consent_columns:
            extra = dict(extra)
            if c.city:
                extra.setdefault("city", c.city)
            if c.parent_tax_id:
                extra.setdefault("parent_tax_id", c.parent_tax_id)
            if self.consent_columns:
                extra, consent = split_consent_fields(extra)
                if consent:
                    self.consents.append((c.phones[0], c.row_number, consent))
        zones = c.timezone_candidates
        zones_json = self._zones_json.get(zones)
        if zones_json is None:
            zones_json = json.dumps(list(zones))
            if len(self._zones_json) < 10_000:
                self._zones_json[zones] = zones_json
        phones = c.phones
        lim = _LIMITS  # straight-line cuts: a loop over the nine columns costs more than the rest
        company, person, specialty = c.company, c.contact_person, item.matched_specialty or c.specialty
        tax_id, group, region, email, reason = c.tax_id, c.group, c.region, c.email, item.reason
        if company is not None and len(company) > lim["company"]:
            company = company[: lim["company"]]
        if person is not None and len(person) > lim["contact_person"]:
            person = person[: lim["contact_person"]]
        if specialty is not None and len(specialty) > lim["specialty"]:
            specialty = specialty[: lim["specialty"]]
        if tax_id is not None and len(tax_id) > lim["tax_id"]:
            tax_id = tax_id[: lim["tax_id"]]
        if group is not None and len(group) > lim["group_name"]:
            group = group[: lim["group_name"]]
        if region is not None and len(region) > lim["region"]:
            region = region[: lim["region"]]
        if email is not None and len(email) > lim["email"]:
            email = email[: lim["email"]]
        if reason is not None and len(reason) > lim["status_reason"]:
            reason = reason[: lim["status_reason"]]
        return (
            c.row_number,
            phones[0],
            _phones_json(phones[1:]) if len(phones) > 1 else _NO_PHONES,
            company,
            person,
            specialty,
            c.headcount,
            tax_id,
            group,
            region,
            email,
            _cut(c.timezone, "timezone"),
            zones_json,
            _object_json(extra),
            status,
            reason,
        )


def _contact_batches(
    run: ImportRun, values: _ContactValues, on_progress: Callable[[int, float], None] | None
) -> Iterator[ContactBatch]:
    """The run's storable contacts (every status but duplicate) in write batches, in file order."""
    rows: list[tuple[Any, ...]] = []
    status_of = CONTACT_STATUS
    reader = run.reader
    for n, item in enumerate(run, 1):
        if on_progress is not None and n % 5000 == 0:
            on_progress(reader.rows_read, reader.fraction_read())
        if type(item) is not ImportedContact:
            continue  # a RowError: counted in the report, nothing to store
        status = status_of.get(item.status)
        if status is None:
            continue  # a duplicate
        rows.append(values(item, status))
        if len(rows) >= _WRITE_BATCH:
            yield ContactBatch(rows, values.consents)
            rows, values.consents = [], []
    if rows or values.consents:
        yield ContactBatch(rows, values.consents)
    if on_progress is not None:
        on_progress(reader.rows_read, 1.0)


def _file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def import_list(
    repo: Repository,
    campaign_id: int,
    definition: CampaignDefinition,
    path: str | Path,
    list_name: str | None = None,
    on_progress: Callable[[int, float], None] | None = None,
    mapping: Mapping[str | int, str | None] | None = None,
) -> ImportReport:
    """Import a CSV/XLSX into the campaign in one transaction: a file error stores no row.

    Streams: parse (a helper process for big files), classify, and write in batches, with
    memory bounded whatever the file size. `on_progress(rows read, fraction of the file read)`
    is called every few thousand rows (the CLI's progress bar). `mapping` (the CLI's --map) goes on top
    of the campaign YAML's mapping for this list."""
    path = Path(path)
    name = list_name or path.stem
    ref = next((x for x in definition.lists if x.name == name), None)
    dnc_global, dnc_campaign = repo.do_not_call_phones(campaign_id)
    registers: tuple[str, ...] = ()
    if definition.compliance:  # the national registers its profile screens against (TPS...)
        from dialer.compliance.profiles import compliance_from_config
        from dialer.compliance.registers import screened_registers

        registers = screened_registers(compliance_from_config(definition.compliance).rules)
    from dialer.db.compliance_store import register_lookup
    from dialer.db.numbering import load_numbering_plan

    overrides = {**(ref.mapping if ref and ref.mapping else {}), **(mapping or {})}
    run = import_contacts(
        path,
        definition.import_rules(),
        existing_phones=repo.campaign_phone_keys(campaign_id),
        dnc_global=dnc_global,
        dnc_campaign=dnc_campaign,
        dnc_register=register_lookup(repo.sessions, registers),
        mapping=overrides or None,
        default_region=ref.default_region if ref else "RU",
        sheet=ref.sheet if ref else None,
        numbering=load_numbering_plan(repo.sessions),
        fallback_timezone=definition.calling_windows.fallback_timezone,
    )
    values = _ContactValues(consent_columns=any(col in CONSENT_KEYS for col, _ in run.reader.mapping.extras))
    repo.import_contact_rows(
        campaign_id,
        name,
        _contact_batches(run, values, on_progress),
        source_file=path.name,
        source_sha256=_file_sha256(path),
        report=lambda: report_dict(run.report),
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
        *detail_cells(x.extra),
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
        "warnings": report.warnings_count,
        "warning_rows": [e._asdict() for e in report.warnings[:100]],
        "totals": report.totals_count,
        "totals_rows": [e._asdict() for e in report.totals[:100]],
    }
