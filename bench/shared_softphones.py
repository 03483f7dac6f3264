"""Several simulated operators per SIPp process, for load runs.

`dialer.lab.softphones.SoftphoneBank` runs one answering SIPp per operator. An idle SIPp process polls,
so a hundred of them cost the lab's two cores noticeably even between calls; here each SIPp answering
instance takes the calls of `per_process` operators (their registrations' Contact all point at its
port, and it answers each INVITE as its own call, streaming the operator tone), which the benchmark
compares with one process per operator (`--ua-per-sipp`).
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from dialer.lab.lab_config import LabConfig, LabError
from dialer.lab.softphones import (
    OPERATOR_TONE_HZ,
    answer_command,
    register_command,
    write_answer_scenario,
    write_tone,
)

BASE_PORT = 15400  # above the per-operator banks' 15060 + index for op1..op120
BASE_RTP = 42000


@dataclass
class SharedSoftphoneBank:
    lab: LabConfig
    per_process: int = 10
    # another bank at once (bench/call_cost.py on its private Asterisk) takes other ports
    base_port: int = BASE_PORT
    base_rtp: int = BASE_RTP
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="dialer-shared-softphones-")))
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)  # endpoint -> the answering process's SIP port

    def __post_init__(self) -> None:
        if self.per_process < 1:
            raise ValueError("per_process must be at least 1")
        voice = write_tone(self.workdir / "operator-voice.ulaw", OPERATOR_TONE_HZ)
        self.answer_scenario = write_answer_scenario(self.workdir, voice)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.poll() is None]

    def start_many(self, endpoints: list[str]) -> None:
        for g in range(0, len(endpoints), self.per_process):
            group = endpoints[g : g + self.per_process]
            index = len(self.processes)
            port = self.base_port + index
            log = open(self.workdir / f"uas-{index}.log", "ab")  # noqa: SIM115 - handed to the child
            proc = subprocess.Popen(
                answer_command(
                    self.lab,
                    self.answer_scenario,
                    port,
                    self.base_rtp + 4 * index,
                    max_calls=4 * self.per_process,
                    error_file=self.workdir / f"uas-{index}-errors.log",
                ),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                cwd=self.workdir,
            )
            log.close()
            self.processes.append(proc)
            for endpoint in group:
                self.ports[endpoint] = port
                self.register(endpoint)

    def register(self, endpoint: str, expires: int = 3600) -> None:
        proc = self._register_process(endpoint, expires)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = -1
        if code != 0:
            raise LabError(f"softphone {endpoint} failed to register (sipp exit {code})")

    def _register_process(self, endpoint: str, expires: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            register_command(self.lab, endpoint, self.ports[endpoint], expires),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.workdir,
        )

    def stop_all(self) -> None:
        """Unregister everybody at once (one by one takes minutes on a loaded Asterisk), then stop."""
        unregister = [self._register_process(endpoint, expires=0) for endpoint in self.ports]
        for proc in unregister:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.ports.clear()
        for proc in self.processes:
            proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.processes.clear()
