"""Campaign definition: the schema of `campaigns/*.yaml` and its conversion to the pure rules.

Validation errors name the field (`dialing.max_lines: must be > 0`), unknown keys are
errors (a typo like `ring_timout_seconds` must not be silently ignored), and
durations are written the way people say them: `10m`, `2h`, `72h`, `182d`, `1h30m`,
or a number of seconds.

```yaml
name: dentists-spring
lists: [dentists-msk]                  # or [{name: ..., path: ..., mapping: {...}}]
filters:
  specialties: {allowed: [Стоматология], synonyms: {Стоматология: [dentistry]}}
  headcount: {min: 1, max: 500}
corporate: {headcount_threshold: 1000, group_min_rows: 5}
dialing: {mode: predictive, max_lines: 30, target_abandon_rate: 0.03}
caller_id: "+74951234567"
dial_string: "PJSIP/{number}@main-trunk"
calling_windows: {weekly: {mon-fri: "09:00-20:00", sat: "10:00-16:00"}, holidays: [2026-01-01]}
dispositions:
  - {code: sale, label: Продажа, positive: true}
  - {code: no, label: Отказ, refusal: true}
  - {code: later, label: Перезвонить, callback: true}
retry: {busy: 10m, no_answer: 2h, machine: 4h, max_attempts: 6}
```
"""

# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from dialer.lists.filters import DEFAULT_GROUP_MIN_ROWS, CorporateRules, HeadcountRange, ImportRules, SpecialtyFilter
from dialer.pacing.snapshot import DialingMode, PacingKnobs
from dialer.rules.outcomes import CallOutcome, Disposition
from dialer.rules.retry import DEFAULT_DELAYS, RetryPolicy
from dialer.rules.windows import CallingWindows, TimeRange

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(min|sec|w|d|h|m|s)")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1, "sec": 1}


def parse_duration(value: Any) -> dt.timedelta:
    """'10m', '2h', '1h30m', '182d', 90 (seconds) or a timedelta."""
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration like '10m', '2h', '3d' or a number of seconds")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("duration must not be negative")
        return dt.timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if text.isascii() and text.isdigit():
            return dt.timedelta(seconds=int(text))
        pos, total = 0, 0.0
        for m in _DURATION.finditer(text):
            if m.start() != pos:
                break
            total += float(m.group(1)) * _UNITS[m.group(2)]
            pos = m.end()
        if text and pos == len(text):
            return dt.timedelta(seconds=total)
        if text.startswith("p"):  # ISO 8601 ('PT10M'), as the definition is stored and served as JSON
            try:
                return TypeAdapter(dt.timedelta).validate_python(value.strip())
            except ValidationError:
                pass
    raise ValueError(f"not a duration: {value!r} (use e.g. '10m', '2h', '3d', '1h30m' or seconds)")


