"""End-to-end post-processing on synthetic legs: channels, dead air, ratios, storage and leg clean-up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydub import AudioSegment

from dialer.recordings.audio import RecordingFormat
from dialer.recordings.errors import EmptyRecordingError, RecordingError
from dialer.recordings.local_store import LocalRecordingStore
from dialer.recordings.pipeline import process_call_recording
from dialer.recordings.verify import RecordingVerificationError, verify_recording
from tests.recordings.synth import dominant, goertzel_power, write_leg

STARTED = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
DEAD_AIR = 1.37
# operator (1000 Hz) talks 1.37-3.5 s; customer (440 Hz) says hello 0.2-1.0 s and talks 2.0-3.9 s; leg lengths differ
OPERATOR = [(DEAD_AIR, 3.5, 1000.0)]
CUSTOMER = [(0.2, 1.0, 440.0), (2.0, 3.9, 440.0)]


def _legs(tmp_path: Path, op_len: float = 4.0, cu_len: float = 4.3) -> tuple[Path, Path]:
    return (
        write_leg(tmp_path / "op.wav", op_len, OPERATOR),
        write_leg(tmp_path / "cu.wav", cu_len, CUSTOMER),
    )


def _window(seg: AudioSegment, start_s: float, end_s: float) -> list[int]:
    return list(seg[int(start_s * 1000) : int(end_s * 1000)].get_array_of_samples())


@pytest.mark.parametrize("fmt", ["ogg", "mp3"])
def test_stereo_file_carries_operator_left_customer_right(tmp_path: Path, fmt: RecordingFormat) -> None:
    op, cu = _legs(tmp_path)
    store = LocalRecordingStore(tmp_path / "store")
    rec = process_call_recording(
        op,
        cu,
        store=store,
        campaign="../Sample Dentists",
        attempt_id=42,
        started=STARTED,
        fmt=fmt,
    )
    assert rec.rel_path == f"sample-dentists/2026/03/04/42.{fmt}"
    path = tmp_path / "store" / rec.rel_path
    assert path.stat().st_size == rec.size_bytes < rec.source_size_bytes / 4
    assert not op.exists() and not cu.exists()

    decoded = AudioSegment.from_file(str(path), format=fmt)
    assert decoded.channels == 2
    assert decoded.duration_seconds == pytest.approx(4.3, abs=0.1)
    left, right = decoded.split_to_mono()
    rate = decoded.frame_rate
    # both talking: each side has its own tone, the other one at least 20 dB down
    lw, rw = _window(left, 2.3, 3.3), _window(right, 2.3, 3.3)
    assert dominant(lw, rate, [440.0, 1000.0]) == 1000.0
    assert dominant(rw, rate, [440.0, 1000.0]) == 440.0
    assert goertzel_power(lw, rate, 1000.0) > 100 * goertzel_power(lw, rate, 440.0)
    assert goertzel_power(rw, rate, 440.0) > 100 * goertzel_power(rw, rate, 1000.0)
    # only the customer talking: the left channel is quiet
    assert left[300:900].dBFS < -40 < right[300:900].dBFS

    assert rec.channels == 2
    assert rec.duration_s == pytest.approx(4.3)
    assert rec.dead_air_start_s == pytest.approx(DEAD_AIR, abs=0.05)
    assert rec.talk_over_ratio == pytest.approx((3.5 - 2.0) / 4.3, abs=0.02)
    both_silent = 0.2 + (DEAD_AIR - 1.0) + (4.3 - 3.9)
    assert rec.silence_ratio == pytest.approx(both_silent / 4.3, abs=0.02)
    assert rec.operator_talk_ratio == pytest.approx((3.5 - DEAD_AIR) / 4.3, abs=0.02)
    assert rec.customer_talk_ratio == pytest.approx(2.7 / 4.3, abs=0.02)
    assert verify_recording(store, rec.rel_path, rec.sha256, rec.duration_s).ok


@pytest.mark.parametrize("dead_air", [0.0, 0.25, 0.61, 1.37, 2.05, 3.333])
def test_dead_air_within_50_ms(tmp_path: Path, dead_air: float) -> None:
    op = write_leg(tmp_path / "op.wav", 5.0, [(dead_air, 4.0, 1000.0)], dbfs=-30.0)
    cu = write_leg(tmp_path / "cu.wav", 5.0, [(0.1, 0.8, 440.0)])
    rec = process_call_recording(
        op, cu, store=LocalRecordingStore(tmp_path / "s"), campaign="c", attempt_id=1, started=STARTED, fmt="wav"
    )
    assert rec.dead_air_start_s == pytest.approx(dead_air, abs=0.05)
    assert rec.operator_spoke


def test_short_click_is_not_the_operators_first_audio(tmp_path: Path) -> None:
    op = write_leg(tmp_path / "op.wav", 4.0, [(0.3, 0.33, 1000.0), (2.2, 3.5, 1000.0)])
    cu = write_leg(tmp_path / "cu.wav", 4.0, [])
    rec = process_call_recording(
        op, cu, store=LocalRecordingStore(tmp_path / "s"), campaign="c", attempt_id=1, started=STARTED, fmt="wav"
    )
    assert rec.dead_air_start_s == pytest.approx(2.2, abs=0.05)


def test_operator_never_spoke(tmp_path: Path) -> None:
    op = write_leg(tmp_path / "op.wav", 3.0, [])
    cu = write_leg(tmp_path / "cu.wav", 3.0, [(0.2, 2.0, 440.0)])
    rec = process_call_recording(
        op, cu, store=LocalRecordingStore(tmp_path / "s"), campaign="c", attempt_id=2, started=STARTED, fmt="wav"
    )
    assert not rec.operator_spoke
    assert rec.dead_air_start_s == pytest.approx(3.0)
    assert rec.talk_over_ratio == 0.0
    assert rec.operator_talk_ratio == 0.0
    assert rec.silence_ratio == pytest.approx(1.2 / 3.0, abs=0.02)


def test_missing_leg_keeps_the_other(tmp_path: Path) -> None:
    op = write_leg(tmp_path / "op.wav", 1.0, [])
    with pytest.raises(FileNotFoundError):
        process_call_recording(
            op,
            tmp_path / "nope.wav",
            store=LocalRecordingStore(tmp_path / "s"),
            campaign="c",
            attempt_id=1,
            started=STARTED,
        )
    assert op.exists()


@pytest.mark.parametrize("lost", ["operator", "customer"])
def test_a_call_with_one_leg_is_stored_one_sided(tmp_path: Path, lost: str) -> None:
    """A leg lost to a dialer restart or an ARI time-out: the side recorded is kept in its channel, the
    other is silence as long as the call, and the recording says which side is missing."""
    op, cu = _legs(tmp_path)
    store = LocalRecordingStore(tmp_path / "store")
    rec = process_call_recording(
        None if lost == "operator" else op,
        None if lost == "customer" else cu,
        store=store,
        campaign="c",
        attempt_id=7,
        started=STARTED,
        fmt="wav",
        operator_offset_s=0.5,
    )
    assert rec.missing_leg == lost and rec.channels == 2
    decoded = AudioSegment.from_file(str(tmp_path / "store" / rec.rel_path), format="wav")
    left, right = decoded.split_to_mono()
    kept, silent = (right, left) if lost == "operator" else (left, right)
    tone = 440.0 if lost == "operator" else 1000.0
    assert max(abs(x) for x in silent.get_array_of_samples()) == 0
    assert goertzel_power(_window(kept, 2.6, 3.3), decoded.frame_rate, tone) > 0
    assert decoded.duration_seconds == pytest.approx(4.3 if lost == "operator" else 4.5, abs=0.05)
    assert not op.exists() or lost == "operator"  # the leg used is deleted once stored
    assert not cu.exists() or lost == "customer"


def test_both_legs_present_is_not_one_sided(tmp_path: Path) -> None:
    op, cu = _legs(tmp_path)
    rec = process_call_recording(
        op, cu, store=LocalRecordingStore(tmp_path / "s"), campaign="c", attempt_id=8, started=STARTED, fmt="wav"
    )
    assert rec.missing_leg is None


def test_no_leg_at_all_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        process_call_recording(
            None, None, store=LocalRecordingStore(tmp_path / "s"), campaign="c", attempt_id=9, started=STARTED
        )


def test_empty_legs(tmp_path: Path) -> None:
    op = write_leg(tmp_path / "op.wav", 0.0, [])
    cu = write_leg(tmp_path / "cu.wav", 0.0, [])
    with pytest.raises(EmptyRecordingError):
        process_call_recording(
            op, cu, store=LocalRecordingStore(tmp_path / "s"), campaign="c", attempt_id=1, started=STARTED
        )
    assert op.exists() and cu.exists()


def test_undecodable_leg_is_a_recording_error_and_both_legs_stay(tmp_path: Path) -> None:
    op = tmp_path / "op.wav"
    op.write_bytes(b"RIFF not really a wave file" * 10)
    cu = write_leg(tmp_path / "cu.wav", 1.0, [(0.0, 1.0, 440.0)])
    with pytest.raises(RecordingError, match=r"op\.wav cannot be decoded"):
        process_call_recording(
            op, cu, store=LocalRecordingStore(tmp_path / "s"), campaign="c", attempt_id=1, started=STARTED
        )
    assert op.exists() and cu.exists()


class _CorruptingStore(LocalRecordingStore):
    """Stores garbage instead of the file: what a flaky disk or a broken upload looks like."""

    def put_file(self, src: Path, rel_path: str, content_type: str = "application/octet-stream") -> None:
        bad = src.with_suffix(".bad")
        bad.write_bytes(src.read_bytes()[:200])
        super().put_file(bad, rel_path, content_type)


def test_legs_kept_when_verification_fails(tmp_path: Path) -> None:
    op, cu = _legs(tmp_path)
    with pytest.raises(RecordingVerificationError) as err:
        process_call_recording(
            op, cu, store=_CorruptingStore(tmp_path / "s"), campaign="c", attempt_id=3, started=STARTED
        )
    assert not err.value.result.checksum_ok
    assert op.exists() and cu.exists()


def test_reprocessing_replaces_the_stored_file(tmp_path: Path) -> None:
    store = LocalRecordingStore(tmp_path / "s")
    op, cu = _legs(tmp_path)
    first = process_call_recording(op, cu, store=store, campaign="c", attempt_id=5, started=STARTED, fmt="wav")
    op, cu = _legs(tmp_path)
    second = process_call_recording(op, cu, store=store, campaign="c", attempt_id=5, started=STARTED, fmt="wav")
    assert first.rel_path == second.rel_path
    assert [o.rel_path for o in store.iter_objects()] == [first.rel_path]
