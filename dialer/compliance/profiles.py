"""Picking a jurisdiction profile and tightening it (or loosening it with a logged override). Pure.

A campaign picks one profile and may make any rule STRICTER freely; a LOOSER value is
refused unless it comes as an explicit `Override` with a reason, and every override is
returned by `effective_rules` so the caller can log who loosened what and why. The
point is that the lawful thing is the default and every deviation leaves a trace.

Each profile field says which way is stricter (`_DIRECTIONS`); the sources of every
default are kept next to the values (`ComplianceProfile.sources`) so that the docs and the
evidence report can cite them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dialer.compliance.jurisdictions import (
    PROFILES,
    RU,
    RU_COLLECTION,
    UK,
    US,
    AbandonPeriod,
    ComplianceProfile,
    ConnectClock,
    FrequencyBasis,
    Jurisdiction,
    WeeklyHours,
    profile,
)
from dialer.pacing.snapshot import DialingMode
from dialer.rules.windows import TimeRange

__all__ = [  # the profiles themselves live in dialer.compliance.jurisdictions; imported from here too
    "PROFILES",
    "RU",
    "RU_COLLECTION",
    "TUNABLE_FIELDS",
    "UK",
    "US",
    "AbandonPeriod",
    "AppliedOverride",
    "ComplianceProfile",
    "ComplianceSettingError",
    "ConnectClock",
    "EffectiveCompliance",
    "FrequencyBasis",
    "Jurisdiction",
    "Override",
    "WeeklyHours",
    "compliance_from_config",
    "effective_rules",
    "is_looser",
    "profile",
]

# --- stricter / looser ---------------------------------------------------------------------------


def _lower_is_stricter(base: Any, new: Any) -> bool:
    return bool(new > base)


def _higher_is_stricter(base: Any, new: Any) -> bool:
    return bool(new < base)


def _true_is_stricter(base: Any, new: Any) -> bool:
    return bool(base) and not new


def _false_is_stricter(base: Any, new: Any) -> bool:
    return not base and bool(new)


def _none_is_loosest_lower(base: Any, new: Any) -> bool:
    """Caps: a smaller number is stricter, None (no cap) is the loosest."""
    if new is None:
        return base is not None
    return base is not None and new > base


def _none_is_loosest_higher(base: Any, new: Any) -> bool:
    """Lockouts: a longer period is stricter, None (no lockout) the loosest."""
    if new is None:
        return base is not None
    return base is not None and new < base


def _max_age_looser(base: Any, new: Any) -> bool:
    """Consent age: shorter is stricter, None (no limit) the loosest."""
    return _none_is_loosest_lower(base, new)


def _subset_is_stricter(base: Any, new: Any) -> bool:
    return not frozenset(new) <= frozenset(base)


def _superset_is_stricter(base: Any, new: Any) -> bool:
    """Registers: screening against more of them is stricter; dropping one is looser."""
    return not frozenset(base) <= frozenset(new)


_CLOCK_RANK = {ConnectClock.ANSWER: 0, ConnectClock.START_OF_SPEECH: 1, ConnectClock.COMPLETED_GREETING: 2}
_PERIOD_RANK = {AbandonPeriod.CALENDAR_DAY: 0, AbandonPeriod.ROLLING_30_DAYS: 1}
_BASIS_RANK = {FrequencyBasis.DIALS: 0, FrequencyBasis.LIVE_ANSWERS: 1}


def _period_looser(base: Any, new: Any) -> bool:
    return _PERIOD_RANK[AbandonPeriod(new)] > _PERIOD_RANK[AbandonPeriod(base)]


def _clock_looser(base: Any, new: Any) -> bool:
    """The limit measured from a later instant is looser."""
    return _CLOCK_RANK[ConnectClock(new)] > _CLOCK_RANK[ConnectClock(base)]


def _basis_looser(base: Any, new: Any) -> bool:
    return _BASIS_RANK[FrequencyBasis(new)] > _BASIS_RANK[FrequencyBasis(base)]


def _hours_looser(base: Any, new: Any) -> bool:
    """Looser when some allowed time of the new hours lies outside the profile's hours that day."""
    for day, ranges in new.items():
        allowed = base.get(day, ())
        for r in ranges:
            if not any(a.start <= r.start and r.end <= a.end for a in allowed):
                return True
    return False


