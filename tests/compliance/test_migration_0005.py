"""Migration 0005 copies the consent carried in contacts' `extra` (as imports wrote it before) into
consent events, on both backends, and leaves `extra` as it was."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from dialer.db import downgrade, migrate


def test_0005_moves_contact_consent_into_events(db_url: str) -> None:
    migrate(db_url, "0004")
    engine = create_engine(db_url)
    now = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    contacts = [
        (1, "+79100000001", 2, {"consent_source": "web form", "consent_date": "2026-10-01", "city": "Tver"}),
        (
            2,
            "+79100000002",
            3,
            {
                "consent_source": "call",
                "consent_date": "2026-10-01T10:00+03:00",
                "consent_expires": "2027-10-01",
                "consent_revoked": "2026-10-20",
            },
        ),
        (3, "+79100000003", 4, {"city": "Omsk"}),  # no consent
        (4, "+79100000004", 5, {"consent_source": "x", "consent_date": "01.10.2026"}),  # unreadable: not copied
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO campaign (id, name, status, dialing_mode, amd_enabled, record_calls, ring_timeout_s,"
                " connect_limit_s, wrapup_s, max_lines, abandon_message, definition, pacing_overrides,"
                " created_at, updated_at) VALUES (1, 'c', 'stopped', 'progressive', true, true, 20, 2, 10, 30,"
                " 'sound:sorry', '{}', '{}', :t, :t)"
            ),
            {"t": now},
        )
        conn.execute(
            text(
                "INSERT INTO contact_list (id, campaign_id, name, source_file, imported_at, report)"
                " VALUES (1, 1, 'l', 'clinics.csv', :t, '{}')"
            ),
            {"t": now},
        )
        for cid, phone, row, extra in contacts:
            conn.execute(
                text(
                    "INSERT INTO contact (id, list_id, campaign_id, row_number, phone, alt_phones, timezone_candidates,"
                    " extra, status, priority, attempt_count, is_callback, created_at)"
                    " VALUES (:id, 1, 1, :row, :phone, '[]', '[]', :extra, 'new', 0, 0, false, :t)"
                ),
                {"id": cid, "row": row, "phone": phone, "extra": json.dumps(extra), "t": now},
            )
    migrate(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT contact_id, phone, action, purpose, source, channel, reference, given_at, expires_at"
                " FROM consent ORDER BY contact_id, given_at"
            )
        ).all()
        extra = conn.execute(text("SELECT extra FROM contact WHERE id = 1")).scalar_one()
    got = [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]
    assert got == [
        (1, "+79100000001", "given", "advertising", "web form", "migration", "clinics.csv row 2"),
        (2, "+79100000002", "given", "advertising", "call", "migration", "clinics.csv row 3"),
        (2, "+79100000002", "withdrawn", "advertising", "call", "migration", "clinics.csv row 3"),
    ]

    def utc(value: object) -> datetime:
        assert isinstance(value, datetime | str)
        v = datetime.fromisoformat(value) if isinstance(value, str) else value
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)

    assert utc(rows[1][7]) == datetime(2026, 10, 1, 7, 0, tzinfo=UTC) and utc(rows[1][8]) == datetime(
        2027, 10, 1, tzinfo=UTC
    )
    assert utc(rows[2][7]) == datetime(2026, 10, 20, tzinfo=UTC)
    assert (json.loads(extra) if isinstance(extra, str) else extra)["consent_source"] == "web form"  # left as it was
    downgrade(db_url, "0004")  # and back: the table goes, the contacts stay
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contact")).scalar_one() == 4
    engine.dispose()
