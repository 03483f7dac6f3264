"""A campaign under the RU profile with a few finished calls, for the compliance page and API tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dialer.campaigns import apply_campaign
from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome
from dialer.rules.campaign import parse_campaign

DAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # Monday, 12:00 in Moscow
HOSTILE = '<script>alert("c")</script>'


@dataclass
class EvidenceSeed:
    campaign_id: int
    connected: int
    abandoned: int


def seed_evidence(repo: Repository) -> EvidenceSeed:
    definition = parse_campaign(
        {
            "name": "ru-evidence",
            "dial_string": "Local/{number}@sim-customers",
            "caller_id": "+74950000000",
            "compliance": {"profile": "RU"},
        }
    )
    cid = apply_campaign(repo, definition)
    repo.add_contact_list(
        cid,
        "l",
        [
            {"phone": "+79200000001", "timezone": "Europe/Moscow", "company": HOSTILE},
            {"phone": "+79200000002", "timezone": "Europe/Moscow"},
        ],
    )
    connected, abandoned = repo.lease_contacts(cid, 2, "seed", DAY)
    answered = DAY + timedelta(seconds=5)
    repo.update_attempt(connected.attempt_id, answered_at=answered, bridged_at=answered + timedelta(seconds=0.5))
    repo.finish_attempt(connected.attempt_id, AttemptOutcome.CONNECTED, DAY + timedelta(minutes=2))
    repo.update_attempt(abandoned.attempt_id, answered_at=answered, abandon_message_played=True)
    repo.finish_attempt(abandoned.attempt_id, AttemptOutcome.ABANDONED, answered + timedelta(seconds=8))
    return EvidenceSeed(cid, connected.attempt_id, abandoned.attempt_id)
