"""Recording legs left in the spool by a dialer that died: stored like any other recording, on both
databases, with real WAV files; nothing unmatched is deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from dialer.adapters.orphan_recordings import store_orphan_recordings
from dialer.campaigns import apply_campaign
from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome
from dialer.recordings.local_store import LocalRecordingStore
from dialer.rules.campaign import parse_campaign
from tests.labkit import campaign_definition
from tests.recordings.synth import write_leg

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_orphan_legs_are_stored_or_reported(repo: Repository, tmp_path: Path) -> None:
    cid = apply_campaign(repo, parse_campaign(campaign_definition(name="orphans")))
    repo.add_contact_list(cid, "l", [{"phone": f"+7910000004{i}", "timezone": "Europe/Moscow"} for i in range(5)])
    talk, half, open_, abandoned, live = repo.lease_contacts(cid, 5, "dead-node", T0)
    for task in (talk, half, live):
        repo.update_attempt(
            task.attempt_id, answered_at=T0 + timedelta(seconds=1), bridged_at=T0 + timedelta(seconds=2)
        )
    repo.finish_attempt(talk.attempt_id, AttemptOutcome.CONNECTED, T0 + timedelta(seconds=6))
    repo.finish_attempt(half.attempt_id, AttemptOutcome.CONNECTED, T0 + timedelta(seconds=6))
    repo.finish_attempt(abandoned.attempt_id, AttemptOutcome.ABANDONED, T0 + timedelta(seconds=6))

    spool = tmp_path / "spool"
    spool.mkdir()
    write_leg(spool / f"{talk.channel_id}-customer.wav", 5.0, [(0.2, 4.0, 440.0)])
    write_leg(spool / f"{talk.channel_id}-operator.wav", 4.0, [(0.5, 3.5, 1000.0)])
    write_leg(spool / f"{half.channel_id}-customer.wav", 5.0, [(0.2, 4.0, 440.0)])
    write_leg(spool / f"{open_.channel_id}-customer.wav", 2.0, [(0.2, 1.0, 440.0)])
    write_leg(spool / f"{abandoned.channel_id}-customer.wav", 2.0, [(0.2, 1.0, 440.0)])
    write_leg(spool / f"{live.channel_id}-customer.wav", 2.0, [(0.2, 1.0, 440.0)])
    write_leg(spool / "att-unknown-customer.wav", 1.0, [])
    write_leg(spool / "something-else.wav", 1.0, [])
    before = {p.name for p in spool.iterdir()}

    store = LocalRecordingStore(tmp_path / "recordings")
    report = store_orphan_recordings(repo, spool, store, fmt="wav", live_channel_ids={live.channel_id})

    assert sorted(report.stored) == sorted([talk.attempt_id, half.attempt_id]) and report.failed == []
    by_attempt = {r.attempt_id: r for r in repo.recordings(cid)}
    recording, one_sided = by_attempt[talk.attempt_id], by_attempt[half.attempt_id]
    assert recording.attempt_id == talk.attempt_id and recording.channels == 2
    assert recording.duration_s >= 4.9  # the customer's leg, from the answer
    assert recording.missing_leg is None
    # the call whose operator leg was lost: stored with the customer's side, marked for QA
    assert (one_sided.attempt_id, one_sided.missing_leg, one_sided.channels) == (half.attempt_id, "operator", 2)
    assert one_sided.duration_s >= 4.9
    assert (tmp_path / "recordings" / recording.path).stat().st_size > 0
    # stored: its legs are gone from the spool; everything else is still there
    assert {p.name for p in spool.iterdir()} == before - {
        f"{talk.channel_id}-customer.wav",
        f"{talk.channel_id}-operator.wav",
        f"{half.channel_id}-customer.wav",
    }
    reasons = {u.name: u.reason for u in report.unmatched}
    assert "never reached an operator" in reasons[f"{abandoned.channel_id}-customer.wav"]
    assert "no attempt" in reasons["att-unknown-customer.wav"]
    assert "not a dialer recording leg" in reasons["something-else.wav"]
    assert sorted(report.still_live) == sorted([f"{open_.channel_id}-customer.wav", f"{live.channel_id}-customer.wav"])

    # run again (the next start): nothing new is stored, the stored call is not stored twice
    again = store_orphan_recordings(repo, spool, store, fmt="wav", live_channel_ids={live.channel_id})
    assert again.stored == [] and len(repo.recordings(cid)) == 2


def test_no_spool_directory_is_nothing_to_do(repo: Repository, tmp_path: Path) -> None:
    report = store_orphan_recordings(repo, tmp_path / "absent", LocalRecordingStore(tmp_path / "r"))
    assert (report.stored, report.unmatched) == ([], [])
