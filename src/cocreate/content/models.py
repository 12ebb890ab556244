"""Content models by media type: how each kind of artifact is cut into units.

A ``ContentModel`` says what an empty document of its kind is, how a whole new
version becomes ops (so unchanged units keep their origin), how ops are applied
by an act, and how a cached document is loaded. Writing (``text/*``) is a
``TextDocument`` of characters; music (MIDI, MusicXML) is a ``Score`` of notes,
fed note lists (parsing the files is the music partner's work); everything else
is ``WholeContent``, one unit per artifact. Third parties add their own with
``register_content_model``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from cocreate.errors import InputError, InvalidContent

from .errors import OperationError
from .note import Note
from .ops import Op, normalise_media_type
from .origin import UnitOrigin
from .score import Score
from .text import TextDocument
from .whole import WholeContent


@runtime_checkable
class Content(Protocol):
    """What every document of units offers a ledger fold."""

    def apply(self, ops: Sequence[Any], origin: UnitOrigin, act: str) -> None: ...
    def undo(self, act: str) -> None: ...
    def redo(self, act: str) -> None: ...
    def count_by_origin(self) -> dict[UnitOrigin, int]: ...
    def to_dict(self) -> dict[str, Any]: ...


@runtime_checkable
class ContentModel(Protocol):
    """How one kind of media is cut into units; ``name`` says which kind of document it makes."""

    name: str

    def empty(self) -> Content:
        """A fresh document with no units."""
        ...

    def diff(self, old: Content, new: Any) -> list[Op]:
        """Ops that turn ``old`` into the whole new version ``new``, keeping what is unchanged."""
        ...

    def apply(self, content: Content, ops: Sequence[Op], origin: UnitOrigin, act: str) -> None:
        """Apply one act's ops to ``content`` (atomic: all or none)."""
        ...

    def load(self, data: Mapping[str, Any]) -> Content:
        """The document that ``content.to_dict()`` wrote."""
        ...


class TextModel:
    """Writing: characters as units. ``diff`` takes the new text as ``str`` or UTF-8 bytes."""

    name = "text"

    def empty(self) -> TextDocument:
        return TextDocument()

    def diff(self, old: TextDocument, new: str | bytes) -> list[Op]:
        if isinstance(new, bytes | bytearray):
            try:
                new = bytes(new).decode("utf-8")
            except UnicodeDecodeError as e:
                raise InvalidContent(f"the new text is not UTF-8 (byte {e.start})") from None
        return list(_expect(old, TextDocument).diff(new))

    def apply(self, content: TextDocument, ops: Sequence[Op], origin: UnitOrigin, act: str) -> None:
        _expect(content, TextDocument).apply(ops, origin, act)  # type: ignore[arg-type]

    def load(self, data: Mapping[str, Any]) -> TextDocument:
        return TextDocument.from_dict(data)


class ScoreModel:
    """Music: notes as units. ``diff`` takes the new version as a list of ``Note``."""

    name = "score"

    def empty(self) -> Score:
        return Score()

    def diff(self, old: Score, new: Iterable[Note]) -> list[Op]:
        if isinstance(new, bytes | bytearray | str):
            raise InvalidContent(
                "a score diffs against a list of Note; reading MIDI or MusicXML into notes is the music partner's job"
            )
        return list(_expect(old, Score).diff(new))

    def apply(self, content: Score, ops: Sequence[Op], origin: UnitOrigin, act: str) -> None:
        _expect(content, Score).apply(ops, origin, act)  # type: ignore[arg-type]

    def load(self, data: Mapping[str, Any]) -> Score:
        return Score.from_dict(data)


class WholeContentModel:
    """Any other media: the artifact is one unit. ``diff`` takes the new bytes."""

    name = "whole"

    def __init__(self, media_type: str) -> None:
        self.media_type = normalise_media_type(media_type)

    def empty(self) -> WholeContent:
        return WholeContent(self.media_type)

    def diff(self, old: WholeContent, new: bytes) -> list[Op]:
        return list(_expect(old, WholeContent).diff(new))

    def apply(self, content: WholeContent, ops: Sequence[Op], origin: UnitOrigin, act: str) -> None:
        _expect(content, WholeContent).apply(ops, origin, act)  # type: ignore[arg-type]

    def load(self, data: Mapping[str, Any]) -> WholeContent:
        return WholeContent.from_dict(data)

    def __repr__(self) -> str:
        return f"WholeContentModel({self.media_type!r})"


def _expect(content: Any, kind: type) -> Any:
    if not isinstance(content, kind):
        raise OperationError(
            f"this content model works on a {kind.__name__}, not {type(content).__name__}"
        )
    return content


_TEXT = TextModel()
_SCORE = ScoreModel()
_MODELS: dict[str, ContentModel] = {
    "text/plain": _TEXT,
    "text/markdown": _TEXT,
    "text/html": _TEXT,
    "audio/midi": _SCORE,
    "application/vnd.recordare.musicxml+xml": _SCORE,
}


def content_model_for(media_type: str) -> ContentModel:
    """The model for ``media_type`` (parameters such as ``; charset=utf-8`` are ignored).

    Unregistered types get a whole-content model: the artifact is its own unit.
    """
    try:
        bare = normalise_media_type(media_type)
    except OperationError as e:
        raise InputError(str(e)) from None
    return _MODELS.get(bare) or WholeContentModel(bare)


def register_content_model(media_type: str, model: ContentModel, *, replace: bool = False) -> None:
    """Serve ``media_type`` with ``model``; ``replace=True`` to take over a registered type."""
    try:
        bare = normalise_media_type(media_type)
    except OperationError as e:
        raise InputError(str(e)) from None
    missing = [
        name
        for name in ("empty", "diff", "apply", "load")
        if not callable(getattr(model, name, None))
    ]
    if not isinstance(getattr(model, "name", None), str):
        missing.insert(0, "name")
    if missing:
        raise InputError(f"a content model needs {', '.join(missing)}; {model!r} lacks them")
    if bare in _MODELS and not replace:
        raise InputError(
            f"{bare} already has a content model ({_MODELS[bare].name}); pass replace=True to take it over"
        )
    _MODELS[bare] = model
