"""Admins' optional second factor: RFC 6238 time-based one-time codes (any authenticator app)."""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime

import pyotp

ISSUER = "dialer"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app imports (as a QR code or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The 30-second step whose code this is (now, or one step either side for clock drift), else None.
    The caller accepts it only if it is later than the last step used (a code works once)."""
    digits = code.strip().replace(" ", "")
    if len(digits) != 6 or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    at = time.time() if now is None else now
    for offset in (0, -1, 1):
        when = at + offset * totp.interval
        if hmac.compare_digest(totp.at(when), digits):
            return int(totp.timecode(datetime.fromtimestamp(when, UTC)))
    return None
