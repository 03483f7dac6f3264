"""Two `dialer serve` processes on ONE PostgreSQL database and one Asterisk: the campaign is paced by
exactly one of them (its advisory lock); `kill -9` that one mid-call and the other takes the campaign
over, adopts what the dead one left (its conversation goes on to its end, its operator stays logged in),
logs its own operator in and finishes the list, dialling nobody twice.

Operators op9 and op10: the other lab tests use op5..op8 and op11..op19, the demo op1..op4.
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.campaigns import apply_campaign
from dialer.config import PROJECT_ROOT, Settings
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.models import Contact, OperatorSession
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.rules.campaign import parse_campaign
from dialer.simcustomers import SimBehaviour, sim_number
from dialer.telephony.ami import AmiClient
from tests.conftest import scratch_postgres_database
from tests.labkit import campaign_definition, until

pytestmark = [pytest.mark.lab, pytest.mark.timeout(900)]

CAMPAIGN = "two-processes"
CONTACTS = 6
# Generous bounds: the machine is small and often loaded; none of them is a performance claim.
FIRST_CALLS_S = 180.0
TAKEOVER_S = 120.0
FINISH_S = 240.0


@dataclass
class Dialer:
    name: str
    login: str
    app: str
    proc: subprocess.Popen[bytes]
    log: Path

    def paced(self) -> bool:
        """Its own log says its pacing loop placed calls."""
        return f"pacing {CAMPAIGN}: place" in self.log.read_text(errors="replace")


def serve(lab: AsteriskLab, url: str, tmp_path: Path, name: str, login: str) -> Dialer:
    """`dialer serve` as an OS process of its own, with its own Stasis application name."""
    settings = lab.config.settings(database_url=url, recordings_dir=tmp_path / "rec")
    app = f"dialer-two-{name}-{uuid.uuid4().hex[:6]}"  # never an application an earlier run left behind
    env = {
        **os.environ,
        "DIALER_DATABASE_URL": url,
        "DIALER_ARI_URL": settings.ari_url,
        "DIALER_ARI_APP": app,
        "DIALER_ARI_PASSWORD": settings.ari_password.get_secret_value(),  # type: ignore[union-attr]
        "DIALER_AMI_PORT": str(settings.ami_port),
        "DIALER_AMI_PASSWORD": settings.ami_password.get_secret_value(),  # type: ignore[union-attr]
        "DIALER_RECORDING_SPOOL_DIR": str(settings.recording_spool_dir),
        "DIALER_RECORDINGS_DIR": str(tmp_path / "rec"),
    }
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(PROJECT_ROOT / ".venv/bin/dialer"), "serve", "--campaign", CAMPAIGN, "--login", login],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Dialer(name, login, app, proc, log)


def kill(dialer: Dialer) -> None:
    if dialer.proc.poll() is None:
        os.killpg(dialer.proc.pid, signal.SIGKILL)
    dialer.proc.wait(timeout=30)


def stop(dialer: Dialer) -> None:
    """SIGTERM: the process logs its operators out (no channel left behind for the next test)."""
    if dialer.proc.poll() is None:
        dialer.proc.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            dialer.proc.wait(timeout=30)
    kill(dialer)


async def asterisk_channels(settings: Settings) -> list[str]:
    """Asterisk's own channel inventory, over AMI."""
    assert settings.ami_password is not None
    ami = AmiClient(settings.ami_host, settings.ami_port, settings.ami_user, settings.ami_password.get_secret_value())
    await ami.connect()
    try:
        return [c["Uniqueid"] for c in await ami.channels()]
    finally:
        await ami.close()


def open_sessions(repo: Repository) -> list[OperatorSession]:
    with repo.sessions() as s:
        return list(s.scalars(select(OperatorSession).where(OperatorSession.ended_at.is_(None))))


def floor_report(repo: Repository, campaign_id: int, dialers: list[Dialer]) -> str:
    """What a failed wait shows: attempts, open sessions, contacts, and each process's last log lines."""
    lines = [
        f"attempt {a.id} {a.phone} op={a.operator_id} bridged={a.bridged_at} outcome={a.outcome}"
        for a in repo.attempts(campaign_id)
    ]
    lines += [f"open session {x.id} op={x.operator_id} {x.channel_id}" for x in open_sessions(repo)]
    lines.append(f"contacts {dict(contact_statuses(repo))}")
    for d in dialers:
        tail = d.log.read_text(errors="replace").splitlines()[-15:]
        lines += [f"--- {d.name} ({d.login}) exit={d.proc.poll()}", *tail]
    return "\n".join(lines)