Duration = Annotated[dt.timedelta, BeforeValidator(parse_duration)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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


_DAY_NAMES = {
    "mon": 0,
    "monday": 0,
    "пн": 0,
    "tue": 1,
    "tuesday": 1,
    "вт": 1,
    "wed": 2,
    "wednesday": 2,
    "ср": 2,
    "thu": 3,
    "thursday": 3,
    "чт": 3,
    "fri": 4,
    "friday": 4,
    "пт": 4,
    "sat": 5,
    "saturday": 5,
    "сб": 5,
    "sun": 6,
    "sunday": 6,
    "вс": 6,
}
_DAY_GROUPS = {"daily": range(7), "every_day": range(7), "weekdays": range(5), "weekend": range(5, 7)}


def _days(key: str) -> list[int]:
    k = key.strip().lower()
    if k in _DAY_GROUPS:
        return list(_DAY_GROUPS[k])
    if "-" in k:
        a, _, b = k.partition("-")
        if a in _DAY_NAMES and b in _DAY_NAMES:
            lo, hi = _DAY_NAMES[a], _DAY_NAMES[b]
            return list(range(lo, hi + 1)) if lo <= hi else [*range(lo, 7), *range(0, hi + 1)]
    if k in _DAY_NAMES:
        return [_DAY_NAMES[k]]
    raise ValueError(f"unknown day {key!r}: use mon..sun, ranges like mon-fri, weekdays, weekend or daily")


def _check_zone(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {name!r} (e.g. Europe/Moscow)") from None
    return name


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


def _range_texts(ranges: str | list[str] | None) -> list[str]:
    if ranges is None:
        return []
    items = ranges.split(",") if isinstance(ranges, str) else ranges
    return [t.strip() for t in items if t.strip()]


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
    busy: Duration = DEFAULT_DELAYS[CallOutcome.BUSY]
    no_answer: Duration = DEFAULT_DELAYS[CallOutcome.NO_ANSWER]
    machine: Duration = DEFAULT_DELAYS[CallOutcome.MACHINE]
    congestion: Duration = DEFAULT_DELAYS[CallOutcome.CONGESTION]
    rejected: Duration = DEFAULT_DELAYS[CallOutcome.REJECTED]
    failed: Duration = DEFAULT_DELAYS[CallOutcome.FAILED]
    system_failure: Duration = DEFAULT_DELAYS[CallOutcome.SYSTEM_FAILURE]
    max_attempts: int = Field(default=6, ge=1, le=100)
    max_attempts_per_day: int = Field(default=3, ge=1, le=50)
    abandoned_quiet_period: Duration = dt.timedelta(hours=72)
    abandoned_priority_boost: int = Field(default=100, ge=0)
    refusal_cooldown: Duration = dt.timedelta(days=182)
    callback_grace: Duration = dt.timedelta(minutes=15)
    non_final_disposition_delay: Duration = dt.timedelta(days=1)


class CampaignDefinition(_Model):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w .\-]+$")
    description: str = ""
    lists: list[ListRef] = Field(default_factory=list)
    filters: FiltersSpec = Field(default_factory=FiltersSpec)
    corporate: CorporateSpec = Field(default_factory=CorporateSpec)
    dialing: DialingSpec = Field(default_factory=DialingSpec)
    caller_id: str | None = Field(default=None, pattern=r'^(?:"?[^"<>]*"?\s*<)?\+?\d{3,15}>?$')
    trunk: str | None = None
    dial_string: str | None = None
    calling_windows: CallingWindowsSpec = Field(default_factory=CallingWindowsSpec)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    dispositions: list[DispositionSpec] = Field(default_factory=list)
    retry: RetrySpec = Field(default_factory=RetrySpec)
    # all: every bridged call, from the customer's answer; on_demand: the operator starts it; none.
    # true/false are accepted for all/none.
    recording: Literal["all", "none", "on_demand"] = "none"
    recording_retention: Duration | None = None  # delete recordings older than this; None keeps them
    ring_timeout_seconds: int = Field(default=30, ge=5, le=180)
    connect_limit_seconds: float = Field(default=2.0, gt=0, le=30)
    wrap_up_seconds: int = Field(default=15, ge=0, le=3600)
    amd: bool = False
    # a jurisdiction profile (US, UK, RU, RU_COLLECTION) the campaign may make stricter, never looser
    # without a logged override: see docs/compliance.md
    compliance: dict[str, Any] | None = None

    @field_validator("lists", mode="before")
    @classmethod
    def _list_names(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [{"name": x} if isinstance(x, str) else x for x in v]
        return v

    @field_validator("compliance")
    @classmethod
    def _compliance(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        if v is not None:
            from dialer.compliance.profiles import compliance_from_config  # imports this module

            compliance_from_config(v)
        return v

    @field_validator("recording", mode="before")
    @classmethod
    def _recording_mode(cls, v: Any) -> Any:
        return {True: "all", False: "none"}.get(v, v) if isinstance(v, bool) else v

    @field_validator("dial_string")
    @classmethod
    def _placeholder(cls, v: str | None) -> str | None:
        if v is not None and "{number}" not in v:
            raise ValueError("must contain the {number} placeholder, e.g. 'PJSIP/{number}@trunk'")
        return v

    @model_validator(mode="after")
    def _cross_checks(self) -> Self:
        if self.trunk is None and self.dial_string is None:
            raise ValueError("give a trunk or a dial_string")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError(f"start_date {self.start_date} is after end_date {self.end_date}")
        codes = [d.code for d in self.dispositions]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"dispositions: duplicate codes {dupes}")
        names = [x.name for x in self.lists]
        if len(set(names)) != len(names):
            raise ValueError("lists: duplicate list names")
        return self

    # --- conversion to the pure core -----------------------------------------------------------

    def import_rules(self) -> ImportRules:
        f = self.filters
        specialties = SpecialtyFilter.of(f.specialties.allowed, f.specialties.synonyms) if f.specialties else None
        headcount = HeadcountRange(f.headcount.min, f.headcount.max, f.headcount.required) if f.headcount else None
        c = self.corporate
        return ImportRules(
            specialties, headcount, CorporateRules(c.headcount_threshold, c.group_column, c.group_min_rows)
        )

    def calling_windows_rules(self) -> CallingWindows:
        w = self.calling_windows
        return CallingWindows(
            weekly=w.weekly_ranges(),
            holidays=frozenset(w.holidays),
            start_date=self.start_date,
            end_date=self.end_date,
            fallback_timezone=w.fallback_timezone,
            strict_ambiguous=w.strict_ambiguous,
        )

    def retry_policy(self) -> RetryPolicy:
        r = self.retry
        delays = {o: getattr(r, o.value) for o in DEFAULT_DELAYS}
        return RetryPolicy(
            delays=delays,
            max_attempts=r.max_attempts,
            max_attempts_per_day=r.max_attempts_per_day,
            abandoned_quiet_period=r.abandoned_quiet_period,
            abandoned_priority_boost=r.abandoned_priority_boost,
            refusal_cooldown=r.refusal_cooldown,
            callback_grace=r.callback_grace,
            non_final_disposition_delay=r.non_final_disposition_delay,
        )

    def disposition_map(self) -> dict[str, Disposition]:
        return {d.code: Disposition(**d.model_dump()) for d in self.dispositions}

    def pacing_knobs(self) -> PacingKnobs:
        d = self.dialing
        return PacingKnobs(
            mode=d.mode,
            lines_per_operator=d.lines_per_operator,
            min_lines_per_operator=d.min_lines_per_operator,
            max_lines_per_operator=d.max_lines_per_operator,
            max_lines=d.max_lines,
            target_abandon_rate=d.target_abandon_rate,
            wrap_up_limit_s=float(self.wrap_up_seconds),  # the service makes the operator ready after it
            machines_count_as_abandons=d.machines_count_as_abandons,
        )


class CampaignDefinitionError(ValueError):
    """Invalid campaign file; `problems` lists 'field.path: message' strings."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: invalid campaign definition:\n" + "\n".join(f"  - {p}" for p in problems))


def format_validation_error(exc: ValidationError) -> list[str]:
    """'dialing.max_lines: Input should be greater than or equal to 1 (got 0)'."""
    out = []
    for err in exc.errors():
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        msg = err["msg"].removeprefix("Value error, ")
        got = err.get("input")
        shown = "" if err["type"] == "missing" or isinstance(got, dict | list) else f" (got {got!r})"
        out.append(f"{loc or '(top level)'}: {msg}{shown}")
    return out


def parse_campaign(data: Any, source: str = "<campaign>") -> CampaignDefinition:
    """Validate already-loaded YAML/JSON data (e.g. from the API)."""
    if not isinstance(data, dict):
        raise CampaignDefinitionError(source, ["(top level): expected a mapping of campaign fields"])
    try:
        return CampaignDefinition.model_validate(data)
    except ValidationError as exc:
        raise CampaignDefinitionError(source, format_validation_error(exc)) from None


def load_campaign(path: str | Path) -> CampaignDefinition:
    """Read and validate `campaigns/<name>.yaml`. Raises CampaignDefinitionError naming the fields."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise CampaignDefinitionError(str(p), [f"cannot read the file: {exc.strerror}"]) from None
    except UnicodeDecodeError:
        raise CampaignDefinitionError(str(p), ["the file is not UTF-8 text"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise CampaignDefinitionError(str(p), [f"{where}YAML syntax error: {getattr(exc, 'problem', exc)}"]) from None
    return parse_campaign(data, str(p))
