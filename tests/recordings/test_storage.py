"""Store backends (local, and S3 on a real moto server), path safety, verification and HTTP Range parsing."""

from __future__ import annotations

import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from hypothesis import given
from hypothesis import strategies as st

from dialer.recordings.http_range import RangeNotSatisfiable, content_range, parse_range_header
from dialer.recordings.local_store import LocalRecordingStore
from dialer.recordings.paths import check_rel_path, recording_rel_path
from dialer.recordings.pipeline import process_call_recording
from dialer.recordings.s3_store import S3RecordingStore
from dialer.recordings.store import RecordingStore
from dialer.recordings.verify import verify_recording
from tests.recordings.conftest import make_s3_store
from tests.recordings.synth import write_leg

STARTED = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


def _put(store: RecordingStore, tmp_path: Path, rel: str, data: bytes) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    store.put_file(src, rel)


# ------------------------------------------------------------------------------------------ both backends


def test_store_round_trip(store: RecordingStore, tmp_path: Path) -> None:
    data = bytes(range(256)) * 4
    rel = "camp/2026/03/04/7.ogg"
    assert not store.exists(rel)
    _put(store, tmp_path, rel, data)
    assert store.exists(rel)
    assert store.size(rel) == 1024
    assert store.open_range(rel, 0, 0) == data[:1]
    assert store.open_range(rel, 10, 19) == data[10:20]
    assert store.open_range(rel, 1000, 5000) == data[1000:]
    dest = tmp_path / "copy.bin"
    store.fetch_to(rel, dest)
    assert dest.read_bytes() == data
    with pytest.raises(ValueError):
        store.open_range(rel, 5, 4)
    with pytest.raises(ValueError):
        store.open_range(rel, -1, 4)
    assert store.delete(rel) is True
    assert store.delete(rel) is False
    assert not store.exists(rel)


