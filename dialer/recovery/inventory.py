"""What an Asterisk server holds for the dialer right now, as ARI lists it: plain values, no I/O.

The adoption planner (dialer.recovery.adoption) reads these; the ARI adapter builds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

AMD_VARIABLE = "AMDSTATUS"  # set on a channel by AMD() in the dialplan: its verdict, whoever missed the event
# Customers are originated into this dialplan context (asterisk_conf/extensions.conf): on answer it enters the
# Stasis application, holding the customer while no dialer process listens, and keeps the moment of the
# answer in ANSWERED_VARIABLE (epoch seconds; also the StasisStart's second argument).
OUTBOUND_CONTEXT = "dialer-outbound"
ANSWERED_VARIABLE = "DIALER_ANSWERED_AT"


def answered_at(raw: str | None) -> datetime | None:
    """ANSWERED_VARIABLE (epoch seconds with a fraction) as an instant; None when unset or unreadable."""
    try:
        return datetime.fromtimestamp(float(raw), UTC) if raw else None
    except (ValueError, OverflowError, OSError):
        return None


@dataclass(frozen=True)
class ChannelInfo:
    """One channel (ARI `Channel`): its id is the one the dialer chose at originate."""

    id: str
    name: str = ""
    state: str = ""  # Down, Ring, Ringing, Up, Busy...
    context: str = ""  # where its dialplan is (dialer-amd while AMD runs)
    app_name: str = ""  # the dialplan application it is in (Stasis while the dialer controls it)
    created: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)
    in_application: bool = False  # subscribed to our Stasis application (else: found by its id only)

    @classmethod
    def from_ari(cls, data: Mapping[str, Any], variables: Mapping[str, str] | None = None) -> ChannelInfo:
        dialplan = data.get("dialplan") or {}
        own = {str(k): str(v) for k, v in (data.get("channelvars") or {}).items()}
        own.update(variables or {})
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", "")),
            state=str(data.get("state", "")),
            context=str(dialplan.get("context", "")),
            app_name=str(dialplan.get("app_name", "")),
            created=str(data.get("creationtime", "")),
            variables=own,
        )


@dataclass(frozen=True)
class BridgeInfo:
    """One bridge (ARI `Bridge`) and the channels in it."""

    id: str
    name: str = ""
    channels: tuple[str, ...] = ()
    # in our Stasis application (else found by its id only: another process's, live or dead, is not ours
    # to destroy unless an open operator session we hold names it)
    in_application: bool = True

    @classmethod
    def from_ari(cls, data: Mapping[str, Any]) -> BridgeInfo:
        return cls(id=str(data["id"]), name=str(data.get("name", "")), channels=tuple(data.get("channels") or ()))


@dataclass(frozen=True)
class ServerInventory:
    """Everything of one Stasis application on one server."""

    server: str
    channels: tuple[ChannelInfo, ...]
    bridges: tuple[BridgeInfo, ...]
