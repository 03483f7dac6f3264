"""How a campaign puts an answered call through to an operator. Pure: the setting and its meaning;
the telephony side (dialer.service) acts on it.

What each costs (docs/compliance.md, "Connect strategies"):

* `amd_off`: bridge on answer. The operator hears the customer's "hello"; no detection silence.
  Machines and voicemail reach operators, who end them as machine with one key; with a lot of
  machines on a list that costs operator time. The default: B2B lists reach receptionists and
  office lines, where answering machines are rare and a silent first second loses the call.
* `amd_connect_first`: bridge at once and run detection on the customer leg in parallel; a machine
  verdict tells the operator (screen and tone), who ends it with one key (or a timeout does). The
  customer hears the operator at once; operators still spend a few seconds on each machine.
* `amd_then_connect`: detection first, then the bridge (the old `amd: true`). Operators never hear
  machines, but every person waits for the verdict (about 2 s with the default amd.conf): they hear
  silence, many hang up, and the regulators' 2-second limit is easily missed. Machines hung up on
  count as abandons where the profile says so, and UK rules count an estimate of the people AMD
  took for machines.
"""

from __future__ import annotations

from enum import StrEnum

#: amd_connect_first: what the operator hears when AMD says machine (over the customer's audio), and how
#: long they have to say otherwise before the dialer ends the call as a machine.
MACHINE_TONE = "sound:beep"
MACHINE_END_AFTER_S = 4.0
#: amd_connect_first: detection that starts listening later than this after the answer (a loaded Asterisk
#: answering the snoop request slowly) would judge a half-heard greeting, and is not run.
AMD_LATE_START_S = 0.3


class ConnectStrategy(StrEnum):
    AMD_OFF = "amd_off"
    AMD_CONNECT_FIRST = "amd_connect_first"
    AMD_THEN_CONNECT = "amd_then_connect"

    @property
    def uses_amd(self) -> bool:
        """Does the dialer run answering-machine detection at all?"""
        return self is not ConnectStrategy.AMD_OFF

    @property
    def bridges_on_answer(self) -> bool:
        """Is the customer bridged to a free operator as soon as they answer?"""
        return self is not ConnectStrategy.AMD_THEN_CONNECT

    @classmethod
    def from_amd_flag(cls, amd: bool) -> ConnectStrategy:
        """What the old `amd: true/false` meant."""
        return cls.AMD_THEN_CONNECT if amd else cls.AMD_OFF
