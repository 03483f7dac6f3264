"""Prometheus metrics of a running dialer, in the text exposition format.

Served by `dialer serve --metrics-port N` on its own loopback listener (scrapers do not sign in to the
web app). Everything is read from the live state; nothing here does I/O of its own.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

if TYPE_CHECKING:
    from dialer.service import DialerService


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _line(name: str, value: float, **labels: str) -> str:
    if labels:
        inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
        return f"{name}{{{inner}}} {value:g}"
    return f"{name} {value:g}"


def render_metrics(service: DialerService) -> str:
    return "\n".join(_lines(service)) + "\n"


def _lines(service: DialerService) -> Iterator[str]:
    yield "# HELP dialer_calls_in_flight Calls placed and not yet ended, by stage."
    yield "# TYPE dialer_calls_in_flight gauge"
    for run in service.runs.values():
        stages = Counter(c.stage.value for c in run.floor.calls.values())
        for stage in ("dialing", "ringing", "answered", "waiting", "bridged", "abandoning", "machine"):
            yield _line("dialer_calls_in_flight", stages.get(stage, 0), campaign=run.config.name, stage=stage)
    yield "# HELP dialer_operators Logged-in operators by state."
    yield "# TYPE dialer_operators gauge"
    for run in service.runs.values():
        states = Counter(o.state.value if o.state else "connecting" for o in run.floor.operators.values())
        for state in ("connecting", "ready", "on_call", "wrap_up", "paused"):
            yield _line("dialer_operators", states.get(state, 0), campaign=run.config.name, state=state)
    yield "# HELP dialer_lines_per_operator Calls in flight per available operator."
    yield "# TYPE dialer_lines_per_operator gauge"
    for run in service.runs.values():
        available = sum(1 for o in run.floor.operators.values() if o.state is not None and o.state.value != "paused")
        yield _line(
            "dialer_lines_per_operator",
            len(run.floor.calls) / available if available else 0.0,
            campaign=run.config.name,
        )
    for name, help_, attr in (
        ("dialer_dialled_total", "Calls placed since start.", "dialled"),
        ("dialer_answered_total", "Live answers since start.", "answered"),
        ("dialer_abandoned_total", "Abandoned live answers since start.", "abandoned"),
        ("dialer_failed_originations_total", "Originations Asterisk refused since start.", "failed_originations"),
    ):
        yield f"# HELP {name} {help_}"
        yield f"# TYPE {name} counter"
        for run in service.runs.values():
            yield _line(name, getattr(run, attr), campaign=run.config.name)
    yield "# HELP dialer_abandon_rate Abandoned over live answers in each compliance window."
    yield "# TYPE dialer_abandon_rate gauge"
    for run in service.runs.values():
        for window in run.ledger.windows(time.time()):
            rate = window.abandoned / window.answered if window.answered else 0.0
            yield _line("dialer_abandon_rate", rate, campaign=run.config.name, window=window.name)
    yield "# HELP dialer_ari_connected 1 while the ARI websocket to the Asterisk server is up."
    yield "# TYPE dialer_ari_connected gauge"
    for name, link in service.links.items():
        yield _line("dialer_ari_connected", 1 if link.ari.connected else 0, server=name)
    yield "# HELP dialer_ari_reconnects_total ARI reconnections to the Asterisk server since start."
    yield "# TYPE dialer_ari_reconnects_total counter"
    for name, link in service.links.items():
        yield _line("dialer_ari_reconnects_total", link.ari.reconnects, server=name)
    yield "# HELP dialer_server_lines Customer calls this process has on the Asterisk server, all campaigns."
    yield "# TYPE dialer_server_lines gauge"
    for name in service.links:
        yield _line("dialer_server_lines", sum(run.floor.lines_on(name) for run in service.runs.values()), server=name)
    yield "# HELP dialer_server_max_lines The server's line limit for this process (absent: no limit)."
    yield "# TYPE dialer_server_max_lines gauge"
    for name, link in service.links.items():
        if link.max_lines is not None:
            yield _line("dialer_server_max_lines", link.max_lines, server=name)
    yield "# HELP dialer_database_available 0 while database writes are being held for an outage."
    yield "# TYPE dialer_database_available gauge"
    yield _line("dialer_database_available", 1 if service.db.available else 0)
    yield "# HELP dialer_database_outages_total Database outages since start."
    yield "# TYPE dialer_database_outages_total counter"
    yield _line("dialer_database_outages_total", service.db.outages)
    yield "# HELP dialer_database_queue Database writes waiting their turn."
    yield "# TYPE dialer_database_queue gauge"
    yield _line("dialer_database_queue", service.db.queue_depth)


def metrics_app(service: DialerService) -> Starlette:
    """A bare app for scrapers: one route, no sign-in; serve it on loopback only."""

    async def metrics(_request: Request) -> PlainTextResponse:
        return PlainTextResponse(render_metrics(service), media_type="text/plain; version=0.0.4")

    return Starlette(routes=[Route("/metrics", metrics)])
