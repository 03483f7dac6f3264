import pytest

from dialer.recordings.paths import safe_path_part


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
