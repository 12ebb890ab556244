"""A note: the unit of a score, as a record with its ranges checked once, here.

Times are in quarter notes (floats), so a score needs no tempo or resolution to be
compared; pitch and velocity are MIDI numbers. ``voice`` names a part or a hand
("" for a single line), so two notes at the same onset in different voices are
different units even at the same pitch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import OperationError

NOTE_FIELDS = ("pitch", "onset", "duration", "velocity", "voice")
"""The fields a ``ChangeNote`` may change (a note's id never changes)."""

DEFAULT_VELOCITY = 64
"""MIDI's velocity for an instrument that does not sense touch."""


def check_note_field(name: str, value: Any) -> Any:
    """``value`` as the note field ``name`` holds it (floats for times), or an OperationError."""
    if name == "pitch" or name == "velocity":
        low = 0 if name == "pitch" else 1
        if not isinstance(value, int) or isinstance(value, bool):
            raise OperationError(f"a note's {name} must be an integer, not {type(value).__name__}")
        if not low <= value <= 127:
            raise OperationError(f"a note's {name} must be {low}–127, got {value}")
        return value
    if name == "onset" or name == "duration":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise OperationError(
                f"a note's {name} must be a number of quarter notes, not {type(value).__name__}"
            )
        number = float(value)
        if not math.isfinite(number):
            raise OperationError(f"a note's {name} must be finite, got {value!r}")
        if name == "onset" and number < 0:
            raise OperationError(f"a note's onset must be 0 or later, got {value!r}")
        if name == "duration" and number <= 0:
            raise OperationError(f"a note's duration must be more than 0, got {value!r}")
        return number
    if name == "voice":
        if not isinstance(value, str):
            raise OperationError(f"a note's voice must be a string, not {type(value).__name__}")
        return value
    raise OperationError(f"a note has no field {name!r} (fields: id, {', '.join(NOTE_FIELDS)})")


@dataclass(frozen=True, slots=True)
class Note:
    """One note of a score; its id is its identity as a unit (it keeps its origin by it)."""

    id: str
    pitch: int
    onset: float
    duration: float
    velocity: int = DEFAULT_VELOCITY
    voice: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise OperationError(f"a note's id must be a non-empty string, got {self.id!r}")
        for name in NOTE_FIELDS:
            object.__setattr__(self, name, check_note_field(name, getattr(self, name)))

    @property
    def reading_key(self) -> tuple[float, str, int, str]:
        """The order a score is read in: onset, then voice, then pitch (id breaks ties)."""
        return (self.onset, self.voice, self.pitch, self.id)

    def changed(self, changes: Mapping[str, Any]) -> Note:
        """This note with ``changes`` (fields a ``ChangeNote`` has already checked)."""
        note = object.__new__(Note)  # skips the checks a change has passed already
        object.__setattr__(note, "id", self.id)
        for name in NOTE_FIELDS:
            object.__setattr__(note, name, changes.get(name, getattr(self, name)))
        return note

    def fields(self) -> dict[str, Any]:
        """The changeable fields, by name."""
        return {name: getattr(self, name) for name in NOTE_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.fields()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Note:
        if not isinstance(data, Mapping):
            raise OperationError(f"a note must be a mapping, not {type(data).__name__}")
        unknown = sorted(set(data) - {"id", *NOTE_FIELDS})
        if unknown:
            raise OperationError(f"a note has no field {', '.join(map(repr, unknown))}")
        missing = [name for name in ("id", "pitch", "onset", "duration") if name not in data]
        if missing:
            raise OperationError(f"a note needs {', '.join(missing)}")
        return cls(**data)
