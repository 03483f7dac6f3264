"""Recordings on the local file system (the default store)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dialer.recordings.paths import check_byte_range, check_rel_path
from dialer.recordings.store import StoredObject


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
        check_byte_range(start, end)
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
