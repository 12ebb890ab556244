"""Storage backends, chosen by URL.

* ``memory://`` — in memory, nothing kept;
* ``sqlite:///path/to/file.db`` — the embedded default;
* ``postgresql://user@host/db`` — for teams (needs ``cocreate[postgres]``).

Each keeps the contract written in :mod:`cocreate.storage.base`; ``Expect`` is
how a writer says which state of a work its append was decided on.
"""

from __future__ import annotations

from ..errors import InputError
from .base import Expect, Storage
from .memory import MemoryStorage

__all__ = ["Expect", "MemoryStorage", "Storage", "open_storage"]


def open_storage(url: str, *, upgrade: bool = False) -> Storage:
    """Open the storage a URL names (see the module docstring)."""
    if url in ("memory://", ":memory:", "memory"):
        return MemoryStorage()
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme in ("sqlite", "postgresql", "postgres"):
        from .sql import SQLStorage

        if scheme == "postgres":
            url = "postgresql" + url[len("postgres") :]
        return SQLStorage(url, upgrade=upgrade)
    raise InputError(
        f"unsupported storage URL {url!r}: use memory://, sqlite:///path.db or postgresql://..."
    )
