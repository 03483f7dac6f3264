"""`dialer doctor` end to end without an Asterisk: missing settings, and nothing listening on the ports."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialer.cli import app


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("DIALER_ARI_PASSWORD", "DIALER_AMI_PASSWORD", "DIALER_ASTERISK_SERVERS", "DIALER_LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DIALER_DATABASE_URL", f"sqlite:///{tmp_path / 'doc.db'}")
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    return tmp_path


def test_missing_passwords_fail_with_the_setting_to_give(env: Path) -> None:
    result = CliRunner().invoke(app, ["doctor", "--lang", "en"])
    assert result.exit_code == 1
    assert "FAIL  configuration: missing configuration: DIALER_ARI_PASSWORD, DIALER_AMI_PASSWORD" in result.output
    assert "fix: set the DIALER_* environment variables" in result.output


def test_bad_servers_json_is_a_configuration_failure(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALER_ASTERISK_SERVERS", "[{not json")
    result = CliRunner().invoke(app, ["doctor", "--lang", "ru"])
    assert result.exit_code == 1
    assert "FAIL  настройки:" in result.output and "DIALER_ASTERISK_SERVERS" in result.output


def test_nothing_listening_and_database_not_migrated(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALER_ARI_PASSWORD", "x")
    monkeypatch.setenv("DIALER_AMI_PASSWORD", "y")
    monkeypatch.setenv("DIALER_ARI_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("DIALER_AMI_PORT", str(_closed_port()))
    monkeypatch.setenv("DIALER_RECORDING_SPOOL_DIR", str(env / "spool"))
    result = CliRunner().invoke(app, ["doctor", "--lang", "en"])
    assert result.exit_code == 1
    out = result.output
    assert "FAIL  database:" in out and "this dialer needs" in out and "fix: run `dialer db upgrade`" in out
    assert "FAIL  [default] ARI: http://127.0.0.1:" in out and "http.conf: enabled = yes" in out
    assert "FAIL  [default] AMI: 127.0.0.1:" in out and "manager.conf: [general] enabled = yes" in out
    assert f"FAIL  [default] recording spool: {env / 'spool'} does not exist" in out
    assert "modules:" not in out  # nothing asked of an ARI that does not answer
    assert out.rstrip().endswith("failed")


def test_a_named_campaign_must_exist(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    monkeypatch.setenv("DIALER_ARI_PASSWORD", "x")
    monkeypatch.setenv("DIALER_AMI_PASSWORD", "y")
    monkeypatch.setenv("DIALER_ARI_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("DIALER_AMI_PORT", str(_closed_port()))
    result = CliRunner().invoke(app, ["doctor", "--lang", "en", "--test-number", "1", "--campaign", "spring"])
    assert result.exit_code == 1
    assert "PASS  database:" in result.output
    assert "FAIL  campaign: no campaign 'spring' in the database" in result.output
    assert "fix: `dialer campaigns apply FILE.yaml` first" in result.output


def test_an_unknown_language_is_refused(env: Path) -> None:
    result = CliRunner().invoke(app, ["doctor", "--lang", "de"])
    assert result.exit_code == 2 and "en or ru" in result.output


@pytest.mark.parametrize("how", ["dialer --lang", "DIALER_LANG"])
def test_the_doctor_speaks_the_language_every_command_does(
    env: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "DIALER_LANG":
        monkeypatch.setenv("DIALER_LANG", "ru")
    args = ["--lang", "ru", "doctor"] if how == "dialer --lang" else ["doctor"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "FAIL  настройки:" in result.output and "исправить:" in result.output
    # the doctor's own --lang still wins
    assert "FAIL  configuration:" in CliRunner().invoke(app, [*args, "--lang", "en"]).output
