"""`docker compose up` really runs: the production compose file, built on local Debian base images.

It starts the three services with the host network on ports of their own (so the lab and the host's
PostgreSQL keep theirs), registers a SIPp softphone to the composed Asterisk, and checks that the dialer
migrated the database, connected to ARI and AMI, and dialled the sample campaign to the simulated
customers, bridging answered calls to the operator. Then `down -v`, and the engine is stopped if this
test started it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dialer.config import PROJECT_ROOT
from dialer.lab.lab_config import CONF_DIR, LabConfig, operator_password, render_template
from dialer.lab.softphones import SoftphoneBank
from tests.deploy.dockerkit import BOOKWORM, SID, Engine, ensure_base_image, image_exists, run

# A machine without the images builds them first (base images by debootstrap, the project's images, the
# wheels): far longer than the suite's 300 s per test, once; afterwards they are cached.
pytestmark = [pytest.mark.docker, pytest.mark.timeout(2400)]

PROJECT = "dialersmoke"
PG_PORT, AMI_PORT, ARI_PORT, SIP_PORT, METRICS_PORT = 5442, 5048, 8098, 5080, 9118
SECRETS = {"POSTGRES_PASSWORD": "smoke-pg", "DIALER_AMI_PASSWORD": "smoke-ami", "DIALER_ARI_PASSWORD": "smoke-ari"}
CAMPAIGN = "sample-dentists"
OPERATOR = "op1"


def _compose_cmd() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return ["docker", "compose"]


def _env(site_dir: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DIALER_", "POSTGRES_"))}
    return {
        **clean,
        **SECRETS,
        "COMPOSE_PROJECT_NAME": PROJECT,
        "DIALER_IMAGE_PREFIX": PROJECT,
        "POSTGRES_IMAGE": f"{PROJECT}/postgres:latest",
        "POSTGRES_PORT": str(PG_PORT),
        "ASTERISK_BASE": SID.tag,
        "PYTHON_BASE": BOOKWORM.tag,
        "PIP_INSTALL_OPTS": "--no-index --find-links /opt/dialer/docker/wheels",
        "DIALER_AMI_PORT": str(AMI_PORT),
        "DIALER_ARI_PORT": str(ARI_PORT),
        "SIP_PORT": str(SIP_PORT),
        "SIP_BIND_ADDR": "127.0.0.1",
        "RTP_START": "12000",
        "RTP_END": "12998",
        "DIALER_METRICS_PORT": str(METRICS_PORT),
        "DIALER_CAMPAIGN": CAMPAIGN,
        "DIALER_SERVE_ARGS": f"--login {OPERATOR}",
        "DIALER_TRUNK": "Local/{number}@sim-customers",
        "DIALER_SITE_DIR": str(site_dir),
    }


def _wheels() -> None:
    """Wheels of the project's dependencies for an offline image build (the container has no PyPI CA)."""
    wheels = PROJECT_ROOT / "docker" / "wheels"
    wheels.mkdir(exist_ok=True)
    pip = [sys.executable, "-m", "pip"]
    constraints = PROJECT_ROOT / "constraints.txt"
    extra = ["-c", str(constraints)] if constraints.exists() else []
    run([*pip, "wheel", "-q", "-w", str(wheels), *extra, f"{PROJECT_ROOT}[s3]"], timeout=900)
    run([*pip, "download", "-q", "-d", str(wheels), "setuptools>=68", "wheel"], timeout=300)
    for built in wheels.glob("dialer-*.whl"):  # the image builds the project from its own copy
        built.unlink()


def _site(tmp: Path) -> Path:
    """Operator endpoints for the composed Asterisk: the lab's template, the lab's passwords."""
    template = (CONF_DIR / "pjsip_operator.conf.tmpl").read_text()
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "pjsip_operators.conf").write_text(
        render_template(template, {"OPERATOR": OPERATOR, "OPERATOR_PASSWORD": operator_password(OPERATOR)})
    )
    return tmp


