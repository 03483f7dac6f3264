"""Blended pacing: hold back enough operators for the inbound calls a campaign expects. Pure.

A campaign with inbound numbers shares its operators between callers coming in and the predictive dialler.
Inbound callers wait in a queue the admin wants answered at a service level ("80 % within 20 s"); outbound
fills the rest. The method is the threshold policy of call blending (Bhulai & Koole, "A queueing model for
call blending in call centers", IEEE Trans. Automatic Control 48(8), 2003): keep a reserve of operators for
inbound and let outbound have only the others. The size of the reserve is the staffing the inbound traffic
needs on its own, by Erlang C (the M/M/N queue; e.g. Gans, Koole & Mandelbaum, "Telephone call centers:
tutorial, review and research prospects", MSOM 5(2), 2003, section 4.1):

    A = lambda * h                                   offered load in Erlangs (arrivals/s x handle time s)
    B(0) = 1,  B(n) = A B(n-1) / (n + A B(n-1))      Erlang B, the stable recursion
    C(N) = N B(N) / (N - A (1 - B(N)))               P(a caller waits at all), N > A; 1 when N <= A
    SL(N) = 1 - C(N) exp(-(N - A) T / h)             P(answered within T)
    N* = the least N with SL(N) >= target

Erlang C ignores callers who give up while queued (Erlang A models them); see the note at the end.

A dedicated pool of N* is what a campaign would staff without blending, and it over-reserves a blended
floor: there every operator finishing a call, inbound or outbound, can take the next caller. The reserve
`blend` keeps is therefore the smaller of two sufficient sizes:
- the dedicated pool's idle part, `N* - operators on inbound calls now`;
- the idle reserve r of the threshold policy, sized by a birth-death model of its deficit d = r - idle
  (our derivation, checked in the simulator; it is not in the paper): d grows by one with each inbound
  arrival (rate lambda) and shrinks by one with each operator finishing a call, since the engine does not
  dial for the operators it does not see (rate nu). So d is an M/M/1 queue with load rho = lambda / nu: a
  caller waits when d >= r, with probability rho^r, and then for an exponential time of rate nu - lambda,
  so SL(r) = 1 - rho^r exp(-(nu - lambda) T); r is the least (0 included) that meets the target, all the
  operators when none does. nu is the floor's now (`FloorMix`): operators on inbound calls free at
  1 / h_in, outbound ones on a call at 1 / (talk + wrap-up), in outbound wrap-up at 1 / wrap-up (soon),
  ready ones left to the engine at 1 / (talk + wrap-up), held ready ones not at all. A floor with
  operators in wrap-up refills a reserve quickly and needs none; one deep in calls needs one or two.
  A caller arriving while the predictive engine has a spare ready operator (one no ringing call will
  claim: `spare_ready_probability`) takes that one and leaves the reserve alone. With p the share of the
  time the engine has none (`InboundForecast.no_ready_share`, learned by `InboundLearner` from the
  decisions), the chain grows by p lambda up to the reserve's edge and by lambda beyond it (a queue leaves
  no operator ready): P(wait) = p (p rho)^r / ((1 - rho) S), S = sum_{d<=r} (p rho)^d + (p rho)^(r+1) /
  (1 - rho), and the wait is still exponential of rate nu - lambda (`blended_wait_probability`). p = 1 is
  the chain above (rho^r): the prior before the learner has seen the floor.
One operator more is held for each caller queued now.

How the reserve is applied to the snapshot `decide()` sees: the operators on an inbound call or its
wrap-up are removed (they are inbound's), and the reserve is removed too, ready ones first (those are the
idle reserve), then the ones nearest to freeing up (the engine would dial for them next: not dialling for
them refills the reserve). The outbound engine plans for the operators it still sees; its abandon guard
counts outbound calls only (the snapshot's statistics are outbound).

`InboundLearner` learns the arrival rate and handle time (talk + wrap-up) by hour of day from what the
service feeds it, like `dialer.pacing.learner.PacingLearner` does for outbound, and the engine's share of
time without a spare ready operator from each decision's snapshot.

Not modelled: callers giving up while queued (Erlang A). It cuts both ways: the queue is shorter for those
behind, but a caller who hangs up before being answered within T counts as not answered in time (the
service level's definition), where Erlang C would have answered them. See docs/pacing.md.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

from dialer.pacing.exact import poisson_binomial
from dialer.pacing.model import pacing_tables
from dialer.pacing.snapshot import OperatorSnapshot, OperatorState, PacingSnapshot

MAX_AGENTS = 10_000  # no inbound traffic a campaign takes needs more; the search stops here


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    """The admin's inbound target: `share` of callers answered within `within_s` seconds of arrival."""

    share: float = 0.8
    within_s: float = 20.0

    def __post_init__(self) -> None:
        if not 0.0 < self.share < 1.0:
            raise ValueError(f"service level share must be between 0 and 1 (exclusive), not {self.share}")
        if self.within_s < 0:
            raise ValueError(f"service level seconds must not be negative, not {self.within_s}")


