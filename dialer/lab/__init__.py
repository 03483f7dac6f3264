"""The Asterisk lab: a real Asterisk 22 in a Debian sid chroot, plus SIPp softphones."""

from dialer.lab.asterisk import AsteriskLab
from dialer.lab.lab_config import LabConfig, LabError, LabStatus

__all__ = ["AsteriskLab", "LabConfig", "LabError", "LabStatus"]
