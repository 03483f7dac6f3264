"""What happens to a contact after an attempt, and whether it may be dialled right now.

`next_step` is called once per finished attempt; `check_dialable` right before
each dial (the lease), because DNC lists, refusals in other campaigns and the
clock change between the two.

Attempt counting: outcomes that are our fault (congestion, system failure, and
abandoned calls: the callee answered and we had nobody) do not count towards
`max_attempts`/`max_attempts_per_day`, so the dialer's own problems never use up
a contact. Per-day limits use the callee's local calendar day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from dialer.outcomes import AttemptOutcome
from dialer.rules.dispositions import Disposition
from dialer.rules.windows import (
    CallingWindows,
    ContactZones,
    local_date,
    next_local_midnight,
    next_window_start,
)

_O = AttemptOutcome

DEFAULT_DELAYS: Mapping[AttemptOutcome, dt.timedelta] = {
    _O.BUSY: dt.timedelta(minutes=10),
    _O.NO_ANSWER: dt.timedelta(hours=2),
    _O.MACHINE: dt.timedelta(hours=4),
    _O.CONGESTION: dt.timedelta(minutes=5),
    _O.REJECTED: dt.timedelta(hours=2),
    _O.FAILED: dt.timedelta(minutes=30),
    _O.SYSTEM_FAILURE: dt.timedelta(minutes=5),
}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    delays: Mapping[AttemptOutcome, dt.timedelta] = field(default_factory=lambda: dict(DEFAULT_DELAYS))
    max_attempts: int = 6
    max_attempts_per_day: int = 3
    #: After an abandoned call: re-queued with priority, but not before this (72 h is the UK rule).
    abandoned_quiet_period: dt.timedelta = dt.timedelta(hours=72)
    abandoned_priority_boost: int = 100
    #: A refusal blocks the contact in every campaign for this long.
    refusal_cooldown: dt.timedelta = dt.timedelta(days=182)
    #: A personal callback waits this long for its operator, then anyone may take it.
    callback_grace: dt.timedelta = dt.timedelta(minutes=15)
    #: Delay before retrying after a non-final disposition.
    non_final_disposition_delay: dt.timedelta = dt.timedelta(days=1)
    uncounted_outcomes: frozenset[AttemptOutcome] = frozenset({_O.CONGESTION, _O.SYSTEM_FAILURE, _O.ABANDONED})

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.max_attempts_per_day < 1:
            raise ValueError("max_attempts and max_attempts_per_day must be at least 1")
        for outcome, delay in self.delays.items():
            if delay < dt.timedelta(0):
                raise ValueError(f"retry delay for {outcome} is negative")

    def delay_for(self, outcome: AttemptOutcome) -> dt.timedelta:
        return self.delays.get(outcome, DEFAULT_DELAYS.get(outcome, dt.timedelta(hours=1)))

    def counts(self, outcome: AttemptOutcome) -> bool:
        return outcome not in self.uncounted_outcomes


class StepAction(StrEnum):
    RETRY = "retry"  # back in the queue, not before `not_before`
    CALLBACK = "callback"  # a callback at `not_before` (see callbacks.py for routing)
    DONE = "done"  # finished in this campaign; `final_status` says why


class FinalStatus(StrEnum):
    POSITIVE = "positive"
    REFUSED = "refused"
    COMPLETED = "completed"  # a final, neither positive nor refusal, disposition
    INVALID_NUMBER = "invalid_number"
    MAX_ATTEMPTS = "max_attempts"


@dataclass(frozen=True, slots=True)
class NextStep:
    action: StepAction
    reason: str
    not_before: dt.datetime | None = None
    priority: int = 0
    final_status: FinalStatus | None = None
    #: Set after a refusal: no campaign may call the contact before this instant.
    refused_until: dt.datetime | None = None
    counted: bool = True  # did this attempt count towards the limits


def _attempts_on(day: dt.date, attempts: Sequence[dt.datetime], tz: ContactZones, windows: CallingWindows) -> int:
    return sum(1 for a in attempts if local_date(tz, a, windows) == day)


def _respect_daily_cap(
    when: dt.datetime,
    attempts: Sequence[dt.datetime],
    policy: RetryPolicy,
    tz: ContactZones,
    windows: CallingWindows,
) -> dt.datetime:
    """Push `when` to the callee's next local midnight while that day already has the maximum."""
    for _ in range(3):  # days after today have no attempts yet; two hops at most
        if _attempts_on(local_date(tz, when, windows), attempts, tz, windows) < policy.max_attempts_per_day:
            return when
        when = next_local_midnight(tz, when, windows)
    return when


