"""What the CDR does not keep, from Asterisk's channel event log (CEL), as `asterisk_conf/cel_custom.conf`
writes it into dialer-events.csv: each channel's hangup cause (the CDR's disposition says NO ANSWER for an
unallocated or rejected number too) and the AMD verdict the dialplan logged (`CELGenUserEvent(DIALER_AMD,…)`
in dialer-amd), so a call that ended while no dialer process listened gets the outcome it really had. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from dialer.recovery.cdr import CdrRecord

LAYOUT = "dialer-events-1"  # the first column of every line
COLUMNS = ("layout", "event", "time", "uniqueid", "extra")
AMD_EVENT = "DIALER_AMD"  # the user event dialer-amd logs after AMD()


@dataclass
class CallEvents:
    """Per channel id: its hangup cause (Q.850, as Asterisk reports it) and its AMD verdict."""

    causes: dict[str, int] = field(default_factory=dict)
    amd: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # lines that could not be read, each named

    def add_line(self, fields: list[str], line: int) -> None:
        """One CSV line; a line of another layout or cut short is reported, never misread."""
        if not fields:
            return
        if fields[0] != LAYOUT or len(fields) != len(COLUMNS):
            self.problems.append(f"line {line}: not a {LAYOUT} record of {len(COLUMNS)} columns: {fields[:2]!r}")
            return
        row = dict(zip(COLUMNS, fields, strict=True))
        if row["event"] not in ("HANGUP", AMD_EVENT):
            return
        try:
            extra = json.loads(row["extra"]) if row["extra"] else {}
        except json.JSONDecodeError:
            self.problems.append(f"line {line}: column 'extra' is not JSON: {row['extra'][:60]!r}")
            return
        if not isinstance(extra, dict):
            self.problems.append(f"line {line}: column 'extra' is not a JSON object")
            return
        if row["event"] == "HANGUP":
            cause = extra.get("hangupcause")
            if isinstance(cause, int) and cause > 0:  # 0: Asterisk recorded none
                self.causes[row["uniqueid"]] = cause
        else:
            verdict = str(extra.get("extra", "")).strip().upper()
            if verdict:
                self.amd[row["uniqueid"]] = verdict


def read_call_events(lines: Iterable[list[str]]) -> CallEvents:
    events = CallEvents()
    for number, fields in enumerate(lines, start=1):
        events.add_line(fields, number)
    return events


def annotate(records: Iterable[CdrRecord], events: CallEvents) -> list[CdrRecord]:
    """The records with the hangup cause and AMD verdict of their channel, where the event log has them."""
    return [
        replace(r, hangup_cause=events.causes.get(r.uniqueid), amd_status=events.amd.get(r.uniqueid))
        if r.uniqueid in events.causes or r.uniqueid in events.amd
        else r
        for r in records
    ]
