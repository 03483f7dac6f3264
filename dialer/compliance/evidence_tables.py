"""The evidence report as flat tables (a summary with the ids behind each figure, and the attempts
ledger) for CSV/XLSX. Pure: `dialer.adapters.compliance_evidence` writes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from dialer.compliance.evidence import EvidenceReport, Figure

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
    "measured_from",
    "machine",
    "machine_abandon",
    "heard_late",
    "reason",
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
    yield plain("report", "", "connect limit measured from", r.connect_clock)
    yield plain("report", "", "machines counted as abandons", r.machines_count_as_abandons)
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
            x.measured_from,
            x.machine,
            x.machine_abandon,
            x.heard_late,
            x.reason,
        ]