@dataclass(frozen=True, slots=True)
class InboundForecast:
    """Inbound traffic expected now: arrivals per second and the mean handle time (talk + wrap-up); and the
    share of the time the outbound engine is left without a ready operator (`no_ready_share`: an arriving
    caller then needs the reserve; 1, the safe side, until the learner has seen the floor)."""

    arrivals_per_s: float
    handle_s: float
    no_ready_share: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.no_ready_share <= 1.0:
            raise ValueError(f"no_ready_share must be between 0 and 1, not {self.no_ready_share}")

    @property
    def erlangs(self) -> float:
        return self.arrivals_per_s * self.handle_s


def erlang_b(agents: int, erlangs: float) -> float:
    """Blocking probability of an M/M/N/N loss system (the recursion, stable for any N)."""
    if agents < 0:
        raise ValueError("agents must be >= 0")
    b = 1.0
    for n in range(1, agents + 1):
        b = erlangs * b / (n + erlangs * b)
    return b


def erlang_c(agents: int, erlangs: float) -> float:
    """P(an arriving caller has to wait) in M/M/N; 1 when the agents cannot carry the load."""
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return 1.0
    b = erlang_b(agents, erlangs)
    return agents * b / (agents - erlangs * (1.0 - b))


def service_level(agents: int, forecast: InboundForecast, within_s: float) -> float:
    """P(answered within `within_s`) with `agents` on the inbound traffic (Erlang C)."""
    a = forecast.erlangs
    if a <= 0:
        return 1.0
    if agents <= a:
        return 0.0
    c = erlang_c(agents, a)
    return 1.0 - c * math.exp(-(agents - a) * within_s / max(forecast.handle_s, 1e-9))


def average_speed_of_answer(agents: int, forecast: InboundForecast) -> float:
    """Mean wait in queue (Erlang C): C(N) h / (N - A); infinite when the agents cannot carry the load."""
    a = forecast.erlangs
    if a <= 0:
        return 0.0
    if agents <= a:
        return math.inf
    return erlang_c(agents, a) * forecast.handle_s / (agents - a)


def agents_for_service_level(forecast: InboundForecast, target: ServiceLevel) -> int:
    """N*: the fewest operators that answer `target.share` of the callers within `target.within_s`."""
    a = forecast.erlangs
    if a <= 0:
        return 0
    n = max(math.floor(a) + 1, 1)
    while n < MAX_AGENTS and service_level(n, forecast, target.within_s) < target.share:
        n += 1
    return n


@dataclass(frozen=True, slots=True)
class InboundFloor:
    """The inbound side of the floor at this instant."""

    inbound_operators: frozenset[int] = frozenset()  # on an inbound call or wrapping one up
    queued: int = 0  # callers waiting in the queue for an operator


