"""Builders for pacing snapshots in tests."""

from __future__ import annotations

from dialer.pacing import (
    AbandonWindow,
    CallSnapshot,
    CampaignStats,
    DialingMode,
    LearnedStats,
    OperatorSnapshot,
    OperatorState,
    PacingKnobs,
    PacingSnapshot,
    parametric_stats,
)

READY, ON_CALL, WRAP_UP, PAUSED = (
    OperatorState.READY,
    OperatorState.ON_CALL,
    OperatorState.WRAP_UP,
    OperatorState.PAUSED,
)


def learned(**kw: float) -> LearnedStats:
    """Parametric stats that count as fully learned (past the learning gates)."""
    return parametric_stats(**kw, dials_seen=10_000, talks_seen=10_000)  # type: ignore[arg-type]


LEARNED = learned(answer_probability=0.3, mean_talk_s=120.0, mean_wrap_s=15.0)


def healthy_windows(answered: int = 2000, abandoned: int = 20) -> tuple[AbandonWindow, ...]:
    return (
        AbandonWindow("today", answered, abandoned, 86400.0, 8 * 3600.0),
        AbandonWindow("rolling_30d", answered * 20, abandoned * 20, 30 * 86400.0, 30 * 86400.0),
        AbandonWindow("last_hour", answered // 8, abandoned // 8, 3600.0, 3600.0, enforced=False),
    )


def snap(
    *,
    ready: int = 0,
    on_call: tuple[float, ...] = (),
    wrap_up: tuple[float, ...] = (),
    paused: int = 0,
    ringing: tuple[float, ...] = (),
    waiting: int = 0,
    contacts: int = 10_000,
    stats: CampaignStats | None = None,
    **knobs: object,
) -> PacingSnapshot:
    ops: list[OperatorSnapshot] = []
    ops += [OperatorSnapshot(len(ops) + i, READY, 5.0) for i in range(ready)]
    ops += [OperatorSnapshot(len(ops) + i, ON_CALL, s) for i, s in enumerate(on_call)]
    ops += [OperatorSnapshot(len(ops) + i, WRAP_UP, s) for i, s in enumerate(wrap_up)]
    ops += [OperatorSnapshot(len(ops) + i, PAUSED, 30.0) for i in range(paused)]
    k = dict(knobs)
    k.setdefault("max_lines", 1000)
    mode = k.pop("mode", DialingMode.PREDICTIVE)
    return PacingSnapshot(
        now=86400.0 + 10 * 3600.0,
        operators=tuple(ops),
        calls_in_flight=tuple(CallSnapshot(i, s) for i, s in enumerate(ringing)),
        answered_waiting=waiting,
        contacts_available=contacts,
        knobs=PacingKnobs(mode=mode, **k),  # type: ignore[arg-type]
        stats=stats if stats is not None else CampaignStats(windows=healthy_windows(), learned=LEARNED),
    )
