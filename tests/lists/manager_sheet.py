# ruff: noqa: RUF001
"""A contact list the way a Russian manager builds one in Excel (issue 16), as XLSX and as the cp1251
`;` CSV LibreOffice saves from it: a title row, a two-row header with merged cells ('Контакт' over
'ФИО'/'Телефон', 'Компания' over 'Название'/'Специальность'/'Численность'/'ИНН', '№' and
'Комментарий' merged down both rows), 200 rows with phones in mixed formats incl. `доб. 123`,
duplicates, companies sharing an ИНН, and a trailing 'Итого: 200' row.

`expected()` says what an import of it must report, from how the sheet was built."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

ROWS = 200
TITLE = "Список клиентов отдела продаж на 01.03.2026"
GROUP_ROW = ["№", "Контакт", "", "Компания", "", "", "", "Комментарий"]
NAME_ROW = ["", "ФИО", "Телефон", "Название", "Специальность", "Численность", "ИНН", ""]
#: rows of the two holdings (three companies each, one shared ИНН per holding)
HOLDING_ROWS = (10, 11, 12, 50, 51, 52)
DUPLICATE_OF = {120: 3, 121: 4, 122: 5}  # data row -> the earlier data row whose phone it repeats
EXTENSION_ROWS = (20, 21, 22)
BAD_HEADCOUNT_ROW = 30
BAD_INN_ROW = 31


def inn10(seed: int) -> str:
    """A valid 10-digit ИНН (checksum included) from a seed."""
    digits = [int(d) for d in f"{7700000000 + seed * 7919:010d}"[:9]]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


def _phone(i: int) -> str:
    """Mixed formats; every number distinct unless the row is a duplicate."""
    n = 9010000 + i
    s = f"{n:07d}"
    formats = (
        f"+7 (913) {s[:3]}-{s[3:5]}-{s[5:]}",
        f"8-913-{s[:3]}-{s[3:5]}-{s[5:]}",
        f"7913{s}",
        f"8 (913) {s}",
        f"913 {s[:3]} {s[3:5]} {s[5:]}",
    )
    return formats[i % len(formats)]


@dataclass
class Expected:
    contacts: int
    duplicates: int
    holdings: int
    extensions: dict[int, str] = field(default_factory=dict)  # spreadsheet row -> extension
    warnings: dict[int, str] = field(default_factory=dict)  # spreadsheet row -> field
    comments: dict[int, str] = field(default_factory=dict)
    total_row: int = 0


def data_rows() -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(1, ROWS + 1):
        phone = _phone(DUPLICATE_OF.get(i, i))
        if i in EXTENSION_ROWS:
            phone = f"8 (383) 212-{i:02d}-00 доб. {100 + i}"
        company, inn = f"ООО «Клиника {i}»", inn10(i)
        if i in HOLDING_ROWS:
            holding = 1 if i < 40 else 2
            company, inn = f"ООО «Холдинг {holding}, филиал {i}»", inn10(1000 + holding)
        headcount: object = 10 + i
        if i == BAD_HEADCOUNT_ROW:
            headcount = "много"
        if i == BAD_INN_ROW:
            inn = "7700000001"  # checksum does not match
        comment = f"перезвонить после {i % 12 + 1}:00" if i % 4 == 0 else ""
        rows.append([i, f"Иванов Иван {i}", phone, company, "Стоматология", headcount, inn, comment])
    return rows


def expected() -> Expected:
    first_data = 4  # title, group row, name row
    e = Expected(contacts=ROWS - len(DUPLICATE_OF), duplicates=len(DUPLICATE_OF), holdings=len(HOLDING_ROWS))
    e.extensions = {first_data + i - 1: str(100 + i) for i in EXTENSION_ROWS}
    e.warnings = {first_data + BAD_HEADCOUNT_ROW - 1: "headcount", first_data + BAD_INN_ROW - 1: "tax_id"}
    e.comments = {first_data + i - 1: f"перезвонить после {i % 12 + 1}:00" for i in range(4, ROWS + 1, 4)}
    e.total_row = first_data + ROWS
    return e


def write_manager_xlsx(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append([TITLE])
    ws.merge_cells("A1:H1")
    ws.append(GROUP_ROW)
    ws.append(NAME_ROW)
    for rng in ("B2:C2", "D2:G2", "A2:A3", "H2:H3"):
        ws.merge_cells(rng)
    for row in data_rows():
        ws.append(row)
    ws.append(["Итого: 200"])
    wb.save(path)
    return path


def write_manager_csv(path: Path) -> Path:
    """What LibreOffice writes for the sheet: cp1251, `;`, merged cells' value in their first cell."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([TITLE, "", "", "", "", "", "", ""])
    w.writerow(GROUP_ROW)
    w.writerow(NAME_ROW)
    for row in data_rows():
        w.writerow(["" if v is None else v for v in row])
    w.writerow(["Итого: 200", "", "", "", "", "", "", ""])
    path.write_bytes(buf.getvalue().encode("cp1251"))
    return path
