# ruff: noqa: RUF001
"""Retries per outcome, attempt limits, abandoned quiet period, refusal cooldown, callbacks, ordering."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dialer.rules import (
    AttemptOutcome,
    BlockReason,
    Callback,
    CallbackState,
    CallingWindows,
    Disposition,
    FinalStatus,
    NextStep,
    QueueEntry,
    QueueKind,
    RetryPolicy,
    StepAction,
    TimeRange,
    check_dialable,
    next_step,
    order_for_dialling,
    refusal_blocks,
    route_callback,
)

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 12:00 Moscow
ALWAYS = CallingWindows({d: (TimeRange(dt.time(0), dt.time.max),) for d in range(7)})
DAYTIME = CallingWindows({d: (TimeRange.parse("09:00-20:00"),) for d in range(7)})
POLICY = RetryPolicy()
MIN, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)
SALE = Disposition("sale", "Продажа", positive=True)
NO = Disposition("not_interested", "Отказ", refusal=True)
LATER = Disposition("callback", "Перезвонить", callback=True)
SECRETARY = Disposition("secretary", "Секретарь", final=False)
WRONG = Disposition("wrong_company", "Не та компания")


def step(outcome: AttemptOutcome, previous: list[dt.datetime] | None = None, **kw: Any) -> NextStep:
    return next_step(
        outcome,
        now=NOW,
        previous_attempts=previous or [],
        policy=kw.pop("policy", POLICY),
        windows=kw.pop("windows", ALWAYS),
        timezone=kw.pop("timezone", "Europe/Moscow"),
        **kw,
    )


@pytest.mark.parametrize(
    ("outcome", "delay"),
    [
        (AttemptOutcome.BUSY, 10 * MIN),
        (AttemptOutcome.NO_ANSWER, 2 * HOUR),
        (AttemptOutcome.MACHINE, 4 * HOUR),
        (AttemptOutcome.CONGESTION, 5 * MIN),
        (AttemptOutcome.REJECTED, 2 * HOUR),
        (AttemptOutcome.FAILED, 30 * MIN),
        (AttemptOutcome.SYSTEM_FAILURE, 5 * MIN),
    ],
)
def test_default_retry_delays(outcome: AttemptOutcome, delay: dt.timedelta) -> None:
    s = step(outcome)
    assert s.action is StepAction.RETRY and s.not_before == NOW + delay


def test_retry_delays_are_configurable() -> None:
    policy = RetryPolicy(delays={AttemptOutcome.BUSY: 3 * MIN})
    assert step(AttemptOutcome.BUSY, policy=policy).not_before == NOW + 3 * MIN
    assert step(AttemptOutcome.NO_ANSWER, policy=policy).not_before == NOW + 2 * HOUR
    with pytest.raises(ValueError):
        RetryPolicy(delays={AttemptOutcome.BUSY: -MIN})
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


def test_max_attempts_and_uncounted_outcomes() -> None:
    policy = RetryPolicy(max_attempts=3, max_attempts_per_day=10)
    two = [NOW - 5 * HOUR, NOW - 3 * HOUR]
    s = step(AttemptOutcome.NO_ANSWER, two, policy=policy)
    assert s.action is StepAction.DONE and s.final_status is FinalStatus.MAX_ATTEMPTS
    # our own failures never use up a contact
    for outcome in (AttemptOutcome.SYSTEM_FAILURE, AttemptOutcome.CONGESTION):
        s = step(outcome, two, policy=policy)
        assert s.action is StepAction.RETRY and not s.counted


def test_invalid_number_is_final() -> None:
    s = step(AttemptOutcome.INVALID_NUMBER)
    assert s.action is StepAction.DONE and s.final_status is FinalStatus.INVALID_NUMBER


def test_daily_cap_moves_retry_to_the_callee_next_day() -> None:
    policy = RetryPolicy(max_attempts=10, max_attempts_per_day=2)
    # 09:00 UTC = 19:00 in Vladivostok; an earlier attempt today (local) makes two with this one
    earlier = [NOW - 2 * HOUR]
    s = step(AttemptOutcome.BUSY, earlier, policy=policy, timezone="Asia/Vladivostok")
    assert s.not_before == dt.datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 00:00 local
    s = step(AttemptOutcome.BUSY, [], policy=policy, timezone="Asia/Vladivostok")
    assert s.not_before == NOW + 10 * MIN


def test_abandoned_requeued_with_priority_after_quiet_period() -> None:
    s = step(AttemptOutcome.ABANDONED, base_priority=5)
    assert s.action is StepAction.RETRY and s.not_before == NOW + 72 * HOUR
    assert s.priority == 105 and not s.counted
    policy = RetryPolicy(abandoned_quiet_period=24 * HOUR, abandoned_priority_boost=10)
    s = step(AttemptOutcome.ABANDONED, policy=policy)
    assert s.not_before == NOW + 24 * HOUR and s.priority == 10


def test_dispositions_after_a_conversation() -> None:
    s = step(AttemptOutcome.CONNECTED, disposition=SALE)
    assert s.action is StepAction.DONE and s.final_status is FinalStatus.POSITIVE
    s = step(AttemptOutcome.CONNECTED, disposition=NO)
    assert s.final_status is FinalStatus.REFUSED and s.refused_until == NOW + 182 * DAY
    s = step(AttemptOutcome.CONNECTED, disposition=WRONG)
    assert s.final_status is FinalStatus.COMPLETED
    s = step(AttemptOutcome.CONNECTED, disposition=SECRETARY)
    assert s.action is StepAction.RETRY and s.not_before == NOW + DAY
    s = step(AttemptOutcome.CONNECTED)
    assert s.action is StepAction.DONE


def test_callback_disposition_ignores_attempt_limits() -> None:
    at = NOW + 3 * DAY
    many = [NOW - i * DAY for i in range(1, 10)]
    s = step(AttemptOutcome.CONNECTED, many, disposition=LATER, callback_at=at)
    assert s.action is StepAction.CALLBACK and s.not_before == at
    with pytest.raises(ValueError, match="callback_at"):
        step(AttemptOutcome.CONNECTED, disposition=LATER)


def test_disposition_flags_are_consistent() -> None:
    with pytest.raises(ValueError):
        Disposition("x", positive=True, refusal=True)
    with pytest.raises(ValueError):
        Disposition("x", callback=True, refusal=True)


def test_refusal_cooldown_across_campaigns() -> None:
    refused = NOW - 100 * DAY
    assert refusal_blocks(refused, NOW, POLICY)
    assert not refusal_blocks(refused, NOW + 83 * DAY, POLICY)
    assert not refusal_blocks(None, NOW, POLICY)
    e = check_dialable(
        now=NOW,
        phones=["+74951234567"],
        timezone="Europe/Moscow",
        windows=ALWAYS,
        policy=POLICY,
        last_refusal_at=refused,
    )
    assert not e and e.reason is BlockReason.REFUSAL_COOLDOWN and e.retry_at == refused + 182 * DAY


def test_check_dialable_in_order() -> None:
    base: dict[str, Any] = {
        "now": NOW,
        "phones": ["+74951234567", "+79161234567"],
        "timezone": "Europe/Moscow",
        "policy": POLICY,
    }
    assert check_dialable(windows=DAYTIME, **base)
    e = check_dialable(windows=DAYTIME, do_not_call=[set(), {"+79161234567"}], **base)
    assert e.reason is BlockReason.DO_NOT_CALL and e.retry_at is None
    e = check_dialable(windows=DAYTIME, counted_attempts=[NOW - i * DAY for i in range(1, 7)], **base)
    assert e.reason is BlockReason.MAX_ATTEMPTS
    e = check_dialable(windows=DAYTIME, not_before=NOW + HOUR, **base)
    assert e.reason is BlockReason.NOT_YET_DUE and e.retry_at == NOW + HOUR
    e = check_dialable(windows=DAYTIME, counted_attempts=[NOW - HOUR, NOW - 2 * HOUR, NOW - 3 * HOUR], **base)
    assert e.reason is BlockReason.DAILY_LIMIT and e.retry_at == dt.datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
    night = dict(base, now=dt.datetime(2026, 3, 2, 19, 0, tzinfo=UTC))  # 22:00 Moscow
    e = check_dialable(windows=DAYTIME, **night)
    assert e.reason is BlockReason.OUTSIDE_WINDOW and e.retry_at == dt.datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    e = check_dialable(windows=DAYTIME, **dict(base, timezone=None))
    assert e.reason is BlockReason.NO_WINDOW


def test_callbacks_skip_limits_but_not_windows_or_dnc() -> None:
    base: dict[str, Any] = {
        "now": NOW,
        "phones": ["+74951234567"],
        "timezone": "Europe/Moscow",
        "policy": POLICY,
        "is_callback": True,
        "counted_attempts": [NOW - i * HOUR for i in range(1, 8)],
    }
    assert check_dialable(windows=DAYTIME, **base)
    night = dict(base, now=dt.datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    assert check_dialable(windows=DAYTIME, **night).reason is BlockReason.OUTSIDE_WINDOW
    assert check_dialable(windows=DAYTIME, do_not_call=[{"+74951234567"}], **base).reason is BlockReason.DO_NOT_CALL


def test_callback_routing() -> None:
    grace = 15 * MIN
    cb = Callback(contact_id=1, due_at=NOW, operator_id=7)
    r = route_callback(cb, NOW - MIN, {7}, grace)
    assert r.state is CallbackState.NOT_DUE and not r.due and not r.can_take(7)
    r = route_callback(cb, NOW, {7, 8}, grace)
    assert r.state is CallbackState.RESERVED and r.can_take(7) and not r.can_take(8) and r.open_at == NOW + grace
    r = route_callback(cb, NOW + MIN, {8}, grace)
    assert r.state is CallbackState.WAITING and not r.can_take(8) and r.due
    r = route_callback(cb, NOW + grace, {8}, grace)
    assert r.state is CallbackState.ANYONE and r.can_take(8) and r.operator_id is None
    r = route_callback(cb, NOW + grace, {7, 8}, grace)
    assert r.state is CallbackState.ANYONE and r.operator_id == 7  # owner preferred, not waited for
    shared = Callback(contact_id=2, due_at=NOW, operator_id=7, personal=False)
    assert route_callback(shared, NOW, set(), grace).state is CallbackState.ANYONE


def test_dial_ordering() -> None:
    t = NOW - HOUR
    entries = [
        QueueEntry(1, QueueKind.FRESH, t, priority=0),
        QueueEntry(2, QueueKind.RETRY, t - MIN, priority=0, attempts=2),
        QueueEntry(3, QueueKind.RETRY, t, priority=100, attempts=1),  # abandoned re-queue
        QueueEntry(4, QueueKind.CALLBACK, NOW - MIN),
        QueueEntry(5, QueueKind.CALLBACK, NOW + HOUR),  # not due yet
        QueueEntry(6, QueueKind.CALLBACK, NOW - HOUR),
        QueueEntry(7, QueueKind.RETRY, NOW + MIN),  # not due yet
        QueueEntry(8, QueueKind.FRESH, t, priority=0),
    ]
    assert [e.contact_id for e in order_for_dialling(entries, NOW)] == [6, 4, 3, 2, 1, 8]
    assert [e.contact_id for e in order_for_dialling(entries, NOW, limit=2)] == [6, 4]
