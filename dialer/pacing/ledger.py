"""Abandon bookkeeping over the compliance windows (today, rolling 30 days) and the steering hour.

Pure and clock-free: the caller says when each answered call's fate was known. Times are seconds since a
midnight (day d covers [d*86400, (d+1)*86400)), so "today" needs no calendar.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import numpy as np

from dialer.pacing.snapshot import AbandonWindow

DAY_S = 86400.0
FUTURE_PACE_MARGIN = 0.6  # the hour's future answers: this share of its slower recent pace (progressive on a cold
# list, 7 operators at 11 % answers, answers at ~0.6 of the predictive pace)


class AbandonLedger:
    def __init__(
        self, *, started_at: float, rolling_days: int = 30, steering_window_s: float = 3600.0, cap: float = 0.03
    ) -> None:
        self.started_at = started_at
        self.rolling_days = rolling_days
        self.steering_window_s = steering_window_s
        self.cap = cap  # only shapes which future hour `hour_answers_floor` finds tightest
        self._days: dict[int, list[int]] = {}
        self._recent: deque[tuple[float, bool]] = deque()
        self._recent_answered = 0
        self._recent_abandoned = 0
        self._quarter: deque[float] = deque()  # answer times in the last quarter of the steering window
        self._history_days = 0
        self._hour_from = started_at  # the rolling hour's data starts here (`start_session`)

    def add_history(self, day: int, answered: int, abandoned: int) -> None:
        """Totals of an earlier day (from the database, live), so the 30-day window starts warm."""
        bucket = self._days.setdefault(day, [0, 0])
        bucket[0] += answered
        bucket[1] += abandoned
        self._history_days = max(self._history_days, int(self.started_at // DAY_S) - day)

    def restore_hour(self, decided: Iterable[tuple[float, bool]], now: float) -> None:
        """The last hour's answered calls (decided at, abandoned) from the database, for a restarted process: its
        rolling hour goes on from them, so the guard counts the abandons made before the restart and a busy
        floor's hour is not young again. Only the hour: the days' totals come from `add_history`."""
        kept = sorted((at, ab) for at, ab in decided if now - self.steering_window_s < at <= now)
        for at, abandoned in kept:
            self._enter_hour(at, abandoned)
        if kept:  # the hour has had data since its first restored answer
            self._hour_from = min(self._hour_from, kept[0][0])

    def start_session(self, now: float) -> None:
        """Dialling (re)starts now. When the rolling hour holds nothing (the campaign's last calling window
        ended an hour or more ago) it is young from now, as a new process's is: it is judged from its first
        answer, and a warm learner is gated by the answers it holds (`core.gate_talks`)."""
        self._prune(now)
        if not self._recent:
            self._hour_from = max(now, self.started_at)

    def record(self, at: float, abandoned: bool) -> None:
        """An answered call was bridged (abandoned=False) or given up on (abandoned=True) at `at`."""
        bucket = self._days.setdefault(int(at // DAY_S), [0, 0])
        bucket[0] += 1
        bucket[1] += int(abandoned)
        self._enter_hour(at, abandoned)

    def _enter_hour(self, at: float, abandoned: bool) -> None:
        self._recent.append((at, abandoned))
        self._recent_answered += 1
        self._recent_abandoned += int(abandoned)
        self._quarter.append(at)

    def _prune(self, now: float) -> None:
        while self._recent and self._recent[0][0] <= now - self.steering_window_s:
            _, ab = self._recent.popleft()
            self._recent_answered -= 1
            self._recent_abandoned -= int(ab)
        while self._quarter and self._quarter[0] <= now - self.steering_window_s / 4:
            self._quarter.popleft()

    def hour_answers_floor(self, now: float) -> float:
        """The answers an abandon recorded now will be measured against, in the tightest hour it will belong to.

        An abandon stays in the rolling hour for an hour, while the answers recorded before it leave one by one
        and new ones come at whatever pace the campaign then has (slower when the guard holds dialling back,
        or operators leave). For every instant s of the next hour at which a record leaves, the hour ending
        at s holds the records still in it plus the answers of (now, s] at `FUTURE_PACE_MARGIN` times the
        slower of the hour's and its last quarter's pace. The tightest of those windows (most abandons for
        its answers, at the cap) is returned as an answer count with the hour's abandons, so the guard's room
        `cap * answers - abandoned` is the smallest room of any hour to come.
        """
        self._prune(now)
        n = self._recent_answered
        if n == 0:
            return 0.0
        covered = min(max(now - self._hour_from, 1.0), self.steering_window_s)
        quarter = min(covered, self.steering_window_s / 4)
        pace = FUTURE_PACE_MARGIN * min(n / covered, len(self._quarter) / quarter)
        times = np.fromiter((t for t, _ in self._recent), dtype=np.float64, count=n)
        abandoned = np.fromiter((a for _, a in self._recent), dtype=np.float64, count=n)
        left_answers = n - np.arange(1, n + 1)  # records still in the hour once record i has left
        left_abandons = self._recent_abandoned - np.cumsum(abandoned)
        future = pace * np.maximum(times + self.steering_window_s - now, 0.0)
        rooms = self.cap * (left_answers + future) - left_abandons
        room = min(self.cap * n - self._recent_abandoned, float(rooms.min()))
        return max((room + self._recent_abandoned) / self.cap, 0.0)

    def windows(self, now: float) -> tuple[AbandonWindow, ...]:
        self._prune(now)
        today = int(now // DAY_S)
        t_ans, t_ab = self._days.get(today, [0, 0])
        first_day = today - self.rolling_days + 1
        r_ans = sum(v[0] for d, v in self._days.items() if first_day <= d <= today)
        r_ab = sum(v[1] for d, v in self._days.items() if first_day <= d <= today)
        since_start = max(now - self.started_at, 0.0)
        day_covered = min(now - max(today * DAY_S, self.started_at), DAY_S)
        rolling_len = self.rolling_days * DAY_S
        return (
            AbandonWindow("today", t_ans, t_ab, DAY_S, max(day_covered, 0.0)),
            AbandonWindow(
                f"rolling_{self.rolling_days}d",
                r_ans,
                r_ab,
                rolling_len,
                min(since_start + self._history_days * DAY_S, rolling_len),
            ),
            AbandonWindow(
                "last_hour",
                self._recent_answered,
                self._recent_abandoned,
                self.steering_window_s,
                min(max(now - self._hour_from, 0.0), self.steering_window_s),
                enforced=False,
                answered_at_pace=self.hour_answers_floor(now),
            ),
        )
