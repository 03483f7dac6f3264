"""User names: compared after Unicode NFKC normalisation and case folding, so "ADMIN" cannot sit beside
"admin" and a full-width or composed spelling is the same name. Cyrillic (any letters) is allowed."""

from __future__ import annotations

import re
import unicodedata

_ALLOWED = re.compile(r"[^\W_]|[_.@-]")  # letters and digits of any script, and _ . @ -


def normalise_username(name: str) -> str:
    """The spelling stored and shown: NFKC, surrounding blanks removed."""
    return unicodedata.normalize("NFKC", name).strip()


def username_key(name: str) -> str:
    """What two names are compared by (and what the unique column holds)."""
    return unicodedata.normalize("NFKC", normalise_username(name).casefold())


def valid_username(name: str) -> bool:
    shown = normalise_username(name)
    fits = 2 <= len(shown) <= 80 and len(username_key(name)) <= 80  # case folding can lengthen: ß -> ss
    return fits and all(_ALLOWED.fullmatch(ch) for ch in shown)
