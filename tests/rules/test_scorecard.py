# ruff: noqa: RUF001
"""The campaign's `scorecard` key: criteria with code, label and max points; bad ones name the field; a
submitted score is checked against them."""

from __future__ import annotations

import pytest

from dialer.rules import CampaignDefinitionError, parse_campaign
from dialer.rules.scorecard import ScorecardCriterion, score_problem


def _campaign(scorecard: object) -> dict[str, object]:
    return {"name": "qa-test", "trunk": "main", "scorecard": scorecard}


def test_scorecard_is_accepted_and_stored_as_json() -> None:
    d = parse_campaign(
        _campaign(
            [
                {"code": "greeting", "label": "Приветствие", "max_points": 5},
                {"code": "objections", "label": "Работа с возражениями"},
            ]
        )
    )
    assert d.scorecard is not None
    assert [(c.code, c.label, c.max_points) for c in d.scorecard] == [
        ("greeting", "Приветствие", 5),
        ("objections", "Работа с возражениями", 10),
    ]
    assert d.model_dump(mode="json")["scorecard"][0] == {"code": "greeting", "label": "Приветствие", "max_points": 5}
    assert parse_campaign({"name": "no-card", "trunk": "main"}).scorecard is None


@pytest.mark.parametrize(
    ("scorecard", "expected"),
    [
        ([], "scorecard: a scorecard needs at least one criterion"),
        ([{"code": "a"}, {"code": "a"}], "criterion code 'a' appears twice"),
        ([{"code": "Greeting!"}], "scorecard[0].code"),
        ([{"code": "a", "max_points": 0}], "scorecard[0].max_points"),
        ([{"code": "a", "max_points": 2.5}], "scorecard[0].max_points"),
        ([{"code": "a", "weight": 3}], "scorecard[0].weight: Extra inputs are not permitted"),
        ("greeting", "scorecard"),
    ],
)
def test_bad_scorecards_name_the_field(scorecard: object, expected: str) -> None:
    with pytest.raises(CampaignDefinitionError) as exc:
        parse_campaign(_campaign(scorecard))
    assert expected in str(exc.value)


CARD = [ScorecardCriterion(code="greeting", max_points=5), ScorecardCriterion(code="closing")]


def test_score_problem() -> None:
    assert score_problem(CARD, {"greeting": 5, "closing": 0}) is None
    assert score_problem(CARD, {"greeting": 5}) == score_problem(CARD, {"greeting": 5, "closing": None})
    missing = score_problem(CARD, {"greeting": 5})
    assert missing is not None and (missing.kind, missing.codes) == ("missing", ("closing",))
    unknown = score_problem(CARD, {"greeting": 1, "closing": 1, "smile": 3})
    assert unknown is not None and (unknown.kind, unknown.codes) == ("unknown", ("smile",))
    for bad in (6, -1, 2.5, 3.0, True, "3"):
        p = score_problem(CARD, {"greeting": bad, "closing": 1})
        assert p is not None and (p.kind, p.codes) == ("range", ("greeting",)), bad
