"""Jurisdiction profiles: the lawful defaults a campaign starts from. Pure.

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
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dialer.pacing.snapshot import DialingMode
from dialer.rules.windows import TimeRange


class Jurisdiction(StrEnum):
    US = "US"
    UK = "UK"
    RU = "RU"
    RU_COLLECTION = "RU_COLLECTION"


class AbandonPeriod(StrEnum):
    """Over what the abandon rate is measured. A calendar day is the stricter of the two:
    a bad day cannot hide inside a good month."""

    ROLLING_30_DAYS = "rolling_30_days"
    CALENDAR_DAY = "calendar_day"


class FrequencyBasis(StrEnum):
    """Which previous attempts count towards the frequency caps.

    DIALS (every originated call) is stricter than LIVE_ANSWERS (calls a person answered:
    connected or abandoned), which is closer to 230-FZ's "interaction".
    """

    DIALS = "dials"
    LIVE_ANSWERS = "live_answers"


WeeklyHours = Mapping[int, tuple[TimeRange, ...]]


def _hours(spec: Mapping[Iterable[int], str]) -> dict[int, tuple[TimeRange, ...]]:
    out: dict[int, tuple[TimeRange, ...]] = {}
    for days, text in spec.items():
        for d in days:
            out[d] = tuple(TimeRange.parse(t) for t in text.split(","))
    return out


@dataclass(frozen=True)
class ComplianceProfile:
    """The rules of one jurisdiction. Rates are fractions (0.03 = 3 %)."""

    code: Jurisdiction
    title: str
    #: Maximum abandon rate (abandons / live answers) over `abandon_period`.
    abandon_cap: float
    abandon_period: AbandonPeriod
    #: What pacing aims at by default; never above the cap.
    target_abandon_rate: float
    #: Count the estimated AMD false positives (people hung up on as machines) as abandons.
    count_amd_false_positives: bool
    #: Default reasoned estimate of the share of MACHINE verdicts that were people.
    amd_false_positive_rate: float
    #: A person must be connected to an operator within this many seconds of answering.
    connect_limit_s: float
    #: Let it ring at least this long before giving up.
    min_ring_s: float
    #: Calling hours in the callee's local time; weekday 0 = Monday. Missing day = no calls.
    calling_hours: WeeklyHours
    caller_id_required: bool
    abandon_message_required: bool
    #: No redial of a number whose call was abandoned within this period (None: no lockout)...
    abandon_redial_lockout: dt.timedelta | None
    #: ...unless the campaign dials in one of these modes (an operator is guaranteed).
    lockout_exempt_modes: frozenset[DialingMode]
    #: Only contacts with recorded prior consent (source and date) may be dialled.
    consent_required: bool
    #: Consent older than this is treated as expired (None: valid until revoked or its own expiry).
    consent_max_age: dt.timedelta | None
    #: Recorded messages without an operator (agentless / voice broadcast) allowed.
    allow_agentless: bool
    #: Per-callee frequency caps in the callee's local calendar (None: no cap).
    max_calls_per_day: int | None
    max_calls_per_week: int | None
    max_calls_per_month: int | None
    frequency_basis: FrequencyBasis
    #: Screen against a national opt-out register (TPS in the UK, the Do-Not-Call Registry in the US).
    national_register_screening: bool
    #: An opt-out taken during a call blocks the number from the next dial on.
    dnc_immediate: bool = True
    #: The registers screened against (names of `dialer registers load NAME FILE`), when screening is on.
    national_registers: tuple[str, ...] = ()
    #: A campaign may not start while a register's data is older than this (None: any age).
    national_register_max_age: dt.timedelta | None = None
    #: field name -> legal source (or "house default" where the law says nothing).
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.target_abandon_rate <= self.abandon_cap <= 1:
            raise ValueError(f"{self.code}: need 0 <= target_abandon_rate <= abandon_cap <= 1")
        if not 0 <= self.amd_false_positive_rate <= 1:
            raise ValueError(f"{self.code}: amd_false_positive_rate must be in [0, 1]")
        for name in ("max_calls_per_day", "max_calls_per_week", "max_calls_per_month"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{self.code}: {name} must not be negative")
        for day in self.calling_hours:
            if not 0 <= day <= 6:
                raise ValueError(f"{self.code}: calling_hours weekday {day} is not in 0..6")
        if self.national_register_screening and not self.national_registers:
            raise ValueError(f"{self.code}: national register screening needs national_registers (their names)")


_EVERY_DAY = range(7)
_WEEKDAYS = range(5)
_WEEKEND = range(5, 7)
_OPERATOR_GUARANTEED = frozenset({DialingMode.PREVIEW, DialingMode.PROGRESSIVE})

US = ComplianceProfile(
    code=Jurisdiction.US,
    title="United States: FTC Telemarketing Sales Rule and TCPA",
    abandon_cap=0.03,
    abandon_period=AbandonPeriod.ROLLING_30_DAYS,
    target_abandon_rate=0.03,
    count_amd_false_positives=False,
    amd_false_positive_rate=0.0,
    connect_limit_s=2.0,
    min_ring_s=15.0,
    calling_hours=_hours({_EVERY_DAY: "08:00-21:00"}),
    caller_id_required=True,
    abandon_message_required=True,
    abandon_redial_lockout=None,
    lockout_exempt_modes=_OPERATOR_GUARANTEED,
    consent_required=False,
    consent_max_age=None,
    allow_agentless=True,
    max_calls_per_day=None,
    max_calls_per_week=None,
    max_calls_per_month=None,
    frequency_basis=FrequencyBasis.DIALS,
    national_register_screening=True,
    national_registers=("US_DNC",),
    national_register_max_age=dt.timedelta(days=31),
    sources={
        "abandon_cap": "16 CFR 310.4(b)(4)(i): <= 3% of calls answered by a person, per campaign per 30 days",
        "abandon_period": "16 CFR 310.4(b)(4)(i): 30-day period (or the campaign, if shorter)",
        "connect_limit_s": "16 CFR 310.4(b)(4)(iii) and 310.4(b)(1)(iv): 2 s after the completed greeting",
        "min_ring_s": "16 CFR 310.4(b)(4)(ii): ring at least 15 s or four rings",
        "calling_hours": "16 CFR 310.4(c); 47 CFR 64.1200(c)(1): 8 a.m.-9 p.m. callee local time",
        "caller_id_required": "16 CFR 310.4(a)(8); 47 CFR 64.1601(e)",
        "abandon_message_required": "16 CFR 310.4(b)(4)(iii): recorded message with seller name and number",
        "dnc_immediate": "16 CFR 310.4(b)(1)(iii)(A); 47 CFR 64.1200(d): internal DNC honoured",
        "national_register_screening": "16 CFR 310.4(b)(1)(iii)(B): National Do Not Call Registry",
        "national_register_max_age": "16 CFR 310.4(b)(3)(iv): registry data obtained no more than 31 days before",
        "target_abandon_rate": "house default: the cap itself (the pacing guard keeps a margin)",
        "allow_agentless": "house default (prerecorded sales calls need prior written consent, 310.4(b)(1)(v))",
    },
)

UK = ComplianceProfile(
    code=Jurisdiction.UK,
    title="United Kingdom: Ofcom persistent-misuse policy (2016/2017) and PECR",
    abandon_cap=0.03,
    abandon_period=AbandonPeriod.CALENDAR_DAY,
    target_abandon_rate=0.02,
    count_amd_false_positives=True,
    amd_false_positive_rate=0.05,
    connect_limit_s=2.0,
    min_ring_s=15.0,
    calling_hours=_hours({_EVERY_DAY: "08:00-21:00"}),
    caller_id_required=True,
    abandon_message_required=True,
    abandon_redial_lockout=dt.timedelta(hours=72),
    lockout_exempt_modes=_OPERATOR_GUARANTEED,
    consent_required=False,
    consent_max_age=None,
    allow_agentless=False,
    max_calls_per_day=None,
    max_calls_per_week=None,
    max_calls_per_month=None,
    frequency_basis=FrequencyBasis.DIALS,
    national_register_screening=True,
    national_registers=("TPS",),
    national_register_max_age=dt.timedelta(days=28),
    sources={
        "abandon_cap": "Ofcom persistent-misuse policy statement (2016): 3% of live calls per campaign per day",
        "abandon_period": "Ofcom policy: per campaign per 24-hour (calendar) day",
        "count_amd_false_positives": "Ofcom policy: AMD false positives count as abandoned, reasoned estimate",
        "amd_false_positive_rate": "house default: 5% of MACHINE verdicts until a listening test gives a figure",
        "target_abandon_rate": "Ofcom 2017 statement: 3% is no safe harbour; house default 2%",
        "connect_limit_s": "Ofcom policy: abandoned if no live operator within 2 s of the greeting",
        "min_ring_s": "Ofcom policy: ring at least 15 s",
        "abandon_redial_lockout": "Ofcom policy: no repeat call within 72 h without a guaranteed operator",
        "abandon_message_required": "Ofcom policy: information message naming the caller",
        "caller_id_required": "Ofcom policy and PECR reg. 15: presentation of a CLI that can be called back",
        "national_register_screening": "PECR reg. 21: Telephone Preference Service screening",
        "national_register_max_age": "TPS practice: a number registered takes effect after 28 days; screen "
        "against data no older than that",
        "calling_hours": "house default (no statutory hours): 08:00-21:00 callee local time",
        "allow_agentless": "PECR reg. 19: automated calls need prior consent; house default: never",
    },
)

RU = ComplianceProfile(
    code=Jurisdiction.RU,
    title="Russia: advertising calls, 38-FZ art. 18",
    abandon_cap=0.03,
    abandon_period=AbandonPeriod.ROLLING_30_DAYS,
    target_abandon_rate=0.03,
    count_amd_false_positives=False,
    amd_false_positive_rate=0.0,
    connect_limit_s=2.0,
    min_ring_s=15.0,
    calling_hours=_hours({_EVERY_DAY: "09:00-21:00"}),
    caller_id_required=True,
    abandon_message_required=True,
    abandon_redial_lockout=None,
    lockout_exempt_modes=_OPERATOR_GUARANTEED,
    consent_required=True,
    consent_max_age=None,
    allow_agentless=False,
    max_calls_per_day=None,
    max_calls_per_week=None,
    max_calls_per_month=None,
    frequency_basis=FrequencyBasis.DIALS,
    national_register_screening=False,
    sources={
        "consent_required": "38-FZ art. 18 p. 1: advertising by phone only with the subscriber's prior consent",
        "dnc_immediate": "38-FZ art. 18 p. 1: stop at once when the subscriber asks",
        "allow_agentless": "38-FZ art. 18 p. 2: no automatic dialling and messaging without a person",
        "abandon_cap": "house default: the US figure (no Russian rule)",
        "connect_limit_s": "house default: the US/UK figure",
        "min_ring_s": "house default: the US/UK figure",
        "calling_hours": "house default (no statutory hours for advertising): 09:00-21:00",
        "caller_id_required": "house default; 126-FZ art. 46 forbids substituting the number",
        "abandon_message_required": "house default",
    },
)

RU_COLLECTION = dataclasses.replace(
    RU,
    code=Jurisdiction.RU_COLLECTION,
    title="Russia: debt collection, 230-FZ art. 7 (with 38-FZ where calls advertise)",
    consent_required=False,
    calling_hours=_hours({_WEEKDAYS: "08:00-22:00", _WEEKEND: "09:00-20:00"}),
    max_calls_per_day=1,
    max_calls_per_week=2,
    max_calls_per_month=8,
    frequency_basis=FrequencyBasis.DIALS,
    sources={
        **RU.sources,
        "consent_required": "230-FZ: debt collection is not advertising; no 38-FZ consent needed",
        "calling_hours": "230-FZ art. 7 p. 3: 08:00-22:00 working days, 09:00-20:00 weekends and holidays",
        "max_calls_per_day": "230-FZ art. 7 p. 3(3)(a): at most once a day",
        "max_calls_per_week": "230-FZ art. 7 p. 3(3)(b): at most twice a week",
        "max_calls_per_month": "230-FZ art. 7 p. 3(3)(c): at most eight times a month",
        "frequency_basis": "house default: every dial counts (the law counts interactions; stricter)",
    },
)

PROFILES: Mapping[Jurisdiction, ComplianceProfile] = {p.code: p for p in (US, UK, RU, RU_COLLECTION)}


def profile(code: str | Jurisdiction) -> ComplianceProfile:
    """The profile for a jurisdiction code ('US', 'UK', 'RU', 'RU_COLLECTION')."""
    try:
        return PROFILES[Jurisdiction(code.upper() if isinstance(code, str) else code)]
    except ValueError:
        raise ValueError(f"unknown compliance profile {code!r} (known: {', '.join(PROFILES)})") from None


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


_PERIOD_RANK = {AbandonPeriod.CALENDAR_DAY: 0, AbandonPeriod.ROLLING_30_DAYS: 1}
_BASIS_RANK = {FrequencyBasis.DIALS: 0, FrequencyBasis.LIVE_ANSWERS: 1}


def _period_looser(base: Any, new: Any) -> bool:
    return _PERIOD_RANK[AbandonPeriod(new)] > _PERIOD_RANK[AbandonPeriod(base)]


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
    if field_name == "lockout_exempt_modes":
        return frozenset(DialingMode(v) for v in value)
    if field_name == "national_registers":
        return tuple(sorted({str(v).strip() for v in ([value] if isinstance(value, str) else value)} - {""}))
    if field_name in ("abandon_redial_lockout", "consent_max_age", "national_register_max_age") and not isinstance(
        value, dt.timedelta
    ):
        from dialer.rules.campaign import parse_duration

        return parse_duration(value)
    if field_name == "calling_hours" and isinstance(value, Mapping):
        from dialer.rules.campaign import _days

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
