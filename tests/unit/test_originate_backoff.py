"""The originate back-off: per server, doubling from 1 s to 30 s while Asterisk keeps refusing, reset by a
call it accepts. (The pacing loop's use of it: tests/service/test_live_service.py.)"""

from __future__ import annotations

from dialer.service.backoff import OriginateBackoff


def test_refusals_in_a_row_double_the_back_off_up_to_its_ceiling() -> None:
    b = OriginateBackoff()
    assert [b.refused("a", 100.0) for _ in range(7)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert b.delay("a") == 30.0 and not b.is_open("a", 129.9) and b.is_open("a", 130.0)


def test_an_accepted_call_starts_the_doubling_again() -> None:
    b = OriginateBackoff(first_s=0.5, max_s=4.0)
    b.refused("a", 0.0)
    b.refused("a", 0.0)
    b.accepted("a")
    assert b.delay("a") == 0.0 and b.refused("a", 10.0) == 0.5


def test_each_server_backs_off_on_its_own() -> None:
    b = OriginateBackoff()
    b.refused("a", 0.0)
    b.refused("a", 0.0)
    assert b.is_open("b", 0.0) and b.delay("b") == 0.0
    assert b.closed(0.5) == {"a": 1.5}
    assert b.closed(3.0) == {}