#: field -> "is `new` looser than `base`?". Only these fields may be set by a campaign.
_DIRECTIONS: Mapping[str, Callable[[Any, Any], bool]] = {
    "abandon_cap": _lower_is_stricter,
    "abandon_period": _period_looser,
    "target_abandon_rate": _lower_is_stricter,
    "count_amd_false_positives": _true_is_stricter,
    "amd_false_positive_rate": _higher_is_stricter,
    "connect_limit_s": _lower_is_stricter,
    "connect_clock": _clock_looser,
    "machines_count_as_abandons": _true_is_stricter,
    "min_ring_s": _higher_is_stricter,
    "calling_hours": _hours_looser,
    "caller_id_required": _true_is_stricter,
    "abandon_message_required": _true_is_stricter,
    "abandon_redial_lockout": _none_is_loosest_higher,
    "lockout_exempt_modes": _subset_is_stricter,
    "consent_required": _true_is_stricter,
    "consent_max_age": _max_age_looser,
    "allow_agentless": _false_is_stricter,
    "max_calls_per_day": _none_is_loosest_lower,
    "max_calls_per_week": _none_is_loosest_lower,
    "max_calls_per_month": _none_is_loosest_lower,
    "frequency_basis": _basis_looser,
    "national_register_screening": _true_is_stricter,
    "national_registers": _superset_is_stricter,
    "national_register_max_age": _max_age_looser,
    "dnc_immediate": _true_is_stricter,
}
TUNABLE_FIELDS: frozenset[str] = frozenset(_DIRECTIONS)


def is_looser(field_name: str, base: Any, new: Any) -> bool:
    """Would `new` weaken the rule `field_name` compared with `base`?"""
    try:
        return _DIRECTIONS[field_name](base, new)
    except KeyError:
        raise ComplianceSettingError(field_name, "is not a compliance setting a campaign may change") from None


class ComplianceSettingError(ValueError):
    """A campaign's compliance setting was refused; `field` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        super().__init__(f"compliance.{field_name}: {message}")


@dataclass(frozen=True, slots=True)
class Override:
    """An explicit loosening of one rule. `reason` is mandatory and is logged with `by`."""

    field: str
    value: Any
    reason: str
    by: str | None = None


@dataclass(frozen=True, slots=True)
class AppliedOverride:
    """An override as it must be logged: the profile's value, the value used, why and by whom."""

    field: str
    profile_value: Any
    value: Any
    reason: str
    by: str | None
    loosens: bool

    def as_log(self) -> dict[str, str | bool | None]:
        return {
            "field": self.field,
            "profile_value": _show(self.profile_value),
            "value": _show(self.value),
            "reason": self.reason,
            "by": self.by,
            "loosens": self.loosens,
        }


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(
            f"{d}: " + ",".join(f"{r.start:%H:%M}-{'24:00' if r.end == dt.time.max else f'{r.end:%H:%M}'}" for r in rs)
            for d, rs in sorted(value.items())
        )
    if isinstance(value, frozenset | set | tuple):
        return ",".join(sorted(str(v) for v in value))
    return str(value)


@dataclass(frozen=True)
class EffectiveCompliance:
    """The rules a campaign runs under: the profile with its tightenings and logged overrides."""

    base: ComplianceProfile
    rules: ComplianceProfile
    tightened: tuple[str, ...]
    overrides: tuple[AppliedOverride, ...]

    def overrides_to_log(self) -> list[dict[str, str | bool | None]]:
        return [o.as_log() for o in self.overrides]


