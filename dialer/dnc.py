"""Do-not-call list files: one number per line (or the first column of a CSV), any common format.
Pure parsing; storing is the repository's (each number with its source and time: the list has history)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from dialer.lists.phones import PhoneNormalizer


@dataclass(frozen=True)
class DncLine:
    line: int
    phone: str | None  # E.164, or None when the line is not a number
    error: str | None = None


def read_dnc_text(text: str, default_region: str = "RU") -> Iterator[DncLine]:
    """Numbers from a DNC file: a plain list or a CSV whose first column is the number; a header line
    and blank lines are skipped, anything else that is not a number is reported with its line."""
    normalizer = PhoneNormalizer(default_region)
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
        cell = row[0].strip() if row else ""
        if not cell or cell.startswith("#"):
            continue
        result = normalizer.normalise(cell)
        if result.e164 is None:
            if n == 1 and not any(ch.isdigit() for ch in cell):
                continue  # a header
            yield DncLine(n, None, f"{cell!r}: {result.error}")
        else:
            yield DncLine(n, result.e164)
