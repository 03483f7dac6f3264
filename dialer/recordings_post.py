"""Post-processing of two-leg call recordings: stereo mix, compression, QA metrics, storage, retention.

Runs in a worker, never on the call path. Input: two mono WAV legs (operator, customer) that both start
at the customer's answer. Output: one compressed stereo file (operator LEFT, customer RIGHT) in a
`RecordingStore` at `<campaign-slug>/<yyyy>/<mm>/<dd>/<attempt>.<ext>`, plus metadata for the database.

Everything that does not touch files (metrics, Range parsing, retention selection) is a pure function so it
can be unit-tested without audio or storage. See docs/recordings.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, Literal, Protocol, runtime_checkable

from pydub import AudioSegment
from pydub.silence import detect_nonsilent

from dialer.recordings import safe_path_part

log = logging.getLogger(__name__)

RecordingFormat = Literal["ogg", "mp3", "wav"]
Range = tuple[int, int]  # [start_ms, end_ms)


# --------------------------------------------------------------------------------------------- errors


class RecordingError(Exception):
    """Base class: post-processing could not produce a stored, verified recording."""


class EmptyRecordingError(RecordingError):
    """Both legs are empty (hang-up at answer): there is nothing worth storing."""


class RecordingVerificationError(RecordingError):
    """The stored file failed verification; the legs were kept so the job can be retried."""

    def __init__(self, result: VerifyResult) -> None:
        super().__init__(f"stored recording {result.rel_path} failed verification: {'; '.join(result.problems)}")
        self.result = result


class RangeNotSatisfiable(ValueError):
    """A syntactically valid Range that selects no byte of the file: answer 416 with `bytes */<size>`."""

    def __init__(self, header: str, size: int) -> None:
        super().__init__(f"range {header!r} not satisfiable for a resource of {size} bytes")
        self.size = size

    @property
    def content_range(self) -> str:
        return f"bytes */{self.size}"


# --------------------------------------------------------------------------------------------- paths

_EXTENSIONS: frozenset[str] = frozenset({"ogg", "mp3", "wav"})
_PART = re.compile(r"^[A-Za-z0-9_-]+$")
_FILE = re.compile(r"^[A-Za-z0-9_-]+\.[a-z0-9]{1,5}$")


def recording_rel_path(campaign: str, started: datetime, attempt_id: int, ext: str) -> str:
    """The store-relative path of a recording; the only path parts that come from outside are sanitised."""
    if isinstance(attempt_id, bool) or not isinstance(attempt_id, int) or attempt_id < 0:
        raise ValueError(f"attempt id must be a non-negative int, got {attempt_id!r}")
    if ext not in _EXTENSIONS:
        raise ValueError(f"unsupported recording extension {ext!r}")
    return f"{safe_path_part(campaign)}/{started:%Y}/{started:%m}/{started:%d}/{attempt_id}.{ext}"


def check_rel_path(rel_path: str) -> str:
    """Reject anything that is not `dir/dir/.../name.ext` made of safe characters (no '..', no absolute path).

    Stores call this on every path they get, so a path read back from the database or a URL cannot escape the
    store's root even if it was tampered with.
    """
    if not isinstance(rel_path, str) or not rel_path or "\\" in rel_path or "\x00" in rel_path:
        raise ValueError(f"unsafe recording path {rel_path!r}")
    parts = rel_path.split("/")
    if len(parts) < 2 or not _FILE.match(parts[-1]) or not all(_PART.match(p) for p in parts[:-1]):
        raise ValueError(f"unsafe recording path {rel_path!r}")
    return rel_path


# --------------------------------------------------------------------------------------------- storage


@dataclass(frozen=True)
class StoredObject:
    rel_path: str
    size_bytes: int
    modified: datetime | None = None


@runtime_checkable
class RecordingStore(Protocol):
    """Where finished recordings live. Paths are store-relative, '/'-separated, checked by `check_rel_path`.

    `open_range` takes an INCLUSIVE end, like HTTP's `bytes=start-end`, so the output of `parse_range_header`
    can be passed straight through.
    """

    def put_file(self, src: Path, rel_path: str, content_type: str = "application/octet-stream") -> None: ...

    def exists(self, rel_path: str) -> bool: ...

    def size(self, rel_path: str) -> int: ...

    def open_range(self, rel_path: str, start: int, end: int) -> bytes: ...

    def delete(self, rel_path: str) -> bool: ...

    def fetch_to(self, rel_path: str, dest: Path) -> None: ...

    def local_path(self, rel_path: str) -> Path | None: ...

    def iter_objects(self, prefix: str = "") -> Iterator[StoredObject]: ...


def _check_byte_range(start: int, end: int) -> None:
    if start < 0 or end < start:
        raise ValueError(f"invalid byte range {start}-{end}")


@dataclass(frozen=True)
class LocalRecordingStore:
    """Recordings on the local file system under `root` (the default backend)."""

    root: Path

    def _abs(self, rel_path: str) -> Path:
        path = self.root / check_rel_path(rel_path)
        # a symlinked directory inside the store must not lead out of it
        root = self.root.resolve()
        if not path.resolve().is_relative_to(root):
            raise ValueError(f"recording path {rel_path!r} leaves the store")
        return path

    def put_file(self, src: Path, rel_path: str, content_type: str = "application/octet-stream") -> None:
        """Copy then rename, so a reader (or a crash) never sees a half-written recording."""
        dest = self._abs(rel_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
                shutil.copyfileobj(inp, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, dest)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def exists(self, rel_path: str) -> bool:
        return self._abs(rel_path).is_file()

    def size(self, rel_path: str) -> int:
        return self._abs(rel_path).stat().st_size

    def open_range(self, rel_path: str, start: int, end: int) -> bytes:
        _check_byte_range(start, end)
        with self._abs(rel_path).open("rb") as f:
            f.seek(start)
            return f.read(end - start + 1)

    def delete(self, rel_path: str) -> bool:
        """Delete the file and the date directories it leaves empty; False if it was already gone."""
        path = self._abs(rel_path)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        root = self.root.resolve()
        parent = path.parent
        while parent.resolve() != root and parent.resolve().is_relative_to(root):
            try:
                parent.rmdir()
            except OSError:  # not empty (or raced with a writer): stop
                break
            parent = parent.parent
        return True

    def fetch_to(self, rel_path: str, dest: Path) -> None:
        shutil.copyfile(self._abs(rel_path), dest)

    def local_path(self, rel_path: str) -> Path | None:
        return self._abs(rel_path)

    def iter_objects(self, prefix: str = "") -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            rel = path.relative_to(self.root).as_posix()
            if rel.startswith(prefix):
                st = path.stat()
                yield StoredObject(rel, st.st_size, datetime.fromtimestamp(st.st_mtime).astimezone())


class S3Client(Protocol):
    """The subset of a boto3 S3 client the store uses (keyword arguments, as boto3 takes them)."""

    def upload_file(self, Filename: str, Bucket: str, Key: str, ExtraArgs: Mapping[str, Any] | None = None) -> None: ...

    def download_file(self, Bucket: str, Key: str, Filename: str) -> None: ...

    def head_object(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def get_object(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def delete_object(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def list_objects_v2(self, **kwargs: Any) -> Mapping[str, Any]: ...


def _is_not_found(exc: BaseException) -> bool:
    """botocore's ClientError carries the HTTP/S3 code in `.response`; avoid importing botocore for it."""
    response = getattr(exc, "response", None)
    if not isinstance(response, Mapping):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


