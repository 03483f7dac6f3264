"""Timestamps read back from the database: SQLite returns them naive, PostgreSQL aware; both mean UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime (a naive one is taken to be UTC, as the dialer stores them)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
