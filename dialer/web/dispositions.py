"""Who may record or change a call's disposition, and when a callback may be set. Pure rules; the
routes (operator desk, manager correction) look the rows up and turn a refusal into a 4xx.

An operator disposes a call during its wrap-up and may correct it for a short grace after it
(DIALER_WEB_DISPOSITION_GRACE_S); later, only a manager may change it, and that change is audited with
the old value. A callback must fall inside the campaign's dates and, where the callee's time zone is
known, its calling hours (the dialler would not call outside them anyway: the promise would be broken).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dialer.db.models import Attempt, Campaign, Contact
from dialer.rules.campaign import CampaignDefinitionError, parse_campaign
from dialer.rules.windows import CallingWindows, is_callable, resolve_zones
from dialer.web.messages import UserError

CALLBACK_SLACK = dt.timedelta(minutes=1)  # a callback "now" typed a few seconds late is still fine


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str  # English, in the catalogue (dialer.web.i18n_messages)
    params: dict[str, Any]

    def error(self) -> UserError:
        return UserError(self.status, self.message, **self.params)


def operator_may_dispose(
    attempt: Attempt, *, current_call: bool, wrapup_s: float, grace_s: float, now: dt.datetime
) -> Refusal | None:
    """None when the operator may record (or correct) this call's disposition now."""
    if current_call:  # the live floor says it is their call or its wrap-up
        return None
    if attempt.bridged_at is None:
        return Refusal(409, "this call was never connected to you; it has no disposition to record", {})
    ended = attempt.ended_at or attempt.bridged_at
    if now > ended + dt.timedelta(seconds=wrapup_s + grace_s):
        return Refusal(
            403,
            "this call's disposition can no longer be changed by an operator (wrap-up plus {grace_s} s are over); "
            "ask a manager",
            {"grace_s": f"{grace_s:.0f}"},
        )
    return None


def campaign_windows(campaign: Campaign) -> CallingWindows | None:
    try:
        definition = parse_campaign(campaign.definition or {"name": campaign.name}, campaign.name)
    except CampaignDefinitionError:
        return None
    return definition.calling_windows_rules()


def check_callback(at: dt.datetime, campaign: Campaign, contact: Contact | None, now: dt.datetime) -> Refusal | None:
    """None when a callback at `at` can be honoured: in the future, within the campaign's dates, and in
    its calling hours in the callee's zone(s) when those are known."""
    if at < now - CALLBACK_SLACK:
        return Refusal(422, "the callback time is in the past", {})
    windows = campaign_windows(campaign)
    if windows is None:
        return None
    zones_of = (contact.timezone or tuple(contact.timezone_candidates or ())) if contact is not None else None
    zones = resolve_zones(zones_of or None, windows)
    days = {at.astimezone(z).date() for z in zones} if zones else {at.astimezone(dt.UTC).date()}
    first, last = windows.start_date, windows.end_date
    if any((first and d < first) or (last and d > last) for d in days):
        return Refusal(
            422,
            "the callback date must fall within the campaign's dates ({first} to {last})",
            {"first": first or "…", "last": last or "…"},
        )
    if zones and not is_callable(zones_of or None, at, windows):
        return Refusal(
            422,
            "the callback time must fall within the campaign's calling hours ({windows}, {tz})",
            {"windows": describe_windows(windows), "tz": ", ".join(str(z) for z in zones)},
        )
    return None


DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def describe_windows(windows: CallingWindows) -> str:
    parts = []
    for day in range(7):
        ranges = windows.weekly.get(day, ())
        if ranges:
            text = ",".join(f"{r.start:%H:%M}-{'24:00' if r.end == dt.time.max else f'{r.end:%H:%M}'}" for r in ranges)
            parts.append(f"{DAY_NAMES[day]} {text}")
    return "; ".join(parts) or "none"
