# ruff: noqa: RUF001
"""Reading files as people really send them: encodings, separators, broken and hostile rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.lists import ColumnMappingError, ListFormatError, ParsedContact, RowError, read_contacts
from dialer.lists.source import MAX_CELL_CHARS, sniff_separator
from tests.lists.helpers import write_csv, write_xlsx

RU_HEADER = ["Телефон", "Компания", "Контактное лицо", "Специализация", "Численность", "ИНН", "Регион"]
ROW1 = ["8 (495) 123-45-67", "ООО «Ромашка; и партнёры»", "Иванов Иван", "Стоматология", "15", "7707083893", "Москва"]
ROW2 = ["+7 383 222-33-44", 'ИП "Петров"', "Петров", "Ортодонтия", "1 200", "", "Новосибирская обл."]


def contacts(reader: object) -> list[ParsedContact]:
    return [x for x in reader if isinstance(x, ParsedContact)]  # type: ignore[attr-defined]


def test_cp1251_semicolon_csv_from_excel(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "list.csv", [RU_HEADER, ROW1, ROW2], encoding="cp1251", delimiter=";")
    r = read_contacts(p)
    assert (r.source.encoding, r.source.separator) == ("cp1251", ";")
    got = contacts(r)
    assert [c.phones for c in got] == [("+74951234567",), ("+73832223344",)]
    assert got[0].company == "ООО «Ромашка; и партнёры»"
    assert got[0].tax_id == "7707083893"
    assert got[1].headcount == 1200 and got[1].company == 'ИП "Петров"'
    assert got[1].timezone == "Asia/Novosibirsk" and got[1].timezone_source == "region_column"
    assert [c.row_number for c in got] == [2, 3]


def test_utf8_bom_comma(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "l.csv", [RU_HEADER, ROW1], bom=True)
    r = read_contacts(p)
    assert r.source.encoding == "utf-8-sig"
    assert r.mapping.describe()["Телефон"] == "phone"  # BOM not glued to the first header
    assert contacts(r)[0].company == ROW1[1]


def test_tab_separated_english_header(tmp_path: Path) -> None:
    header = ["Phone", "Company", "Contact person", "Specialty", "Employees", "E-mail", "Time zone"]
    row = ["+44 20 7946 0958", "ACME, Ltd", "J. Smith", "Dentistry", "12", "j@acme.co.uk", "Europe/London"]
    p = write_csv(tmp_path / "l.tsv", [header, row], delimiter="\t")
    r = read_contacts(p)
    assert r.source.separator == "\t"
    (c,) = contacts(r)
    assert c.phones == ("+442079460958",) and c.company == "ACME, Ltd" and c.email == "j@acme.co.uk"
    assert c.timezone == "Europe/London" and c.timezone_source == "timezone_column"


def test_utf16_unicode_text_from_excel(tmp_path: Path) -> None:
    p = tmp_path / "l.txt"
    p.write_bytes("Телефон\tКомпания\r\n84951234567\tРога и копыта\r\n".encode("utf-16"))
    (c,) = contacts(read_contacts(p))
    assert c.company == "Рога и копыта"


def test_plain_utf8_sample_header_used_by_the_service(tmp_path: Path) -> None:
    p = tmp_path / "sample_contacts.csv"
    p.write_text(
        "phone,company,contact_person,specialty,headcount\n+74951234567,Acme,Ivan,dentistry,10\n", encoding="utf-8"
    )
    (c,) = contacts(read_contacts(p))
    assert (c.phones, c.company, c.contact_person, c.specialty, c.headcount) == (
        ("+74951234567",),
        "Acme",
        "Ivan",
        "dentistry",
        10,
    )


def test_sniffer_not_fooled_by_commas_in_names() -> None:
    sample = "Телефон;Компания;Город\n1;ООО Ромашка, Лютик и Ко;Москва\n2;ИП Иванов, склад;Тула\n"
    assert sniff_separator(sample) == ";"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\r\n\r\n  \r\n", "no rows"),
        ("Телефон;Компания\r\n".encode("cp1251"), "no data rows"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"Phone,Company\n\x98\x98\xff,x\n", "cannot decode"),
        (b"Phone,Company\n1\x00,2\n", "NUL"),
    ],
)
def test_malformed_files_raise_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    with pytest.raises(ListFormatError, match=message):
        read_contacts(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match="no such file"):
        read_contacts(tmp_path / "nope.csv")


def test_no_phone_column(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "l.csv", [["Компания", "Город"], ["ООО", "Москва"]])
    with pytest.raises(ColumnMappingError, match="no phone column"):
        read_contacts(p)


def test_headerless_file_is_explained(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "l.csv", [["84951234567"], ["84951234568"]])
    with pytest.raises(ColumnMappingError, match="looks like data"):
        read_contacts(p)


def test_title_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    p = write_csv(
        tmp_path / "l.csv",
        [["Выгрузка из CRM от 01.03.2026", ""], ["", ""], ["Телефон", "Компания"], ["84951234567", "Ромашка"]],
        delimiter=";",
        encoding="cp1251",
    )
    r = read_contacts(p)
    assert r.header_row == 3
    assert contacts(r)[0].row_number == 4


def test_a_one_cell_title_row_does_not_fool_the_separator_sniffer(tmp_path: Path) -> None:
    p = write_csv(
        tmp_path / "l.csv",
        [["Выгрузка из CRM, март"], ["Телефон", "Компания", "Город"], ["84951234567", "Ромашка", "Тула"]],
        delimiter=";",
        encoding="cp1251",
    )
    r = read_contacts(p)
    assert r.source.separator == ";" and r.header_row == 2
    assert contacts(r)[0].company == "Ромашка"


def test_broken_rows_are_reported_not_fatal(tmp_path: Path) -> None:
    rows = [
        ["Телефон", "Компания", "Численность", "E-mail"],
        ["84951234567", "Ок", "10", "a@b.ru"],
        ["не звонить", "Без телефона", "5", ""],
        ["", "Пустой телефон", "", ""],
        ["84951234568", "Плохая численность", "много", "not-an-email"],
        ["", "", "", ""],
        ["84951234569", "Лишние ячейки", "1", "", "хвост", "ещё"],
    ]
    p = write_csv(tmp_path / "l.csv", rows, delimiter=";", encoding="cp1251")
    r = read_contacts(p)
    items = list(r)
    errors = [x for x in items if isinstance(x, RowError)]
    good = [x for x in items if isinstance(x, ParsedContact)]
    assert [(e.row_number, e.field) for e in errors] == [(3, "phone"), (4, "phone")]
    assert "not a phone number" in errors[0].reason and errors[0].value == "не звонить"
    assert errors[1].reason == "no phone number"
    bad = good[1]
    assert bad.headcount is None and bad.email is None
    assert {w.field for w in bad.warnings} == {"headcount", "email"}
    assert "cells beyond the header" in good[2].warnings[0].reason
    assert r.rows_read == 6 and r.blank_rows == 1


def test_huge_cell_is_a_row_error(tmp_path: Path) -> None:
    huge = "x" * (MAX_CELL_CHARS + 10)
    p = write_csv(tmp_path / "l.csv", [["Phone", "Note"], ["84951234567", huge], ["84951234568", "ok"]])
    items = list(read_contacts(p))
    assert isinstance(items[0], RowError) and "characters long" in items[0].reason
    assert isinstance(items[1], ParsedContact) and items[1].row_number == 3


def test_field_over_csv_module_limit_and_unclosed_quote(tmp_path: Path) -> None:
    p = tmp_path / "l.csv"
    p.write_text(
        'Phone;Note\n84951234567;"' + "y" * 200_000 + '"\n84951234568;ok\n84951234569;"open\n', encoding="utf-8"
    )
    items = list(read_contacts(p))
    assert isinstance(items[0], RowError)
    assert [x.row_number for x in items if isinstance(x, ParsedContact)] == [3, 4]


def test_xlsx_numbers_and_sheet(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Телефон", "Доп. телефон", "Компания", "Численность", "ИНН"],
        [79161234567, 84951234567.0, "ООО =Формула", 1200.0, 274062111],  # Excel ate the leading 0
        [None, None, None, None, None],
        ["8 383 222 33 44", None, "Вторая", "от 50 до 100", "7707083893"],
    ]
    p = write_xlsx(tmp_path / "l.xlsx", rows, title="Клиенты")
    r = read_contacts(p, sheet="Клиенты")
    assert r.source.kind == "xlsx"
    got = contacts(r)
    assert got[0].phones == ("+79161234567", "+74951234567")
    assert got[0].headcount == 1200 and got[0].tax_id == "0274062111"
    assert got[1].headcount == 100 and got[1].row_number == 4
    assert r.blank_rows == 1
    with pytest.raises(ListFormatError, match="no sheet"):
        read_contacts(p, sheet="Нет такого")


def test_not_really_xlsx(tmp_path: Path) -> None:
    p = tmp_path / "l.xlsx"
    p.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(ListFormatError, match="XLSX"):
        read_contacts(p)


def test_parallel_workers_give_the_same_result(tmp_path: Path) -> None:
    rows = [RU_HEADER] + [[f"8495{1000000 + i}", f"Компания {i}", "", "", str(i), "", ""] for i in range(300)]
    rows.append(["bad", "x", "", "", "", "", ""])
    p = write_csv(tmp_path / "l.csv", rows, delimiter=";", encoding="cp1251")
    serial = list(read_contacts(p, workers=1))
    parallel_reader = read_contacts(p, workers=2)
    parallel = list(parallel_reader)
    assert serial == parallel
    assert parallel_reader.rows_read == 301


@pytest.mark.parametrize("workers", [2, 3])
def test_helpers_hand_back_every_chunk_in_file_order(tmp_path: Path, workers: int) -> None:
    """Small chunks, so that each helper parses many, with blank and broken rows among them."""
    rows: list[list[object]] = [["Выгрузка от 01.03.2026"], list(RU_HEADER)]
    for i in range(97):
        rows.append([f"8495{1000000 + i}", f"Компания {i}", "", "", str(i), "", ""])
        if i % 10 == 3:
            rows.append(["", "", "", "", "", "", ""])
        if i % 13 == 5:
            rows.append(["не номер", "x", "", "", "", "", ""])
    p = write_csv(tmp_path / "l.csv", rows, delimiter=";", encoding="cp1251")
    serial_reader = read_contacts(p, workers=1)
    serial = list(serial_reader)
    parallel_reader = read_contacts(p, workers=workers)
    parallel_reader.chunk_rows = 7
    parallel = list(parallel_reader)
    assert parallel == serial and len(serial) == 97 + 8
    assert parallel_reader.rows_read == serial_reader.rows_read == 97 + 10 + 8
    assert parallel_reader.blank_rows == serial_reader.blank_rows == 10
    assert parallel_reader.header_row == 2 and parallel_reader.fraction_read() == 1.0


def test_ambiguous_header_below_a_title_row_names_the_columns(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "l.csv", [["Выгрузка"], ["Телефон", "ИНН", "ИНН"], ["84951234567", "1", "2"]])
    with pytest.raises(ColumnMappingError, match="look like 'tax_id'"):
        read_contacts(p)
