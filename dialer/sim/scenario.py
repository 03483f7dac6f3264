"""Scenario files for the pacing simulator (YAML): team, call mix, time distributions, shift events."""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from dialer.pacing import DialingMode, PacingKnobs

_DURATION = re.compile(r"^\s*([0-9.]+)\s*(h|m|s)?\s*$")


def parse_duration(value: object) -> float:
    """Seconds from 90, "90s", "15m" or "8h"."""
    if isinstance(value, int | float):
        return float(value)
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"not a duration: {value!r}")
    return float(m.group(1)) * {"h": 3600.0, "m": 60.0, "s": 1.0, None: 1.0}[m.group(2)]


@dataclass(frozen=True, slots=True)
class Dist:
    """A duration distribution: constant, uniform, exponential or lognormal (given by its mean and sigma)."""

    kind: str
    a: float
    b: float = 0.0

    @staticmethod
    def parse(spec: object) -> Dist:
        if isinstance(spec, int | float | str):
            return Dist("constant", parse_duration(spec))
        if not isinstance(spec, dict):
            raise ValueError(f"not a distribution: {spec!r}")
        kind = str(spec.get("dist", "constant"))
        if kind == "constant":
            return Dist(kind, parse_duration(spec["value"]))
        if kind == "uniform":
            return Dist(kind, parse_duration(spec["low"]), parse_duration(spec["high"]))
        if kind == "exponential":
            return Dist(kind, parse_duration(spec["mean"]))
        if kind == "lognormal":
            return Dist(kind, parse_duration(spec["mean"]), float(spec["sigma"]))
        raise ValueError(f"unknown distribution {kind!r}")

    def sample(self, rng: random.Random) -> float:
        if self.kind == "constant":
            return self.a
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b)
        if self.kind == "exponential":
            return rng.expovariate(1.0 / self.a)
        mu = math.log(self.a) - self.b * self.b / 2  # so that the mean is `a`
        return rng.lognormvariate(mu, self.b)

    @property
    def mean(self) -> float:
        return (self.a + self.b) / 2 if self.kind == "uniform" else self.a


@dataclass(frozen=True, slots=True)
class CallMix:
    answer_rate: float = 0.30
    machine_rate: float = 0.0
    busy_rate: float = 0.15
    no_answer_after_s: float = 25.0
    ring_time: Dist = Dist("uniform", 4.0, 20.0)
    machine_time: Dist = Dist("uniform", 6.0, 22.0)  # ringing + AMD verdict
    busy_time: Dist = Dist("uniform", 2.0, 8.0)


@dataclass(frozen=True, slots=True)
class ShiftEvent:
    """At `at` seconds: change the call mix / times / knobs (`set`), or log in, log out or pause operators.

    `logout`/`pause` counts below 1 are fractions of the operators then logged in; busy operators finish
    their call and wrap-up first.
    """

    at: float
    set: dict[str, Any] = field(default_factory=dict)
    login: int = 0
    logout: float = 0.0
    pause: float = 0.0
    pause_for_s: float = 0.0


