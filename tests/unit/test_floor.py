from dialer.floor import CallFloor, CallStage, LiveCall, LiveOperator
from dialer.pacing import OperatorState, PacingKnobs


def _op(i: int, state: OperatorState | None, since: float) -> LiveOperator:
    op = LiveOperator(i, f"op{i}", f"PJSIP/op{i}", i, f"agent-{i}", f"bridge-{i}")
    op.state, op.since = state, since
    return op


def test_free_operator_is_the_longest_ready() -> None:
    floor = CallFloor()
    for op in (_op(1, OperatorState.READY, 5.0), _op(2, OperatorState.READY, 1.0), _op(3, OperatorState.ON_CALL, 0.0)):
        floor.operators[op.channel_id] = op
    free = floor.free_operator()
    assert free is not None and free.login == "op2"


def test_no_free_operator_when_none_ready() -> None:
    floor = CallFloor()
    for op in (_op(1, OperatorState.PAUSED, 0), _op(2, OperatorState.WRAP_UP, 0), _op(3, None, 0)):
        floor.operators[op.channel_id] = op
    assert floor.free_operator() is None


def test_waiting_calls_longest_waiting_first() -> None:
    floor = CallFloor()
    for attempt, person_at in ((1, 3.0), (2, 1.0), (3, None)):
        call = LiveCall(attempt, attempt, f"c{attempt}", "+1", 0.0)
        if person_at is not None:
            call.stage, call.person_at = CallStage.WAITING, person_at
        floor.calls[call.channel_id] = call
    assert [c.attempt_id for c in floor.waiting_calls()] == [2, 1]


def test_snapshot_counts_ringing_and_waiting_separately() -> None:
    floor = CallFloor()
    floor.operators["a"] = _op(1, OperatorState.READY, 0.0)
    floor.operators["b"] = _op(2, None, 0.0)  # still logging in: not in the snapshot
    stages = [CallStage.DIALING, CallStage.RINGING, CallStage.ANSWERED, CallStage.WAITING, CallStage.BRIDGED]
    for i, stage in enumerate(stages):
        call = LiveCall(i, i, f"c{i}", "+1", originated=10.0)
        call.stage = stage
        floor.calls[call.channel_id] = call
    snap = floor.snapshot(now=14.0, knobs=PacingKnobs(), contacts_available=7)
    assert len(snap.operators) == 1 and snap.operators[0].seconds_in_state == 14.0
    assert [c.seconds_since_originate for c in snap.calls_in_flight] == [4.0, 4.0]
    assert snap.answered_waiting == 2
    assert snap.contacts_available == 7
