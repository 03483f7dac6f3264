"""Reading Asterisk's CDR file (the layout and parsing are pure, in dialer.recovery.cdr)."""

from __future__ import annotations

import csv
from collections.abc import Collection
from pathlib import Path

from dialer.recovery.cdr import CdrRead, parse_cdr_line


def read_cdr_csv(path: Path, channel_ids: Collection[str] | None = None) -> CdrRead:
    """The records in `path` (only those of `channel_ids`, when given). A missing file reads as no
    records plus a problem saying so: without it every open attempt falls back to system_failure."""
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
    return result
