"""Parameter types every route uses, bounded to what the database can hold, so a bad value is a 422 that
names the field and never an error deep in SQL (an id of 2**63 once crashed SQLite's driver: a 500).

Ids are PostgreSQL BIGINT / SQLite INTEGER: 1..2**63-1. Text may not hold NUL (PostgreSQL refuses it).
Datetimes must carry a zone and lie in a sane range (a year 9999 with an offset overflows on conversion).
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import Annotated, Any

from fastapi import Form, Path, Query
from pydantic import AfterValidator, BaseModel, Field, model_validator

from dialer.dnc import read_dnc_text
from dialer.web.messages import UserError

MAX_DB_INT = 2**63 - 1
EARLIEST = dt.datetime(1970, 1, 2, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)

IdPath = Annotated[int, Path(ge=1, le=MAX_DB_INT, description="a database id (1..2^63-1)")]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_DB_INT, description="a database id (1..2^63-1)")]
IdForm = Annotated[int, Form(ge=1, le=MAX_DB_INT, description="a database id (1..2^63-1)")]
Id = Annotated[int, Field(ge=1, le=MAX_DB_INT, description="a database id (1..2^63-1)")]


def _in_range(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a time zone offset, e.g. 2026-10-01T12:00:00+03:00")
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST.date()} and {LATEST.date()}")
    return value


AwareDatetime = Annotated[dt.datetime, AfterValidator(_in_range)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class Body(BaseModel):
    """Base of every JSON body: no NUL characters anywhere (PostgreSQL text cannot store them)."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("text may not contain the NUL character")
        return data


def parse_id(value: str | None, field: str) -> int | None:
    """An optional id from a free-text query field ("" = any)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_DB_INT:
        raise UserError(422, "id_range", field=field, max=MAX_DB_INT)
    return int(text)


def e164(value: str) -> str:
    """One phone number in E.164, or 422 (the parser of the DNC files, so the API and files agree)."""
    try:
        lines = list(read_dnc_text(value.strip().replace("\x00", "")))
    except csv.Error:  # a stray line break or quote: not one number
        lines = []
    if len(lines) != 1 or lines[0].phone is None:
        raise UserError(422, "not_phone", value=value[:60])
    return lines[0].phone
