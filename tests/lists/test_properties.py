"""Property-based: no valid row is lost, no invalid row is accepted, every row is accounted for."""

from __future__ import annotations

import tempfile
from pathlib import Path

import phonenumbers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer.lists import ContactStatus, ImportedContact, RowError, import_contacts
from tests.lists.helpers import write_csv, write_xlsx

# Text people put in company cells, hostile bits included; cp1251-encodable so one strategy serves both
_CYR = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
TEXT = st.text(alphabet=_CYR + "abcXYZ0123456789 ,;\t\"'=+-@«»№.()/|\r\n", max_size=40)


@st.composite
def valid_phone(draw: st.DrawFn) -> tuple[str, str]:
    """(as written in the file, expected E.164): a valid Russian fixed-line or mobile number."""
    area = draw(st.sampled_from(["495", "499", "383", "391", "343", "812", "916", "926", "903", "985"]))
    sub = draw(st.integers(1_000_000, 9_999_999))
    e164 = f"+7{area}{sub}"
    assert phonenumbers.is_valid_number(phonenumbers.parse(e164))
    s = str(sub)
    fmt = draw(
        st.sampled_from(
            [
                f"8 ({area}) {s[:3]}-{s[3:5]}-{s[5:]}",
                f"+7 {area} {s}",
                f"7{area}{s}",
                f"8{area}{s}",
                f"+7({area}){s}",
                f" 8-{area}-{s} ",
            ]
        )
    )
    return fmt, e164


INVALID_PHONE = st.one_of(
    st.text(alphabet=_CYR + "abc -", min_size=1, max_size=12).filter(lambda t: t.strip() != ""),
    st.integers(1, 99_999).map(str),  # far too short for any country
    st.just("8 (495) 123-45"),
)


@st.composite
def list_rows(draw: st.DrawFn) -> tuple[list[list[object]], dict[int, str], set[int]]:
    """Rows plus what must come out: row number -> E.164 for valid rows, row numbers of invalid rows."""
    n = draw(st.integers(1, 25))
    rows: list[list[object]] = [["Телефон", "Компания", "Численность"]]
    valid: dict[int, str] = {}
    invalid: set[int] = set()
    used: set[str] = set()
    for i in range(n):
        row_number = i + 2
        company = draw(TEXT)
        if draw(st.booleans()):
            written, e164 = draw(valid_phone())
            if e164 in used:  # keep the expectation simple: duplicates are tested elsewhere
                written, e164 = f"+7 495 {1_000_000 + row_number}", f"+7495{1_000_000 + row_number}"
                if e164 in used:
                    continue
            used.add(e164)
            valid[row_number] = e164
            rows.append([written, company, draw(st.integers(0, 10_000))])
        else:
            invalid.add(row_number)
            rows.append([draw(INVALID_PHONE), company, ""])
    return rows, valid, invalid


def _check(path: Path, valid: dict[int, str], invalid: set[int]) -> None:
    run = import_contacts(path)
    items = list(run)
    accepted = {
        i.contact.row_number: i.contact
        for i in items
        if isinstance(i, ImportedContact) and i.status is ContactStatus.ACCEPTED
    }
    errors = {e.row_number for e in items if isinstance(e, RowError)}
    assert {r: c.phones[0] for r, c in accepted.items()} == valid  # no valid row lost
    assert errors == invalid  # every invalid row reported, none accepted
    assert run.report.balanced() and run.report.accepted == len(valid)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=list_rows(),
    encoding=st.sampled_from(["utf-8", "cp1251"]),
    sep=st.sampled_from([";", ",", "\t"]),
    bom=st.booleans(),
)
def test_csv_no_valid_row_lost_no_invalid_row_accepted(
    data: tuple[list[list[object]], dict[int, str], set[int]], encoding: str, sep: str, bom: bool
) -> None:
    rows, valid, invalid = data
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "l.csv", rows, encoding=encoding, delimiter=sep, bom=bom and encoding == "utf-8")
        _check(path, valid, invalid)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=list_rows())
def test_xlsx_no_valid_row_lost_no_invalid_row_accepted(
    data: tuple[list[list[object]], dict[int, str], set[int]],
) -> None:
    rows, valid, invalid = data
    with tempfile.TemporaryDirectory() as tmp:
        # openpyxl refuses control characters other than tab/newline; Excel users cannot type them either
        clean = [[v.replace("\r", "") if isinstance(v, str) else v for v in r] for r in rows]
        _check(write_xlsx(Path(tmp) / "l.xlsx", clean), valid, invalid)


@settings(max_examples=40, deadline=None)
@given(company=TEXT.filter(lambda t: t.strip() != ""))
def test_company_text_round_trips_exactly(company: str) -> None:
    """Separators, quotes, newlines and formula characters in a cell survive reading unchanged."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(
            Path(tmp) / "l.csv", [["Телефон", "Компания"], ["84951234567", company]], encoding="cp1251", delimiter=";"
        )
        (item,) = list(import_contacts(path))
        assert isinstance(item, ImportedContact) and item.contact.company == company.strip()
