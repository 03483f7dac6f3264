# ruff: noqa: RUF001, RUF003
"""The numbering plan register (files written for the tests in the register's exact format) and the
reviewed federal subject -> zone table, against every name form the register uses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dialer.lists import RowError
from dialer.lists.errors import ListFormatError
from dialer.lists.numbering import UNASSIGNED, NumberingPlan, NumberingRange, read_register
from dialer.lists.subjects import RUSSIA_ZONES, SUBJECTS, subjects_for, zones_for_region

DATA = Path(__file__).parent / "data" / "numbering"
NSK = ("Asia/Novosibirsk",)
MSK = ("Europe/Moscow",)


def _plan() -> NumberingPlan:
    ranges = [r for f in sorted(DATA.glob("*.csv")) for r in read_register(f) if isinstance(r, NumberingRange)]
    return NumberingPlan(ranges)


# --- the subject table ---------------------------------------------------------------------------


def test_the_table_has_every_subject_once_with_valid_zones() -> None:
    names = [s.name for s in SUBJECTS]
    assert len(names) == len(set(names)) == 90  # 89 federal subjects and Baikonur
    for s in SUBJECTS:
        assert s.zones and len(set(s.zones)) == len(s.zones)
        for z in s.zones:
            ZoneInfo(z)  # a real IANA zone
    assert {"Asia/Kamchatka", "Europe/Kaliningrad", "Asia/Anadyr"} <= set(RUSSIA_ZONES)
    assert "Asia/Qyzylorda" not in RUSSIA_ZONES


@pytest.mark.parametrize("subject", SUBJECTS, ids=lambda s: s.name)
def test_every_canonical_name_resolves_to_its_subject(subject: object) -> None:
    assert subjects_for(subject.name) == (subject,)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("cell", "zones"),
    [
        # forms of the register's `Регион` column
        ("Новосибирская обл.", NSK),
        ("г. Москва и Московская область", MSK),
        ("г. Санкт-Петербург и Ленинградская область", MSK),
        ("г. Москва|Московская обл.", MSK),
        ("Архангельская обл.|Ненецкий АО", MSK),
        ("Республика Саха /Якутия/", ("Asia/Yakutsk", "Asia/Khandyga", "Asia/Ust-Nera", "Asia/Srednekolymsk")),
        ("Сахалинская обл.", ("Asia/Sakhalin", "Asia/Srednekolymsk")),
        ("Ханты - Мансийский - Югра АО", ("Asia/Yekaterinburg",)),
        ("Тюменская обл.|Ханты-Мансийский автономный округ - Югра|Ямало-Ненецкий АО", ("Asia/Yekaterinburg",)),
        ("Ямало-Ненецкий АО", ("Asia/Yekaterinburg",)),
        ("Ненецкий АО", MSK),
        ("Кемеровская обл.", ("Asia/Novokuznetsk",)),
        ("Кемеровская область - Кузбасс", ("Asia/Novokuznetsk",)),
        ("Томская обл.", ("Asia/Tomsk",)),
        ("Омская обл.", ("Asia/Omsk",)),
        ("Курская обл.", MSK),
        ("Курганская обл.", ("Asia/Yekaterinburg",)),
        ("Нижегородская обл.", MSK),
        ("Новгородская обл.", MSK),
        ("Чувашская Республика - Чувашия", MSK),
        ("Республика Северная Осетия - Алания", MSK),
        ("Республика Алтай", ("Asia/Barnaul",)),
        ("Алтайский край", ("Asia/Barnaul",)),
        ("Еврейская АО", ("Asia/Vladivostok",)),
        ("Чукотский АО", ("Asia/Anadyr",)),
        ("Забайкальский край", ("Asia/Chita",)),
        ("Амурская обл.", ("Asia/Yakutsk",)),
        ("Удмуртская Республика", ("Europe/Samara",)),
        ("Ульяновская обл.", ("Europe/Ulyanovsk",)),
        ("Республика Крым", ("Europe/Simferopol",)),
        ("г. Севастополь", ("Europe/Simferopol",)),
        ("г. Байконур", ("Asia/Qyzylorda",)),
        ("Донецкая Народная Республика", MSK),
        ("Запорожская обл.", MSK),
        ("Российская Федерация", RUSSIA_ZONES),
        # forms of `Территория ГАР` (used where `Регион` is "-")
        ("г.о. город Новосибирск, Новосибирская область", NSK),
        ("Новосибирская область", NSK),
        ("Респ. Татарстан", MSK),
        ("край Приморский", ("Asia/Vladivostok",)),
        ("Республика Саха (Якутия)", ("Asia/Yakutsk", "Asia/Khandyga", "Asia/Ust-Nera", "Asia/Srednekolymsk")),
        # nothing we know, or partly unknown: no answer rather than a half one
        ("-", ()),
        ("", ()),
        ("Бавария", ()),
        ("г. Москва|Бавария", ()),
    ],
)
def test_register_name_forms(cell: str, zones: tuple[str, ...]) -> None:
    assert zones_for_region(cell) == zones


def test_stems_match_at_word_starts_only() -> None:
    assert [s.name for s in subjects_for("Томская область")] == ["Томская область"]  # not Омская
    assert [s.name for s in subjects_for("Сахалинская обл.")] == ["Сахалинская область"]  # not Саха
    assert subjects_for("Комитет по связи") == ()  # "коми" is a whole word only


# --- the register files ---------------------------------------------------------------------------


def test_read_register_current_format_with_gar_and_a_bad_row() -> None:
    items = list(read_register(DATA / "DEF-9xx.csv"))
    ranges = [x for x in items if isinstance(x, NumberingRange)]
    errors = [x for x in items if isinstance(x, RowError)]
    assert len(ranges) == 9
    assert errors and errors[0].row_number == 11 and "not a number" in errors[0].reason
    first = ranges[0]
    assert (first.start, first.end, first.code) == (9139000000, 9139099999, 913)
    assert first.operator == 'ПАО "Мобильные ТелеСистемы"' and first.inn == "7740000076"
    # Регион "-": the ГАР territory is the region
    assert ranges[1].region == "г.о. город Новосибирск, Новосибирская область"


def test_read_register_older_extracts_without_the_last_columns() -> None:
    abc3 = [x for x in read_register(DATA / "ABC-3xx.csv") if isinstance(x, NumberingRange)]
    assert len(abc3) == 3 and abc3[0].region == "Новосибирская обл." and abc3[0].inn is None
    (abc4,) = list(read_register(DATA / "ABC-4xx.csv"))
    assert isinstance(abc4, NumberingRange) and abc4.operator == 'ПАО "МГТС"' and abc4.region == ""


def test_a_file_that_is_not_a_register_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "list.csv"
    p.write_text("Телефон;Компания\n+79161234567;ООО\n", encoding="utf-8")
    with pytest.raises(ListFormatError, match="not a numbering plan register"):
        read_register(p)


@pytest.mark.parametrize(
    ("phone", "operator", "zones"),
    [
        ("+79139012345", 'ПАО "Мобильные ТелеСистемы"', NSK),
        ("+79139150000", 'ПАО "МегаФон"', NSK),  # region from Территория ГАР
        ("+79147000001", 'ПАО "Вымпел-Коммуникации"', ("Asia/Vladivostok",)),
        ("+79142712345", 'ПАО "МегаФон"', ("Asia/Yakutsk", "Asia/Khandyga", "Asia/Ust-Nera", "Asia/Srednekolymsk")),
        ("+79161234567", 'ПАО "Мобильные ТелеСистемы"', MSK),
        ("+79585012345", 'ООО "Т2 Мобайл"', MSK),
        ("+79778012345", 'ООО "Интернод"', RUSSIA_ZONES),
        ("+73832123456", 'ПАО "Ростелеком"', NSK),
        ("+74951234567", 'ПАО "МГТС"', ()),  # the oldest extract has no region
    ],
)
def test_lookup(phone: str, operator: str, zones: tuple[str, ...]) -> None:
    info = _plan().lookup(phone)
    assert info is not None and info.assigned
    assert (info.operator, info.zones) == (operator, zones)


def test_unassigned_and_unknown_numbers() -> None:
    plan = _plan()
    assert plan.lookup("+79131234567") is UNASSIGNED  # 913 is covered, 123-45-67 is in no range
    assert plan.lookup("+79990000000") is None  # code 999: the plan has no data
    assert plan.lookup("+442071234567") is None
    assert plan.lookup("+77012345678") is None  # Kazakhstan's +7 7xx: no data loaded for 701


def test_nested_and_adjacent_ranges() -> None:
    plan = NumberingPlan(
        [
            NumberingRange(9000000000, 9009999999, "big", "Новосибирская обл."),
            NumberingRange(9000500000, 9000509999, "nested", "Приморский край"),
            NumberingRange(9010000000, 9010000000, "one", "Томская обл."),
        ]
    )
    assert plan.lookup("+79000500001").operator == "nested"  # type: ignore[union-attr]
    assert plan.lookup("+79000600000").operator == "big"  # type: ignore[union-attr]
    assert plan.lookup("+79009999999").operator == "big"  # type: ignore[union-attr]
    assert plan.lookup("+79010000000").zones == ("Asia/Tomsk",)  # type: ignore[union-attr]
    assert plan.lookup("+79010000001") is UNASSIGNED
    assert len(plan) == 3 and plan.codes == {900, 901}


def test_novosibirsk_mobile_window_from_the_plan_vs_phonenumbers() -> None:
    """The issue's case: +7 913 901-23-45 with phonenumbers' 16 candidates is callable one hour a day;
    with the plan's zone it is callable in Novosibirsk's 09:00-20:00 and only then."""
    from dialer.lists.phones import PhoneNormalizer
    from dialer.rules.windows import CallingWindows, is_callable

    windows = CallingWindows.every_day("09:00-20:00")
    candidates = PhoneNormalizer().normalise("+7 913 901-23-45").time_zones
    info = _plan().lookup("+79139012345")
    assert info is not None and len(candidates) > 10
    day = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    hours_plan = [h for h in range(24) if is_callable(info.zones, day + dt.timedelta(hours=h), windows)]
    hours_pn = [h for h in range(24) if is_callable(candidates, day + dt.timedelta(hours=h), windows)]
    assert hours_plan == list(range(2, 13))  # 09:00-19:59 at UTC+7
    assert len(hours_pn) <= 1
