# ruff: noqa: RUF001
"""Campaign YAML: a full definition converts to the pure rules; bad ones name the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dialer.adapters.campaign_file import load_campaign
from dialer.outcomes import AttemptOutcome
from dialer.pacing import DialingMode
from dialer.rules import CampaignDefinitionError, TimeRange, parse_campaign
from dialer.rules.campaign import parse_duration

FULL = """
name: dentists-spring
description: Стоматологии, весна
lists:
  - dentists-msk
  - {name: dentists-spb, path: lists/spb.xlsx, sheet: Лист1, mapping: {"Тел. моб.": phone, 7: extra}}
filters:
  specialties:
    allowed: [Стоматология, Ортодонтия]
    synonyms: {Стоматология: [стоматологическая клиника, dentistry]}
  headcount: {min: 2, max: 500}
corporate: {headcount_threshold: 1000, group_min_rows: 5}
dialing:
  mode: predictive
  lines_per_operator: 1.5
  min_lines_per_operator: 1.0
  max_lines_per_operator: 2.5
  max_lines: 40
  target_abandon_rate: 0.03
caller_id: "+74951234567"
trunk: main
dial_string: "PJSIP/{number}@main"
calling_windows:
  weekly: {mon-fri: "09:00-13:00, 14:00-20:00", sat: ["10:00-16:00"], sun: null}
  holidays: [2026-05-01, 2026-05-09]
  fallback_timezone: Europe/Moscow
start_date: 2026-03-01
end_date: 2026-05-31
dispositions:
  - {code: sale, label: Продажа, positive: true}
  - {code: not_interested, label: Не интересно, refusal: true}
  - {code: callback, label: Перезвонить, callback: true}
  - {code: secretary, label: Секретарь, final: false}
retry:
  busy: 15m
  no_answer: 1h30m
  machine: 4h
  max_attempts: 5
  max_attempts_per_day: 2
  abandoned_quiet_period: 72h
  refusal_cooldown: 180d
  callback_grace: 600
recording: true
ring_timeout_seconds: 25
connect_limit_seconds: 2
wrap_up_seconds: 20
amd: true
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "c.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_full_definition_converts_to_rules(tmp_path: Path) -> None:
    c = load_campaign(write(tmp_path, FULL))
    assert c.name == "dentists-spring" and [x.name for x in c.lists] == ["dentists-msk", "dentists-spb"]
    assert c.lists[1].mapping == {"Тел. моб.": "phone", 7: "extra"}
    rules = c.import_rules()
    assert rules.specialties is not None and rules.specialties.match("DENTISTRY") == "Стоматология"
    assert rules.headcount is not None and (rules.headcount.min, rules.headcount.max) == (2, 500)
    assert rules.corporate.headcount_threshold == 1000 and rules.corporate.group_min_rows == 5
    w = c.calling_windows_rules()
    assert w.weekly[0] == (TimeRange.parse("09:00-13:00"), TimeRange.parse("14:00-20:00"))
    assert w.weekly[5] == (TimeRange.parse("10:00-16:00"),) and w.weekly[6] == ()
    assert dt.date(2026, 5, 9) in w.holidays and w.start_date == dt.date(2026, 3, 1)
    assert w.fallback_timezone == "Europe/Moscow"
    p = c.retry_policy()
    assert p.delay_for(AttemptOutcome.BUSY) == dt.timedelta(minutes=15)
    assert p.delay_for(AttemptOutcome.NO_ANSWER) == dt.timedelta(minutes=90)
    assert p.max_attempts == 5 and p.refusal_cooldown == dt.timedelta(days=180)
    assert p.callback_grace == dt.timedelta(minutes=10)
    d = c.disposition_map()
    assert d["not_interested"].refusal and d["callback"].callback and not d["secretary"].final
    k = c.pacing_knobs()
    assert k.mode is DialingMode.PREDICTIVE and k.max_lines == 40 and k.max_lines_per_operator == 2.5
    assert c.recording and c.amd and c.ring_timeout_seconds == 25


