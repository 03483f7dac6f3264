"""The database side of consent, do-not-call history and national registers (SQLAlchemy).

Thin: the rules are in `consent` (latest event wins) and `registers` (age, screening); this
module stores and loads rows. Consent and DNC keep history: a consent row is never updated, a
DNC removal stamps `removed_*` on the opt-out row instead of deleting it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from dialer.compliance.consent import ConsentAction, ConsentChannel, ConsentEvent, NewConsentEvent, events_from_fields
from dialer.compliance.registers import RegisterState, register_name
from dialer.db.models import ConsentRecord, Contact, DoNotCall, NationalRegister, NationalRegisterNumber, utcnow
from dialer.dnc import read_dnc_text

# --- consent -------------------------------------------------------------------------------------


def add_consent_events(
    s: Session,
    events: Iterable[NewConsentEvent],
    *,
    phone: str | None,
    contact_id: int | None = None,
    channel: ConsentChannel | str,
    reference: str | None = None,
    by: int | None = None,
    at: dt.datetime | None = None,
) -> list[ConsentRecord]:
    """Append events (inside the caller's transaction): never an update."""
    if phone is None and contact_id is None:
        raise ValueError("a consent event needs the contact's phone or its id")
    rows = [
        ConsentRecord(
            phone=phone,
            contact_id=contact_id,
            purpose=e.purpose[:40],
            action=ConsentAction(e.action).value,
            source=e.source[:300],
            channel=str(ConsentChannel(channel)),
            reference=reference[:300] if reference else None,
            given_at=e.given_at,
            expires_at=e.expires_at,
            recorded_at=at or utcnow(),
            recorded_by=by,
        )
        for e in events
    ]
    s.add_all(rows)
    s.flush()
    return rows


def record_consent(
    sessions: sessionmaker[Session],
    event: NewConsentEvent,
    *,
    phone: str | None,
    contact_id: int | None = None,
    channel: ConsentChannel | str,
    reference: str | None = None,
    by: int | None = None,
) -> int:
    """One consent or withdrawal in its own transaction; returns the row id."""
    with sessions.begin() as s:
        [row] = add_consent_events(
            s, [event], phone=phone, contact_id=contact_id, channel=channel, reference=reference, by=by
        )
        return row.id


def as_event(row: ConsentRecord) -> ConsentEvent:
    return ConsentEvent(
        ConsentAction(row.action),
        row.purpose,
        row.source,
        row.given_at,
        row.recorded_at,
        row.expires_at,
        row.id,
    )


def consent_rows(s: Session, phones: Sequence[str], contact_ids: Sequence[int] = ()) -> list[ConsentRecord]:
    """Every event about these numbers or these contacts, oldest first."""
    if not phones and not contact_ids:
        return []
    cond = []
    if phones:
        cond.append(ConsentRecord.phone.in_(list(phones)))
    if contact_ids:
        cond.append(ConsentRecord.contact_id.in_(list(contact_ids)))
    q = select(ConsentRecord).where(or_(*cond)).order_by(ConsentRecord.given_at, ConsentRecord.id)
    return list(s.scalars(q))


def consent_history(sessions: sessionmaker[Session], phone: str) -> list[ConsentRecord]:
    with sessions() as s:
        return consent_rows(s, [phone])


# --- do-not-call ---------------------------------------------------------------------------------


def remove_do_not_call(
    sessions: sessionmaker[Session],
    phone: str,
    *,
    campaign_id: int | None,
    source: str,
    reason: str | None = None,
    by: int | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Take a number off a list (global when campaign_id is None): the opt-out rows stay, stamped
    with who removed them, when, from where and why. Returns how many active rows were closed."""
    scope = DoNotCall.campaign_id.is_(None) if campaign_id is None else DoNotCall.campaign_id == campaign_id
    with sessions.begin() as s:
        result = s.execute(
            update(DoNotCall)
            .where(DoNotCall.phone == phone, scope, DoNotCall.removed_at.is_(None))
            .values(removed_at=at or utcnow(), removed_by=by, removed_source=source[:100], removed_reason=reason)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def dnc_history(sessions: sessionmaker[Session], phone: str) -> list[DoNotCall]:
    """Every opt-out of the number, removed or not, oldest first."""
    with sessions() as s:
        return list(s.scalars(select(DoNotCall).where(DoNotCall.phone == phone).order_by(DoNotCall.added_at)))


# --- national registers --------------------------------------------------------------------------

#: Where a register's numbers live, for reading numbers written without a country code.
REGISTER_REGION = {"TPS": "GB", "CTPS": "GB", "US_DNC": "US"}


@dataclass(frozen=True)
class RegisterLoad:
    state: RegisterState
    lines: int
    bad_lines: list[tuple[int, str]]
    changed: bool  # False: the same file was already loaded, nothing done


def load_register(
    sessions: sessionmaker[Session],
    name: str,
    phones: Iterable[str],
    *,
    as_of: dt.datetime,
    source_file: str | None = None,
    source_sha256: str | None = None,
    loaded_by: str | None = None,
    batch_size: int = 10_000,
) -> RegisterState:
    """Replace the register's numbers with `phones`, in one transaction (a failed load keeps the old data)."""
    name = register_name(name)
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    now = utcnow()
    unique = sorted(set(phones))
    with sessions.begin() as s:
        reg = s.scalar(select(NationalRegister).where(NationalRegister.name == name))
        if reg is None:
            reg = NationalRegister(name=name, as_of=as_of)
            s.add(reg)
            s.flush()
        s.execute(delete(NationalRegisterNumber).where(NationalRegisterNumber.register_id == reg.id))
        _write_numbers(s, reg.id, unique, batch_size)
        reg.as_of, reg.loaded_at, reg.numbers = as_of, now, len(unique)
        reg.source_file, reg.source_sha256, reg.loaded_by = source_file, source_sha256, loaded_by
        state = RegisterState(name, as_of, now, len(unique))
    with sessions.begin() as s:
        if s.get_bind().dialect.name == "postgresql":
            # fresh statistics, or the planner scans the whole table for every batch an import screens
            s.execute(text("ANALYZE national_register_number"))
    return state


def _write_numbers(s: Session, register_id: int, phones: Sequence[str], batch_size: int) -> None:
    """PostgreSQL: COPY in the session's transaction (about twice as fast as executemany here);
    elsewhere a Core executemany per batch."""
    conn = s.connection()
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql" and hasattr(driver, "cursor"):
        with driver.cursor() as cur, cur.copy("COPY national_register_number (register_id, phone) FROM STDIN") as cp:
            for phone in phones:
                cp.write_row((register_id, phone))
        return
    stmt = insert(NationalRegisterNumber.__table__)  # type: ignore[arg-type]  # Core executemany
    for i in range(0, len(phones), batch_size):
        conn.execute(stmt, [{"register_id": register_id, "phone": p} for p in phones[i : i + batch_size]])


def load_register_file(
    sessions: sessionmaker[Session],
    name: str,
    path: str | Path,
    *,
    as_of: dt.datetime | None = None,
    region: str | None = None,
    loaded_by: str | None = None,
    only_if_changed: bool = False,
) -> RegisterLoad:
    """Load a register file (one number a line, or a CSV whose first column is the number).

    `as_of` defaults to the file's modification time: the register's age is that of its data,
    so re-reading an old file does not make it fresh. With `only_if_changed`, a file whose
    SHA-256 equals the loaded one is not loaded again (the scheduled refresh)."""
    name = register_name(name)
    path = Path(path)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if only_if_changed:
        with sessions() as s:
            reg = s.scalar(select(NationalRegister).where(NationalRegister.name == name))
            if reg is not None and reg.source_sha256 == sha:
                state = RegisterState(reg.name, reg.as_of, reg.loaded_at, reg.numbers)
                return RegisterLoad(state, 0, [], False)
    when = as_of or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    text = data.decode("utf-8-sig", errors="replace")
    lines = list(read_dnc_text(text, region or REGISTER_REGION.get(name, "RU")))
    state = load_register(
        sessions,
        name,
        [x.phone for x in lines if x.phone is not None],
        as_of=when,
        source_file=path.name,
        source_sha256=sha,
        loaded_by=loaded_by,
    )
    bad = [(x.line, x.error or "") for x in lines if x.phone is None]
    return RegisterLoad(state, len(lines), bad, True)


def register_states(sessions: sessionmaker[Session]) -> dict[str, RegisterState]:
    with sessions() as s:
        return {
            r.name: RegisterState(r.name, r.as_of, r.loaded_at, r.numbers) for r in s.scalars(select(NationalRegister))
        }


def registers_listing(s: Session, phones: Iterable[str], names: Sequence[str] | None = None) -> dict[str, set[str]]:
    """phone -> names of the registers it is on (only the phones that are on one)."""
    wanted = list(set(phones))
    if not wanted:
        return {}
    q = (
        select(NationalRegisterNumber.phone, NationalRegister.name)
        .join(NationalRegister, NationalRegister.id == NationalRegisterNumber.register_id)
        .where(NationalRegisterNumber.phone.in_(wanted))
    )
    if names is not None:
        if not names:
            return {}
        q = q.where(NationalRegister.name.in_(list(names)))
    out: dict[str, set[str]] = {}
    for phone, name in s.execute(q):
        out.setdefault(phone, set()).add(name)
    return out


def register_lookup(
    sessions: sessionmaker[Session], names: Sequence[str]
) -> Callable[[frozenset[str]], set[str]] | None:
    """For the importer: which of a batch of numbers are on one of `names` (None when no register is screened)."""
    if not names:
        return None

    def present(batch: frozenset[str]) -> set[str]:
        with sessions() as s:
            return set(registers_listing(s, batch, names))

    return present


# --- consent carried by an import ----------------------------------------------------------------


def import_consent_events(
    s: Session,
    list_id: int,
    pending: Sequence[tuple[str, int | None, Mapping[str, object]]],
    *,
    source_file: str | None,
    list_name: str,
) -> int:
    """Write the consent events of freshly inserted contacts: (phone, row number, consent fields)
    each. A row whose consent dates cannot be read gets no event (so it has no consent)."""
    if not pending:
        return 0
    ids = dict(
        s.execute(
            select(Contact.phone, Contact.id).where(
                Contact.list_id == list_id, Contact.phone.in_([p for p, _, _ in pending])
            )
        ).all()
    )
    now = utcnow()
    rows: list[dict[str, object]] = []
    for phone, row_number, fields in pending:
        try:
            events = events_from_fields(fields)
        except ValueError:
            continue
        ref = f"{source_file or list_name} row {row_number}" if row_number else (source_file or list_name)
        for e in events:
            rows.append(
                {
                    "phone": phone,
                    "contact_id": ids.get(phone),
                    "purpose": e.purpose[:40],
                    "action": e.action.value,
                    "source": e.source[:300],
                    "channel": ConsentChannel.IMPORT.value,
                    "reference": ref[:300],
                    "given_at": e.given_at,
                    "expires_at": e.expires_at,
                    "recorded_at": now,
                    "recorded_by": None,
                }
            )
    if rows:
        s.execute(insert(ConsentRecord.__table__), rows)  # type: ignore[arg-type]
    return len(rows)