@dataclass(frozen=True, slots=True)
class BlendPlan:
    """What `blend` did: the snapshot for `decide()` and why."""

    snapshot: PacingSnapshot
    needed: int  # N*: operators the inbound traffic needs by Erlang C
    held: int  # operators removed from the outbound snapshot beyond those on inbound calls
    inbound_busy: int
    reason: str


# the order operators go into the reserve: ready ones are the idle reserve itself; then those nearest to
# freeing (long in wrap-up, then long on a call: the engine would dial for them soonest)
_HOLD_ORDER = {OperatorState.READY: 0, OperatorState.WRAP_UP: 1, OperatorState.ON_CALL: 2}


def _hold_key(o: OperatorSnapshot) -> tuple[int, float, int]:
    return (_HOLD_ORDER.get(o.state, 3), -o.seconds_in_state, o.operator_id)


@dataclass(frozen=True, slots=True)
class FloorMix:
    """The floor now, as the blended reserve sees it: how many operators are where, and how long their calls
    last. Operators on inbound calls or their wrap-up free at the inbound handle time; an outbound operator
    in wrap-up frees within the outbound wrap-up, one on a call after the rest of the talk and the wrap-up;
    a ready operator left to the engine takes an outbound call (or the next caller) and then frees."""

    inbound_busy: int = 0
    on_call: int = 0  # outbound
    wrap_up: int = 0  # outbound
    ready: int = 0
    talk_s: float = 120.0  # outbound mean talk
    wrap_s: float = 15.0  # outbound mean wrap-up

    @property
    def operators(self) -> int:
        return self.inbound_busy + self.on_call + self.wrap_up + self.ready

    def freeing_rate(self, reserve: int, forecast: InboundForecast) -> float:
        """nu: operators freeing per second with `reserve` idle operators held (held ready ones do not free)."""
        handle_out = max(self.talk_s + self.wrap_s, 1e-9)
        nu = self.inbound_busy / max(forecast.handle_s, 1e-9) + self.on_call / handle_out
        nu += self.wrap_up / max(self.wrap_s, 1.0)  # a wrap-up shorter than a second frees at once anyway
        return nu + max(self.ready - reserve, 0) / handle_out


def floor_mix(snapshot: PacingSnapshot, floor: InboundFloor, forecast: InboundForecast) -> FloorMix:
    """Count the floor for the blended reserve; paused operators are no capacity. Before the outbound
    learner has anything, an outbound operator in wrap-up is taken to be as far from freeing as one on a call
    (both a whole inbound handle time)."""
    inbound = sum(1 for o in snapshot.operators if o.operator_id in floor.inbound_operators)
    states = [o.state for o in snapshot.operators if o.operator_id not in floor.inbound_operators]
    on_call, wrap_up = states.count(OperatorState.ON_CALL), states.count(OperatorState.WRAP_UP)
    ready = states.count(OperatorState.READY)
    learned = snapshot.stats.learned
    if learned is None:
        return FloorMix(inbound, on_call + wrap_up, 0, ready, forecast.handle_s, 0.0)
    return FloorMix(inbound, on_call, wrap_up, ready, learned.mean_talk_s, learned.mean_wrap_s)


def spare_ready_probability(snapshot: PacingSnapshot) -> float:
    """P(the outbound engine, shown `snapshot`, has a ready operator no outbound call will claim): fewer of
    the calls ringing now are answered by a person than there are ready operators beyond the people already
    waiting. A caller arriving then takes a spare operator and neither uses the reserve up nor leaves an
    outbound person without one. Each ringing call is answered with its chance given how long it has rung
    (the engine's own tables); before anything is learned, every ringing call counts as answered."""
    room = snapshot.operators_in(OperatorState.READY) - snapshot.answered_waiting
    if room <= 0:
        return 0.0
    learned = snapshot.stats.learned
    if learned is None:
        return 1.0 if len(snapshot.calls_in_flight) < room else 0.0
    eventually = pacing_tables(learned, snapshot.knobs.wrap_up_limit_s).answered_eventually
    last = len(eventually) - 1
    pmf = poisson_binomial([eventually[min(int(c.seconds_since_originate), last)] for c in snapshot.calls_in_flight])
    return min(float(pmf[:room].sum()), 1.0)


