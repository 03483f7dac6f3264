"""The compliance evidence report of one campaign over one period, from plain attempt records. Pure.

Every figure keeps the ids behind it (`Figure.ids`: attempt ids, or contact ids for blocked
dials), and `EvidenceReport.ledger` has one row per attempt with every flag the figures are
counted from, so any number can be re-derived by hand from the attempt table.

Every call is classified by `dialer.compliance.abandons.classify_call`, the one definition the
runtime guard and the pacing ledger use too (see docs/compliance.md):

* live answer: a person answered (AMD said person, or no AMD); machines are not live;
* abandon: a person answered and was never connected (whoever hung up; a hang-up during AMD
  counts: over-counting is the safe side); with `late_connects_are_abandons` also a call connected
  later than the limit after the profile's clock (TSR and Ofcom call those abandoned);
* machines count as abandons (and as live answers) only where the profile or the campaign says so;
* AMD false positives: a *reasoned estimate* of people hung up on as machines, see
  `AmdFalsePositiveMethod`; counted as abandons (and as live answers) when the profile says so;
* rate = (abandons [+ late connects] + counted machines [+ FP estimate])
         / (live answers + counted machines [+ FP estimate]).

Days are calendar days in `report_tz` (the campaign's zone); the rolling window for day D is
D-29..D, so records from 29 days before the period must be passed for its first days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dialer.compliance.abandons import CallVerdict, classify_call
from dialer.compliance.checks import profile_windows
from dialer.compliance.evidence_records import AmdFalsePositiveMethod, AttemptRecord, BlockedDial, Figure, LedgerRow
from dialer.compliance.profiles import AbandonPeriod, ComplianceProfile
from dialer.rules.windows import CallingWindows, is_callable

ROLLING_DAYS = 30

__all__ = [  # the records live in dialer.compliance.evidence_records; imported from here too
    "ROLLING_DAYS",
    "AbandonFigures",
    "AmdFalsePositiveMethod",
    "AttemptRecord",
    "BlockedDial",
    "EvidenceReport",
    "Figure",
    "LatencyStats",
    "LedgerRow",
    "build_evidence",
]


@dataclass(frozen=True, slots=True)
class AbandonFigures:
    """Abandon figures over one window: a day, a rolling 30 days, or the whole period."""

    label: str
    first_day: dt.date
    last_day: dt.date
    calls_placed: Figure
    live_answers: Figure
    abandons: Figure
    late_connects: Figure
    machines: Figure
    amd_fp_estimate: Figure  # value is fractional; ids: the MACHINE attempts it is estimated from
    abandon_rate: float
    over_cap: bool


@dataclass(frozen=True, slots=True)
class LatencyStats:
    """Seconds from the profile's clock (`LedgerRow.measured_from`) to the bridge, of bridged live calls."""

    count: int
    p50: float | None
    p90: float | None
    p95: float | None
    p99: float | None
    max: float | None
    buckets: tuple[tuple[str, Figure], ...]
    over_limit: Figure


@dataclass(frozen=True)
class EvidenceReport:
    campaign: str
    profile: str
    period_start: dt.date
    period_end: dt.date
    report_tz: str
    abandon_cap: float
    abandon_period: AbandonPeriod
    connect_limit_s: float
    counts_amd_false_positives: bool
    late_connects_are_abandons: bool
    amd_method: str
    totals: AbandonFigures
    days: tuple[AbandonFigures, ...]
    rolling_30_days: tuple[AbandonFigures, ...]
    amd_counts: Mapping[str, Figure]
    outside_window: Figure
    blocked: Mapping[str, Figure]  # reason -> contact ids
    latency: LatencyStats
    abandon_messages: Mapping[str, Figure]  # played / not_played / not_recorded
    ledger: tuple[LedgerRow, ...] = field(repr=False)
    #: Recorded calls whose dead air at the start (heard in the recording) exceeds the connect limit,
    #: measured from the same instant as the bridge.
    dead_air_over_limit: Figure = field(default_factory=lambda: Figure.of(()))
    machines_count_as_abandons: bool = False
    connect_clock: str = ""

    @property
    def over_cap(self) -> tuple[AbandonFigures, ...]:
        """The enforced windows (per the profile's period) that exceeded the cap."""
        windows = self.days if self.abandon_period is AbandonPeriod.CALENDAR_DAY else self.rolling_30_days
        return tuple(w for w in windows if w.over_cap)

    @property
    def compliant(self) -> bool:
        return (
            not self.over_cap
            and self.outside_window.value == 0
            and self.latency.over_limit.value == 0
            and self.dead_air_over_limit.value == 0
        )


