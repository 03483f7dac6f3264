"""The two inputs of `plan_adoption` the service gathers at start (and on an ARI reconnect): what each
reachable Asterisk holds, and what the database left open. Thin adapters."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dialer.db.recovery_settle import open_attempts, open_sessions
from dialer.db.repository import Repository
from dialer.recovery.adoption import OpenSession
from dialer.recovery.inventory import ServerInventory
from dialer.recovery.reconcile import OpenAttempt
from dialer.telephony.ari import AriClient, TelephonyError

log = logging.getLogger(__name__)


async def survey_servers(aris: Mapping[str, AriClient]) -> list[ServerInventory]:
    """`AriClient.inventory` of every connected server (name -> client). A server that is down or fails
    to answer is left out: what it carried is lost with it, as in a live Asterisk crash."""
    found = []
    for name, ari in aris.items():
        if not ari.connected:
            continue
        try:
            found.append(await ari.inventory(name))
        except TelephonyError as exc:
            log.error("could not list what Asterisk %s holds: %s", name, exc)
    return found


@dataclass(frozen=True)
class OpenWork:
    attempts: list[OpenAttempt]
    sessions: list[OpenSession]


def open_work(repo: Repository, campaign_ids: Iterable[int]) -> OpenWork:
    """The open attempts and operator sessions of the campaigns whose lease this process holds."""
    attempts: list[OpenAttempt] = []
    sessions: list[OpenSession] = []
    for campaign_id in campaign_ids:
        attempts.extend(open_attempts(repo, campaign_id))
        sessions.extend(open_sessions(repo, campaign_id))
    return OpenWork(attempts, sessions)
