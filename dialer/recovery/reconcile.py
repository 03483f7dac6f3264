"""Give each attempt an earlier dialer process left open its outcome from Asterisk's own records. Pure.

Only for calls that are over: a channel still live on Asterisk is adopted (dialer.recovery.adoption),
not reconciled, since its CDR is written when it ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from dialer.outcomes import CAUSE_OUTCOMES, AttemptOutcome
from dialer.pacing.learned import DialOutcome
from dialer.pacing.warm_start import observed_dial
from dialer.recovery.cdr import CdrRecord
from dialer.timestamps import as_utc

# CDR dispositions of a call nobody answered. NO ANSWER also covers an invalid or rejected number: the
# channel's hangup cause (from the event log, dialer.recovery.call_events) tells them apart where it is
# known; without it, retrying such a number once more is the harmless side.
UNANSWERED = {
    "BUSY": AttemptOutcome.BUSY,
    "NO ANSWER": AttemptOutcome.NO_ANSWER,
    "CONGESTION": AttemptOutcome.CONGESTION,
    "FAILED": AttemptOutcome.FAILED,
}
MACHINE_AMD = ("MACHINE",)

TAG_SLACK = timedelta(seconds=5)  # clocks of the dialer and Asterisk may differ a little


@dataclass(frozen=True)
class OpenAttempt:
    """An attempt without an outcome, as the database has it."""

    attempt_id: int
    channel_id: str
    answered_at: datetime | None = None
    bridged_at: datetime | None = None
    amd_status: str | None = None
    operator_session_id: int | None = None
    campaign_id: int = 0
    contact_id: int = 0  # with phone: what the service needs to rebuild its LiveCall
    phone: str = ""
    # when it was placed: a record naming the attempt by its tag only (not by its channel id) counts only
    # if it began after this; attempt ids repeat across databases that share an Asterisk (a test lab, a
    # database rebuilt), channel ids never do
    originated_at: datetime | None = None


@dataclass(frozen=True)
class Resolution:
    """The one final outcome an open attempt gets, and what of it Asterisk recorded."""

    attempt_id: int
    outcome: AttemptOutcome
    ended_at: datetime | None  # None: nothing recorded, the caller uses "now"
    reason: str  # stored as the attempt's hangup_cause_txt (at most 100 characters)
    answered_at: datetime | None = None
    bridged_at: datetime | None = None
    originated_at: datetime | None = None  # the attempt's, for the pacing learner's ring time
    amd_status: str | None = None  # the AMD verdict the records have (the event file's DIALER_AMD)
    hangup_cause: int | None = None  # the customer channel's, from the event file

    @property
    def talk_s(self) -> float | None:
        """The conversation's real length, when it had one."""
        if self.outcome is not AttemptOutcome.CONNECTED or self.bridged_at is None or self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.bridged_at).total_seconds())


def _resolve(attempt: OpenAttempt, records: Sequence[CdrRecord], peers: Sequence[CdrRecord] = ()) -> Resolution:
    """`peers`: records of other channels (the operator's) that name this attempt's channel as their other
    party: the conversation's record when the customer's channel was not party A."""
    if not records:
        return Resolution(
            attempt.attempt_id,
            AttemptOutcome.SYSTEM_FAILURE,
            None,
            "no record in Asterisk's CDR: ended while the dialer was away",
            attempt.answered_at,
            attempt.bridged_at,
        )
    ordered = sorted(records, key=lambda r: (r.start, r.sequence))
    ended = max(r.end for r in [*ordered, *peers])
    answers = [r.answer for r in ordered if r.answer is not None]
    answered = attempt.answered_at or (min(answers) if answers else None)
    if any(r.disposition == "ANSWERED" for r in ordered) or answers:
        talks = [r for r in ordered if r.dstchannel]  # the conversation's record names the operator's channel
        bridged = attempt.bridged_at or (talks[0].start if talks else None)
        if bridged is None and peers:  # the customer's own record ends where the conversation begins
            bridged = max(r.end for r in ordered)
        if bridged is not None:
            return Resolution(
                attempt.attempt_id,
                AttemptOutcome.CONNECTED,
                ended,
                f"CDR: talked {max(0.0, (ended - bridged).total_seconds()):.0f} s",
                answered,
                bridged,
            )
        amd = attempt.amd_status or next((r.amd_status for r in reversed(ordered) if r.amd_status), None)
        if amd in MACHINE_AMD:
            return Resolution(attempt.attempt_id, AttemptOutcome.MACHINE, ended, "CDR: answered by a machine", answered)
        # a person (or AMD still undecided) answered and no operator was connected: an abandon, the safe
        # side of the abandon cap, as the live service counts it
        return Resolution(attempt.attempt_id, AttemptOutcome.ABANDONED, ended, "CDR: answered, never bridged", answered)
    last = ordered[-1]
    # a cause that names the outcome (busy, rejected, unallocated…) wins; a plain one (16, normal clearing:
    # the dialer's own ring timeout) leaves it to the disposition
    by_cause = CAUSE_OUTCOMES.get(last.hangup_cause) if last.hangup_cause is not None else None
    outcome = by_cause or UNANSWERED.get(last.disposition)
    if outcome is None:
        return Resolution(
            attempt.attempt_id,
            AttemptOutcome.SYSTEM_FAILURE,
            ended,
            f"CDR disposition {last.disposition!r} not understood"[:100],
        )
    cause = f", cause {last.hangup_cause}" if last.hangup_cause is not None else ""
    return Resolution(attempt.attempt_id, outcome, ended, f"CDR: {last.disposition}{cause}")


