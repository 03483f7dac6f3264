"""Recording capture: each side of a call through its own snoop channel, then one stereo file stored
off the call path (operator left, customer right)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from dialer.floor import CallCapture, CallStage, LiveCall
from dialer.recordings.errors import RecordingError
from dialer.recordings.pipeline import process_call_recording
from dialer.recordings.store import RecordingStore
from dialer.service.context import LiveContext
from dialer.service.ports import Event
from dialer.service.run_state import CampaignRun
from dialer.telephony.ari import TelephonyError

log = logging.getLogger(__name__)


class RecordingCapture:
    def __init__(self, ctx: LiveContext, store: RecordingStore) -> None:
        self.ctx = ctx
        self.store = store
        self._captures: dict[int, CallCapture] = {}  # attempt id -> recording legs being written
        self._leg_owner: dict[str, int] = {}  # recording name -> attempt id
        self._snoop_waiters: dict[str, asyncio.Future[None]] = {}  # snoop channel id -> its StasisStart
        self._storing: set[str] = set()  # customer channel ids whose legs are being stored

    @property
    def busy(self) -> bool:
        """Recordings still being written or stored."""
        return bool(self._captures)

    def channels_in_hand(self) -> set[str]:
        """Customer channels whose legs this process is still writing or storing (not left-overs)."""
        names = [name for capture in self._captures.values() for name in capture.legs.values()]
        return {name.rsplit("-", 1)[0] for name in names} | self._storing

    def recording(self, attempt_id: int) -> bool:
        return attempt_id in self._captures

    async def start_call(self, run: CampaignRun, call: LiveCall, answered_at: datetime) -> None:
        """The customer answered a campaign that records every call: their side from now on."""
        self._captures[call.attempt_id] = CallCapture(call.attempt_id, run.config.name, answered_at, server=call.server)
        await self._start_leg(call, "customer", call.channel_id)

    async def operator_joined(self, call: LiveCall, operator_channel_id: str) -> None:
        """The call was bridged to an operator: record their side too, if the call is being recorded."""
        capture = self._captures.get(call.attempt_id)
        if capture is not None:
            capture.bridged = True
            await self._start_leg(call, "operator", operator_channel_id)

    async def record_now(self, run: CampaignRun, call: LiveCall, operator_channel_id: str) -> None:
        """On-demand recording: both sides of a bridged call, from now on."""
        if call.stage is not CallStage.BRIDGED:
            raise ValueError("the operator is not on a call")
        if call.attempt_id in self._captures:
            return  # already recording
        await self.start_call(run, call, self.ctx.clock.now())
        call.answered = self.ctx.clock.monotonic()  # the legs' common start: now
        await self.operator_joined(call, operator_channel_id)

    def adopt(
        self,
        run: CampaignRun,
        call: LiveCall,
        roles: tuple[str, ...],
        answered_at: datetime,
        bridged_at: datetime | None,
    ) -> None:
        """A call adopted after a dialer restart whose snoop legs are still recording: they are stored when
        it ends, as if this process had started them (same names, same offsets). `bridged_at` None: not
        bridged yet (waiting, in AMD); the operator's leg starts when it is, as on a live call."""
        capture = CallCapture(call.attempt_id, run.config.name, answered_at, server=call.server)
        capture.bridged = bridged_at is not None
        bridged = bridged_at or answered_at
        offsets = {"customer": 0.0, "operator": max(0.0, (bridged - answered_at).total_seconds())}
        for role in roles:
            name = f"{call.channel_id}-{role}"
            capture.legs[role] = name
            capture.leg_started(role, offsets.get(role, 0.0))
            self._leg_owner[name] = call.attempt_id
        self._captures[call.attempt_id] = capture

    def snoop_started(self, channel_id: str) -> bool:
        """A StasisStart: True when it is one of our snoop channels (nothing else to do with it)."""
        waiter = self._snoop_waiters.get(channel_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
            return True
        return False

    async def _start_leg(self, call: LiveCall, role: str, channel_id: str) -> None:
        """Record one side of the call (what that channel says) through a snoop channel.

        The snoop must be in Stasis before it can be recorded, and its StasisStart cannot be handled
        while an event handler waits, so the leg starts in a task of its own.
        """
        capture = self._captures.get(call.attempt_id)
        if capture is None:
            return
        name = f"{call.channel_id}-{role}"
        capture.legs[role] = name
        self._leg_owner[name] = call.attempt_id
        snoop_id = f"{call.channel_id}-snoop-{role}"
        started = asyncio.get_running_loop().create_future()
        self._snoop_waiters[snoop_id] = started
        ari = self.ctx.links.ari(call.server)
        clock = self.ctx.clock

        async def start() -> None:
            try:
                await ari.snoop(channel_id, snoop_id)
                try:
                    await asyncio.wait_for(started, timeout=3)
                except TimeoutError:
                    # its StasisStart can be lost with a websocket that dropped meanwhile, the snoop in Stasis
                    # all the same: record it anyway (Asterisk refuses if it is not, and the leg fails as before)
                    log.warning("no StasisStart for %s in 3 s; recording it anyway", snoop_id)
                await ari.record(snoop_id, name)
                capture.leg_started(role, clock.monotonic() - (call.answered or clock.monotonic()))
            except (TelephonyError, TimeoutError) as exc:
                log.error("recording the %s leg of attempt %s failed to start: %s", role, call.attempt_id, exc)
                capture.leg_done(name, ok=False)
                self._progress(capture)
            finally:
                self._snoop_waiters.pop(snoop_id, None)

        self.ctx.background.spawn(start(), f"leg-{name}")

    async def call_over(self, call: LiveCall) -> None:
        """The customer's channel ended: the legs finish; the operator's snoop is ended (their channel lives on)."""
        capture = self._captures.get(call.attempt_id)
        if capture is None:
            return
        capture.call_over = True
        if "operator" in capture.legs:
            with contextlib.suppress(TelephonyError):
                await self.ctx.links.ari(call.server).hangup(f"{call.channel_id}-snoop-operator")
        self._progress(capture)

    def drop(self, attempt_ids: set[int]) -> None:
        """Forget the captures of calls lost with their Asterisk server."""
        for attempt_id in attempt_ids:
            self._captures.pop(attempt_id, None)
        for name in [n for n, a in self._leg_owner.items() if a in attempt_ids]:
            del self._leg_owner[name]

    async def on_recording_done(self, event: Event) -> None:
        rec = event.get("recording") or {}
        name = str(rec.get("name", ""))
        attempt_id = self._leg_owner.pop(name, None)
        capture = self._captures.get(attempt_id) if attempt_id is not None else None
        if capture is None:
            return
        ok = event.get("type") == "RecordingFinished"
        if not ok:
            log.error("recording %s failed: %s", name, rec.get("cause"))
        capture.leg_done(name, ok)
        self._progress(capture)

    def _progress(self, capture: CallCapture) -> None:
        if capture.ready:
            del self._captures[capture.attempt_id]
            channels = {name.rsplit("-", 1)[0] for name in capture.legs.values()}
            self._storing |= channels

            async def store() -> None:
                try:
                    await self._store(capture)
                finally:
                    self._storing -= channels

            self.ctx.background.spawn(store(), f"recording-{capture.attempt_id}")

    async def _store(self, capture: CallCapture) -> None:
        """Off the call path: one stereo file, measured, encoded and stored; a call that never reached an
        operator keeps no recording. A side whose leg was lost (it failed to start or to finish) is silence
        in the file and the recording is marked one-sided, never dropped."""
        ctx = self.ctx
        link = ctx.links.get(capture.server or ctx.links.default)
        spool = link.spool_dir if link is not None else ctx.options.recording_spool_dir
        legs = {role: spool / f"{name}.wav" for role, name in capture.legs.items() if role in capture.finished}
        legs = {role: path for role, path in legs.items() if path.is_file()}
        if not capture.bridged or not legs:
            for path in legs.values():
                path.unlink(missing_ok=True)
            if capture.bridged:
                log.error("attempt %s: no recording leg at all, nothing stored", capture.attempt_id)
            return
        if len(legs) == 1:
            log.warning("attempt %s: only the %s side was recorded; stored one-sided", capture.attempt_id, *legs)
        try:
            processed = await asyncio.to_thread(
                process_call_recording,
                legs.get("operator"),
                legs.get("customer"),
                store=self.store,
                campaign=capture.campaign,
                attempt_id=capture.attempt_id,
                started=capture.answered_at,
                fmt=ctx.options.recording_format,
                operator_offset_s=capture.operator_offset_s,
            )
        except (OSError, RecordingError) as exc:
            log.error("could not store the recording of attempt %s: %s", capture.attempt_id, exc)
            return
        ctx.db.submit(ctx.repo.add_recording, capture.attempt_id, processed)
