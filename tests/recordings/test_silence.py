"""Speech/silence on sample arrays: the same answer as pydub's detector, which it replaced, on varied legs."""

from __future__ import annotations

import numpy as np
import pytest
from pydub import AudioSegment
from pydub.silence import detect_nonsilent

from dialer.recordings.silence import DEFAULT_SILENCE, Range, SilenceParams, nonsilent_ranges


def _pydub_reference(samples: np.ndarray, rate: int, params: SilenceParams) -> list[Range]:
    """What the pipeline computed before the move (pydub 0.25 on a mono 16-bit segment)."""
    seg = AudioSegment(samples.astype("<i2").tobytes(), sample_width=2, frame_rate=rate, channels=1)
    if len(seg) == 0:
        return []
    if len(seg) < params.min_silence_ms:
        return [] if seg.dBFS <= params.silence_thresh_dbfs else [(0, len(seg))]
    ranges = detect_nonsilent(
        seg,
        min_silence_len=params.min_silence_ms,
        silence_thresh=params.silence_thresh_dbfs,
        seek_step=params.seek_step_ms,
    )
    return [(int(a), int(b)) for a, b in ranges if b > a]


def _leg(rng: np.random.Generator, rate: int, seconds: float) -> np.ndarray:
    """Low noise with bursts of speech-like noise at levels around the -45 dBFS threshold, gaps of any length."""
    n = round(seconds * rate)
    x = rng.normal(0, 32768 * 10 ** (-70 / 20), n)
    pos = 0
    while pos < n:
        gap, burst = rng.integers(0, rate // 2), rng.integers(rate // 100, rate)
        level = rng.choice([-60, -47, -45, -43, -20])
        start = min(n, pos + gap)
        end = min(n, start + burst)
        x[start:end] += rng.normal(0, 32768 * 10 ** (level / 20), end - start)
        pos = end
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


@pytest.mark.parametrize("rate", [8000, 16000, 44100])
@pytest.mark.parametrize(
    "params",
    [
        DEFAULT_SILENCE,
        SilenceParams(silence_thresh_dbfs=-30, min_silence_ms=150, seek_step_ms=7),
        SilenceParams(seek_step_ms=1),
    ],
)
def test_same_ranges_as_pydub(rate: int, params: SilenceParams) -> None:
    rng = np.random.default_rng(rate + params.seek_step_ms)
    for seconds in (0.0, 0.05, 0.1999, 0.37, 2.0, 6.3337):
        samples = _leg(rng, rate, seconds)
        assert nonsilent_ranges(samples, rate, params) == _pydub_reference(samples, rate, params), (rate, seconds)


def test_edges() -> None:
    rate = 8000
    silence = np.zeros(rate * 2, dtype=np.int16)
    assert nonsilent_ranges(silence, rate) == []
    tone = (np.sin(np.arange(rate * 2) * 2 * np.pi * 440 / rate) * 8000).astype(np.int16)
    assert nonsilent_ranges(tone, rate) == [(0, 2000)]
    both = np.concatenate([silence[: rate // 2], tone[:rate], silence[: rate // 2]])
    (start, end), *rest = nonsilent_ranges(both, rate)
    assert not rest and abs(start - 500) <= 10 and abs(end - 1500) <= 10
    assert nonsilent_ranges(tone[:800], rate) == [(0, 100)]  # shorter than one window: decided on the whole
    assert nonsilent_ranges(silence[:800], rate) == []
    with pytest.raises(ValueError):
        nonsilent_ranges(tone, 0)
