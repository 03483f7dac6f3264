# ruff: noqa: RUF001
"""The list import into the database (dialer.campaigns.import_list -> dialer.db.contact_import),
on SQLite and on the real PostgreSQL: what is stored per column, one transaction, idempotent
re-import, consent columns, over-long cells, progress."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

import dialer.campaigns as campaigns
from dialer.campaigns import apply_campaign, import_list
from dialer.db.contact_import import ContactWriter, PhoneKeys
from dialer.db.models import ConsentRecord, Contact, ContactList
from dialer.db.repository import Repository
from dialer.lists import ImportedContact, import_contacts
from dialer.rules.campaign import CampaignDefinition, parse_campaign
from tests.lists.helpers import write_csv

HEADER = [
    "Телефон",
    "Доп. телефон",
    "Компания",
    "Специализация",
    "Численность",
    "ИНН",
    "ИНН головной организации",
    "Город",
    "Комментарий",
]
LONG_COMPANY = "ООО " + "Очень длинное название " * 20  # > 300 characters: PostgreSQL's VARCHAR(300)


def _campaign(repo: Repository) -> tuple[int, CampaignDefinition]:
    definition = parse_campaign(
        {
            "name": "store",
            "dial_string": "Local/{number}@x",
            "filters": {"specialties": {"allowed": ["Стоматология"]}, "headcount": {"max": 500}},
            "corporate": {"headcount_threshold": 1000},
        }
    )
    return apply_campaign(repo, definition), definition


def _rows() -> list[list[object]]:
    return [
        list(HEADER),
        # accepted, with an alternate, a city (kept in extra) and a comment that needs JSON escaping
        [
            "8 (495) 123-45-67",
            "+7 916 111-22-33",
            "ООО «Зубы»",
            "Стоматология",
            "12",
            "",
            "",
            "Новосибирск",
            'кавычки " и \\ и\nперевод строки',
        ],
        ["+7 916 222-33-44", "", LONG_COMPANY, "Стоматология", "5", "", "", "", ""],  # company cut to 300
        ["8 383 200-00-01", "", "Склад", "Ветеринария", "5", "", "", "", ""],  # filtered
        ["8 383 200-00-02", "", "Холдинг", "Стоматология", "5000", "", "7707083893", "", ""],  # corporate
        ["8 (495) 123-45-67", "", "Дубль", "Стоматология", "5", "", "", "", ""],  # duplicate: not stored
        ["нет телефона", "", "Ошибка", "", "", "", "", "", ""],  # invalid: not stored
    ]


def _stored(repo: Repository) -> dict[str, Contact]:
    with repo.sessions() as s:
        return {c.phone: c for c in s.scalars(select(Contact))}


def test_every_column_as_the_import_classified_it(repo: Repository, tmp_path: Path) -> None:
    campaign_id, definition = _campaign(repo)
    path = write_csv(tmp_path / "list.csv", _rows(), delimiter=";", encoding="cp1251")
    report = import_list(repo, campaign_id, definition, path, "main")
    assert (report.accepted, report.filtered.total(), report.corporate.total()) == (2, 1, 1)
    assert (report.duplicates.total(), report.invalid_count) == (1, 1)

    expected = {
        i.contact.phones[0]: i
        for i in import_contacts(path, definition.import_rules())
        if isinstance(i, ImportedContact) and i.status in campaigns.CONTACT_STATUS
    }
    stored = _stored(repo)
    assert set(stored) == set(expected) == {"+74951234567", "+79162223344", "+73832000001", "+73832000002"}
    with repo.sessions() as s:
        lst = s.scalar(select(ContactList).where(ContactList.name == "main"))
        assert lst is not None
    for phone, item in expected.items():
        c, p = stored[phone], item.contact
        assert (c.list_id, c.campaign_id, c.row_number) == (lst.id, campaign_id, p.row_number)
        assert c.alt_phones == list(p.phones[1:])
        assert c.specialty == (item.matched_specialty or p.specialty)
        assert (c.headcount, c.tax_id, c.region, c.email) == (p.headcount, p.tax_id, p.region, p.email)
        assert (c.timezone, c.timezone_candidates) == (p.timezone, list(p.timezone_candidates))
        assert c.status == campaigns.CONTACT_STATUS[item.status] and c.status_reason == item.reason
        assert (c.priority, c.attempt_count, c.is_callback, c.next_attempt_at) == (0, 0, False, None)
        assert c.created_at.tzinfo is not None and abs((datetime.now(UTC) - c.created_at).total_seconds()) < 600
        extra = dict(p.extra)
        if p.city:
            extra["city"] = p.city
        if p.parent_tax_id:
            extra["parent_tax_id"] = p.parent_tax_id
        assert c.extra == extra
    first = stored["+74951234567"]
    assert first.alt_phones == ["+79161112233"]
    assert first.extra["Комментарий"] == 'кавычки " и \\ и\nперевод строки'
    assert first.extra["city"] == "Новосибирск" and first.timezone == "Asia/Novosibirsk"
    assert stored["+79162223344"].company == LONG_COMPANY[:300]
    assert stored["+73832000002"].extra["parent_tax_id"] == "7707083893"
    with repo.sessions() as s:  # stored JSON is what SQLAlchemy's JSON type writes (json.dumps)
        raw = s.execute(text("select alt_phones, extra from contact where phone = '+74951234567'")).one()
    assert json.loads(raw[0]) == ["+79161112233"] if isinstance(raw[0], str) else raw[0] == ["+79161112233"]
    if isinstance(raw[1], str):
        assert raw[1] == json.dumps(first.extra)


def test_reimport_adds_nothing_and_a_failure_half_way_stores_nothing(
    repo: Repository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign_id, definition = _campaign(repo)
    path = write_csv(tmp_path / "list.csv", _rows(), delimiter=";", encoding="cp1251")
    import_list(repo, campaign_id, definition, path, "main")
    before = _stored(repo)
    again = import_list(repo, campaign_id, definition, path, "main")
    assert again.accepted == 0 and again.duplicates.total() == 5
    assert _stored(repo).keys() == before.keys()

    # a new list whose second write batch fails: the first batch must not survive either
    more: list[list[object]] = [list(HEADER)]
    more += [[f"8 383 300-{i // 100:02d}-{i % 100:02d}", "", f"C{i}", "Стоматология", "5"] for i in range(30)]
    path2 = write_csv(tmp_path / "more.csv", more, delimiter=";")
    monkeypatch.setattr(campaigns, "_WRITE_BATCH", 10)
    calls = {"n": 0}
    real_write = ContactWriter.write

    def failing_write(self: ContactWriter, rows: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_write(self, rows)

    monkeypatch.setattr(ContactWriter, "write", failing_write)
    with pytest.raises(RuntimeError, match="disk full"):
        import_list(repo, campaign_id, definition, path2, "more")
    assert calls["n"] == 2
    assert _stored(repo).keys() == before.keys()
    with repo.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ContactList).where(ContactList.name == "more")) == 0

    monkeypatch.setattr(ContactWriter, "write", real_write)  # the same file, now in 3 batches, all stored
    report = import_list(repo, campaign_id, definition, path2, "more")
    assert report.accepted == 30 and len(_stored(repo)) == len(before) + 30


def test_a_database_error_in_a_later_batch_stores_nothing(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver failing on the third executemany: the two batches before it are rolled back too."""
    from dialer.db import make_engine, make_session_factory, migrate

    migrate(sqlite_url)
    repo = Repository(make_session_factory(make_engine(sqlite_url)))
    campaign_id, definition = _campaign(repo)
    rows: list[list[object]] = [list(HEADER[:5])]
    rows += [[f"8 383 300-{i // 100:02d}-{i % 100:02d}", "", f"C{i}", "Стоматология", "5"] for i in range(30)]
    monkeypatch.setattr(campaigns, "_WRITE_BATCH", 10)
    calls = {"n": 0}
    real = ContactWriter._executemany

    def failing(self: ContactWriter, params: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("database is locked")
        real(self, params)

    monkeypatch.setattr(ContactWriter, "_executemany", failing)
    with pytest.raises(RuntimeError, match="locked"):
        import_list(repo, campaign_id, definition, write_csv(tmp_path / "l.csv", rows, delimiter=";"), "l")
    assert calls["n"] == 3 and _stored(repo) == {}
    with repo.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ContactList)) == 0


