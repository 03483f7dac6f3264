"""The `inbound:` section of a campaign file and a calling contact's routing facts. Pure.

```yaml
inbound:
  numbers: ["+74951234567"]        # the campaign's DIDs (its caller ID is usually one of them)
  max_wait: 60s                    # then a callback task and the callback message
  own_operator_wait: 10s           # how long a caller waits for their own operator before the team
  timezone: Europe/Moscow          # of the inbound hours
  hours: {mon-fri: "09:00-19:00"}  # none: always open
  after_hours: message             # message | callback (the closed message and a callback task)
  closed_message: sound:vm-goodbye
  callback_message: sound:vm-goodbye
  fields: {vip: vip, account_manager: account_manager, fallback_chain: fallback_chain}
  service_level: {share: 80%, within: 20s}  # the inbound target blended pacing holds operators back for
  expected_per_hour: 30            # what to expect before the dialer has learned the rate (default 0)
```

The contact fields are columns of the list (stored in the contact's details): `vip` is yes/no,
`account_manager` an operator login, `fallback_chain` operator logins separated by commas.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from typing import Self

from pydantic import Field, field_validator, model_validator

from dialer.pacing.blend import ServiceLevel
from dialer.rules.campaign_fields import Duration, _check_zone, _days, _Model, _range_texts
from dialer.rules.inbound_routing import AfterHours, CallerFacts, InboundPolicy
from dialer.rules.windows import TimeRange

# The inbound target an admin may change live on the pacing console, stored beside the pacing knobs in the
# campaign's overrides and laid over the file's `service_level` (share as a fraction, within in seconds).
INBOUND_KNOBS: dict[str, type] = {"service_level_share": float, "service_level_within_s": float}
MAX_WITHIN_S = 3600.0

_DID = re.compile(r"^\+?\d{3,15}$")
_TRUE = {"1", "yes", "y", "true", "vip", "да", "д", "x", "+"}
_FALSE = {"", "0", "no", "n", "false", "нет", "н", "-"}


class InboundFields(_Model):
    """Which contact fields (list columns) carry the routing facts."""

    vip: str = "vip"
    account_manager: str = "account_manager"
    fallback_chain: str = "fallback_chain"


class ServiceLevelSpec(_Model):
    """The admin's inbound target: `share` of callers (0.8 or "80%") answered within `within`."""

    share: float = 0.8
    within: Duration = dt.timedelta(seconds=20)

    @field_validator("share", mode="before")
    @classmethod
    def _percent(cls, v: object) -> object:
        if isinstance(v, str) and v.strip().endswith("%"):
            return float(v.strip()[:-1]) / 100
        return v

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if not 0.0 < self.share < 1.0:
            raise ValueError(f"share must be between 0 and 100 % (exclusive), not {self.share:g}")
        if self.within.total_seconds() < 0:
            raise ValueError("within must not be negative")
        return self

    def target(self) -> ServiceLevel:
        return ServiceLevel(self.share, self.within.total_seconds())


