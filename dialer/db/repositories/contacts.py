"""Contact lists: storing an imported list (one transaction, streamed), the campaign's phones for
de-duplication, and holding back all but the first contacts of a short run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from dialer.compliance.consent import split_consent_fields
from dialer.db.compliance_store import import_consent_events
from dialer.db.contact_import import ContactBatch, ContactWriter, PhoneKeys
from dialer.db.models import Contact, ContactList, utcnow
from dialer.db.repositories.base import DIALABLE, RepositoryBase

# Core insert on the table: one executemany per batch (the ORM bulk path emits a statement per row here)
CONTACT_INSERT = insert(Contact.__table__)  # type: ignore[arg-type]


class ContactListRepository(RepositoryBase):
    def _list(self, s: Session, campaign_id: int, name: str) -> ContactList:
        lst = s.scalar(select(ContactList).where(ContactList.campaign_id == campaign_id, ContactList.name == name))
        if lst is None:
            lst = ContactList(campaign_id=campaign_id, name=name)
            s.add(lst)
            s.flush()
        return lst

    def add_contact_list(
        self,
        campaign_id: int,
        name: str,
        contacts: Iterable[dict[str, Any]],
        *,
        source_file: str | None = None,
        source_sha256: str | None = None,
        report: Callable[[], dict[str, Any]] | dict[str, Any] | None = None,
        batch_size: int = 5000,
    ) -> tuple[int, int]:
        """Store a list and its contacts in ONE transaction: a file that fails half-way stores
        nothing. Contacts stream in batches (bounded memory); phones already in the list are
        skipped, so a re-import adds nothing. `report` may be a callable, read after the stream
        is consumed. Returns (list id, contacts added)."""
        with self.sessions.begin() as s:
            lst = self._list(s, campaign_id, name)
            known = set(s.scalars(select(Contact.phone).where(Contact.list_id == lst.id)))
            added = 0
            batch: list[dict[str, Any]] = []
            # consent columns become consent events (their own table, with history), not contact fields
            consents: list[tuple[str, int | None, dict[str, object]]] = []

            def flush() -> int:
                n = _insert_contacts(s, batch)
                import_consent_events(s, lst.id, consents, source_file=source_file, list_name=name)
                batch.clear()
                consents.clear()
                return n

            for c in contacts:
                if c["phone"] in known:
                    continue
                known.add(c["phone"])
                extra, consent = split_consent_fields(c.get("extra") or {})
                if consent:
                    c = {**c, "extra": extra}
                    consents.append((c["phone"], c.get("row_number"), consent))
                batch.append({"list_id": lst.id, "campaign_id": campaign_id, **c})
                if len(batch) >= batch_size:
                    added += flush()
            if batch:
                added += flush()
            lst.source_file, lst.source_sha256 = source_file, source_sha256
            lst.report = report() if callable(report) else (report or {})
            lst.imported_at = utcnow()
            return lst.id, added

    def import_contact_rows(
        self,
        campaign_id: int,
        name: str,
        batches: Iterable[ContactBatch],
        *,
        source_file: str | None = None,
        source_sha256: str | None = None,
        report: Callable[[], dict[str, Any]] | None = None,
    ) -> tuple[int, int]:
        """The list import's fast path (dialer.db.contact_import): like add_contact_list, ONE
        transaction and streamed, but rows are tuples in IMPORT_COLUMNS order with JSON
        pre-serialised, written by executemany (SQLite) or COPY (PostgreSQL). The importer has
        already dropped phones stored for the campaign; a duplicate still fails the whole import
        on the (list, phone) unique constraint. Returns (list id, contacts added)."""
        with self.sessions.begin() as s:
            lst = self._list(s, campaign_id, name)
            writer = ContactWriter(s, lst.id, campaign_id, utcnow())
            added = 0
            try:
                for batch in batches:
                    added += writer.write(batch.rows)
                    if batch.consents:  # consent columns become consent events, as in add_contact_list
                        import_consent_events(s, lst.id, batch.consents, source_file=source_file, list_name=name)
            finally:
                writer.close()
            lst.source_file, lst.source_sha256 = source_file, source_sha256
            lst.report = report() if report is not None else {}
            lst.imported_at = utcnow()
            return lst.id, added

    def campaign_phone_keys(self, campaign_id: int) -> PhoneKeys:
        """campaign_phones in 8 bytes a phone, streamed from the database (re-imports of big lists)."""
        with self.sessions() as s:
            q = select(Contact.phone).where(Contact.campaign_id == campaign_id).execution_options(yield_per=20_000)
            return PhoneKeys(s.scalars(q))

    def campaign_phones(self, campaign_id: int) -> set[str]:
        """Every phone already in the campaign's lists: the de-duplication set for a new import."""
        with self.sessions() as s:
            return set(s.scalars(select(Contact.phone).where(Contact.campaign_id == campaign_id)))

    def hold_contacts_after(self, campaign_id: int, keep: int) -> int:
        """Keep only the first `keep` dialable contacts dialable (short runs); the rest wait as 'held'."""
        with self.sessions.begin() as s:
            ids = list(
                s.scalars(
                    select(Contact.id)
                    .where(Contact.campaign_id == campaign_id, Contact.status == DIALABLE)
                    .order_by(Contact.priority.desc(), Contact.id)
                    .offset(keep)
                )
            )
            if ids:
                s.execute(update(Contact).where(Contact.id.in_(ids)).values(status="held"))
            return len(ids)


def _insert_contacts(s: Session, rows: list[dict[str, Any]]) -> int:
    """One executemany per run of rows of the same shape (an executemany needs the same columns in
    every row); runs keep the file's order, so ids follow the rows."""
    run: list[dict[str, Any]] = []
    for row in rows:
        if run and row.keys() != run[0].keys():
            s.connection().execute(CONTACT_INSERT, run)
            run = []
        run.append(row)
    if run:
        s.connection().execute(CONTACT_INSERT, run)
    return len(rows)