def blended_wait_probability(reserve: int, forecast: InboundForecast, mix: FloorMix) -> float:
    """P(an arriving caller waits) with an idle reserve of `reserve` on the blended floor `mix`: the deficit
    chain of the module docstring, thinned by the engine's own idle operators (p = `no_ready_share`). Below
    the reserve's edge a caller uses it up only when no ready operator is left outside it (birth p lambda),
    beyond it the queue grows with every caller (lambda): pi(d) ~ (p rho)^d up to r + 1, then times rho^k.
    A caller waits with probability p at d = r and always beyond, which sums to
    p (p rho)^r / ((1 - rho) S), S = sum_{d<=r} (p rho)^d + (p rho)^(r+1) / (1 - rho): rho^r when p = 1.
    The callers ahead of a waiting one are geometric with ratio rho, so their wait is exponential of rate
    nu - lambda whatever p is. 1 when the floor frees slower than callers come."""
    lam = forecast.arrivals_per_s
    if lam <= 0:
        return 0.0
    nu = mix.freeing_rate(reserve, forecast)
    if nu <= lam:
        return 1.0
    rho, p = lam / nu, forecast.no_ready_share
    if p >= 1.0:  # the sum's closed form: the model without spare operators, bit for bit
        return rho**reserve
    x = p * rho
    below = sum(x**d for d in range(reserve + 1))  # states 0..r: the reserve not yet used up
    total = below + x ** (reserve + 1) / (1.0 - rho)
    return p * x**reserve / ((1.0 - rho) * total)


def blended_service_level(reserve: int, forecast: InboundForecast, mix: FloorMix, within_s: float) -> float:
    """SL of an idle reserve of `reserve` on the blended floor `mix` (the threshold model above)."""
    lam = forecast.arrivals_per_s
    if lam <= 0:
        return 1.0
    nu = mix.freeing_rate(reserve, forecast)
    if nu <= lam:
        return 0.0
    return 1.0 - blended_wait_probability(reserve, forecast, mix) * math.exp(-(nu - lam) * within_s)


def blended_reserve(forecast: InboundForecast, target: ServiceLevel, mix: FloorMix) -> int:
    """The least idle reserve (0 included) meeting the target on the blended floor `mix`; all its operators
    when none does."""
    for r in range(mix.operators + 1):
        if blended_service_level(r, forecast, mix, target.within_s) >= target.share:
            return r
    return mix.operators


def operators_to_hold(
    forecast: InboundForecast, target: ServiceLevel, *, inbound_busy: int, queued: int, mix: FloorMix | None = None
) -> tuple[int, int]:
    """(N*, how many operators beyond those on inbound calls to keep for inbound). With the floor's mix, the
    blended reserve when it is smaller than the dedicated pool's idle part."""
    needed = agents_for_service_level(forecast, target)
    hold = max(needed - inbound_busy, 0)
    if mix is not None:
        hold = min(hold, blended_reserve(forecast, target, mix))
    return needed, hold + queued


def blend(snapshot: PacingSnapshot, floor: InboundFloor, forecast: InboundForecast, target: ServiceLevel) -> BlendPlan:
    """The snapshot the outbound engine should see: without the inbound pool and the reserve it needs."""
    inbound = [o for o in snapshot.operators if o.operator_id in floor.inbound_operators]
    others = [o for o in snapshot.operators if o.operator_id not in floor.inbound_operators]
    available = [o for o in others if o.state is not OperatorState.PAUSED]
    mix = floor_mix(snapshot, floor, forecast)
    needed, hold = operators_to_hold(forecast, target, inbound_busy=len(inbound), queued=floor.queued, mix=mix)
    held = sorted(available, key=_hold_key)[:hold]
    held_ids = {o.operator_id for o in held}
    kept = tuple(o for o in others if o.operator_id not in held_ids)
    reason = (
        f"blend: inbound {forecast.arrivals_per_s * 3600:.1f}/h x {forecast.handle_s:.0f} s = "
        f"{forecast.erlangs:.2f} E needs {needed} for {target.share:.0%} in {target.within_s:g} s; "
        f"{len(inbound)} on inbound, {floor.queued} queued, {len(held)} held"
    )
    return BlendPlan(replace(snapshot, operators=kept), needed, len(held), len(inbound), reason)


