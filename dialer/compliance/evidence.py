"""The compliance evidence report of one campaign over one period, from plain attempt records. Pure.

Every figure keeps the ids behind it (`Figure.ids`: attempt ids, or contact ids for blocked
dials), and `EvidenceReport.ledger` has one row per attempt with every flag the figures are
counted from, so any number can be re-derived by hand from the attempt table.

Definitions (the regulators', see docs/compliance.md):

* live answer: a person answered: outcome `connected` or `abandoned` (machines are not live);
* abandon: outcome `abandoned` (nobody connected within the connect limit, or a hang-up during
  AMD: over-counting is the safe side); with `late_connects_are_abandons` also a bridged call
  whose answer->bridge latency exceeded the connect limit (TSR and Ofcom call those abandoned);
* AMD false positives: a *reasoned estimate* of people hung up on as machines, see
  `AmdFalsePositiveMethod`; counted as abandons (and as live answers) when the profile says so;
* rate = (abandons [+ late connects] [+ FP estimate]) / (live answers [+ FP estimate]).

Days are calendar days in `report_tz` (the campaign's zone); the rolling window for day D is
D-29..D, so records from 29 days before the period must be passed for its first days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dialer.compliance.checks import profile_windows
from dialer.compliance.profiles import AbandonPeriod, ComplianceProfile
from dialer.outcomes import AttemptOutcome
from dialer.rules.windows import CallingWindows, ContactZones, is_callable

_CONNECTED = AttemptOutcome.CONNECTED.value
_ABANDONED = AttemptOutcome.ABANDONED.value
_MACHINE = AttemptOutcome.MACHINE.value
ROLLING_DAYS = 30


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One attempt row with what the report needs (Attempt joined with Contact)."""

    attempt_id: int
    contact_id: int
    phone: str
    originated_at: dt.datetime
    answered_at: dt.datetime | None = None
    bridged_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    outcome: str | None = None  # AttemptOutcome value; None while in progress
    amd_status: str | None = None  # HUMAN / MACHINE / NOTSURE / None (no AMD)
    amd_cause: str | None = None  # Asterisk's AMDCAUSE, e.g. "LONGGREETING-1600-1500"
    timezone: ContactZones = None
    #: Was the abandon message played? None: not an abandoned call, or not recorded.
    abandon_message_played: bool | None = None
    #: From the call's recording: silence between the answer and the operator's first audio.
    dead_air_s: float | None = None

    @property
    def live(self) -> bool:
        return self.outcome in (_CONNECTED, _ABANDONED)

    @property
    def connect_latency_s(self) -> float | None:
        if self.answered_at is None or self.bridged_at is None:
            return None
        return (self.bridged_at - self.answered_at).total_seconds()


@dataclass(frozen=True, slots=True)
class BlockedDial:
    """A dial the pre-dial checks refused: DNC, consent, frequency cap, hours, lockout."""

    at: dt.datetime
    contact_id: int
    phone: str
    reason: str  # BlockReason or ComplianceBlock value
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Figure:
    """A number and the ids it was counted from."""

    value: float
    ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, ids: Iterable[int]) -> Figure:
        t = tuple(sorted(ids))
        return cls(len(t), t)


