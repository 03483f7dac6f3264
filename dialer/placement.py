"""Which Asterisk server each new call of a campaign is originated on. Pure: no I/O.

Pacing decides per campaign how many calls to place; this module spreads them over the servers. An
answered call can only be bridged to an operator on the server that carries it (the dialer does not
trunk calls between servers), so a call goes where the campaign's free operators are: never to a server
that is down, full, or has no ready operator of the campaign, and otherwise so that every server ends up
with about the same number of the campaign's unconnected calls per ready operator (proportional to free
operators, counting the calls already ringing there). Ties go to the server with more operators, then
to the name that sorts first, so the same state always gives the same plan.

One exception keeps predictive dialling alive: when no server has a ready operator of the campaign, the
pacing engine may still place calls, betting on operators who are on a call or wrapping up to free in
time; those calls go where such operators are, proportionally to them (with one server, exactly as if
there were no placement at all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class ServerLoad:
    """One server as placement sees it, for one campaign."""

    name: str
    up: bool  # ARI connected and accepting originations
    ready_operators: int  # the campaign's operators homed here who are ready now
    campaign_calls: int  # the campaign's calls here not yet with an operator (dialling, ringing, waiting)
    lines_in_use: int  # every customer call the dialer has on this server, all campaigns
    line_capacity: int | None = None  # None: no limit
    busy_operators: int = 0  # the campaign's operators homed here on a call or wrapping up (free soon)

    @property
    def headroom(self) -> int | None:
        """How many more lines the server may carry (None: unlimited)."""
        if self.line_capacity is None:
            return None
        return max(0, self.line_capacity - self.lines_in_use)

    @property
    def open(self) -> bool:
        """Up and not full."""
        return self.up and self.headroom != 0


def operator_weights(servers: Sequence[ServerLoad]) -> dict[str, int]:
    """The operators each server's share is proportional to: ready ones, or, when no open server has a
    ready operator, the ones who will free up (on a call, wrapping up). Zero: no call may go there."""
    ready_somewhere = any(s.open and s.ready_operators > 0 for s in servers)
    return {s.name: (s.ready_operators if ready_somewhere else s.busy_operators) if s.open else 0 for s in servers}


def place_calls(wanted: int, servers: Sequence[ServerLoad]) -> dict[str, int]:
    """How many of `wanted` new calls to originate on each server (every server named, zeros included).

    The total is `wanted` unless the eligible servers' headroom is smaller; then it is that headroom.
    Calls are handed out one at a time to the open server with the fewest unconnected calls per operator
    (see `operator_weights`) after the hand-out so far.
    """
    names = [s.name for s in servers]
    if len(set(names)) != len(names):
        raise ValueError(f"server names must be unique: {names}")
    plan = {s.name: 0 for s in servers}
    weight = operator_weights(servers)
    open_servers = [s for s in servers if weight[s.name] > 0]
    for _ in range(max(0, wanted)):
        candidates = [s for s in open_servers if s.headroom is None or plan[s.name] < s.headroom]
        if not candidates:
            break
        best = min(
            candidates,
            key=lambda s: (Fraction(s.campaign_calls + plan[s.name], weight[s.name]), -weight[s.name], s.name),
        )
        plan[best.name] += 1
    return plan


def assign_servers(plan: dict[str, int], preferred: Sequence[str | None]) -> list[str]:
    """The server of each leased call, in order: a call with a preferred server (a personal callback whose
        operator is homed there) goes there while the plan has room on it; the rest fill the plan taking turns,
    the server with the most places left first (ties: by name), so a short lease still spreads.

        `len(preferred)` may be less than the plan's total (fewer contacts were due than pacing wanted); it
        may not be more."""
    left = dict(plan)
    if len(preferred) > sum(left.values()):
        raise ValueError("more calls than the plan places")
    chosen: list[str | None] = [None] * len(preferred)
    for i, server in enumerate(preferred):
        if server is not None and left.get(server, 0) > 0:
            chosen[i] = server
            left[server] -= 1
    result: list[str] = []
    for server in chosen:
        if server is None:
            server = min((name for name in left if left[name] > 0), key=lambda name: (-left[name], name))
            left[server] -= 1
        result.append(server)
    return result
