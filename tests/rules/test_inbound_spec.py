"""The `inbound:` campaign section and the contact fields it routes by."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dialer.pacing.blend import ServiceLevel
from dialer.rules.campaign import CampaignDefinitionError, parse_campaign
from dialer.rules.inbound_routing import AfterHours, CallerFacts
from dialer.rules.inbound_spec import InboundFields, caller_facts, parse_flag, parse_logins

BASE: dict[str, Any] = {"name": "c", "trunk": "t"}


def test_old_campaign_files_stay_valid_without_inbound() -> None:
    assert parse_campaign(BASE).inbound is None


def test_inbound_section_parsed() -> None:
    d = parse_campaign(
        {
            **BASE,
            "inbound": {
                "numbers": ["+7 495 000 00 01", "74950000002"],
                "max_wait": "2m",
                "own_operator_wait": 5,
                "timezone": "Europe/Moscow",
                "hours": {"mon-fri": "09:00-18:00"},
                "after_hours": "callback",
                "fields": {"vip": "VIP клиент"},
            },
        }
    )
    spec = d.inbound
    assert spec is not None
    assert spec.numbers == ["+74950000001", "74950000002"]
    policy = spec.policy()
    assert (policy.max_wait_s, policy.own_wait_s, policy.after_hours) == (120, 5, AfterHours.CALLBACK)
    assert spec.answers("74950000001") and spec.answers("+74950000002") and not spec.answers("74950000003")
    msk = dt.timezone(dt.timedelta(hours=3))
    assert spec.is_open(dt.datetime(2026, 12, 7, 9, 0, tzinfo=msk))  # Monday
    assert not spec.is_open(dt.datetime(2026, 12, 7, 18, 0, tzinfo=msk))
    assert not spec.is_open(dt.datetime(2026, 12, 6, 12, 0, tzinfo=msk))  # Sunday
    assert spec.fields.vip == "VIP клиент"


@pytest.mark.parametrize(
    ("inbound", "words"),
    [
        ({}, "numbers"),
        ({"numbers": []}, "numbers"),
        ({"numbers": ["abc"]}, "not phone numbers"),
        ({"numbers": ["123"], "max_wait": 0}, "max_wait"),
        ({"numbers": ["123"], "timezone": "Mars/Base"}, "time zone"),
        ({"numbers": ["123"], "hours": {"someday": "9-18"}}, "unknown day"),
        ({"numbers": ["123"], "after_hours": "voicemail"}, "after_hours"),
        ({"numbers": ["123"], "queue": 1}, "queue"),
        ({"numbers": ["123"], "service_level": {"share": 1.5}}, "service_level"),
        ({"numbers": ["123"], "service_level": {"share": "0%"}}, "share"),
        ({"numbers": ["123"], "service_level": {"within": "soon"}}, "within"),
        ({"numbers": ["123"], "expected_per_hour": -5}, "expected_per_hour"),
    ],
)
def test_bad_inbound_section_names_the_field(inbound: dict[str, Any], words: str) -> None:
    with pytest.raises(CampaignDefinitionError) as err:
        parse_campaign({**BASE, "inbound": inbound})
    assert words in str(err.value)
    assert "inbound" in str(err.value)


def test_service_level_target_and_expected_calls() -> None:
    spec = parse_campaign(
        {
            **BASE,
            "inbound": {
                "numbers": ["123"],
                "service_level": {"share": "90%", "within": "15s"},
                "expected_per_hour": 40,
            },
        }
    ).inbound
    assert spec is not None
    target = spec.service_level.target()
    assert (target.share, target.within_s, spec.expected_per_hour) == (0.9, 15.0, 40.0)
    default = parse_campaign({**BASE, "inbound": {"numbers": ["123"]}}).inbound
    assert default is not None and default.service_level.target() == ServiceLevel(0.8, 20.0)
    assert default.expected_per_hour == 0.0


def test_flags_and_logins() -> None:
    assert parse_flag("Да", "vip") and parse_flag("yes", "vip") and not parse_flag("", "vip")
    with pytest.raises(ValueError, match="'vip'"):
        parse_flag("maybe", "vip")
    assert parse_logins("op2, op3;op4") == ("op2", "op3", "op4")
    assert parse_logins(["op2"]) == ("op2",)
    assert parse_logins(None) == ()


def test_caller_facts_from_contact_details() -> None:
    ids = {"op1": 1, "op2": 2, "op3": 3}
    details = {"vip": "да", "account_manager": "op2", "fallback_chain": "op3, ghost"}
    facts, problems = caller_facts(7, details, InboundFields(), ids, last_operator=1)
    assert facts == CallerFacts(7, True, 2, (3,), 1)
    assert problems == ["contact field 'fallback_chain': no operator with login 'ghost'"]
    facts, problems = caller_facts(7, {"vip": "??"}, InboundFields(), ids, None)
    assert facts == CallerFacts(7) and "'vip'" in problems[0]
