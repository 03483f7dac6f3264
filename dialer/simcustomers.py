"""How a lab number tells the simulated customer what to do (see asterisk_conf/extensions.conf).

The last six digits of the dialled number are K RR TTT: behaviour, ring seconds, talk seconds. Pure.
"""

from __future__ import annotations

from enum import IntEnum


class SimBehaviour(IntEnum):
    RANDOM = 0
    HUMAN = 1
    BUSY = 2
    NO_ANSWER = 3
    MACHINE = 4
    UNALLOCATED = 5
    CONGESTION = 6
    REJECTED = 7
    SILENT = 8  # answers and says nothing (benchmarks: the call without the simulated voice)
    SLOW_HUMAN = 9  # a person silent for 2 s after answering: AMD takes longer to decide


def sim_number(behaviour: SimBehaviour, ring_s: int = 2, talk_s: int = 10, prefix: str = "+7999") -> str:
    """An E.164 number that makes the lab's simulated customer behave as asked."""
    if not 0 <= ring_s <= 99:
        raise ValueError(f"ring_s must be 0..99, got {ring_s}")
    if not 0 <= talk_s <= 999:
        raise ValueError(f"talk_s must be 0..999, got {talk_s}")
    number = f"{prefix}{int(behaviour)}{ring_s:02d}{talk_s:03d}"
    if not number.startswith("+") or not number[1:].isdigit():
        raise ValueError(f"prefix must be '+' and digits, got {prefix!r}")
    return number


def decode_sim_number(number: str) -> tuple[SimBehaviour, int, int]:
    digits = number.lstrip("+")
    if len(digits) < 6 or not digits.isdigit():
        raise ValueError(f"not a lab number: {number!r}")
    tail = digits[-6:]
    return SimBehaviour(int(tail[0])), int(tail[1:3]), int(tail[3:6])
