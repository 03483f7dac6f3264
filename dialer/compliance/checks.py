"""Pre-dial compliance checks, on top of `dialer.rules.retry.check_dialable`. Pure.

`check_dialable` already handles DNC, refusal cooldown, attempt limits and the campaign's
calling window. These add what a jurisdiction demands: consent, the profile's calling
hours (intersected with the campaign's windows: one window engine, `dialer.rules.windows`),
per-callee frequency caps in the callee's local calendar, and the lockout after an
abandoned call. `compliance_check` runs them all and gives one verdict with the instant
at which every time-based block has cleared, so the lease can park the contact until then.

`validate_campaign` (in `dialer.compliance.campaign_check`, importable from here too) checks the
campaign's pacing knobs and settings against the profile before the campaign may start; `Consent`
and `consent_from_fields` live in `dialer.compliance.consent`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from dialer.compliance.campaign_check import AGENTLESS, CampaignProblem, DialSettings, validate_campaign
from dialer.compliance.consent import Consent, consent_from_fields
from dialer.compliance.profiles import ComplianceProfile, FrequencyBasis
from dialer.outcomes import AttemptOutcome
from dialer.pacing.snapshot import DialingMode
from dialer.rules.windows import (
    CallingWindows,
    ContactZones,
    TimeRange,
    is_callable,
    local_day_start,
    next_window_start,
    resolve_zones,
)

__all__ = [  # DialSettings, CampaignProblem, validate_campaign, Consent, consent_from_fields: imported from here too
    "AGENTLESS",
    "FINAL_BLOCKS",
    "CampaignProblem",
    "ComplianceBlock",
    "Consent",
    "DialSettings",
    "Verdict",
    "agentless_ok",
    "compliance_check",
    "consent_from_fields",
    "consent_ok",
    "frequency_counted",
    "frequency_ok",
    "hours_ok",
    "profile_windows",
    "redial_after_abandon_ok",
    "validate_campaign",
]


class ComplianceBlock(StrEnum):
    NO_CONSENT = "no_consent"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_REVOKED = "consent_revoked"
    AGENTLESS_FORBIDDEN = "agentless_forbidden"
    OUTSIDE_HOURS = "outside_hours"
    NO_HOURS = "no_hours"  # never callable: no common hours, campaign over, or zone unknown
    FREQUENCY_DAY = "frequency_day"
    FREQUENCY_WEEK = "frequency_week"
    FREQUENCY_MONTH = "frequency_month"
    ABANDON_LOCKOUT = "abandon_lockout"
    NATIONAL_REGISTER = "national_register"  # on TPS / the national Do-Not-Call Registry


#: Blocks that waiting does not clear: the contact should be closed with the reason.
FINAL_BLOCKS: frozenset[ComplianceBlock] = frozenset(
    {
        ComplianceBlock.NO_CONSENT,
        ComplianceBlock.CONSENT_EXPIRED,
        ComplianceBlock.CONSENT_REVOKED,
        ComplianceBlock.AGENTLESS_FORBIDDEN,
        ComplianceBlock.NO_HOURS,
        ComplianceBlock.NATIONAL_REGISTER,
    }
)


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    reason: ComplianceBlock | None = None
    #: When to look again (None when ok, or when waiting will not help).
    retry_at: dt.datetime | None = None
    detail: str = ""

    def __bool__(self) -> bool:
        return self.ok


_OK = Verdict(True)


def _aware(name: str, value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


# --- consent -------------------------------------------------------------------------------------


def consent_ok(contact_consent: Consent | None, profile: ComplianceProfile, now: dt.datetime) -> Verdict:
    """Without a recorded, current consent a consent-profile contact is never dialled."""
    _aware("now", now)
    if not profile.consent_required:
        return _OK
    if contact_consent is None or not contact_consent.source.strip():
        return Verdict(False, ComplianceBlock.NO_CONSENT, detail="no recorded consent (source and date)")
    c = contact_consent
    if c.revoked_at is not None and c.revoked_at <= now:
        return Verdict(False, ComplianceBlock.CONSENT_REVOKED, detail=f"revoked {c.revoked_at.isoformat()}")
    if c.given_at > now:
        return Verdict(False, ComplianceBlock.NO_CONSENT, detail="consent dated in the future")
    if c.expires_at is not None and c.expires_at <= now:
        return Verdict(False, ComplianceBlock.CONSENT_EXPIRED, detail=f"expired {c.expires_at.isoformat()}")
    if profile.consent_max_age is not None and c.given_at + profile.consent_max_age <= now:
        return Verdict(
            False, ComplianceBlock.CONSENT_EXPIRED, detail=f"given {c.given_at.isoformat()}, older than allowed"
        )
    return _OK


# --- calling hours -------------------------------------------------------------------------------


def _intersect(a: Sequence[TimeRange], b: Sequence[TimeRange]) -> tuple[TimeRange, ...]:
    out = []
    for x in a:
        for y in b:
            start, end = max(x.start, y.start), min(x.end, y.end)
            if start < end:
                out.append(TimeRange(start, end))
    return tuple(sorted(set(out)))


def profile_windows(profile: ComplianceProfile, campaign_windows: CallingWindows | None = None) -> CallingWindows:
    """The profile's calling hours as `CallingWindows`, intersected with the campaign's.

    Holidays, campaign dates and the zone policy for ambiguous contacts come from the campaign.
    """
    if campaign_windows is None:
        return CallingWindows(dict(profile.calling_hours))
    weekly = {}
    for day in range(7):
        ranges = _intersect(profile.calling_hours.get(day, ()), campaign_windows.weekly.get(day, ()))
        if ranges:
            weekly[day] = ranges
    return CallingWindows(
        weekly,
        holidays=campaign_windows.holidays,
        start_date=campaign_windows.start_date,
        end_date=campaign_windows.end_date,
        fallback_timezone=campaign_windows.fallback_timezone,
        strict_ambiguous=campaign_windows.strict_ambiguous,
    )


def hours_ok(
    contact_tz: ContactZones,
    profile: ComplianceProfile,
    now: dt.datetime,
    campaign_windows: CallingWindows | None = None,
) -> Verdict:
    """Inside both the profile's hours and the campaign's windows, in every zone the callee may be in."""
    _aware("now", now)
    windows = profile_windows(profile, campaign_windows)
    if is_callable(contact_tz, now, windows):
        return _OK
    start = next_window_start(contact_tz, now, windows)
    if start is None:
        return Verdict(False, ComplianceBlock.NO_HOURS, detail="no common calling hours (or the zone is unknown)")
    return Verdict(False, ComplianceBlock.OUTSIDE_HOURS, start, f"outside {profile.code} hours")


# --- frequency caps ------------------------------------------------------------------------------


def frequency_counted(outcome: str | None, profile: ComplianceProfile) -> bool:
    """Does an attempt with this outcome count towards the caps? (None: still in progress: yes.)"""
    if profile.frequency_basis is FrequencyBasis.DIALS or outcome is None:
        return True
    return outcome in (AttemptOutcome.CONNECTED.value, AttemptOutcome.ABANDONED.value)


def _zones_for(tz: ContactZones) -> tuple[ZoneInfo, ...]:
    """Every candidate zone; UTC when unknown (the calling window blocks unknown zones anyway)."""
    if tz is None:
        return (ZoneInfo("UTC"),)
    names = (tz,) if isinstance(tz, str) else tuple(dict.fromkeys(tz))
    return tuple(ZoneInfo(n) for n in names) or (ZoneInfo("UTC"),)


def _day_key(d: dt.date) -> tuple[int, ...]:
    return (d.toordinal(),)


def _week_key(d: dt.date) -> tuple[int, ...]:
    iso = d.isocalendar()
    return (iso.year, iso.week)


def _month_key(d: dt.date) -> tuple[int, ...]:
    return (d.year, d.month)


def _next_day(d: dt.date) -> dt.date:
    return d + dt.timedelta(days=1)


def _next_week(d: dt.date) -> dt.date:
    return d + dt.timedelta(days=7 - d.weekday())


def _next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


_PERIODS = (
    ("max_calls_per_day", ComplianceBlock.FREQUENCY_DAY, _day_key, _next_day, "day"),
    ("max_calls_per_week", ComplianceBlock.FREQUENCY_WEEK, _week_key, _next_week, "week (Mon-Sun)"),
    ("max_calls_per_month", ComplianceBlock.FREQUENCY_MONTH, _month_key, _next_month, "calendar month"),
)


def _frequency_at(
    times: Sequence[dt.datetime], profile: ComplianceProfile, at: dt.datetime, zones: Sequence[ZoneInfo]
) -> Verdict:
    for zone in zones:
        today = at.astimezone(zone).date()
        local_days = [t.astimezone(zone).date() for t in times]
        for name, block, key, following, label in _PERIODS:
            cap: int | None = getattr(profile, name)
            if cap is None:
                continue
            k = key(today)
            used = sum(1 for d in local_days if key(d) == k)
            if used >= cap:
                return Verdict(
                    False,
                    block,
                    local_day_start(following(today), zone),
                    f"{used} calls this {label} in {zone.key} (max {cap})",
                )
    return _OK


def frequency_ok(
    previous_dial_times: Iterable[dt.datetime],
    profile: ComplianceProfile,
    now: dt.datetime,
    tz: ContactZones,
) -> Verdict:
    """At most N calls a day / week (Monday to Sunday) / calendar month, in the callee's local calendar.

    `previous_dial_times`: the counted attempts (see `frequency_counted`) to this callee in
    *every* campaign of the same creditor. With several candidate zones the cap must hold in
    each of them. `retry_at` is the first local period start at which no cap is reached.
    """
    _aware("now", now)
    times = list(previous_dial_times)
    for t in times:
        _aware("previous_dial_times", t)
    zones = _zones_for(tz)
    first = _frequency_at(times, profile, now, zones)
    if first.ok:
        return first
    at = first.retry_at
    for _ in range(12):  # a day cap can push into a full week, that into a full month...
        assert at is not None
        verdict = _frequency_at(times, profile, at, zones)
        if verdict.ok:
            return Verdict(False, first.reason, at, first.detail)
        at = verdict.retry_at
    return Verdict(False, first.reason, at, first.detail)


# --- the 72-hour lockout ---------------------------------------------------------------------------


def redial_after_abandon_ok(
    last_abandoned_at: dt.datetime | None,
    profile: ComplianceProfile,
    now: dt.datetime,
    mode: DialingMode | str,
) -> Verdict:
    """UK: a number whose call was abandoned is not redialled within 72 h unless an operator is
    guaranteed (preview/progressive). Pass the latest abandon to any of the contact's numbers, in
    any campaign."""
    _aware("now", now)
    lockout = profile.abandon_redial_lockout
    if lockout is None or last_abandoned_at is None:
        return _OK
    if _mode(mode) in profile.lockout_exempt_modes:
        return _OK
    until = last_abandoned_at + lockout
    if now < until:
        return Verdict(False, ComplianceBlock.ABANDON_LOCKOUT, until, f"abandoned at {last_abandoned_at.isoformat()}")
    return _OK


def _mode(mode: DialingMode | str) -> DialingMode | str:
    try:
        return DialingMode(mode)
    except ValueError:
        return str(mode)


def agentless_ok(mode: DialingMode | str, profile: ComplianceProfile) -> Verdict:
    if str(mode) == AGENTLESS and not profile.allow_agentless:
        return Verdict(False, ComplianceBlock.AGENTLESS_FORBIDDEN, detail=f"{profile.code}: never agentless")
    return _OK


# --- everything at once --------------------------------------------------------------------------


def compliance_check(
    *,
    now: dt.datetime,
    profile: ComplianceProfile,
    contact_tz: ContactZones,
    campaign_windows: CallingWindows | None,
    mode: DialingMode | str,
    consent: Consent | None = None,
    previous_dial_times: Sequence[dt.datetime] = (),
    last_abandoned_at: dt.datetime | None = None,
    registers_listing: Iterable[str] = (),
) -> Verdict:
    """The jurisdiction's part of the last check before a dial; call it next to `check_dialable`.

    `registers_listing`: the national registers (by name) on which one of the contact's numbers is.

    The reason is the first block found at `now`; `retry_at` is the first instant at which
    hours, frequency caps and the abandon lockout all allow the dial (None for final blocks).
    """
    _aware("now", now)
    from dialer.compliance.registers import register_ok

    for verdict in (
        agentless_ok(mode, profile),
        register_ok(tuple(registers_listing), profile),
        consent_ok(consent, profile, now),
    ):
        if not verdict.ok:
            return verdict
    windows = profile_windows(profile, campaign_windows)
    # frequency is counted in the zones the calling window resolves to (fallback zone included)
    zones = resolve_zones(contact_tz, windows)
    freq_tz: ContactZones = tuple(z.key for z in zones) if zones else contact_tz

    def timed(at: dt.datetime) -> Verdict:
        for v in (
            hours_ok(contact_tz, profile, at, campaign_windows),
            frequency_ok(previous_dial_times, profile, at, freq_tz),
            redial_after_abandon_ok(last_abandoned_at, profile, at, mode),
        ):
            if not v.ok:
                return v
        return _OK

    first = timed(now)
    if first.ok or first.retry_at is None:
        return first
    at = first.retry_at
    for _ in range(50):
        v = timed(at)
        if v.ok:
            return Verdict(False, first.reason, at, first.detail)
        if v.retry_at is None:
            return Verdict(False, v.reason, None, v.detail)
        at = max(v.retry_at, at + dt.timedelta(seconds=1))
    return Verdict(False, first.reason, at, first.detail)