def _coerce(field_name: str, value: Any) -> Any:
    """Accept the plain values a YAML file gives (strings for enums, seconds for durations)."""
    if value is None:
        return None
    if field_name == "abandon_period":
        return AbandonPeriod(value)
    if field_name == "frequency_basis":
        return FrequencyBasis(value)
    if field_name == "connect_clock":
        return ConnectClock(value)
    if field_name == "lockout_exempt_modes":
        return frozenset(DialingMode(v) for v in value)
    if field_name == "national_registers":
        return tuple(sorted({str(v).strip() for v in ([value] if isinstance(value, str) else value)} - {""}))
    if field_name in ("abandon_redial_lockout", "consent_max_age", "national_register_max_age") and not isinstance(
        value, dt.timedelta
    ):
        from dialer.rules.campaign_fields import parse_duration

        return parse_duration(value)
    if field_name == "calling_hours" and isinstance(value, Mapping):
        from dialer.rules.campaign_fields import _days

        hours: dict[int, tuple[TimeRange, ...]] = {}
        for key, ranges in value.items():  # later keys override earlier ones, as in calling_windows
            items = ranges.split(",") if isinstance(ranges, str) else (ranges or ())
            parsed = tuple(r if isinstance(r, TimeRange) else TimeRange.parse(r) for r in items)
            for d in [key] if isinstance(key, int) else _days(str(key)):
                hours[d] = parsed
        return {d: rs for d, rs in hours.items() if rs}
    return value


def effective_rules(
    profile: ComplianceProfile,
    campaign_settings: Mapping[str, Any] | None = None,
    overrides: Iterable[Override] = (),
) -> EffectiveCompliance:
    """Apply a campaign's settings to its profile: tightening is free, loosening needs an override.

    Raises `ComplianceSettingError` naming the field for a looser value given without an
    override, an override without a reason, an unknown field, or a field set both ways.
    Returns the effective profile and the overrides to log (all of them, loosening or not).
    """
    settings = {k: _coerce(k, v) for k, v in (campaign_settings or {}).items()}
    by_field: dict[str, Override] = {}
    for o in overrides:
        if o.field in by_field:
            raise ComplianceSettingError(o.field, "overridden twice")
        if not o.reason.strip():
            raise ComplianceSettingError(o.field, "an override needs a reason, which is logged")
        by_field[o.field] = o
    changes: dict[str, Any] = {}
    tightened: list[str] = []
    for name, value in settings.items():
        base = getattr(profile, name) if name in TUNABLE_FIELDS else None
        if is_looser(name, base, value) and name not in by_field:
            raise ComplianceSettingError(
                name,
                f"{_show(value)} is looser than the {profile.code} profile's {_show(base)} "
                f"({profile.sources.get(name, 'profile default')}); a campaign may only tighten it, "
                "or give an explicit override with a reason",
            )
        if name in by_field:
            if _coerce(name, by_field[name].value) != value:
                raise ComplianceSettingError(name, "set in the campaign settings and overridden with another value")
            continue
        if value != base:
            tightened.append(name)
        changes[name] = value
    applied: list[AppliedOverride] = []
    for name, o in by_field.items():
        base = getattr(profile, name) if name in TUNABLE_FIELDS else None
        value = _coerce(name, o.value)
        applied.append(AppliedOverride(name, base, value, o.reason.strip(), o.by, is_looser(name, base, value)))
        changes[name] = value
    try:
        rules = dataclasses.replace(profile, **changes)
    except ValueError as exc:  # e.g. a target above the (new) cap
        raise ComplianceSettingError(next(iter(changes), "profile"), str(exc)) from None
    return EffectiveCompliance(profile, rules, tuple(tightened), tuple(applied))


def compliance_from_config(section: Mapping[str, Any]) -> EffectiveCompliance:
    """The `compliance:` section of a campaign file, e.g.

    ```yaml
    compliance:
      profile: UK
      settings: {target_abandon_rate: 0.015, calling_hours: {mon-fri: "09:00-20:00"}}
      overrides:
        - {field: min_ring_s, value: 12, reason: "carrier drops at 12 s", by: "ops@example"}
    ```
    """
    unknown = set(section) - {"profile", "settings", "overrides"}
    if unknown:
        raise ComplianceSettingError(sorted(unknown)[0], "unknown key (use profile, settings, overrides)")
    if "profile" not in section:
        raise ComplianceSettingError("profile", "a campaign must pick a profile (US, UK, RU, RU_COLLECTION)")
    base = profile(str(section["profile"]))
    overrides = []
    for item in section.get("overrides") or ():
        missing = {"field", "value", "reason"} - set(item)
        if missing:
            raise ComplianceSettingError(str(item.get("field", "overrides")), f"override lacks {sorted(missing)}")
        overrides.append(Override(str(item["field"]), item["value"], str(item["reason"]), item.get("by")))
    return effective_rules(base, section.get("settings") or {}, overrides)
