"""The content model: units finer than an artifact, each with the origin of whoever made it.

A text is a sequence of characters (``TextDocument``), a score a set of notes
(``Score``), and any other media a single unit (``WholeContent``). Each unit
carries a ``UnitOrigin`` (a person, an AI partner with its model and seed, or an
imported source). Documents change only by *acts*: a caller-named list of ops
(``Insert``, ``Delete``, ``Replace``; ``AddNote``, ``RemoveNote``, ``ChangeNote``;
``ReplaceContent``) by one origin, applied atomically, undone and redone by act
id. Everything is deterministic (unit ids come from act ids, never from a clock
or a random source), so a ledger fold and a cached ``to_dict`` always agree.
``content_model_for(media_type)`` picks the model for an artifact.
"""

from .acts import ActRecord
from .errors import InvalidOrigin, OperationError
from .models import (
    Content,
    ContentModel,
    ScoreModel,
    TextModel,
    WholeContentModel,
    content_model_for,
    register_content_model,
)
from .note import Note
from .ops import (
    AddNote,
    ChangeNote,
    Delete,
    Insert,
    NoteOp,
    Op,
    RemoveNote,
    Replace,
    ReplaceContent,
    TextOp,
    op_from_dict,
)
from .origin import FrozenParams, OriginKind, UnitOrigin
from .score import Score
from .text import TextDocument, TextUnit
from .whole import WholeContent

__all__ = [
    "ActRecord",
    "AddNote",
    "ChangeNote",
    "Content",
    "ContentModel",
    "Delete",
    "FrozenParams",
    "Insert",
    "InvalidOrigin",
    "Note",
    "NoteOp",
    "Op",
    "OperationError",
    "OriginKind",
    "RemoveNote",
    "Replace",
    "ReplaceContent",
    "Score",
    "ScoreModel",
    "TextDocument",
    "TextModel",
    "TextOp",
    "TextUnit",
    "UnitOrigin",
    "WholeContent",
    "WholeContentModel",
    "content_model_for",
    "op_from_dict",
    "register_content_model",
]
