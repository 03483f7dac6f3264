"""Prometheus metrics of a running dialer, in the text exposition format.

Served by `dialer serve --metrics-port N` on its own loopback listener (scrapers do not sign in to the
web app). Everything is read from the service's read model; nothing here does I/O of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from dialer.service.read_model import CALL_STAGES, OPERATOR_STATES

if TYPE_CHECKING:
    from dialer.service.read_model import ReadModel


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _line(name: str, value: float, **labels: str) -> str:
    if labels:
        inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
        return f"{name}{{{inner}}} {value:g}"
    return f"{name} {value:g}"


def render_metrics(view: ReadModel) -> str:
    return "\n".join(_lines(view)) + "\n"


def _lines(view: ReadModel) -> Iterator[str]:
    campaigns = view.campaigns()
    servers = view.servers()
    yield "# HELP dialer_calls_in_flight Calls placed and not yet ended, by stage."
    yield "# TYPE dialer_calls_in_flight gauge"
    for c in campaigns:
        for stage in CALL_STAGES:
            yield _line("dialer_calls_in_flight", c.calls_by_stage.get(stage, 0), campaign=c.name, stage=stage)
    yield "# HELP dialer_operators Logged-in operators by state."
    yield "# TYPE dialer_operators gauge"
    for c in campaigns:
        states = c.operators_by_state
        for state in OPERATOR_STATES:
            yield _line("dialer_operators", states.get(state, 0), campaign=c.name, state=state)
    yield "# HELP dialer_lines_per_operator Calls in flight per available operator."
    yield "# TYPE dialer_lines_per_operator gauge"
    for c in campaigns:
        yield _line("dialer_lines_per_operator", c.lines_per_operator, campaign=c.name)
    for name, help_, attr in (
        ("dialer_dialled_total", "Calls placed since start.", "dialled"),
        ("dialer_answered_total", "Live answers since start.", "answered"),
        ("dialer_abandoned_total", "Abandoned live answers since start.", "abandoned"),
        ("dialer_failed_originations_total", "Originations Asterisk refused since start.", "failed_originations"),
    ):
        yield f"# HELP {name} {help_}"
        yield f"# TYPE {name} counter"
        for c in campaigns:
            yield _line(name, getattr(c, attr), campaign=c.name)
    yield "# HELP dialer_abandon_rate Abandoned over live answers in each compliance window."
    yield "# TYPE dialer_abandon_rate gauge"
    for c in campaigns:
        for window in c.abandon_windows:
            yield _line("dialer_abandon_rate", window.rate, campaign=c.name, window=window.name)
    yield "# HELP dialer_ari_connected 1 while the ARI websocket to the Asterisk server is up."
    yield "# TYPE dialer_ari_connected gauge"
    for server in servers:
        yield _line("dialer_ari_connected", 1 if server.up else 0, server=server.name)
    yield "# HELP dialer_ari_reconnects_total ARI reconnections to the Asterisk server since start."
    yield "# TYPE dialer_ari_reconnects_total counter"
    for server in servers:
        yield _line("dialer_ari_reconnects_total", server.reconnects, server=server.name)
    yield "# HELP dialer_server_lines Customer calls this process has on the Asterisk server, all campaigns."
    yield "# TYPE dialer_server_lines gauge"
    for server in servers:
        yield _line("dialer_server_lines", server.lines, server=server.name)
    yield "# HELP dialer_server_max_lines The server's line limit for this process (absent: no limit)."
    yield "# TYPE dialer_server_max_lines gauge"
    for server in servers:
        if server.max_lines is not None:
            yield _line("dialer_server_max_lines", server.max_lines, server=server.name)
    db = view.database()
    if db is None:
        return
    yield "# HELP dialer_database_available 0 while database writes are being held for an outage."
    yield "# TYPE dialer_database_available gauge"
    yield _line("dialer_database_available", 1 if db.available else 0)
    yield "# HELP dialer_database_outages_total Database outages since start."
    yield "# TYPE dialer_database_outages_total counter"
    yield _line("dialer_database_outages_total", db.outages)
    yield "# HELP dialer_database_queue Database writes waiting their turn."
    yield "# TYPE dialer_database_queue gauge"
    yield _line("dialer_database_queue", db.queue_depth)


def metrics_app(view: ReadModel) -> Starlette:
    """A bare app for scrapers: one route, no sign-in; serve it on loopback only."""

    async def metrics(_request: Request) -> PlainTextResponse:
        return PlainTextResponse(render_metrics(view), media_type="text/plain; version=0.0.4")

    return Starlette(routes=[Route("/metrics", metrics)])
