"""What the parts of the live service share: their ports and the campaigns this process dials."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dialer.floor import LiveCall, LiveOperator
from dialer.recordings.audio import RecordingFormat
from dialer.service.background import Background
from dialer.service.links import AsteriskLinks
from dialer.service.ports import Clock, DatabaseWorker, DialerRepository
from dialer.service.run_state import CampaignRun


@dataclass(frozen=True)
class ServiceOptions:
    """The settings the live service reads (the rest of `Settings` is for the composition root)."""

    trunk: str
    recording_format: RecordingFormat = "ogg"
    recording_spool_dir: Path = Path("/var/spool/asterisk/recording")
    local_channel_formats: str = "ulaw"  # a Local channel created without formats runs in slin192
    # how long the dialplan holds a customer who answers while no dialer process listens (a restart, a
    # dropped ARI websocket) for the next one to adopt (asterisk_conf/extensions.conf, [dialer-outbound])
    answer_hold_s: float = 30.0


@dataclass
class LiveContext:
    options: ServiceOptions
    repo: DialerRepository
    db: DatabaseWorker
    links: AsteriskLinks
    clock: Clock
    node: str
    background: Background = field(default_factory=Background)
    runs: dict[int, CampaignRun] = field(default_factory=dict)
    homes: dict[str, str] = field(default_factory=dict)  # operator login -> the server their session runs on

    def run(self, campaign_id: int) -> CampaignRun:
        """The live run of a campaign this process dials (KeyError naming it otherwise)."""
        try:
            return self.runs[campaign_id]
        except KeyError:
            raise KeyError(f"campaign {campaign_id} is not running in this dialer") from None

    def find(self, channel_id: str) -> tuple[CampaignRun, LiveCall | None, LiveOperator | None] | None:
        """The run and the customer call or operator a channel belongs to."""
        for run in self.runs.values():
            if channel_id in run.floor.calls:
                return run, run.floor.calls[channel_id], None
            if channel_id in run.floor.operators:
                return run, None, run.floor.operators[channel_id]
        return None
