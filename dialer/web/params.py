"""Parameter types every route uses, bounded to what the database can hold, so a bad value is a 422 that
names the field and never an error deep in SQL (an id of 2**63 once crashed SQLite's driver: a 500).

Ids are INTEGER columns: PostgreSQL's is 32-bit, so 1..2**31-1 on every backend (SQLite's would take
2**63-1). Text may not hold NUL (PostgreSQL refuses it).
Datetimes must carry a zone and lie in a sane range (a year 9999 with an offset overflows on conversion).
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import Annotated, Any

from fastapi import Form, Path, Query
from pydantic import AfterValidator, BaseModel, Field, model_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dialer.dnc import read_dnc_text
from dialer.web.messages import UserError

MAX_DB_INT = 2**31 - 1  # PostgreSQL INTEGER
EARLIEST = dt.datetime(1970, 1, 2, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)

IdPath = Annotated[int, Path(ge=1, le=MAX_DB_INT, description="a database id (1..2^31-1)")]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_DB_INT, description="a database id (1..2^31-1)")]
IdForm = Annotated[int, Form(ge=1, le=MAX_DB_INT, description="a database id (1..2^31-1)")]
Id = Annotated[int, Field(ge=1, le=MAX_DB_INT, description="a database id (1..2^31-1)")]


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
        raise UserError(422, "{field}: must be a whole number from 1 to {max}", field=field, max=MAX_DB_INT)
    return int(text)


def parse_day(value: str, field: str) -> dt.date:
    """A YYYY-MM-DD day within EARLIEST..LATEST (a day one step from date.max overflows the next query)."""
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(422, "{field}: a date as YYYY-MM-DD is expected", field=field) from None
    if not EARLIEST.date() <= day < LATEST.date():
        raise UserError(
            422, "{field}: must be between {first} and {last}", field=field, first=EARLIEST.date(), last=LATEST.date()
        )
    return day


def e164(value: str) -> str:
    """One phone number in E.164, or 422 (the parser of the DNC files, so the API and files agree)."""
    try:
        lines = list(read_dnc_text(value.strip().replace("\x00", "")))
    except csv.Error:  # a stray line break or quote: not one number
        lines = []
    if len(lines) != 1 or lines[0].phone is None:
        raise UserError(422, "not a phone number: '{value}'", value=value[:60])
    return lines[0].phone


MAX_FORM_BYTES = 1 << 20  # url-encoded forms here are a few fields; anything bigger is not ours


class RejectNul:
    """A NUL character in the path, the query or a url-encoded form is a 400 before any route runs:
    PostgreSQL cannot store or even compare text holding one (JSON bodies are checked by `Body`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if b"%00" in raw or b"\x00" in raw or "\x00" in scope.get("path", ""):
            await _refuse(send)
            return
        headers = dict(scope.get("headers", []))
        if not headers.get(b"content-type", b"").startswith(b"application/x-www-form-urlencoded"):
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM_BYTES:
                await _refuse(send, 413, b"form too large")
                return
        if b"%00" in body or b"\x00" in body:
            await _refuse(send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send, status: int = 400, text: bytes = b"NUL characters are not allowed") -> None:
    body = b'{"detail":"' + text + b'"}'
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
