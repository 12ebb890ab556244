"""Integrity checks beyond the ledger's own hash chain.

:mod:`.media` checks the bytes in a media store against the content hashes
the ledger records for its artifacts. :mod:`.merkle` is the RFC 9162 Merkle
tree over the ledger's events, and :mod:`.checkpoints` signs its heads with the
studio's checkpoint key, so that a rewrite of the database file is caught.
"""

from .checkpoints import Checkpoint, Checkpointer, verify_inclusion
from .media import MediaProblem, MediaReport, Recorded, recorded_media, verify_media

__all__ = [
    "Checkpoint",
    "Checkpointer",
    "MediaProblem",
    "MediaReport",
    "Recorded",
    "recorded_media",
    "verify_inclusion",
    "verify_media",
]
