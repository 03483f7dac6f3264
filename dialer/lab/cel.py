"""Asterisk's channel event log (CEL) as the lab writes it (asterisk_conf/cel_custom.conf): the ground truth
of when a customer's channel answered and when it entered an operator's bridge, independent of the dialer.

The lab tests of the one abandon definition and of a blended campaign, `bench/connect_bench.py` and
`bench/blended_lab.py` read it. The file grows over every
run of the lab; callers pick their calls by channel id (the dialer chooses the customer channel's id, which
is the CEL UniqueID).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dialer.rules.inbound_figures import InboundCallRecord

if TYPE_CHECKING:
    from dialer.lab.asterisk import AsteriskLab

LAYOUT = "dialer-cel-1"


@dataclass(frozen=True, slots=True)
class CelEvent:
    kind: str  # ANSWER, BRIDGE_ENTER, HANGUP
    at: datetime
    channel_id: str  # UniqueID
    linked_id: str
    channel_name: str
    peer: str


@dataclass(frozen=True, slots=True)
class CelConnect:
    """One customer channel as Asterisk saw it: first answer, first bridge entry and hang-up (None: never)."""

    channel_id: str
    answered_at: datetime | None
    bridged_at: datetime | None
    ended_at: datetime | None = None

    @property
    def latency_s(self) -> float | None:
        if self.answered_at is None or self.bridged_at is None:
            return None
        return (self.bridged_at - self.answered_at).total_seconds()


def read_cel(path: Path) -> list[CelEvent]:
    """Every event of the file (none if it does not exist yet); a row of another layout is an error."""
    if not path.exists():
        return []
    events: list[CelEvent] = []
    with path.open(newline="") as f:
        for n, row in enumerate(csv.reader(f), start=1):
            if not row:
                continue
            if row[0] != LAYOUT or len(row) < 7:
                raise ValueError(f"{path}, row {n}: not a {LAYOUT} row: {row[:3]}")
            events.append(CelEvent(row[1], datetime.fromtimestamp(float(row[2]), UTC), row[3], row[4], row[5], row[6]))
    return events


def connects(events: Iterable[CelEvent], channel_ids: Iterable[str]) -> dict[str, CelConnect]:
    """Answer, first bridge entry and hang-up of each of `channel_ids` (customer channels)."""
    wanted = set(channel_ids)
    answered: dict[str, datetime] = {}
    bridged: dict[str, datetime] = {}
    ended: dict[str, datetime] = {}
    for e in events:
        if e.channel_id not in wanted:
            continue
        if e.kind == "ANSWER":
            answered.setdefault(e.channel_id, e.at)
        elif e.kind == "BRIDGE_ENTER":
            bridged.setdefault(e.channel_id, e.at)
        elif e.kind == "HANGUP":
            ended.setdefault(e.channel_id, e.at)
    return {c: CelConnect(c, answered.get(c), bridged.get(c), ended.get(c)) for c in sorted(wanted)}


def live_answers_and_abandons(calls: Iterable[CelConnect], connect_limit_s: float) -> tuple[int, int]:
    """Outbound calls with answering-machine detection off (every answer a live one): the live answers, and
    the abandons among them as the law counts them (answered and never bridged to an operator, or bridged
    past the connect limit), from Asterisk's clock alone."""
    answered = [c for c in calls if c.answered_at is not None]
    abandons = sum(1 for c in answered if c.latency_s is None or c.latency_s > connect_limit_s)
    return len(answered), abandons


def queue_calls(calls: Iterable[CelConnect]) -> list[InboundCallRecord]:
    """Inbound calls (the dialer's side of each caller's call) as the inbound figures count them, from Asterisk's
    clock alone: the queue is entered at the channel's answer (the dialplan answers, then hands the call to the
    dialer), left at its first bridge entry (an operator's bridge: answered) or at its hang-up. A caller not
    yet bridged nor gone is still queued and left out, as the figures leave them out. The log cannot tell a
    caller who hung up from one the dialer released to a callback: every unanswered one counts as hung up."""
    records = []
    for c in calls:
        if c.answered_at is None:
            continue
        arrived = c.answered_at.timestamp()
        if c.bridged_at is not None:
            records.append(InboundCallRecord(arrived, (c.bridged_at - c.answered_at).total_seconds(), answered=True))
        elif c.ended_at is not None:
            records.append(InboundCallRecord(arrived, (c.ended_at - c.answered_at).total_seconds(), answered=False))
    return records


def ensure_cel(lab: AsteriskLab) -> None:
    """Turn the channel event log on in a running lab whose configuration predates it (a lab started from
    an older asterisk_conf/): install this tree's cel.conf and cel_custom.conf and reload, no restart.
    A no-op when CEL is already on. Call it under the lab lock, like any change to the shared lab."""
    from dialer.lab.lab_config import CONF_DIR

    if "Enabled" in (lab.cli("cel show status", check=False) or ""):
        return
    etc = lab.config.root / lab.config.chroot_dir("/etc/asterisk").lstrip("/")
    for name in ("cel.conf", "cel_custom.conf"):
        (etc / name).write_text((CONF_DIR / name).read_text())
    lab.config.cel_csv_path.parent.mkdir(parents=True, exist_ok=True)
    if "cel_custom" not in (lab.cli("module show like cel_custom", check=False) or ""):
        lab.cli("module load cel_custom.so", check=False)
    lab.cli("module reload cel", check=False)
    lab.cli("module reload cel_custom.so", check=False)
    if "Enabled" not in (lab.cli("cel show status", check=False) or ""):
        raise RuntimeError("CEL could not be enabled in the lab (see the lab's messages.log)")
