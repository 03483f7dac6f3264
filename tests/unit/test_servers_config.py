"""Several Asterisk servers in the settings: the single-server settings stay the default server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import SecretStr

from dialer.config import Settings
from dialer.lab import LabConfig


def settings_of(**values: Any) -> Settings:
    """Settings from these values and the environment only (no .env file of the checkout)."""
    return Settings(**{"_env_file": None, **values})


def test_one_server_by_default() -> None:
    settings = settings_of(ari_password=SecretStr("a"), ami_password=SecretStr("b"))
    (server,) = settings.servers()
    assert (server.name, server.ari_url, server.ami_port, server.max_lines) == (
        "default",
        "http://127.0.0.1:8088",
        5038,
        None,
    )
    assert server.ari_password.get_secret_value() == "a"


def test_more_servers_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = [
        {
            "name": "b",
            "ari_url": "http://10.0.0.2:8088",
            "ari_password": "x",
            "ami_host": "10.0.0.2",
            "ami_password": "y",
            "max_lines": 60,
        }
    ]
    monkeypatch.setenv("DIALER_ASTERISK_SERVERS", json.dumps(extra))
    monkeypatch.setenv("DIALER_ASTERISK_NAME", "a")
    monkeypatch.setenv("DIALER_ASTERISK_MAX_LINES", "30")
    settings = settings_of(ari_password=SecretStr("a"), ami_password=SecretStr("b"))
    a, b = settings.servers()
    assert (a.name, a.max_lines) == ("a", 30)
    assert (b.name, b.ami_host, b.ami_port, b.max_lines) == ("b", "10.0.0.2", 5038, 60)
    assert b.ari_password.get_secret_value() == "x"


def test_server_names_are_unique_and_secrets_required() -> None:
    lab = LabConfig()
    twice = settings_of(
        ari_password=SecretStr("a"), ami_password=SecretStr("b"), asterisk_servers=[lab.server("default")]
    )
    with pytest.raises(ValueError, match="unique"):
        twice.servers()
    with pytest.raises(ValueError, match="DIALER_ARI_PASSWORD"):
        settings_of(ami_password=SecretStr("b")).servers()


def test_lab_second_instance_has_its_own_ports_and_directories() -> None:
    a = LabConfig()
    b = a.second("b")
    assert {b.ami_port, b.ari_port, b.sip_port}.isdisjoint({a.ami_port, a.ari_port, a.sip_port})
    assert b.rtp_start > a.rtp_end and b.rtp_end < 40000  # softphones' RTP starts at 40000
    assert b.asterisk_conf == "/etc/asterisk-b/asterisk.conf" and a.asterisk_conf == "/etc/asterisk/asterisk.conf"
    assert b.recording_dir != a.recording_dir
    assert b.server("b").ari_url == f"http://127.0.0.1:{b.ari_port}"
    assert b.settings().recording_spool_dir == b.recording_dir


def test_local_channel_formats_default_to_ulaw_and_refuse_anything_but_codec_names() -> None:
    assert Settings().local_channel_formats == "ulaw"
    assert Settings(local_channel_formats="alaw,ulaw").local_channel_formats == "alaw,ulaw"
    assert Settings(local_channel_formats="").local_channel_formats == ""
    with pytest.raises(ValueError, match="DIALER_LOCAL_CHANNEL_FORMATS='ulaw; alaw'"):
        Settings(local_channel_formats="ulaw; alaw")


def test_a_private_lab_instance_shares_no_port_or_directory_with_the_shared_two() -> None:
    """bench/crash_soak.py kills and restarts it for an hour while other tests use the shared lab."""
    a = LabConfig()
    b, p = a.second("b"), a.private()
    shared_ports = {c.ami_port for c in (a, b)} | {c.ari_port for c in (a, b)} | {c.sip_port for c in (a, b)}
    assert {p.ami_port, p.ari_port, p.sip_port}.isdisjoint(shared_ports)
    assert (p.ami_port, p.ari_port, p.sip_port) == (5238, 8288, 5260)
    assert p.rtp_start > b.rtp_end and p.rtp_start > 40480  # past the shared softphones' RTP (op1..op120)
    assert len({a.cdr_csv_path, b.cdr_csv_path, p.cdr_csv_path}) == 3
    assert len({a.recording_dir, b.recording_dir, p.recording_dir}) == 3
