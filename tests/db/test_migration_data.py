"""Migrations keep the data already stored: upgrade a database that has rows in it."""

from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from dialer.db import migrate


def test_0002_upgrades_a_populated_0001_database(db_url: str) -> None:
    migrate(db_url, "0001")
    engine = create_engine(db_url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO campaign (id, name, status, dialing_mode, amd_enabled, record_calls, ring_timeout_s,"
                " connect_limit_s, wrapup_s, max_lines, abandon_message, definition, created_at, updated_at)"
                " VALUES (1, 'c', 'stopped', 'progressive', true, true, 20, 2, 10, 30, 'sound:sorry', '{}', :t, :t)"
            ),
            {"t": now},
        )
    migrate(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM campaign")).scalar_one() == "c"
    engine.dispose()