def next_step(
    outcome: AttemptOutcome,
    *,
    now: dt.datetime,
    previous_attempts: Sequence[dt.datetime],
    policy: RetryPolicy,
    windows: CallingWindows,
    timezone: ContactZones = None,
    disposition: Disposition | None = None,
    callback_at: dt.datetime | None = None,
    base_priority: int = 0,
) -> NextStep:
    """Decide what to do after an attempt that ended with `outcome` at `now`.

    `previous_attempts`: start times of the contact's earlier *counted* attempts in
    this campaign (this one excluded). `disposition` is required for a connected
    call that the operator classified; `callback_at` for a callback disposition.
    The returned `not_before` ignores calling windows; `check_dialable` applies them.
    """
    counted = policy.counts(outcome)
    attempts = [*previous_attempts, now] if counted else list(previous_attempts)

    if outcome is _O.INVALID_NUMBER:
        return NextStep(
            StepAction.DONE, "number does not exist", final_status=FinalStatus.INVALID_NUMBER, counted=counted
        )
    if outcome is _O.CONNECTED:
        return _after_conversation(
            now, attempts, policy, windows, timezone, disposition, callback_at, base_priority, counted
        )
    if outcome is _O.ABANDONED:
        return NextStep(
            StepAction.RETRY,
            "abandoned call: re-queued with priority after the quiet period",
            not_before=now + policy.abandoned_quiet_period,
            priority=base_priority + policy.abandoned_priority_boost,
            counted=counted,
        )
    if counted and len(attempts) >= policy.max_attempts:
        return NextStep(
            StepAction.DONE,
            f"{len(attempts)} attempts made (max {policy.max_attempts})",
            final_status=FinalStatus.MAX_ATTEMPTS,
            counted=counted,
        )
    when = _respect_daily_cap(now + policy.delay_for(outcome), attempts, policy, timezone, windows)
    return NextStep(
        StepAction.RETRY,
        f"{outcome.value}: retry after {policy.delay_for(outcome)}",
        not_before=when,
        priority=base_priority,
        counted=counted,
    )


def _after_conversation(
    now: dt.datetime,
    attempts: Sequence[dt.datetime],
    policy: RetryPolicy,
    windows: CallingWindows,
    timezone: ContactZones,
    disposition: Disposition | None,
    callback_at: dt.datetime | None,
    base_priority: int,
    counted: bool,
) -> NextStep:
    if disposition is None:
        return NextStep(
            StepAction.DONE,
            "connected, no disposition recorded",
            final_status=FinalStatus.COMPLETED,
            counted=counted,
        )
    if disposition.callback:
        if callback_at is None:
            raise ValueError(f"disposition {disposition.code!r} is a callback: callback_at is required")
        # a callback was asked for by the callee: attempt limits do not apply to it
        return NextStep(
            StepAction.CALLBACK,
            f"callback requested ({disposition.code})",
            not_before=max(callback_at, now),
            priority=base_priority,
            counted=counted,
        )
    if disposition.refusal:
        return NextStep(
            StepAction.DONE,
            f"refused ({disposition.code})",
            final_status=FinalStatus.REFUSED,
            refused_until=now + policy.refusal_cooldown,
            counted=counted,
        )
    if disposition.positive:
        return NextStep(
            StepAction.DONE,
            f"positive outcome ({disposition.code})",
            final_status=FinalStatus.POSITIVE,
            counted=counted,
        )
    if disposition.final:
        return NextStep(
            StepAction.DONE,
            f"completed ({disposition.code})",
            final_status=FinalStatus.COMPLETED,
            counted=counted,
        )
    if len(attempts) >= policy.max_attempts:
        return NextStep(
            StepAction.DONE,
            f"{len(attempts)} attempts made (max {policy.max_attempts})",
            final_status=FinalStatus.MAX_ATTEMPTS,
            counted=counted,
        )
    when = _respect_daily_cap(now + policy.non_final_disposition_delay, attempts, policy, timezone, windows)
    return NextStep(
        StepAction.RETRY,
        f"{disposition.code}: try again later",
        not_before=when,
        priority=base_priority,
        counted=counted,
    )


