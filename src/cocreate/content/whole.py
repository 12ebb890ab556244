"""Content whose unit is the whole artifact: images, SVG, anything without a finer model.

For such media, who made *which part* is not recorded; a new version replaces
the whole, and the artifact's unit belongs to whoever made the version that
shows (the recipe-level attribution in ``cocreate.authorship`` says more). The
undo rule is the other documents' with one unit: the latest standing
``ReplaceContent`` shows; none standing, the content is empty.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from .acts import ActLog, ActRecord
from .errors import OperationError
from .ops import ReplaceContent, describe, normalise_media_type
from .origin import UnitOrigin

WHOLE_FORMAT = "cocreate.whole/1"


class WholeContent:
    """One artifact's content as a single unit: its SHA-256 and who made the version shown."""

    def __init__(self, media_type: str) -> None:
        self.media_type = normalise_media_type(media_type)
        self._log = ActLog()
        self._sha: list[str] = []

    @property
    def sha256(self) -> str | None:
        """The SHA-256 of the content shown, or ``None`` while empty."""
        seq = self._shown()
        return None if seq is None else self._sha[seq]

    @property
    def origin(self) -> UnitOrigin | None:
        """Who made the content shown, or ``None`` while empty."""
        seq = self._shown()
        return None if seq is None else self._log.origins[self._log.origin_ix[seq]]

    def __len__(self) -> int:
        return 0 if self._shown() is None else 1

    def __repr__(self) -> str:
        return f"<WholeContent {self.media_type} {self.sha256 or 'empty'}>"

    def count_by_origin(self) -> dict[UnitOrigin, int]:
        """``{origin: 1}`` for the version shown; ``{}`` while empty."""
        origin = self.origin
        return {} if origin is None else {origin: 1}

    def history(self) -> list[ActRecord]:
        return self._log.records()

    def apply(self, ops: Sequence[ReplaceContent], origin: UnitOrigin, act: str) -> None:
        """Apply one act of ``ReplaceContent`` ops as ``origin``; the last one shows."""
        self._log.check_new(act, origin)
        if isinstance(ops, str | bytes) or not isinstance(ops, Sequence):
            raise OperationError(f"ops must be a list of ReplaceContent, not {type(ops).__name__}")
        current = self.sha256
        for i, op in enumerate(ops):
            if type(op) is not ReplaceContent:
                raise OperationError(
                    f"op {i} ({describe(op)}) is not a ReplaceContent; nothing was changed"
                )
            if op.media_type != self.media_type:
                raise OperationError(
                    f"op {i} ({describe(op)}) is {op.media_type}, but this content is {self.media_type}; "
                    "nothing was changed"
                )
            if op.sha256 == current:
                raise OperationError(
                    f"op {i} ({describe(op)}) changes nothing; nothing was changed"
                )
            current = op.sha256
        self._log.begin(act, origin)
        self._sha.append(ops[-1].sha256 if ops else "")  # an empty act writes nothing

    def undo(self, act: str) -> None:
        self._log.undo(act)

    def redo(self, act: str) -> None:
        self._log.redo(act)

    def diff(self, new: bytes) -> list[ReplaceContent]:
        """``[ReplaceContent]`` when ``new`` differs from the content shown, else ``[]``."""
        if not isinstance(new, bytes | bytearray | memoryview):
            raise OperationError(f"whole content diffs against bytes, not {type(new).__name__}")
        sha = hashlib.sha256(new).hexdigest()
        return [] if sha == self.sha256 else [ReplaceContent(self.media_type, sha)]

    def to_dict(self) -> dict[str, Any]:
        origins, acts = self._log.to_dicts()
        for data, sha in zip(acts, self._sha, strict=True):
            data["sha256"] = sha or None
        return {
            "format": WHOLE_FORMAT,
            "media_type": self.media_type,
            "origins": origins,
            "acts": acts,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WholeContent:
        if not isinstance(data, Mapping) or data.get("format") != WHOLE_FORMAT:
            raise OperationError(f"not a whole-content dict (format {WHOLE_FORMAT!r})")
        content = cls(data.get("media_type"))  # type: ignore[arg-type]
        content._log = ActLog.from_dicts(data.get("origins"), data.get("acts"))
        for act in data["acts"]:
            sha = act.get("sha256")
            if sha is not None:
                ReplaceContent(content.media_type, sha)  # checks the digest's form
            content._sha.append(sha or "")
        return content

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WholeContent):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def _shown(self) -> int | None:
        applied = self._log.applied
        for seq in range(len(self._sha) - 1, -1, -1):
            if applied[seq] and self._sha[seq]:
                return seq
        return None
