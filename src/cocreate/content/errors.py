"""The errors of the content model, both ``InputError`` (so also ``ValueError``)::

    cocreate.errors.InputError
    ├── InvalidOrigin      a UnitOrigin that cannot stand (empty id, wrong types)
    └── OperationError     an op, note or act that does not fit the content;
                           the content is left exactly as it was

Messages name the problem (the op's index, the position, the document's length at
that point), so a person or a partner's log can say what to fix.
"""

from __future__ import annotations

from cocreate.errors import InputError


class InvalidOrigin(InputError):
    """A unit's origin is malformed: an empty id, a wrong type, an unknown kind."""


class OperationError(InputError):
    """An op, a note or an act does not fit the content; nothing was changed."""
