"""The database worker: repository calls on one thread, in submission order, held through an outage."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


class DbWorker:
    """Runs repository calls on one thread, in submission order.

    When the database is unreachable a call is retried (backoff up to 5 s) until it comes back, and
    everything submitted after it waits its turn: outcomes are buffered in order, not lost, and the
    pacing loop, which waits for its leases here, stops originating meanwhile.
    """

    def __init__(self, max_backoff_s: float = 5.0) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dialer-db")
        self._pending: set[Future[Any]] = set()
        self._closing = False
        self.max_backoff_s = max_backoff_s
        self.available = True
        self.outages = 0

    def _retrying(self, fn: Callable[[], T]) -> T:
        backoff = 0.2
        while True:
            try:
                result = fn()
            except (OperationalError, InterfaceError) as exc:
                if self._closing:
                    raise
                if self.available:
                    self.available = False
                    self.outages += 1
                    log.error("database unavailable, holding writes until it is back: %s", exc.orig)
                time.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            if not self.available:
                self.available = True
                log.warning("database back")
            return result

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        job = partial(self._retrying, partial(fn, *args, **kwargs))
        return await asyncio.get_running_loop().run_in_executor(self._pool, job)

    def submit(self, fn: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        """Fire and forget (ordered after everything submitted before); failures are logged."""
        fut = self._pool.submit(self._retrying, partial(fn, *args, **kwargs))
        self._pending.add(fut)

        def done(f: Future[Any]) -> None:
            self._pending.discard(f)
            if f.exception() is not None:
                log.error("database write %s failed: %r", getattr(fn, "__name__", fn), f.exception())

        fut.add_done_callback(done)

    @property
    def queue_depth(self) -> int:
        return len(self._pending)

    async def flush(self) -> None:
        await self.call(lambda: None)

    def close(self, grace_s: float = 30.0) -> None:
        """Let buffered writes land (up to `grace_s` if the database is down), then stop."""
        self._pool.shutdown(wait=False)
        deadline = time.monotonic() + grace_s
        while self._pending and time.monotonic() < deadline:
            time.sleep(0.05)
        self._closing = True
        self._pool.shutdown(wait=True)
