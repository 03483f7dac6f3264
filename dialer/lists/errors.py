"""Errors that reject a whole list file.

Row-level problems never raise: they become `RowError` values so that one bad row
cannot stop a million-row import. These exceptions are for files that cannot be
imported at all, and they are raised before the first row is yielded so that the
caller stores nothing.
"""

from __future__ import annotations


class ListFormatError(ValueError):
    """The file cannot be read as a contact list (encoding, format, header, empty...)."""


class ColumnMappingError(ListFormatError):
    """The header cannot be mapped to contact fields unambiguously (or has no phone column)."""
