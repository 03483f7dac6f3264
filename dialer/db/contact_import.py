"""The list import's write path: a million contacts into the `contact` table in one transaction.

The ORM (and even Core `insert()` with dict rows) costs ~40 µs per contact here: parameter
dicts, per-row type processors, JSON serialisation. The import already knows every value,
so it hands over plain tuples in `IMPORT_COLUMNS` order, with the JSON columns already
serialised exactly as SQLAlchemy's JSON type would (`json.dumps`), and this module writes
them with the driver's own bulk path:

* SQLite: one `executemany` of a prepared INSERT per batch on the session's connection
  (the session's transaction), with a larger page cache for the duration;
* PostgreSQL: `COPY contact (...) FROM STDIN` through psycopg 3, one COPY per batch.

Everything runs inside the caller's session transaction: a failure at any row rolls the
whole import back. Constant columns (list, campaign, created_at, counters) are bound once.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from dialer.db.models import Contact

#: What the importer supplies per contact, in this order. `alt_phones`, `timezone_candidates`
#: and `extra` are JSON text (json.dumps output); the rest are plain str/int/None.
IMPORT_COLUMNS = (
    "row_number",
    "phone",
    "alt_phones",
    "company",
    "contact_person",
    "specialty",
    "headcount",
    "tax_id",
    "group_name",
    "region",
    "email",
    "timezone",
    "timezone_candidates",
    "extra",
    "status",
    "status_reason",
)
#: Columns with the same value for the whole import (the ORM defaults of Contact, bound once).
_CONSTANT_COLUMNS = ("list_id", "campaign_id", "priority", "attempt_count", "is_callback", "created_at")
#: SQLite page cache while importing (KiB, negative = size): the unique (list, phone) index of a
#: million-row list is ~40 MB; with the default 2 MB cache every insert touches evicted pages.
_SQLITE_IMPORT_CACHE_KIB = 65536


def column_limits() -> dict[str, int]:
    """VARCHAR lengths of the import columns: PostgreSQL rejects longer values (SQLite does not)."""
    out: dict[str, int] = {}
    for name in IMPORT_COLUMNS:
        length = getattr(Contact.__table__.c[name].type, "length", None)
        if isinstance(length, int):
            out[name] = length
    return out


class ContactBatch(NamedTuple):
    """One batch for `write_contacts`: value tuples, and the consent fields some of them carried
    ((phone, row number, fields): written as consent events once the contacts exist)."""

    rows: list[tuple[Any, ...]]
    consents: list[tuple[str, int | None, dict[str, object]]]


class ContactWriter:
    """Writes batches of IMPORT_COLUMNS tuples on the session's connection (its transaction)."""

    def __init__(self, session: Session, list_id: int, campaign_id: int, created_at: datetime) -> None:
        self._conn: Connection = session.connection()
        self.dialect = self._conn.dialect.name
        table = Contact.__table__
        constants: list[Any] = [list_id, campaign_id, 0, 0, False, created_at]
        # the values exactly as SQLAlchemy would bind them (UTCDateTime -> naive UTC text on SQLite)
        self._constants = tuple(
            _bound(self._conn, table.c[name], value) for name, value in zip(_CONSTANT_COLUMNS, constants, strict=True)
        )
        driver = self._conn.connection.driver_connection
        if driver is None:  # pragma: no cover - a live session always has its DBAPI connection
            raise RuntimeError("the session's connection is closed")
        self._driver: Any = driver
        columns = _CONSTANT_COLUMNS + IMPORT_COLUMNS
        self._old_cache: int | None = None
        if self.dialect == "sqlite":
            # constants are parameters too, prepended per row by a tuple concatenation (cheap)
            self._sql = f"INSERT INTO contact ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            cur = self._driver.cursor()
            self._old_cache = int(cur.execute("PRAGMA cache_size").fetchone()[0])
            if self._old_cache > -_SQLITE_IMPORT_CACHE_KIB:
                cur.execute(f"PRAGMA cache_size = -{_SQLITE_IMPORT_CACHE_KIB}")
            cur.close()
        elif self.dialect == "postgresql":
            self._sql = f"COPY contact ({', '.join(columns)}) FROM STDIN"
        else:  # pragma: no cover - only the two supported backends
            raise NotImplementedError(f"bulk contact import is not implemented for {self.dialect}")

    def write(self, rows: Sequence[tuple[Any, ...]]) -> int:
        """Write one batch. (A writer thread for SQLite's executemany was tried: sqlite3 releases
        the GIL inside each step, but taking it back for every row made the import slower.)"""
        if not rows:
            return 0
        k = self._constants
        if self.dialect == "sqlite":
            self._executemany([k + r for r in rows])
        else:
            with self._driver.cursor() as cur, cur.copy(self._sql) as copy:
                for r in rows:
                    copy.write_row(k + r)
        return len(rows)

    def _executemany(self, params: list[tuple[Any, ...]]) -> None:
        cur = self._driver.cursor()
        try:
            cur.executemany(self._sql, params)
        finally:
            cur.close()

    def close(self) -> None:
        """Give the pooled connection its usual page cache back."""
        if self._old_cache is not None and self._old_cache > -_SQLITE_IMPORT_CACHE_KIB:
            cur = self._driver.cursor()
            cur.execute(f"PRAGMA cache_size = {self._old_cache}")
            cur.close()
        self._old_cache = None


def _bound(conn: Connection, column: Any, value: Any) -> Any:
    proc = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return proc(value) if proc is not None else value


class PhoneKeys:
    """The phones already stored for a campaign, compactly: a sorted array of E.164 digits as
    64-bit integers (8 bytes per phone instead of ~90 for a set of str), so re-importing a
    million-row list does not need a hundred MB just to know what is already there.

    Callable like the importer's batch lookups: give it a batch of numbers, it returns those present.
    """

    def __init__(self, phones: Iterable[str]) -> None:
        keys = array("q")
        odd: set[str] = set()  # anything not shaped +<digits> (never from the importer, but stored by hand)
        for p in phones:
            if len(p) > 2 and p[0] == "+" and p[1] != "0" and p[1:].isdigit() and len(p) <= 19:
                keys.append(int(p[1:]))
            else:
                odd.add(p)
        self._keys = array("q", sorted(keys))
        self._odd = frozenset(odd)

    def __len__(self) -> int:
        return len(self._keys) + len(self._odd)

    def __contains__(self, phone: object) -> bool:
        if not isinstance(phone, str):
            return False
        if phone in self._odd:
            return True
        if len(phone) > 2 and phone[0] == "+" and phone[1] != "0" and phone[1:].isdigit() and len(phone) <= 19:
            k = int(phone[1:])
            i = bisect_left(self._keys, k)
            return i < len(self._keys) and self._keys[i] == k
        return False

    def __call__(self, batch: frozenset[str]) -> set[str]:
        if not self._keys and not self._odd:
            return set()
        return {p for p in batch if p in self}