class S3RecordingStore:
    """Recordings in an S3-compatible bucket (AWS, MinIO, Ceph RGW...), under `key_prefix`.

    boto3 is optional: it is imported only when no `client` is given.
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region_name: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        key_prefix: str = "recordings/",
        client: S3Client | None = None,
    ) -> None:
        if key_prefix and not key_prefix.endswith("/"):
            key_prefix += "/"
        self.bucket = bucket
        self.key_prefix = key_prefix
        if client is None:
            try:
                boto3 = importlib.import_module("boto3")
            except ImportError as exc:
                raise RuntimeError("the S3 recording store needs boto3: pip install boto3") from exc
            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region_name,
                aws_access_key_id=aws_access_key_id,
                aws_secret_access_key=aws_secret_access_key,
            )
        self.client: S3Client = client

    def _key(self, rel_path: str) -> str:
        return self.key_prefix + check_rel_path(rel_path)

    def put_file(self, src: Path, rel_path: str, content_type: str = "application/octet-stream") -> None:
        self.client.upload_file(str(src), self.bucket, self._key(rel_path), ExtraArgs={"ContentType": content_type})

    def exists(self, rel_path: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(rel_path))
        except Exception as exc:
            if _is_not_found(exc):
                return False
            raise
        return True

    def size(self, rel_path: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(rel_path))
        except Exception as exc:
            if _is_not_found(exc):
                raise FileNotFoundError(rel_path) from exc
            raise
        return int(head["ContentLength"])

    def open_range(self, rel_path: str, start: int, end: int) -> bytes:
        _check_byte_range(start, end)
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._key(rel_path), Range=f"bytes={start}-{end}")
        except Exception as exc:
            if _is_not_found(exc):
                raise FileNotFoundError(rel_path) from exc
            raise
        body = obj["Body"]
        try:
            return bytes(body.read())
        finally:
            close = getattr(body, "close", None)
            if callable(close):
                close()

    def delete(self, rel_path: str) -> bool:
        # S3's DeleteObject succeeds on a missing key; look first so the caller learns whether it existed
        existed = self.exists(rel_path)
        if existed:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(rel_path))
        return existed

    def fetch_to(self, rel_path: str, dest: Path) -> None:
        self.client.download_file(self.bucket, self._key(rel_path), str(dest))

    def local_path(self, rel_path: str) -> Path | None:
        return None

    def iter_objects(self, prefix: str = "") -> Iterator[StoredObject]:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.key_prefix + prefix}
        while True:
            page = self.client.list_objects_v2(**kwargs)
            for item in page.get("Contents", []):
                key = str(item["Key"])
                yield StoredObject(key[len(self.key_prefix) :], int(item["Size"]), item.get("LastModified"))
            if not page.get("IsTruncated"):
                return
            kwargs["ContinuationToken"] = page["NextContinuationToken"]


# --------------------------------------------------------------------------------------------- HTTP Range


_RANGE_SPEC = re.compile(r"^([0-9]*)-([0-9]*)$")


def parse_range_header(header: str, size: int) -> tuple[int, int] | None:
    """RFC 7233 single byte range -> (first, last) INCLUSIVE, clamped to the resource.

    None means "ignore the header and answer 200 with the whole file": absent/garbled header, another unit,
    `last < first`, or several ranges (allowed by RFC 7233 section 3.1; multipart answers are not worth it
    for audio players, which ask for one range). Raises `RangeNotSatisfiable` (answer 416) when the range
    is valid but selects no byte: first >= size, a zero-length suffix, or any range on an empty file.
    """
    if size < 0:
        raise ValueError("size must be >= 0")
    if not header:
        return None
    unit, sep, spec_set = header.strip().partition("=")
    if not sep or unit.strip().lower() != "bytes" or unit != unit.strip():
        return None
    specs = [s.strip() for s in spec_set.split(",") if s.strip()]
    if len(specs) != 1:
        return None
    m = _RANGE_SPEC.match(specs[0])
    if m is None or (not m.group(1) and not m.group(2)):
        return None
    first_s, last_s = m.group(1), m.group(2)
    if not first_s:  # suffix range: the last N bytes
        suffix = int(last_s)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header, size)
        return max(0, size - suffix), size - 1
    first = int(first_s)
    last = int(last_s) if last_s else None
    if last is not None and last < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable(header, size)
    return first, size - 1 if last is None else min(last, size - 1)


def content_range(first: int, last: int, size: int) -> str:
    """The Content-Range value of a 206 answer for `parse_range_header`'s result."""
    return f"bytes {first}-{last}/{size}"


