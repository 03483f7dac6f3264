"""A campaign's contact rules in one bundle, as the database adapter applies them. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dialer.compliance.abandons import ConnectRule, campaign_connect_rule
from dialer.compliance.checks import Consent, Verdict, compliance_check
from dialer.compliance.profiles import ComplianceProfile
from dialer.outcomes import AttemptOutcome
from dialer.pacing.snapshot import DialingMode
from dialer.rules.connect_strategy import ConnectStrategy
from dialer.rules.dispositions import Disposition
from dialer.rules.retry import Eligibility, NextStep, RetryPolicy, check_dialable, next_step
from dialer.rules.windows import CallingWindows, ContactZones


@dataclass(frozen=True)
class CampaignRules:
    policy: RetryPolicy
    windows: CallingWindows
    dispositions: Mapping[str, Disposition]
    compliance: ComplianceProfile | None = None  # the jurisdiction's rules, checked before every dial
    mode: DialingMode = DialingMode.PROGRESSIVE
    connect_strategy: ConnectStrategy = ConnectStrategy.AMD_OFF
    machines_count_as_abandons: bool = False  # the campaign's own setting, on top of the profile's

    @classmethod
    def from_definition(cls, definition: object) -> CampaignRules:
        from dialer.compliance.profiles import compliance_from_config
        from dialer.rules.campaign import CampaignDefinition

        assert isinstance(definition, CampaignDefinition)
        profile = compliance_from_config(definition.compliance).rules if definition.compliance else None
        return cls(
            definition.retry_policy(),
            definition.calling_windows_rules(),
            definition.disposition_map(),
            profile,
            definition.dialing.mode,
            definition.connect_strategy,
            definition.dialing.machines_count_as_abandons,
        )

    def abandon_rule(self, connect_limit_s: float) -> ConnectRule:
        """The rule the connect guard, the pacing ledger and the report apply to this campaign's calls
        (`dialer.compliance.abandons.classify_call` / `connect_deadline`); `connect_limit_s`: the
        campaign's own setting (the tighter of it and the profile's is used)."""
        return campaign_connect_rule(
            self.compliance, connect_limit_s=connect_limit_s, machines_count_as_abandons=self.machines_count_as_abandons
        )

    def compliance_verdict(
        self,
        *,
        now: dt.datetime,
        timezone: ContactZones,
        consent: Consent | None,
        dial_times: Sequence[dt.datetime],
        last_abandoned_at: dt.datetime | None,
        registers_listing: Sequence[str] = (),
    ) -> Verdict | None:
        """The jurisdiction's verdict on dialling this contact now (None: the campaign has no profile).
        `consent`: the state derived from the consent history (`dialer.compliance.consent`)."""
        if self.compliance is None:
            return None
        return compliance_check(
            now=now,
            profile=self.compliance,
            contact_tz=timezone,
            campaign_windows=self.windows,
            mode=self.mode,
            consent=consent,
            previous_dial_times=[t for t in dial_times],
            last_abandoned_at=last_abandoned_at,
            registers_listing=registers_listing,
        )

    def counts(self, outcome: str | None) -> bool:
        return outcome is not None and self.policy.counts(AttemptOutcome(outcome))

    def eligibility(
        self,
        *,
        now: dt.datetime,
        phones: Sequence[str],
        timezone: ContactZones,
        counted_attempts: Sequence[dt.datetime],
        not_before: dt.datetime | None,
        last_refusal_at: dt.datetime | None,
        do_not_call: Sequence[set[str]],
        is_callback: bool,
    ) -> Eligibility:
        return check_dialable(
            now=now,
            phones=phones,
            timezone=timezone,
            windows=self.windows,
            policy=self.policy,
            counted_attempts=counted_attempts,
            not_before=not_before,
            last_refusal_at=last_refusal_at,
            do_not_call=do_not_call,
            is_callback=is_callback,
        )

    def after_attempt(
        self,
        outcome: AttemptOutcome,
        *,
        now: dt.datetime,
        previous_attempts: Sequence[dt.datetime],
        timezone: ContactZones,
        base_priority: int,
        disposition_code: str | None = None,
        callback_at: dt.datetime | None = None,
    ) -> NextStep:
        disposition = self.dispositions.get(disposition_code) if disposition_code else None
        if disposition_code and disposition is None:
            raise ValueError(f"disposition {disposition_code!r} is not defined for this campaign")
        return next_step(
            outcome,
            now=now,
            previous_attempts=previous_attempts,
            policy=self.policy,
            windows=self.windows,
            timezone=timezone,
            disposition=disposition,
            callback_at=callback_at,
            base_priority=base_priority,
        )
