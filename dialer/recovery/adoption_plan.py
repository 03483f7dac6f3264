"""What the adoption planner (dialer.recovery.adoption) decides: an action per call and per operator, and
the plan that gathers them. Plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dialer.outcomes import AttemptOutcome
from dialer.pacing import OperatorState


class CallAction(StrEnum):
    ADOPT_BRIDGED = "adopt_bridged"  # talking to an operator: keep talking, end as usual
    FOLLOW_RINGING = "follow_ringing"  # not answered yet: wait for its result (Asterisk keeps its ring timeout)
    FOLLOW_AMD = "follow_amd"  # answered, AMD running in the dialplan: it comes back into Stasis with a verdict
    # answered while no dialer listened, held by the dialplan (dialer-outbound) until Stasis takes it: it comes
    # into Stasis as a fresh answer (with the moment it answered), and is handled as one
    FOLLOW_ANSWER = "follow_answer"
    START_AMD = "start_amd"  # answered in an AMD campaign, AMD never ran (the dead process had no time): run it now
    BRIDGE = "bridge"  # answered, waiting: bridge to the free operator named
    WAIT = "wait"  # answered, waiting, no operator free: abandon in `abandon_in_s` unless one frees up
    ABANDON = "abandon"  # answered, waited past the connect limit: the abandon message, then hang up
    HANGUP = "hangup"  # cannot be adopted: hang up, the attempt's outcome is `outcome`


class OperatorAction(StrEnum):
    ADOPT = "adopt"  # softphone still in its bridge: logged in, in `state`
    END = "end"  # cannot be adopted: end the session (hang up `channel_id` when it is still there)


@dataclass(frozen=True)
class OpenSession:
    """An operator session without an end, as the database has it."""

    session_id: int
    operator_id: int
    campaign_id: int
    channel_id: str | None
    bridge_id: str | None
    last_state: str | None = None  # the last state change recorded (OperatorState values)
    wrapping_attempt_id: int | None = None  # a finished conversation of theirs still waiting for its disposition
    login: str = ""  # with endpoint: what the service needs to rebuild its LiveOperator
    endpoint: str = ""
    wrapping_since: datetime | None = None  # when that conversation ended: their wrap-up began (pacing learner)


@dataclass(frozen=True)
class CallPlan:
    action: CallAction
    server: str
    attempt_id: int
    campaign_id: int
    channel_id: str
    reason: str
    session_id: int | None = None  # ADOPT_BRIDGED, BRIDGE: the operator's session
    bridge_id: str | None = None  # ADOPT_BRIDGED, BRIDGE: the operator's bridge
    abandon_in_s: float | None = None  # WAIT
    recording_roles: tuple[str, ...] = ()  # snoop legs still recording (stored when the call ends)
    outcome: AttemptOutcome | None = None  # HANGUP
    # BRIDGE past the connect limit: a person is better served late than dropped, but the regulator's
    # count is of people not connected in time, so the abandon ledger counts it (the safe side of the cap)
    counts_as_abandoned: bool = False
    amd_status: str | None = None  # the verdict the channel carries (AMDSTATUS) that the database lacks
    answered_at: datetime | None = None  # BRIDGE, WAIT, ABANDON: when the person answered (database or dialplan)


@dataclass(frozen=True)
class OperatorPlan:
    action: OperatorAction
    session_id: int
    operator_id: int
    campaign_id: int
    reason: str
    server: str | None = None
    channel_id: str | None = None
    bridge_id: str | None = None
    state: OperatorState | None = None  # ADOPT
    attempt_id: int | None = None  # ADOPT: the call they talk on (ON_CALL) or wrap up (WRAP_UP)


@dataclass
class AdoptionPlan:
    calls: list[CallPlan] = field(default_factory=list)
    operators: list[OperatorPlan] = field(default_factory=list)
    hangup_channels: list[tuple[str, str, str]] = field(default_factory=list)  # server, channel id, reason
    destroy_bridges: list[tuple[str, str, str]] = field(default_factory=list)  # server, bridge id, reason

    @property
    def handled_channel_ids(self) -> set[str]:
        """Customer channels this plan decides on: not for reconcile-from-CDR (recover_open_attempts)."""
        return {c.channel_id for c in self.calls}

    @property
    def live_channel_ids(self) -> set[str]:
        """Calls that stay up (their recording legs are still being written)."""
        return {c.channel_id for c in self.calls if c.action is not CallAction.HANGUP}

    @property
    def awaiting_disposition(self) -> set[int]:
        """Attempts an adopted operator is wrapping up: their disposition screen comes back."""
        return {
            o.attempt_id
            for o in self.operators
            if o.action is OperatorAction.ADOPT and o.state is OperatorState.WRAP_UP and o.attempt_id is not None
        }
