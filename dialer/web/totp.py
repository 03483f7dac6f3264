"""Admins' optional second factor: RFC 6238 time-based one-time codes (any authenticator app)."""

from __future__ import annotations

import pyotp

ISSUER = "dialer"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app imports (as a QR code or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def totp_ok(secret: str, code: str) -> bool:
    """The code of now, or of the 30-second step before or after (clock drift)."""
    digits = code.strip().replace(" ", "")
    return len(digits) == 6 and digits.isdigit() and pyotp.TOTP(secret).verify(digits, valid_window=1)
