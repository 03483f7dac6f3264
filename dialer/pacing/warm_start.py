"""Warm start of the pacing learner from a campaign's recent history. Pure: the caller passes a snapshot of
what the database holds.

A restarted dialer process (a crash, a deploy, a take-over) would otherwise start with an empty learner and
dial progressively until it has seen `min_dials_to_predict` dials: minutes of idle operators on a large
floor, after every restart. The database already holds the campaign's dials, conversations and wrap-ups;
they are fed to a fresh learner in the order they happened, exactly as the live path would have fed them
(`observed_dial`), on the caller's monotonic clock, so the learner's forgetting and its short-window checks
see them at their real age.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from dialer.outcomes import AttemptOutcome
from dialer.pacing.learned import DIAL_OUTCOMES, DialOutcome
from dialer.pacing.learner import PacingLearner
from dialer.timestamps import as_utc

WARM_START_WINDOW = timedelta(hours=24)  # how far back a new run of a campaign looks
WARM_START_DIALS = 2000  # ...and at most this many of its newest dials


@dataclass(frozen=True)
class PastDial:
    """One finished outbound attempt, as the database has it."""

    outcome: str  # AttemptOutcome value
    originated_at: datetime
    ended_at: datetime
    answered_at: datetime | None = None
    bridged_at: datetime | None = None


@dataclass(frozen=True)
class CampaignHistory:
    """A campaign's recent finished work: its dials, and its operators' wrap-ups (when each ended, how long
    it lasted)."""

    dials: tuple[PastDial, ...] = ()
    wrap_ups: tuple[tuple[datetime, float], ...] = ()

    def recent(
        self, now: datetime, *, window: timedelta = WARM_START_WINDOW, limit: int = WARM_START_DIALS
    ) -> CampaignHistory:
        """What a new run at `now` is given: the dials ended within `window` (the newest `limit`, oldest first)
        and the wrap-ups ended within it. The database query (`Repository.pacing_history`) cuts the same way."""
        since = as_utc(now) - window
        dials = sorted((d for d in self.dials if as_utc(d.ended_at) >= since), key=lambda d: as_utc(d.ended_at))
        return replace(
            self,
            dials=tuple(dials[-limit:] if limit > 0 else ()),
            wrap_ups=tuple(w for w in self.wrap_ups if as_utc(w[0]) >= since),
        )


@dataclass(frozen=True)
class WarmStart:
    """What the learner was given."""

    dials: int = 0
    talks: int = 0
    wrap_ups: int = 0


def observed_dial(
    outcome: AttemptOutcome, originated_at: datetime, answered_at: datetime | None, ended_at: datetime
) -> tuple[DialOutcome, float, datetime] | None:
    """How a placed call resolved for the learner, as the live path sees it: a person or a machine at the
    answer (ring time up to it), anything else at its end. None for a system failure: the dialer's fault,
    not the campaign's."""
    if outcome is AttemptOutcome.SYSTEM_FAILURE:
        return None
    if outcome.answered_by_person:
        dial, resolved = DialOutcome.HUMAN, answered_at or ended_at
    elif outcome is AttemptOutcome.MACHINE:
        dial, resolved = DialOutcome.MACHINE, answered_at or ended_at
    else:
        dial, resolved = DIAL_OUTCOMES.get(outcome, DialOutcome.FAILED), ended_at
    ring_s = max(0.0, (as_utc(resolved) - as_utc(originated_at)).total_seconds())
    return dial, ring_s, as_utc(resolved)


def warm_start(learner: PacingLearner, history: CampaignHistory, *, now: datetime, monotonic_now: float) -> WarmStart:
    """Feed `learner` (a fresh one) the campaign's history, oldest first. `now` is the wall clock the
    history's times are on and `monotonic_now` the same instant on the caller's monotonic clock."""

    def at(instant: datetime) -> float:
        return monotonic_now - max(0.0, (as_utc(now) - as_utc(instant)).total_seconds())

    events: list[tuple[datetime, int, float, DialOutcome | None]] = []  # (when, kind, seconds, dial outcome)
    for d in history.dials:
        try:
            outcome = AttemptOutcome(d.outcome)
        except ValueError:
            continue
        seen = observed_dial(outcome, d.originated_at, d.answered_at, d.ended_at)
        if seen is None:
            continue
        dial, ring_s, resolved = seen
        events.append((resolved, 0, ring_s, dial))
        if outcome is AttemptOutcome.CONNECTED and d.bridged_at is not None:
            events.append(
                (as_utc(d.ended_at), 1, max(0.0, (as_utc(d.ended_at) - as_utc(d.bridged_at)).total_seconds()), None)
            )
    for ended, seconds in history.wrap_ups:
        events.append((as_utc(ended), 2, max(0.0, seconds), None))
    counts = [0, 0, 0]
    for instant, kind, seconds, how in sorted(events, key=lambda e: (e[0], e[1])):
        counts[kind] += 1
        if how is not None:
            learner.observe_dial(how, seconds, instant.hour, resolved_at=at(instant))
        elif kind == 1:
            learner.observe_talk(seconds, ended_at=at(instant))
        else:
            learner.observe_wrap_up(seconds)
    return WarmStart(*counts)
