"""The database side of the numbering plan register (`dialer numbering load`, its scheduled refresh).

Thin: parsing and lookups are pure (`dialer.lists.numbering`). A file's load replaces every
range of the ABC/DEF codes it has, in one transaction, so loading a fresh `DEF-9xx.csv`
(whatever its name) replaces the old one and a failed load keeps the old data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from dialer.db.models import NumberingPlanFile, NumberingRange, utcnow
from dialer.lists.contacts import RowError
from dialer.lists.errors import ListFormatError
from dialer.lists.numbering import NumberingPlan, read_register
from dialer.lists.numbering import NumberingRange as PlanRange

_BATCH = 10_000


@dataclass(frozen=True, slots=True)
class NumberingLoad:
    """One file's load: how many ranges, the rows that are not ranges, and whether anything changed."""

    file: str
    ranges: int
    codes: tuple[int, ...]
    bad_rows: list[RowError] = field(default_factory=list)
    changed: bool = True


def load_numbering_file(
    sessions: sessionmaker[Session],
    path: str | Path,
    *,
    loaded_by: str | None = None,
    only_if_changed: bool = False,
    as_of: dt.datetime | None = None,
) -> NumberingLoad:
    """Load one register file. Raises ListFormatError (nothing stored) when it is not a register."""
    path = Path(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if only_if_changed:
        with sessions() as s:
            row = s.scalar(select(NumberingPlanFile).where(NumberingPlanFile.name == path.name))
            if row is not None and row.sha256 == sha:
                return NumberingLoad(path.name, row.ranges, (), [], changed=False)
    ranges: list[PlanRange] = []
    bad: list[RowError] = []
    for item in read_register(path):
        if isinstance(item, RowError):
            bad.append(item)
        else:
            ranges.append(item)
    codes = tuple(sorted({r.code for r in ranges}))
    when = as_of or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    with sessions.begin() as s:
        if codes:
            s.execute(delete(NumberingRange).where(NumberingRange.code.in_(codes)))
        old = s.scalar(select(NumberingPlanFile).where(NumberingPlanFile.name == path.name))
        if old is not None:
            s.execute(delete(NumberingRange).where(NumberingRange.file_id == old.id))
            s.delete(old)
            s.flush()
        # a file whose every code another file has just replaced is gone
        for f in s.scalars(select(NumberingPlanFile)):
            if s.scalar(select(NumberingRange.id).where(NumberingRange.file_id == f.id).limit(1)) is None:
                s.delete(f)
        row = NumberingPlanFile(
            name=path.name, sha256=sha, ranges=len(ranges), as_of=when, loaded_at=utcnow(), loaded_by=loaded_by
        )
        s.add(row)
        s.flush()
        _write(s, row.id, ranges)
    return NumberingLoad(path.name, len(ranges), codes, bad, changed=True)


def _write(s: Session, file_id: int, ranges: list[PlanRange]) -> None:
    conn = s.connection()
    stmt = insert(NumberingRange.__table__)  # type: ignore[arg-type]  # Core executemany
    for i in range(0, len(ranges), _BATCH):
        conn.execute(
            stmt,
            [
                {
                    "file_id": file_id,
                    "code": r.code,
                    "start": r.start,
                    "end": r.end,
                    "operator": r.operator[:300],
                    "region": r.region[:500],
                    "inn": (r.inn or None) and r.inn[:12],
                }
                for r in ranges[i : i + _BATCH]
            ],
        )


def sync_numbering_folder(sessions: sessionmaker[Session], folder: Path) -> list[NumberingLoad]:
    """The scheduled refresh: load every *.csv of the folder whose content changed since its last load.
    A file that is not a register is reported (as its one bad row) and the others are still loaded."""
    out: list[NumberingLoad] = []
    for p in sorted(folder.glob("*.csv")):
        if not p.is_file():
            continue
        try:
            out.append(load_numbering_file(sessions, p, loaded_by=f"sync:{p.name}", only_if_changed=True))
        except (ListFormatError, OSError) as exc:
            out.append(NumberingLoad(p.name, 0, (), [RowError(1, "*", str(exc))], changed=False))
    return out


def numbering_files(sessions: sessionmaker[Session]) -> list[NumberingPlanFile]:
    with sessions() as s:
        return list(s.scalars(select(NumberingPlanFile).order_by(NumberingPlanFile.name)))


def _plan_ranges(s: Session) -> Iterable[PlanRange]:
    q = select(NumberingRange.start, NumberingRange.end, NumberingRange.operator, NumberingRange.region)
    for start, end, operator, region in s.execute(q).yield_per(_BATCH):
        yield PlanRange(start, end, operator, region)


def load_numbering_plan(sessions: sessionmaker[Session]) -> NumberingPlan | None:
    """The whole plan in memory for an import (None when no file was ever loaded)."""
    with sessions() as s:
        if s.scalar(select(NumberingRange.id).limit(1)) is None:
            return None
        return NumberingPlan(_plan_ranges(s))
