"""Peaks for drawing a recording's waveform in the QA player."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from dialer.recordings.audio import channels_of, full_scale, load_audio, samples_of
from dialer.recordings.store import RecordingStore, local_copy


def peaks(samples: npt.NDArray[np.integer], buckets: int, scale: float) -> list[float]:
    """Peak level (0..1, 3 decimals) per time bucket of one channel; at most `buckets` of them. Pure."""
    if buckets <= 0:
        raise ValueError(f"buckets must be positive, got {buckets}")
    step = max(1, len(samples) // buckets)
    out: list[float] = []
    for i in range(0, len(samples), step):
        chunk = np.abs(np.asarray(samples[i : i + step], dtype=np.int64))
        out.append(round(float(chunk.max(initial=0)) / scale, 3))
        if len(out) == buckets:
            break
    return out


def waveform_peaks(store: RecordingStore, rel_path: str, buckets: int = 800) -> dict[str, Any]:
    """Peak level (0..1) per time bucket and channel, for drawing a waveform in the QA player."""
    with local_copy(store, rel_path) as path:
        audio = load_audio(path)
    scale = full_scale(audio)
    out = [peaks(samples_of(ch), buckets, scale) for ch in channels_of(audio)]
    return {"duration_s": len(audio) / 1000.0, "channels": out, "labels": ["operator", "customer"][: len(out)]}