async def wait_for(predicate: Callable[[], bool], timeout: float, report: Callable[[], str]) -> None:
    try:
        await until(predicate, timeout)
    except TimeoutError:
        pytest.fail(f"not within {timeout:.0f} s:\n{report()}")


def contact_statuses(repo: Repository) -> Counter[str]:
    with repo.sessions() as s:
        return Counter(s.scalars(select(Contact.status)))


async def test_second_process_takes_the_campaign_over(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    with scratch_postgres_database("dialer_two") as url:
        await _scenario(lab, softphones, tmp_path, url, url)


async def _scenario(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path, url: str, second_url: str) -> None:
    migrate(url)
    engine = make_engine(url)
    repo = Repository(make_session_factory(engine))
    definition = campaign_definition(name=CAMPAIGN, amd=False, recording="none", wrap_up_seconds=1)
    campaign_id = apply_campaign(repo, parse_campaign(definition))
    # people who answer after a second and talk for eight: a call is bridged most of the time
    phones = [sim_number(SimBehaviour.HUMAN, 1, 8, prefix=f"+7935{i}") for i in range(CONTACTS)]
    repo.add_contact_list(campaign_id, "l", [{"phone": p} for p in phones])
    operator_ids = {login: repo.ensure_operator(login, login, f"PJSIP/{login}") for login in ("op9", "op10")}
    softphones.start_many(["op9", "op10"])

    dialers = [serve(lab, url, tmp_path, "a", "op9"), serve(lab, second_url, tmp_path, "b", "op10")]

    def report() -> str:
        return floor_report(repo, campaign_id, dialers)

    try:
        # exactly one process paces: only its operator has a session and gets the calls
        await wait_for(lambda: any(a.bridged_at for a in repo.attempts(campaign_id)), FIRST_CALLS_S, report)
        sessions = open_sessions(repo)
        assert len(sessions) == 1, [(s.operator_id, s.channel_id) for s in sessions]
        leader = next(d for d in dialers if operator_ids[d.login] == sessions[0].operator_id)
        standby = next(d for d in dialers if d is not leader)
        assert {a.operator_id for a in repo.attempts(campaign_id) if a.bridged_at} == {operator_ids[leader.login]}
        assert leader.paced() and not standby.paced()
        assert standby.proc.poll() is None, standby.log.read_text(errors="replace")

        # kill -9 the leader while one of its calls is bridged (its customer is still talking)
        await wait_for(
            lambda: any(a.bridged_at and a.outcome is None for a in repo.attempts(campaign_id)), FIRST_CALLS_S, report
        )
        kill(leader)
        interrupted = {a.id: a for a in repo.attempts(campaign_id) if a.outcome is None}
        assert interrupted
        dead_session = sessions[0]

        # the other process takes over: its operator logs in and its calls are bridged to them
        survivor_op = operator_ids[standby.login]
        await wait_for(
            lambda: any(a.operator_id == survivor_op and a.bridged_at for a in repo.attempts(campaign_id)),
            TAKEOVER_S,
            report,
        )
        assert standby.paced()
        # ...and it finishes the list
        await wait_for(
            lambda: (
                len({a.phone for a in repo.attempts(campaign_id)}) == CONTACTS
                and all(a.outcome for a in repo.attempts(campaign_id))
                and repo.count_dialable(campaign_id, datetime.now(UTC)) == 0
            ),
            FINISH_S,
            report,
        )
        assert standby.proc.poll() is None, standby.log.read_text(errors="replace")
    finally:
        for dialer in dialers:
            stop(dialer)

    attempts = repo.attempts(campaign_id)
    assert all(a.outcome is not None for a in attempts)  # no attempt left without an outcome
    for attempt_id, before in interrupted.items():  # each call the kill interrupted: adopted, one outcome
        (attempt,) = [a for a in attempts if a.id == attempt_id]
        if before.bridged_at is not None:  # the survivor adopted the conversation: it went on to its end
            assert attempt.outcome == "connected", (attempt.outcome, attempt.hangup_cause_txt)
            assert attempt.ended_at is not None and (attempt.ended_at - before.bridged_at).total_seconds() > 6
        else:
            assert attempt.outcome is not None
    dials = Counter(a.phone for a in attempts)
    assert set(dials) == set(phones)
    assert all(n == 1 for n in dials.values()), dials  # nobody dialled twice
    assert contact_statuses(repo)["leased"] == 0  # no contact left leased
    # the dead process's operator was adopted by the survivor and logged out with it at the end
    with repo.sessions() as s:
        ended = s.get(OperatorSession, dead_session.id)
    assert ended is not None and ended.ended_at is not None
    assert dead_session.channel_id not in await asterisk_channels(
        lab.config.settings(database_url=url, recordings_dir=tmp_path / "rec")
    )
    engine.dispose()
