"""Issue 16's "done when": a spreadsheet built the way a Russian manager builds one imports with the
totals row reported as a total, holdings routed, comments and extensions kept, and a warning count."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dialer.entrypoints.cli_lists import parse_map_options
from dialer.lists import ImportedContact, RowError, import_contacts
from dialer.lists.filters import CorporateRules, ImportRules
from tests.lists.manager_sheet import HOLDING_ROWS, expected, write_manager_csv, write_manager_xlsx

WRITERS: dict[str, Callable[[Path], Path]] = {
    "xlsx": lambda d: write_manager_xlsx(d / "клиенты.xlsx"),
    "cp1251-csv": lambda d: write_manager_csv(d / "клиенты.csv"),
}


@pytest.fixture(params=sorted(WRITERS))
def sheet(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return WRITERS[request.param](tmp_path)


def test_manager_sheet_imports_without_hand_editing(sheet: Path) -> None:
    e = expected()
    run = import_contacts(sheet)
    items = list(run)
    r = run.report
    # the two-row merged header: every column under a readable name, '№' and 'Комментарий' kept
    assert r.header_row == 3
    assert r.mapping == {
        "Телефон": "phone",
        "ФИО": "contact_person",
        "Название": "company",
        "Специальность": "specialty",
        "Численность": "headcount",
        "ИНН": "tax_id",
        "№": "extra",
        "Комментарий": "extra",
    }
    # the totals row is a total, not an invalid row
    assert r.invalid_count == 0 and r.totals_count == 1 and r.totals[0].row_number == e.total_row
    assert "Итого: 200" in r.totals[0].value
    # holdings routed by default (ИНН on 3+ rows), duplicates found
    assert r.corporate == {"tax_id_repeated": e.holdings} and r.duplicates.total() == e.duplicates
    assert r.contacts == e.contacts + e.duplicates and r.balanced()
    contacts = {i.contact.row_number: i for i in items if isinstance(i, ImportedContact)}
    assert {n for n, i in contacts.items() if i.status == "corporate"} == {3 + k for k in HOLDING_ROWS}
    # comments and extensions kept
    for row, comment in e.comments.items():
        if row in contacts:
            assert contacts[row].contact.extra["Комментарий"] == comment
    for row, ext in e.extensions.items():
        assert contacts[row].contact.extra["extension"] == ext
        assert contacts[row].contact.phones[0].startswith("+7383")
    # warnings: counted and listed with their rows and fields
    assert r.warnings_count == len(e.warnings)
    assert {w.row_number: w.field for w in r.warnings} == e.warnings
    assert not any(isinstance(i, RowError) for i in items)


def test_the_cli_report_lists_totals_and_warnings_with_rows(sheet: Path) -> None:
    run = import_contacts(sheet)
    run.run()
    text = run.report.summary()
    assert "1 totals rows" in text and "2 warnings" in text and "0 invalid" in text
    assert "row 204" in text and "row 33, headcount ('много')" in text
    assert "warnings, contact imported / предупреждения, контакт загружен (2):" in text


def test_map_option_overrides_detection(sheet: Path) -> None:
    mapping = parse_map_options(["№=ignore", "Комментарий=extra", "7=parent_tax_id"])
    assert mapping == {"№": None, "Комментарий": "extra", 7: "parent_tax_id"}
    run = import_contacts(sheet, mapping=mapping)
    run.run()
    assert run.report.mapping["№"] == "ignored" and run.report.mapping["ИНН"] == "parent_tax_id"
    # the holdings rule groups by the parent tax id too
    assert run.report.corporate == {"tax_id_repeated": 6}


def test_holdings_threshold_is_configurable(sheet: Path) -> None:
    off = import_contacts(sheet, ImportRules(corporate=CorporateRules(group_min_rows=None))).run()
    assert off.corporate.total() == 0 and off.accepted == expected().contacts
    four = import_contacts(sheet, ImportRules(corporate=CorporateRules(group_min_rows=4))).run()
    assert four.corporate.total() == 0


@pytest.mark.parametrize("bad", ["Телефон", "=phone", "Телефон="])
def test_map_option_errors_name_the_option(bad: str) -> None:
    import typer

    with pytest.raises(typer.BadParameter, match="COLUMN=field"):
        parse_map_options([bad])