def refusal_blocks(last_refusal_at: dt.datetime | None, now: dt.datetime, policy: RetryPolicy) -> bool:
    """Is the contact still in the cross-campaign refusal cooldown?"""
    return last_refusal_at is not None and now < last_refusal_at + policy.refusal_cooldown


class BlockReason(StrEnum):
    DO_NOT_CALL = "do_not_call"
    REFUSAL_COOLDOWN = "refusal_cooldown"
    MAX_ATTEMPTS = "max_attempts"
    NOT_YET_DUE = "not_yet_due"
    DAILY_LIMIT = "daily_limit"
    OUTSIDE_WINDOW = "outside_window"
    NO_WINDOW = "no_window"  # never callable: campaign over, no windows, or zone unknown


@dataclass(frozen=True, slots=True)
class Eligibility:
    ok: bool
    reason: BlockReason | None = None
    #: When to look again (None when ok, or when it will never become dialable).
    retry_at: dt.datetime | None = None

    def __bool__(self) -> bool:
        return self.ok


def check_dialable(
    *,
    now: dt.datetime,
    phones: Sequence[str],
    timezone: ContactZones,
    windows: CallingWindows,
    policy: RetryPolicy,
    counted_attempts: Sequence[dt.datetime] = (),
    not_before: dt.datetime | None = None,
    last_refusal_at: dt.datetime | None = None,
    do_not_call: Sequence[Container[str]] = (),
    is_callback: bool = False,
) -> Eligibility:
    """The last check before a dial: DNC, refusal cooldown, limits, due time, calling window.

    `do_not_call`: the global and the campaign's DNC lists (anything supporting `in`).
    `last_refusal_at`: the latest refusal of this contact in *any* campaign.
    Callbacks skip the attempt limits (the callee asked for the call) but not the
    calling window nor DNC.
    """
    if any(p in dnc for dnc in do_not_call for p in phones):
        return Eligibility(False, BlockReason.DO_NOT_CALL)
    if last_refusal_at is not None and refusal_blocks(last_refusal_at, now, policy):
        return Eligibility(False, BlockReason.REFUSAL_COOLDOWN, last_refusal_at + policy.refusal_cooldown)
    if not is_callback and len(counted_attempts) >= policy.max_attempts:
        return Eligibility(False, BlockReason.MAX_ATTEMPTS)
    if not_before is not None and now < not_before:
        return Eligibility(False, BlockReason.NOT_YET_DUE, not_before)
    if not is_callback:
        today = local_date(timezone, now, windows)
        if _attempts_on(today, counted_attempts, timezone, windows) >= policy.max_attempts_per_day:
            return Eligibility(False, BlockReason.DAILY_LIMIT, next_local_midnight(timezone, now, windows))
    start = next_window_start(timezone, now, windows)
    if start is None:
        return Eligibility(False, BlockReason.NO_WINDOW)
    if start > now:
        return Eligibility(False, BlockReason.OUTSIDE_WINDOW, start)
    return Eligibility(True)
