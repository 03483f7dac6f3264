"""The sections of a campaign file (lists, filters, dialing, calling windows, dispositions, retries),
each validated with errors that name the field. Pure; `dialer.rules.campaign` puts them together."""

from __future__ import annotations

import datetime as dt
from typing import Self

from pydantic import Field, field_validator, model_validator

from dialer.lists.filters import DEFAULT_GROUP_MIN_ROWS
from dialer.outcomes import AttemptOutcome
from dialer.pacing.snapshot import DialingMode
from dialer.rules.campaign_fields import Duration, _check_zone, _days, _Model, _range_texts
from dialer.rules.dispositions import Disposition
from dialer.rules.retry import DEFAULT_DELAYS
from dialer.rules.windows import TimeRange


class ListRef(_Model):
    name: str = Field(min_length=1)
    path: str | None = None
    default_region: str = "RU"
    mapping: dict[str | int, str | None] | None = None
    sheet: str | None = None


class SpecialtiesSpec(_Model):
    allowed: list[str] = Field(min_length=1)
    synonyms: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _synonyms_of_allowed(self) -> Self:
        unknown = [k for k in self.synonyms if k not in self.allowed]
        if unknown:
            raise ValueError(f"synonyms given for specialties not in 'allowed': {unknown}")
        return self


class HeadcountSpec(_Model):
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    required: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class FiltersSpec(_Model):
    specialties: SpecialtiesSpec | None = None
    headcount: HeadcountSpec | None = None


class CorporateSpec(_Model):
    headcount_threshold: int | None = Field(default=None, ge=1)
    group_column: bool = True
    group_min_rows: int | None = Field(default=DEFAULT_GROUP_MIN_ROWS, ge=2)  # null: off


class DialingSpec(_Model):
    mode: DialingMode = DialingMode.PROGRESSIVE
    lines_per_operator: float = Field(default=1.0, gt=0)
    min_lines_per_operator: float = Field(default=1.0, gt=0)
    max_lines_per_operator: float = Field(default=3.0, gt=0)
    max_lines: int = Field(default=30, ge=1)
    target_abandon_rate: float = Field(default=0.03, ge=0, le=0.5)
    # where the regulator counts machine answers (AMD) as abandoned calls: the ledger, guard and model do too
    machines_count_as_abandons: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min_lines_per_operator > self.max_lines_per_operator:
            raise ValueError("min_lines_per_operator is greater than max_lines_per_operator")
        return self


def _default_weekly() -> dict[str, str | list[str] | None]:
    return {"mon-fri": "09:00-20:00"}


class CallingWindowsSpec(_Model):
    """Weekly ranges in the callee's local time; later keys override earlier ones per day."""

    weekly: dict[str, str | list[str] | None] = Field(default_factory=lambda: _default_weekly())
    holidays: list[dt.date] = Field(default_factory=list)
    fallback_timezone: str | None = None
    strict_ambiguous: bool = True

    @field_validator("weekly")
    @classmethod
    def _valid_weekly(cls, v: dict[str, str | list[str] | None]) -> dict[str, str | list[str] | None]:
        for key, ranges in v.items():
            _days(key)
            for text in _range_texts(ranges):
                TimeRange.parse(text)
        return v

    @field_validator("fallback_timezone")
    @classmethod
    def _valid_zone(cls, v: str | None) -> str | None:
        return _check_zone(v)

    def weekly_ranges(self) -> dict[int, tuple[TimeRange, ...]]:
        out: dict[int, tuple[TimeRange, ...]] = {}
        for key, ranges in self.weekly.items():
            parsed = tuple(TimeRange.parse(t) for t in _range_texts(ranges))
            for d in _days(key):
                out[d] = parsed
        return out


class DispositionSpec(_Model):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    label: str = ""
    positive: bool = False
    refusal: bool = False
    callback: bool = False
    final: bool = True
    do_not_call: bool = False  # the callee asked not to be called: their number goes on the DNC list at once

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        Disposition(**self.model_dump())  # same rules as the pure core
        return self


class RetrySpec(_Model):
    busy: Duration = DEFAULT_DELAYS[AttemptOutcome.BUSY]
    no_answer: Duration = DEFAULT_DELAYS[AttemptOutcome.NO_ANSWER]
    machine: Duration = DEFAULT_DELAYS[AttemptOutcome.MACHINE]
    congestion: Duration = DEFAULT_DELAYS[AttemptOutcome.CONGESTION]
    rejected: Duration = DEFAULT_DELAYS[AttemptOutcome.REJECTED]
    failed: Duration = DEFAULT_DELAYS[AttemptOutcome.FAILED]
    system_failure: Duration = DEFAULT_DELAYS[AttemptOutcome.SYSTEM_FAILURE]
    max_attempts: int = Field(default=6, ge=1, le=100)
    max_attempts_per_day: int = Field(default=3, ge=1, le=50)
    abandoned_quiet_period: Duration = dt.timedelta(hours=72)
    abandoned_priority_boost: int = Field(default=100, ge=0)
    refusal_cooldown: Duration = dt.timedelta(days=182)
    callback_grace: Duration = dt.timedelta(minutes=15)
    non_final_disposition_delay: Duration = dt.timedelta(days=1)
