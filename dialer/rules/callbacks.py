"""Callback routing: the operator who promised the call gets it, if they are there.

A personal callback is reserved for its operator from `due_at` for the grace
period; if that operator is logged in they get it (and the dialer should prefer
them), if not it waits. After the grace period anyone may take it, so a callee
who asked to be called back is never forgotten because an operator went home.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Callback:
    contact_id: int
    due_at: dt.datetime
    operator_id: int | None = None  # who set it
    personal: bool = True  # False: anyone may take it from due_at


class CallbackState(StrEnum):
    NOT_DUE = "not_due"
    RESERVED = "reserved"  # due, its operator is logged in: only they may take it
    WAITING = "waiting"  # due, personal, operator not logged in, grace period running
    ANYONE = "anyone"  # due and open to every operator


@dataclass(frozen=True, slots=True)
class CallbackRoute:
    state: CallbackState
    operator_id: int | None = None  # the reserved operator (RESERVED/WAITING), or a preferred one
    open_at: dt.datetime | None = None  # when it becomes ANYONE (None if it already is)

    @property
    def due(self) -> bool:
        return self.state is not CallbackState.NOT_DUE

    def can_take(self, operator_id: int) -> bool:
        """May this operator be given the callback now?"""
        if self.state is CallbackState.ANYONE:
            return True
        return self.state is CallbackState.RESERVED and operator_id == self.operator_id


def route_callback(
    callback: Callback, now: dt.datetime, logged_in: AbstractSet[int], grace: dt.timedelta
) -> CallbackRoute:
    if now < callback.due_at:
        return CallbackRoute(CallbackState.NOT_DUE, callback.operator_id, callback.due_at)
    if not callback.personal or callback.operator_id is None:
        return CallbackRoute(CallbackState.ANYONE)
    open_at = callback.due_at + grace
    if now >= open_at:
        # prefer the owner if they happen to be there, but do not wait for them any more
        preferred = callback.operator_id if callback.operator_id in logged_in else None
        return CallbackRoute(CallbackState.ANYONE, preferred)
    if callback.operator_id in logged_in:
        return CallbackRoute(CallbackState.RESERVED, callback.operator_id, open_at)
    return CallbackRoute(CallbackState.WAITING, callback.operator_id, open_at)