def _percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile: always a value that occurred (so it traces to an attempt)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("0-0.5 s", 0.0, 0.5),
    ("0.5-1 s", 0.5, 1.0),
    ("1-1.5 s", 1.0, 1.5),
    ("1.5-2 s", 1.5, 2.0),
    ("2-3 s", 2.0, 3.0),
    ("3-5 s", 3.0, 5.0),
    (">5 s", 5.0, math.inf),
)


def _latency(rows: Sequence[LedgerRow], limit_s: float) -> LatencyStats:
    pairs = [(r.connect_latency_s, r.attempt_id) for r in rows if r.live and r.connect_latency_s is not None]
    values = sorted(v for v, _ in pairs if v is not None)
    buckets = tuple(
        (label, Figure.of(i for v, i in pairs if v is not None and lo <= v < hi)) for label, lo, hi in _BUCKETS
    )
    return LatencyStats(
        count=len(values),
        p50=_percentile(values, 0.50),
        p90=_percentile(values, 0.90),
        p95=_percentile(values, 0.95),
        p99=_percentile(values, 0.99),
        max=values[-1] if values else None,
        buckets=buckets,
        over_limit=Figure.of(i for v, i in pairs if v is not None and v > limit_s),
    )


def build_evidence(
    attempts: Iterable[AttemptRecord],
    blocked: Iterable[BlockedDial],
    *,
    campaign: str,
    rules: ComplianceProfile,
    period_start: dt.date,
    period_end: dt.date,
    campaign_windows: CallingWindows | None = None,
    report_tz: str = "UTC",
    amd_method: AmdFalsePositiveMethod | None = None,
    late_connects_are_abandons: bool = True,
    machines_count_as_abandons: bool = False,
) -> EvidenceReport:
    """Compute the report. `rules`: the campaign's effective profile (`effective_rules(...).rules`);
    `machines_count_as_abandons`: the campaign's own setting (`dialing.machines_count_as_abandons`).

    `attempts` may include records up to 29 days before `period_start` (for the rolling
    windows); only records inside the period count in the totals, days and other sections.
    """
    if period_end < period_start:
        raise ValueError("period_end is before period_start")
    zone = ZoneInfo(report_tz)
    method = amd_method or AmdFalsePositiveMethod(rules.amd_false_positive_rate, basis="profile default")
    windows = profile_windows(rules, campaign_windows)
    limit = rules.connect_limit_s

    all_records = sorted(attempts, key=lambda r: (r.originated_at, r.attempt_id))
    day_of = {r.attempt_id: r.originated_at.astimezone(zone).date() for r in all_records}
    ledger = tuple(
        _ledger_row(
            r,
            day_of[r.attempt_id],
            windows,
            classify_call(r.facts(), rules, machines_count_as_abandons=machines_count_as_abandons),
            method,
        )
        for r in all_records
    )
    by_day: dict[dt.date, list[LedgerRow]] = {}
    for row in ledger:
        by_day.setdefault(row.report_day, []).append(row)
    in_period = [row for row in ledger if period_start <= row.report_day <= period_end]
    counts_machines = machines_count_as_abandons or rules.machines_count_as_abandons

    def figures(label: str, first: dt.date, last: dt.date, enforced: bool) -> AbandonFigures:
        rows = [row for d in _dates(first, last) for row in by_day.get(d, ())]
        return _abandon_figures(
            label, first, last, rows, rules, method, late_connects_are_abandons, counts_machines, enforced
        )

    daily = rules.abandon_period is AbandonPeriod.CALENDAR_DAY
    days = tuple(figures(d.isoformat(), d, d, daily) for d in _dates(period_start, period_end))
    rolling = tuple(
        figures(f"30 days to {d.isoformat()}", d - dt.timedelta(days=ROLLING_DAYS - 1), d, not daily)
        for d in _dates(period_start, period_end)
    )
    totals = figures("period", period_start, period_end, False)

    amd: dict[str, list[int]] = {}
    for row in in_period:
        if row.amd_status is not None:
            amd.setdefault(row.amd_status.upper(), []).append(row.attempt_id)
    amd_counts = {k: Figure.of(v) for k, v in sorted(amd.items())}
    amd_counts["MACHINE_FALSE_POSITIVE_ESTIMATE"] = totals.amd_fp_estimate

    blocked_by: dict[str, list[int]] = {}
    for b in blocked:
        if period_start <= b.at.astimezone(zone).date() <= period_end:
            blocked_by.setdefault(b.reason, []).append(b.contact_id)

    abandoned_rows = [row for row in in_period if row.abandoned]
    messages = {
        "played": Figure.of(r.attempt_id for r in abandoned_rows if r.abandon_message_played is True),
        "not_played": Figure.of(r.attempt_id for r in abandoned_rows if r.abandon_message_played is False),
        "not_recorded": Figure.of(r.attempt_id for r in abandoned_rows if r.abandon_message_played is None),
    }
    return EvidenceReport(
        campaign=campaign,
        profile=str(rules.code),
        period_start=period_start,
        period_end=period_end,
        report_tz=report_tz,
        abandon_cap=rules.abandon_cap,
        abandon_period=rules.abandon_period,
        connect_limit_s=limit,
        counts_amd_false_positives=rules.count_amd_false_positives,
        late_connects_are_abandons=late_connects_are_abandons,
        amd_method=method.describe(),
        totals=totals,
        days=days,
        rolling_30_days=rolling,
        amd_counts=amd_counts,
        outside_window=Figure.of(row.attempt_id for row in in_period if not row.in_window),
        blocked={k: Figure(len(v), tuple(v)) for k, v in sorted(blocked_by.items())},
        latency=_latency(in_period, limit),
        dead_air_over_limit=Figure.of(row.attempt_id for row in in_period if row.heard_late),
        abandon_messages=messages,
        ledger=ledger,
        machines_count_as_abandons=counts_machines,
        connect_clock=str(rules.connect_clock),
    )


