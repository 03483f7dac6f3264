"""Naming recordings safely. The post-processing pipeline and the stores are in dialer.recordings_post."""

from __future__ import annotations

import re
import unicodedata


def safe_path_part(name: str, fallback: str = "campaign") -> str:
    """A file-system-safe slug: ASCII letters, digits, '-', '_'; never '.', '..' or empty."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_").lower()[:80]
    return text or fallback
