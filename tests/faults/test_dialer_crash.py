"""The dialer process killed (-9) mid-call: a new process adopts what it left live in Asterisk and gives
every attempt that ended meanwhile the outcome Asterisk recorded, exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.bootstrap import dialer_service
from dialer.campaigns import apply_campaign
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.models import Contact
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.pacing import OperatorState
from dialer.rules.campaign import parse_campaign
from dialer.simcustomers import SimBehaviour, sim_number
from tests.faults.crashkit import channels, outcomes_from_asterisk, serve, wait
from tests.labkit import campaign_definition

pytestmark = pytest.mark.lab


async def test_dialer_killed_mid_call_cuts_no_conversation(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    """`kill -9` of `dialer serve` while one customer talks to an operator (recorded), one rings and one is
    about to end busy; then `dialer serve` again. The conversation goes on to its natural end (outcome
    connected, its real talk time, its recording stored), the ringing call gets its real outcome, the one
    that ended while no dialer listened gets Asterisk's (busy), every outcome agrees with Asterisk's CDR,
    and the busy contacts are retried as the campaign's rules say."""
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    definition = campaign_definition(
        name="crash", amd=False, recording=True, ring_timeout_seconds=45, dialing={"mode": "progressive"}
    )
    apply_campaign(repo, parse_campaign(definition))
    campaign_id = repo.campaign_by_name("crash").id  # type: ignore[union-attr]
    talking = sim_number(SimBehaviour.HUMAN, 1, 30, prefix="+79320")
    ringing = sim_number(SimBehaviour.BUSY, 25, 0, prefix="+79320")  # still ringing after the restart
    in_gap = sim_number(SimBehaviour.BUSY, 7, 0, prefix="+79321")  # ends while no dialer listens
    repo.add_contact_list(campaign_id, "l", [{"phone": n} for n in (talking, ringing, in_gap)])
    logins = ["op17", "op18", "op19"]
    for login in logins:
        repo.ensure_operator(login, login, f"PJSIP/{login}")
    softphones.start_many(logins)

    settings = lab.config.settings(database_url=url, recordings_dir=tmp_path / "rec")
    proc = serve(lab, url, tmp_path, "crash", *logins)
    try:
        wait(lambda: len(repo.attempts(campaign_id)) == 3, 60)
        wait(lambda: any(a.bridged_at for a in repo.attempts(campaign_id)), 30)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    killed_at = time.monotonic()
    by_phone = {a.phone: a for a in repo.attempts(campaign_id)}
    assert all(a.outcome is None for a in by_phone.values())  # the killed process finished none
    talk = by_phone[talking]
    live = await channels(settings)
    assert talk.channel_id in live and by_phone[ringing].channel_id in live

    await asyncio.sleep(max(0.0, 9 - (time.monotonic() - killed_at)))  # the in-gap call ends meanwhile
    proc = serve(lab, url, tmp_path, "crash", *logins)
    try:
        # past the moment the earlier dialer cut conversations (~9 s after its restart): still talking
        await asyncio.sleep(12)
        assert talk.channel_id in await channels(settings)
        assert next(a for a in repo.attempts(campaign_id) if a.id == talk.id).outcome is None
        wait(lambda: all(a.outcome is not None for a in repo.attempts(campaign_id)), 60)
        wait(lambda: len(repo.recordings(campaign_id)) == 1, 30)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    attempts = repo.attempts(campaign_id)
    assert len(attempts) == 3  # nobody dialled twice
    by_phone = {a.phone: a for a in attempts}
    done = by_phone[talking]
    assert done.outcome == "connected" and done.bridged_at is not None and done.ended_at is not None
    assert (done.ended_at - done.bridged_at).total_seconds() > 25  # the whole conversation, not cut
    assert by_phone[ringing].outcome == "busy"
    assert by_phone[in_gap].outcome == "busy"
    assert "CDR" in (by_phone[in_gap].hangup_cause_txt or "")
    (recording,) = repo.recordings(campaign_id)
    assert recording.attempt_id == done.id and recording.duration_s > 25

    # every outcome agrees with Asterisk's own records, row by row
    assert outcomes_from_asterisk(lab, attempts) == {a.id: a.outcome for a in attempts}

    # the busy contacts are retried by the campaign's rules (busy: again in about 10 minutes)
    with repo.sessions() as s:
        contacts = {c.phone: c for c in s.scalars(select(Contact).where(Contact.campaign_id == campaign_id))}
    for phone in (ringing, in_gap):
        contact, attempt = contacts[phone], by_phone[phone]
        assert contact.status != "done" and contact.next_attempt_at is not None
        assert attempt.ended_at is not None
        delay = (contact.next_attempt_at - attempt.ended_at).total_seconds()
        assert 9 * 60 <= delay <= 11 * 60, (phone, contact.status, delay)


async def test_dialer_killed_while_an_operator_wraps_up(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    """`kill -9` while the operator is in wrap-up: after the restart they are still logged in, back in
    wrap-up for that call (the disposition screen), and their disposition is stored."""
    url = f"sqlite:///{tmp_path / 'wrap.db'}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    definition = campaign_definition(name="wrap", amd=False, recording=False, wrap_up_seconds=120)
    campaign_id = apply_campaign(repo, parse_campaign(definition))
    repo.add_contact_list(campaign_id, "l", [{"phone": sim_number(SimBehaviour.HUMAN, 1, 3, prefix="+79322")}])
    repo.ensure_operator("op14", "op14", "PJSIP/op14")
    softphones.start("op14")
    proc = serve(lab, url, tmp_path, "wrap", "op14")
    try:
        wait(lambda: any(a.outcome == "connected" for a in repo.attempts(campaign_id)), 60)
        time.sleep(0.5)  # the wrap-up state is written
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    (attempt,) = repo.attempts(campaign_id)
    assert attempt.disposition_code is None

    service = dialer_service(lab.config.settings(database_url=url, recordings_dir=tmp_path / "rec"), repo)
    await service.start()
    try:
        run = service.runs[campaign_id]
        op = run.floor.operator_by_login("op14")
        assert op is not None and op.state is OperatorState.WRAP_UP and op.attempt_id == attempt.id
        assert op.channel_id in await channels(lab.config.settings(database_url=url))  # never hung up
        await service.dispose(campaign_id, "op14", "ok")
        assert op.state is OperatorState.READY
        await service.logout(campaign_id, "op14")
        await service.wait_idle()
    finally:
        await service.close()
    (attempt,) = repo.attempts(campaign_id)
    assert attempt.disposition_code == "ok"


def test_sigterm_lets_the_live_call_finish(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'drain.db'}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    apply_campaign(repo, parse_campaign(campaign_definition(name="drain", amd=False, recording=False)))
    campaign_id = repo.campaign_by_name("drain").id  # type: ignore[union-attr]
    talking = sim_number(SimBehaviour.HUMAN, 1, 6, prefix="+79321")
    later = sim_number(SimBehaviour.HUMAN, 1, 6, prefix="+79322")
    repo.add_contact_list(campaign_id, "l", [{"phone": talking}, {"phone": later}])
    repo.ensure_operator("op20", "op20", "PJSIP/op20")
    softphones.start("op20")
    proc = serve(lab, url, tmp_path, "drain", "op20")
    try:
        wait(lambda: any(a.bridged_at for a in repo.attempts(campaign_id)), 30)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    (attempt,) = repo.attempts(campaign_id)  # the second contact was never dialled
    assert attempt.phone == talking and attempt.outcome == "connected"  # finished, not cut off
    assert (attempt.ended_at - attempt.bridged_at).total_seconds() > 4