# --------------------------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class SilenceParams:
    """How `pydub.silence.detect_nonsilent` is asked to separate speech from silence on each leg.

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


def nonsilent_ranges(segment: Any, params: SilenceParams = DEFAULT_SILENCE) -> list[Range]:
    """Non-silent [start, end) ranges in ms of a mono pydub segment."""
    length = len(segment)
    if length == 0:
        return []
    if length < params.min_silence_ms:
        # detect_silence returns "no silence" for a segment shorter than min_silence_len; decide on the whole
        return [] if segment.dBFS <= params.silence_thresh_dbfs else [(0, length)]
    ranges = detect_nonsilent(
        segment,
        min_silence_len=params.min_silence_ms,
        silence_thresh=params.silence_thresh_dbfs,
        seek_step=params.seek_step_ms,
    )
    return [(int(a), int(b)) for a, b in ranges if b > a]


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


# --------------------------------------------------------------------------------------------- processing


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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _load_leg(path: Path) -> Any:
    if not path.is_file():
        raise FileNotFoundError(f"recording leg not found: {path}")
    seg = AudioSegment.from_file(str(path), format="wav")
    return seg.set_channels(1).set_sample_width(2)


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


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def process_call_recording(
    operator_wav: Path,
    customer_wav: Path,
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

    Safe to retry: the target path is deterministic and `put_file` replaces it. Raises `FileNotFoundError`
    (a leg is missing), `EmptyRecordingError` (nothing recorded) or `RecordingVerificationError` (legs kept).
    """
    profile = ENCODINGS[fmt]
    rel_path = recording_rel_path(campaign, started, attempt_id, profile.ext)
    operator = _load_leg(operator_wav)
    if operator_offset_s > 0:
        operator = (
            AudioSegment.silent(duration=round(operator_offset_s * 1000), frame_rate=operator.frame_rate) + operator
        )
    customer = _load_leg(customer_wav)
    source_size = operator_wav.stat().st_size + customer_wav.stat().st_size
    stereo = build_stereo(operator, customer)
    frames = int(stereo.frame_count())
    if frames == 0:
        raise EmptyRecordingError(f"both legs of attempt {attempt_id} are empty")
    rate = int(stereo.frame_rate)
    duration_s = frames / rate
    left, right = stereo.split_to_mono()
    duration_ms = len(stereo)
    metrics = call_metrics(nonsilent_ranges(left, silence), nonsilent_ranges(right, silence), duration_ms, silence)

    with tempfile.TemporaryDirectory(prefix="dialer-rec-") as tmp:
        encoded = Path(tmp) / f"{attempt_id}.{profile.ext}"
        kwargs: dict[str, Any] = {"format": fmt}
        if profile.codec is not None:
            kwargs.update(codec=profile.codec, bitrate=profile.bitrate, parameters=list(profile.parameters))
        stereo.export(str(encoded), **kwargs).close()
        digest = sha256_file(encoded)
        size = encoded.stat().st_size
        store.put_file(encoded, rel_path, profile.content_type)

    result = verify_recording(store, rel_path, digest, duration_s, expected_channels=2)
    if not result.ok:
        raise RecordingVerificationError(result)
    if delete_legs:
        operator_wav.unlink(missing_ok=True)
        customer_wav.unlink(missing_ok=True)
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
    )


