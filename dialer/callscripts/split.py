"""Which of two script versions a contact hears: at random, but the same answer every time for one contact.

A hash of the experiment's salt and the contact id, not a random draw: a retried contact keeps its version
(one person, one script), any process computes the same split without shared state, and a new experiment
(new salt) reshuffles. The version is also stored on the attempt, so results never depend on recomputing it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

Arm = Literal["A", "B"]


@dataclass(frozen=True)
class Rotation:
    """A campaign's scripts: version A alone, or A and B with `share_b` of the contacts on B."""

    version_a: int
    version_b: int | None = None
    share_b: float = 0.5
    salt: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.share_b <= 1.0:
            raise ValueError(f"share_b must be within 0..1, not {self.share_b}")
        if self.version_b is not None and self.version_b == self.version_a:
            raise ValueError("versions A and B must differ")


def unit_draw(salt: str, contact_id: int) -> float:
    """A number in [0, 1) fixed by (salt, contact): the first 8 bytes of SHA-256, as a fraction."""
    digest = hashlib.sha256(f"{salt}:{contact_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def arm_of(rotation: Rotation, contact_id: int) -> Arm:
    if rotation.version_b is None:
        return "A"
    return "B" if unit_draw(rotation.salt, contact_id) < rotation.share_b else "A"


def version_for(rotation: Rotation, contact_id: int) -> int:
    """The script version id this contact hears under the rotation."""
    if arm_of(rotation, contact_id) == "B" and rotation.version_b is not None:
        return rotation.version_b
    return rotation.version_a
