"""The store chosen by the settings, and the jobs that run over any store (retention, reprocess, waveform),
each on both stores; the S3 one is a real moto server (tests/recordings/conftest.py)."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from dialer.config import Settings
from dialer.recordings.audio import RecordingFormat
from dialer.recordings.factory import store_from_settings
from dialer.recordings.local_store import LocalRecordingStore
from dialer.recordings.pipeline import process_call_recording, reprocess_recording
from dialer.recordings.retention import RecordingInfo
from dialer.recordings.retention_job import apply_retention
from dialer.recordings.s3_store import S3RecordingStore
from dialer.recordings.store import RecordingStore
from dialer.recordings.verify import verify_recording
from dialer.recordings.waveform import waveform_peaks
from tests.recordings.conftest import S3_REGION
from tests.recordings.synth import write_leg

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Settings:
    """Settings as production reads them: from DIALER_* variables (and no .env file)."""
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("DIALER_RECORDING")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings()


def test_local_is_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = _settings(monkeypatch, tmp_path, DIALER_RECORDINGS_DIR=str(tmp_path / "recs"))
    store = store_from_settings(settings)
    assert isinstance(store, LocalRecordingStore) and store.root == tmp_path / "recs"


def test_s3_needs_a_bucket(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="DIALER_RECORDING_S3_BUCKET"):
        _settings(monkeypatch, tmp_path, DIALER_RECORDING_STORE="s3")
    with pytest.raises(ValidationError, match="recording_store"):
        _settings(monkeypatch, tmp_path, DIALER_RECORDING_STORE="ftp")


def test_s3_store_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, s3_endpoint: str, s3_bucket: str, s3_client: Any
) -> None:
    settings = _settings(
        monkeypatch,
        tmp_path,
        DIALER_RECORDING_STORE="s3",
        DIALER_RECORDING_S3_BUCKET=s3_bucket,
        DIALER_RECORDING_S3_ENDPOINT_URL=s3_endpoint,
        DIALER_RECORDING_S3_REGION=S3_REGION,
        DIALER_RECORDING_S3_PREFIX="calls/2026",
    )
    store = store_from_settings(settings)
    assert isinstance(store, S3RecordingStore)
    src = tmp_path / "x.ogg"
    src.write_bytes(b"recorded")
    store.put_file(src, "camp/2026/03/04/1.ogg", "audio/ogg")
    # it went to the configured server, bucket and prefix
    head = s3_client.head_object(Bucket=s3_bucket, Key="calls/2026/camp/2026/03/04/1.ogg")
    assert head["ContentLength"] == 8 and head["ContentType"] == "audio/ogg"
    assert store.open_range("camp/2026/03/04/1.ogg", 2, 4) == b"cor"


def _recording(
    store: RecordingStore, tmp_path: Path, attempt_id: int, started: datetime, fmt: RecordingFormat = "ogg"
) -> str:
    op = write_leg(tmp_path / f"op{attempt_id}.wav", 2.0, [(0.3, 1.8, 1000.0)])
    cu = write_leg(tmp_path / f"cu{attempt_id}.wav", 2.0, [(0.1, 1.9, 440.0)])
    rec = process_call_recording(op, cu, store=store, campaign="short", attempt_id=attempt_id, started=started, fmt=fmt)
    return rec.rel_path


def test_retention_on_each_store(store: RecordingStore, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    old, young = NOW - timedelta(days=40), NOW - timedelta(days=2)
    old_path = _recording(store, tmp_path, 1, old)
    young_path = _recording(store, tmp_path, 2, young)
    items = [
        RecordingInfo(old_path, "short", old, 1),
        RecordingInfo(young_path, "short", young, 2),
        RecordingInfo("short/2026/04/01/3.ogg", "short", old, 3),  # the row outlived its file
    ]
    policies: dict[str, timedelta | None] = {"short": timedelta(days=30)}

    dry = apply_retention(store, items, policies, NOW, dry_run=True)
    assert [r.attempt_id for r in dry.deleted] == [1] and [r.attempt_id for r in dry.missing] == [3]
    assert store.exists(old_path)

    with caplog.at_level(logging.INFO, logger="dialer.recordings.retention_job"):
        report = apply_retention(store, items, policies, NOW)
    assert [r.attempt_id for r in report.deleted] == [1] and [r.attempt_id for r in report.missing] == [3]
    assert not report.failed
    assert not store.exists(old_path) and store.exists(young_path)
    assert sorted(o.rel_path for o in store.iter_objects()) == [young_path]
    assert f"retention deleted {old_path}" in caplog.text


def test_reprocess_to_another_format_on_each_store(store: RecordingStore, tmp_path: Path) -> None:
    # from lossless WAV, so the re-measured dead air is the original's (Opus at 24k leaks some of the
    # customer's channel into the operator's, above the silence threshold)
    started = NOW - timedelta(days=1)
    wav = _recording(store, tmp_path, 5, started, "wav")
    mp3 = reprocess_recording(store, wav, campaign="short", attempt_id=5, started=started, fmt="mp3")
    assert mp3.rel_path == wav.removesuffix(".wav") + ".mp3" and mp3.channels == 2
    assert not store.exists(wav)
    assert verify_recording(store, mp3.rel_path, mp3.sha256, mp3.duration_s).ok
    assert mp3.dead_air_start_s == pytest.approx(0.3, abs=0.05)


def test_waveform_on_each_store(store: RecordingStore, tmp_path: Path) -> None:
    rel = _recording(store, tmp_path, 6, NOW, "wav")
    wave = waveform_peaks(store, rel, buckets=20)
    assert wave["labels"] == ["operator", "customer"] and wave["duration_s"] == pytest.approx(2.0, abs=0.05)
    operator, customer = wave["channels"]
    assert len(operator) == len(customer) == 20
    # operator silent for the first 0.3 s (bucket 0..2 of 0.1 s), customer from 0.1 s
    assert operator[:3] == [0.0, 0.0, 0.0] and min(operator[4:17]) > 0.3 and operator[19] == 0.0
    assert customer[0] == 0.0 and min(customer[2:18]) > 0.3


def test_cli_recordings_commands_use_the_configured_s3_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, s3_endpoint: str, s3_bucket: str, s3_client: Any
) -> None:
    """`dialer recordings verify | reprocess` on a bucket: nothing is looked for on the local disk."""
    from typer.testing import CliRunner

    from dialer.cli import app
    from dialer.db import migrate, repository_for

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    settings = _settings(
        monkeypatch,
        tmp_path,
        DIALER_DATABASE_URL=url,
        DIALER_RECORDINGS_DIR=str(tmp_path / "not-used"),
        DIALER_RECORDING_STORE="s3",
        DIALER_RECORDING_S3_BUCKET=s3_bucket,
        DIALER_RECORDING_S3_ENDPOINT_URL=s3_endpoint,
        DIALER_RECORDING_S3_REGION=S3_REGION,
    )
    store = store_from_settings(settings)
    migrate(url)
    repo = repository_for(url)
    cid = repo.upsert_campaign("qa", fields={})
    repo.add_contact_list(cid, "l", [{"phone": "+79100000001"}, {"phone": "+79100000002"}])
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    for task in repo.lease_contacts(cid, 2, "n", start):
        op = write_leg(tmp_path / f"op{task.attempt_id}.wav", 3.0, [(1.0, 3.0, 1000)])
        cu = write_leg(tmp_path / f"cu{task.attempt_id}.wav", 3.0, [(0.0, 3.0, 440)])
        processed = process_call_recording(
            op, cu, store=store, campaign="qa", attempt_id=task.attempt_id, started=start
        )
        repo.update_attempt(task.attempt_id, answered_at=start, ended_at=start + timedelta(seconds=3))
        repo.add_recording(task.attempt_id, processed)
    run = CliRunner().invoke
    ok = run(app, ["recordings", "verify"])
    assert ok.exit_code == 0 and "2 recordings checked, 0 with problems" in ok.output, ok.output

    damaged = repo.recordings(cid)[1].path
    s3_client.put_object(Bucket=s3_bucket, Key=f"recordings/{damaged}", Body=b"not what was stored")
    bad = run(app, ["recordings", "verify", "--campaign", "qa"])
    assert bad.exit_code == 1 and "1 with problems" in bad.output and "sha256" in bad.output

    res = run(app, ["recordings", "reprocess", "--format", "mp3"])
    assert res.exit_code == 1 and "1 recordings re-processed, 1 failed" in res.output, res.output
    paths = sorted(r.path for r in repo.recordings(cid))
    keys = sorted(o["Key"].removeprefix("recordings/") for o in s3_client.list_objects_v2(Bucket=s3_bucket)["Contents"])
    assert keys == paths and sorted(p.rsplit(".", 1)[1] for p in paths) == ["mp3", "ogg"]
    assert not (tmp_path / "not-used").exists()
