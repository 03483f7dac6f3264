"""What a restarted dialer's pacing learner starts from: the campaign's finished outbound dials and its
operators' wrap-ups, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dialer.campaigns import apply_campaign
from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome
from dialer.rules.campaign import parse_campaign
from tests.labkit import campaign_definition

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def test_pacing_history_is_the_finished_outbound_dials_and_the_wrap_ups(repo: Repository) -> None:
    cid = apply_campaign(repo, parse_campaign(campaign_definition(name="warm")))
    other = apply_campaign(repo, parse_campaign(campaign_definition(name="other")))
    repo.add_contact_list(cid, "l", [{"phone": f"+7910000005{i}", "timezone": "Europe/Moscow"} for i in range(5)])
    repo.add_contact_list(other, "l", [{"phone": "+79100000060", "timezone": "Europe/Moscow"}])
    talk, busy, old, _open, inbound = repo.lease_contacts(cid, 5, "node", T0)
    (elsewhere,) = repo.lease_contacts(other, 1, "node", T0)
    repo.update_attempt(talk.attempt_id, answered_at=T0 + timedelta(seconds=5), bridged_at=T0 + timedelta(seconds=6))
    repo.finish_attempt(talk.attempt_id, AttemptOutcome.CONNECTED, T0 + timedelta(seconds=66))
    repo.finish_attempt(busy.attempt_id, AttemptOutcome.BUSY, T0 + timedelta(seconds=4))
    repo.finish_attempt(old.attempt_id, AttemptOutcome.NO_ANSWER, T0 - timedelta(hours=30))  # before `since`
    repo.update_attempt(inbound.attempt_id, direction="inbound")
    repo.finish_attempt(inbound.attempt_id, AttemptOutcome.CONNECTED, T0 + timedelta(seconds=50))
    repo.finish_attempt(elsewhere.attempt_id, AttemptOutcome.BUSY, T0 + timedelta(seconds=3))
    op = repo.ensure_operator("op1", "op1", "PJSIP/op1")
    session = repo.start_operator_session(op, cid, "agent-1")
    repo.operator_state(session, "on_call", T0 + timedelta(seconds=6))
    repo.operator_state(session, "wrap_up", T0 + timedelta(seconds=66))
    repo.operator_state(session, "ready", T0 + timedelta(seconds=81))
    repo.operator_state(session, "wrap_up", T0 + timedelta(seconds=200))  # still wrapping up: no length yet

    assert repo.pacing_history(other, T0 - timedelta(hours=24)).wrap_ups == ()  # no operator ever: nothing
    history = repo.pacing_history(cid, T0 - timedelta(hours=24))

    assert [(d.outcome, _utc(d.ended_at)) for d in history.dials] == [
        ("busy", T0 + timedelta(seconds=4)),
        ("connected", T0 + timedelta(seconds=66)),
    ]  # oldest first; not the open one, the inbound one, the one too old, nor another campaign's
    connected = history.dials[1]
    assert connected.bridged_at is not None and _utc(connected.bridged_at) == T0 + timedelta(seconds=6)
    assert [(_utc(at), s) for at, s in history.wrap_ups] == [(T0 + timedelta(seconds=81), 15.0)]
    assert len(repo.pacing_history(cid, T0 - timedelta(hours=24), limit=1).dials) == 1
