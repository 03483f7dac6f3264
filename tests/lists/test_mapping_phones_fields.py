# ruff: noqa: RUF001
"""Column mapping, phone normalisation, time zones and field parsers."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dialer.lists import ColumnMappingError, ContactField, detect_mapping
from dialer.lists.contacts import parse_email, parse_headcount, parse_tax_id, tax_id_key
from dialer.lists.phones import PhoneNormalizer, split_phone_cell
from dialer.lists.timezones import parse_timezone, timezone_for_region

# --- mapping ------------------------------------------------------------------------------------


def test_russian_header_detection() -> None:
    m = detect_mapping(
        [
            "№",
            "Телефон",
            "Тел. доп.",
            "Наименование организации",
            "ФИО руководителя",
            "Вид деятельности",
            "Кол-во сотрудников",
            "ИНН",
            "Холдинг",
            "Регион",
            "Город",
            "Эл. почта",
            "Часовой пояс",
            "Комментарий",
        ]
    )
    assert m.phones == (1, 2)
    f = m.fields
    assert f[ContactField.COMPANY] == 3 and f[ContactField.CONTACT_PERSON] == 4
    assert f[ContactField.SPECIALTY] == 5 and f[ContactField.HEADCOUNT] == 6
    assert f[ContactField.TAX_ID] == 7 and f[ContactField.GROUP] == 8
    assert f[ContactField.REGION] == 9 and f[ContactField.CITY] == 10
    assert f[ContactField.EMAIL] == 11 and f[ContactField.TIMEZONE] == 12
    assert [name for name, _ in m.extras] == ["№", "Комментарий"]


def test_english_header_detection() -> None:
    m = detect_mapping(
        [
            "Phone number",
            "Phone 2",
            "Company name",
            "Contact",
            "Industry",
            "Number of employees",
            "Tax ID",
            "Parent tax id",
            "Holding",
            "State",
            "Email",
            "TZ",
        ]
    )
    assert m.phones == (0, 1)
    assert set(m.fields) == {
        ContactField.COMPANY,
        ContactField.CONTACT_PERSON,
        ContactField.SPECIALTY,
        ContactField.HEADCOUNT,
        ContactField.TAX_ID,
        ContactField.PARENT_TAX_ID,
        ContactField.GROUP,
        ContactField.REGION,
        ContactField.EMAIL,
        ContactField.TIMEZONE,
    }


def test_duplicate_custom_headers_are_suffixed_and_phone_duplicates_are_alternates() -> None:
    m = detect_mapping(["Телефон", "Телефон", "Комментарий", "комментарий", ""])
    assert m.phones == (0, 1)
    assert m.header == ("Телефон", "Телефон (2)", "Комментарий", "комментарий (2)", "column 5")
    assert [n for n, _ in m.extras] == ["Комментарий", "комментарий (2)", "column 5"]


def test_duplicate_standard_field_is_an_error_until_overridden() -> None:
    header = ["Телефон", "ИНН", "ИНН"]
    with pytest.raises(ColumnMappingError, match="look like 'tax_id'"):
        detect_mapping(header)
    m = detect_mapping(header, {"ИНН (2)": "parent_tax_id"})
    assert m.fields == {ContactField.TAX_ID: 1, ContactField.PARENT_TAX_ID: 2}
    m = detect_mapping(["Телефон", "Компания", "Company"], {3: "extra"})
    assert m.fields == {ContactField.COMPANY: 1} and m.extras == (("Company", 2),)


def test_overrides() -> None:
    m = detect_mapping(
        ["Номер клиента", "Моб", "Примечание"], {"Моб": "phone", "Примечание": None, "номер клиента": "extra"}
    )
    assert m.phones == (1,) and m.ignored == (2,) and m.extras == (("Номер клиента", 0),)
    m = detect_mapping(["Телефон", "Фирма", "Организация"], {"Организация": "company"})
    assert m.fields[ContactField.COMPANY] == 2  # explicit wins, the detected one becomes extra
    with pytest.raises(ColumnMappingError, match="unknown field"):
        detect_mapping(["Телефон"], {"Телефон": "fone"})
    with pytest.raises(ColumnMappingError, match="no column named"):
        detect_mapping(["Телефон"], {"Phone": "phone"})
    with pytest.raises(ColumnMappingError, match="outside"):
        detect_mapping(["Телефон"], {5: "phone"})
    with pytest.raises(ColumnMappingError, match="assigned to both"):
        detect_mapping(["Телефон", "A", "B"], {"A": "company", "B": "company"})


# --- phones -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("8 (495) 123-45-67", "+74951234567"),
        ("+7 495 1234567", "+74951234567"),
        ("74951234567", "+74951234567"),
        ("4951234567", "+74951234567"),
        ("8-916-123-45-67", "+79161234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+7\u00a0(495)\u00a0123\u201145\u201167", "+74951234567"),
    ],
)
def test_phone_formats(text: str, e164: str) -> None:
    assert PhoneNormalizer("RU").normalise(text).e164 == e164


@pytest.mark.parametrize("text", ["12345", "8 (495) 123-45", "нет", "+7 999 000", "-", "1111111111111111"])
def test_invalid_phones_say_why(text: str) -> None:
    res = PhoneNormalizer("RU").normalise(text)
    assert res.e164 is None and res.error


def test_extension_is_split_off() -> None:
    res = PhoneNormalizer("RU").normalise("8 (495) 123-45-67 доб. 123")
    assert (res.e164, res.extension) == ("+74951234567", "123")


def test_default_region() -> None:
    assert PhoneNormalizer("GB").normalise("020 7946 0958").e164 == "+442079460958"
    with pytest.raises(ValueError, match="unknown default region"):
        PhoneNormalizer("XX")


def test_several_numbers_in_a_cell() -> None:
    assert split_phone_cell("8 495 111-22-33, 8 916 222-33-44") == ["8 495 111-22-33", "8 916 222-33-44"]
    assert split_phone_cell("84951112233; 89162223344 / 83832223344") == ["84951112233", "89162223344", "83832223344"]
    assert split_phone_cell("84951112233 или 89162223344") == ["84951112233", "89162223344"]
    assert split_phone_cell("  ") == []


def test_phone_time_zones() -> None:
    pn = PhoneNormalizer("RU")
    assert pn.normalise("8 391 212-34-56").time_zones == ("Asia/Krasnoyarsk",)
    assert len(pn.normalise("8 916 123-45-67").time_zones) > 5  # mobile: the whole country


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\+?[0-9]{1,16}", fullmatch=True), st.sampled_from(["RU", "GB", "US", "KZ"]))
def test_normaliser_agrees_with_phonenumbers(key: str, region: str) -> None:
    """Our shortcuts (one number_type call, caches) never change what phonenumbers says.

    One deliberate difference: a leading 00 is read as the international prefix in every
    region (phonenumbers only does so where 00 is the local IDD; in RU it is 810).
    """
    res = PhoneNormalizer(region).normalise(key)
    expected_key = "+" + key[2:] if key.startswith("00") and len(key) > 4 else key
    try:
        num = phonenumbers.parse(expected_key, region)
    except phonenumbers.NumberParseException:
        assert res.e164 is None
        return
    if phonenumbers.is_valid_number(num):
        assert res.e164 == phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    else:
        assert res.e164 is None


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"(\+7|7|8|\+8|810|78|7810|8810)?[0-9]{9,11}", fullmatch=True))
@example("8106216620")  # found by fuzzing: a bare 810... is Russia's international prefix
@example("88005553535")
@example("78101234567")
def test_ru_fast_path_agrees_with_phonenumbers(key: str) -> None:
    """The RU shortcut that skips phonenumbers.parse gives exactly phonenumbers' answer."""
    fast = PhoneNormalizer("RU")
    assert fast._ru_fast
    slow = PhoneNormalizer("RU")
    slow._ru_fast = False
    assert fast.normalise(key) == slow.normalise(key)


