"""The composition root: every entrypoint (serve, web, demo, tests) builds its objects here, from Settings.

Nothing else constructs adapters for the live service: swap one here (a recording store, a clock, a fake
Asterisk in a test) and every entrypoint gets it.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from dialer.adapters.db_worker import DbWorker
from dialer.adapters.sql_open_work import SqlOpenWork
from dialer.adapters.sql_recovery import SqlRecovery
from dialer.config import AsteriskServer, Settings
from dialer.db import make_engine, make_session_factory
from dialer.db.inbound import SqlInboundRecords
from dialer.db.leader import CampaignLeases
from dialer.db.repository import Repository
from dialer.recordings.factory import store_from_settings
from dialer.recordings.store import RecordingStore
from dialer.service import AsteriskLink, AsteriskLinks, DialerService, ServiceOptions, WrapUpPolicy
from dialer.service.ports import Clock, Event
from dialer.telephony.ami import AmiClient
from dialer.telephony.ari import AriClient

if TYPE_CHECKING:
    from fastapi import FastAPI

    from dialer.web.settings import WebSettings

log = logging.getLogger(__name__)


def engine(settings: Settings) -> Engine:
    return make_engine(settings.database_url)


def repository(settings: Settings) -> Repository:
    return Repository(make_session_factory(engine(settings)))


def recording_store(settings: Settings) -> RecordingStore:
    """Where finished recordings are kept (the service writes, the QA room and the CLI read)."""
    return store_from_settings(settings)


async def _not_wired(event: Event) -> None:
    log.warning("ARI event %s before the dialer service was wired", event.get("type"))


def asterisk_link(settings: Settings, server: AsteriskServer) -> AsteriskLink:
    """One server's ARI and AMI clients; the service connects its event handlers to them."""
    ari = AriClient(
        server.ari_url, server.ari_user, server.ari_password.get_secret_value(), settings.ari_app, _not_wired
    )
    ami = AmiClient(server.ami_host, server.ami_port, server.ami_user, server.ami_password.get_secret_value())
    return AsteriskLink(
        server.name, ari, ami, server.max_lines, server.recording_spool_dir, cdr_csv_path=server.cdr_csv_path
    )


def asterisk_links(settings: Settings) -> AsteriskLinks:
    """Every configured Asterisk server (the credentials must be set: `Settings.require_secrets`)."""
    return AsteriskLinks([asterisk_link(settings, s) for s in settings.servers()], settings.asterisk_name)


def service_options(settings: Settings) -> ServiceOptions:
    return ServiceOptions(
        trunk=settings.trunk,
        recording_format=settings.recording_format,
        recording_spool_dir=settings.recording_spool_dir,
        local_channel_formats=settings.local_channel_formats,
        answer_hold_s=settings.answer_hold_s,
    )


def dialer_service(
    settings: Settings,
    repo: Repository | None = None,
    *,
    node: str | None = None,
    wrapup_policy: WrapUpPolicy | None = None,
    store: RecordingStore | None = None,
    clock: Clock | None = None,
    tick_s: float = 0.25,
) -> DialerService:
    """The live dialer service with its real adapters (`repo`: share one already built)."""
    settings.require_secrets()
    repo = repo if repo is not None else repository(settings)
    store = store if store is not None else recording_store(settings)
    return DialerService(
        options=service_options(settings),
        links=asterisk_links(settings),
        repo=repo,
        db=DbWorker(),
        leases=CampaignLeases(repo.engine),
        open_work=SqlOpenWork(repo.sessions),
        inbound_records=SqlInboundRecords(repo.sessions),
        recording_store=store,
        node=node or f"{socket.gethostname()}-{os.getpid()}",
        clock=clock,
        wrapup_policy=wrapup_policy,
        tick_s=tick_s,
        recovery=SqlRecovery(repo, store, settings.recording_format),
    )


def web_app(
    settings: Settings,
    repo: Repository | None = None,
    service: DialerService | None = None,
    *,
    web: WebSettings | None = None,
) -> FastAPI:
    """The web app; with `service` it drives live operators in the service's event loop."""
    from dialer.web.app import create_app

    return create_app(settings, repo if repo is not None else repository(settings), service, web=web)