# --------------------------------------------------------------------------------------------- verification


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


@contextlib.contextmanager
def local_copy(store: RecordingStore, rel_path: str) -> Iterator[Path]:
    """The stored file as a local path: the file itself on local disk, else a temporary download."""
    check_rel_path(rel_path)
    path = store.local_path(rel_path)
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="dialer-rec-") as tmp:
        path = Path(tmp) / PurePosixPath(rel_path).name
        store.fetch_to(rel_path, path)
        yield path


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


# --------------------------------------------------------------------------------------------- retention


@dataclass(frozen=True)
class RecordingInfo:
    """One stored recording as the database knows it; `started` must be timezone-aware."""

    rel_path: str
    campaign: str
    started: datetime
    attempt_id: int | None = None


def _aware(dt: datetime, what: str) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {dt!r}")
    return dt


def expired_recordings(
    recordings: Iterable[RecordingInfo],
    policies: Mapping[str, timedelta | None],
    now: datetime,
    *,
    default: timedelta | None = None,
) -> list[RecordingInfo]:
    """Recordings strictly older than their campaign's retention, oldest first.

    A policy of None keeps forever; a campaign missing from `policies` gets `default` (None: keep), so a
    misconfigured or renamed campaign never loses recordings.
    """
    _aware(now, "now")
    out: list[RecordingInfo] = []
    for rec in recordings:
        keep = policies.get(rec.campaign, default)
        if keep is None:
            continue
        if keep < timedelta(0):
            raise ValueError(f"negative retention for campaign {rec.campaign!r}: {keep}")
        if now - _aware(rec.started, f"started of {rec.rel_path}") > keep:
            out.append(rec)
    out.sort(key=lambda r: (r.started, r.rel_path))
    return out


