"""Reading Asterisk's CDR file and, beside it, its channel event file (the layouts and parsing are pure, in
dialer.recovery.cdr and dialer.recovery.call_events)."""

from __future__ import annotations

import csv
from collections.abc import Collection
from pathlib import Path

from dialer.recovery.call_events import annotate, read_call_events
from dialer.recovery.cdr import CdrRead, parse_cdr_line


def call_events_path(cdr_csv_path: Path) -> Path:
    """Where cel_custom writes dialer-events.csv, given where cdr_custom writes the CDR file: Asterisk puts
    them in <astlogdir>/cel-custom/ and <astlogdir>/cdr-custom/ (asterisk_conf/cel_custom.conf)."""
    return cdr_csv_path.parent.parent / "cel-custom" / "dialer-events.csv"


def read_cdr_csv(path: Path, channel_ids: Collection[str] | None = None) -> CdrRead:
    """The records in `path` (only those of `channel_ids`, when given), each with its channel's hangup cause
    and AMD verdict from the event file beside it when there is one. A missing CDR file reads as no records
    plus a problem saying so: without it every open attempt falls back to system_failure. A missing event
    file (an Asterisk configured before it existed) only leaves the causes out."""
    result = CdrRead()
    if not path.exists():
        result.problems.append(f"{path}: no CDR file (is cdr_custom loaded, see asterisk_conf/cdr_custom.conf?)")
        return result
    wanted = set(channel_ids) if channel_ids is not None else None
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        for number, fields in enumerate(csv.reader(fh), start=1):
            if wanted is not None and (len(fields) < 2 or fields[1] not in wanted):
                continue
            try:
                result.records.append(parse_cdr_line(fields, number))
            except ValueError as exc:
                result.problems.append(f"{path}: {exc}")
    events_path = call_events_path(path)
    if events_path.exists():
        with events_path.open(newline="", encoding="utf-8", errors="replace") as fh:
            events = read_call_events(csv.reader(fh))
        result.records = annotate(result.records, events)
        result.problems.extend(f"{events_path}: {p}" for p in events.problems)
    return result