# --- time zones ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Asia/Krasnoyarsk", "Asia/Krasnoyarsk"),
        ("europe/moscow", "Europe/Moscow"),
        ("МСК+4", "Asia/Krasnoyarsk"),
        ("MSK-1", "Europe/Kaliningrad"),
        ("МСК", "Europe/Moscow"),
        ("UTC+7", "Etc/GMT-7"),
        ("GMT-5", "Etc/GMT+5"),
        ("UTC+0", "Etc/UTC"),
        ("Марс", None),
        ("UTC+30", None),
        ("", None),
    ],
)
def test_parse_timezone(text: str, zone: str | None) -> None:
    assert parse_timezone(text) == zone


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Москва", "Europe/Moscow"),
        ("Московская обл.", "Europe/Moscow"),
        ("Томская область", "Asia/Tomsk"),
        ("Омская область", "Asia/Omsk"),
        ("Сахалинская область", "Asia/Sakhalin"),
        ("Республика Саха (Якутия)", "Asia/Yakutsk"),
        ("Красноярский край", "Asia/Krasnoyarsk"),
        ("г. Санкт-Петербург", "Europe/Moscow"),
        ("Калининградская", "Europe/Kaliningrad"),
        ("Курская обл", "Europe/Moscow"),
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("Бавария", None),
    ],
)
def test_timezone_for_region(text: str, zone: str | None) -> None:
    assert timezone_for_region(text) == zone


# --- field parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15", 15),
        ("1 200", 1200),
        ("1\u00a0200", 1200),
        ("1,200", 1200),
        ("1200.0", 1200),
        ("101-250", 250),
        ("от 101 до 250", 250),
        ("101–250", 250),
        (">1000", 1000),
        ("более 1000 чел.", 1000),
        ("", None),
    ],
)
def test_headcount(text: str, value: int | None) -> None:
    assert parse_headcount(text) == value


@pytest.mark.parametrize(
    "text", ["много", "1-2-3", "около ста", "10 офисов", "9" * 5000, "1" * 10, "от 1 до " + "9" * 12]
)
def test_bad_headcount(text: str) -> None:
    with pytest.raises(ValueError):
        parse_headcount(text)


def test_tax_id() -> None:
    assert parse_tax_id("7707083893") == ("7707083893", None)
    assert parse_tax_id(" 7707 083 893 ") == ("7707083893", None)
    assert parse_tax_id("7707083893.0") == ("7707083893", None)
    assert parse_tax_id("500100732259") == ("500100732259", None)  # 12-digit, valid checksum
    assert parse_tax_id("274062111")[0] == "0274062111"  # Excel dropped the leading zero
    value, warn = parse_tax_id("7707083890")
    assert value == "7707083890" and warn and "checksum" in warn
    assert parse_tax_id("7,71E+09") == (None, "Excel scientific notation lost the digits; format the column as text")
    assert parse_tax_id("GB123456789") == ("GB123456789", None)
    assert parse_tax_id("") == (None, None)


def test_email() -> None:
    assert parse_email(" a.b@example.ru ") == "a.b@example.ru"
    for bad in ("a@b", "ab.ru", "a@@b.ru", "a b@c.ru"):
        with pytest.raises(ValueError):
            parse_email(bad)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.from_regex(r"\s*[0-9 .\-]{0,14}\s*", fullmatch=True), st.text(max_size=15)))
def test_tax_id_key_matches_parse_tax_id(text: str) -> None:
    assert tax_id_key(text) == parse_tax_id(text)[0]
