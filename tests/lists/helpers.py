"""Writers for real-world-shaped list files (what Excel and people produce)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook


def write_csv(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    bom: bool = False,
) -> Path:
    """Like Excel's 'Save as CSV': CRLF line ends, minimal quoting."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    data = buf.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], *, title: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if title:
        ws.title = title
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path
