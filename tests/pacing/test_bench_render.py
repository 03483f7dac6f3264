"""The pacing benchmark's table is drawn from runs split across processes: merged per scenario."""

from __future__ import annotations

from typing import Any

import pytest

from bench.pacing_bench import blended_table, blended_verdicts, merge_entries


def _entry(name: str, results: dict[str, Any], hours: float = 2.0) -> dict[str, Any]:
    return {"scenario": name, "team_size": 7, "hours": hours, "cap": 0.03, "seeds": [1001, 1002], "results": results}


def test_a_later_file_replaces_a_policys_runs_and_adds_baselines() -> None:
    old = [_entry("a", {"predictive": ["old"], "ratio:2": ["r2"]}), _entry("b", {"predictive": ["b"]})]
    new = [_entry("a", {"predictive": ["new"], "level:1.1": ["l"]}), _entry("c", {"predictive": ["c"]})]
    merged = merge_entries(old, new)
    assert [e["scenario"] for e in merged] == ["a", "b", "c"]
    assert merged[0]["results"] == {"predictive": ["new"], "ratio:2": ["r2"], "level:1.1": ["l"]}
    assert old[0]["results"]["predictive"] == ["old"]  # the inputs are left alone


def test_runs_of_different_shifts_are_not_mixed() -> None:
    with pytest.raises(SystemExit, match="a: runs of different shifts"):
        merge_entries([_entry("a", {})], [_entry("a", {}, hours=1.0)])


def _run(spec: str, seed: int, occupancy: float, worst_hour: float, sl: float, held: float = 0.0) -> dict[str, Any]:
    return {
        "spec": spec,
        "seed": seed,
        "occupancy": occupancy,
        "abandon_rate": 0.02,
        "worst_hour": worst_hour,
        "worst_full_hour": worst_hour,
        "answered": 300,
        "calls_per_operator_hour": 20.0,
        "idle_wait_mean_s": 30.0,
        "counters": {"held_mean": held} if held else {},
        "inbound": {"service_level": sl, "offered": 50, "abandoned": 1, "average_speed_of_answer_s": 1.0},
    }


def test_blended_table_shows_the_variant_beside_the_published_policy() -> None:
    runs = {
        "blended": [_run("blended", 1001, 0.78, 0.029, 0.95, 0.2), _run("blended", 1002, 0.78, 0.027, 0.95, 0.2)],
        "blended-spare": [
            _run("blended-spare", 1001, 0.80, 0.026, 0.95, 0.03),
            _run("blended-spare", 1002, 0.80, 0.0354, 0.93, 0.03),
        ],
        "reserve:0": [_run("reserve:0", 1001, 0.79, 0.04, 0.9), _run("reserve:0", 1002, 0.79, 0.02, 0.9)],
        "reserve:1": [_run("reserve:1", 1001, 0.79, 0.02, 0.9), _run("reserve:1", 1002, 0.79, 0.02, 0.9)],
    }
    entry = {**_entry("blended", runs, hours=1.5), "service_level": {"share": 0.8, "within_s": 20.0}}
    table = blended_table([entry]).splitlines()
    spare = next(line for line in table if "counting spare operators (not adopted)" in line)
    assert "| 80.0% |" in spare and "| 3.54% | **no** |" in spare and spare.endswith("| 0.0 |")
    assert any("(b) reserve:1 **best in hindsight**" in line for line in table)  # reserve:0 is over the cap
    verdicts = blended_verdicts([entry]).splitlines()
    assert verdicts[0].startswith("- blended (seeds 1001, 1002): blended 78.0% occupancy")
    assert verdicts[0].endswith("best fixed reserve in hindsight reserve:1: -1.0 occupancy points")
    assert "blended-spare 80.0% occupancy" in verdicts[1] and "outbound under the cap: NO" in verdicts[1]


def test_the_second_day_is_drawn_and_judged_beside_the_first() -> None:
    from bench.pacing_bench import seed_table, table, verdicts

    def run(spec: str, seed: int, occupancy: float, worst_hour: float) -> dict[str, Any]:
        return {**_run(spec, seed, occupancy, worst_hour, 0.0), "inbound": None}

    entry = _entry(
        "cold",
        {
            "predictive": [run("predictive", 1001, 0.80, 0.02), run("predictive", 1002, 0.82, 0.02)],
            "predictive-day2": [run("predictive-day2", 1001, 0.88, 0.02), run("predictive-day2", 1002, 0.90, 0.031)],
            "ratio:3": [run("ratio:3", 1001, 0.85, 0.02), run("ratio:3", 1002, 0.85, 0.02)],
        },
    )
    assert "| cold (7 op., 2 h) | predictive, second day (starts from the first day's history) | 89.0% |" in table(
        [entry]
    )
    lines = verdicts([entry]).splitlines()
    assert lines[0].startswith("- cold (7 op., seeds 1001, 1002): predictive 81.0%")
    assert lines[0].endswith(
        "-4.0 points (vs ratio:3 safe on full hours only: -4.0); under the cap on every seed: yes -> bar NOT met"
    )
    # +4 points, but over the cap on one seed: not met
    assert lines[1].startswith("- cold (7 op., seeds 1001, 1002): predictive, second day 89.0%, worst hour 3.10%")
    assert lines[1].endswith("under the cap on every seed: NO -> bar NOT met")
    assert "| cold, second day | 1002 | 90.0% |" in seed_table([entry])