def test_minimal_definition_has_defaults() -> None:
    c = parse_campaign({"name": "x", "trunk": "main"})
    assert c.dialing.mode is DialingMode.PROGRESSIVE and c.retry.max_attempts == 6
    assert c.calling_windows_rules().weekly[0] == (TimeRange.parse("09:00-20:00"),)
    assert 5 not in c.calling_windows_rules().weekly


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"ring_timout_seconds": 30}, "ring_timout_seconds: Extra inputs are not permitted"),
        ({"dialing": {"max_lines": 0}}, "dialing.max_lines: Input should be greater than or equal to 1 (got 0)"),
        ({"dialing": {"mode": "turbo"}}, "dialing.mode: Input should be"),
        ({"dialing": {"min_lines_per_operator": 3, "max_lines_per_operator": 2}}, "dialing: min_lines_per_operator"),
        ({"dialing": {"target_abandon_rate": 0.9}}, "dialing.target_abandon_rate"),
        ({"retry": {"busy": "soon"}}, "retry.busy: not a duration: 'soon'"),
        ({"retry": {"max_attempts": 0}}, "retry.max_attempts"),
        ({"filters": {"headcount": {"min": 10, "max": 5}}}, "filters.headcount: min (10) is greater than max (5)"),
        ({"filters": {"specialties": {"allowed": ["A"], "synonyms": {"B": ["b"]}}}}, "filters.specialties"),
        ({"dial_string": "PJSIP/trunk"}, "dial_string: must contain the {number} placeholder"),
        ({"caller_id": "call me"}, "caller_id: String should match pattern"),
        ({"dispositions": [{"code": "a"}, {"code": "a"}]}, "duplicate codes ['a']"),
        (
            {"dispositions": [{"code": "a", "positive": True, "refusal": True}]},
            "dispositions[0]: disposition 'a' cannot be both",
        ),
        ({"dispositions": [{"code": "bad code"}]}, "dispositions[0].code"),
        ({"calling_windows": {"weekly": {"funday": "09:00-10:00"}}}, "calling_windows.weekly: unknown day 'funday'"),
        ({"calling_windows": {"weekly": {"mon": "20:00-09:00"}}}, "calling_windows.weekly: calling window 20:00-09:00"),
        ({"calling_windows": {"fallback_timezone": "Mars/Olympus"}}, "calling_windows.fallback_timezone: unknown IANA"),
        ({"start_date": "2026-06-01", "end_date": "2026-05-01"}, "start_date 2026-06-01 is after end_date"),
        ({"trunk": None}, "give a trunk or a dial_string"),
        ({"name": ""}, "name: String should have at least 1 character"),
    ],
)
def test_errors_name_the_field(patch: dict[str, object], expected: str) -> None:
    data: dict[str, object] = {"name": "x", "trunk": "main"}
    data.update(patch)
    with pytest.raises(CampaignDefinitionError) as exc:
        parse_campaign(data, "campaigns/x.yaml")
    assert expected in str(exc.value), str(exc.value)
    assert str(exc.value).startswith("campaigns/x.yaml: invalid campaign definition")


def test_several_errors_reported_together() -> None:
    with pytest.raises(CampaignDefinitionError) as exc:
        parse_campaign({"trunk": "t", "dialing": {"max_lines": -1}, "amd": "maybe"})
    fields = sorted(p.split(":")[0] for p in exc.value.problems)
    assert fields == ["amd", "dialing.max_lines", "name"]


