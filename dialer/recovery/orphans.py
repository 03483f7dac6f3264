"""Recording legs an earlier dialer process left in Asterisk's spool: matched to their attempts and stored
like any other recording; what cannot be matched is reported and kept, never deleted.

The live service names each leg `<attempt channel id>-<role>.wav` (role: customer, operator; see
DialerService._start_leg) and stores a call's recording when the call reached an operator, one-sided
when only one leg exists (the other side silent, the recording marked); the same rules hold here. A leg
is only taken once its attempt has its final outcome, so legs still being written (a call adopted by
this process, or one of another live dialer process sharing the spool) are never touched.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from dialer.timestamps import as_utc

ROLES = ("customer", "operator")
LEG_SUFFIX = ".wav"


@dataclass(frozen=True)
class LegOwner:
    """What the database knows of the attempt a leg's name points at."""

    attempt_id: int
    campaign: str
    finished: bool  # has its final outcome
    answered_at: datetime | None
    bridged_at: datetime | None
    has_recording: bool


@dataclass(frozen=True)
class OrphanCall:
    """The legs of one finished, bridged call, ready for process_call_recording (None: that leg is lost)."""

    attempt_id: int
    campaign: str
    operator_leg: str | None
    customer_leg: str | None
    started: datetime
    operator_offset_s: float


@dataclass(frozen=True)
class UnmatchedLeg:
    name: str
    reason: str


@dataclass
class OrphanPlan:
    calls: list[OrphanCall] = field(default_factory=list)
    unmatched: list[UnmatchedLeg] = field(default_factory=list)
    still_live: list[str] = field(default_factory=list)  # legs of calls still running: left to them


def leg_channel(name: str) -> tuple[str, str] | None:
    """(channel id, role) of a leg file name, None when it is not one of the dialer's legs."""
    if not name.endswith(LEG_SUFFIX):
        return None
    stem = name[: -len(LEG_SUFFIX)]
    for role in ROLES:
        if stem.endswith(f"-{role}") and len(stem) > len(role) + 1:
            return stem[: -len(role) - 1], role
    return None


def match_orphan_legs(
    leg_names: Iterable[str], owners: Mapping[str, LegOwner], live_channel_ids: Collection[str] = ()
) -> OrphanPlan:
    """Pure: which legs make a storable call, which are someone else's business, which cannot be used.

    `owners`: channel id -> its attempt (channel ids without an attempt are simply absent)."""
    plan = OrphanPlan()
    legs: dict[str, dict[str, str]] = {}
    for name in sorted(leg_names):
        parsed = leg_channel(name)
        if parsed is None:
            plan.unmatched.append(UnmatchedLeg(name, "not a dialer recording leg (<channel>-customer|operator.wav)"))
            continue
        channel_id, role = parsed
        legs.setdefault(channel_id, {})[role] = name
    for channel_id, found in legs.items():
        names = sorted(found.values())
        if channel_id in live_channel_ids:
            plan.still_live.extend(names)
            continue
        owner = owners.get(channel_id)
        reason = None
        if owner is None:
            reason = "no attempt has this channel id"
        elif not owner.finished:
            plan.still_live.extend(names)  # open: its call may still be running (another dialer process)
            continue
        elif owner.has_recording:
            reason = f"attempt {owner.attempt_id} already has a stored recording"
        elif owner.bridged_at is None:
            reason = f"attempt {owner.attempt_id} never reached an operator: no recording is kept of it"
        if reason is not None or owner is None:
            plan.unmatched.extend(UnmatchedLeg(n, reason or "") for n in names)
            continue
        assert owner.bridged_at is not None
        started = as_utc(owner.answered_at or owner.bridged_at)
        offset = max(0.0, (as_utc(owner.bridged_at) - started).total_seconds())
        plan.calls.append(
            OrphanCall(owner.attempt_id, owner.campaign, found.get("operator"), found.get("customer"), started, offset)
        )
    return plan


@dataclass
class OrphanReport:
    stored: list[int] = field(default_factory=list)  # attempt ids whose recording is now stored
    unmatched: list[UnmatchedLeg] = field(default_factory=list)  # kept in the spool, with the reason
    failed: list[UnmatchedLeg] = field(default_factory=list)  # matched, but processing failed (legs kept)
    still_live: list[str] = field(default_factory=list)
