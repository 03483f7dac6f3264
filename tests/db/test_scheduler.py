"""The scheduler's jobs persist in the database; retention deletes exactly the expired recordings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from dialer.db.models import Campaign
from dialer.db.repository import Repository
from dialer.recordings.local_store import LocalRecordingStore
from dialer.recordings.pipeline import ProcessedRecording
from dialer.rules.campaign import parse_campaign
from dialer.scheduler import CampaignScheduler, campaign_should_dial


def _definition(**extra: object) -> dict[str, object]:
    return parse_campaign({"name": "c", "dial_string": "Local/{number}@x", **extra}).model_dump(mode="json")


def test_campaign_should_dial_by_status_and_dates() -> None:
    c = Campaign(name="c", status="running", definition=_definition(start_date="2026-11-01", end_date="2026-11-30"))
    assert campaign_should_dial(c, date(2026, 11, 23))
    assert not campaign_should_dial(c, date(2026, 10, 31))
    assert not campaign_should_dial(c, date(2026, 12, 1))
    c.status = "paused"
    assert not campaign_should_dial(c, date(2026, 11, 23))


async def test_jobs_are_persisted_and_retention_deletes_the_expired(
    repo: Repository, db_url: str, tmp_path: Path
) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    keep = repo.upsert_campaign("keep", fields={}, definition=_definition(name="keep"))
    short = repo.upsert_campaign("short", fields={}, definition=_definition(name="short", recording_retention="30d"))
    store = LocalRecordingStore(tmp_path)
    expected_gone, expected_kept = [], []
    for cid, age_days in ((keep, 400), (short, 31), (short, 29)):
        repo.add_contact_list(cid, "l", [{"phone": f"+7910000{cid}{age_days:03d}"}])
        (task,) = repo.lease_contacts(cid, 1, "n", now)
        answered = now - timedelta(days=age_days)
        repo.update_attempt(task.attempt_id, answered_at=answered)
        rel = f"c{cid}/{age_days}.ogg"
        src = tmp_path / "src.ogg"
        src.write_bytes(b"OggS" + bytes(100))
        store.put_file(src, rel)
        repo.add_recording(
            task.attempt_id,
            ProcessedRecording(
                rel, "ogg", "audio/ogg", 2, 8000, 1.0, 104, 200, "0" * 64, 0.1, 0.0, 0.5, 0.3, 0.3, True
            ),
        )
        (expected_gone if cid == short and age_days == 31 else expected_kept).append(rel)

    scheduler = CampaignScheduler(repo, store, db_url, node="test-node")
    await scheduler.start()
    try:
        engine = create_engine(db_url)
        with engine.connect() as conn:
            ids = set(conn.execute(text("SELECT id FROM scheduler_job")).scalars())
        engine.dispose()
        assert ids == {"test-node:campaigns.sync", "test-node:recordings.retention"}
        report = scheduler.retention(now)
    finally:
        await scheduler.stop()
    assert [r.rel_path for r in report.deleted] == expected_gone
    assert not store.exists(expected_gone[0])
    assert all(store.exists(rel) for rel in expected_kept)
    remaining = {r.path for c in (keep, short) for r in repo.recordings(c)}
    assert remaining == set(expected_kept)