def _wait(what: str, check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception as exc:
            last = exc
        time.sleep(2)
    raise AssertionError(f"timed out waiting for {what} (last error: {last!r})")


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], dict[str, str]]]:
    engine = Engine()
    engine.start()
    site = _site(tmp_path_factory.mktemp("site"))
    env = _env(site)
    cmd = [*_compose_cmd(), "-f", str(PROJECT_ROOT / "docker-compose.yml")]
    try:
        ensure_base_image(SID)
        ensure_base_image(BOOKWORM)
        if not image_exists(f"{PROJECT}/postgres:latest"):
            run(
                [
                    "docker",
                    "build",
                    "--network",
                    "host",
                    "-q",
                    "-t",
                    f"{PROJECT}/postgres:latest",
                    "--build-arg",
                    f"BASE={BOOKWORM.tag}",
                    "-f",
                    "tests/deploy/postgres.Dockerfile",
                    ".",
                ],
                cwd=PROJECT_ROOT,
                timeout=900,
            )
        _wheels()
        run([*cmd, "build", "-q"], cwd=PROJECT_ROOT, env=env, timeout=1200)
        run([*cmd, "up", "-d", "postgres", "asterisk"], cwd=PROJECT_ROOT, env=env, timeout=300)
        yield cmd, env
    finally:
        logs = subprocess.run(
            [*cmd, "logs", "--no-color", "--tail", "80"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
        )
        print(logs.stdout[-8000:])
        subprocess.run(
            [*cmd, "down", "-v", "--remove-orphans"], cwd=PROJECT_ROOT, env=env, capture_output=True, timeout=300
        )
        engine.stop()


def _healthy(cmd: list[str], env: dict[str, str], service: str) -> bool:
    cid = run([*cmd, "ps", "-q", service], cwd=PROJECT_ROOT, env=env).stdout.strip()
    if not cid:
        return False
    state = run(["docker", "inspect", "-f", "{{.State.Health.Status}}", cid]).stdout.strip()
    return state == "healthy"


def test_compose_up_dials_a_campaign(compose: tuple[list[str], dict[str, str]]) -> None:
    cmd, env = compose
    _wait(
        "postgres and asterisk healthy", lambda: _healthy(cmd, env, "postgres") and _healthy(cmd, env, "asterisk"), 180
    )
    db_url = f"postgresql+psycopg://dialer:{SECRETS['POSTGRES_PASSWORD']}@127.0.0.1:{PG_PORT}/dialer"
    # The operator's softphone registers to the composed Asterisk before the dialer logs it in.
    phones = SoftphoneBank(LabConfig(sip_port=SIP_PORT, operators=1), base_port=16060)
    try:
        phones.start(OPERATOR)
        # The dialer's first start migrates; the campaign, list and operator are set up with its own CLI.
        setup = (
            "dialer db upgrade && dialer campaigns apply campaigns/sample.yaml"
            f" && dialer lists import campaigns/sample_contacts.csv --campaign {CAMPAIGN}"
            f" && dialer operators add {OPERATOR} --endpoint PJSIP/{OPERATOR}"
        )
        run([*cmd, "run", "--rm", "--no-deps", "dialer", "sh", "-c", setup], cwd=PROJECT_ROOT, env=env, timeout=300)
        run([*cmd, "up", "-d", "dialer"], cwd=PROJECT_ROOT, env=env, timeout=300)
        _wait("dialer healthy", lambda: _healthy(cmd, env, "dialer"), 180)

        def metrics() -> str:
            with urllib.request.urlopen(f"http://127.0.0.1:{METRICS_PORT}/metrics", timeout=3) as resp:
                return resp.read().decode()

        _wait("ARI connected", lambda: 'dialer_ari_connected{server="default"} 1' in metrics(), 60)
        # AMI, as Asterisk itself sees it: the dialer's manager user is logged in.
        _wait(
            "AMI connected",
            lambda: (
                "dialer"
                in run(
                    [*cmd, "exec", "-T", "asterisk", "asterisk", "-rx", "manager show connected"],
                    cwd=PROJECT_ROOT,
                    env=env,
                ).stdout.split("Username", 1)[-1]
            ),
            60,
        )

        engine = create_engine(db_url)

        def outcomes() -> dict[str, int]:
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT outcome, count(*) FROM attempt WHERE outcome IS NOT NULL GROUP BY outcome")
                ).all()
            return {str(o): int(n) for o, n in rows}

        _wait(
            "three finished attempts, one connected to the operator",
            lambda: sum(outcomes().values()) >= 3 and outcomes().get("connected", 0) >= 1,
            240,
        )
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version, "the dialer did not migrate the database"

        def recordings() -> int:
            with engine.connect() as conn:
                return int(conn.execute(text("SELECT count(*) FROM recording")).scalar_one())

        # Recordings reach the dialer through the shared spool volume and are stored (ffmpeg in the image).
        _wait("a stored recording", lambda: recordings() >= 1, 90)
        engine.dispose()
    finally:
        phones.stop_all()
