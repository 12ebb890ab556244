"""Operations: the edits a person, a partner or an import makes to content.

Each op is a frozen record that checks its own shape when built (a negative
position, an empty insert, a pitch of 200 never exist), so a document only has
to check what depends on its state: a position past the end, an unknown note.
``to_dict``/``op_from_dict`` give the JSON a ledger event stores.

Text positions count live characters, and each op of an act sees the document
the previous op left. ``Replace`` is a delete and an insert at one position: the
new characters are a new unit each, the replacer's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import OperationError
from .note import NOTE_FIELDS, Note, check_note_field


def _position(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise OperationError(f"{what} must be an integer, not {type(value).__name__}")
    if value < 0:
        raise OperationError(f"{what} must be 0 or more, got {value}")
    return value


def _length(value: object, what: str) -> int:
    if _position(value, what) == 0:
        raise OperationError(f"{what} must be at least 1 (an op that changes nothing is a mistake)")
    return value  # type: ignore[return-value]


def _nonempty_text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise OperationError(f"{what} must be a string, not {type(value).__name__}")
    if not value:
        raise OperationError(f"{what} must not be empty (an op that changes nothing is a mistake)")
    return value


def _note_id(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise OperationError(f"a note id must be a non-empty string, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Insert:
    """Insert ``text`` before the live character at ``at`` (``at == len`` appends)."""

    at: int
    text: str
    kind: ClassVar[str] = "insert"

    def __post_init__(self) -> None:
        _position(self.at, "Insert.at")
        _nonempty_text(self.text, "Insert.text")

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.kind, "at": self.at, "text": self.text}


@dataclass(frozen=True, slots=True)
class Delete:
    """Delete ``length`` live characters from ``at``; they stay as tombstones for undo."""

    at: int
    length: int
    kind: ClassVar[str] = "delete"

    def __post_init__(self) -> None:
        _position(self.at, "Delete.at")
        _length(self.length, "Delete.length")

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.kind, "at": self.at, "length": self.length}


@dataclass(frozen=True, slots=True)
class Replace:
    """Delete ``length`` live characters from ``at`` and insert ``text`` there."""

    at: int
    length: int
    text: str
    kind: ClassVar[str] = "replace"

    def __post_init__(self) -> None:
        _position(self.at, "Replace.at")
        _length(self.length, "Replace.length")
        _nonempty_text(self.text, "Replace.text")

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.kind, "at": self.at, "length": self.length, "text": self.text}


@dataclass(frozen=True, slots=True)
class AddNote:
    """Add a note under a note id this score has never used."""

    note: Note
    kind: ClassVar[str] = "add_note"

    def __post_init__(self) -> None:
        if not isinstance(self.note, Note):
            raise OperationError(f"AddNote.note must be a Note, not {type(self.note).__name__}")

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.kind, "note": self.note.to_dict()}


@dataclass(frozen=True, slots=True)
class RemoveNote:
    """Remove a present note (undo brings it back with its origin)."""

    note_id: str
    kind: ClassVar[str] = "remove_note"

    def __post_init__(self) -> None:
        _note_id(self.note_id)

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.kind, "note_id": self.note_id}


@dataclass(frozen=True, slots=True)
class ChangeNote:
    """Change the given fields of a present note (``None`` = leave it); the note becomes the changer's."""

    note_id: str
    pitch: int | None = None
    onset: float | None = None
    duration: float | None = None
    velocity: int | None = None
    voice: str | None = None
    kind: ClassVar[str] = "change_note"

    def __post_init__(self) -> None:
        _note_id(self.note_id)
        given = 0
        for name in NOTE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_note_field(name, value))
                given += 1
        if not given:
            raise OperationError(f"ChangeNote({self.note_id!r}) changes no field")

    @property
    def changes(self) -> dict[str, Any]:
        """The given fields, by name."""
        return {name: v for name in NOTE_FIELDS if (v := getattr(self, name)) is not None}

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.kind, "note_id": self.note_id, **self.changes}


_SHA256 = re.compile(r"[0-9a-f]{64}")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")


def normalise_media_type(media_type: object) -> str:
    """``type/subtype`` in lower case, parameters (``; charset=...``) dropped."""
    if not isinstance(media_type, str):
        raise OperationError(f"a media type must be a string, not {type(media_type).__name__}")
    bare = media_type.split(";", 1)[0].strip().lower()
    if not _MEDIA_TYPE.fullmatch(bare):
        raise OperationError(f"not a media type (type/subtype): {media_type!r}")
    return bare


@dataclass(frozen=True, slots=True)
class ReplaceContent:
    """Replace a whole artifact by the content with this SHA-256 (the unit is the artifact)."""

    media_type: str
    sha256: str
    kind: ClassVar[str] = "replace_content"

    def __post_init__(self) -> None:
        object.__setattr__(self, "media_type", normalise_media_type(self.media_type))
        if not isinstance(self.sha256, str) or not _SHA256.fullmatch(self.sha256):
            raise OperationError(
                f"ReplaceContent.sha256 must be 64 lower-case hex digits, got {self.sha256!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.kind, "media_type": self.media_type, "sha256": self.sha256}


TextOp = Insert | Delete | Replace
NoteOp = AddNote | RemoveNote | ChangeNote
Op = TextOp | NoteOp | ReplaceContent

_OPS: dict[str, type] = {
    cls.kind: cls
    for cls in (Insert, Delete, Replace, AddNote, RemoveNote, ChangeNote, ReplaceContent)
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "insert": ("at", "text"),
    "delete": ("at", "length"),
    "replace": ("at", "length", "text"),
    "add_note": ("note",),
    "remove_note": ("note_id",),
    "change_note": ("note_id",),
    "replace_content": ("media_type", "sha256"),
}
_OPTIONAL: dict[str, tuple[str, ...]] = {"change_note": NOTE_FIELDS}


def op_from_dict(data: Mapping[str, Any]) -> Op:
    """The op ``to_dict`` wrote; an unknown op, a missing or an extra field is an OperationError."""
    if not isinstance(data, Mapping):
        raise OperationError(f"an op must be a mapping, not {type(data).__name__}")
    kind = data.get("op")
    if kind not in _OPS:
        raise OperationError(f"unknown op {kind!r} (known: {', '.join(sorted(_OPS))})")
    required = _REQUIRED[kind]
    missing = [name for name in required if name not in data]
    if missing:
        raise OperationError(f"a {kind} op needs {', '.join(missing)}")
    extra = sorted(set(data) - {"op", *required, *_OPTIONAL.get(kind, ())})
    if extra:
        raise OperationError(f"a {kind} op has no field {', '.join(map(repr, extra))}")
    fields = {name: value for name, value in data.items() if name != "op"}
    if kind == "add_note":
        fields["note"] = Note.from_dict(fields["note"])
    return _OPS[kind](**fields)


def describe(op: object) -> str:
    """An op as an error message shows it, long texts cut short."""
    to_dict = getattr(op, "to_dict", None)
    if not callable(to_dict):
        return repr(op)[:80]
    parts = []
    for name, value in to_dict().items():
        if name == "op":
            continue
        if isinstance(value, str) and len(value) > 24:
            value = value[:20] + f"…({len(value)} chars)"
        parts.append(f"{name}={value!r}")
    return f"{type(op).__name__}({', '.join(parts)})"
