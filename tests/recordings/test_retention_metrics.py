"""Pure parts: retention selection, the retention adapter, and the interval metrics."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from dialer.recordings.local_store import LocalRecordingStore
from dialer.recordings.retention import RecordingInfo, expired_recordings
from dialer.recordings.retention_job import apply_retention
from dialer.recordings.silence import SilenceParams, call_metrics

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
POLICIES: dict[str, timedelta | None] = {"short": timedelta(days=30), "forever": None, "zero": timedelta(0)}


def _rec(campaign: str, age: timedelta, n: int) -> RecordingInfo:
    started = NOW - age
    return RecordingInfo(f"{campaign}/{started:%Y/%m/%d}/{n}.ogg", campaign, started, n)


ITEMS = [
    _rec("short", timedelta(days=31), 1),  # expired
    _rec("short", timedelta(days=30), 2),  # exactly at the limit: kept ("older than")
    _rec("short", timedelta(days=30, seconds=1), 3),  # expired
    _rec("short", timedelta(days=2), 4),
    _rec("forever", timedelta(days=3650), 5),
    _rec("unknown", timedelta(days=3650), 6),  # no policy: kept
    _rec("zero", timedelta(seconds=1), 7),  # retention 0: anything already started goes
    _rec("zero", timedelta(0), 8),
]


def test_expired_is_exactly_the_old_ones_oldest_first() -> None:
    assert [r.attempt_id for r in expired_recordings(ITEMS, POLICIES, NOW)] == [1, 3, 7]


def test_default_policy_for_unknown_campaigns() -> None:
    got = expired_recordings(ITEMS, POLICIES, NOW, default=timedelta(days=365))
    assert [r.attempt_id for r in got] == [6, 1, 3, 7]


def test_other_timezones_compare_by_instant() -> None:
    plus2 = timezone(timedelta(hours=2))
    rec = RecordingInfo("short/2026/05/02/1.ogg", "short", (NOW - timedelta(days=30, minutes=1)).astimezone(plus2))
    assert expired_recordings([rec], POLICIES, NOW) == [rec]


def test_naive_datetimes_and_negative_policies_are_errors() -> None:
    naive = RecordingInfo("short/2026/01/01/1.ogg", "short", datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone"):
        expired_recordings([naive], POLICIES, NOW)
    with pytest.raises(ValueError, match="timezone"):
        expired_recordings([], POLICIES, datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="negative"):
        expired_recordings(ITEMS[:1], {"short": timedelta(days=-1)}, NOW)


def _stored(tmp_path: Path) -> LocalRecordingStore:
    store = LocalRecordingStore(tmp_path / "store")
    src = tmp_path / "x.ogg"
    src.write_bytes(b"ogg")
    for rec in ITEMS:
        if rec.attempt_id != 3:  # 3 is in the database but already gone from disk
            store.put_file(src, rec.rel_path)
    return store


def test_apply_retention_deletes_exactly_the_expired(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = _stored(tmp_path)
    with caplog.at_level(logging.INFO, logger="dialer.recordings.retention_job"):
        report = apply_retention(store, ITEMS, POLICIES, NOW)
    assert [r.attempt_id for r in report.deleted] == [1, 7]
    assert [r.attempt_id for r in report.missing] == [3]
    assert report.failed == []
    left = sorted(o.rel_path for o in store.iter_objects())
    assert left == sorted(r.rel_path for r in ITEMS if r.attempt_id not in (1, 3, 7))
    assert "deleted 2, already missing 1, failed 0" in caplog.text
    assert ITEMS[0].rel_path in caplog.text


def test_apply_retention_dry_run_and_limit(tmp_path: Path) -> None:
    store = _stored(tmp_path)
    before = sorted(o.rel_path for o in store.iter_objects())
    dry = apply_retention(store, ITEMS, POLICIES, NOW, dry_run=True)
    assert [r.attempt_id for r in dry.deleted] == [1, 7] and "would delete 2" in dry.summary()
    assert sorted(o.rel_path for o in store.iter_objects()) == before
    limited = apply_retention(store, ITEMS, POLICIES, NOW, limit=1)
    assert [r.attempt_id for r in limited.deleted] == [1]


def test_apply_retention_keeps_going_after_a_failure(tmp_path: Path) -> None:
    class Flaky(LocalRecordingStore):
        def delete(self, rel_path: str) -> bool:
            if rel_path == ITEMS[0].rel_path:
                raise PermissionError("read-only")
            return super().delete(rel_path)

    store = _stored(tmp_path)
    report = apply_retention(Flaky(store.root), ITEMS, POLICIES, NOW)
    assert [(r.attempt_id, "PermissionError" in why) for r, why in report.failed] == [(1, True)]
    assert [r.attempt_id for r in report.deleted] == [7]


def test_unsafe_path_from_the_database_is_a_failure_not_a_deletion(tmp_path: Path) -> None:
    store = _stored(tmp_path)
    evil = RecordingInfo("../../etc/passwd.ogg", "short", NOW - timedelta(days=400))
    report = apply_retention(store, [evil], POLICIES, NOW)
    assert report.deleted == [] and len(report.failed) == 1


# ------------------------------------------------------------------------------------------ metrics


def test_metrics_from_ranges() -> None:
    m = call_metrics([(1000, 3000), (5000, 6000)], [(0, 1500), (2500, 5500)], 10_000)
    assert m.dead_air_start_s == 1.0
    assert m.talk_over_ratio == pytest.approx((500 + 500 + 500) / 10_000)
    # union: 0-3000 and 5000-6000 plus 2500-5500 -> 0-6000
    assert m.silence_ratio == pytest.approx(4000 / 10_000)
    assert m.operator_talk_ratio == pytest.approx(0.3)
    assert m.customer_talk_ratio == pytest.approx(0.45)
    assert m.operator_spoke


def test_metrics_ignore_clicks_and_clip_to_duration() -> None:
    params = SilenceParams(min_audio_ms=60)
    m = call_metrics([(100, 130), (2000, 12_000)], [(-50, 500)], 10_000, params)
    assert m.dead_air_start_s == 2.0
    assert m.operator_talk_ratio == pytest.approx((30 + 8000) / 10_000)
    assert m.customer_talk_ratio == pytest.approx(0.05)


def test_metrics_degenerate() -> None:
    assert call_metrics([], [], 0).silence_ratio == 0.0
    m = call_metrics([], [], 4000)
    assert (m.dead_air_start_s, m.silence_ratio, m.talk_over_ratio, m.operator_spoke) == (4.0, 1.0, 0.0, False)
    full = call_metrics([(0, 4000)], [(0, 4000)], 4000)
    assert (full.dead_air_start_s, full.talk_over_ratio, full.silence_ratio) == (0.0, 1.0, 0.0)
