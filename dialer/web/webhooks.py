"""Outbound webhooks for CRMs: `outcome.recorded` and `callback.set`.

The payload builder is pure. The sender posts JSON with two headers:

    X-Dialer-Timestamp: <unix seconds>
    X-Dialer-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + raw body, keyed with the secret>

A receiver recomputes the HMAC over the timestamp header, a dot and the raw body, compares it in
constant time, and rejects the call when the timestamp is more than five minutes from its clock (a
captured call cannot be replayed later); `id` in the body de-duplicates retries within that window.
See `verify` (the receiver's check, in Python) and docs/security.md.

Delivery is in the background with retries and exponential back-off (a CRM being down must never block
an operator); a webhook every retry failed is stored as a dead letter (`webhook_dead_letter`). Only the
hosts of DIALER_WEB_WEBHOOK_ALLOWED_HOSTS are ever posted to, and redirects are not followed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from dialer.web.settings import WebSettings

log = logging.getLogger(__name__)

OUTCOME_RECORDED = "outcome.recorded"
CALLBACK_SET = "callback.set"


@dataclass(frozen=True)
class DispositionEvent:
    attempt_id: int
    campaign_id: int
    campaign: str
    contact_id: int
    phone: str
    company: str | None
    operator: str | None
    outcome: str | None
    disposition: str
    notes: str | None
    next_action_at: datetime | None
    at: datetime


def build_payloads(ev: DispositionEvent) -> list[dict[str, Any]]:
    """The webhook bodies one recorded disposition produces: always outcome.recorded, plus callback.set
    when a next-action date was given."""
    common = {
        "attempt_id": ev.attempt_id,
        "campaign": {"id": ev.campaign_id, "name": ev.campaign},
        "contact": {"id": ev.contact_id, "phone": ev.phone, "company": ev.company},
        "operator": ev.operator,
    }
    out = [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"dialer:{OUTCOME_RECORDED}:{ev.attempt_id}:{ev.at.isoformat()}")),
            "event": OUTCOME_RECORDED,
            "at": ev.at.isoformat(),
            **common,
            "outcome": ev.outcome,
            "disposition": ev.disposition,
            "notes": ev.notes,
        }
    ]
    if ev.next_action_at is not None:
        out.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"dialer:{CALLBACK_SET}:{ev.attempt_id}:{ev.at.isoformat()}")),
                "event": CALLBACK_SET,
                "at": ev.at.isoformat(),
                **common,
                "callback_at": ev.next_action_at.isoformat(),
                "notes": ev.notes,
            }
        )
    return out


MAX_AGE_S = 300  # what receivers should accept; documented in docs/security.md

DeadLetterSink = Callable[[str, dict[str, Any], int, str | None], object]


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The signature header's value: HMAC-SHA256 over "<timestamp>." + body."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(body: bytes, timestamp: str, signature: str, secret: str, now: float | None = None) -> bool:
    """The receiver's check: a valid signature over this body and timestamp, and a timestamp within
    five minutes of now (either way: clocks drift)."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - ts) > MAX_AGE_S:
        return False
    return hmac.compare_digest(sign(body, secret, ts), signature)


class WebhookSender:
    def __init__(
        self,
        urls: Sequence[str],
        secret: str,
        *,
        allowed_hosts: Sequence[str] | None = None,
        dead_letter: DeadLetterSink | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retries: int = 4,
        backoff_s: float = 1.0,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if urls and not secret:
            raise ValueError("webhooks need a secret: unsigned calls could be forged by anyone")
        self.urls = list(urls)
        self.secret = secret
        # by default the hosts of the configured URLs; settings pass DIALER_WEB_WEBHOOK_ALLOWED_HOSTS
        self.allowed_hosts = {h.lower() for h in (allowed_hosts or [urlsplit(u).hostname or "" for u in urls])}
        self.dead_letter = dead_letter
        self.retries = max(1, retries)
        self.backoff_s = backoff_s
        self.clock = clock
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout_s, follow_redirects=False)
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def from_settings(cls, web: WebSettings, sessions: sessionmaker[Session] | None = None) -> WebhookSender:
        """The sender the settings describe; dead letters go to the database when `sessions` is given."""
        from dialer.web.state import add_dead_letter

        sink: DeadLetterSink | None = None
        if sessions is not None:
            factory = sessions

            def sink(url: str, payload: dict[str, Any], attempts: int, error: str | None) -> object:
                return add_dead_letter(factory, url, payload, attempts, error)

        secret = web.webhook_secret.get_secret_value() if web.webhook_secret else ""
        return cls(web.webhook_urls, secret, allowed_hosts=web.webhook_allowed_hosts, dead_letter=sink)

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and (parts.hostname or "").lower() in self.allowed_hosts

    async def send(self, payload: dict[str, Any]) -> dict[str, bool]:
        """Deliver to every URL with retries (back-off 1, 2, 4... x backoff_s); returns url -> delivered.
        Each try is signed afresh, so its timestamp is current."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        results: dict[str, bool] = {}
        for url in self.urls:
            results[url] = False
            if not self.allowed(url):
                log.error("webhook %s: host not allowed; not sent", url)
                await self._dead(url, payload, 0, "host not in the allow-list")
                continue
            error: str | None = None
            for attempt in range(self.retries):
                ts = int(self.clock())
                headers = {
                    "content-type": "application/json",
                    "x-dialer-event": str(payload.get("event", "")),
                    "x-dialer-timestamp": str(ts),
                    "x-dialer-signature": sign(body, self.secret, ts),
                }
                try:
                    resp = await self._client.post(url, content=body, headers=headers)
                    if resp.status_code < 300:
                        results[url] = True
                        break
                    error = f"HTTP {resp.status_code}"
                    log.warning("webhook %s answered %d", url, resp.status_code)
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    log.warning("webhook %s failed: %s", url, exc)
                if attempt + 1 < self.retries:
                    await asyncio.sleep(self.backoff_s * (2**attempt))
            if not results[url]:
                await self._dead(url, payload, self.retries, error)
        return results

    async def _dead(self, url: str, payload: dict[str, Any], attempts: int, error: str | None) -> None:
        if self.dead_letter is None:
            return
        try:
            await asyncio.to_thread(self.dead_letter, url, payload, attempts, error)
        except Exception:
            log.exception("could not store the webhook dead letter for %s", url)

    def fire(self, payloads: Sequence[dict[str, Any]]) -> None:
        """Send in the background (the operator's click returns at once)."""
        if not self.urls:
            return
        for payload in payloads:
            task = asyncio.get_running_loop().create_task(self._send_quietly(payload))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send_quietly(self, payload: dict[str, Any]) -> None:
        try:
            await self.send(payload)
        except Exception:
            log.exception("webhook delivery crashed")

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        await self.drain()
        await self._client.aclose()
