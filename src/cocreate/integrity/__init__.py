"""Integrity checks beyond the ledger's own hash chain.

:mod:`.media` checks the bytes in a media store against the content hashes
the ledger records for its artifacts.
"""

from .media import MediaProblem, MediaReport, Recorded, recorded_media, verify_media

__all__ = ["MediaProblem", "MediaReport", "Recorded", "recorded_media", "verify_media"]
