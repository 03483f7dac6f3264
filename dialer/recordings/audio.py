"""Audio for recordings: load the legs, mix them to stereo, encode. pydub over ffmpeg (on Python 3.13 pydub
needs the `audioop-lts` package, a dependency there)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError

from dialer.recordings.errors import RecordingError

RecordingFormat = Literal["ogg", "mp3", "wav"]


@dataclass(frozen=True)
class EncodingProfile:
    ext: str
    content_type: str
    codec: str | None
    bitrate: str | None
    parameters: tuple[str, ...] = ()


# Opus 24 kbit/s VBR stereo in voip mode is transparent for 8 kHz telephone speech; complexity 5 (of 10) roughly
# halves encoding time at no audible cost for narrowband speech. MP3 for players without Opus.
ENCODINGS: Mapping[str, EncodingProfile] = {
    "ogg": EncodingProfile("ogg", "audio/ogg", "libopus", "24k", ("-application", "voip", "-compression_level", "5")),
    "mp3": EncodingProfile("mp3", "audio/mpeg", "libmp3lame", "32k"),
    "wav": EncodingProfile("wav", "audio/wav", None, None),
}


def load_leg(path: Path) -> Any:
    """One leg as 16-bit mono."""
    if not path.is_file():
        raise FileNotFoundError(f"recording leg not found: {path}")
    return _decode(path, "wav").set_channels(1).set_sample_width(2)


def load_audio(path: Path) -> Any:
    """Any file ffmpeg reads (a stored recording), channels as they are; a file it cannot decode is a
    `RecordingError`, so a batch over stored recordings reports it and goes on."""
    return _decode(path, None)


def _decode(path: Path, fmt: str | None) -> Any:
    try:
        return AudioSegment.from_file(str(path), format=fmt)
    except CouldntDecodeError as exc:
        last = str(exc).strip().splitlines()[-1:] or ["?"]
        raise RecordingError(f"{path.name} cannot be decoded: {last[0][:200]}") from exc


def delay(seg: Any, seconds: float) -> Any:
    """`seconds` of silence before the leg (the operator's leg starts when the call is bridged)."""
    if seconds <= 0:
        return seg
    return AudioSegment.silent(duration=round(seconds * 1000), frame_rate=seg.frame_rate) + seg


def silent_like(seg: Any) -> Any:
    """A mono leg of digital silence as long as `seg`, at its rate: the side of a call that was not recorded."""
    return AudioSegment(
        b"\x00" * (int(seg.frame_count()) * 2), sample_width=2, frame_rate=int(seg.frame_rate), channels=1
    )


def _pad_to(seg: Any, frames: int) -> Any:
    """Append digital silence so the leg has exactly `frames` frames (from_mono_audiosegments needs equal ones)."""
    missing = frames - int(seg.frame_count())
    if missing <= 0:
        return seg
    pad = AudioSegment(
        b"\x00" * (missing * seg.frame_width), sample_width=seg.sample_width, frame_rate=seg.frame_rate, channels=1
    )
    return seg + pad


def build_stereo(operator: Any, customer: Any) -> Any:
    """Operator LEFT, customer RIGHT; same rate (the higher one) and the shorter leg padded with silence."""
    rate = max(int(operator.frame_rate), int(customer.frame_rate))
    operator = operator.set_frame_rate(rate)
    customer = customer.set_frame_rate(rate)
    frames = max(int(operator.frame_count()), int(customer.frame_count()))
    operator, customer = _pad_to(operator, frames), _pad_to(customer, frames)
    return AudioSegment.from_mono_audiosegments(operator, customer)


def channels_of(seg: Any) -> list[Any]:
    """The mono channels of a segment (one for mono)."""
    return list(seg.split_to_mono()) if int(seg.channels) > 1 else [seg]


def samples_of(mono: Any) -> npt.NDArray[np.int64]:
    """The integer samples of a mono segment, for the array-based analysis (silence, waveform)."""
    return np.asarray(mono.get_array_of_samples(), dtype=np.int64)


def full_scale(seg: Any) -> float:
    """The magnitude of full scale for the segment's sample width (32768 for 16 bits)."""
    return float(seg.max_possible_amplitude) or 1.0


def encode(seg: Any, dest: Path, fmt: RecordingFormat) -> None:
    """Write the segment to `dest` in the format's profile (ffmpeg does the encoding)."""
    profile = ENCODINGS[fmt]
    kwargs: dict[str, Any] = {"format": fmt}
    if profile.codec is not None:
        kwargs.update(codec=profile.codec, bitrate=profile.bitrate, parameters=list(profile.parameters))
    seg.export(str(dest), **kwargs).close()


def export_wav(mono: Any, dest: Path) -> None:
    mono.export(str(dest), format="wav").close()
