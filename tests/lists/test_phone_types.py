"""NumberTyper must answer exactly what phonenumbers.number_type answers, for every country."""

from __future__ import annotations

import random

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumber, PhoneNumberType

from dialer.lists.phones import NumberTyper

TYPER = NumberTyper()
CALLING_CODES = sorted(COUNTRY_CODE_TO_REGION_CODE)


@settings(max_examples=3000, deadline=None)
@given(
    cc=st.one_of(st.sampled_from(CALLING_CODES), st.integers(0, 999)),
    digits=st.integers(1, 17),
    seed=st.integers(0, 2**32),
    leading_zero=st.booleans(),
)
def test_random_numbers_of_every_calling_code(cc: int, digits: int, seed: int, leading_zero: bool) -> None:
    rnd = random.Random(seed)
    national = rnd.randint(10 ** (digits - 1), 10**digits - 1)
    num = PhoneNumber(country_code=cc, national_number=national, italian_leading_zero=leading_zero)
    assert TYPER.number_type(num) == phonenumbers.number_type(num)


def test_near_every_example_number_of_every_region_and_type() -> None:
    """Example numbers of each type, and numbers around them, hit every branch (special types,
    fixed line or mobile, the regions sharing +1, +7, +44...) with many valid numbers."""
    rnd = random.Random(11)
    checked = 0
    seen_types: set[int] = set()
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for number_type in range(12):
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is None:
                continue
            for _ in range(25):
                delta = rnd.choice([0, rnd.randint(-99, 99), rnd.randint(-(10**6), 10**6)])
                num = PhoneNumber(
                    country_code=example.country_code,
                    national_number=max(1, (example.national_number or 0) + delta),
                    italian_leading_zero=example.italian_leading_zero,
                    number_of_leading_zeros=example.number_of_leading_zeros,
                )
                expected = phonenumbers.number_type(num)
                assert TYPER.number_type(num) == expected, num
                seen_types.add(expected)
                checked += 1
    assert checked > 20_000
    assert seen_types >= {
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.VOIP,
        PhoneNumberType.UNKNOWN,
    }


def test_russian_and_kazakh_numbers_share_plus_seven() -> None:
    for text, expected in [
        ("+74951234567", PhoneNumberType.FIXED_LINE),
        ("+79161234567", PhoneNumberType.MOBILE),
        ("+77172123456", "KZ"),
        ("+78001234567", PhoneNumberType.TOLL_FREE),
        ("+71234567890", PhoneNumberType.UNKNOWN),
    ]:
        num = phonenumbers.parse(text)
        assert TYPER.number_type(num) == phonenumbers.number_type(num)
        if expected == "KZ":
            assert phonenumbers.region_code_for_number(num) == "KZ"
        else:
            assert TYPER.number_type(num) == expected
