"""Originate back-off: a server that refuses calls is left alone for a while, per server. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class OriginateBackoff:
    """After Asterisk refuses an origination (channel limit, trunk down, bad dial string) no call goes to
    that server for `first_s`, doubling with each refusal in a row up to `max_s`; a call it accepts resets
    the doubling. One server refusing calls must not stop the others, so everything is per server."""

    first_s: float = 1.0
    max_s: float = 30.0
    _delay: dict[str, float] = field(default_factory=dict)
    _until: dict[str, float] = field(default_factory=dict)

    def refused(self, server: str, now: float) -> float:
        """Asterisk refused a call on `server` at `now`: the seconds it is closed for."""
        delay = min(max(self.first_s, self._delay.get(server, 0.0) * 2), self.max_s)
        self._delay[server] = delay
        self._until[server] = now + delay
        return delay

    def accepted(self, server: str) -> None:
        self._delay[server] = 0.0

    def delay(self, server: str) -> float:
        """The current back-off of `server` (0: none)."""
        return self._delay.get(server, 0.0)

    def is_open(self, server: str, now: float) -> bool:
        return self._until.get(server, 0.0) <= now

    def closed(self, now: float) -> dict[str, float]:
        """The servers closed at `now`, with the seconds each has left."""
        return {name: until - now for name, until in self._until.items() if until > now}

    def close_until(self, server: str, until: float) -> None:
        """Close `server` until `until` (a refusal seen elsewhere, or a test's set-up)."""
        self._until[server] = until

    def clear(self) -> None:
        self._delay.clear()
        self._until.clear()
