"""The evidence report on hand-built attempt records: per-day and rolling figures, AMD estimate,
window, latency, blocked dials, messages, and that every figure traces to attempt ids."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from dialer.adapters.compliance_evidence import write_evidence, write_evidence_files, write_evidence_ledger
from dialer.compliance.evidence import (
    AmdFalsePositiveMethod,
    AttemptRecord,
    BlockedDial,
    EvidenceReport,
    Figure,
    build_evidence,
)
from dialer.compliance.evidence_tables import id_ranges, ledger_rows, summary_rows
from dialer.compliance.profiles import UK, US, effective_rules

UTC = dt.UTC
LONDON = "Europe/London"


def at(day: int, hh: int, mm: int = 0, ss: float = 0.0) -> dt.datetime:
    """March 2026, UTC."""
    return dt.datetime(2026, 3, day, hh, mm, tzinfo=UTC) + dt.timedelta(seconds=ss)


def rec(
    attempt_id: int,
    start: dt.datetime,
    outcome: str | None,
    latency: float | None = None,
    **kw: object,
) -> AttemptRecord:
    answered = start + dt.timedelta(seconds=5) if outcome in ("connected", "abandoned", "machine") else None
    bridged = answered + dt.timedelta(seconds=latency) if answered and latency is not None else None
    fields: dict[str, object] = {
        "attempt_id": attempt_id,
        "contact_id": 1000 + attempt_id,
        "phone": f"+4420700000{attempt_id:02d}",
        "originated_at": start,
        "answered_at": answered,
        "bridged_at": bridged,
        "ended_at": start + dt.timedelta(minutes=1),
        "outcome": outcome,
        "timezone": LONDON,
    }
    fields.update(kw)
    return AttemptRecord(**fields)  # type: ignore[arg-type]


RECORDS = [
    rec(1, at(10, 12), "abandoned", abandon_message_played=True),  # before the period: rolling only
    # Saturday 28th (GMT)
    rec(10, at(28, 10), "connected", 0.8),
    rec(11, at(28, 11), "connected", 2.5),  # a late connect
    rec(12, at(28, 12), "abandoned", abandon_message_played=True),
    rec(13, at(28, 13), "machine", amd_status="MACHINE", amd_cause="LONGGREETING-1600-1500"),
    rec(14, at(28, 14), "no_answer"),
    # Sunday 29th: BST from 01:00 UTC
    rec(21, at(29, 10), "connected", 1.2, amd_status="HUMAN"),
    rec(22, at(29, 11), "abandoned"),
    rec(23, at(29, 12), "machine", amd_status="MACHINE", amd_cause="MAXWORDS-4-4"),
    rec(20, at(29, 23, 30), "no_answer"),  # 00:30 BST on the 30th: outside the window, reported on the 30th
    # Monday 30th
    rec(30, at(30, 9), "connected", 0.4),
    rec(31, at(30, 10), None),  # still in progress
]
BLOCKED = [
    BlockedDial(at(28, 9), 500, "+442070000500", "no_consent"),
    BlockedDial(at(29, 9), 501, "+442070000501", "do_not_call"),
    BlockedDial(at(30, 9), 502, "+442070000502", "frequency_day", "1 calls this day"),
    BlockedDial(at(30, 9, 5), 503, "+442070000503", "frequency_day"),
    BlockedDial(at(27, 9), 504, "+442070000504", "do_not_call"),  # before the period
]


def report(rules: object = UK, **kw: object) -> EvidenceReport:
    args: dict[str, object] = {
        "campaign": "uk-spring",
        "rules": rules,
        "period_start": dt.date(2026, 3, 28),
        "period_end": dt.date(2026, 3, 30),
        "report_tz": LONDON,
    }
    args.update(kw)
    return build_evidence(RECORDS, BLOCKED, **args)  # type: ignore[arg-type]


def test_per_day_figures_uk_with_amd_estimate() -> None:
    r = report(amd_method=AmdFalsePositiveMethod(0.1, suspect_causes=("MAXWORDS",), basis="listening test"))
    d28, d29, d30 = r.days
    assert d28.calls_placed.ids == (10, 11, 12, 13, 14)
    assert d28.live_answers.ids == (10, 11, 12)
    assert d28.abandons.ids == (12,) and d28.late_connects.ids == (11,)
    assert d28.machines.ids == (13,) and d28.amd_fp_estimate.value == pytest.approx(0.1)
    assert d28.abandon_rate == pytest.approx((1 + 1 + 0.1) / (3 + 0.1))
    assert d28.over_cap  # the UK cap is enforced per day
    # the MAXWORDS verdict is counted as a whole person
    assert d29.calls_placed.ids == (21, 22, 23)
    assert d29.amd_fp_estimate == Figure(1.0, (23,))
    assert d29.abandon_rate == pytest.approx((1 + 1) / (2 + 1))
    assert d30.calls_placed.ids == (20, 30, 31) and d30.live_answers.ids == (30,)
    assert d30.abandon_rate == 0.0 and not d30.over_cap
    assert r.amd_method.startswith("10.0% of MACHINE verdicts (listening test)")
    assert not r.compliant and [w.label for w in r.over_cap] == ["2026-03-28", "2026-03-29"]


def test_rolling_30_days_include_the_days_before_the_period() -> None:
    r = report(rules=US)
    roll28 = r.rolling_30_days[0]
    assert (roll28.first_day, roll28.last_day) == (dt.date(2026, 2, 27), dt.date(2026, 3, 28))
    assert roll28.live_answers.ids == (1, 10, 11, 12) and roll28.abandons.ids == (1, 12)
    assert roll28.amd_fp_estimate.value == 0  # the US profile does not estimate
    assert roll28.abandon_rate == pytest.approx(3 / 4)  # 2 abandons + 1 late connect
    roll30 = r.rolling_30_days[-1]
    assert roll30.live_answers.ids == (1, 10, 11, 12, 21, 22, 30)
    assert roll30.over_cap and not r.days[0].over_cap  # US: the rolling window is the enforced one
    # the period totals exclude the record of March 10
    assert r.totals.live_answers.ids == (10, 11, 12, 21, 22, 30)
    # late connects can be reported without counting them
    r2 = report(rules=US, late_connects_are_abandons=False)
    assert r2.rolling_30_days[0].abandon_rate == pytest.approx(2 / 4)


def test_rolling_rate_against_the_cap_at_the_boundary() -> None:
    """100 live answers a day for 30 days with 3% abandoned is at the cap, one more is over."""
    records = []
    n = 0
    for day in range(30):
        start = dt.datetime(2026, 6, 1, 12, tzinfo=UTC) + dt.timedelta(days=day)
        for i in range(100):
            n += 1
            records.append(rec(n, start + dt.timedelta(seconds=i), "abandoned" if i < 3 else "connected", 0.5))
    rules = US
    r = build_evidence(
        records,
        [],
        campaign="c",
        rules=rules,
        period_start=dt.date(2026, 6, 30),
        period_end=dt.date(2026, 6, 30),
        report_tz="America/New_York",
    )
    [roll] = r.rolling_30_days
    assert roll.live_answers.value == 3000 and roll.abandon_rate == pytest.approx(0.03) and not roll.over_cap
    extra = rec(n + 1, dt.datetime(2026, 6, 30, 18, tzinfo=UTC), "abandoned")
    r = build_evidence(
        [*records, extra],
        [],
        campaign="c",
        rules=rules,
        period_start=dt.date(2026, 6, 30),
        period_end=dt.date(2026, 6, 30),
        report_tz="America/New_York",
    )
    assert r.rolling_30_days[0].over_cap and r.over_cap


def test_calls_outside_the_window_blocked_dials_latency_and_messages() -> None:
    r = report()
    assert r.outside_window == Figure(1, (20,))
    assert {k: f.ids for k, f in r.blocked.items()} == {
        "do_not_call": (501,),
        "frequency_day": (502, 503),
        "no_consent": (500,),
    }
    lat = r.latency
    assert lat.count == 4 and (lat.p50, lat.p90, lat.max) == (0.8, 2.5, 2.5)
    assert lat.over_limit == Figure(1, (11,))
    buckets = {label: f.ids for label, f in lat.buckets}
    assert buckets["0-0.5 s"] == (30,) and buckets["0.5-1 s"] == (10,) and buckets["2-3 s"] == (11,)
    assert r.abandon_messages["played"].ids == (12,)
    assert r.abandon_messages["not_recorded"].ids == (22,)
    assert r.abandon_messages["not_played"].value == 0
    assert r.amd_counts["MACHINE"].ids == (13, 23) and r.amd_counts["HUMAN"].ids == (21,)
    # the default estimate is the profile's reasoned rate (UK: 5% of MACHINE verdicts)
    assert r.amd_counts["MACHINE_FALSE_POSITIVE_ESTIMATE"].value == pytest.approx(0.1)


def test_campaign_windows_narrow_the_window_check() -> None:
    from dialer.rules.windows import CallingWindows

    r = report(campaign_windows=CallingWindows.every_day("09:00-11:30"))
    # 12:00 and 13:00 GMT on the 28th; 12:00 UTC = 13:00 BST and 11:00 UTC = 12:00 BST on the 29th
    assert r.outside_window.ids == (12, 13, 14, 20, 22, 23)


def test_every_figure_traces_to_ledger_rows() -> None:
    r = report()
    ledger = {row.attempt_id: row for row in r.ledger}
    assert set(ledger) == {x.attempt_id for x in RECORDS}
    for w in (*r.days, *r.rolling_30_days, r.totals):
        rows = [ledger[i] for i in w.calls_placed.ids]
        assert all(w.first_day <= x.report_day <= w.last_day for x in rows)
        assert w.live_answers.ids == tuple(x.attempt_id for x in rows if x.live)
        assert w.abandons.ids == tuple(x.attempt_id for x in rows if x.abandoned)
        assert w.late_connects.ids == tuple(x.attempt_id for x in rows if x.late_connect)
        for f in (w.calls_placed, w.live_answers, w.abandons, w.late_connects, w.machines):
            assert f.value == len(f.ids) and set(f.ids) <= set(ledger)
    assert ledger[20].report_day == dt.date(2026, 3, 30) and not ledger[20].in_window
    assert ledger[23].amd_fp_suspect is False  # no suspect causes by default


def test_summary_rows_carry_the_ids() -> None:
    rows = list(summary_rows(report()))
    assert ["day", "2026-03-28", "abandons", 1, "12"] in rows
    assert ["day", "2026-03-28", "calls placed", 5, "10-14"] in rows
    assert ["calling window", "period", "calls outside the window (must be 0)", 1, "20"] in rows
    assert ["blocked dials (contact ids)", "period", "frequency_day", 2, "502-503"] in rows
    assert ["report", "", "compliant", False, ""] in rows


def test_id_ranges() -> None:
    assert id_ranges([]) == ""
    assert id_ranges([5, 1, 2, 3, 7, 9, 10, 3]) == "1-3,5,7,9-10"
    long = id_ranges(range(0, 40000, 2))
    assert len(long) <= 30020 and long.endswith(",... see ledger")


def test_writers_csv_and_xlsx(tmp_path: Path) -> None:
    r = report()
    assert write_evidence(r, tmp_path / "s.csv") == len(list(summary_rows(r)))
    assert write_evidence_ledger(r, tmp_path / "l.csv") == len(RECORDS)
    with (tmp_path / "l.csv").open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    assert table[0][0] == "attempt_id" and len(table) == len(RECORDS) + 1
    assert table[1][2] == "'+442070000001"  # phone numbers are neutralised text, never a formula
    paths = list(write_evidence_files(r, tmp_path / "out", "xlsx"))
    from openpyxl import load_workbook

    ws = load_workbook(paths[1]).active
    assert ws is not None and ws.max_row == len(RECORDS) + 1
    with pytest.raises(ValueError, match="fmt"):
        write_evidence_files(r, tmp_path, "pdf")


def test_formula_in_an_amd_cause_is_neutralised(tmp_path: Path) -> None:
    evil = dataclasses.replace(RECORDS[4], amd_cause='=HYPERLINK("x")')
    r = build_evidence(
        [evil],
        [],
        campaign="c",
        rules=UK,
        period_start=dt.date(2026, 3, 28),
        period_end=dt.date(2026, 3, 28),
        report_tz=LONDON,
    )
    [row] = list(ledger_rows(r))
    assert row[7] == '=HYPERLINK("x")'
    write_evidence_ledger(r, tmp_path / "l.csv")
    assert "'=HYPERLINK" in (tmp_path / "l.csv").read_text(encoding="utf-8-sig")


def test_tightened_rules_drive_the_report() -> None:
    rules = effective_rules(US, {"abandon_period": "calendar_day", "connect_limit_s": 1.0}).rules
    r = report(rules=rules)
    assert r.connect_limit_s == 1.0 and r.latency.over_limit.ids == (11, 21)
    assert r.days[1].over_cap and not r.rolling_30_days[1].over_cap
    with pytest.raises(ValueError, match="period_end"):
        report(period_end=dt.date(2026, 3, 1))


def test_recorded_dead_air_over_the_limit_is_reported() -> None:
    from dialer.compliance.evidence import AttemptRecord, build_evidence
    from dialer.compliance.profiles import profile

    t = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
    recs = [
        AttemptRecord(1, 1, "+12025550101", t, t, t, t + dt.timedelta(minutes=1), "connected", dead_air_s=0.4),
        AttemptRecord(2, 2, "+12025550102", t, t, t, t + dt.timedelta(minutes=1), "connected", dead_air_s=2.6),
        AttemptRecord(3, 3, "+12025550103", t, None, None, t, "busy"),
    ]
    report = build_evidence(recs, [], campaign="c", rules=profile("US"), period_start=t.date(), period_end=t.date())
    assert list(report.dead_air_over_limit.ids) == [2]
    assert not report.compliant


def _one_day(records: list[AttemptRecord], rules: object, **kw: object) -> EvidenceReport:
    day = records[0].originated_at.date()
    return build_evidence(records, [], campaign="c", rules=rules, period_start=day, period_end=day, **kw)  # type: ignore[arg-type]


def test_us_late_connect_is_measured_from_the_end_of_the_greeting_amd_reveals() -> None:
    """AMD said HUMAN 2.3 s after the answer, after 800 ms of silence: the greeting ended at 1.5 s.
    Bridged at 3.4 s: 1.9 s after the greeting (on time); at 3.6 s: 2.1 s (late)."""
    t = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)

    def human(i: int, bridged_after: float) -> AttemptRecord:
        return AttemptRecord(
            i,
            i,
            f"+1202555010{i}",
            t,
            answered_at=t,
            bridged_at=t + dt.timedelta(seconds=bridged_after),
            ended_at=t + dt.timedelta(minutes=1),
            outcome="connected",
            amd_status="HUMAN",
            amd_cause="HUMAN-800-800",
            amd_at=t + dt.timedelta(seconds=2.3),
        )

    r = _one_day([human(1, 3.4), human(2, 3.6)], US)
    assert r.totals.late_connects.ids == (2,)
    assert r.latency.over_limit.ids == (2,)  # the latency section uses the same clock
    ledger = {row.attempt_id: row for row in r.ledger}
    assert ledger[1].measured_from == "completed_greeting"
    assert ledger[1].connect_latency_s == pytest.approx(1.9)
    assert r.connect_clock == "completed_greeting"
    # UK measures from the start of speech, unknown here: from the answer, both late
    assert _one_day([human(1, 3.4), human(2, 3.6)], UK).totals.late_connects.ids == (1, 2)


def test_machines_counted_as_abandons_by_the_campaign_or_the_profile() -> None:
    t = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
    recs = [
        AttemptRecord(1, 1, "+12025550101", t, t, t, t + dt.timedelta(minutes=1), "connected"),
        AttemptRecord(2, 2, "+12025550102", t, t, None, t, "machine", amd_status="MACHINE"),
    ]
    assert _one_day(recs, US).totals.abandon_rate == 0.0
    counted = _one_day(recs, US, machines_count_as_abandons=True)
    assert counted.totals.abandon_rate == pytest.approx(1 / 2) and counted.machines_count_as_abandons
    assert [row.machine_abandon for row in counted.ledger] == [False, True]
    strict = effective_rules(UK, {"machines_count_as_abandons": True}).rules
    uk = _one_day(recs, strict)
    # every machine counts whole, so the false-positive estimate is not added on top
    assert uk.totals.abandon_rate == pytest.approx(1 / 2)


def test_report_figures_equal_a_tally_of_classify_call() -> None:
    """The report counts exactly what `classify_call` says of each call: the one definition."""
    from dialer.compliance.abandons import classify_call

    r = report(rules=US)
    verdicts = [classify_call(x.facts(), US) for x in RECORDS if x.attempt_id not in (1, 20, 30, 31)]
    in_28_29 = [row for row in r.ledger if row.report_day in (dt.date(2026, 3, 28), dt.date(2026, 3, 29))]
    assert len(verdicts) == len(in_28_29)
    live = sum(v.live for v in verdicts)
    abandons = sum(v.abandon for v in verdicts)
    d28, d29 = r.days[0], r.days[1]
    assert live == d28.live_answers.value + d29.live_answers.value
    assert abandons == (d28.abandons.value + d28.late_connects.value + d29.abandons.value + d29.late_connects.value)
