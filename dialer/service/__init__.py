"""The live side of the dialer: ARI events in, pacing decisions and call control out.

Pure parts live elsewhere (dialer.pacing decides how many calls, dialer.floor keeps the live state,
dialer.placement spreads calls over servers); this package is the service layer that drives them through
ports (dialer.service.ports). Its modules, one job each:

- campaign_config: a running campaign's settings and the jurisdiction clamp (pure)
- knobs: live knob changes, through the clamp
- run_state, backoff, decision_log: the live state of a campaign, the originate back-off, the decision log
- links: the Asterisk servers; failover: a server lost and back
- leadership: leases, start/stop, stand-by and take-over, crash reconciliation
- operators: operator sessions; calls: ARI event routing and call control; capture: recordings
- pacing_loop: decide, place, lease, originate
- read_model: frozen views for the web app and /metrics
- dialer_service: the facade that wires them; dialer.bootstrap builds it from the settings
"""

from __future__ import annotations

from dialer.db.repository import DialTask
from dialer.service.campaign_config import CampaignConfig, CampaignNotCompliant, clamp_to_profile
from dialer.service.context import ServiceOptions
from dialer.service.decision_log import DecisionLog
from dialer.service.dialer_service import DialerService
from dialer.service.knobs import KnobChange
from dialer.service.links import AsteriskLink, AsteriskLinks
from dialer.service.operators import WrapUpPolicy
from dialer.service.ports import LeftOpen
from dialer.service.read_model import CampaignView, OperatorView, ReadModel
from dialer.service.run_state import CampaignRun, utcnow

__all__ = [
    "AsteriskLink",
    "AsteriskLinks",
    "CampaignConfig",
    "CampaignNotCompliant",
    "CampaignRun",
    "CampaignView",
    "DecisionLog",
    "DialTask",
    "DialerService",
    "KnobChange",
    "LeftOpen",
    "OperatorView",
    "ReadModel",
    "ServiceOptions",
    "WrapUpPolicy",
    "clamp_to_profile",
    "utcnow",
]
