"""Background work of the live service: guarded tasks and named timers (abandon, wrap-up), in one place
so that closing the service cancels all of it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Awaitable[Any], name: str) -> None:
        """Run `coro` as a task; a failure is logged, never lost silently nor raised into the caller."""

        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("task %s failed", name)

        task = asyncio.create_task(guarded(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def later(self, key: str, delay: float, fn: Callable[[], Awaitable[Any]]) -> None:
        """Run `fn()` after `delay` seconds, replacing any timer of the same key."""
        self.cancel(key)

        def fire() -> None:
            self._timers.pop(key, None)
            self.spawn(fn(), key)

        self._timers[key] = asyncio.get_running_loop().call_later(max(0.0, delay), fire)

    def cancel(self, key: str) -> None:
        handle = self._timers.pop(key, None)
        if handle is not None:
            handle.cancel()

    def pending(self, key: str) -> bool:
        return key in self._timers

    @property
    def busy(self) -> bool:
        """Tasks still running (a recording being stored, a leg starting)."""
        return bool(self._tasks)

    def close(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
