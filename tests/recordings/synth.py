"""Synthetic call legs for the recording tests: tones at known offsets, written as 8 kHz 16-bit mono WAV."""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Sequence
from pathlib import Path

RATE = 8000


def tone_second(freq: float, dbfs: float = -12.0, rate: int = RATE) -> bytes:
    """One second of a sine; integer frequencies repeat seamlessly second after second."""
    amp = 32767 * 10 ** (dbfs / 20) * math.sqrt(2)  # dbfs is the RMS level, as pydub measures it
    return struct.pack(f"<{rate}h", *(round(amp * math.sin(2 * math.pi * freq * n / rate)) for n in range(rate)))


def write_leg(
    path: Path, duration_s: float, bursts: Sequence[tuple[float, float, float]], dbfs: float = -12.0, rate: int = RATE
) -> Path:
    """Silence with (start_s, end_s, freq) tone bursts."""
    frames = round(duration_s * rate)
    pcm = bytearray(frames * 2)
    tones: dict[float, bytes] = {}
    for start, end, freq in bursts:
        sec = tones.setdefault(freq, tone_second(freq, dbfs, rate))
        a, b = round(start * rate), min(round(end * rate), frames)
        pos = a
        while pos < b:
            n = min(b - pos, rate)
            pcm[pos * 2 : (pos + n) * 2] = sec[: n * 2]
            pos += n
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(pcm))
    return path


def goertzel_power(samples: Sequence[int], rate: int, freq: float) -> float:
    """Signal power at one frequency (Goertzel): cheaper than a DFT when we only ask about a few tones."""
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coeff * s1 * s2


def dominant(samples: Sequence[int], rate: int, candidates: Sequence[float]) -> float:
    return max(candidates, key=lambda f: goertzel_power(samples, rate, f))