@dataclass(frozen=True, slots=True)
class AmdFalsePositiveMethod:
    """How the AMD false-positive estimate is reasoned.

    estimate = (MACHINE verdicts whose cause starts with one of `suspect_causes`, counted whole)
             + `rate` x (the other MACHINE verdicts).

    `rate` should come from a listening test: record a random sample of MACHINE calls and
    count the people among them (Ofcom wants the estimate reasoned, not assumed zero).
    `suspect_causes` marks verdicts whose behaviour suggests a person (e.g. "MAXWORDS": a
    person who keeps talking); empty by default because no cause is reliable on its own.
    """

    rate: float
    suspect_causes: tuple[str, ...] = ()
    basis: str = "configured rate"

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError("AMD false-positive rate must be in [0, 1]")

    def suspect(self, record: AttemptRecord) -> bool:
        cause = (record.amd_cause or "").upper()
        return any(cause.startswith(p.upper()) for p in self.suspect_causes)

    def describe(self) -> str:
        extra = f"; verdicts with cause {', '.join(self.suspect_causes)} counted whole" if self.suspect_causes else ""
        return f"{self.rate:.1%} of MACHINE verdicts ({self.basis}){extra}"


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
    """Answer -> bridge seconds of bridged calls. With AMD this includes the detection time."""

    count: int
    p50: float | None
    p90: float | None
    p95: float | None
    p99: float | None
    max: float | None
    buckets: tuple[tuple[str, Figure], ...]
    over_limit: Figure


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One attempt with every flag the report counts it under."""

    attempt_id: int
    contact_id: int
    phone: str
    originated_at: dt.datetime
    report_day: dt.date
    outcome: str | None
    amd_status: str | None
    amd_cause: str | None
    answered_at: dt.datetime | None
    bridged_at: dt.datetime | None
    ended_at: dt.datetime | None
    connect_latency_s: float | None
    in_window: bool
    live: bool
    abandoned: bool
    late_connect: bool
    amd_fp_suspect: bool
    abandon_message_played: bool | None


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
    #: Recorded calls whose dead air at the start (heard in the recording) exceeds the connect limit.
    dead_air_over_limit: Figure = field(default_factory=lambda: Figure.of(()))

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


def _latency(records: Sequence[AttemptRecord], limit_s: float) -> LatencyStats:
    pairs = [(r.connect_latency_s, r.attempt_id) for r in records if r.connect_latency_s is not None]
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
) -> EvidenceReport:
    """Compute the report. `rules`: the campaign's effective profile (`effective_rules(...).rules`).

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
    ledger = tuple(_ledger_row(r, day_of[r.attempt_id], windows, limit, method) for r in all_records)
    by_day: dict[dt.date, list[LedgerRow]] = {}
    for row in ledger:
        by_day.setdefault(row.report_day, []).append(row)
    in_period = [row for row in ledger if period_start <= row.report_day <= period_end]
    records_in_period = [r for r in all_records if period_start <= day_of[r.attempt_id] <= period_end]

    def figures(label: str, first: dt.date, last: dt.date, enforced: bool) -> AbandonFigures:
        rows = [row for d in _dates(first, last) for row in by_day.get(d, ())]
        return _abandon_figures(label, first, last, rows, rules, method, late_connects_are_abandons, enforced)

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
        latency=_latency(records_in_period, limit),
        dead_air_over_limit=Figure.of(
            r.attempt_id for r in records_in_period if r.dead_air_s is not None and r.dead_air_s > limit
        ),
        abandon_messages=messages,
        ledger=ledger,
    )


def _dates(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    d = first
    while d <= last:
        yield d
        d += dt.timedelta(days=1)


def _ledger_row(
    r: AttemptRecord, day: dt.date, windows: CallingWindows, limit: float, method: AmdFalsePositiveMethod
) -> LedgerRow:
    latency = r.connect_latency_s
    machine = r.outcome == _MACHINE or (r.amd_status or "").upper() == "MACHINE"
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
        connect_latency_s=latency,
        in_window=is_callable(r.timezone, r.originated_at, windows),
        live=r.live,
        abandoned=r.outcome == _ABANDONED,
        late_connect=r.outcome == _CONNECTED and latency is not None and latency > limit,
        amd_fp_suspect=machine and method.suspect(r),
        abandon_message_played=r.abandon_message_played,
    )


def _abandon_figures(
    label: str,
    first: dt.date,
    last: dt.date,
    rows: Sequence[LedgerRow],
    rules: ComplianceProfile,
    method: AmdFalsePositiveMethod,
    late_are_abandons: bool,
    enforced: bool,
) -> AbandonFigures:
    machines = [r for r in rows if r.outcome == _MACHINE]
    suspects = sum(1 for r in machines if r.amd_fp_suspect)
    fp = suspects + method.rate * (len(machines) - suspects)
    live = Figure.of(r.attempt_id for r in rows if r.live)
    abandons = Figure.of(r.attempt_id for r in rows if r.abandoned)
    late = Figure.of(r.attempt_id for r in rows if r.late_connect)
    fp_counted = fp if rules.count_amd_false_positives else 0.0
    numerator = abandons.value + (late.value if late_are_abandons else 0) + fp_counted
    denominator = live.value + fp_counted
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
        amd_fp_estimate=Figure(fp, tuple(sorted(r.attempt_id for r in machines))),
        abandon_rate=rate,
        over_cap=enforced and rate > rules.abandon_cap + 1e-12,
    )


# --- flat tables for CSV/XLSX ---------------------------------------------------------------------

SUMMARY_HEADER: tuple[str, ...] = ("section", "window", "metric", "value", "ids")
LEDGER_HEADER: tuple[str, ...] = (
    "attempt_id",
    "contact_id",
    "phone",
    "originated_at_utc",
    "report_day",
    "outcome",
    "amd_status",
    "amd_cause",
    "answered_at_utc",
    "bridged_at_utc",
    "ended_at_utc",
    "connect_latency_s",
    "in_window",
    "live",
    "abandoned",
    "late_connect",
    "amd_fp_suspect",
    "abandon_message_played",
)
_MAX_IDS_TEXT = 30000  # Excel holds 32767 characters a cell; the ledger has every id anyway


