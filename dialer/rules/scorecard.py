# ruff: noqa: RUF002
"""A campaign's QA scorecard: the criteria a call is scored on, each with a code, a label people read and
the most points it can earn (its weight in the total), and the check a submitted score must pass.

```yaml
scorecard:
  - {code: greeting, label: Приветствие, max_points: 5}
  - {code: objections, label: Работа с возражениями, max_points: 10}
```
Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from dialer.rules.campaign_fields import _Model

MAX_CRITERIA = 30
DEFAULT_MAX_POINTS = 10


class ScorecardCriterion(_Model):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(default="", max_length=200)  # empty: the web app's own label for a known code
    max_points: int = Field(default=DEFAULT_MAX_POINTS, ge=1, le=100)


def check_scorecard(criteria: Sequence[ScorecardCriterion]) -> Sequence[ScorecardCriterion]:
    """A scorecard needs at least one criterion, at most MAX_CRITERIA, and each code once."""
    if not criteria:
        raise ValueError("a scorecard needs at least one criterion (or leave the key out for the default)")
    if len(criteria) > MAX_CRITERIA:
        raise ValueError(f"at most {MAX_CRITERIA} criteria")
    seen: set[str] = set()
    for c in criteria:
        if c.code in seen:
            raise ValueError(f"criterion code {c.code!r} appears twice")
        seen.add(c.code)
    return criteria


@dataclass(frozen=True)
class ScoreProblem:
    """Why a submitted score is refused: `kind` is missing, unknown or range; `codes` the criteria."""

    kind: str
    codes: tuple[str, ...]


def score_problem(criteria: Sequence[ScorecardCriterion], scores: Mapping[str, Any]) -> ScoreProblem | None:
    """Every criterion scored, nothing else, each a whole number within 0..max_points (bool is not a number)."""
    wanted = {c.code: c.max_points for c in criteria}
    unknown = tuple(sorted(set(scores) - set(wanted)))
    if unknown:
        return ScoreProblem("unknown", unknown)
    missing = tuple(c.code for c in criteria if scores.get(c.code) is None)
    if missing:
        return ScoreProblem("missing", missing)
    bad = tuple(
        code
        for code, v in scores.items()
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= wanted[code]
    )
    if bad:
        return ScoreProblem("range", bad)
    return None
