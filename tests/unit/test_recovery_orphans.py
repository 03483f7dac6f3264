"""Matching recording legs left in the spool to their attempts (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.recovery.orphans import LegOwner, leg_channel, match_orphan_legs

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def owner(attempt_id: int, **kw: object) -> LegOwner:
    values: dict[str, object] = {
        "campaign": "c",
        "finished": True,
        "answered_at": T0,
        "bridged_at": T0 + timedelta(seconds=2.5),
        "has_recording": False,
    }
    values.update(kw)
    return LegOwner(attempt_id, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("att-ab12-customer.wav", ("att-ab12", "customer")),
        ("att-ab12-operator.wav", ("att-ab12", "operator")),
        ("att-ab12-2-customer.wav", ("att-ab12-2", "customer")),
        ("att-ab12-customer.ogg", None),
        ("att-ab12.wav", None),
        ("-customer.wav", None),
        ("snoop.wav", None),
    ],
)
def test_leg_names(name: str, parsed: tuple[str, str] | None) -> None:
    assert leg_channel(name) == parsed


def test_a_finished_bridged_call_with_both_legs_is_stored_with_its_offset() -> None:
    plan = match_orphan_legs(["att-1-customer.wav", "att-1-operator.wav"], {"att-1": owner(1)})
    (call,) = plan.calls
    assert (call.attempt_id, call.operator_leg, call.customer_leg) == (1, "att-1-operator.wav", "att-1-customer.wav")
    assert call.started == T0 and call.operator_offset_s == 2.5
    assert plan.unmatched == [] and plan.still_live == []


def test_naive_times_from_sqlite_are_utc() -> None:
    naive = owner(1, answered_at=T0.replace(tzinfo=None), bridged_at=(T0 + timedelta(seconds=1)).replace(tzinfo=None))
    (call,) = match_orphan_legs(["att-1-customer.wav", "att-1-operator.wav"], {"att-1": naive}).calls
    assert call.started == T0 and call.operator_offset_s == 1.0


def test_no_answer_time_starts_at_the_bridge() -> None:
    (call,) = match_orphan_legs(
        ["att-1-customer.wav", "att-1-operator.wav"], {"att-1": owner(1, answered_at=None)}
    ).calls
    assert call.started == T0 + timedelta(seconds=2.5) and call.operator_offset_s == 0.0


@pytest.mark.parametrize(
    ("legs", "owners", "reason"),
    [
        (["att-1-customer.wav", "att-1-operator.wav"], {}, "no attempt has this channel id"),
        (["att-1-customer.wav"], {"att-1": owner(1, bridged_at=None)}, "never reached an operator"),
        (["att-1-customer.wav", "att-1-operator.wav"], {"att-1": owner(1, has_recording=True)}, "already has"),
        (["notes.wav"], {}, "not a dialer recording leg"),
    ],
)
def test_what_cannot_be_stored_is_reported(legs: list[str], owners: dict[str, LegOwner], reason: str) -> None:
    plan = match_orphan_legs(legs, owners)
    assert plan.calls == []
    assert sorted(u.name for u in plan.unmatched) == sorted(legs)
    assert all(reason in u.reason for u in plan.unmatched)


@pytest.mark.parametrize("kept", ["customer", "operator"])
def test_a_bridged_call_with_one_leg_left_is_stored_one_sided(kept: str) -> None:
    (call,) = match_orphan_legs([f"att-1-{kept}.wav"], {"att-1": owner(1)}).calls
    assert (call.customer_leg, call.operator_leg) == (
        ("att-1-customer.wav", None) if kept == "customer" else (None, "att-1-operator.wav")
    )


def test_legs_of_live_or_open_calls_are_left_to_them() -> None:
    legs = ["att-1-customer.wav", "att-1-operator.wav", "att-2-customer.wav"]
    plan = match_orphan_legs(legs, {"att-1": owner(1), "att-2": owner(2, finished=False)}, live_channel_ids={"att-1"})
    assert plan.calls == [] and plan.unmatched == []
    assert sorted(plan.still_live) == sorted(legs)


def test_several_calls_at_once() -> None:
    legs = [f"att-{i}-{role}.wav" for i in (1, 2, 3) for role in ("customer", "operator")] + ["att-4-customer.wav"]
    owners = {f"att-{i}": owner(i) for i in (1, 2, 3, 4)}
    plan = match_orphan_legs(legs, owners)
    assert sorted(c.attempt_id for c in plan.calls) == [1, 2, 3, 4]  # 4 has its customer side only
    assert plan.unmatched == []
