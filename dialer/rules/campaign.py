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

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, NamedTuple, Self

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from dialer.lists.filters import CorporateRules, HeadcountRange, ImportRules, SpecialtyFilter
from dialer.pacing.snapshot import PacingKnobs
from dialer.rules.campaign_fields import Duration, _Model, parse_duration
from dialer.rules.campaign_specs import (
    CallingWindowsSpec,
    CorporateSpec,
    DialingSpec,
    DispositionSpec,
    FiltersSpec,
    HeadcountSpec,
    ListRef,
    RetrySpec,
    SpecialtiesSpec,
)
from dialer.rules.connect_strategy import ConnectStrategy
from dialer.rules.dispositions import Disposition
from dialer.rules.inbound_spec import InboundSpec
from dialer.rules.retry import DEFAULT_DELAYS, RetryPolicy
from dialer.rules.scorecard import ScorecardCriterion, check_scorecard
from dialer.rules.windows import CallingWindows

__all__ = [  # the sections live in campaign_specs / campaign_fields; imported from here too
    "CallingWindowsSpec",
    "CampaignDefinition",
    "CampaignDefinitionError",
    "ConnectStrategy",
    "CorporateSpec",
    "DialingSpec",
    "DispositionSpec",
    "Duration",
    "FieldProblem",
    "FiltersSpec",
    "HeadcountSpec",
    "ListRef",
    "RetrySpec",
    "SpecialtiesSpec",
    "field_problems",
    "format_validation_error",
    "parse_campaign",
    "parse_campaign_yaml",
    "parse_duration",
]


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
    # amd_off | amd_connect_first | amd_then_connect (dialer.rules.connect_strategy, docs/compliance.md);
    # the old `amd: true/false` still works and means amd_then_connect / amd_off
    connect_strategy: ConnectStrategy = ConnectStrategy.AMD_OFF
    amd: bool = False  # derived from connect_strategy: does the dialer run AMD at all
    # a jurisdiction profile (US, UK, RU, RU_COLLECTION) the campaign may make stricter, never looser
    # without a logged override: see docs/compliance.md
    compliance: dict[str, Any] | None = None
    inbound: InboundSpec | None = None  # calls coming back to the campaign's numbers (dialer.rules.inbound_spec)
    scorecard: list[ScorecardCriterion] | None = None  # QA criteria (dialer.rules.scorecard); None: the default

    @field_validator("scorecard")
    @classmethod
    def _scorecard(cls, v: list[ScorecardCriterion] | None) -> list[ScorecardCriterion] | None:
        return None if v is None else list(check_scorecard(v))

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
    def _connect_strategy(self) -> Self:
        given = self.model_fields_set
        if "connect_strategy" not in given:
            self.connect_strategy = ConnectStrategy.from_amd_flag(self.amd)
        elif "amd" in given and self.amd != self.connect_strategy.uses_amd:
            raise ValueError(
                f"amd: {str(self.amd).lower()} contradicts connect_strategy: {self.connect_strategy.value} "
                "(drop amd; connect_strategy says it)"
            )
        self.amd = self.connect_strategy.uses_amd
        return self

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


class FieldProblem(NamedTuple):
    """One field's problem as the validator found it: where, pydantic's error type and its context (so a
    reader can say it in another language), its English message, the value given (None: not shown)."""

    where: str
    kind: str
    context: dict[str, Any]
    message: str
    got: str | None


class CampaignDefinitionError(ValueError):
    """Invalid campaign file; `problems` lists 'field.path: message' strings, `fields` the same problems
    structured (when the validator found them; empty for a YAML syntax error)."""

    def __init__(self, source: str, problems: list[str], fields: list[FieldProblem] | None = None) -> None:
        self.source = source
        self.problems = problems
        self.fields = fields or []
        super().__init__(f"{source}: invalid campaign definition:\n" + "\n".join(f"  - {p}" for p in problems))


def format_validation_error(exc: ValidationError) -> list[str]:
    """'dialing.max_lines: Input should be greater than or equal to 1 (got 0)'."""
    return [f"{p.where}: {p.message}" + ("" if p.got is None else f" (got {p.got})") for p in field_problems(exc)]


def field_problems(exc: ValidationError) -> list[FieldProblem]:
    """The validator's errors, each with the field path as the file writes it ('dialing.max_lines')."""
    out = []
    for err in exc.errors():
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        msg = err["msg"].removeprefix("Value error, ")
        got = err.get("input")
        shown = None if err["type"] == "missing" or isinstance(got, dict | list) else repr(got)
        out.append(FieldProblem(loc or "(top level)", err["type"], dict(err.get("ctx") or {}), msg, shown))
    return out


def parse_campaign(data: Any, source: str = "<campaign>") -> CampaignDefinition:
    """Validate already-loaded YAML/JSON data (e.g. from the API)."""
    if not isinstance(data, dict):
        raise CampaignDefinitionError(source, ["(top level): expected a mapping of campaign fields"])
    try:
        return CampaignDefinition.model_validate(data)
    except ValidationError as exc:
        raise CampaignDefinitionError(source, format_validation_error(exc), field_problems(exc)) from None


def parse_campaign_yaml(text: str, source: str) -> CampaignDefinition:
    """Validate a campaign's YAML text (`source` names it in errors: the file, `<web>`). Raises
    CampaignDefinitionError naming the line or the fields. Reading the file is dialer.adapters.campaign_file."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise CampaignDefinitionError(source, [f"{where}YAML syntax error: {getattr(exc, 'problem', exc)}"]) from None
    return parse_campaign(data, source)