def test_a_malformed_file_changes_nothing(repo: Repository, tmp_path: Path) -> None:
    from dialer.lists import ListFormatError

    campaign_id, definition = _campaign(repo)
    import_list(repo, campaign_id, definition, write_csv(tmp_path / "a.csv", _rows(), delimiter=";"), "main")
    before = _stored(repo)
    bad = write_csv(tmp_path / "bad.csv", [["x", "y"], ["1", "2"]])
    with pytest.raises(ListFormatError, match="no phone column"):
        import_list(repo, campaign_id, definition, bad, "main")
    assert _stored(repo).keys() == before.keys()


def test_consent_columns_become_consent_events_not_contact_fields(repo: Repository, tmp_path: Path) -> None:
    campaign_id, definition = _campaign(repo)
    rows = [
        ["Телефон", "Специализация", "consent_source", "consent_date", "Комментарий"],
        ["+79161234500", "Стоматология", "web form", "2026-01-15", "да"],
        ["+79161234501", "Стоматология", "", "", "нет"],
    ]
    import_list(repo, campaign_id, definition, write_csv(tmp_path / "c.csv", rows), "consent")
    stored = _stored(repo)
    # the zone's source is stored with every contact (no region, a mobile number, no fallback)
    assert stored["+79161234500"].extra == {"Комментарий": "да", "timezone_source": "unknown"}
    assert stored["+79161234501"].extra == {"Комментарий": "нет", "timezone_source": "unknown"}
    with repo.sessions() as s:
        events = list(s.scalars(select(ConsentRecord)))
    assert [(e.phone, e.contact_id, e.action, e.source) for e in events] == [
        ("+79161234500", stored["+79161234500"].id, "given", "web form")
    ]


