import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.simcustomers import SimBehaviour, decode_sim_number, sim_number


@given(st.sampled_from(list(SimBehaviour)), st.integers(0, 99), st.integers(0, 999))
def test_round_trip(behaviour: SimBehaviour, ring: int, talk: int) -> None:
    assert decode_sim_number(sim_number(behaviour, ring, talk)) == (behaviour, ring, talk)


def test_lab_numbers_are_valid_e164() -> None:
    number = sim_number(SimBehaviour.HUMAN, 5, 30, prefix="+79100")
    assert number == "+79100105030"
    assert phonenumbers.is_valid_number(phonenumbers.parse(number))


@pytest.mark.parametrize(("ring", "talk"), [(-1, 0), (100, 0), (0, -1), (0, 1000)])
def test_out_of_range_rejected(ring: int, talk: int) -> None:
    with pytest.raises(ValueError):
        sim_number(SimBehaviour.HUMAN, ring, talk)


def test_decode_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        decode_sim_number("+7abc")
    with pytest.raises(ValueError):
        decode_sim_number("+123")
