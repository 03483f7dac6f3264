"""Speech and silence on one leg's samples, and the QA metrics computed from them. Pure (numpy only).

`nonsilent_ranges` is pydub's `detect_nonsilent` (0.25) on a numpy array: the same windows, the same integer
RMS and the same merging, so the metrics did not change when it moved off pydub, and a test keeps them equal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Range = tuple[int, int]  # [start_ms, end_ms)
PCM16_FULL_SCALE = 32768.0


@dataclass(frozen=True)
class SilenceParams:
    """How `nonsilent_ranges` separates speech from silence on each leg.

    - `silence_thresh_dbfs` -45: absolute, not relative to the leg's loudness, so an all-silent leg stays silent
      and a loud customer does not make a quiet operator "silent". Telephone speech sits around -15..-30 dBFS,
      G.711 idle/comfort noise below -55.
    - `min_silence_ms` 200: pauses shorter than this inside speech count as speech (breaths, plosives).
    - `seek_step_ms` 10: the detector's resolution; also the bound on the dead-air error (plus sub-ms from the
      threshold), well inside the 50 ms target, and 10x cheaper than 1 ms steps.
    - `min_audio_ms` 60: for dead air, a non-silent burst shorter than this (a click when the bridge joins) is
      not "the operator's first audio".
    """

    silence_thresh_dbfs: float = -45.0
    min_silence_ms: int = 200
    seek_step_ms: int = 10
    min_audio_ms: int = 60


DEFAULT_SILENCE = SilenceParams()


def _window_rms(
    squares: npt.NDArray[Any], frames: int, rate: int, starts: npt.NDArray[np.int64], ms: int
) -> npt.NDArray[np.float64]:
    """Integer RMS of the `ms`-long window at each start (ms), as pydub slices and audioop measures it: frame
    positions truncated from `ms * rate / 1000`, a window past the end padded with digital silence."""
    per_ms = rate / 1000.0
    first = (starts * per_ms).astype(np.int64)
    last = ((starts + ms) * per_ms).astype(np.int64)
    have = np.minimum(last, frames)
    n = np.where(have > first, last - first, 0)
    lo = np.minimum(first, frames)
    total = squares[np.maximum(have, lo)] - squares[lo]
    return np.asarray(np.floor(np.sqrt(total / np.maximum(n, 1))), dtype=np.float64)


def nonsilent_ranges(
    samples: npt.NDArray[np.integer] | Sequence[int],
    frame_rate: int,
    params: SilenceParams = DEFAULT_SILENCE,
    *,
    full_scale: float = PCM16_FULL_SCALE,
) -> list[Range]:
    """Non-silent [start, end) ranges in ms of one mono leg (integer samples at `frame_rate`).

    A window of `min_silence_ms` slides by `seek_step_ms`; a window whose RMS is at or below the threshold is
    silent, overlapping silent windows merge, and what is left between them is speech.
    """
    if frame_rate <= 0:
        raise ValueError(f"frame rate must be positive, got {frame_rate}")
    # 16-bit samples: exact integer sums (as audioop's), so a window's RMS does not depend on where it sits in
    # a long call; wider samples would overflow int64 and get float sums
    dtype = np.int64 if full_scale <= PCM16_FULL_SCALE else np.float64
    x = np.asarray(samples, dtype=dtype)
    frames = int(x.shape[0])
    length = round(1000 * frames / frame_rate)
    if length == 0:
        return []
    squares = np.concatenate((np.zeros(1, dtype=dtype), np.cumsum(x * x)))
    if length < params.min_silence_ms:
        # too short for one window: decide on the whole leg (pydub's detector would call it all speech)
        rms = math.sqrt(float(squares[-1]) / frames)
        silent = rms == 0 or 20 * math.log10(rms / full_scale) <= params.silence_thresh_dbfs
        return [] if silent else [(0, length)]
    thresh = 10 ** (params.silence_thresh_dbfs / 20) * full_scale
    last_start = length - params.min_silence_ms
    starts = list(range(0, last_start + 1, params.seek_step_ms))
    if last_start % params.seek_step_ms:
        starts.append(last_start)
    start_arr = np.asarray(starts, dtype=np.int64)
    silent_starts = start_arr[_window_rms(squares, frames, frame_rate, start_arr, params.min_silence_ms) <= thresh]
    silences = _merge_silences([int(s) for s in silent_starts], params.min_silence_ms, params.seek_step_ms)
    return _complement(silences, length)


def _merge_silences(starts: Sequence[int], window_ms: int, step_ms: int) -> list[Range]:
    """Silent windows -> silent ranges; windows that touch or overlap join."""
    if not starts:
        return []
    out: list[Range] = []
    begin = prev = starts[0]
    for s in starts[1:]:
        if s != prev + step_ms and s > prev + window_ms:
            out.append((begin, prev + window_ms))
            begin = s
        prev = s
    out.append((begin, prev + window_ms))
    return out


def _complement(silences: Sequence[Range], length: int) -> list[Range]:
    if not silences:
        return [(0, length)]
    if silences[0] == (0, length):
        return []
    out: list[Range] = []
    prev_end = 0
    for a, b in silences:
        out.append((prev_end, a))
        prev_end = b
    if prev_end != length:
        out.append((prev_end, length))
    return [(a, b) for a, b in out if b > a]


def _total(ranges: Sequence[Range]) -> int:
    return sum(b - a for a, b in ranges)


def _overlap(a: Sequence[Range], b: Sequence[Range]) -> int:
    """Total length of the intersection of two sorted lists of disjoint ranges (two-pointer sweep)."""
    i = j = total = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            total += hi - lo
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


@dataclass(frozen=True)
class CallMetrics:
    dead_air_start_s: float
    talk_over_ratio: float
    silence_ratio: float
    operator_talk_ratio: float
    customer_talk_ratio: float
    operator_spoke: bool


def call_metrics(
    operator: Sequence[Range], customer: Sequence[Range], duration_ms: int, params: SilenceParams = DEFAULT_SILENCE
) -> CallMetrics:
    """QA metrics from the legs' non-silent ranges (sorted, disjoint, in ms, clipped to `duration_ms`).

    - dead air at the start: from 0 (customer answer) to the start of the operator's first non-silent range of at
      least `min_audio_ms`; the whole duration if the operator never spoke.
    - talk-over: share of the call where both legs are non-silent.
    - silence: share of the call where both legs are silent.
    """
    if duration_ms <= 0:
        return CallMetrics(0.0, 0.0, 0.0, 0.0, 0.0, False)
    op = [(max(0, a), min(b, duration_ms)) for a, b in operator if min(b, duration_ms) > max(0, a)]
    cu = [(max(0, a), min(b, duration_ms)) for a, b in customer if min(b, duration_ms) > max(0, a)]
    first = next((a for a, b in op if b - a >= params.min_audio_ms), None)
    both = _overlap(op, cu)
    either = _total(op) + _total(cu) - both
    return CallMetrics(
        dead_air_start_s=(duration_ms if first is None else first) / 1000.0,
        talk_over_ratio=both / duration_ms,
        silence_ratio=(duration_ms - either) / duration_ms,
        operator_talk_ratio=_total(op) / duration_ms,
        customer_talk_ratio=_total(cu) / duration_ms,
        operator_spoke=first is not None,
    )
