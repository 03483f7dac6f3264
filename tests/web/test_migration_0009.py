"""Migration 0009 on both backends: user name keys are back-filled, duplicates (by name ignoring case, or
two users on one operator) stop it with their names and nothing changed, and it goes down again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, inspect, text

from dialer.db import downgrade, migrate

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _user(conn: object, user_id: int, name: str) -> None:
    conn.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO app_user (id, username, password_hash, role, active, created_at)"
            " VALUES (:i, :n, 'x', 'qa', true, :t)"
        ),
        {"i": user_id, "n": name, "t": NOW},
    )


def test_0009_backfills_keys_and_goes_down(db_url: str) -> None:
    migrate(db_url, "0008")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        _user(conn, 1, "Анна-QA")
        _user(conn, 2, "admin")
    migrate(db_url, "0009")
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT username, username_key FROM app_user")).all())
    assert keys == {"Анна-QA": "анна-qa", "admin": "admin"}
    assert {"web_session", "login_failure", "webhook_dead_letter"} <= set(inspect(engine).get_table_names())
    downgrade(db_url, "0008")
    assert "web_session" not in inspect(create_engine(db_url)).get_table_names()
    engine.dispose()


def test_0009_stops_on_names_equal_ignoring_case(db_url: str) -> None:
    migrate(db_url, "0008")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        _user(conn, 1, "Admin")
        _user(conn, 2, "admin")
    with pytest.raises(RuntimeError, match=r"Admin.*admin"):
        migrate(db_url, "0009")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM app_user")).scalar() == 2  # nothing deleted
    engine.dispose()
