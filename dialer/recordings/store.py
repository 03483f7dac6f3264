"""The recording store port: where finished recordings live. `local_store` and `s3_store` implement it."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Protocol, runtime_checkable

from dialer.recordings.paths import check_rel_path


@dataclass(frozen=True)
class StoredObject:
    rel_path: str
    size_bytes: int
    modified: datetime | None = None


@runtime_checkable
class RecordingStore(Protocol):
    """Where finished recordings live. Paths are store-relative, '/'-separated, checked by `check_rel_path`.

    `open_range` takes an INCLUSIVE end, like HTTP's `bytes=start-end`, so the output of `parse_range_header`
    can be passed straight through. A missing recording raises `FileNotFoundError` (size, open_range,
    fetch_to); `delete` answers whether it was there.
    """

    def put_file(self, src: Path, rel_path: str, content_type: str = "application/octet-stream") -> None: ...

    def exists(self, rel_path: str) -> bool: ...

    def size(self, rel_path: str) -> int: ...

    def open_range(self, rel_path: str, start: int, end: int) -> bytes: ...

    def delete(self, rel_path: str) -> bool: ...

    def fetch_to(self, rel_path: str, dest: Path) -> None: ...

    def local_path(self, rel_path: str) -> Path | None: ...

    def iter_objects(self, prefix: str = "") -> Iterator[StoredObject]: ...


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
