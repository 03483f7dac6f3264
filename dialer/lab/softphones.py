"""Simulated operators' softphones: real SIP user agents (SIPp) that register and auto-answer.

Each softphone is two SIPp processes: a one-shot REGISTER client (digest auth) whose Contact points
at a long-running answering instance, which takes the dialer's nailed-up call and streams a tone as
the operator's voice (so recordings carry a known operator signal).
"""

from __future__ import annotations

import contextlib
import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from dialer.lab.lab_config import LabConfig, LabError, operator_password

SCENARIOS = Path(__file__).resolve().parent / "sipp"
OPERATOR_TONE_HZ = 1000  # the simulated operator's "voice"; customers play 440 Hz


def _mulaw(sample: int) -> int:
    """G.711 mu-law encoding of one 16-bit linear sample."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    sample = min(abs(sample), clip) + bias
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not sample & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def write_tone(path: Path, hz: float, seconds: float = 1.0, amplitude: float = 0.3) -> Path:
    """A raw 8 kHz mu-law tone, the format SIPp's rtp_stream plays."""
    n = int(8000 * seconds)
    data = bytes(_mulaw(int(amplitude * 32767 * math.sin(2 * math.pi * hz * i / 8000))) for i in range(n))
    path.write_bytes(data)
    return path


@dataclass
class Softphone:
    endpoint: str
    uas_port: int
    rtp_port: int
    process: subprocess.Popen[bytes] | None = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class SoftphoneBank:
    """Starts and stops SIPp softphones for lab operators op1..opN."""

    lab: LabConfig
    base_port: int = 15060
    rtp_base: int = 40000  # another bank beside this one (a private lab instance) takes other ports
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="dialer-softphones-")))
    phones: dict[str, Softphone] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if shutil.which("sipp") is None:
            raise LabError("sipp is not installed (Debian package sip-tester)")
        self.voice = write_tone(self.workdir / "operator-voice.ulaw", OPERATOR_TONE_HZ)
        self.answer_scenario = write_answer_scenario(self.workdir, self.voice)

    def start(self, endpoint: str, register_expires: int = 3600) -> Softphone:
        if endpoint in self.phones and self.phones[endpoint].running():
            return self.phones[endpoint]
        index = self.lab.operator_names.index(endpoint)
        uas_port = self.base_port + index
        phone = Softphone(endpoint, uas_port, rtp_port=self.rtp_base + index * 4)
        log = open(self.workdir / f"{endpoint}.log", "ab")  # noqa: SIM115 - handed to the child
        phone.process = subprocess.Popen(
            answer_command(
                self.lab,
                self.answer_scenario,
                uas_port,
                phone.rtp_port,
                max_calls=100,
                error_file=self.workdir / f"{endpoint}-errors.log",
            ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            cwd=self.workdir,
        )
        log.close()
        self.phones[endpoint] = phone
        self.register(endpoint, expires=register_expires)
        return phone

    def register(self, endpoint: str, expires: int = 3600) -> None:
        phone = self.phones[endpoint]
        res = subprocess.run(
            register_command(self.lab, endpoint, phone.uas_port, expires),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            cwd=self.workdir,
            timeout=30,
        )
        if res.returncode != 0:
            raise LabError(f"softphone {endpoint} failed to register (sipp exit {res.returncode})")

    def start_many(self, endpoints: list[str]) -> list[Softphone]:
        return [self.start(e) for e in endpoints]

    def stop(self, endpoint: str) -> None:
        phone = self.phones.get(endpoint)
        if phone is None or phone.process is None:
            return
        with contextlib.suppress(LabError, subprocess.TimeoutExpired):
            self.register(endpoint, expires=0)  # unregister, as a softphone does on exit
        del self.phones[endpoint]
        phone.process.terminate()
        try:
            phone.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            phone.process.kill()
            phone.process.wait()

    def stop_all(self) -> None:
        for endpoint in list(self.phones):
            self.stop(endpoint)


def write_answer_scenario(workdir: Path, voice: Path) -> Path:
    """The answering scenario, streaming `voice` into every call it takes."""
    scenario = workdir / "answer.xml"
    scenario.write_text((SCENARIOS / "answer.xml").read_text().replace("@@VOICE@@", str(voice)))
    return scenario


def answer_command(
    lab: LabConfig, scenario: Path, uas_port: int, rtp_port: int, *, max_calls: int, error_file: Path
) -> list[str]:
    """SIPp answering the calls sent to `uas_port` with `scenario`, at most `max_calls` at once."""
    return [
        "sipp",
        f"{lab.bind_addr}:{lab.sip_port}",
        "-sf",
        str(scenario),
        "-i",
        lab.bind_addr,
        "-p",
        str(uas_port),
        "-mi",
        lab.bind_addr,
        "-mp",
        str(rtp_port),
        "-nostdin",
        "-m",
        "1000000",
        "-l",
        str(max_calls),
        "-trace_err",
        "-error_file",
        str(error_file),
    ]


def register_command(lab: LabConfig, endpoint: str, uas_port: int, expires: int) -> list[str]:
    """SIPp registering `endpoint` (its calls to `uas_port`) for `expires` s; 0 unregisters."""
    return [
        "sipp",
        f"{lab.bind_addr}:{lab.sip_port}",
        "-sf",
        str(SCENARIOS / "register.xml"),
        "-i",
        lab.bind_addr,
        "-p",
        "0",
        "-s",
        endpoint,
        "-au",
        endpoint,
        "-ap",
        operator_password(endpoint),
        "-set",
        "uas_port",
        str(uas_port),
        "-set",
        "expires",
        str(expires),
        "-m",
        "1",
        "-nostdin",
        "-timeout",
        "10",
        "-timeout_error",
    ]
