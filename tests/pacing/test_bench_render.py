"""The pacing benchmark's table is drawn from runs split across processes: merged per scenario."""

from __future__ import annotations

from typing import Any

import pytest

from bench.pacing_bench import merge_entries


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