def fixed_reserve(snapshot: PacingSnapshot, floor: InboundFloor, reserve: int) -> PacingSnapshot:
    """The simple alternative: `reserve` operators always kept for inbound (counting those on inbound calls),
    whatever the traffic. The benchmark's hand-tuned baseline."""
    inbound = [o for o in snapshot.operators if o.operator_id in floor.inbound_operators]
    others = [o for o in snapshot.operators if o.operator_id not in floor.inbound_operators]
    available = [o for o in others if o.state is not OperatorState.PAUSED]
    hold = max(reserve - len(inbound), 0)
    held_ids = {o.operator_id for o in sorted(available, key=_hold_key)[:hold]}
    return replace(snapshot, operators=tuple(o for o in others if o.operator_id not in held_ids))


class InboundLearner:
    """Arrival rate and handle time of a campaign's inbound calls, by hour of day. Pure: fed by the caller.

    The rate now is a gamma-Poisson estimate: the arrivals of the last `window_s` seconds the campaign was
    open, on top of a prior worth `prior_s` seconds at the hour's rate from history (once the hour has
    `hour_min_s` of it), else today's overall rate (itself on top of the admin's expected calls per hour,
    worth `prior_s`, until today has `hour_min_s`): the admin's figure gives way as calls arrive. A surge shows
    within minutes; a quiet spell does not drop the reserve to nothing at once. Handle times are the
    hour's mean once it has `hour_min_calls`, else the mean of all, else the prior.
    """

    def __init__(
        self,
        *,
        expected_per_hour: float = 0.0,
        prior_handle_s: float = 180.0,
        window_s: float = 900.0,
        prior_s: float = 900.0,
        hour_min_s: float = 1800.0,
        hour_min_calls: int = 20,
    ) -> None:
        if expected_per_hour < 0 or prior_handle_s <= 0 or window_s <= 0 or prior_s <= 0:
            raise ValueError("inbound learner: rates and times must be positive")
        self.expected_per_s = expected_per_hour / 3600.0
        self.prior_handle_s = prior_handle_s
        self.window_s = window_s
        self.prior_s = prior_s
        self.hour_min_s = hour_min_s
        self.hour_min_calls = hour_min_calls
        self.hour_arrivals = [0] * 24
        self.hour_open_s = [0.0] * 24
        self.hour_handle_sum = [0.0] * 24
        self.hour_handles = [0] * 24
        self._recent: deque[float] = deque()  # arrival times within the window
        self._open: deque[tuple[float, float]] = deque()  # (until, seconds) open spells within the window
        self._last_tick: float | None = None
        # the outbound engine's spare operators: (until, seconds, seconds without a spare one) spells
        self._engine: deque[tuple[float, float, float]] = deque()
        self._engine_last: tuple[float, float] | None = None  # the last decision: when, P(no spare operator)
        self.engine_open_s = 0.0
        self.engine_no_ready_s = 0.0

    def observe_open(self, now: float, hour_of_day: int) -> None:
        """The campaign was taking inbound calls from the previous call of this until `now`."""
        if self._last_tick is not None and now > self._last_tick:
            spent = now - self._last_tick
            self.hour_open_s[hour_of_day % 24] += spent
            self._open.append((now, spent))
        self._last_tick = now

    def observe_closed(self) -> None:
        """Not taking calls (paused, outside hours): the time until the next `observe_open` is not counted."""
        self._last_tick = None
        self._engine_last = None

    def observe_engine(self, now: float, spare: float) -> None:
        """A decision: the probability the outbound engine has a spare ready operator (`spare_ready_probability`
        of the snapshot it was shown). It holds until the next decision: a caller arriving meanwhile takes
        the spare operator and leaves the reserve alone."""
        if not 0.0 <= spare <= 1.0:
            raise ValueError(f"spare must be a probability, not {spare}")
        last = self._engine_last
        if last is not None and now > last[0]:
            spent = now - last[0]
            self._engine.append((now, spent, spent * last[1]))
            self.engine_open_s += spent
            self.engine_no_ready_s += spent * last[1]
        self._engine_last = (now, 1.0 - spare)

    def observe_arrival(self, at: float, hour_of_day: int) -> None:
        self.hour_arrivals[hour_of_day % 24] += 1
        self._recent.append(at)

    def observe_handle(self, seconds: float, hour_of_day: int) -> None:
        """An inbound call handled: from the operator's answer to the end of their wrap-up."""
        self.hour_handle_sum[hour_of_day % 24] += max(seconds, 0.0)
        self.hour_handles[hour_of_day % 24] += 1

    def _prior_rate(self, hour: int) -> float:
        """The hour's rate from history once it has enough; else today's, on top of the admin's expectation
        worth `prior_s` until today has `hour_min_s` of its own: the expectation gives way as calls arrive."""
        if self.hour_open_s[hour] >= self.hour_min_s:
            return self.hour_arrivals[hour] / self.hour_open_s[hour]
        open_s, arrivals = sum(self.hour_open_s), sum(self.hour_arrivals)
        if open_s >= self.hour_min_s:
            return arrivals / open_s
        return (arrivals + self.expected_per_s * self.prior_s) / (open_s + self.prior_s)

    def arrivals_per_s(self, now: float, hour_of_day: int) -> float:
        start = now - self.window_s
        while self._recent and self._recent[0] < start:
            self._recent.popleft()
        while self._open and self._open[0][0] <= start:  # a spell ending at the start lies before the window
            self._open.popleft()
        open_s = sum(s for _, s in self._open)
        prior = self._prior_rate(hour_of_day % 24)
        return (len(self._recent) + prior * self.prior_s) / (open_s + self.prior_s)

    def no_ready_share(self, now: float) -> float:
        """The share of the last `window_s` the engine had no spare ready operator, on top of a prior worth
        `prior_s`: today's share once today has `hour_min_s` of decisions, before that today's on top of 1
        (every caller needing the reserve: the old, safe model) worth `prior_s`."""
        start = now - self.window_s
        while self._engine and self._engine[0][0] <= start:
            self._engine.popleft()
        recent_s = sum(s for _, s, _ in self._engine)
        recent_none = sum(none for _, _, none in self._engine)
        if self.engine_open_s >= self.hour_min_s:
            prior = self.engine_no_ready_s / self.engine_open_s
        else:
            prior = (self.engine_no_ready_s + self.prior_s) / (self.engine_open_s + self.prior_s)
        return min((recent_none + prior * self.prior_s) / (recent_s + self.prior_s), 1.0)

    def handle_s(self, hour_of_day: int) -> float:
        h = hour_of_day % 24
        if self.hour_handles[h] >= self.hour_min_calls:
            return self.hour_handle_sum[h] / self.hour_handles[h]
        total = sum(self.hour_handles)
        if total >= self.hour_min_calls:
            return sum(self.hour_handle_sum) / total
        return (sum(self.hour_handle_sum) + self.prior_handle_s * 5) / (total + 5)

    def forecast(self, now: float, hour_of_day: int) -> InboundForecast:
        return InboundForecast(
            self.arrivals_per_s(now, hour_of_day), self.handle_s(hour_of_day), self.no_ready_share(now)
        )
