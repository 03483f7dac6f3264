"""CSV/XLSX export for the corporate queue and campaign results, safe to open in Excel.

Lists come from outside, so any cell may hold `=HYPERLINK(...)` or `=cmd|' /C calc'!A0`.

* CSV has no cell types: every *text* cell starting with = + - @ tab or CR (and the
  full-width = + - @ that some spreadsheet apps also evaluate) gets a leading
  apostrophe, as OWASP's CSV injection guidance says. Phone numbers are text, so
  "+7..." becomes "'+7...", which Excel displays as text.
* XLSX does have them: every text cell is written as a string cell (`t="inlineStr"`),
  which Excel and LibreOffice show as text and never evaluate, and a risky one also
  gets the `quotePrefix` style, which is how Excel itself stores text typed with a
  leading apostrophe: the cell shows the exact text ("+7916...", "=1+1"), and
  editing it keeps it text. No apostrophe is added to the value.

Numbers, dates and booleans are written as typed values and cannot be formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from dialer.lists.contacts import EXTRA_EXTENSION, EXTRA_OPERATOR, EXTRA_TIMEZONE_SOURCE
from dialer.lists.importer import ImportedContact

CellValue = str | int | float | bool | dt.date | dt.datetime | None
ExportFormat = Literal["csv", "xlsx"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_risky_text(value: object) -> bool:
    """Text a spreadsheet would read as a formula if it were typed in."""
    return isinstance(value, str) and value.startswith(_FORMULA_START)


def neutralise_cell(value: CellValue) -> CellValue:
    """The CSV value to write: text that a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_text(value: CellValue) -> str:
    v = neutralise_cell(value)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ", timespec="seconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def write_csv(
    target: str | Path | IO[str],
    header: Sequence[str],
    rows: Iterable[Sequence[CellValue]],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8-sig",
) -> int:
    """Stream rows to CSV. Defaults suit Russian Excel: `;` and UTF-8 with BOM. Returns rows written."""
    if isinstance(target, str | Path):
        with Path(target).open("w", encoding=encoding, newline="") as fh:
            return write_csv(fh, header, rows, delimiter=delimiter)
    writer = csv.writer(target, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_csv_text(h) for h in header])
    n = 0
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
        n += 1
    return n