def reconcile(open_attempts: Iterable[OpenAttempt], cdr_records: Iterable[CdrRecord]) -> list[Resolution]:
    """One resolution per open attempt: a busy stays busy, a no-answer stays no-answer, a conversation
    gets its real end (and so its real length), what Asterisk has no record of is a system failure.

    A record belongs to an attempt when its uniqueid is the attempt's channel id (the customer's channel,
    party A) or its dialer_attempt column names the attempt. Where the customer was not party A (an
    originate without `attempt_variables`, whose CDR_PROP(party_a) makes it so), the conversation's record
    is the operator's, naming the customer's channel as its other party: that one counts too. Other records
    (a Local channel's dialplan half `<id>-2`, operators' own) are ignored."""
    records = list(cdr_records)
    by_channel: dict[str, list[CdrRecord]] = {}
    by_attempt: dict[int, list[CdrRecord]] = {}
    for record in records:
        by_channel.setdefault(record.uniqueid, []).append(record)
        if record.attempt_id is not None:
            by_attempt.setdefault(record.attempt_id, []).append(record)
    by_peer: dict[str, list[CdrRecord]] = {}
    for record in records:
        if record.dstchannel:
            by_peer.setdefault(record.dstchannel, []).append(record)
    resolutions = []
    for attempt in open_attempts:
        mine = {id(r): r for r in by_channel.get(attempt.channel_id, [])}
        for r in by_attempt.get(attempt.attempt_id, []):
            if r.uniqueid == attempt.channel_id or not r.uniqueid:
                mine[id(r)] = r
            elif r.uniqueid.startswith(attempt.channel_id):
                continue  # the dialplan half of a Local channel inherits the variable
            elif attempt.originated_at is None or r.start >= as_utc(attempt.originated_at) - TAG_SLACK:
                mine[id(r)] = r  # another channel id names this attempt: trust the tag
        own = list(mine.values())
        # channel names repeat after an Asterisk restart: a peer record counts only while our channel lived
        first = min((r.start for r in own), default=None)
        last = max((r.end for r in own), default=None)
        peers = [
            p
            for name in {r.channel for r in own if r.channel}
            for p in by_peer.get(name, [])
            if p.uniqueid != attempt.channel_id
            and first is not None
            and last is not None
            and p.start <= last
            and p.end >= first
        ]
        ordered = sorted(own, key=lambda r: (r.start, r.sequence))
        resolutions.append(
            replace(
                _resolve(attempt, own, peers),
                originated_at=attempt.originated_at,
                amd_status=next((r.amd_status for r in reversed(ordered) if r.amd_status), None),
                hangup_cause=next((r.hangup_cause for r in reversed(ordered) if r.hangup_cause is not None), None),
            )
        )
    return resolutions


def dial_observation(r: Resolution) -> tuple[DialOutcome, float, datetime, float | None] | None:
    """What the pacing learner would have seen of a call that ended while no dialer listened, as the live
    path feeds it: how the dial resolved, its ring time (placed to answer, or to the end when nobody
    answered), when it resolved, and its conversation's length. None when Asterisk kept no record."""
    if r.originated_at is None or r.ended_at is None:
        return None
    seen = observed_dial(r.outcome, r.originated_at, r.answered_at, r.ended_at)
    if seen is None:
        return None
    outcome, ring_s, resolved = seen
    return outcome, ring_s, resolved, r.talk_s