class InboundSpec(_Model):
    numbers: list[str] = Field(min_length=1)
    max_wait: Duration = dt.timedelta(seconds=60)
    own_operator_wait: Duration = dt.timedelta(seconds=10)
    timezone: str = "UTC"
    hours: dict[str, str | list[str] | None] | None = None
    after_hours: AfterHours = AfterHours.MESSAGE
    closed_message: str = "sound:vm-goodbye"
    callback_message: str = "sound:vm-goodbye"
    fields: InboundFields = Field(default_factory=InboundFields)
    service_level: ServiceLevelSpec = Field(default_factory=ServiceLevelSpec)
    expected_per_hour: float = Field(default=0.0, ge=0.0)

    @field_validator("numbers")
    @classmethod
    def _dids(cls, v: list[str]) -> list[str]:
        bad = [n for n in v if not _DID.match(n.replace(" ", ""))]
        if bad:
            raise ValueError(f"not phone numbers: {bad} (digits, optionally with a leading +)")
        return [n.replace(" ", "") for n in v]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        _check_zone(v)
        return v

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: dict[str, str | list[str] | None] | None) -> dict[str, str | list[str] | None] | None:
        for key, ranges in (v or {}).items():
            _days(key)
            for text in _range_texts(ranges):
                TimeRange.parse(text)
        return v

    @model_validator(mode="after")
    def _waits(self) -> Self:
        if self.max_wait.total_seconds() <= 0:
            raise ValueError("max_wait must be positive")
        return self

    def zone(self) -> zoneinfo.ZoneInfo:
        """The campaign's inbound clock: its hours are read in it and its daily figures cut by its days."""
        return zoneinfo.ZoneInfo(self.timezone)

    def policy(self) -> InboundPolicy:
        return InboundPolicy(
            max_wait_s=self.max_wait.total_seconds(),
            own_wait_s=self.own_operator_wait.total_seconds(),
            after_hours=self.after_hours,
        )

    def with_overrides(self, overrides: Mapping[str, object]) -> InboundSpec:
        """This section with the admin's console changes to the service-level target on top (other keys of
        `overrides` are the pacing knobs' and are ignored)."""
        share, within = overrides.get("service_level_share"), overrides.get("service_level_within_s")
        if share is None and within is None:
            return self
        target = ServiceLevelSpec(
            share=float(str(share)) if share is not None else self.service_level.share,
            within=dt.timedelta(seconds=float(str(within))) if within is not None else self.service_level.within,
        )
        return self.model_copy(update={"service_level": target})

    def is_open(self, at: dt.datetime) -> bool:
        """Within the inbound hours (always, when none are given)? `at` is aware."""
        if self.hours is None:
            return True
        local = at.astimezone(self.zone())
        ranges: dict[int, tuple[TimeRange, ...]] = {}
        for key, texts in self.hours.items():
            parsed = tuple(TimeRange.parse(t) for t in _range_texts(texts))
            for d in _days(key):
                ranges[d] = parsed
        return any(r.contains(local.time()) for r in ranges.get(local.weekday(), ()))

    def answers(self, did: str) -> bool:
        """Is `did` one of this campaign's numbers (compared by digits, so '+7…' and '7…' match)?"""
        digits = did.lstrip("+")
        return any(n.lstrip("+") == digits for n in self.numbers)


def parse_flag(value: object, field: str) -> bool:
    """A yes/no contact field ('да', 'yes', '1', 'x' ...); anything else is an error naming the field."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"contact field {field!r}: {value!r} is not yes/no")


def parse_logins(value: object) -> tuple[str, ...]:
    """'op2, op3; op4' or a list -> ('op2', 'op3', 'op4')."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else re.split(r"[,;\s]+", str(value))
    return tuple(str(x).strip() for x in items if str(x).strip())


def caller_facts(
    contact_id: int | None,
    details: Mapping[str, object],
    fields: InboundFields,
    operator_ids: Mapping[str, int],
    last_operator: int | None,
) -> tuple[CallerFacts, list[str]]:
    """A contact's routing facts from its details; also the problems found (a bad flag, an unknown
    login): routing goes on without that fact and the service logs them, so a caller is never refused."""
    problems: list[str] = []
    vip = False
    if fields.vip in details:
        try:
            vip = parse_flag(details[fields.vip], fields.vip)
        except ValueError as exc:
            problems.append(str(exc))

    def ids(logins: tuple[str, ...], field: str) -> tuple[int, ...]:
        out = []
        for login in logins:
            if login in operator_ids:
                out.append(operator_ids[login])
            else:
                problems.append(f"contact field {field!r}: no operator with login {login!r}")
        return tuple(out)

    manager = ids(parse_logins(details.get(fields.account_manager)), fields.account_manager)
    chain = ids(parse_logins(details.get(fields.fallback_chain)), fields.fallback_chain)
    facts = CallerFacts(
        contact_id=contact_id,
        vip=vip,
        account_manager=manager[0] if manager else None,
        fallback_chain=chain,
        last_operator=last_operator,
    )
    return facts, problems