def _dates(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    d = first
    while d <= last:
        yield d
        d += dt.timedelta(days=1)


def _ledger_row(
    r: AttemptRecord, day: dt.date, windows: CallingWindows, v: CallVerdict, method: AmdFalsePositiveMethod
) -> LedgerRow:
    amd_machine = v.machine and (r.amd_status or "").upper() == "MACHINE" and r.bridged_at is None
    return LedgerRow(
        attempt_id=r.attempt_id,
        contact_id=r.contact_id,
        phone=r.phone,
        originated_at=r.originated_at,
        report_day=day,
        outcome=r.outcome,
        amd_status=r.amd_status,
        amd_cause=r.amd_cause,
        answered_at=r.answered_at,
        bridged_at=r.bridged_at,
        ended_at=r.ended_at,
        connect_latency_s=v.connect_latency_s,
        in_window=is_callable(r.timezone, r.originated_at, windows),
        live=v.live,
        abandoned=v.unconnected,
        late_connect=v.late_connect,
        amd_fp_suspect=amd_machine and method.suspect(r),
        abandon_message_played=r.abandon_message_played,
        measured_from=None if v.measured_from is None else str(v.measured_from),
        machine=v.machine,
        machine_abandon=v.machine_abandon,
        heard_late=v.heard_late,
        amd_machine=amd_machine,
        reason=v.reason,
    )


def _abandon_figures(
    label: str,
    first: dt.date,
    last: dt.date,
    rows: Sequence[LedgerRow],
    rules: ComplianceProfile,
    method: AmdFalsePositiveMethod,
    late_are_abandons: bool,
    counts_machines: bool,
    enforced: bool,
) -> AbandonFigures:
    machines = [r for r in rows if r.machine]
    amd_machines = [r for r in machines if r.amd_machine]
    suspects = sum(1 for r in amd_machines if r.amd_fp_suspect)
    fp = suspects + method.rate * (len(amd_machines) - suspects)
    live = Figure.of(r.attempt_id for r in rows if r.live)
    abandons = Figure.of(r.attempt_id for r in rows if r.abandoned)
    late = Figure.of(r.attempt_id for r in rows if r.late_connect)
    counted_machines = sum(1 for r in machines if r.machine_abandon)
    # every machine already counts whole: an estimate of the people among them would count them twice
    fp_counted = fp if rules.count_amd_false_positives and not counts_machines else 0.0
    numerator = abandons.value + (late.value if late_are_abandons else 0) + counted_machines + fp_counted
    denominator = live.value + counted_machines + fp_counted
    rate = numerator / denominator if denominator else 0.0
    return AbandonFigures(
        label=label,
        first_day=first,
        last_day=last,
        calls_placed=Figure.of(r.attempt_id for r in rows),
        live_answers=live,
        abandons=abandons,
        late_connects=late,
        machines=Figure.of(r.attempt_id for r in machines),
        amd_fp_estimate=Figure(fp, tuple(sorted(r.attempt_id for r in amd_machines))),
        abandon_rate=rate,
        over_cap=enforced and rate > rules.abandon_cap + 1e-12,
    )
