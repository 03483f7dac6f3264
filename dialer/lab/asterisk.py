"""Provision, configure, start and stop the lab's Asterisk.

Debian bookworm has no Asterisk; sid has Asterisk 22. We debootstrap a minimal sid chroot once
(cached under the lab directory), install Asterisk in it, render `asterisk_conf/` into its /etc/asterisk
and run `asterisk -f` under chroot. It shares the host network, so AMI, ARI and SIP listen on loopback.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Callable, Iterator
from pathlib import Path

from dialer.lab.lab_config import (
    CONF_DIR,
    LAB_AMI_SECRET,
    LAB_AMI_USER,
    LAB_ARI_PASSWORD,
    LAB_ARI_USER,
    READY_MARKER,
    LabConfig,
    LabError,
    LabStatus,
    operator_password,
    render_template,
)

LAB_PACKAGES = ("asterisk", "asterisk-modules", "asterisk-core-sounds-en-gsm")
HOST_PACKAGES = ("debootstrap", "sip-tester")
APT_OPTS = ("-o", "Acquire::Check-Valid-Until=false", "-o", "Dpkg::Use-Pty=0")


def _debian_mirror() -> str:
    """The Debian mirror the host's apt already uses (no other host is reachable)."""
    sources = Path("/etc/apt/sources.list.d")
    for f in sorted(sources.glob("*.sources")) if sources.is_dir() else []:
        for line in f.read_text().splitlines():
            if line.startswith("URIs:"):
                for uri in line.split()[1:]:
                    if "security" not in uri:
                        return uri
    lst = Path("/etc/apt/sources.list")
    if lst.exists():
        for line in lst.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "deb" and "security" not in parts[1]:
                return parts[1] if not parts[1].startswith("[") else parts[2]
    return "http://deb.debian.org/debian"


def _run(cmd: list[str], log: Callable[[str], None], **kw: object) -> None:
    log("$ " + " ".join(cmd))
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    if res.returncode != 0:
        tail = (res.stdout + res.stderr)[-3000:]
        raise LabError(f"command failed ({res.returncode}): {' '.join(cmd)}\n{tail}")


def hosts_file_text(hostname: str) -> str:
    """/etc/hosts for the lab's chroot: loopback names and this machine's host name, as a Debian install has."""
    names = " ".join(dict.fromkeys(["localhost", hostname]))
    return f"127.0.0.1\t{names}\n::1\tlocalhost ip6-localhost ip6-loopback\n"


def _port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


