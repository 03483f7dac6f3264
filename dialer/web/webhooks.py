"""Outbound webhooks for CRMs: `outcome.recorded` and `callback.set`.

The payload builder is pure; the sender posts JSON with an HMAC-SHA256 signature header
(`X-Dialer-Signature: sha256=<hex>` over the raw body) so a receiver can check it came from us.
Delivery is best effort with a few retries: a CRM being down must never block an operator.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

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


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender:
    def __init__(
        self,
        urls: Sequence[str],
        secret: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retries: int = 3,
        backoff_s: float = 0.5,
        timeout_s: float = 5.0,
    ) -> None:
        self.urls = list(urls)
        self.secret = secret
        self.retries = retries
        self.backoff_s = backoff_s
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout_s)
        self._tasks: set[asyncio.Task[None]] = set()

    async def send(self, payload: dict[str, Any]) -> dict[str, bool]:
        """Deliver to every URL; returns url -> delivered."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"content-type": "application/json", "x-dialer-event": str(payload.get("event", ""))}
        if self.secret:
            headers["x-dialer-signature"] = sign(body, self.secret)
        results: dict[str, bool] = {}
        for url in self.urls:
            results[url] = False
            for attempt in range(self.retries):
                try:
                    resp = await self._client.post(url, content=body, headers=headers)
                    if resp.status_code < 300:
                        results[url] = True
                        break
                    log.warning("webhook %s answered %d", url, resp.status_code)
                except httpx.HTTPError as exc:
                    log.warning("webhook %s failed: %s", url, exc)
                await asyncio.sleep(self.backoff_s * (2**attempt))
        return results

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