def test_progress_reaches_the_end_of_the_file(repo: Repository, tmp_path: Path) -> None:
    campaign_id, definition = _campaign(repo)
    rows: list[list[object]] = [list(HEADER[:5])]
    rows += [[f"8 495 3{i:06d}", "", f"C{i}", "Стоматология", "5"] for i in range(12_000)]
    path = write_csv(tmp_path / "big.csv", rows, delimiter=";")
    seen: list[tuple[int, float]] = []
    report = import_list(repo, campaign_id, definition, path, "big", on_progress=lambda n, f: seen.append((n, f)))
    assert report.accepted == 12_000
    assert len(seen) >= 3 and seen[-1] == (12_000, 1.0)
    assert all(0.0 <= f <= 1.0 for _, f in seen)
    assert [f for _, f in seen] == sorted(f for _, f in seen) and seen[0][1] < 1.0


def test_phone_keys_answer_like_a_set() -> None:
    stored = ["+74951234567", "+79161112233", "+442071234567", "8 495 ruined", "+0123"]
    keys = PhoneKeys(stored)
    assert len(keys) == 5
    for p in stored:
        assert p in keys
    for p in ("+74951234568", "+7495123456", "+744951234567", "", "+", "+0124", "74951234567"):
        assert p not in keys
    assert keys(frozenset({"+74951234567", "+74951234568", "8 495 ruined"})) == {"+74951234567", "8 495 ruined"}
    assert PhoneKeys([])(frozenset({"+74951234567"})) == set()


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.text(), st.one_of(st.text(), st.integers(), st.none()), max_size=5))
def test_extra_json_is_byte_for_byte_json_dumps(values: dict[str, object]) -> None:
    assert campaigns._object_json(values) == json.dumps(values)
    assert campaigns._phones_json(("+74951234567", "+79161112233")) == json.dumps(["+74951234567", "+79161112233"])
