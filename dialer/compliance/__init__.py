"""Jurisdiction compliance: profiles, pre-dial checks and the evidence report (issue 8).

The pure core (`profiles`, `checks`, `evidence`) does no I/O; `evidence_adapter` reads the
database and writes CSV/XLSX. See docs/compliance.md.
"""

from dialer.compliance.checks import (
    FINAL_BLOCKS,
    ComplianceBlock,
    Consent,
    DialSettings,
    Verdict,
    agentless_ok,
    compliance_check,
    consent_from_fields,
    consent_ok,
    frequency_counted,
    frequency_ok,
    hours_ok,
    profile_windows,
    redial_after_abandon_ok,
    validate_campaign,
)
from dialer.compliance.profiles import (
    PROFILES,
    RU,
    RU_COLLECTION,
    UK,
    US,
    ComplianceProfile,
    ComplianceSettingError,
    EffectiveCompliance,
    Jurisdiction,
    Override,
    compliance_from_config,
    effective_rules,
    profile,
)

__all__ = [
    "FINAL_BLOCKS",
    "PROFILES",
    "RU",
    "RU_COLLECTION",
    "UK",
    "US",
    "ComplianceBlock",
    "ComplianceProfile",
    "ComplianceSettingError",
    "Consent",
    "DialSettings",
    "EffectiveCompliance",
    "Jurisdiction",
    "Override",
    "Verdict",
    "agentless_ok",
    "compliance_check",
    "compliance_from_config",
    "consent_from_fields",
    "consent_ok",
    "effective_rules",
    "frequency_counted",
    "frequency_ok",
    "hours_ok",
    "profile",
    "profile_windows",
    "redial_after_abandon_ok",
    "validate_campaign",
]
