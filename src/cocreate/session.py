"""The names this module held before the studio, the work and rounds got modules of their own.

Kept so that ``from cocreate.session import Studio, Work`` goes on working:
:mod:`cocreate.studio`, :mod:`cocreate.work` and :mod:`cocreate.rounds` are where they live.
"""

from __future__ import annotations

from .studio import Studio, default_media, default_strategy, default_url
from .work import MAX_NOTE, MAX_PROPOSALS, Work, person_id

__all__ = [
    "MAX_NOTE",
    "MAX_PROPOSALS",
    "Studio",
    "Work",
    "default_media",
    "default_strategy",
    "default_url",
    "person_id",
]
