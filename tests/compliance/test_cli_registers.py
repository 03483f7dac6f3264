"""`dialer registers load|list` and `dialer dnc remove` on a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dialer.cli import app
from dialer.db import repository_for
from dialer.db.compliance_store import dnc_history, register_states
from dialer.db.models import AuditLog


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DIALER_DATABASE_URL", url)
    return url


def test_registers_load_and_list(env: str, tmp_path: Path) -> None:
    run = CliRunner().invoke
    assert run(app, ["db", "upgrade"]).exit_code == 0
    tps = tmp_path / "tps.csv"
    tps.write_text("number;name\n020 7946 0001;x\n+44 20 7946 0002;y\nrubbish;z\n", encoding="utf-8")
    res = run(app, ["registers", "load", "tps", str(tps), "--as-of", "2026-11-20"])
    assert res.exit_code == 0, res.output
    assert "TPS: 2 numbers (data of 2026-11-20), 1 lines not numbers" in res.output and "line 4" in res.output
    repo = repository_for(env)
    [state] = register_states(repo.sessions).values()
    assert (state.name, state.numbers, state.as_of.isoformat()) == ("TPS", 2, "2026-11-20T00:00:00+00:00")
    assert "TPS: 2 numbers, data of 2026-11-20" in run(app, ["registers", "list"]).output
    assert run(app, ["registers", "load", "bad name", str(tps)]).exit_code == 2
    with repo.sessions() as s:
        assert [a.action for a in s.scalars(select(AuditLog))] == ["register.load"]


def test_dnc_remove_keeps_the_row(env: str) -> None:
    run = CliRunner().invoke
    assert run(app, ["db", "upgrade"]).exit_code == 0
    assert run(app, ["dnc", "add", "+79100000001", "--reason", "asked"]).exit_code == 0
    res = run(app, ["dnc", "remove", "8 910 000-00-01", "--reason", "consented again"])
    assert res.exit_code == 0 and "removed" in res.output
    assert "was not on that list" in run(app, ["dnc", "remove", "+79100000001"]).output
    [row] = dnc_history(repository_for(env).sessions, "+79100000001")
    assert (row.reason, row.removed_source, row.removed_reason) == ("asked", "cli", "consented again")
    assert row.removed_at is not None
    assert run(app, ["dnc", "remove", "hello"]).exit_code == 2
