"""`dialer serve`: the live dialer (scheduler, service, optional web app and /metrics) until interrupted."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dialer.config import Settings
from dialer.entrypoints.cli_common import console, repository_or_exit
from dialer.entrypoints.cli_language import reason
from dialer.entrypoints.cli_messages import say

if TYPE_CHECKING:
    from dialer.db.repository import Repository
    from dialer.service import DialerService


def serve(
    campaign: Annotated[list[str], typer.Option(help="also mark these campaigns running")] = [],  # noqa: B006
    login: Annotated[list[str], typer.Option(help="operator login(s) to log in to the first campaign")] = [],  # noqa: B006
    web: Annotated[bool, typer.Option(help="also serve the web app, in the same process")] = False,
    drain: Annotated[float, typer.Option(help="on SIGTERM, seconds to let live calls finish")] = 120.0,
    metrics_port: Annotated[int | None, typer.Option(help="serve Prometheus /metrics on 127.0.0.1:PORT")] = None,
) -> None:
    """Run the dialer against the Asterisk configured by DIALER_* settings, until interrupted.

    The scheduler dials every campaign whose status is running (and whose dates include today)."""
    from dialer.bootstrap import dialer_service
    from dialer.scheduler import CampaignScheduler
    from dialer.telephony.ari import TelephonyError

    settings = Settings()
    try:
        settings.require_secrets()
    except ValueError as exc:
        console.print(reason(str(exc)), style="red", markup=False)
        raise typer.Exit(2) from None
    from dialer.logs import configure_logging

    configure_logging()
    repo = repository_or_exit(settings)
    ids = []
    for name in campaign:
        row = repo.campaign_by_name(name)
        if row is None:
            raise typer.BadParameter(say("serve_no_campaign", name=name))
        repo.set_campaign_status(row.id, "running")
        ids.append(row.id)

    async def main() -> None:
        service = dialer_service(settings, repo)
        await service.start()
        scheduler = CampaignScheduler(
            repo,
            service.recording_store,
            settings.database_url,
            service=service,
            node=socket.gethostname(),
            dnc_file=settings.dnc_sync_file,
            register_files=settings.register_sync_files,
            numbering_dir=settings.numbering_plan_dir,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await scheduler.start()
            for who in login:
                try:
                    await service.login(ids[0], who)
                except TelephonyError as exc:  # another process paces it, or the server is down: later
                    logging.getLogger("dialer").warning("%s", exc)
            waiters: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
            if metrics_port is not None:
                import uvicorn

                from dialer.metrics import metrics_app

                config = uvicorn.Config(
                    metrics_app(service.view), host="127.0.0.1", port=metrics_port, log_level="warning"
                )
                waiters.append(asyncio.create_task(uvicorn.Server(config).serve()))
            if web:
                waiters.append(asyncio.create_task(_serve_web(settings, repo, service)))
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            # Graceful shutdown: no new calls, the calls in flight finish (up to a limit), outcomes flushed.
            await scheduler.stop()
            for campaign_id in service.dialling():
                await service.stop_campaign(campaign_id)
            try:
                await service.wait_idle(timeout=drain)
            except TimeoutError:
                logging.getLogger("dialer").warning("calls still up after %.0f s; ending them", drain)
            await service.logout_everyone()
            await asyncio.sleep(0.5)
        finally:
            await scheduler.stop()
            await service.close()

    asyncio.run(main())


async def _serve_web(settings: Settings, repo: Repository, service: DialerService) -> None:
    """The web app in the dialer's own event loop, so pages see the live call floor."""
    import uvicorn

    from dialer.bootstrap import web_app
    from dialer.web.settings import WebSettings

    web = WebSettings()
    web.secret_value()  # refuses to start without DIALER_WEB_SECRET
    app = web_app(settings, repo, service, web=web)
    await uvicorn.Server(uvicorn.Config(app, host=web.host, port=web.port, log_level="info")).serve()
