"""The Asterisk lab: a real Asterisk 22 in a Debian sid chroot, plus SIPp softphones."""

from dialer.lab.asterisk import AsteriskLab, LabConfig, LabError, LabStatus

__all__ = ["AsteriskLab", "LabConfig", "LabError", "LabStatus"]