def write_xlsx(
    target: str | Path,
    header: Sequence[str],
    rows: Iterable[Sequence[CellValue]],
    *,
    sheet_title: str = "Export",
) -> int:
    """Stream rows to XLSX (openpyxl write-only mode). Text cells are always string cells, exactly
    the text given; risky ones (see the module docstring) also get the quotePrefix style."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])

    def cells(values: Sequence[CellValue]) -> list[Any]:
        out: list[Any] = []
        for v in values:
            risky = is_risky_text(v)
            if isinstance(v, str):
                v = ILLEGAL_CHARACTERS_RE.sub("\ufffd", v)
            if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
                v = dt.datetime.combine(v, dt.time())
            cell = WriteOnlyCell(ws, value=v)
            if isinstance(v, str):
                cell.data_type = "s"  # a string cell: never a formula, whatever the text
                if risky:
                    cell.quotePrefix = True  # and stays text if someone edits it in Excel
            out.append(cell)
        return out

    ws.append(cells(list(header)))
    n = 0
    for row in rows:
        ws.append(cells(row))
        n += 1
    wb.save(Path(target))
    return n


def export_format(path: str | Path) -> ExportFormat:
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in (".csv", ".txt", ""):
        return "csv"
    raise ValueError(f"cannot export to {suffix!r}: use .csv or .xlsx")


def write_table(
    path: str | Path,
    header: Sequence[str],
    rows: Iterable[Sequence[CellValue]],
    *,
    sheet_title: str = "Export",
) -> int:
    """CSV or XLSX by the file extension."""
    if export_format(path) == "xlsx":
        return write_xlsx(path, header, rows, sheet_title=sheet_title)
    return write_csv(path, header, rows)


# --- what the import learnt about a contact (its `extra`) ----------------------------------------

#: Columns both exports end with: where the zone came from, the extension, the carrier, every other
#: column of the list ("Комментарий: ...; №: 12").
DETAIL_HEADER: tuple[str, ...] = (
    "Источник часового пояса / Time zone source",
    "Добавочный / Extension",
    "Оператор связи / Carrier",
    "Прочие поля / Other columns",
)
_SHOWN = (EXTRA_TIMEZONE_SOURCE, EXTRA_EXTENSION, EXTRA_OPERATOR)


def detail_cells(extra: Mapping[str, object] | None) -> list[CellValue]:
    """DETAIL_HEADER's cells for a contact's stored `extra`."""
    extra = extra or {}
    extensions = [
        f"{v}" if k == EXTRA_EXTENSION else f"{k[len(EXTRA_EXTENSION) + 1 :]}: {v}"
        for k, v in extra.items()
        if k == EXTRA_EXTENSION or k.startswith(EXTRA_EXTENSION + " ")
    ]
    others = "; ".join(
        f"{k}: {v}" for k, v in extra.items() if k not in _SHOWN and not k.startswith(EXTRA_EXTENSION + " ")
    )
    source = extra.get(EXTRA_TIMEZONE_SOURCE)
    carrier = extra.get(EXTRA_OPERATOR)
    return [
        str(source) if source is not None else None,
        ", ".join(extensions) or None,
        str(carrier) if carrier is not None else None,
        others or None,
    ]


# --- corporate queue ----------------------------------------------------------------------------

CORPORATE_HEADER: tuple[str, ...] = (
    "Строка / Row",
    "Телефон / Phone",
    "Доп. телефоны / Other phones",
    "Компания / Company",
    "ИНН / Tax id",
    "ИНН головной / Parent tax id",
    "Холдинг / Group",
    "Численность / Headcount",
    "Специализация / Specialty",
    "Контактное лицо / Contact person",
    "E-mail",
    "Регион / Region",
    "Часовой пояс / Time zone",
    "Причина / Reason",
    *DETAIL_HEADER,
)


def corporate_rows(items: Iterable[ImportedContact]) -> Iterator[list[CellValue]]:
    """Rows for the corporate team (pass the `corporate` items, or any items: others are skipped)."""
    for it in items:
        if it.status != "corporate":
            continue
        c = it.contact
        yield [
            c.row_number,
            c.phones[0],
            ", ".join(c.phones[1:]),
            c.company,
            c.tax_id,
            c.parent_tax_id,
            c.group,
            c.headcount,
            c.specialty,
            c.contact_person,
            c.email,
            c.region or c.city,
            c.timezone,
            it.reason,
            *detail_cells(c.extra),
        ]


def write_corporate_queue(path: str | Path, items: Iterable[ImportedContact]) -> int:
    return write_table(path, CORPORATE_HEADER, corporate_rows(items), sheet_title="Corporate")


# --- campaign results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One contact with its latest outcome, as the DB adapter assembles it for export."""

    phone: str
    company: str | None = None
    contact_person: str | None = None
    list_name: str | None = None
    status: str | None = None  # accepted / filtered / corporate / done / ...
    attempts: int = 0
    last_attempt_at: dt.datetime | None = None
    last_outcome: str | None = None  # CallOutcome value
    disposition: str | None = None  # campaign disposition code
    operator: str | None = None
    notes: str | None = None
    next_action_at: dt.datetime | None = None
    timezone: str | None = None  # the zone the dialer used (Contact.timezone; None: candidates or fallback)
    extra: Mapping[str, object] = field(default_factory=dict)  # the contact's stored extra columns
    direction: str | None = None  # of the latest attempt: outbound (we called) or inbound (they called us)
    inbound_calls: int = 0  # times the contact called the campaign's numbers (answered or not)


RESULTS_HEADER: tuple[str, ...] = (
    "Телефон / Phone",
    "Компания / Company",
    "Контактное лицо / Contact person",
    "Список / List",
    "Статус / Status",
    "Попыток / Attempts",
    "Последний звонок / Last attempt",
    "Исход / Outcome",
    "Результат / Disposition",
    "Оператор / Operator",
    "Заметки / Notes",
    "Следующее действие / Next action",
    "Часовой пояс / Time zone",
    "Направление последнего звонка / Last call direction",
    "Входящих звонков / Inbound calls",
    *DETAIL_HEADER,
)


def result_rows(rows: Iterable[ResultRow]) -> Iterator[list[CellValue]]:
    for r in rows:
        yield [
            r.phone,
            r.company,
            r.contact_person,
            r.list_name,
            r.status,
            r.attempts,
            _naive(r.last_attempt_at),
            r.last_outcome,
            r.disposition,
            r.operator,
            r.notes,
            _naive(r.next_action_at),
            r.timezone,
            r.direction,
            r.inbound_calls,
            *detail_cells(r.extra),
        ]


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: write UTC wall time (the header says so in docs)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def write_results(path: str | Path, rows: Iterable[ResultRow]) -> int:
    return write_table(path, RESULTS_HEADER, result_rows(rows), sheet_title="Results")