@dataclass
class RetentionReport:
    """What a retention run did; `deleted` + `missing` are the rows the caller can drop/mark in the database."""

    deleted: list[RecordingInfo] = field(default_factory=list)
    missing: list[RecordingInfo] = field(default_factory=list)
    failed: list[tuple[RecordingInfo, str]] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        return f"retention: {verb} {len(self.deleted)}, already missing {len(self.missing)}, failed {len(self.failed)}"


def apply_retention(
    store: RecordingStore,
    items: Iterable[RecordingInfo],
    policies: Mapping[str, timedelta | None],
    now: datetime,
    *,
    default: timedelta | None = None,
    dry_run: bool = False,
    limit: int | None = None,
) -> RetentionReport:
    """Delete the expired recordings from the store (oldest first, at most `limit`); one failure does not stop
    the run. Logs one line per deletion and a summary, and returns the report for the scheduled job."""
    report = RetentionReport(dry_run=dry_run)
    expired = expired_recordings(items, policies, now, default=default)
    if limit is not None:
        expired = expired[: max(0, limit)]
    for rec in expired:
        try:
            if dry_run:
                (report.deleted if store.exists(rec.rel_path) else report.missing).append(rec)
                continue
            if store.delete(rec.rel_path):
                report.deleted.append(rec)
                log.info("retention deleted %s (campaign %s, started %s)", rec.rel_path, rec.campaign, rec.started)
            else:
                report.missing.append(rec)
        except Exception as exc:  # keep going: one bad path must not block the whole run
            report.failed.append((rec, f"{type(exc).__name__}: {exc}"))
            log.warning("retention could not delete %s: %s", rec.rel_path, exc)
    log.info(report.summary())
    return report


def waveform_peaks(store: RecordingStore, rel_path: str, buckets: int = 800) -> dict[str, Any]:
    """Peak level (0..1) per time bucket and channel, for drawing a waveform in the QA player."""
    with local_copy(store, rel_path) as path:
        audio = AudioSegment.from_file(str(path))
    full_scale = float(audio.max_possible_amplitude) or 1.0
    channels = audio.split_to_mono() if audio.channels > 1 else [audio]
    out: list[list[float]] = []
    for ch in channels:
        samples = ch.get_array_of_samples()
        step = max(1, len(samples) // buckets)
        peaks = [
            round(max((abs(x) for x in samples[i : i + step]), default=0) / full_scale, 3)
            for i in range(0, len(samples), step)
        ]
        out.append(peaks[:buckets])
    return {"duration_s": len(audio) / 1000.0, "channels": out, "labels": ["operator", "customer"][: len(out)]}


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
        stereo = AudioSegment.from_file(str(src))
        if stereo.channels != 2:
            raise RecordingError(f"{rel_path}: {stereo.channels} channel(s); only stereo recordings have both legs")
        left, right = stereo.split_to_mono()
        operator_wav, customer_wav = Path(tmp) / "operator.wav", Path(tmp) / "customer.wav"
        left.export(operator_wav, format="wav")
        right.export(customer_wav, format="wav")
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
