"""Helpers for tests that dial through the real service against the Asterisk lab."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialer.bootstrap import dialer_service, repository
from dialer.campaigns import apply_campaign
from dialer.db import migrate
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.rules.campaign import parse_campaign
from dialer.service import CampaignRun, DialerService


async def until(predicate: Callable[[], bool], timeout: float) -> float:
    """Wait for a condition the lab brings about; seconds it took (TimeoutError past `timeout`)."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


@dataclass
class LabRun:
    repo: Repository
    campaign_id: int
    service: DialerService
    db_url: str


def campaign_definition(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "lab-test",
        "dial_string": "Local/{number}@sim-customers",
        "dispositions": [{"code": "ok", "label": "OK", "positive": True}],
        "recording": True,
        "amd": True,
        "ring_timeout_seconds": 6,
        "connect_limit_seconds": 2,
        "wrap_up_seconds": 1,
        # simulated customers may be rung at any hour; the window rules have their own tests
        "calling_windows": {"weekly": {"daily": "00:00-24:00"}, "fallback_timezone": "Europe/Moscow"},
    }
    base.update(overrides)
    return base


async def dial(
    lab: AsteriskLab,
    softphones: SoftphoneBank,
    tmp_path: Path,
    numbers: list[str],
    operators: list[str],
    on_tick: Callable[[DialerService, CampaignRun], None] | None = None,
    contacts: list[dict[str, Any]] | None = None,
    db_url: str | None = None,
    app: str = "dialer",
    alongside: Callable[[DialerService, CampaignRun], Coroutine[Any, Any, None]] | None = None,
    timeout_s: float = 120,
    **campaign: Any,
) -> LabRun:
    """Dial `numbers` (or `contacts` rows) through the real service with `operators` logged in, until
    every call ended. `db_url` reuses another run's database. `alongside` runs beside the dialling (e.g.
    people calling the campaign's number) and is waited for before the operators log out."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = db_url or f"sqlite:///{tmp_path / 'lab.db'}"
    migrate(url)
    settings = lab.config.settings(database_url=url, recordings_dir=tmp_path / "recordings", ari_app=app)
    repo = repository(settings)
    definition = parse_campaign(campaign_definition(**campaign))
    campaign_id = apply_campaign(repo, definition)
    repo.add_contact_list(campaign_id, "numbers", [{"phone": n} for n in numbers] + (contacts or []))
    for login in operators:
        repo.ensure_operator(login, login, f"PJSIP/{login}")
    softphones.start_many(operators)
    service = dialer_service(settings, repo)
    await service.start()
    try:
        run = await service.open_campaign(campaign_id)
        for login in operators:
            await service.login(campaign_id, login)
        await service.wait_logged_in(campaign_id, operators)
        tick = (lambda r: on_tick(service, r)) if on_tick is not None else None
        beside = asyncio.create_task(alongside(service, run)) if alongside is not None else None
        try:
            await asyncio.wait_for(service.run_campaign(campaign_id, on_tick=tick), timeout=timeout_s)
            if beside is not None:
                await asyncio.wait_for(beside, timeout=timeout_s)
        finally:
            if beside is not None and not beside.done():
                beside.cancel()
        await service.wait_idle()
        for login in operators:
            await service.logout(campaign_id, login)
        await asyncio.sleep(0.3)
        await service.db.flush()
    finally:
        await service.close()
    return LabRun(repo, campaign_id, service, url)
