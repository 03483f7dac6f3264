"""Post-processing of one call's two recorded legs: mix, measure, encode, store, verify.

Runs in a worker, never on the call path. Input: two mono WAV legs (operator, customer) that both start
at the customer's answer. Output: one compressed stereo file (operator LEFT, customer RIGHT) in a
`RecordingStore` at `<campaign-slug>/<yyyy>/<mm>/<dd>/<attempt>.<ext>`, plus metadata for the database.
See docs/recordings.md.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dialer.recordings.audio import (
    ENCODINGS,
    RecordingFormat,
    build_stereo,
    channels_of,
    delay,
    encode,
    export_wav,
    load_audio,
    load_leg,
    samples_of,
    silent_like,
)
from dialer.recordings.errors import EmptyRecordingError, RecordingError
from dialer.recordings.paths import recording_rel_path
from dialer.recordings.silence import DEFAULT_SILENCE, SilenceParams, call_metrics, nonsilent_ranges
from dialer.recordings.store import RecordingStore, local_copy
from dialer.recordings.verify import RecordingVerificationError, sha256_file, verify_recording


@dataclass(frozen=True)
class ProcessedRecording:
    """What the service stores in the database for one call recording."""

    rel_path: str
    format: str
    content_type: str
    channels: int
    sample_rate: int
    duration_s: float
    size_bytes: int
    source_size_bytes: int
    sha256: str
    dead_air_start_s: float
    talk_over_ratio: float
    silence_ratio: float
    operator_talk_ratio: float
    customer_talk_ratio: float
    operator_spoke: bool
    missing_leg: str | None = None  # "operator" / "customer": that side was not recorded (silence in the file)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def process_call_recording(
    operator_wav: Path | None,
    customer_wav: Path | None,
    *,
    store: RecordingStore,
    campaign: str,
    attempt_id: int,
    started: datetime,
    fmt: RecordingFormat = "ogg",
    silence: SilenceParams = DEFAULT_SILENCE,
    delete_legs: bool = True,
    operator_offset_s: float = 0.0,
) -> ProcessedRecording:
    """Mix, measure, encode, store and verify one call; delete the legs only once the stored file verified.

    Both legs are meant to start at the customer's answer; the live service starts the operator's leg
    when the call is bridged, `operator_offset_s` later, and that much silence is put before it.

    One leg None (lost to a dialer restart or an ARI time-out): the call is stored all the same, with that
    side silent and `missing_leg` naming it, so QA sees what was recorded and knows what was not.

    Safe to retry: the target path is deterministic and `put_file` replaces it. Raises `FileNotFoundError`
    (a leg is missing), `EmptyRecordingError` (nothing recorded) or `RecordingVerificationError` (legs kept).
    """
    if operator_wav is None and customer_wav is None:
        raise FileNotFoundError(f"attempt {attempt_id}: no recording leg at all")
    profile = ENCODINGS[fmt]
    rel_path = recording_rel_path(campaign, started, attempt_id, profile.ext)
    operator = delay(load_leg(operator_wav), operator_offset_s) if operator_wav is not None else None
    customer = load_leg(customer_wav) if customer_wav is not None else None
    missing_leg = "operator" if operator is None else "customer" if customer is None else None
    if operator is None:
        operator = silent_like(customer)
    if customer is None:
        customer = silent_like(operator)
    source_size = sum(p.stat().st_size for p in (operator_wav, customer_wav) if p is not None)
    stereo = build_stereo(operator, customer)
    frames = int(stereo.frame_count())
    if frames == 0:
        raise EmptyRecordingError(f"both legs of attempt {attempt_id} are empty")
    rate = int(stereo.frame_rate)
    duration_s = frames / rate
    left, right = channels_of(stereo)
    metrics = call_metrics(
        nonsilent_ranges(samples_of(left), rate, silence),
        nonsilent_ranges(samples_of(right), rate, silence),
        len(stereo),
        silence,
    )

    with tempfile.TemporaryDirectory(prefix="dialer-rec-") as tmp:
        encoded = Path(tmp) / f"{attempt_id}.{profile.ext}"
        encode(stereo, encoded, fmt)
        digest = sha256_file(encoded)
        size = encoded.stat().st_size
        store.put_file(encoded, rel_path, profile.content_type)

    result = verify_recording(store, rel_path, digest, duration_s, expected_channels=2)
    if not result.ok:
        raise RecordingVerificationError(result)
    if delete_legs:
        for leg in (operator_wav, customer_wav):
            if leg is not None:
                leg.unlink(missing_ok=True)
    return ProcessedRecording(
        rel_path=rel_path,
        format=fmt,
        content_type=profile.content_type,
        channels=2,
        sample_rate=rate,
        duration_s=round(duration_s, 3),
        size_bytes=size,
        source_size_bytes=source_size,
        sha256=digest,
        dead_air_start_s=metrics.dead_air_start_s,
        talk_over_ratio=round(metrics.talk_over_ratio, 4),
        silence_ratio=round(metrics.silence_ratio, 4),
        operator_talk_ratio=round(metrics.operator_talk_ratio, 4),
        customer_talk_ratio=round(metrics.customer_talk_ratio, 4),
        operator_spoke=metrics.operator_spoke,
        missing_leg=missing_leg,
    )


def reprocess_recording(
    store: RecordingStore,
    rel_path: str,
    *,
    campaign: str,
    attempt_id: int,
    started: datetime,
    fmt: RecordingFormat = "ogg",
    silence: SilenceParams = DEFAULT_SILENCE,
) -> ProcessedRecording:
    """Measure and encode a stored stereo recording again (new format, new silence parameters): its two
    channels are the legs. The old file goes only when the new one is stored under another name."""
    with local_copy(store, rel_path) as src, tempfile.TemporaryDirectory(prefix="dialer-reprocess-") as tmp:
        stereo = load_audio(src)
        if stereo.channels != 2:
            raise RecordingError(f"{rel_path}: {stereo.channels} channel(s); only stereo recordings have both legs")
        left, right = channels_of(stereo)
        operator_wav, customer_wav = Path(tmp) / "operator.wav", Path(tmp) / "customer.wav"
        export_wav(left, operator_wav)
        export_wav(right, customer_wav)
        processed = process_call_recording(
            operator_wav,
            customer_wav,
            store=store,
            campaign=campaign,
            attempt_id=attempt_id,
            started=started,
            fmt=fmt,
            silence=silence,
        )
    if processed.rel_path != rel_path:
        store.delete(rel_path)
    return processed
