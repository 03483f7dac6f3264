"""Pure campaign rules: calling windows, retries, refusal cooldown, callbacks, dial ordering,
and the campaign definition schema. No database, no Asterisk, no clock: `now` is always passed in.
"""

from dialer.outcomes import AttemptOutcome
from dialer.rules.callbacks import Callback, CallbackRoute, CallbackState, route_callback
from dialer.rules.campaign import CampaignDefinition, CampaignDefinitionError, parse_campaign, parse_campaign_yaml
from dialer.rules.dispositions import Disposition
from dialer.rules.ordering import QueueEntry, QueueKind, dial_order_key, order_for_dialling
from dialer.rules.retry import (
    BlockReason,
    Eligibility,
    FinalStatus,
    NextStep,
    RetryPolicy,
    StepAction,
    check_dialable,
    next_step,
    refusal_blocks,
)
from dialer.rules.windows import CallingWindows, ContactZones, TimeRange, is_callable, next_window_start

__all__ = [
    "AttemptOutcome",
    "BlockReason",
    "Callback",
    "CallbackRoute",
    "CallbackState",
    "CallingWindows",
    "CampaignDefinition",
    "CampaignDefinitionError",
    "ContactZones",
    "Disposition",
    "Eligibility",
    "FinalStatus",
    "NextStep",
    "QueueEntry",
    "QueueKind",
    "RetryPolicy",
    "StepAction",
    "TimeRange",
    "check_dialable",
    "dial_order_key",
    "is_callable",
    "next_step",
    "next_window_start",
    "order_for_dialling",
    "parse_campaign",
    "parse_campaign_yaml",
    "refusal_blocks",
    "route_callback",
]
