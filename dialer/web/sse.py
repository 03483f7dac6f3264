"""Server-sent events: a tiny helper, no extra dependency."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse


def event_stream(
    request: Request, produce: Callable[[], Awaitable[dict[str, Any]]], interval_s: float, max_events: int | None
) -> StreamingResponse:
    """Send `produce()` as a `data:` JSON event every interval until the client goes away."""

    async def gen() -> AsyncIterator[bytes]:
        sent = 0
        yield b"retry: 3000\n\n"
        while max_events is None or sent < max_events:
            if await request.is_disconnected():
                break
            payload = await produce()
            yield f"data: {json.dumps(payload, default=str, ensure_ascii=False)}\n\n".encode()
            sent += 1
            if max_events is not None and sent >= max_events:
                break
            await asyncio.sleep(interval_s)

    return StreamingResponse(
        gen(), media_type="text/event-stream", headers={"cache-control": "no-store", "x-accel-buffering": "no"}
    )
