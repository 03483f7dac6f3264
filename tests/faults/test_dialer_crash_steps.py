"""`kill -9` of `dialer serve` at the three moments test_dialer_crash.py does not cover, then `dialer serve`
again: during a pacing step (calls just originated, not yet ringing), while an answered customer waits for
an operator, and while AMD listens to a customer. After each: every outcome agrees with Asterisk's own
records row by row, no contact is dialled twice, the interrupted contacts are retried by the campaign's rules,
and every conversation runs to its end with its recording stored.

Operators op9..op12 (test_two_processes.py uses op9/op10 too; lab tests run one at a time)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.campaigns import apply_campaign
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.models import Attempt, Operator, OperatorSession
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.rules.campaign import parse_campaign
from dialer.simcustomers import SimBehaviour, decode_sim_number, sim_number
from tests.faults.crashkit import (
    channels,
    contacts_by_phone,
    default_retry_s,
    hangup,
    has_record,
    kill,
    outcomes_from_asterisk,
    overlapping,
    retry_delay_s,
    serve,
    stop,
    wait,
)
from tests.labkit import campaign_definition

pytestmark = pytest.mark.lab

EXPECTED = {
    SimBehaviour.HUMAN: "connected",
    SimBehaviour.SLOW_HUMAN: "connected",
    SimBehaviour.BUSY: "busy",
    SimBehaviour.NO_ANSWER: "no_answer",
    SimBehaviour.REJECTED: "rejected",
    SimBehaviour.MACHINE: "machine",
}


def _setup(
    tmp_path: Path, name: str, numbers: list[str], logins: list[str], **campaign: object
) -> tuple[str, Repository, int]:
    url = f"sqlite:///{tmp_path / f'{name}.db'}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    campaign_id = apply_campaign(repo, parse_campaign(campaign_definition(name=name, **campaign)))
    repo.add_contact_list(campaign_id, "l", [{"phone": n} for n in numbers])
    for login in logins:
        repo.ensure_operator(login, login, f"PJSIP/{login}")
    return url, repo, campaign_id


def _check_against_asterisk(
    lab: AsteriskLab,
    repo: Repository,
    campaign_id: int,
    numbers: list[str],
    allowed: dict[str, set[str]] | None = None,
) -> list[Attempt]:
    """What every test asserts after the restart: one attempt per contact, each closed with the outcome its
    customer really had (or a system failure for a call that never reached Asterisk), that outcome agreeing
    with the CDR and event file row by row, the contact due again as the rules say, conversations whole and
    recorded."""
    attempts = repo.attempts(campaign_id)
    assert sorted(a.phone for a in attempts) == sorted(numbers)  # each contact dialled once
    assert overlapping(attempts, datetime.now(UTC).replace(tzinfo=None)) == 0
    assert all(a.outcome is not None for a in attempts)
    assert outcomes_from_asterisk(lab, attempts) == {a.id: a.outcome for a in attempts}
    recorded = {r.attempt_id: r for r in repo.recordings(campaign_id)}
    contacts = contacts_by_phone(repo, campaign_id)
    for a in attempts:
        behaviour, _, talk_s = decode_sim_number(a.phone)
        expected = {EXPECTED[behaviour]} if has_record(lab, a) else {"system_failure"}
        expected = (allowed or {}).get(a.phone, expected)
        assert a.outcome in expected, (a.phone, a.outcome, a.hangup_cause_txt)
        if a.outcome == "abandoned":  # the abandon rule: waited past the connect limit, or hung up waiting
            assert a.answered_at is not None and a.ended_at is not None
        elif a.outcome == "connected":
            assert a.bridged_at is not None and a.ended_at is not None
            # not cut: the customer hung up when their script ended (talk_s after the answer and greeting),
            # however long of it they spent waiting for an operator
            answered = a.answered_at or a.bridged_at
            assert (a.ended_at - answered).total_seconds() > talk_s, a.phone
            assert a.id in recorded and recorded[a.id].duration_s > talk_s - 3
        if a.outcome not in ("connected", "abandoned"):
            delay = retry_delay_s(contacts[a.phone], a)
            want = default_retry_s(a.outcome)
            assert delay is not None and want - 60 <= delay <= want + 60, (a.phone, a.outcome, delay)
    return attempts


async def test_killed_during_a_pacing_step(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path) -> None:
    """Killed the moment the pacing step has leased its contacts and is originating: the calls it placed
    ring on without it and are followed (or settled from the records), what it never placed is a system
    failure retried in 5 minutes, and nothing is dialled twice. The person rings for 25 s: one who answers
    while no dialer process is connected is hung up by Asterisk (its Stasis application is not active), see
    docs/architecture.md."""
    numbers = [
        sim_number(SimBehaviour.HUMAN, 25, 8, prefix="+79323"),
        sim_number(SimBehaviour.BUSY, 4, 0, prefix="+79323"),
        sim_number(SimBehaviour.REJECTED, 3, 0, prefix="+79323"),
        sim_number(SimBehaviour.NO_ANSWER, 0, 0, prefix="+79323"),
    ]
    logins = ["op9", "op10", "op11", "op12"]
    url, repo, campaign_id = _setup(
        tmp_path,
        "step",
        numbers,
        logins,
        amd=False,
        recording=True,
        ring_timeout_seconds=40,
        dialing={"mode": "progressive"},
    )
    softphones.start_many(logins)
    proc = serve(lab, url, tmp_path, "step", *logins)
    try:
        wait(lambda: len(repo.attempts(campaign_id)) > 0, 60)  # the step has leased: kill now
    finally:
        kill(proc)
    at_kill = repo.attempts(campaign_id)
    # none answered yet (the earliest customer answers after 3 s of ringing); on a quick machine some may
    # already be known to ring: the kill still lands inside the step that placed them
    assert all(a.answered_at is None for a in at_kill)
    await asyncio.sleep(1)
    proc = serve(lab, url, tmp_path, "step", *logins)
    try:
        wait(lambda: len(repo.attempts(campaign_id)) == len(numbers), 60)
        wait(lambda: all(a.outcome is not None for a in repo.attempts(campaign_id)), 60)
        wait(
            lambda: len(repo.recordings(campaign_id)) >= sum(1 for a in repo.attempts(campaign_id) if a.bridged_at), 30
        )
    finally:
        stop(proc)
    _check_against_asterisk(lab, repo, campaign_id, numbers)


async def test_a_customer_who_answers_while_no_dialer_listens_is_held_and_connected(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    """Killed while a customer rings; they answer in the restart gap. Asterisk holds them in dialer-outbound
    (Stasis() tried again every 0.5 s while no dialer listens) until the restarted dialer's application is
    back, and it connects them to the free operator: the conversation runs to its end, its real answer time
    kept. (Originated straight into the application, as before, Asterisk hung up on them at the answer.)"""
    person = sim_number(SimBehaviour.HUMAN, 3, 30, prefix="+79326")
    url, repo, campaign_id = _setup(
        tmp_path,
        "held",
        [person],
        ["op9"],
        amd=False,
        recording=True,
        ring_timeout_seconds=20,
        connect_limit_seconds=30,
        dialing={"mode": "progressive"},
    )
    softphones.start_many(["op9"])
    settings = lab.config.settings(database_url=url)
    hold = {"DIALER_ANSWER_HOLD_S": "60"}  # set on the channel at originate: however slow the restart
    proc = serve(lab, url, tmp_path, "held", "op9", env=hold)
    try:
        wait(lambda: len(repo.attempts(campaign_id)) == 1, 60)
    finally:
        kill(proc)
    killed_at = datetime.now(UTC).replace(tzinfo=None)
    (attempt,) = repo.attempts(campaign_id)
    assert attempt.answered_at is None
    await asyncio.sleep(6)  # the customer answers 3 s after the originate, with no dialer to hear it
    assert attempt.channel_id in await channels(settings)  # held, not hung up
    proc = serve(lab, url, tmp_path, "held", "op9", env=hold)
    try:
        wait(lambda: all(a.outcome is not None for a in repo.attempts(campaign_id)), 90)
        wait(lambda: len(repo.recordings(campaign_id)) == 1, 30)
    finally:
        stop(proc)
    attempts = repo.attempts(campaign_id)
    assert outcomes_from_asterisk(lab, attempts) == {a.id: a.outcome for a in attempts}  # as the CDR says
    (attempt,) = attempts
    assert attempt.outcome == "connected", (attempt.outcome, attempt.hangup_cause_txt)
    assert attempt.answered_at is not None and attempt.bridged_at is not None and attempt.ended_at is not None
    answered = attempt.answered_at.replace(tzinfo=None)
    assert answered < killed_at + timedelta(seconds=6)  # the answer in the gap, as the dialplan kept it
    assert (attempt.bridged_at - attempt.answered_at).total_seconds() > 1  # held until the restart
    assert (attempt.ended_at - attempt.answered_at).total_seconds() > 30  # talked to the end of their script
    # recorded from when the restarted dialer took them (the hold before it is silence nobody captured)
    (recording,) = repo.recordings(campaign_id)
    assert recording.duration_s > (attempt.ended_at - attempt.bridged_at).total_seconds() - 3


async def test_killed_while_an_answered_customer_waits(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    """Two operators, two customers: the first talks; the other operator's softphone goes away while the
    second still rings, so the second answers and waits. Killed then; the restarted dialer adopts both: the
    conversation goes on, and the waiting customer is bridged when the first operator is free, inside the
    connect limit (the abandon rule of the campaign), recorded from the answer."""
    talking = sim_number(SimBehaviour.HUMAN, 1, 20, prefix="+79324")
    waiting = sim_number(SimBehaviour.HUMAN, 8, 90, prefix="+79324")  # stays on the line however slow the restart
    url, repo, campaign_id = _setup(
        tmp_path,
        "waits",
        [talking, waiting],
        ["op9", "op10"],
        amd=False,
        recording=True,
        ring_timeout_seconds=20,
        connect_limit_seconds=30,
        wrap_up_seconds=1,
        dialing={"mode": "progressive"},
    )
    softphones.start_many(["op9", "op10"])
    settings = lab.config.settings(database_url=url)
    proc = serve(lab, url, tmp_path, "waits", "op9", "op10")
    try:
        wait(lambda: any(a.phone == talking and a.bridged_at for a in repo.attempts(campaign_id)), 60)
        busy = next(a.operator_session_id for a in repo.attempts(campaign_id) if a.phone == talking)
        with repo.sessions() as s:
            (idle,) = s.scalars(
                select(OperatorSession).where(OperatorSession.campaign_id == campaign_id, OperatorSession.id != busy)
            )
            login = s.get(Operator, idle.operator_id).login  # type: ignore[union-attr]
        softphones.stop(login)  # their softphone goes away: nobody is free for the second customer
        await hangup(settings, idle.channel_id)

        def second_waits() -> bool:
            second = next((a for a in repo.attempts(campaign_id) if a.phone == waiting), None)
            return bool(second and second.answered_at and not second.bridged_at)

        wait(second_waits, 60)
    finally:
        kill(proc)
    by_phone = {a.phone: a for a in repo.attempts(campaign_id)}
    assert by_phone[talking].outcome is None and by_phone[waiting].bridged_at is None
    assert by_phone[waiting].channel_id in await channels(settings)  # still on the line, waiting
    proc = serve(lab, url, tmp_path, "waits", "op9", "op10")
    try:
        wait(lambda: all(a.outcome is not None for a in repo.attempts(campaign_id)), 150)
        wait(
            lambda: len(repo.recordings(campaign_id)) == sum(1 for a in repo.attempts(campaign_id) if a.bridged_at), 30
        )
    finally:
        stop(proc)
    # bridged when the first operator is free, or past the 30 s connect limit (a restart slower than that on
    # a loaded machine) the abandon message: the campaign's abandon rule either way, never a silent cut
    attempts = _check_against_asterisk(
        lab, repo, campaign_id, [talking, waiting], allowed={waiting: {"connected", "abandoned"}}
    )
    second = next(a for a in attempts if a.phone == waiting)
    first = next(a for a in attempts if a.phone == talking)
    assert second.answered_at is not None and second.ended_at is not None and first.ended_at is not None
    if second.outcome == "connected":
        assert second.bridged_at is not None and second.bridged_at >= first.ended_at  # the freed operator
        assert (second.bridged_at - second.answered_at).total_seconds() < 31  # inside the connect limit
    else:
        assert second.bridged_at is None
        assert (second.ended_at - second.answered_at).total_seconds() >= 29  # waited out the limit
        assert (second.ended_at - second.answered_at).total_seconds() < 80  # the dialer ended it, not the customer


async def test_killed_while_amd_listens(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path) -> None:
    """amd_then_connect: killed while AMD listens to a person slow to speak and to an answering machine.
    AMD's verdict goes back to whichever dialer process is there (dialer-amd waits 30 s for a restarting one;
    a customer answered whose AMD the killed process never started is sent to AMD by the restarted one):
    the person is connected to an operator and talks to the end, the machine is hung up as a machine."""
    person = sim_number(SimBehaviour.SLOW_HUMAN, 1, 90, prefix="+79325")
    machine = sim_number(SimBehaviour.MACHINE, 1, 60, prefix="+79325")
    url, repo, campaign_id = _setup(
        tmp_path,
        "amd",
        [person, machine],
        ["op9", "op10"],
        amd=True,
        connect_strategy="amd_then_connect",
        recording=True,
        ring_timeout_seconds=20,
        connect_limit_seconds=30,
        dialing={"mode": "progressive"},
    )
    softphones.start_many(["op9", "op10"])
    proc = serve(lab, url, tmp_path, "amd", "op9", "op10")
    try:
        # both answered and in AMD (one answering in the gap would be hung up by Asterisk, see the first test)
        wait(lambda: sum(a.answered_at is not None for a in repo.attempts(campaign_id)) == 2, 60)
    finally:
        kill(proc)
    at_kill = {a.phone: a for a in repo.attempts(campaign_id)}
    assert all(a.amd_status is None for a in at_kill.values())  # AMD still listening: no verdict yet
    proc = serve(lab, url, tmp_path, "amd", "op9", "op10")
    try:
        wait(lambda: all(a.outcome is not None for a in repo.attempts(campaign_id)), 150)
        wait(
            lambda: len(repo.recordings(campaign_id)) == sum(1 for a in repo.attempts(campaign_id) if a.bridged_at), 30
        )
    finally:
        stop(proc)
    # the person: connected, or past the connect limit (a restart slower than 30 s) the abandon message
    attempts = {
        a.phone: a
        for a in _check_against_asterisk(
            lab, repo, campaign_id, [person, machine], allowed={person: {"connected", "abandoned"}}
        )
    }
    assert attempts[person].amd_status == "HUMAN" and attempts[machine].amd_status == "MACHINE"
