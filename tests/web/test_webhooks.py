"""Webhook payloads (pure) and the sender against a fake transport and a real local HTTP server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from dialer.web.settings import WebSettings
from dialer.web.webhooks import (
    CALLBACK_SET,
    OUTCOME_RECORDED,
    DispositionEvent,
    WebhookSender,
    build_payloads,
    sign,
    verify,
)

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SECRET = "webhook-secret-0123456789"


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


async def test_sender_signs_a_timestamp_and_retries() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500 if len(seen) == 1 else 200)

    clock = iter([1_000_000.0, 1_000_007.0])
    sender = WebhookSender(
        ["http://crm.test/h"],
        SECRET,
        transport=httpx.MockTransport(handler),
        backoff_s=0.001,
        clock=lambda: next(clock),
    )
    result = await sender.send(build_payloads(event())[0])
    await sender.aclose()
    assert result == {"http://crm.test/h": True} and len(seen) == 2
    body = seen[1].content
    assert [r.headers["x-dialer-timestamp"] for r in seen] == ["1000000", "1000007"]  # each try signed afresh
    expected = hmac.new(SECRET.encode(), b"1000007." + body, hashlib.sha256).hexdigest()
    assert seen[1].headers["x-dialer-signature"] == "sha256=" + expected
    assert sign(body, SECRET, 1_000_007) == seen[1].headers["x-dialer-signature"]
    # the receiver's check: right body and fresh timestamp only
    sig = seen[1].headers["x-dialer-signature"]
    assert verify(body, "1000007", sig, SECRET, now=1_000_007 + 299)
    assert not verify(body, "1000007", sig, SECRET, now=1_000_007 + 301)  # a replay after 5 minutes
    assert not verify(body + b" ", "1000007", sig, SECRET, now=1_000_007)
    assert not verify(body, "1000008", sig, SECRET, now=1_000_007)  # a timestamp moved forward
    assert not verify(body, "soon", sig, SECRET, now=1_000_007)


async def test_sender_backs_off_then_writes_a_dead_letter() -> None:
    tries: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tries.append(time.monotonic())
        raise httpx.ConnectError("down")

    dead: list[tuple[str, dict[str, Any], int, str | None]] = []
    sender = WebhookSender(
        ["http://crm.test/h"],
        SECRET,
        transport=httpx.MockTransport(handler),
        retries=3,
        backoff_s=0.05,
        dead_letter=lambda *a: dead.append(a),
    )
    assert await sender.send({"event": "x"}) == {"http://crm.test/h": False}
    assert len(tries) == 3
    gaps = [b - a for a, b in itertools.pairwise(tries)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1  # exponential back-off
    assert dead == [("http://crm.test/h", {"event": "x"}, 3, "ConnectError: down")]
    sender.fire([{"event": "y"}])
    await sender.aclose()
    assert len(dead) == 2


def test_no_secret_no_webhooks() -> None:
    with pytest.raises(ValueError, match="secret"):
        WebhookSender(["http://crm.test/h"], "")
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        WebSettings(secret="x" * 20, webhook_urls=("http://crm.test/h",), webhook_allowed_hosts=("crm.test",))
    with pytest.raises(ValidationError, match="ALLOWED_HOSTS"):
        WebSettings(secret="x" * 20, webhook_urls=("http://evil.test/h",), webhook_secret=SECRET)
    ok = WebSettings(
        secret="x" * 20,
        webhook_urls=("https://crm.test/h",),
        webhook_secret=SECRET,
        webhook_allowed_hosts=("crm.test",),
    )
    assert WebhookSender.from_settings(ok).allowed("https://crm.test/h")


async def test_hosts_outside_the_allow_list_are_never_posted_to() -> None:
    seen: list[httpx.Request] = []
    dead: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"location": "http://169.254.169.254/"})

    sender = WebhookSender(
        ["http://crm.test/h", "http://10.0.0.1/x"],
        SECRET,
        allowed_hosts=["crm.test"],
        transport=httpx.MockTransport(handler),
        retries=1,
        dead_letter=lambda *a: dead.append(a),
    )
    assert await sender.send({"event": "x"}) == {"http://crm.test/h": False, "http://10.0.0.1/x": False}
    await sender.aclose()
    assert [str(r.url) for r in seen] == ["http://crm.test/h"]  # the redirect was not followed either
    assert [d[0] for d in dead] == ["http://crm.test/h", "http://10.0.0.1/x"]


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    got: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            n = int(self.headers["content-length"])
            raw = self.rfile.read(n)
            ok = verify(raw, self.headers["x-dialer-timestamp"], self.headers["x-dialer-signature"], SECRET)
            got.append({"body": json.loads(raw), "verified": ok})
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
    sender = WebhookSender([url], SECRET)
    sender.fire(build_payloads(event(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))))
    await sender.drain()
    await sender.aclose()
    await asyncio.sleep(0)
    assert sorted(g["body"]["event"] for g in got) == [CALLBACK_SET, OUTCOME_RECORDED]
    assert all(g["verified"] for g in got)