def test_yaml_syntax_and_file_errors(tmp_path: Path) -> None:
    with pytest.raises(CampaignDefinitionError, match=r"line 4, column 1: YAML syntax error"):
        load_campaign(write(tmp_path, "name: x\ntrunk: t\ndialing: {mode: [\n"))
    with pytest.raises(CampaignDefinitionError, match="expected a mapping"):
        load_campaign(write(tmp_path, "- just\n- a list\n"))
    with pytest.raises(CampaignDefinitionError, match="cannot read"):
        load_campaign(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10m", 600),
        ("2h", 7200),
        ("1h30m", 5400),
        ("182d", 182 * 86400),
        ("1w", 604800),
        (90, 90),
        ("45", 45),
        ("30 sec", 30),
        ("2 min", 120),
    ],
)
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["", "10x", "h", "-5", True, -1, "1h junk"])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


MINIMAL = {"name": "c", "trunk": "main"}


@pytest.mark.parametrize(
    ("given", "strategy", "amd"),
    [
        ({}, "amd_off", False),
        ({"amd": False}, "amd_off", False),
        ({"amd": True}, "amd_then_connect", True),  # what `amd: true` always meant
        ({"connect_strategy": "amd_off"}, "amd_off", False),
        ({"connect_strategy": "amd_connect_first"}, "amd_connect_first", True),
        ({"connect_strategy": "amd_then_connect"}, "amd_then_connect", True),
        ({"connect_strategy": "amd_then_connect", "amd": True}, "amd_then_connect", True),
    ],
)
def test_connect_strategy_and_the_old_amd_flag(given: dict[str, object], strategy: str, amd: bool) -> None:
    d = parse_campaign({**MINIMAL, **given})
    assert d.connect_strategy.value == strategy and d.amd is amd
    # stored as JSON and read back (the database keeps the definition): the same
    again = parse_campaign(d.model_dump(mode="json"))
    assert again.connect_strategy == d.connect_strategy and again.amd is amd


def test_connect_strategy_errors_name_the_field() -> None:
    with pytest.raises(CampaignDefinitionError) as err:
        parse_campaign({**MINIMAL, "connect_strategy": "amd_sometimes"})
    assert any(p.startswith("connect_strategy:") for p in err.value.problems)
    with pytest.raises(CampaignDefinitionError, match="amd: true contradicts connect_strategy: amd_off"):
        parse_campaign({**MINIMAL, "amd": True, "connect_strategy": "amd_off"})


def test_connect_strategy_meaning() -> None:
    from dialer.rules.connect_strategy import ConnectStrategy

    assert not ConnectStrategy.AMD_OFF.uses_amd and ConnectStrategy.AMD_OFF.bridges_on_answer
    assert ConnectStrategy.AMD_CONNECT_FIRST.uses_amd and ConnectStrategy.AMD_CONNECT_FIRST.bridges_on_answer
    assert ConnectStrategy.AMD_THEN_CONNECT.uses_amd and not ConnectStrategy.AMD_THEN_CONNECT.bridges_on_answer


def test_the_sample_campaign_connects_at_once_under_a_profile() -> None:
    sample = load_campaign(Path(__file__).parents[2] / "campaigns" / "sample.yaml")
    assert sample.connect_strategy.value == "amd_off" and not sample.amd
    assert sample.compliance is not None and sample.compliance["profile"] == "RU"


def test_campaign_rules_carry_the_strategy_and_the_abandon_rule() -> None:
    from dialer.compliance.abandons import ConnectClock
    from dialer.rules.campaign_rules import CampaignRules

    d = parse_campaign(
        {
            **MINIMAL,
            "amd": True,
            "compliance": {"profile": "UK"},
            "dialing": {"machines_count_as_abandons": True},
        }
    )
    rules = CampaignRules.from_definition(d)
    assert rules.connect_strategy.value == "amd_then_connect"
    rule = rules.abandon_rule(connect_limit_s=1.5)
    assert (rule.connect_limit_s, rule.connect_clock, rule.machines_count_as_abandons) == (
        1.5,
        ConnectClock.START_OF_SPEECH,
        True,
    )
    plain = CampaignRules.from_definition(parse_campaign(MINIMAL)).abandon_rule(connect_limit_s=2.0)
    assert plain.connect_clock is ConnectClock.ANSWER and not plain.machines_count_as_abandons
