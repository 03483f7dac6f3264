"""`dialer doctor` against the real lab: everything the dialer needs passes; a wrong ARI password, an AMI
port nobody listens on, an operator endpoint Asterisk does not have and a number the trunk cannot reach
each fail with the fix that names the right file."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from base64 import b64encode
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialer.campaigns import apply_campaign
from dialer.cli import app
from dialer.db import migrate, repository_for
from dialer.lab import AsteriskLab
from dialer.lab.lab_config import LAB_AMI_SECRET, LAB_ARI_PASSWORD, LAB_ARI_USER
from dialer.lab.softphones import SoftphoneBank
from dialer.rules.campaign import parse_campaign
from tests.labkit import campaign_definition

pytestmark = pytest.mark.lab

OPERATOR = "op18"
# sim-customers reads the last six digits K RR TTT: 1 00 002 a person answers at once, 5 01 000 unallocated
ANSWERS = "79990100002"
UNALLOCATED = "79990501000"


def _endpoint_state(lab: AsteriskLab, name: str) -> str:
    req = urllib.request.Request(f"http://127.0.0.1:{lab.config.ari_port}/ari/endpoints/PJSIP/{name}")
    req.add_header("Authorization", "Basic " + b64encode(f"{LAB_ARI_USER}:{LAB_ARI_PASSWORD}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return str(json.load(resp)["state"])
    except urllib.error.HTTPError:
        return "missing"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def lab_env(lab: AsteriskLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The lab's settings as environment variables (what a user sets), and a migrated database."""
    url = f"sqlite:///{tmp_path / 'doctor.db'}"
    migrate(url)
    settings = lab.config.settings(database_url=url)
    monkeypatch.chdir(tmp_path)
    for var in ("DIALER_ASTERISK_SERVERS", "DIALER_LANG"):
        monkeypatch.delenv(var, raising=False)
    for name, value in {
        "DATABASE_URL": url,
        "ARI_URL": settings.ari_url,
        "ARI_USER": settings.ari_user,
        "ARI_PASSWORD": LAB_ARI_PASSWORD,
        "AMI_HOST": settings.ami_host,
        "AMI_PORT": str(settings.ami_port),
        "AMI_USER": settings.ami_user,
        "AMI_PASSWORD": LAB_AMI_SECRET,
        "TRUNK": settings.trunk,
        "RECORDING_SPOOL_DIR": str(settings.recording_spool_dir),
        "CDR_CSV_PATH": str(settings.cdr_csv_path),
    }.items():
        monkeypatch.setenv(f"DIALER_{name}", value)
    return url


def test_the_lab_passes(
    lab_env: str, softphones: SoftphoneBank, lab: AsteriskLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repository_for(lab_env)
    repo.ensure_operator(OPERATOR, OPERATOR, f"PJSIP/{OPERATOR}")
    # the test call takes the named campaign's dial string, not DIALER_TRUNK
    apply_campaign(repo, parse_campaign(campaign_definition(name="doctor")))
    monkeypatch.setenv("DIALER_TRUNK", "PJSIP/{number}@no-such-trunk")
    softphones.start(OPERATOR)
    deadline = time.monotonic() + 10
    while _endpoint_state(lab, OPERATOR) != "online" and time.monotonic() < deadline:
        time.sleep(0.2)

    result = CliRunner().invoke(app, ["doctor", "--lang", "en", "--test-number", ANSWERS, "--campaign", "doctor"])
    out = result.output
    assert result.exit_code == 0, out
    assert "FAIL" not in out
    assert "WARN" not in out  # the lab loads cdr_custom and writes the call records the dialer reads
    for expected in (
        "PASS  database:",
        "PASS  [default] ARI: http://127.0.0.1:8088 answers, user dialer accepted; Asterisk 22",
        "PASS  [default] ARI write access: dialer may control calls",
        "PASS  [default] AMI: 127.0.0.1:5038 answers, user dialer logged in",
        "PASS  [default] AMI permissions: dialer may send CoreShowChannels",
        "PASS  [default] dialplan for customers' calls: context [dialer-outbound] sends calls to Stasis(dialer)",
        "PASS  [default] dialplan for answering-machine detection: context [dialer-amd] sends calls to Stasis(dialer)",
        "PASS  [default] modules: ARI:",
        "PASS  [default] modules: answering-machine detection: loaded: app_amd",
        "PASS  [default] modules: recording: loaded: res_stasis_snoop, res_stasis_recording, format_wav",
        "PASS  [default] modules: codecs (ulaw/alaw translation): loaded: codec_ulaw, codec_alaw",
        f"PASS  [default] operator endpoint: {OPERATOR}: PJSIP/{OPERATOR} exists and is registered",
        f"PASS  [default] trunk test call: Local/{ANSWERS}@sim-customers answered",
        "PASS  [default] recording spool:",
    ):
        assert expected in out, out
    assert out.rstrip().splitlines()[-1].startswith("ready:")


def test_wrong_password_closed_port_missing_endpoint_and_unreachable_number(
    lab_env: str, lab: AsteriskLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository_for(lab_env).ensure_operator("ghost", "Ghost", "PJSIP/ghost-operator")
    closed = _closed_port()
    broken = {
        "name": "broken",
        "ari_url": f"http://127.0.0.1:{lab.config.ari_port}",
        "ari_password": "not-the-password",
        "ami_port": closed,
        "ami_password": LAB_AMI_SECRET,
    }
    monkeypatch.setenv("DIALER_ASTERISK_SERVERS", json.dumps([broken]))

    result = CliRunner().invoke(app, ["doctor", "--lang", "en", "--test-number", UNALLOCATED])
    out = result.output
    assert result.exit_code == 1, out
    lines = out.splitlines()

    def fix_of(prefix: str) -> str:
        index = next(i for i, line in enumerate(lines) if line.startswith(prefix))
        assert lines[index + 1].startswith("      fix: "), out
        return lines[index + 1]

    assert "refused user dialer (HTTP 401)" in out
    assert "ari.conf (type = user, password) must match DIALER_ARI_USER" in fix_of("FAIL  [broken] ARI:")
    assert f"127.0.0.1:{closed} does not answer" in out
    assert "manager.conf: [general] enabled = yes" in fix_of("FAIL  [broken] AMI:")
    assert "FAIL  [default] operator endpoint: ghost: Asterisk has no endpoint PJSIP/ghost-operator" in out
    assert "pjsip.conf: add endpoint, auth and aor [ghost-operator]" in fix_of("FAIL  [default] operator endpoint")
    assert f"FAIL  [default] trunk test call: Local/{UNALLOCATED}@sim-customers failed (cause 1 " in out
    assert "check the provider endpoint in pjsip.conf" in fix_of("FAIL  [default] trunk test call")
    # the default server itself is fine, and nothing is asked of the broken one's ARI beyond the login
    assert "PASS  [default] ARI:" in out and "PASS  [default] AMI:" in out
    assert "[broken] modules" not in out and "[broken] operator endpoint" not in out
    assert out.rstrip().splitlines()[-1].startswith("NOT ready:")
