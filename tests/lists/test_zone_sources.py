# ruff: noqa: RUF001
"""The order a contact's zone is taken in, and what the import keeps about the number: the register's
operator, unassigned ranges, extensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.lists import ParsedContact, RowError
from dialer.lists.numbering import NumberingPlan, NumberingRange, read_register
from dialer.lists.reader import read_contacts
from dialer.lists.rows import decide_zone
from tests.lists.helpers import write_csv

DATA = Path(__file__).parent / "data" / "numbering"
PLAN = NumberingPlan(r for f in sorted(DATA.glob("*.csv")) for r in read_register(f) if isinstance(r, NumberingRange))


def _read(tmp_path: Path, rows: list[list[str]], **kw: object) -> list[ParsedContact | RowError]:
    p = write_csv(tmp_path / "l.csv", rows, delimiter=";")
    return list(read_contacts(p, numbering=PLAN, **kw))  # type: ignore[arg-type]


def test_zone_order_list_columns_then_plan_then_phonenumbers_then_fallback(tmp_path: Path) -> None:
    rows = [
        ["Телефон", "Регион", "Город", "Адрес", "Часовой пояс"],
        ["+79139012345", "", "", "", "UTC+3"],  # timezone column first
        ["+79139012345", "Приморский край", "", "", ""],  # the list's region beats the plan
        ["+79139012345", "", "Томск", "", ""],  # then the city
        ["+79139012345", "", "", "630099, г. Новосибирск, ул. Ленина, 1", ""],  # then the address
        ["+79139012345", "", "", "", ""],  # then the numbering plan
        ["+73512345678", "", "", "", ""],  # not in the plan: phonenumbers' geographic zone (Chelyabinsk)
        ["+881612345678", "", "", "", ""],  # a satellite number: no zone anywhere, so the campaign's fallback
        ["+79142712345", "", "", "", ""],  # the plan says Якутия: its four zones
    ]
    got = [c for c in _read(tmp_path, rows, fallback_timezone="Europe/Moscow") if isinstance(c, ParsedContact)]
    assert [(c.timezone, c.timezone_source) for c in got] == [
        ("Etc/GMT-3", "timezone_column"),
        ("Asia/Vladivostok", "region_column"),
        ("Asia/Tomsk", "city_column"),
        ("Asia/Novosibirsk", "address_column"),
        ("Asia/Novosibirsk", "numbering_plan"),
        ("Asia/Yekaterinburg", "phone"),
        (None, "campaign_fallback"),
        (None, "numbering_plan"),
    ]
    assert got[6].timezone_candidates == ()  # the dialer applies the campaign's fallback when it dials
    assert got[7].timezone_candidates == ("Asia/Yakutsk", "Asia/Khandyga", "Asia/Ust-Nera", "Asia/Srednekolymsk")
    assert all(c.extra["timezone_source"] == c.timezone_source for c in got)  # stored with the contact
    assert got[3].extra["address"].startswith("630099")


def test_without_a_fallback_a_mobile_keeps_its_candidates(tmp_path: Path) -> None:
    (c,) = _read(tmp_path, [["Телефон"], ["+79990000001"]])
    assert isinstance(c, ParsedContact)
    assert c.timezone is None and len(c.timezone_candidates) > 10 and c.timezone_source == "unknown"


def test_decide_zone_skips_sources_that_do_not_know() -> None:
    places = (("region_column", "Бавария"), ("city_column", None), ("address_column", None))
    assert decide_zone("Марс", places, ("Asia/Omsk",), (), None) == ("Asia/Omsk", ("Asia/Omsk",), "numbering_plan")  # type: ignore[arg-type]
    assert decide_zone(None, (), (), ("Europe/Moscow",), "Asia/Omsk") == (
        "Europe/Moscow",
        ("Europe/Moscow",),
        "phone",
    )


def test_operator_kept_and_unassigned_ranges_flagged(tmp_path: Path) -> None:
    rows = [["Телефон"], ["+7 913 901-23-45"], ["+7 913 123-45-67"], ["+7 495 150-00-00"]]
    a, b, c = _read(tmp_path, rows)
    assert isinstance(a, ParsedContact) and isinstance(b, ParsedContact) and isinstance(c, ParsedContact)
    assert a.extra["phone_operator"] == 'ПАО "Мобильные ТелеСистемы"'
    assert a.extra["phone_region"] == "Новосибирская обл."
    assert "unassigned_range" not in a.extra and not a.warnings
    assert b.extra["unassigned_range"] == "yes" and "phone_operator" not in b.extra
    assert [w.row_number for w in b.warnings] == [3] and "assigns to no operator" in b.warnings[0].reason
    # the oldest extract has no region: operator known, zone from phonenumbers (Moscow's 495)
    assert c.extra["phone_operator"] == 'ПАО "МГТС"' and c.timezone_source == "phone"


@pytest.mark.parametrize(
    ("cell", "phone", "extension"),
    [
        ("+7 (383) 212-34-56 доб. 123", "+73832123456", "123"),
        ("8 383 212 34 56, вн. 45", "+73832123456", "45"),
        ("+7 383 2123456 ext 7", "+73832123456", "7"),
    ],
)
def test_extensions_are_kept(tmp_path: Path, cell: str, phone: str, extension: str) -> None:
    (c,) = _read(tmp_path, [["Телефон", "Компания"], [cell, "ООО Связь"]])
    assert isinstance(c, ParsedContact)
    assert c.phones == (phone,) and c.extra["extension"] == extension
    assert not c.warnings  # kept, so nothing to warn about


def test_extension_of_an_alternate_number_names_it(tmp_path: Path) -> None:
    (c,) = _read(tmp_path, [["Рабочий телефон", "Мобильный"], ["+7 383 212-34-56", "+7 913 901 23 45 доб 9"]])
    assert isinstance(c, ParsedContact)
    assert c.phones == ("+73832123456", "+79139012345")  # work first, then mobile: the columns' order
    assert c.extra["extension +79139012345"] == "9" and "extension" not in c.extra


def test_a_parsing_helper_process_gets_the_plan_and_the_fallback(tmp_path: Path) -> None:
    rows = [["Телефон", "Компания"]] + [[f"+7 913 90{i:05d}", f"ООО {i}"] for i in range(50)]
    rows += [["+881612345678", "спутник"]]
    p = write_csv(tmp_path / "l.csv", rows, delimiter=";")
    serial = list(read_contacts(p, numbering=PLAN, fallback_timezone="Asia/Omsk", workers=1))
    reader = read_contacts(p, numbering=PLAN, fallback_timezone="Asia/Omsk", workers=2)
    reader.chunk_rows = 7
    parallel = list(reader)
    assert parallel == serial
    sources = {c.timezone_source for c in serial if isinstance(c, ParsedContact)}
    assert sources == {"numbering_plan", "campaign_fallback"}
