"""Is a stored recording intact: there, byte-identical to what was stored, decodable, as long as the call?

Runs ffprobe and a full ffmpeg decode on a local copy, so it works the same for every store.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dialer.recordings.errors import RecordingError
from dialer.recordings.paths import check_rel_path
from dialer.recordings.store import RecordingStore, local_copy


@dataclass(frozen=True)
class VerifyResult:
    rel_path: str
    exists: bool
    sha256: str | None = None
    checksum_ok: bool = False
    readable: bool = False
    duration_s: float | None = None
    duration_ok: bool = False
    channels: int | None = None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


class RecordingVerificationError(RecordingError):
    """The stored file failed verification; the legs were kept so the job can be retried."""

    def __init__(self, result: VerifyResult) -> None:
        super().__init__(f"stored recording {result.rel_path} failed verification: {'; '.join(result.problems)}")
        self.result = result


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def probe_audio(path: Path) -> tuple[float | None, int | None, str | None]:
    """(duration_s, channels, error) from ffprobe; error is None when the file parsed as audio."""
    proc = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=channels,codec_type",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        return None, None, (proc.stderr.strip() or f"ffprobe exit {proc.returncode}")[:300]
    try:
        info = json.loads(proc.stdout)
        audio = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
        duration = float(info["format"]["duration"])
    except (ValueError, KeyError, TypeError):
        return None, None, "ffprobe found no audio duration"
    if not audio:
        return duration, None, "no audio stream"
    return duration, int(audio[0].get("channels", 0)), None


def decode_errors(path: Path) -> str | None:
    """Decode the whole file (ffmpeg to null): catches corruption that the headers do not show."""
    proc = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if proc.returncode != 0 or proc.stderr.strip():
        return (proc.stderr.strip() or f"ffmpeg exit {proc.returncode}")[:300]
    return None


def verify_recording(
    store: RecordingStore,
    rel_path: str,
    expected_sha256: str | None,
    expected_duration_s: float | None,
    tolerance_s: float = 1.0,
    *,
    expected_channels: int | None = 2,
    full_decode: bool = True,
) -> VerifyResult:
    """Is the stored file there, byte-identical to what we stored, decodable, and as long as the call?

    `None` expectations are skipped (e.g. the attempt row has no duration). Never raises for a bad file: the
    batch command reports every problem and moves on.
    """
    check_rel_path(rel_path)
    if not store.exists(rel_path):
        return VerifyResult(rel_path, exists=False, problems=("missing from the store",))
    problems: list[str] = []
    with local_copy(store, rel_path) as path:
        digest = sha256_file(path)
        checksum_ok = expected_sha256 is None or digest == expected_sha256.lower()
        if not checksum_ok:
            problems.append(f"sha256 {digest} != expected {expected_sha256}")
        duration, channels, error = probe_audio(path)
        if error is None and full_decode:
            error = decode_errors(path)
        readable = error is None
        if error is not None:
            problems.append(f"unreadable: {error}")
    duration_ok = readable and (
        expected_duration_s is None or (duration is not None and abs(duration - expected_duration_s) <= tolerance_s)
    )
    if readable and not duration_ok:
        problems.append(f"duration {duration}s differs from the expected {expected_duration_s}s (> {tolerance_s}s)")
    if readable and expected_channels is not None and channels != expected_channels:
        problems.append(f"{channels} channel(s), expected {expected_channels}")
    return VerifyResult(rel_path, True, digest, checksum_ok, readable, duration, duration_ok, channels, tuple(problems))
