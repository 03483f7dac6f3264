"""The harness of the `kill -9` tests: run `dialer serve` as its own process, kill it, look at what Asterisk
holds, and check what the restarted dialer left against Asterisk's own records."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from dialer.adapters.cdr_file import read_cdr_csv
from dialer.config import PROJECT_ROOT, Settings
from dialer.db.models import Attempt, Contact
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab
from dialer.outcomes import AttemptOutcome
from dialer.recovery.reconcile import OpenAttempt, reconcile
from dialer.rules.retry import DEFAULT_DELAYS
from dialer.telephony.ami import AmiClient


def wait(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.05)


def serve(
    lab: AsteriskLab, url: str, tmp_path: Path, campaign: str, *logins: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`dialer serve` for `campaign` with `logins` at their desks, as its own process group (`env`: more
    settings)."""
    settings = lab.config.settings(database_url=url, recordings_dir=tmp_path / "rec")
    env = {
        **os.environ,
        "DIALER_DATABASE_URL": url,
        "DIALER_ARI_URL": settings.ari_url,
        "DIALER_ARI_PASSWORD": settings.ari_password.get_secret_value(),  # type: ignore[union-attr]
        "DIALER_AMI_PORT": str(settings.ami_port),
        "DIALER_AMI_PASSWORD": settings.ami_password.get_secret_value(),  # type: ignore[union-attr]
        "DIALER_RECORDING_SPOOL_DIR": str(settings.recording_spool_dir),
        "DIALER_CDR_CSV_PATH": str(settings.cdr_csv_path),
        "DIALER_RECORDINGS_DIR": str(tmp_path / "rec"),
        **(env or {}),
    }
    log = (tmp_path / "serve.log").open("ab")  # every run, for a failure's post-mortem
    return subprocess.Popen(
        [str(PROJECT_ROOT / ".venv/bin/dialer"), "serve", "--campaign", campaign]
        + [arg for login in logins for arg in ("--login", login)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    """kill -9, as a crash would."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def stop(proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """SIGTERM (the dialer lets live calls finish), then kill -9 if it does not end in time."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            kill(proc)


async def channels(settings: Settings) -> list[str]:
    """Asterisk's own channel inventory, over AMI."""
    ami = AmiClient(settings.ami_host, settings.ami_port, settings.ami_user, settings.ami_password.get_secret_value())  # type: ignore[union-attr]
    await ami.connect()
    try:
        return [c["Uniqueid"] for c in await ami.channels()]
    finally:
        await ami.close()


async def hangup(settings: Settings, channel_id: str) -> None:
    """Hang a channel up from outside the dialer (a softphone that goes away), over AMI."""
    ami = AmiClient(settings.ami_host, settings.ami_port, settings.ami_user, settings.ami_password.get_secret_value())  # type: ignore[union-attr]
    await ami.connect()
    try:
        names = [c["Channel"] for c in await ami.channels() if c["Uniqueid"] == channel_id]
        for name in names:
            await ami.action({"Action": "Hangup", "Channel": name})
    finally:
        await ami.close()


def outcomes_from_asterisk(lab: AsteriskLab, attempts: list[Attempt]) -> dict[int, str]:
    """Each attempt's outcome as Asterisk's own records (CDR and the event file beside it) tell it."""
    records = read_cdr_csv(lab.config.cdr_csv_path).records
    opened = [
        OpenAttempt(a.id, a.channel_id, a.answered_at, a.bridged_at, a.amd_status, originated_at=a.originated_at)
        for a in attempts
    ]
    return {r.attempt_id: r.outcome.value for r in reconcile(opened, records)}


def has_record(lab: AsteriskLab, attempt: Attempt) -> bool:
    """Asterisk has a call record of this attempt's channel (its originate reached Asterisk)."""
    return bool(read_cdr_csv(lab.config.cdr_csv_path, [attempt.channel_id]).records)


def contacts_by_phone(repo: Repository, campaign_id: int) -> dict[str, Contact]:
    with repo.sessions() as s:
        return {c.phone: c for c in s.scalars(select(Contact).where(Contact.campaign_id == campaign_id))}


def retry_delay_s(contact: Contact, attempt: Attempt) -> float | None:
    """How long after the attempt ended the contact is due again (None: not scheduled)."""
    if contact.next_attempt_at is None or attempt.ended_at is None:
        return None
    return (contact.next_attempt_at - attempt.ended_at).total_seconds()


def default_retry_s(outcome: str) -> float:
    """The campaign's default retry delay for an outcome (docs/lists.md)."""
    return DEFAULT_DELAYS[AttemptOutcome(outcome)].total_seconds()


def overlapping(attempts: list[Attempt], now: datetime) -> int:
    """Pairs of one contact's attempts whose calls overlapped in time: a contact dialled twice at once."""
    by_contact: dict[int, list[Attempt]] = {}
    for a in attempts:
        by_contact.setdefault(a.contact_id, []).append(a)
    pairs = 0
    for group in by_contact.values():
        spans = sorted((a.originated_at, a.ended_at or now) for a in group)
        pairs += sum(1 for (_, e1), (s2, _) in itertools.pairwise(spans) if s2 < e1)
    return pairs
