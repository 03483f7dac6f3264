import wave
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dialer.recordings import safe_path_part, store_recording


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sample Dentists", "sample-dentists"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", "campaign"),
        ("", "campaign"),
        ("Стоматология", "campaign"),
        ("a/b\\c", "a-b-c"),
    ],
)
def test_safe_path_part(name: str, expected: str) -> None:
    assert safe_path_part(name) == expected


def test_store_moves_into_dated_layout(tmp_path: Path) -> None:
    spool = tmp_path / "spool" / "attempt-7.wav"
    spool.parent.mkdir()
    with wave.open(str(spool), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * 8000 * 3)
    stored = store_recording(spool, tmp_path / "store", "../Evil Campaign", 7, datetime(2026, 3, 4, tzinfo=UTC))
    assert stored.relative_path == "evil-campaign/2026/03/04/7.wav"
    assert not spool.exists()
    assert (tmp_path / "store" / stored.relative_path).stat().st_size == stored.size_bytes
    assert stored.duration_s == pytest.approx(3.0)
    assert len(stored.sha256) == 64


def test_missing_spool_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        store_recording(tmp_path / "nope.wav", tmp_path, "c", 1, datetime.now(UTC))
