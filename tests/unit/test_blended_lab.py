"""The blended lab run's measurement without the lab: Asterisk's channel event log read into the inbound queue's
and the outbound abandon figures (dialer.lab.cel), the plan's arrivals, and the comparison that fails the lab
test (bench/blended_lab.py) on any disagreement."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bench.blended_lab import BlendedLabFigures, BlendedLabPlan, arrivals, outbound_numbers
from dialer.lab.cel import connects, live_answers_and_abandons, queue_calls, read_cel
from dialer.rules.inbound_figures import InboundFigures
from dialer.simcustomers import SimBehaviour, decode_sim_number

T0 = 1795930563.0


def cel_file(tmp_path: Path, rows: list[tuple[str, float, str]]) -> Path:
    path = tmp_path / "dialer-cel.csv"
    path.write_text("".join(f'"dialer-cel-1","{k}","{T0 + t:.6f}","{c}","{c}","Local/x",""\n' for k, t, c in rows))
    return path


def test_queue_waits_and_abandons_from_the_event_log(tmp_path: Path) -> None:
    path = cel_file(
        tmp_path,
        [
            ("ANSWER", 0.0, "in-a"),  # answered by an operator at once
            ("BRIDGE_ENTER", 0.2, "in-a"),
            ("HANGUP", 9.0, "in-a"),
            ("ANSWER", 1.0, "in-b"),  # waited 7 s
            ("BRIDGE_ENTER", 8.0, "in-b"),
            ("BRIDGE_ENTER", 9.0, "in-b"),  # a second bridge (e.g. a transfer): the first counts
            ("HANGUP", 12.0, "in-b"),
            ("ANSWER", 2.0, "in-c"),  # hung up after 10 s in the queue
            ("HANGUP", 12.0, "in-c"),
            ("ANSWER", 3.0, "in-d"),  # still queued: left out
            ("ANSWER", 0.5, "other"),  # not one of these calls
        ],
    )
    cel = connects(read_cel(path), ["in-a", "in-b", "in-c", "in-d"])
    f = InboundFigures.of(queue_calls(cel.values()), within_s=5)
    assert (f.offered, f.answered, f.abandoned, f.answered_in_time) == (3, 2, 1, 1)
    assert f.service_level == 1 / 3
    assert round(f.average_speed_of_answer_s, 6) == 3.6


def test_outbound_abandons_are_answers_never_bridged_or_bridged_late(tmp_path: Path) -> None:
    path = cel_file(
        tmp_path,
        [
            ("ANSWER", 0.0, "on-time"),
            ("BRIDGE_ENTER", 0.1, "on-time"),
            ("ANSWER", 0.0, "late"),
            ("BRIDGE_ENTER", 2.5, "late"),
            ("ANSWER", 0.0, "dropped"),
            ("HANGUP", 6.0, "dropped"),
            ("HANGUP", 6.0, "busy"),  # never answered: not a live answer
        ],
    )
    cel = connects(read_cel(path), ["on-time", "late", "dropped", "busy"])
    assert live_answers_and_abandons(cel.values(), connect_limit_s=2.0) == (3, 2)
    assert live_answers_and_abandons(cel.values(), connect_limit_s=3.0) == (3, 1)


PLAN = BlendedLabPlan(operators=("op1", "op2"), outbound_contacts=40, callers_per_minute=6, arrivals_for_s=600)


def test_the_plan_is_drawn_from_its_seed() -> None:
    calls = arrivals(PLAN)
    assert calls == arrivals(PLAN) and calls != arrivals(replace(PLAN, seed=2))
    assert 30 <= len(calls) <= 90  # 60 expected in 10 minutes at 6 a minute
    assert all(0 < a.at_s < 600 for a in calls) and [a.at_s for a in calls] == sorted(a.at_s for a in calls)
    assert len({a.phone for a in calls}) == len(calls)
    burst = arrivals(replace(PLAN, burst=(20.0, 5)))
    assert len(burst) == len(calls) + 5 and sum(a.at_s == 20.0 for a in burst) == 5
    kinds = [decode_sim_number(n)[0] for n in outbound_numbers(PLAN)]
    assert len(kinds) == 40 and set(kinds) == {SimBehaviour.HUMAN, SimBehaviour.BUSY, SimBehaviour.NO_ANSWER}


def figures(**changes: object) -> BlendedLabFigures:
    inbound = InboundFigures(4, 3, 1, 0, 2, 0.5, 2.0, 5.0)
    base = BlendedLabFigures(
        offered_callers=4,
        inbound_cel=inbound,
        inbound_dialer=inbound,
        waits=[("a", 0.1, 0.12), ("b", 2.0, 2.02), ("c", 7.0, 7.01), ("d", 10.0, 10.0)],
        outbound_placed=10,
        outbound_cel=(6, 1),
        outbound_summary=(6, 1),
        outbound_console=(6, 1),
        outbound_ledger=(6, 1),
        arrivals_while_dialling=4,
        occupancy=0.7,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_agreeing_figures_have_no_disagreement() -> None:
    assert figures().disagreements() == []
    assert figures().report()["outbound"]["abandon_rate_cel"] == round(1 / 6, 4)


def test_every_disagreement_is_named() -> None:
    inbound = InboundFigures(4, 3, 1, 0, 2, 0.5, 2.0, 5.0)
    assert (
        "outbound live answers, abandons: CEL (6, 1), ledger (6, 0)" in figures(outbound_ledger=(6, 0)).disagreements()
    )
    assert len(figures(outbound_summary=(7, 1), outbound_console=(6, 2)).disagreements()) == 2
    assert figures(offered_callers=5).disagreements()[0].startswith("callers offered: plan 5")
    assert figures(inbound_dialer=replace(inbound, abandoned=0)).disagreements() == [
        "inbound abandoned: CEL 1, dialer 0"
    ]
    assert (
        figures(inbound_dialer=replace(inbound, answered_in_time=3))
        .disagreements()[0]
        .startswith("answered within 5 s: CEL 2, dialer 3")
    )
    assert figures(waits=[("a", 0.1, 0.9)]).disagreements() == ["wait of a: dialer 0.1, CEL 0.9"]
    assert figures(waits=[("a", None, 0.9)]).disagreements() == ["wait of a: dialer None, CEL 0.9"]


def test_a_wait_at_the_threshold_may_land_on_either_side() -> None:
    """Two clocks a few milliseconds apart may count a caller answered at T on different sides of it: one such
    call allows one call of difference, and no more."""
    inbound = InboundFigures(4, 3, 1, 0, 2, 0.5, 2.0, 5.0)
    at_t = [("a", 0.1, 0.1), ("b", 4.99, 5.02), ("c", 7.0, 7.0)]
    assert figures(waits=at_t, inbound_dialer=replace(inbound, answered_in_time=3)).disagreements() == []
    assert figures(waits=at_t, inbound_dialer=replace(inbound, answered_in_time=4)).disagreements() != []


def test_a_connect_at_the_limit_may_count_as_late_on_one_side() -> None:
    """The same allowance for an outbound customer bridged at the connect limit: one such call allows one
    abandon of difference; live answers must agree exactly."""
    near = [0.1, 0.2, 1.9]
    assert figures(outbound_latencies=near, outbound_ledger=(6, 2)).disagreements() == []
    assert figures(outbound_latencies=near, outbound_ledger=(6, 3)).disagreements() != []
    assert figures(outbound_latencies=[0.1], outbound_ledger=(6, 2)).disagreements() != []
    assert figures(outbound_latencies=near, outbound_ledger=(7, 1)).disagreements() != []
