"""Webhook payloads (pure) and the sender against a fake transport and a real local HTTP server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest

from dialer.web.webhooks import CALLBACK_SET, OUTCOME_RECORDED, DispositionEvent, WebhookSender, build_payloads, sign

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def event(next_action_at: datetime | None = None) -> DispositionEvent:
    return DispositionEvent(
        attempt_id=7,
        campaign_id=1,
        campaign="c",
        contact_id=3,
        phone="+79101234567",
        company="ACME",
        operator="op1",
        outcome="connected",
        disposition="callback",
        notes="n",
        next_action_at=next_action_at,
        at=AT,
    )


def test_payloads() -> None:
    [only] = build_payloads(event())
    assert only["event"] == OUTCOME_RECORDED and only["disposition"] == "callback"
    assert only["contact"] == {"id": 3, "phone": "+79101234567", "company": "ACME"}
    both = build_payloads(event(datetime(2026, 3, 3, 11, 0, tzinfo=UTC)))
    assert [p["event"] for p in both] == [OUTCOME_RECORDED, CALLBACK_SET]
    assert both[1]["callback_at"] == "2026-03-03T11:00:00+00:00"
    assert build_payloads(event()) == [only]  # deterministic ids: receivers can de-duplicate retries
    json.dumps(both)


async def test_sender_signs_and_retries() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500 if len(seen) == 1 else 200)

    sender = WebhookSender(["http://crm.test/h"], "s3cret", transport=httpx.MockTransport(handler), backoff_s=0.001)
    result = await sender.send(build_payloads(event())[0])
    await sender.aclose()
    assert result == {"http://crm.test/h": True} and len(seen) == 2
    body = seen[1].content
    assert seen[1].headers["x-dialer-signature"] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sign(body, "s3cret") == seen[1].headers["x-dialer-signature"]


async def test_sender_gives_up_quietly() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down")

    sender = WebhookSender(["http://crm.test/h"], transport=httpx.MockTransport(handler), retries=2, backoff_s=0.001)
    assert await sender.send({"event": "x"}) == {"http://crm.test/h": False}
    sender.fire([{"event": "y"}])
    await sender.aclose()


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    got: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            n = int(self.headers["content-length"])
            got.append({"body": json.loads(self.rfile.read(n)), "sig": self.headers["x-dialer-signature"]})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", got
    server.shutdown()


async def test_sender_against_local_server(local_server: tuple[str, list[dict[str, Any]]]) -> None:
    url, got = local_server
    sender = WebhookSender([url], "k")
    sender.fire(build_payloads(event(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))))
    await sender.drain()
    await sender.aclose()
    await asyncio.sleep(0)
    assert sorted(g["body"]["event"] for g in got) == [CALLBACK_SET, OUTCOME_RECORDED]
    assert all(g["sig"].startswith("sha256=") for g in got)
