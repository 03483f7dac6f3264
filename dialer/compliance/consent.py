"""Consent as data with history. Pure.

Every consent and every withdrawal is an event; nothing is overwritten. The state that the
pre-dial check uses is derived from the events: per purpose, the latest event that has
happened by `now` wins (ordered by when the person gave or withdrew it, then by when we
recorded it, then by id), so a withdrawal dated after a consent blocks the number, and a new
consent dated after the withdrawal allows it again. The adapter is `dialer.db.compliance_store`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

UTC = dt.UTC


@dataclass(frozen=True, slots=True)
class Consent:
    """A contact's recorded consent: where it came from and when (38-FZ wants both provable)."""

    source: str
    given_at: dt.datetime
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


def _instant(value: object) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0), tzinfo=UTC)
    text = str(value).strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"consent date {text!r} is not an ISO date (YYYY-MM-DD[THH:MM[+hh:mm]])") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def consent_from_fields(fields: Mapping[str, object]) -> Consent | None:
    """A `Consent` from a contact's fields, e.g. `Contact.extra` filled by an import with columns
    consent_source / consent_date [/ consent_expires / consent_revoked]. Dates without a time or
    zone are read as UTC midnight. Missing source or date: None (no consent)."""
    source = str(fields.get("consent_source") or "").strip()
    given = _instant(fields.get("consent_date"))
    if not source or given is None:
        return None
    return Consent(
        source,
        given,
        expires_at=_instant(fields.get("consent_expires")),
        revoked_at=_instant(fields.get("consent_revoked")),
    )


#: The purpose the advertising profiles (RU, 38-FZ) need consent for.
ADVERTISING = "advertising"


class ConsentAction(StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class ConsentChannel(StrEnum):
    """How the event reached us (the `source` says where the person gave it)."""

    IMPORT = "import"
    OPERATOR = "operator"
    API = "api"
    WEB = "web"
    CLI = "cli"
    MIGRATION = "migration"


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    action: ConsentAction
    purpose: str
    source: str  # where the person gave it: "web form #12", "call 2026-10-01", a file and row...
    given_at: dt.datetime  # when the person gave (or withdrew) it, from the source
    recorded_at: dt.datetime  # when we recorded it
    expires_at: dt.datetime | None = None
    event_id: int = 0


def _order(e: ConsentEvent) -> tuple[dt.datetime, dt.datetime, int]:
    return (e.given_at, e.recorded_at, e.event_id)


def current_consent(events: Iterable[ConsentEvent], purpose: str, now: dt.datetime) -> Consent | None:
    """The consent state for `purpose` at `now`, as `consent_ok` reads it (None: never given).

    The latest event by `now` wins. A withdrawal gives the last consent before it with
    `revoked_at` set (so the check says `consent_revoked`), or a bare revoked consent when
    there was none. Events dated after `now` do not count yet.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    relevant = sorted((e for e in events if e.purpose == purpose and e.given_at <= now), key=_order)
    if not relevant:
        return None
    last = relevant[-1]
    if last.action is ConsentAction.GIVEN:
        return Consent(last.source, last.given_at, expires_at=last.expires_at)
    grants = [e for e in relevant if e.action is ConsentAction.GIVEN]
    if grants:
        g = grants[-1]
        return Consent(g.source, g.given_at, expires_at=g.expires_at, revoked_at=last.given_at)
    return Consent(last.source, last.given_at, revoked_at=last.given_at)


@dataclass(frozen=True, slots=True)
class NewConsentEvent:
    """An event to record (no id or recording time yet)."""

    action: ConsentAction
    purpose: str
    source: str
    given_at: dt.datetime
    expires_at: dt.datetime | None = None


CONSENT_KEYS = ("consent_source", "consent_date", "consent_expires", "consent_revoked", "consent_purpose")


def events_from_fields(fields: Mapping[str, object], default_purpose: str = ADVERTISING) -> list[NewConsentEvent]:
    """The events an imported row carries in its consent columns (consent_source, consent_date
    [, consent_expires, consent_revoked, consent_purpose]): a consent, and a withdrawal when the
    row says it was revoked. Raises ValueError for a date that is not ISO."""
    purpose = str(fields.get("consent_purpose") or "").strip() or default_purpose
    consent = consent_from_fields(fields)
    out: list[NewConsentEvent] = []
    source = str(fields.get("consent_source") or "").strip()
    if consent is not None:
        out.append(NewConsentEvent(ConsentAction.GIVEN, purpose, consent.source, consent.given_at, consent.expires_at))
    revoked = consent.revoked_at if consent is not None else _instant(fields.get("consent_revoked"))
    if revoked is not None:
        out.append(NewConsentEvent(ConsentAction.WITHDRAWN, purpose, source or "import", revoked))
    return out


def split_consent_fields(extra: Mapping[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """(the row's other extra fields, its consent fields): consent lives in its own table."""
    rest = {k: v for k, v in extra.items() if k not in CONSENT_KEYS}
    consent = {k: v for k, v in extra.items() if k in CONSENT_KEYS}
    return rest, consent
