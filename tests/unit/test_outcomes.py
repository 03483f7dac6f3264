import pytest

from dialer.outcomes import CAUSE_OUTCOMES, AttemptOutcome, outcome_of_unanswered


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (17, AttemptOutcome.BUSY),
        (19, AttemptOutcome.NO_ANSWER),
        (18, AttemptOutcome.NO_ANSWER),
        (1, AttemptOutcome.INVALID_NUMBER),
        (34, AttemptOutcome.CONGESTION),
        (21, AttemptOutcome.REJECTED),
        (16, AttemptOutcome.FAILED),  # normal clearing before answer: not a known unanswered reason
        (0, AttemptOutcome.FAILED),
        (None, AttemptOutcome.FAILED),
        (999, AttemptOutcome.FAILED),
    ],
)
def test_cause_to_outcome(cause: int | None, expected: AttemptOutcome) -> None:
    assert outcome_of_unanswered(cause, ring_timed_out=False) is expected


def test_ring_timeout_is_no_answer_whatever_the_cause() -> None:
    for cause in (None, 0, 16, 17, 34):
        assert outcome_of_unanswered(cause, ring_timed_out=True) is AttemptOutcome.NO_ANSWER


def test_only_connected_and_abandoned_are_live_answers() -> None:
    live = {o for o in AttemptOutcome if o.answered_by_person}
    assert live == {AttemptOutcome.CONNECTED, AttemptOutcome.ABANDONED}


def test_every_mapped_outcome_is_an_unanswered_kind() -> None:
    assert not any(o.answered_by_person or o is AttemptOutcome.MACHINE for o in CAUSE_OUTCOMES.values())
