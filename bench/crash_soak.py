"""Soak run for issue 14 (not in CI): a predictive campaign in the Asterisk lab while `dialer serve` is
killed (-9) and restarted at random every few minutes, and optionally Asterisk restarted once.

    nice .venv/bin/python -m bench.crash_soak --minutes 60 --asterisk-restart

By default it runs on a private Asterisk instance in the lab's chroot (LabConfig.private: AMI 5238, ARI 8288,
SIP 5260, softphones on 15260+ and RTP 48000+), so it needs no lab lock and its Asterisk restart touches no
one else's calls; `--shared-lab` runs it on the shared lab instead (then under flock /tmp/dialer-lab-tests.lock).

Publishes the four figures the issue asks for, each with goal 0:
- conversations cut by a dialer restart: calls bridged and still open at a kill whose final outcome is not
  `connected` or whose talk was shorter than the simulated customer's (the lab number encodes it);
- outcomes disagreeing with Asterisk's CDR, for the attempts a kill interrupted (their outcome came from
  adoption or from the CDR) and, for information, for all attempts;
- contacts dialled twice: two attempts of one contact whose calls overlapped in time;
- recordings lost: conversations (bridged, recorded campaign) with no stored recording.
Calls on Asterisk when it restarts are lost with it by design and are counted apart.
Operators op21..op24 (lab tests use op1..op20).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

from dialer.adapters.cdr_file import read_cdr_csv
from dialer.campaigns import apply_campaign
from dialer.config import PROJECT_ROOT
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.models import Attempt
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab
from dialer.lab.lab_config import LabConfig
from dialer.lab.softphones import SoftphoneBank
from dialer.recovery.reconcile import OpenAttempt, reconcile
from dialer.rules.campaign import parse_campaign
from dialer.simcustomers import SimBehaviour, decode_sim_number, sim_number

CAMPAIGN = "crash-soak"
OPERATORS = ["op21", "op22", "op23", "op24"]


@dataclass
class Soak:
    kills: int = 0
    asterisk_restarts: int = 0
    interrupted: dict[int, bool] = field(default_factory=dict)  # attempt id -> bridged at the kill
    lost_with_asterisk: set[int] = field(default_factory=set)


def contacts(count: int, rng: random.Random) -> list[str]:
    """People who answer and talk 20-60 s (most), busy lines, and no answers."""
    numbers = []
    for i in range(count):
        roll = rng.random()
        prefix = f"+7936{i % 10}"
        if roll < 0.6:
            numbers.append(sim_number(SimBehaviour.HUMAN, rng.randint(2, 8), rng.randint(20, 60), prefix=prefix))
        elif roll < 0.8:
            numbers.append(sim_number(SimBehaviour.BUSY, rng.randint(3, 10), 0, prefix=prefix))
        else:
            numbers.append(sim_number(SimBehaviour.NO_ANSWER, 0, 0, prefix=prefix))
    return list(dict.fromkeys(numbers))


def serve(lab: AsteriskLab, url: str, workdir: Path) -> subprocess.Popen[bytes]:
    settings = lab.config.settings(database_url=url, recordings_dir=workdir / "rec")
    assert settings.ari_password is not None and settings.ami_password is not None
    env = {
        **os.environ,
        "DIALER_DATABASE_URL": url,
        "DIALER_ARI_URL": settings.ari_url,
        "DIALER_ARI_PASSWORD": settings.ari_password.get_secret_value(),
        "DIALER_AMI_PORT": str(settings.ami_port),
        "DIALER_AMI_PASSWORD": settings.ami_password.get_secret_value(),
        "DIALER_RECORDING_SPOOL_DIR": str(settings.recording_spool_dir),
        "DIALER_CDR_CSV_PATH": str(settings.cdr_csv_path),
        "DIALER_RECORDINGS_DIR": str(workdir / "rec"),
    }
    args = [str(PROJECT_ROOT / ".venv/bin/dialer"), "serve", "--campaign", CAMPAIGN, "--drain", "120"]
    args += [a for login in OPERATORS for a in ("--login", login)]
    with (workdir / "serve.log").open("ab") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def kill(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run(
    minutes: float,
    kill_every: tuple[float, float],
    asterisk_restart: bool,
    seed: int,
    workdir: Path,
    shared_lab: bool = False,
) -> dict[str, Any]:
    rng = random.Random(seed)
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "soak.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    definition = {
        "name": CAMPAIGN,
        "dial_string": "Local/{number}@sim-customers",
        "dispositions": [{"code": "ok", "label": "OK", "positive": True}],
        "recording": True,
        "amd": False,
        "ring_timeout_seconds": 20,
        "connect_limit_seconds": 2,
        "wrap_up_seconds": 2,
        "dialing": {"mode": "predictive"},
        "calling_windows": {"weekly": {"daily": "00:00-24:00"}, "fallback_timezone": "Europe/Moscow"},
    }
    campaign_id = apply_campaign(repo, parse_campaign(definition))
    numbers = contacts(int(minutes * len(OPERATORS) * 3) + 20, rng)
    repo.add_contact_list(campaign_id, "soak", [{"phone": n} for n in numbers])
    for login in OPERATORS:
        repo.ensure_operator(login, login, f"PJSIP/{login}")
    lab = AsteriskLab(LabConfig() if shared_lab else LabConfig().private())
    lab.up()
    softphones = SoftphoneBank(lab.config) if shared_lab else SoftphoneBank(lab.config, base_port=15260, rtp_base=48000)
    softphones.start_many(OPERATORS)
    soak = Soak()
    started = time.monotonic()
    end = started + minutes * 60
    restart_at = started + minutes * 60 * rng.uniform(0.3, 0.7) if asterisk_restart else None
    proc = serve(lab, url, workdir)
    try:
        while time.monotonic() < end:
            time.sleep(max(0.0, min(rng.uniform(*kill_every) * 60, end - time.monotonic())))
            if time.monotonic() >= end:
                break
            if restart_at is not None and time.monotonic() >= restart_at:
                restart_at = None
                soak.lost_with_asterisk |= {a.id for a in repo.attempts(campaign_id) if a.outcome is None}
                lab.kill()
                time.sleep(3)
                lab.start()
                soak.asterisk_restarts += 1
                continue
            open_now = {a.id: a.bridged_at is not None for a in repo.attempts(campaign_id) if a.outcome is None}
            kill(proc)
            soak.kills += 1
            soak.interrupted.update(open_now)
            time.sleep(rng.uniform(2, 10))
            proc = serve(lab, url, workdir)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=180)
        except subprocess.TimeoutExpired:
            kill(proc)
        softphones.stop_all()
    result = measure(repo, campaign_id, lab, soak, minutes, seed)
    if not shared_lab:
        lab.stop()
    return result


def measure(
    repo: Repository, campaign_id: int, lab: AsteriskLab, soak: Soak, minutes: float, seed: int
) -> dict[str, Any]:
    attempts = repo.attempts(campaign_id)
    by_id = {a.id: a for a in attempts}
    records = read_cdr_csv(lab.config.cdr_csv_path).records
    opened = [
        OpenAttempt(a.id, a.channel_id, a.answered_at, a.bridged_at, a.amd_status, originated_at=a.originated_at)
        for a in attempts
        if a.outcome is not None
    ]
    from_cdr = {r.attempt_id: r.outcome.value for r in reconcile(opened, records)}
    disagree = sorted(aid for aid, outcome in from_cdr.items() if by_id[aid].outcome != outcome)

    def cut(a: Attempt) -> bool:
        if a.outcome != "connected" or a.bridged_at is None or a.ended_at is None:
            return True
        _, _, talk_s = decode_sim_number(a.phone)
        return (a.ended_at - a.bridged_at).total_seconds() < talk_s - 3

    bridged_at_kill = [
        aid for aid, bridged in soak.interrupted.items() if bridged and aid not in soak.lost_with_asterisk
    ]
    cuts = sorted(aid for aid in bridged_at_kill if cut(by_id[aid]))
    by_contact: dict[int, list[Attempt]] = {}
    for a in attempts:
        by_contact.setdefault(a.contact_id, []).append(a)
    now = datetime.now(UTC).replace(tzinfo=None)
    twice = 0
    for group in by_contact.values():
        spans = sorted((a.originated_at, a.ended_at or now) for a in group)
        twice += sum(1 for (_, e1), (s2, _) in itertools.pairwise(spans) if s2 < e1)
    recorded = {r.attempt_id for r in repo.recordings(campaign_id)}
    conversations = [a for a in attempts if a.outcome == "connected" and a.bridged_at is not None]
    lost_recordings = sorted(
        a.id for a in conversations if a.id not in recorded and a.id not in soak.lost_with_asterisk
    )
    return {
        "minutes": minutes,
        "seed": seed,
        "dialer_kills": soak.kills,
        "asterisk_restarts": soak.asterisk_restarts,
        "attempts": len(attempts),
        "conversations": len(conversations),
        "interrupted_by_a_kill": len(soak.interrupted),
        "bridged_at_a_kill": len(bridged_at_kill),
        "conversations_cut_by_a_dialer_restart": len(cuts),
        "interrupted_outcomes_disagreeing_with_cdr": len([a for a in disagree if a in soak.interrupted]),
        "all_outcomes_disagreeing_with_cdr": len(disagree),
        "contacts_dialled_twice_at_once": twice,
        "recordings_lost": len(lost_recordings),
        # stored with one side only (the other leg lost to a kill or an ARI time-out; silent, marked for QA)
        "recordings_one_sided": sum(1 for r in repo.recordings(campaign_id) if r.missing_leg),
        "abandoned": sum(1 for a in attempts if a.outcome == "abandoned"),
        "failed": sum(1 for a in attempts if a.outcome == "failed"),
        "system_failures": sum(1 for a in attempts if a.outcome == "system_failure"),
        "lost_with_asterisk": len(soak.lost_with_asterisk),
        "left_open": sum(1 for a in attempts if a.outcome is None),
        "details": {"cut": cuts, "disagreeing": disagree[:50], "recordings_lost": lost_recordings},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--kill-every", type=float, nargs=2, default=(2.0, 5.0), metavar=("MIN", "MAX"))
    parser.add_argument("--asterisk-restart", action="store_true", help="restart Asterisk once mid-run")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--workdir", type=Path, default=PROJECT_ROOT / "var" / "crash_soak")
    parser.add_argument("--shared-lab", action="store_true", help="run on the shared lab, not a private Asterisk")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    opts = parser.parse_args(argv)
    result = run(opts.minutes, tuple(opts.kill_every), opts.asterisk_restart, opts.seed, opts.workdir, opts.shared_lab)
    if opts.out is not None:
        opts.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
