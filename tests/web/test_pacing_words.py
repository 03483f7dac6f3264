"""The pacing decision in words, in both languages, for each kind of decision the engine makes (the
reasons come from the real engine where its text matters: the learning gate)."""

from __future__ import annotations

import re

import pytest

from dialer.pacing import DialingMode, PacingDecision
from dialer.web.i18n import Translator
from dialer.web.pacing_words import decision_words

CASES = [
    (
        PacingDecision(3, "learning (12/50 dials seen) -> progressive: 3 ready, 0 pending", DialingMode.PROGRESSIVE),
        "Learning the list (12 of 50 dials seen): dialling only for ready operators; 3 calls now.",
        "Изучаем список (набрано 12 из 50): звоним только под готовых операторов; сейчас 3 звонка.",
    ),
    (
        PacingDecision(1, "learning (4/30 talks seen) -> progressive: 1 ready, 0 pending", DialingMode.PROGRESSIVE),
        "Learning the list (4 of 30 conversations seen): dialling only for ready operators; 1 call now.",
        "Изучаем список (разговоров 4 из 30): звоним только под готовых операторов; сейчас 1 звонок.",
    ),
    (
        PacingDecision(
            2,
            "learning (40/90 answers in the young hour) -> progressive: 2 ready, 0 pending",
            DialingMode.PROGRESSIVE,
        ),
        "A new hour of dialling (40 of 90 answers this hour): dialling only for ready operators until the hour "
        "holds enough answers; 2 calls now.",
        "Новый час набора (ответов за час 40 из 90): звоним только под готовых операторов, пока в часе не "
        "наберётся достаточно ответов; сейчас 2 звонка.",
    ),
    (
        PacingDecision(0, "guard (...) -> progressive: 0 ready", DialingMode.PROGRESSIVE, guard_tripped=True),
        "The abandon guard holds pacing back (this hour's or today's room is used up): dialling only for ready "
        "operators; 0 calls now.",
        "Защита от брошенных звонков сдерживает набор (запас часа или дня исчерпан): звоним только под готовых "
        "операторов; сейчас 0 звонков.",
    ),
    (
        PacingDecision(
            7, "predictive: ...", DialingMode.PREDICTIVE, effective_target=0.03, expected_abandon_rate=0.0125
        ),
        "Predictive: 7 calls now; expected abandon rate 1.25% against the target 3.00%.",
        "Предиктивный набор: сейчас 7 звонков; ожидаемая доля брошенных 1,25\u00a0% при цели 3,00\u00a0%.",
    ),
    (
        PacingDecision(2, "progressive: 2 ready, 0 pending", DialingMode.PROGRESSIVE),
        "Progressive: one call per ready operator; 2 calls now.",
        "Прогрессивный набор: по звонку на готового оператора; сейчас 2 звонка.",
    ),
    (
        PacingDecision(5, "ratio 2.5: 2 ready", DialingMode.RATIO),
        "Fixed ratio of lines per operator: 5 calls now.",
        "Постоянное число линий на оператора: сейчас 5 звонков.",
    ),
]


@pytest.mark.parametrize(("decision", "en", "ru"), CASES)
def test_decision_in_words(decision: PacingDecision, en: str, ru: str) -> None:
    assert decision_words(Translator("en"), decision) == en
    t = Translator("ru")
    assert decision_words(t, decision) == ru
    assert not t.missing and not re.search(r"[A-Za-z]{3,}", ru)


def test_the_engines_learning_text_is_recognised() -> None:
    """The pattern follows the engine's own words: a cold campaign's first decision is the learning one."""
    from dialer.pacing import OperatorState, PacingKnobs, PacingSnapshot
    from dialer.pacing.core import decide
    from dialer.pacing.snapshot import OperatorSnapshot

    snap = PacingSnapshot(
        now=0.0,
        knobs=PacingKnobs(mode=DialingMode.PREDICTIVE),
        operators=(OperatorSnapshot(1, OperatorState.READY, 0.0),),
        calls_in_flight=(),
        contacts_available=10,
    )
    d = decide(snap)
    assert d.reason.startswith("learning"), d.reason
    assert decision_words(Translator("en"), d).startswith("Learning the list")


def test_no_decision_yet() -> None:
    assert decision_words(Translator("ru"), None) == ""
