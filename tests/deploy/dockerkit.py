"""A Docker engine and local base images for the compose smoke test, made on a machine without Docker Hub.

The engine is Debian's `dockerd`, started with no default bridge and no iptables changes (every service
uses the host network on loopback). Base images are `docker import`s of debootstrap trees, cached as
tarballs in /var/cache/dialer-docker so a second run only imports (or finds the image already there).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from dialer.lab.asterisk import _debian_mirror

CACHE = Path(os.environ.get("DIALER_DOCKER_CACHE", "/var/cache/dialer-docker"))


@dataclass(frozen=True)
class BaseImage:
    tag: str
    suite: str
    include: tuple[str, ...] = ()


# Debian sid for Asterisk 22; bookworm with Python's venv for the dialer and for the PostgreSQL image.
SID = BaseImage("dialer-base/sid:local", "sid")
BOOKWORM = BaseImage("dialer-base/bookworm:local", "bookworm", ("python3", "python3-venv", "ca-certificates"))


def run(cmd: list[str], timeout: float = 600, **kw: object) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)  # type: ignore[call-overload]
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res  # type: ignore[no-any-return]


def engine_up() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


class Engine:
    """The Docker engine: the running one, or a dockerd started here and stopped by `stop()`."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if shutil.which("dockerd") is None or shutil.which("docker") is None:
            raise RuntimeError("no Docker engine: scripts/test.sh installs Debian's docker.io")
        if engine_up():
            return
        CACHE.mkdir(parents=True, exist_ok=True)
        log = open(CACHE / "dockerd.log", "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            ["dockerd", "--bridge=none", "--iptables=false", "--ip6tables=false"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not engine_up():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dockerd did not start: see {CACHE / 'dockerd.log'}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None


def image_exists(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def ensure_base_image(image: BaseImage) -> None:
    """Import the debootstrap tree of `image` (made once, kept as a tarball) unless the engine has it."""
    if image_exists(image.tag):
        return
    tarball = CACHE / f"{image.suite}.tar"
    if not tarball.exists():
        tree = CACHE / f"{image.suite}-tree"
        shutil.rmtree(tree, ignore_errors=True)
        cmd = ["debootstrap", "--variant=minbase"]
        if image.include:
            cmd.append("--include=" + ",".join(image.include))
        run([*cmd, image.suite, str(tree), _debian_mirror()], timeout=900)
        partial = tarball.with_suffix(".partial")
        with tarfile.open(partial, "w") as tar:
            for entry in sorted(tree.iterdir()):
                if entry.name not in ("proc", "sys", "dev"):
                    tar.add(entry, arcname=entry.name)
        partial.rename(tarball)
        shutil.rmtree(tree, ignore_errors=True)
    with open(tarball, "rb") as fh:
        run(["docker", "import", "-", image.tag], stdin=fh)