@dataclass(frozen=True, slots=True)
class InboundTraffic:
    """Calls coming in to the campaign's number: a Poisson stream whose rate is set per hour of day.

    `per_hour` maps an hour of day (0..23) to calls per hour; hours not named get `default_per_hour`.
    A queued caller hangs up after their `patience` (drawn per caller); `service_level` is the admin's
    target (share answered within `within_s`), what blended pacing aims at and the benchmark judges.
    """

    per_hour: dict[int, float] = field(default_factory=dict)
    default_per_hour: float = 0.0
    talk_time: Dist = Dist("lognormal", 180.0, 0.6)
    wrap_up_time: Dist | None = None  # None: the scenario's outbound wrap-up
    patience: Dist = Dist("exponential", 90.0)
    service_level_share: float = 0.8
    service_level_within_s: float = 20.0
    expected_per_hour: float = 0.0  # what the admin tells blended pacing to expect before it has data

    def rate_per_s(self, hour_of_day: int) -> float:
        return self.per_hour.get(hour_of_day % 24, self.default_per_hour) / 3600.0

    @staticmethod
    def parse(data: dict[str, Any]) -> InboundTraffic:
        raw = data.get("per_hour", 0.0)
        per_hour: dict[int, float] = {}
        default = 0.0
        if isinstance(raw, dict):
            for hour, rate in raw.items():
                if not 0 <= int(hour) <= 23 or float(rate) < 0:
                    raise ValueError(f"inbound.per_hour: {hour}: {rate} (an hour 0..23 and calls per hour >= 0)")
                per_hour[int(hour)] = float(rate)
        else:
            default = float(raw)
            if default < 0:
                raise ValueError(f"inbound.per_hour: {raw} must be >= 0")
        sl = data.get("service_level") or {}
        base = InboundTraffic()
        return InboundTraffic(
            per_hour=per_hour,
            default_per_hour=float(data.get("default_per_hour", default)),
            talk_time=Dist.parse(data["talk_time"]) if "talk_time" in data else base.talk_time,
            wrap_up_time=Dist.parse(data["wrap_up_time"]) if "wrap_up_time" in data else None,
            patience=Dist.parse(data["patience"]) if "patience" in data else base.patience,
            service_level_share=float(sl.get("share", base.service_level_share)),
            service_level_within_s=parse_duration(sl.get("within", base.service_level_within_s)),
            expected_per_hour=float(data.get("expected_per_hour", 0.0)),
        )


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    team_size: int = 20
    duration_s: float = 8 * 3600.0
    seed: int = 1
    start_hour: int = 9
    decision_interval_s: float = 1.0
    stats_refresh_s: float = 5.0  # how often the learned statistics are refreshed: as often as the live service
    calls: CallMix = CallMix()
    talk_time: Dist = Dist("lognormal", 120.0, 0.8)
    wrap_up_time: Dist = Dist("exponential", 15.0)
    breaks_per_operator_hour: float = 0.0
    break_time: Dist = Dist("constant", 600.0)
    knobs: PacingKnobs = field(default_factory=lambda: PacingKnobs(max_lines=1000))
    events: tuple[ShiftEvent, ...] = ()
    description: str = ""
    inbound: InboundTraffic | None = None  # calls coming in (blended campaigns); None: outbound only

    def with_overrides(self, **changes: Any) -> Scenario:
        return replace(self, **changes)


_CALL_KEYS = {"answer_rate", "machine_rate", "busy_rate", "no_answer_after_s"}
_CALL_DISTS = {"ring_time", "machine_time", "busy_time"}


def apply_call_changes(mix: CallMix, changes: dict[str, Any]) -> CallMix:
    kw: dict[str, Any] = {}
    for k, v in changes.items():
        if k in _CALL_KEYS:
            kw[k] = parse_duration(v) if k == "no_answer_after_s" else float(v)
        elif k in _CALL_DISTS:
            kw[k] = Dist.parse(v)
    return replace(mix, **kw)


def apply_knob_changes(base: PacingKnobs, spec: dict[str, Any] | None) -> PacingKnobs:
    kw = dict(spec or {})
    if "mode" in kw:
        kw["mode"] = DialingMode(kw["mode"])
    return replace(base, **kw)


def scenario_from_dict(data: dict[str, Any]) -> Scenario:
    calls = apply_call_changes(CallMix(), dict(data.get("calls") or {}))
    events = []
    for raw in data.get("events") or ():
        pause = raw.get("pause") or {}
        events.append(
            ShiftEvent(
                at=parse_duration(raw["at"]),
                set=dict(raw.get("set") or {}),
                login=int(raw.get("login", 0)),
                logout=float(raw.get("logout", 0.0)),
                pause=float(pause.get("operators", 0.0)) if pause else 0.0,
                pause_for_s=parse_duration(pause.get("for", 0)) if pause else 0.0,
            )
        )
    base = Scenario(name=str(data.get("name", "unnamed")))
    breaks = data.get("breaks") or {}
    return Scenario(
        name=base.name,
        description=str(data.get("description", "")),
        team_size=int(data.get("team_size", base.team_size)),
        duration_s=parse_duration(data.get("duration", base.duration_s)),
        seed=int(data.get("seed", base.seed)),
        start_hour=int(data.get("start_hour", base.start_hour)),
        decision_interval_s=float(data.get("decision_interval_s", base.decision_interval_s)),
        stats_refresh_s=parse_duration(data.get("stats_refresh", base.stats_refresh_s)),
        calls=calls,
        talk_time=Dist.parse(data["talk_time"]) if "talk_time" in data else base.talk_time,
        wrap_up_time=Dist.parse(data["wrap_up_time"]) if "wrap_up_time" in data else base.wrap_up_time,
        breaks_per_operator_hour=float(breaks.get("per_operator_hour", 0.0)),
        break_time=Dist.parse(breaks["duration"]) if "duration" in breaks else base.break_time,
        knobs=apply_knob_changes(base.knobs, data.get("knobs")),
        events=tuple(sorted(events, key=lambda e: e.at)),
        inbound=InboundTraffic.parse(dict(data["inbound"])) if data.get("inbound") else None,
    )


def load_scenario(path: str | Path) -> Scenario:
    with Path(path).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a scenario is a mapping")
    return scenario_from_dict(data)
