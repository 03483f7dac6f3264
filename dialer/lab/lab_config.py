"""The lab's configuration and plain values: where it lives, its loopback credentials, its servers and
settings as the dialer sees them, its status. dialer.lab.asterisk provisions and runs it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import SecretStr

from dialer.config import PROJECT_ROOT, AsteriskServer, Settings

CONF_DIR = PROJECT_ROOT / "asterisk_conf"
READY_MARKER = ".dialer-lab-ready"

# Loopback-only lab credentials. Production credentials come from the environment (dialer.config).
LAB_AMI_USER = "dialer"
LAB_AMI_SECRET = "lab-ami-secret"
LAB_ARI_USER = "dialer"
LAB_ARI_PASSWORD = "lab-ari-secret"


# The lab's two ways to reach simulated customers: Local channels into this Asterisk's own dialplan, or
# the PJSIP trunk to a second instance that simulates them (the topology of a real carrier).
LOCAL_CUSTOMERS = "Local/{number}@sim-customers"
TRUNK_CUSTOMERS = "PJSIP/{number}@sim-trunk"


class LabError(RuntimeError):
    pass


def default_lab_dir() -> Path:
    return Path(os.environ.get("DIALER_LAB_DIR", "/var/cache/dialer-lab"))


def operator_password(name: str) -> str:
    return f"lab-{name}-pw"


@dataclass(frozen=True)
class LabConfig:
    lab_dir: Path = field(default_factory=default_lab_dir)
    operators: int = 120  # tests use op1..op20, the load benchmark op21..op120 (bench/load_bench.py)
    bind_addr: str = "127.0.0.1"
    ami_port: int = 5038
    ari_port: int = 8088
    sip_port: int = 5060
    ari_app: str = "dialer"
    max_calls: int = 2000
    # A second Asterisk in the same chroot (several-servers tests): its own config, spool, run, log
    # and astdb directories (suffixed "-<instance>"), ports and RTP range. "" is the default instance.
    instance: str = ""
    rtp_start: int = 20000
    rtp_end: int = 30000
    # The customer trunk between two lab instances (pjsip_lab_trunk.conf.tmpl): customers simulated on
    # the peer, reached as PJSIP/{number}@sim-trunk, as a carrier would be. None: the next instance's
    # port (sip_port + 10, which `second()` takes). The codec is the trunk's only one.
    trunk_peer_port: int | None = None
    trunk_codec: str = "ulaw"
    # Run Asterisk under this host name (a UTS namespace of its own) instead of the machine's. Diagnostic:
    # a name the chroot's /etc/hosts lacks brings back the per-call DNS lookups that lost answers over the
    # trunk (bench/load_bench.py --unresolved-host-name; docs/benchmarks.md)
    host_name: str | None = None

    @property
    def root(self) -> Path:
        return self.lab_dir / "sid"

    def chroot_dir(self, base: str) -> str:
        """An Asterisk directory inside the chroot, this instance's own (e.g. /var/spool/asterisk-b)."""
        return f"{base}-{self.instance}" if self.instance else base

    @property
    def asterisk_conf(self) -> str:
        return f"{self.chroot_dir('/etc/asterisk')}/asterisk.conf"

    @property
    def recording_dir(self) -> Path:
        """Where this instance's ARI recordings land, as seen from the host."""
        return self.root / self.chroot_dir("/var/spool/asterisk").lstrip("/") / "recording"

    @property
    def cdr_csv_path(self) -> Path:
        """Where this instance's call records land (asterisk_conf/cdr_custom.conf), as seen from the host."""
        return self.root / self.chroot_dir("/var/log/asterisk").lstrip("/") / "cdr-custom" / "dialer-cdr.csv"

    @property
    def messages_log_path(self) -> Path:
        """This instance's Asterisk log (asterisk_conf/logger.conf), as seen from the host."""
        return self.root / self.chroot_dir("/var/log/asterisk").lstrip("/") / "messages.log"

    @property
    def cel_csv_path(self) -> Path:
        """Where this instance's channel events land (asterisk_conf/cel_custom.conf), as seen from the host."""
        return self.root / self.chroot_dir("/var/log/asterisk").lstrip("/") / "cel-custom" / "dialer-cel.csv"

    @property
    def peer_sip_port(self) -> int:
        """The SIP port of the instance at the other end of the customer trunk."""
        return self.trunk_peer_port if self.trunk_peer_port is not None else self.sip_port + 10

    def second(self, instance: str = "b") -> LabConfig:
        """Another Asterisk instance beside this one: same chroot, operators and app, other ports."""
        return replace(
            self,
            instance=instance,
            ami_port=self.ami_port + 1,
            ari_port=self.ari_port + 1,
            sip_port=self.sip_port + 10,
            rtp_start=self.rtp_end + 2,
            rtp_end=39998,  # SIPp softphones take 40000 and up
            trunk_peer_port=self.sip_port,
        )

    def private_pair(
        self, instance: str, ami_port: int, ari_port: int, sip_port: int, rtp_start: int
    ) -> tuple[LabConfig, LabConfig]:
        """Two instances of this lab's chroot that share nothing with the default ones (benchmarks that run
        long beside other jobs' tests): A on the given ports, B (the customers, over the trunk) on the next
        AMI/ARI ports and SIP port + 10; 2,000 RTP ports each from `rtp_start`."""
        a = replace(
            self,
            instance=instance,
            ami_port=ami_port,
            ari_port=ari_port,
            sip_port=sip_port,
            rtp_start=rtp_start,
            rtp_end=rtp_start + 1998,
            trunk_peer_port=sip_port + 10,
        )
        b = replace(
            a,
            instance=f"{instance}b",
            ami_port=ami_port + 1,
            ari_port=ari_port + 1,
            sip_port=sip_port + 10,
            rtp_start=rtp_start + 2000,
            rtp_end=rtp_start + 3998,
            trunk_peer_port=sip_port,
        )
        return a, b

    def private(self, instance: str = "soak") -> LabConfig:
        """A private Asterisk beside the shared lab's two (default and `second`): its own directories and
        ports (AMI 5238, ARI 8288, SIP 5260, RTP 50000-54998), so a long run (bench/crash_soak.py) can kill
        and restart it without the shared lab's lock and without touching other users' calls."""
        return replace(
            self,
            instance=instance,
            ami_port=self.ami_port + 200,
            ari_port=self.ari_port + 200,
            sip_port=self.sip_port + 200,
            rtp_start=50000,
            rtp_end=54998,
        )

    def server(self, name: str) -> AsteriskServer:
        """This instance as one of several servers in the dialer's settings (DIALER_ASTERISK_SERVERS)."""
        return AsteriskServer(
            name=name,
            ari_url=f"http://{self.bind_addr}:{self.ari_port}",
            ari_user=LAB_ARI_USER,
            ari_password=SecretStr(LAB_ARI_PASSWORD),
            ami_host=self.bind_addr,
            ami_port=self.ami_port,
            ami_user=LAB_AMI_USER,
            ami_password=SecretStr(LAB_AMI_SECRET),
            recording_spool_dir=self.recording_dir,
            cdr_csv_path=self.cdr_csv_path,
        )

    @property
    def operator_names(self) -> list[str]:
        return [f"op{i}" for i in range(1, self.operators + 1)]

    def settings(self, **overrides: object) -> Settings:
        """Dialer settings that point at this lab."""
        values: dict[str, object] = {
            "ari_url": f"http://{self.bind_addr}:{self.ari_port}",
            "ari_user": LAB_ARI_USER,
            "ari_password": LAB_ARI_PASSWORD,
            "ari_app": self.ari_app,
            "ami_host": self.bind_addr,
            "ami_port": self.ami_port,
            "ami_user": LAB_AMI_USER,
            "ami_password": LAB_AMI_SECRET,
            "trunk": LOCAL_CUSTOMERS,
            "recording_spool_dir": self.recording_dir,
            "cdr_csv_path": self.cdr_csv_path,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class LabStatus:
    provisioned: bool
    running: bool
    pid: int | None
    ami_ok: bool
    ari_ok: bool
    version: str | None


def render_template(text: str, values: dict[str, str]) -> str:
    """Fill @@NAME@@ placeholders (Asterisk's own ${...} syntax is left alone)."""
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    if "@@" in text:
        start = text.index("@@")
        raise LabError(f"unfilled placeholder in Asterisk config near: {text[start : start + 40]!r}")
    return text
