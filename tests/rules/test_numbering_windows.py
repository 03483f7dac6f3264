# ruff: noqa: RUF001
"""Issue 16's "done when": a Russian mobile number in the numbering plan's range for Новосибирская
область is dialled only inside Novosibirsk's window, through the list import and the window rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dialer.lists import ParsedContact
from dialer.lists.numbering import NumberingPlan, NumberingRange, read_register
from dialer.lists.reader import read_contacts
from dialer.rules import CallingWindows, TimeRange, is_callable, next_window_start
from dialer.rules.campaign import parse_campaign
from tests.lists.helpers import write_csv

UTC = dt.UTC
DATA = Path(__file__).parent.parent / "lists" / "data" / "numbering"
WEEKDAYS_9_20 = CallingWindows({d: (TimeRange.parse("09:00-20:00"),) for d in range(5)})


def _plan() -> NumberingPlan:
    return NumberingPlan(r for r in read_register(DATA / "DEF-9xx.csv") if isinstance(r, NumberingRange))


def _contact(tmp_path: Path, plan: NumberingPlan | None) -> ParsedContact:
    p = write_csv(tmp_path / "l.csv", [["Телефон", "Компания"], ["+7 913 901-23-45", "ООО Сибирь"]], delimiter=";")
    (c,) = [x for x in read_contacts(p, numbering=plan) if isinstance(x, ParsedContact)]
    return c


def _zones(c: ParsedContact) -> str | tuple[str, ...]:
    """What the lease and the evidence report use: the zone when certain, else every candidate."""
    return c.timezone or c.timezone_candidates


def test_novosibirsk_mobile_is_callable_only_in_novosibirsk_window(tmp_path: Path) -> None:
    c = _contact(tmp_path, _plan())
    assert c.timezone == "Asia/Novosibirsk" and c.timezone_source == "numbering_plan"
    monday = dt.datetime(2026, 3, 2, tzinfo=UTC)
    callable_hours = [h for h in range(24) if is_callable(_zones(c), monday + dt.timedelta(hours=h), WEEKDAYS_9_20)]
    # 09:00-20:00 in Novosibirsk (UTC+7) is 02:00-13:00 UTC; Moscow's window (06:00-17:00 UTC) does not apply
    assert callable_hours == list(range(2, 13))
    assert not is_callable(_zones(c), dt.datetime(2026, 3, 2, 14, 0, tzinfo=UTC), WEEKDAYS_9_20)  # 21:00 there
    assert next_window_start(_zones(c), dt.datetime(2026, 3, 2, 13, 0, tzinfo=UTC), WEEKDAYS_9_20) == dt.datetime(
        2026, 3, 3, 2, 0, tzinfo=UTC
    )


def test_without_the_plan_the_same_number_is_callable_about_one_hour(tmp_path: Path) -> None:
    """What the issue saw: phonenumbers' candidates leave at most an hour a day."""
    c = _contact(tmp_path, None)
    assert c.timezone is None and len(c.timezone_candidates) > 10 and c.timezone_source == "unknown"
    monday = dt.datetime(2026, 3, 2, tzinfo=UTC)
    hours = [h for h in range(24) if is_callable(_zones(c), monday + dt.timedelta(hours=h), WEEKDAYS_9_20)]
    assert len(hours) <= 1


def test_the_campaign_default_window_agrees(tmp_path: Path) -> None:
    windows = parse_campaign({"name": "nsk", "dial_string": "Local/{number}@x"}).calling_windows_rules()
    c = _contact(tmp_path, _plan())
    assert is_callable(_zones(c), dt.datetime(2026, 3, 2, 3, 0, tzinfo=UTC), windows)  # 10:00 there
    assert not is_callable(_zones(c), dt.datetime(2026, 3, 2, 15, 0, tzinfo=UTC), windows)  # 22:00 there, 18:00 MSK