def test_store_missing_object(store: RecordingStore, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        store.size("camp/2026/03/04/1.ogg")
    with pytest.raises(FileNotFoundError):
        store.open_range("camp/2026/03/04/1.ogg", 0, 10)
    with pytest.raises(FileNotFoundError):
        store.fetch_to("camp/2026/03/04/1.ogg", tmp_path / "x.ogg")


def test_range_past_the_end_reads_nothing(store: RecordingStore, tmp_path: Path) -> None:
    _put(store, tmp_path, "camp/2026/03/04/7.ogg", b"0123456789")
    assert store.open_range("camp/2026/03/04/7.ogg", 10, 20) == b""
    assert store.open_range("camp/2026/03/04/7.ogg", 9, 20) == b"9"


def test_put_replaces(store: RecordingStore, tmp_path: Path) -> None:
    """Re-running a job stores to the same path: the new file wins, whole."""
    _put(store, tmp_path, "camp/2026/03/04/7.ogg", b"first version, longer")
    _put(store, tmp_path, "camp/2026/03/04/7.ogg", b"second")
    assert store.size("camp/2026/03/04/7.ogg") == 6
    assert store.open_range("camp/2026/03/04/7.ogg", 0, 100) == b"second"


def test_iter_objects_lists_everything_with_prefix(store: RecordingStore, tmp_path: Path) -> None:
    rels = [f"a/2026/01/0{d}/{d}.ogg" for d in range(1, 6)] + ["b/2026/01/01/9.ogg"]
    for rel in rels:
        _put(store, tmp_path, rel, rel.encode())
    assert sorted(o.rel_path for o in store.iter_objects()) == sorted(rels)
    listed = {o.rel_path: o.size_bytes for o in store.iter_objects("a/")}
    assert listed == {r: len(r) for r in rels[:5]}


def test_verify_round_trip_on_both_backends(store: RecordingStore, tmp_path: Path) -> None:
    op = write_leg(tmp_path / "op.wav", 3.0, [(0.5, 2.5, 1000.0)])
    cu = write_leg(tmp_path / "cu.wav", 3.0, [(0.1, 2.9, 440.0)])
    rec = process_call_recording(op, cu, store=store, campaign="Camp", attempt_id=9, started=STARTED)
    res = verify_recording(store, rec.rel_path, rec.sha256, 3.0)
    assert res.ok and res.checksum_ok and res.readable and res.duration_ok and res.channels == 2
    assert res.duration_s == pytest.approx(3.0, abs=0.1)

    wrong_duration = verify_recording(store, rec.rel_path, rec.sha256, 10.0)
    assert not wrong_duration.ok and wrong_duration.checksum_ok and not wrong_duration.duration_ok
    assert verify_recording(store, rec.rel_path, rec.sha256, 4.2, tolerance_s=1.5).ok
    wrong_sum = verify_recording(store, rec.rel_path, "0" * 64, 3.0)
    assert not wrong_sum.ok and not wrong_sum.checksum_ok and wrong_sum.readable
    assert not verify_recording(store, rec.rel_path, rec.sha256, 3.0, expected_channels=1).ok

    # a truncated upload: checksum and readability/duration both catch it
    data = store.open_range(rec.rel_path, 0, store.size(rec.rel_path) - 1)
    _put(store, tmp_path, rec.rel_path, data[: len(data) // 3])
    bad = verify_recording(store, rec.rel_path, rec.sha256, 3.0)
    assert not bad.ok and not bad.checksum_ok
    assert not (bad.readable and bad.duration_ok)

    missing = verify_recording(store, "camp/2026/03/04/404.ogg", rec.sha256, 3.0)
    assert not missing.exists and not missing.ok


def test_verify_garbage_is_unreadable(store: RecordingStore, tmp_path: Path) -> None:
    _put(store, tmp_path, "c/2026/01/01/1.ogg", b"this is not audio" * 100)
    res = verify_recording(store, "c/2026/01/01/1.ogg", None, None)
    assert res.exists and not res.readable and not res.ok


# ------------------------------------------------------------------------------------------ local only


def test_local_delete_prunes_empty_date_dirs(tmp_path: Path) -> None:
    store = LocalRecordingStore(tmp_path / "store")
    _put(store, tmp_path, "c/2026/03/04/1.ogg", b"x")
    _put(store, tmp_path, "c/2026/03/05/2.ogg", b"y")
    store.delete("c/2026/03/04/1.ogg")
    assert not (tmp_path / "store/c/2026/03/04").exists()
    assert (tmp_path / "store/c/2026/03/05/2.ogg").exists()
    store.delete("c/2026/03/05/2.ogg")
    assert (tmp_path / "store").is_dir() and not any((tmp_path / "store").iterdir())


def test_local_put_leaves_no_partial_files(tmp_path: Path) -> None:
    store = LocalRecordingStore(tmp_path / "store")
    _put(store, tmp_path, "c/2026/03/04/1.ogg", b"x" * 10)
    assert [p.name for p in (tmp_path / "store/c/2026/03/04").iterdir()] == ["1.ogg"]


def test_local_symlink_cannot_escape(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "1.ogg").write_bytes(b"secret")
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "evil").symlink_to(outside)
    store = LocalRecordingStore(tmp_path / "store")
    with pytest.raises(ValueError):
        store.open_range("evil/1.ogg", 0, 5)


# ------------------------------------------------------------------------------------------ S3 only


def test_s3_keys_content_type_and_prefix(s3_endpoint: str, s3_bucket: str, s3_client: Any, tmp_path: Path) -> None:
    store = make_s3_store(s3_endpoint, s3_bucket, key_prefix="qa")
    _put(store, tmp_path, "c/2026/03/04/1.ogg", b"abc")
    store.put_file(tmp_path / "src.bin", "c/2026/03/04/2.mp3", "audio/mpeg")
    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket=s3_bucket)["Contents"]]
    assert keys == ["qa/c/2026/03/04/1.ogg", "qa/c/2026/03/04/2.mp3"]
    assert s3_client.head_object(Bucket=s3_bucket, Key="qa/c/2026/03/04/2.mp3")["ContentType"] == "audio/mpeg"
    assert [o.rel_path for o in store.iter_objects()] == ["c/2026/03/04/1.ogg", "c/2026/03/04/2.mp3"]
    assert store.local_path("c/2026/03/04/1.ogg") is None
    # another prefix in the same bucket is another store
    assert list(make_s3_store(s3_endpoint, s3_bucket, key_prefix="other/").iter_objects()) == []


def test_s3_errors_other_than_not_found_propagate(s3_endpoint: str, s3_credentials: None) -> None:
    """A bucket that is not there is a configuration error, not a missing recording."""
    store = make_s3_store(s3_endpoint, "no-such-bucket-here")
    with pytest.raises(ClientError) as err:
        store.open_range("c/2026/03/04/1.ogg", 0, 1)
    assert err.value.response["Error"]["Code"] == "NoSuchBucket"
    with pytest.raises(ClientError):
        list(store.iter_objects())