class AsteriskLab:
    def __init__(self, config: LabConfig | None = None, log: Callable[[str], None] | None = None) -> None:
        self.config = config or LabConfig()
        self.log = log or (lambda _msg: None)

    # -- paths -------------------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def pid_file(self) -> Path:
        return self.config.lab_dir / f"asterisk-{self.config.ami_port}.pid"

    @property
    def console_log(self) -> Path:
        return self.config.lab_dir / f"asterisk-{self.config.ami_port}.log"

    @property
    def recording_dir(self) -> Path:
        return self.config.recording_dir

    @property
    def fingerprint_file(self) -> Path:
        return self.config.lab_dir / f"asterisk-{self.config.ami_port}.rendered-from"

    def config_fingerprint(self) -> str:
        """What a start renders from: asterisk_conf/ and this lab's settings. A running lab rendered from
        anything else is restarted by `start()`, so a changed dialplan is never tested against a stale one."""
        digest = hashlib.sha256(repr(self.config).encode())
        for src in sorted(CONF_DIR.iterdir()):
            if src.is_file():
                digest.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
        return digest.hexdigest()

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.config.lab_dir.mkdir(parents=True, exist_ok=True)
        with open(self.config.lab_dir / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- provisioning ------------------------------------------------------------------------------
    def is_provisioned(self) -> bool:
        marker = self.root / READY_MARKER
        return marker.exists() and marker.read_text().split() == list(LAB_PACKAGES)

    def provision(self) -> None:
        """Build the sid chroot with Asterisk once; later calls find it cached and return at once."""
        with self._lock():
            if self.is_provisioned():
                return
            if os.geteuid() != 0:
                raise LabError("provisioning the lab needs root (debootstrap, chroot)")
            missing = [p for p in ("debootstrap", "sipp") if shutil.which(p) is None]
            if missing:
                raise LabError(
                    f"missing host tools: {', '.join(missing)}; install: apt-get install {' '.join(HOST_PACKAGES)}"
                )
            if self.root.exists():
                self.log(f"removing incomplete chroot {self.root}")
                self._unmount_proc()
                shutil.rmtree(self.root)
            self.root.parent.mkdir(parents=True, exist_ok=True)
            mirror = _debian_mirror()
            _run(["debootstrap", "--variant=minbase", "sid", str(self.root), mirror], self.log)
            # no daemons may start inside the chroot while packages install
            policy = self.root / "usr/sbin/policy-rc.d"
            policy.write_text("#!/bin/sh\nexit 101\n")
            policy.chmod(0o755)
            shutil.copyfile("/etc/resolv.conf", self.root / "etc/resolv.conf")
            env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
            _run(["chroot", str(self.root), "apt-get", *APT_OPTS, "update", "-q"], self.log, env=env)
            _run(
                [
                    "chroot",
                    str(self.root),
                    "apt-get",
                    *APT_OPTS,
                    "install",
                    "-y",
                    "-q",
                    "--no-install-recommends",
                    *LAB_PACKAGES,
                ],
                self.log,
                env=env,
            )
            _run(["chroot", str(self.root), "apt-get", "clean"], self.log, env=env)
            (self.root / READY_MARKER).write_text(" ".join(LAB_PACKAGES) + "\n")

    # -- configuration -----------------------------------------------------------------------------
    def render_config(self) -> None:
        """Replace the chroot's /etc/asterisk with asterisk_conf/, placeholders filled in."""
        c = self.config
        values = {
            "BIND_ADDR": c.bind_addr,
            "AMI_PORT": str(c.ami_port),
            "ARI_PORT": str(c.ari_port),
            "SIP_PORT": str(c.sip_port),
            "AMI_USER": LAB_AMI_USER,
            "AMI_SECRET": LAB_AMI_SECRET,
            "ARI_USER": LAB_ARI_USER,
            "ARI_PASSWORD": LAB_ARI_PASSWORD,
            "ARI_APP": c.ari_app,
            "MAX_CALLS": str(c.max_calls),
            "RTP_START": str(c.rtp_start),
            "RTP_END": str(c.rtp_end),
            "DIRECTORIES_TEMPLATE": "" if c.instance else "(!)",
            "ETC_DIR": c.chroot_dir("/etc/asterisk"),
            "DB_DIR": c.chroot_dir("/var/lib/asterisk"),
            "SPOOL_DIR": c.chroot_dir("/var/spool/asterisk"),
            "RUN_DIR": c.chroot_dir("/var/run/asterisk"),
            "LOG_DIR": c.chroot_dir("/var/log/asterisk"),
        }
        etc = self.root / c.chroot_dir("/etc/asterisk").lstrip("/")
        if etc.exists():
            shutil.rmtree(etc)
        etc.mkdir(parents=True)
        for src in sorted(CONF_DIR.iterdir()):
            if src.suffix == ".conf":
                (etc / src.name).write_text(render_template(src.read_text(), values))
        template = (CONF_DIR / "pjsip_operator.conf.tmpl").read_text()
        operators = "".join(
            render_template(template, {"OPERATOR": name, "OPERATOR_PASSWORD": operator_password(name)})
            for name in c.operator_names
        )
        (etc / "pjsip_operators.conf").write_text(operators)
        trunk = {"BIND_ADDR": c.bind_addr, "PEER_SIP_PORT": str(c.peer_sip_port), "TRUNK_CODEC": c.trunk_codec}
        (etc / "pjsip_lab_trunk.conf").write_text(
            render_template((CONF_DIR / "pjsip_lab_trunk.conf.tmpl").read_text(), trunk)
        )
        for d in ("/var/spool/asterisk", "/var/run/asterisk", "/var/log/asterisk", "/var/lib/asterisk"):
            (self.root / c.chroot_dir(d).lstrip("/")).mkdir(parents=True, exist_ok=True)
        c.recording_dir.mkdir(parents=True, exist_ok=True)
        c.cdr_csv_path.parent.mkdir(parents=True, exist_ok=True)  # cdr_custom does not create it
        c.cel_csv_path.parent.mkdir(parents=True, exist_ok=True)  # nor does cel_custom

    def ensure_hosts_file(self) -> None:
        """The chroot resolves this machine's host name without DNS (debootstrap leaves no /etc/hosts).

        With RTP bound to the any-address, Asterisk looks its own host name up on every SIP call's RTCP
        set-up (res_rtp_asterisk -> ast_find_ourip), then A.ROOT-SERVERS.NET if that fails, on one of the
        four threads of PJSIP's task pool. Through a resolver that drops a query now and then, a lookup
        takes 5 s and stalls every call queued on that thread: at 40 operators over the trunk most answers
        arrived after the dialer's ring timeout (docs/benchmarks.md, "Lost answers over the trunk")."""
        hosts = self.root / "etc" / "hosts"
        wanted = hosts_file_text(socket.gethostname())
        if not hosts.exists() or hosts.read_text() != wanted:
            hosts.write_text(wanted)

    # -- process -----------------------------------------------------------------------------------
    def _pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return pid if b"asterisk" in cmdline else None

    def _alive(self) -> bool:
        """The pid file's process exists and is not a zombie (cmdline is empty during exec)."""
        try:
            pid = int(self.pid_file.read_text().strip())
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (OSError, ValueError):
            return False
        return stat.rsplit(")", 1)[1].split()[0] != "Z"

    def _proc_mounted(self) -> bool:
        target = str((self.root / "proc").resolve())
        return any(line.split()[1] == target for line in Path("/proc/mounts").read_text().splitlines())

    def _unmount_proc(self) -> None:
        if self.root.exists() and self._proc_mounted():
            subprocess.run(["umount", "-l", str(self.root / "proc")], check=False)

    def start(self, timeout: float = 60.0) -> None:
        """Start Asterisk if it is not running, and wait until AMI and ARI answer."""
        with self._lock():
            if not self.is_provisioned():
                raise LabError("the lab is not provisioned: run `dialer lab up`")
            if self._pid() is not None:
                if self._rendered_from() == self.config_fingerprint():
                    self._wait_healthy(timeout)
                    return
                self.log("asterisk_conf/ or the lab's settings changed since it started: restarting it")
                self._stop_unlocked(15.0)
            for port in (self.config.ami_port, self.config.ari_port):
                deadline = time.monotonic() + 5
                while _port_open(self.config.bind_addr, port):
                    if time.monotonic() > deadline:
                        raise LabError(f"port {port} is taken by another process; stop it or pick other ports")
                    time.sleep(0.2)
            self.render_config()
            self.fingerprint_file.write_text(self.config_fingerprint() + "\n")
            self.ensure_hosts_file()
            if not self._proc_mounted():
                _run(["mount", "-t", "proc", "proc", str(self.root / "proc")], self.log)
            log = open(self.console_log, "ab")  # noqa: SIM115 - handed to the child process
            command = ["chroot", str(self.root), "asterisk", "-f", "-C", self.config.asterisk_conf]
            if self.config.host_name:  # `exec` keeps one pid: the pid file still names Asterisk
                rename = 'hostname "$0" && exec "$@"'
                command = ["unshare", "--uts", "sh", "-c", rename, self.config.host_name, *command]
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            self.pid_file.write_text(f"{proc.pid}\n")
            self.log(f"asterisk started, pid {proc.pid}")
            self._wait_healthy(timeout)

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._alive():
                raise LabError(f"asterisk exited during start-up; see {self.console_log}")
            if self.ami_ok() and self.ari_ok() and self.cli("core waitfullybooted", check=False) is not None:
                return
            time.sleep(0.3)
        raise LabError(f"asterisk did not become healthy in {timeout:.0f} s; see {self.console_log}")

    def stop(self, timeout: float = 15.0) -> None:
        with self._lock():
            self._stop_unlocked(timeout)

    def _rendered_from(self) -> str | None:
        try:
            return self.fingerprint_file.read_text().strip()
        except OSError:
            return None

    def _stop_unlocked(self, timeout: float) -> None:
        pid = self._pid()
        if pid is not None:
            self.cli("core stop now", check=False)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and _running(pid):
                time.sleep(0.2)
            if _running(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                while _running(pid):
                    time.sleep(0.1)
        with contextlib.suppress(FileNotFoundError):
            self.pid_file.unlink()
        if not self._other_instances_running():
            self._unmount_proc()

    def _other_instances_running(self) -> bool:
        """Another lab Asterisk runs in this chroot (it still needs /proc)."""
        for pid_file in self.config.lab_dir.glob("asterisk-*.pid"):
            if pid_file == self.pid_file:
                continue
            try:
                pid = int(pid_file.read_text().strip())
            except (OSError, ValueError):
                continue
            if _running(pid):
                return True
        return False

    def kill(self) -> None:
        """kill -9, as a crash would (fault tests)."""
        pid = self._pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)

    # -- health ------------------------------------------------------------------------------------
    def cli(self, command: str, check: bool = True) -> str | None:
        res = subprocess.run(
            ["chroot", str(self.root), "asterisk", "-C", self.config.asterisk_conf, "-rx", command],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if res.returncode != 0 or "Unable to connect" in res.stdout:
            if check:
                raise LabError(f"asterisk -rx {command!r} failed: {res.stdout}{res.stderr}")
            return None
        return res.stdout

    def ami_ok(self) -> bool:
        """AMI greets with its banner on connect."""
        try:
            with socket.create_connection((self.config.bind_addr, self.config.ami_port), timeout=1) as s:
                s.settimeout(1)
                return s.recv(64).startswith(b"Asterisk Call Manager")
        except OSError:
            return False

    def ari_ok(self) -> bool:
        url = f"http://{self.config.bind_addr}:{self.config.ari_port}/ari/asterisk/info"
        token = b64encode(f"{LAB_ARI_USER}:{LAB_ARI_PASSWORD}".encode()).decode()
        req = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
        try:
            with urllib.request.urlopen(req, timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def status(self) -> LabStatus:
        pid = self._pid()
        version = None
        if pid is not None:
            out = self.cli("core show version", check=False)
            version = out.strip() if out else None
        return LabStatus(
            provisioned=self.is_provisioned(),
            running=pid is not None,
            pid=pid,
            ami_ok=pid is not None and self.ami_ok(),
            ari_ok=pid is not None and self.ari_ok(),
            version=version,
        )

    def up(self) -> None:
        self.provision()
        self.start()


def _running(pid: int) -> bool:
    """The process exists and has not exited. When this process started it (a test that starts a second
    instance), an exited Asterisk stays a zombie until reaped: reap it here, or waiting for it never ends."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
