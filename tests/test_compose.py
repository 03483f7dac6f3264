"""The production compose file is valid and refuses to start without secrets."""

import os
import shutil
import subprocess

import pytest

from dialer.config import PROJECT_ROOT


def _compose() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
    if probe.returncode == 0:
        return ["docker", "compose"]
    pytest.fail("neither docker-compose nor the docker compose plugin is installed (scripts/test.sh installs it)")


def _config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DIALER_", "POSTGRES_"))}
    return subprocess.run(
        [*_compose(), "-f", "docker-compose.yml", "config"],
        cwd=PROJECT_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_compose_config_accepted_with_secrets() -> None:
    res = _config(
        {"POSTGRES_PASSWORD": "pw", "DIALER_AMI_PASSWORD": "a", "DIALER_ARI_PASSWORD": "b", "DIALER_CAMPAIGN": "c"}
    )
    assert res.returncode == 0, res.stderr
    assert "listen_addresses=127.0.0.1" in res.stdout  # PostgreSQL listens on loopback only


def test_compose_refuses_missing_secrets() -> None:
    res = _config({})
    assert res.returncode != 0
    assert "POSTGRES_PASSWORD" in res.stderr
