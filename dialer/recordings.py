"""Moving finished recordings from Asterisk's spool into the recordings store.

Layout: <store>/<campaign>/<yyyy>/<mm>/<dd>/<attempt>.<ext>; no path part comes from user input
unsanitised.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
import wave
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class StoredRecording:
    relative_path: str
    format: str
    duration_s: float
    size_bytes: int
    sha256: str


def safe_path_part(name: str, fallback: str = "campaign") -> str:
    """A file-system-safe slug: ASCII letters, digits, '-', '_'; never '.', '..' or empty."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_").lower()[:80]
    return text or fallback


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


def store_recording(
    spool_file: Path, store: Path, campaign: str, attempt_id: int, started: datetime
) -> StoredRecording:
    if not spool_file.exists():
        raise FileNotFoundError(f"recording not found in the spool: {spool_file}")
    ext = spool_file.suffix.lstrip(".")
    rel = Path(safe_path_part(campaign)) / f"{started:%Y}" / f"{started:%m}" / f"{started:%d}" / f"{attempt_id}.{ext}"
    dest = store / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(spool_file), dest)
    digest = hashlib.sha256(dest.read_bytes()).hexdigest()
    duration = wav_duration(dest) if ext == "wav" else 0.0
    return StoredRecording(str(rel), ext, duration, dest.stat().st_size, digest)


def store_call_recording(
    operator_leg: Path,
    customer_leg: Path,
    operator_offset_s: float,
    store: Path,
    campaign: str,
    attempt_id: int,
    answered_at: datetime,
) -> StoredRecording:
    """One stereo WAV from the two legs: operator left, customer right, both from the answer on."""
    from pydub import AudioSegment

    operator = AudioSegment.from_wav(operator_leg)
    customer = AudioSegment.from_wav(customer_leg)
    rate = customer.frame_rate
    left = AudioSegment.silent(duration=round(operator_offset_s * 1000), frame_rate=rate) + operator
    length = max(len(left), len(customer))
    left = left + AudioSegment.silent(duration=length - len(left), frame_rate=rate)
    right = customer + AudioSegment.silent(duration=length - len(customer), frame_rate=rate)
    stereo = AudioSegment.from_mono_audiosegments(left[:length], right[:length])
    merged = operator_leg.with_name(f"attempt-{attempt_id}.wav")
    stereo.export(merged, format="wav")
    stored = store_recording(merged, store, campaign, attempt_id, answered_at)
    operator_leg.unlink(missing_ok=True)
    customer_leg.unlink(missing_ok=True)
    return stored
