"""Why post-processing could not produce a stored, verified recording."""

from __future__ import annotations


class RecordingError(Exception):
    """Base class: post-processing could not produce a stored, verified recording."""


class EmptyRecordingError(RecordingError):
    """Both legs are empty (hang-up at answer): there is nothing worth storing."""
