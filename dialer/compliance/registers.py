"""National opt-out registers (UK TPS/CTPS, the US Do-Not-Call Registry...). Pure.

A register is a file of numbers, loaded into the database under a name with the date its data
is as of. A profile with `national_register_screening` names the registers it screens against
and how old their data may be: a campaign refuses to start while one is missing or too old,
contacts on a register are refused at import, and again at every lease (`register_ok`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from dialer.compliance.campaign_check import CampaignProblem
from dialer.compliance.checks import ComplianceBlock, Verdict
from dialer.compliance.profiles import ComplianceProfile

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def register_name(name: str) -> str:
    """Register names are short identifiers, compared upper-case ('tps' is 'TPS')."""
    name = name.strip()
    if not _NAME.match(name):
        raise ValueError(f"register name {name!r}: use 1-40 letters, digits, '_', '-' or '.'")
    return name.upper()


@dataclass(frozen=True, slots=True)
class RegisterState:
    """What the database holds of one register."""

    name: str
    as_of: dt.datetime  # the date of the register's data (the file's), which the age is counted from
    loaded_at: dt.datetime
    numbers: int


def screened_registers(profile: ComplianceProfile | None) -> tuple[str, ...]:
    """The registers a campaign under `profile` must be screened against (empty: none)."""
    if profile is None or not profile.national_register_screening:
        return ()
    return tuple(register_name(n) for n in profile.national_registers)


def register_problems(
    profile: ComplianceProfile | None, loaded: Mapping[str, RegisterState], now: dt.datetime
) -> list[CampaignProblem]:
    """Why the campaign may not start for want of register data (empty: it may)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    problems: list[CampaignProblem] = []
    if profile is None:
        return problems
    for name in screened_registers(profile):
        state = loaded.get(name)
        if state is None:
            problems.append(
                CampaignProblem(
                    "national_registers",
                    f"{profile.code}: the {name} register is not loaded (dialer registers load {name} FILE)",
                )
            )
            continue
        max_age = profile.national_register_max_age
        if max_age is not None and now - state.as_of > max_age:
            age = (now - state.as_of).days
            problems.append(
                CampaignProblem(
                    "national_register_max_age",
                    f"{profile.code}: the {name} register is {age} days old (data of {state.as_of:%Y-%m-%d}); "
                    f"at most {max_age.days} days allowed: load a fresh file",
                )
            )
    return problems


def register_ok(listed_on: Collection[str], profile: ComplianceProfile | None) -> Verdict:
    """`listed_on`: the registers on which one of the contact's numbers appears."""
    wanted = set(screened_registers(profile))
    hits = sorted(wanted & {register_name(n) for n in listed_on})
    if hits:
        return Verdict(False, ComplianceBlock.NATIONAL_REGISTER, detail=f"on the {', '.join(hits)} register")
    return Verdict(True)
