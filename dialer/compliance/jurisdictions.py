"""The jurisdiction profiles: the lawful defaults a campaign starts from, with their sources. Pure.

Each default's source is kept next to the value (`ComplianceProfile.sources`) so that the docs and
the evidence report can cite it; "house default" marks a value the law does not fix. How a campaign
tightens a profile (or loosens it with a logged override) is in `dialer.compliance.profiles`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

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


class ConnectClock(StrEnum):
    """The instant from which the connect limit is measured (see `dialer.compliance.abandons`).

    Earlier is stricter: the answer comes before the callee starts to speak, which comes before the
    end of their greeting."""

    ANSWER = "answer"
    START_OF_SPEECH = "start_of_speech"
    COMPLETED_GREETING = "completed_greeting"


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
    #: A person must be connected to an operator within this many seconds of `connect_clock`.
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
    #: From which instant `connect_limit_s` runs (the regulator's wording, see `sources`).
    connect_clock: ConnectClock = ConnectClock.ANSWER
    #: Count every AMD-detected machine as an abandoned live call (stricter than any regulator asks).
    machines_count_as_abandons: bool = False
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
    connect_clock=ConnectClock.COMPLETED_GREETING,
    sources={
        "abandon_cap": "16 CFR 310.4(b)(4)(i): <= 3% of calls answered by a person, per campaign per 30 days",
        "abandon_period": "16 CFR 310.4(b)(4)(i): 30-day period (or the campaign, if shorter)",
        "connect_limit_s": "16 CFR 310.4(b)(4)(iii) and 310.4(b)(1)(iv): 2 s after the completed greeting",
        "connect_clock": "16 CFR 310.4(b)(1)(iv): abandoned if not connected to a sales representative within "
        "2 s of the completed greeting of the person answering",
        "machines_count_as_abandons": "house default: the TSR counts calls answered by a person only",
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
    connect_clock=ConnectClock.START_OF_SPEECH,
    sources={
        "abandon_cap": "Ofcom persistent-misuse policy statement (2016): 3% of live calls per campaign per day",
        "abandon_period": "Ofcom policy: per campaign per 24-hour (calendar) day",
        "count_amd_false_positives": "Ofcom policy: AMD false positives count as abandoned, reasoned estimate",
        "amd_false_positive_rate": "house default: 5% of MACHINE verdicts until a listening test gives a figure",
        "target_abandon_rate": "Ofcom 2017 statement: 3% is no safe harbour; house default 2%",
        "connect_limit_s": "Ofcom policy: abandoned if no live operator within 2 s",
        "connect_clock": "Ofcom persistent-misuse policy (2010 statement, kept in 2016): the 2 s run from the "
        "called person starting to speak; the information message must start within them too",
        "machines_count_as_abandons": "Ofcom policy: a reasoned estimate of AMD false positives is counted "
        "(count_amd_false_positives), not every machine",
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
    connect_clock=ConnectClock.COMPLETED_GREETING,
    sources={
        "consent_required": "38-FZ art. 18 p. 1: advertising by phone only with the subscriber's prior consent",
        "dnc_immediate": "38-FZ art. 18 p. 1: stop at once when the subscriber asks",
        "allow_agentless": "38-FZ art. 18 p. 2: no automatic dialling and messaging without a person",
        "abandon_cap": "house default: the US figure (no Russian rule)",
        "connect_limit_s": "house default: the US/UK figure",
        "connect_clock": "house default: the US rule (2 s after the completed greeting)",
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
