"""The campaign scheduler: APScheduler, with its jobs persisted in the dialer's own database.

Jobs: `campaigns.sync` keeps the set of campaigns being dialled equal to those whose status is
running and whose start/end dates include today; `recordings.retention` deletes recordings older than
their campaign's policy, daily. Calling windows are per contact (the callee's time zone) and are
enforced at every lease and again right before each dial, not by this scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from dialer.db.models import Campaign
from dialer.db.repository import Repository
from dialer.dnc import read_dnc_text
from dialer.recordings.retention_job import RetentionReport, apply_retention
from dialer.recordings.store import RecordingStore
from dialer.rules.campaign import parse_campaign

log = logging.getLogger(__name__)

# Persisted jobs name a module-level function and plain arguments; they find their live scheduler here.
_LIVE: dict[str, CampaignScheduler] = {}


def campaign_should_dial(campaign: Campaign, today: date) -> bool:
    """Running, and today within its start/end dates. Pure."""
    if campaign.status != "running":
        return False
    if not campaign.definition:
        return True
    definition = parse_campaign(campaign.definition, campaign.name)
    if definition.start_date is not None and today < definition.start_date:
        return False
    return not (definition.end_date is not None and today > definition.end_date)


async def _sync_job(node: str) -> None:
    scheduler = _LIVE.get(node)
    if scheduler is not None:
        await scheduler.sync()


async def _dnc_sync_job(node: str) -> None:
    scheduler = _LIVE.get(node)
    if scheduler is not None:
        await asyncio.to_thread(scheduler.sync_do_not_call)


async def _register_sync_job(node: str) -> None:
    scheduler = _LIVE.get(node)
    if scheduler is not None:
        await asyncio.to_thread(scheduler.sync_registers)


async def _numbering_sync_job(node: str) -> None:
    scheduler = _LIVE.get(node)
    if scheduler is not None:
        await asyncio.to_thread(scheduler.sync_numbering)


async def _retention_job(node: str) -> None:
    scheduler = _LIVE.get(node)
    if scheduler is not None:
        await asyncio.to_thread(scheduler.retention)


class CampaignScheduler:
    def __init__(
        self,
        repo: Repository,
        store: RecordingStore,
        database_url: str,
        *,
        service: Any = None,
        node: str = "dialer",
        sync_s: float = 15.0,
        dnc_file: Path | None = None,
        register_files: dict[str, Path] | None = None,
        numbering_dir: Path | None = None,
    ) -> None:
        self.repo, self.store, self.service, self.node = repo, store, service, node
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=database_url, tablename="scheduler_job")},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=UTC,
        )
        self.sync_s = sync_s
        self.dnc_file = dnc_file
        self.register_files = dict(register_files or {})
        self.numbering_dir = numbering_dir

    async def start(self) -> None:
        _LIVE[self.node] = self
        self.scheduler.add_job(
            _sync_job,
            "interval",
            seconds=self.sync_s,
            id=f"{self.node}:campaigns.sync",
            args=[self.node],
            replace_existing=True,
        )
        self.scheduler.add_job(
            _retention_job,
            "cron",
            hour=3,
            minute=0,
            id=f"{self.node}:recordings.retention",
            args=[self.node],
            replace_existing=True,
        )
        syncs = (
            (_dnc_sync_job, "dnc.sync", self.dnc_file is not None),
            (_register_sync_job, "registers.sync", bool(self.register_files)),
            (_numbering_sync_job, "numbering.sync", self.numbering_dir is not None),
        )
        for job, name, configured in syncs:  # hourly, and once now: a fresh start is never an hour stale
            if configured:
                self.scheduler.add_job(
                    job,
                    "interval",
                    hours=1,
                    id=f"{self.node}:{name}",
                    args=[self.node],
                    replace_existing=True,
                    next_run_time=datetime.now(UTC),
                )
        self.scheduler.start()
        if self.service is not None:
            await self.sync()

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        _LIVE.pop(self.node, None)

    async def sync(self) -> None:
        """Start pacing campaigns that should dial now, stop those that should not."""
        if self.service is None:
            return
        today = datetime.now(UTC).date()
        campaigns = await asyncio.to_thread(self.repo.campaigns)
        wanted = {c.id for c in campaigns if campaign_should_dial(c, today)}
        dialling = self.service.dialling()
        for campaign_id in list(dialling):
            if not await self.service.still_leading(campaign_id):  # another process took it over
                log.warning("scheduler: lost the lease of campaign %s", campaign_id)
                await self.service.stop_campaign(campaign_id)
                dialling.discard(campaign_id)
        for campaign_id in wanted - dialling:
            log.info("scheduler: dialling campaign %s", campaign_id)
            try:
                await self.service.start_campaign(campaign_id)
            except ValueError as exc:  # e.g. settings its compliance profile forbids
                log.error("scheduler: %s", exc)
        for campaign_id in dialling - wanted:
            log.info("scheduler: campaign %s stops dialling", campaign_id)
            await self.service.stop_campaign(campaign_id)

    def sync_do_not_call(self) -> int:
        """Merge the configured do-not-call file into the global list (new numbers only)."""
        if self.dnc_file is None or not self.dnc_file.exists():
            log.warning("do-not-call sync: no file at %s", self.dnc_file)
            return 0
        lines = list(read_dnc_text(self.dnc_file.read_text(encoding="utf-8-sig", errors="replace")))
        added = self.repo.add_do_not_call_many(
            [x.phone for x in lines if x.phone is not None], campaign_id=None, source=f"sync:{self.dnc_file.name}"
        )
        log.info("do-not-call sync: %d numbers in %s, %d new", len(lines), self.dnc_file.name, added)
        return added

    def sync_registers(self) -> dict[str, bool]:
        """Reload each configured national register whose file changed (its age is the file's date,
        so an old file left in place stays old and campaigns that need it refuse to start)."""
        from dialer.db.compliance_store import load_register_file

        done: dict[str, bool] = {}
        for name, path in self.register_files.items():
            if not path.exists():
                log.warning("register sync: no file at %s for %s", path, name)
                done[name] = False
                continue
            result = load_register_file(
                self.repo.sessions, name, path, loaded_by=f"sync:{path.name}", only_if_changed=True
            )
            if result.changed:
                self.repo.audit(
                    "register.load",
                    result.state.name,
                    {"file": path.name, "numbers": result.state.numbers, "as_of": result.state.as_of.isoformat()},
                )
            log.info("register sync: %s %s", name, "loaded" if result.changed else "unchanged")
            done[name] = result.changed
        return done

    def sync_numbering(self) -> dict[str, bool]:
        """Reload the numbering plan files of the configured folder that changed (file name -> loaded)."""
        from dialer.db.numbering import sync_numbering_folder

        if self.numbering_dir is None or not self.numbering_dir.is_dir():
            log.warning("numbering plan sync: no folder at %s", self.numbering_dir)
            return {}
        done: dict[str, bool] = {}
        for result in sync_numbering_folder(self.repo.sessions, self.numbering_dir):
            if result.changed:
                self.repo.audit("numbering.load", result.file, {"ranges": result.ranges, "codes": len(result.codes)})
            log.info("numbering plan sync: %s %s", result.file, "loaded" if result.changed else "unchanged")
            done[result.file] = result.changed
        return done

    def retention(self, now: datetime | None = None) -> RetentionReport:
        items, policies = self.repo.recordings_for_retention()
        report = apply_retention(self.store, items, policies, now or datetime.now(UTC))
        self.repo.forget_recordings([r.rel_path for r in report.deleted + report.missing], reason="retention policy")
        log.info("%s", report.summary())
        return report