def id_ranges(ids: Iterable[int]) -> str:
    """'1-4,7,9-10': compact, and exact up to the cell limit (then '... see ledger')."""
    out: list[str] = []
    run: list[int] = []
    for i in sorted(set(ids)):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [i]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    text = ",".join(out)
    if len(text) > _MAX_IDS_TEXT:
        text = text[:_MAX_IDS_TEXT].rsplit(",", 1)[0] + ",... see ledger"
    return text


Cell = str | int | float | bool | dt.date | dt.datetime | None


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def summary_rows(report: EvidenceReport) -> Iterator[list[Cell]]:
    """One row per figure: section, window, metric, value, the ids behind it."""

    def fig(section: str, window: str, metric: str, f: Figure) -> list[Cell]:
        value: float = round(f.value, 4) if isinstance(f.value, float) and not f.value.is_integer() else int(f.value)
        return [section, window, metric, value, id_ranges(f.ids)]

    def plain(section: str, window: str, metric: str, value: Cell) -> list[Cell]:
        return [section, window, metric, value, ""]

    r = report
    yield plain("report", "", "campaign", r.campaign)
    yield plain("report", "", "profile", r.profile)
    yield plain("report", "", "period", f"{r.period_start.isoformat()}..{r.period_end.isoformat()}")
    yield plain("report", "", "report time zone", r.report_tz)
    yield plain("report", "", "abandon cap", r.abandon_cap)
    yield plain("report", "", "abandon cap period", r.abandon_period.value)
    yield plain("report", "", "connect limit s", r.connect_limit_s)
    yield plain("report", "", "AMD false positives counted as abandons", r.counts_amd_false_positives)
    yield plain("report", "", "late connects counted as abandons", r.late_connects_are_abandons)
    yield plain("report", "", "AMD false-positive method", r.amd_method)
    yield plain("report", "", "compliant", r.compliant)
    for section, windows in (("period", (r.totals,)), ("day", r.days), ("rolling 30 days", r.rolling_30_days)):
        for w in windows:
            yield fig(section, w.label, "calls placed", w.calls_placed)
            yield fig(section, w.label, "live answers", w.live_answers)
            yield fig(section, w.label, "abandons", w.abandons)
            yield fig(section, w.label, "late connects", w.late_connects)
            yield fig(section, w.label, "machines", w.machines)
            yield fig(section, w.label, "AMD false-positive estimate", w.amd_fp_estimate)
            yield plain(section, w.label, "abandon rate", round(w.abandon_rate, 6))
            yield plain(section, w.label, "over cap", w.over_cap)
    for status, f in r.amd_counts.items():
        yield fig("amd", "period", status, f)
    yield fig("calling window", "period", "calls outside the window (must be 0)", r.outside_window)
    for reason, f in r.blocked.items():
        yield fig("blocked dials (contact ids)", "period", reason, f)
    lat = r.latency
    yield plain("connect latency", "period", "bridged calls", lat.count)
    for name, value in (("p50", lat.p50), ("p90", lat.p90), ("p95", lat.p95), ("p99", lat.p99), ("max", lat.max)):
        yield plain("connect latency", "period", f"{name} s", value)
    for label, f in lat.buckets:
        yield fig("connect latency", "period", label, f)
    yield fig("connect latency", "period", f"over {r.connect_limit_s:g} s", lat.over_limit)
    yield fig("connect latency", "period", f"recorded dead air over {r.connect_limit_s:g} s", r.dead_air_over_limit)
    for key, f in r.abandon_messages.items():
        yield fig("abandon message", "period", key, f)


def ledger_rows(report: EvidenceReport) -> Iterator[list[Cell]]:
    """Every attempt the report saw (including the 29 days before the period), times in UTC."""
    for x in report.ledger:
        yield [
            x.attempt_id,
            x.contact_id,
            x.phone,
            _utc(x.originated_at),
            x.report_day,
            x.outcome,
            x.amd_status,
            x.amd_cause,
            _utc(x.answered_at),
            _utc(x.bridged_at),
            _utc(x.ended_at),
            None if x.connect_latency_s is None else round(x.connect_latency_s, 3),
            x.in_window,
            x.live,
            x.abandoned,
            x.late_connect,
            x.amd_fp_suspect,
            x.abandon_message_played,
        ]