def test_s3_unreachable_server_is_an_error_not_a_missing_file(s3_credentials: None) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = S3RecordingStore("b", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
    with pytest.raises(EndpointConnectionError):
        store.exists("c/2026/03/04/1.ogg")


def test_s3_without_boto3_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(RuntimeError, match="boto3"):
        S3RecordingStore("b", endpoint_url="http://minio:9000")


# ------------------------------------------------------------------------------------------ paths


@pytest.mark.parametrize(
    "rel",
    [
        "../x.ogg",
        "/abs/x.ogg",
        "a/../b.ogg",
        "a/./b.ogg",
        "a\\b.ogg",
        "x.ogg",
        "a/b",
        "a//b.ogg",
        "a/.hidden.ogg",
        "a/b.ogg/",
        "",
        "a/b c.ogg",
        "a/b.ogg\x00.txt",
        "a/b..ogg",
        "a/ü.ogg",
    ],
)
def test_unsafe_paths_rejected(rel: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        check_rel_path(rel)
    with pytest.raises(ValueError):
        LocalRecordingStore(tmp_path).exists(rel)
    with pytest.raises(ValueError):  # refused before any request (nothing listens on port 9)
        S3RecordingStore("b", endpoint_url="http://127.0.0.1:9", region_name="us-east-1").exists(rel)


def test_rel_path_layout_and_sanitising() -> None:
    assert recording_rel_path("../../etc/Passwd", STARTED, 12, "ogg") == "etc-passwd/2026/03/04/12.ogg"
    assert recording_rel_path("..", STARTED, 0, "mp3") == "campaign/2026/03/04/0.mp3"
    assert check_rel_path(recording_rel_path("Стоматология", STARTED, 1, "wav")) == "campaign/2026/03/04/1.wav"
    for bad_id in (-1, True):
        with pytest.raises(ValueError):
            recording_rel_path("c", STARTED, bad_id, "ogg")
    with pytest.raises(ValueError):
        recording_rel_path("c", STARTED, 1, "exe")


# ------------------------------------------------------------------------------------------ HTTP Range


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-499", 1000, (0, 499)),
        ("bytes=500-999", 1000, (500, 999)),
        ("bytes=500-", 1000, (500, 999)),
        ("bytes=0-", 1000, (0, 999)),
        ("bytes=0-0", 1000, (0, 0)),
        ("bytes=999-999", 1000, (999, 999)),
        ("bytes=500-5000", 1000, (500, 999)),  # last clamped
        ("bytes=-500", 1000, (500, 999)),  # suffix
        ("bytes=-1", 1000, (999, 999)),
        ("bytes=-5000", 1000, (0, 999)),  # suffix longer than the file: whole file
        ("bytes=-1", 1, (0, 0)),
        ("BYTES=0-9", 1000, (0, 9)),  # unit is case-insensitive
        (" bytes=0-9 ", 1000, (0, 9)),
        ("bytes= 0-9", 1000, (0, 9)),  # OWS around list elements
        ("bytes=0-9,", 1000, (0, 9)),  # empty list elements are allowed
        ("bytes=,0-9", 1000, (0, 9)),
        ("bytes=0-99999999999999999999999", 1000, (0, 999)),
        ("bytes=007-010", 1000, (7, 10)),
        # ignored: serve the whole file with 200
        ("", 1000, None),
        ("bytes", 1000, None),
        ("bytes=", 1000, None),
        ("bytes=-", 1000, None),
        ("bytes=abc", 1000, None),
        ("bytes=1-a", 1000, None),
        ("bytes=a-1", 1000, None),
        ("bytes=5-4", 1000, None),  # last < first: invalid, not unsatisfiable
        ("bytes=0-1,5-6", 1000, None),  # multiple ranges: not supported, whole file
        ("bytes=1 - 2", 1000, None),
        ("bytes=+1-2", 1000, None),
        ("bytes=-+2", 1000, None),
        ("bytes=1.5-2", 1000, None),
        ("bytes=0x1-2", 1000, None),
        ("bytes=٣-5", 1000, None),  # non-ASCII digits
        ("items=0-9", 1000, None),
        ("bytes 0-9", 1000, None),
        ("bytes=0-9;x", 1000, None),
        ("bytes=--1", 1000, None),
        ("bytes=1-2-3", 1000, None),
    ],
)
def test_parse_range_header(header: str, size: int, expected: tuple[int, int] | None) -> None:
    assert parse_range_header(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [
        ("bytes=1000-", 1000),
        ("bytes=1000-2000", 1000),
        ("bytes=5000-5001", 1000),
        ("bytes=-0", 1000),  # zero-length suffix
        ("bytes=0-", 0),  # empty file
        ("bytes=-5", 0),
        ("bytes=0-0", 0),
    ],
)
def test_unsatisfiable_range(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable) as err:
        parse_range_header(header, size)
    assert err.value.size == size
    assert err.value.content_range == f"bytes */{size}"


def test_negative_size_is_a_bug() -> None:
    with pytest.raises(ValueError):
        parse_range_header("bytes=0-1", -1)


def test_content_range() -> None:
    assert content_range(0, 499, 1000) == "bytes 0-499/1000"


@given(
    first=st.integers(0, 3000) | st.none(),
    last=st.integers(0, 3000) | st.none(),
    size=st.integers(0, 2000),
)
def test_range_result_always_inside_the_file(first: int | None, last: int | None, size: int) -> None:
    header = f"bytes={'' if first is None else first}-{'' if last is None else last}"
    try:
        got = parse_range_header(header, size)
    except RangeNotSatisfiable:
        assert size == 0 or (first is not None and first >= size) or (first is None and last == 0)
        return
    if got is None:
        assert (first is None and last is None) or (first is not None and last is not None and last < first)
        return
    a, b = got
    assert 0 <= a <= b < size
    if first is not None:
        assert a == first and b == (size - 1 if last is None else min(last, size - 1))
    else:
        assert last is not None and b - a + 1 == min(last, size)
