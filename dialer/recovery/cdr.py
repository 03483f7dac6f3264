"""Asterisk's own call records (CDR), as `asterisk_conf/cdr_custom.conf` writes them: one CSV line per
CDR, in the file `Settings.cdr_csv_path` names (the path as the dialer sees it, like the recording spool).

Why a CSV file and not cdr_pgsql/cdr_sqlite3_custom: it is the one backend that works the same whether
the dialer keeps its data in SQLite or PostgreSQL, needs no database credentials in Asterisk, survives the
dialer's database being down, and works per server when there are several Asterisk servers (each writes
its own file). Asterisk appends a line when a CDR closes, so a crash of Asterisk can at worst cut the last
line short: such a line is reported and skipped, never misread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

LAYOUT = "dialer-cdr-1"  # the first column of every line (asterisk_conf/cdr_custom.conf)
COLUMNS = (
    "layout",
    "uniqueid",
    "linkedid",
    "dialer_attempt",
    "channel",
    "dstchannel",
    "lastapp",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "sequence",
)


@dataclass(frozen=True)
class CdrRecord:
    """One CDR. A call that reached an operator has two for the customer's channel (party A thanks to
    CDR_PROP(party_a) set at originate): up to the bridge, and the conversation (dstchannel = operator)."""

    uniqueid: str  # the channel id the dialer chose: the attempt's channel_id for a customer
    attempt_id: int | None  # CDR(dialer_attempt), set at originate; None on other channels
    start: datetime
    answer: datetime | None
    end: datetime
    disposition: str  # ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION
    dstchannel: str = ""  # the other party (the operator's channel) while bridged
    billsec: int = 0
    sequence: int = 0
    linkedid: str = ""
    channel: str = ""
    lastapp: str = ""
    # from the channel event log (dialer.recovery.call_events), which has what the CDR lacks
    hangup_cause: int | None = None
    amd_status: str | None = None


@dataclass
class CdrRead:
    records: list[CdrRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # lines that could not be read, each named


def _when(raw: str, line: int, column: str) -> datetime | None:
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"line {line}: column {column!r} is not a time: {raw!r}") from exc
    return None if value <= 0 else datetime.fromtimestamp(value, UTC)


def parse_cdr_line(fields: list[str], line: int) -> CdrRecord:
    """One CSV line of the dialer's CDR layout; ValueError names the line and the column."""
    if not fields or fields[0] != LAYOUT:
        raise ValueError(f"line {line}: not a {LAYOUT} record (first column {fields[:1]!r})")
    if len(fields) != len(COLUMNS):
        raise ValueError(f"line {line}: {len(fields)} columns, expected {len(COLUMNS)} (cut short?)")
    row = dict(zip(COLUMNS, fields, strict=True))
    start = _when(row["start"], line, "start")
    end = _when(row["end"], line, "end")
    if start is None or end is None:
        raise ValueError(f"line {line}: start or end missing")
    attempt = row["dialer_attempt"].strip()
    if attempt and not attempt.isdigit():
        raise ValueError(f"line {line}: column 'dialer_attempt' is not an attempt id: {attempt!r}")
    try:
        billsec = int(row["billsec"] or 0)
        sequence = int(row["sequence"] or 0)
    except ValueError as exc:
        raise ValueError(f"line {line}: billsec/sequence not a number: {exc}") from exc
    return CdrRecord(
        uniqueid=row["uniqueid"],
        attempt_id=int(attempt) if attempt else None,
        start=start,
        answer=_when(row["answer"], line, "answer"),
        end=end,
        disposition=row["disposition"].strip().upper(),
        dstchannel=row["dstchannel"],
        billsec=billsec,
        sequence=sequence,
        linkedid=row["linkedid"],
        channel=row["channel"],
        lastapp=row["lastapp"],
    )
