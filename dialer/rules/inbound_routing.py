"""Where a call coming back to the campaign's number goes. Pure: a snapshot in, decisions out.

The order a caller is offered to operators, and why:

1. **Their own people.** A key client (a contact with an `account_manager`) goes to that manager, then
   to the named `fallback_chain`; an ordinary contact to the operator who last spoke to them, then to
   the chain if one is named. The first of them who is free takes the call: the caller hears someone
   who knows them. For `own_wait_s` after arrival the call waits for one of them (a short wait).
2. **The campaign's team.** After that (or at once when the caller has no own people) any free
   operator takes it, longest-idle first (fairest, spreads the talk time). Callers are served VIP
   first, then first come, first served.
3. **Never forgotten.** A caller still queued after `max_wait_s` gets a callback task for their own
   operator (the first of their chain, or the campaign when they have none) and a message saying so;
   outside the campaign's inbound hours every caller hears the closed message (and gets a callback
   task when the campaign says so). A caller who hangs up while queued becomes a callback task too
   (`callback_for_hang_up`).

An operator who is one of a waiting caller's own people is offered to that caller before the team
queue: the caller is waiting for exactly them, while a team caller can take anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AfterHours(StrEnum):
    MESSAGE = "message"  # the closed message, then hang up
    CALLBACK = "callback"  # the closed message and a callback task for the next open hours


@dataclass(frozen=True)
class InboundPolicy:
    """The campaign's inbound settings the routing needs (parsed from `inbound:` in the campaign file)."""

    max_wait_s: float = 60.0
    own_wait_s: float = 10.0  # how long a caller waits for their own people before the team
    after_hours: AfterHours = AfterHours.MESSAGE


@dataclass(frozen=True)
class CallerFacts:
    """What the campaign knows about the number calling in (all empty for an unknown number)."""

    contact_id: int | None = None
    vip: bool = False
    account_manager: int | None = None  # operator id
    fallback_chain: tuple[int, ...] = ()  # operator ids, in order
    last_operator: int | None = None  # who last spoke to this contact

    @property
    def key_client(self) -> bool:
        return self.account_manager is not None

    @property
    def own_operators(self) -> tuple[int, ...]:
        """The caller's own people, in the order they are offered the call (no repeats)."""
        if self.account_manager is not None:
            order = [self.account_manager, *self.fallback_chain, self.last_operator]
        else:
            order = [self.last_operator, *self.fallback_chain]
        seen: list[int] = []
        for o in order:
            if o is not None and o not in seen:
                seen.append(o)
        return tuple(seen)


@dataclass(frozen=True)
class QueuedCaller:
    call_id: str
    arrived_at: float  # seconds, the snapshot's clock
    facts: CallerFacts = field(default_factory=CallerFacts)

    def waited(self, now: float) -> float:
        return now - self.arrived_at


@dataclass(frozen=True)
class OperatorView:
    operator_id: int
    free: bool  # ready for a call now
    idle_since: float  # when they last became ready (the snapshot's clock)


@dataclass(frozen=True)
class InboundSnapshot:
    now: float
    queue: tuple[QueuedCaller, ...]
    operators: tuple[OperatorView, ...]
    open: bool = True  # within the campaign's inbound hours
    policy: InboundPolicy = field(default_factory=InboundPolicy)


class Reason(StrEnum):
    OWN_OPERATOR = "own_operator"  # one of the caller's own people
    TEAM = "team"  # the campaign's team, from the queue
    MAX_WAIT = "max_wait"  # waited too long: callback task
    CLOSED = "closed"  # outside inbound hours
    HUNG_UP = "hung_up"  # hung up while queued: callback task


@dataclass(frozen=True)
class Connect:
    call_id: str
    operator_id: int
    reason: Reason


@dataclass(frozen=True)
class Release:
    """The caller leaves the queue: play `message` (callback or closed), then hang up."""

    call_id: str
    reason: Reason
    callback: bool  # create a callback task
    callback_operator_id: int | None  # who the callback is for (None: anyone on the campaign)


Decision = Connect | Release


def queue_order(caller: QueuedCaller) -> tuple[bool, float, str]:
    """VIP callers first, then first come, first served (the call id breaks exact ties)."""
    return (not caller.facts.vip, caller.arrived_at, caller.call_id)


def callback_operator(facts: CallerFacts) -> int | None:
    """The right operator for a caller's callback: the first of their own people."""
    own = facts.own_operators
    return own[0] if own else None


def callback_for_hang_up(caller: QueuedCaller) -> Release:
    """A caller who hung up while queued: a callback task for their own operator."""
    return Release(caller.call_id, Reason.HUNG_UP, callback=True, callback_operator_id=callback_operator(caller.facts))


def route(snap: InboundSnapshot) -> list[Decision]:
    """Everything to do for the queue now: connections, then releases (max wait, closed)."""
    policy = snap.policy
    if not snap.open:
        callback = policy.after_hours is AfterHours.CALLBACK
        return [
            Release(c.call_id, Reason.CLOSED, callback, callback_operator(c.facts) if callback else None)
            for c in sorted(snap.queue, key=queue_order)
        ]
    free = sorted((o for o in snap.operators if o.free), key=lambda o: (o.idle_since, o.operator_id))
    taken: set[int] = set()
    decisions: list[Decision] = []
    queue = sorted(snap.queue, key=queue_order)
    connected: set[str] = set()
    # 1. callers to their own people
    free_ids = {o.operator_id for o in free}
    for caller in queue:
        own = next((o for o in caller.facts.own_operators if o in free_ids and o not in taken), None)
        if own is not None:
            taken.add(own)
            connected.add(caller.call_id)
            decisions.append(Connect(caller.call_id, own, Reason.OWN_OPERATOR))
    # 2. the team, longest-idle operator first, to callers no longer waiting for their own people
    team = [o.operator_id for o in free if o.operator_id not in taken]
    for caller in queue:
        if not team:
            break
        if caller.call_id in connected:
            continue
        if caller.facts.own_operators and caller.waited(snap.now) < policy.own_wait_s:
            continue
        op = team.pop(0)
        connected.add(caller.call_id)
        decisions.append(Connect(caller.call_id, op, Reason.TEAM))
    # 3. waited too long: a callback task for their own operator
    for caller in queue:
        if caller.call_id not in connected and caller.waited(snap.now) >= policy.max_wait_s:
            decisions.append(Release(caller.call_id, Reason.MAX_WAIT, True, callback_operator(caller.facts)))
    return decisions


def next_deadline(snap: InboundSnapshot) -> float | None:
    """When the queue changes by itself (a caller's own wait or maximum wait ends), on the snapshot's
    clock; None when nobody is queued. The service routes again then, and whenever an operator frees up."""
    times: list[float] = []
    for c in snap.queue:
        times.append(c.arrived_at + snap.policy.max_wait_s)
        own_end = c.arrived_at + snap.policy.own_wait_s
        if c.facts.own_operators and own_end > snap.now:
            times.append(own_end)
    return min(times) if times else None
