"""Shared fixtures: databases (SQLite and the real PostgreSQL) and the real Asterisk lab.

Lab tests use operators op11.. ; the demo job uses op1..op4, so they never share a softphone port.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dialer.bootstrap import repository
from dialer.config import Settings
from dialer.db import migrate
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab, LabConfig
from dialer.lab.softphones import SoftphoneBank

# The test command (scripts/test.sh) makes sure this server runs; a test that needs it fails, never skips.
POSTGRES_URL = os.environ.get(
    "DIALER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def scratch_postgres_database(prefix: str) -> Iterator[str]:
    """A database of its own on the real PostgreSQL server, dropped afterwards."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A throw-away database on the real PostgreSQL server, dropped at the end of the session."""
    with scratch_postgres_database("dialer_test") as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """The session database, emptied before each test (schema dropped and migrated again by the test)."""
    engine = create_engine(postgres_server_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield postgres_server_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'dialer.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Every database test runs on both backends."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def repo(db_url: str) -> Repository:
    migrate(db_url)
    return repository(Settings(database_url=db_url))


@pytest.fixture(scope="session")
def lab() -> Iterator[AsteriskLab]:
    # DIALER_TEST_PRIVATE_LAB=<instance>: a private Asterisk on ports of its own (LabConfig.private), for a
    # helper trying one lab test while the shared lab's lock is held; the suite runs on the shared lab
    private = os.environ.get("DIALER_TEST_PRIVATE_LAB")
    lab = AsteriskLab(LabConfig().private(private) if private else LabConfig())
    was_running = lab.status().running
    lab.up()
    yield lab
    if not was_running:
        lab.stop()


@pytest.fixture
def softphones(lab: AsteriskLab) -> Iterator[SoftphoneBank]:
    private = lab.config.instance and os.environ.get("DIALER_TEST_PRIVATE_LAB")
    bank = SoftphoneBank(lab.config, base_port=15260, rtp_base=48000) if private else SoftphoneBank(lab.config)
    yield bank
    bank.stop_all()


# The test command (scripts/test.sh) runs the tests marked `lab` or `docker` in one pytest, one after another
# (they share one lab, fixed ports and softphones), beside a second pytest for the rest: the lab tests mostly
# wait on real time. A test that takes the lab's fixtures is a lab test whether or not its module says so.
LAB_FIXTURES = ("lab", "softphones")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if any(f in getattr(item, "fixturenames", ()) for f in LAB_FIXTURES) and not item.get_closest_marker("lab"):
            item.add_marker(pytest.mark.lab)
