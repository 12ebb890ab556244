"""Importing co-writing recorded elsewhere: keystroke histories replayed with exact origins.

Two formats, both JSON lines (one JSON object per line, UTF-8; blank lines are
skipped):

**cocreate** (``cocreate.history/1``): an optional header, then one line per edit::

    {"format": "cocreate.history/1", "intention": "a story at sea", "title": "Keeper"}
    {"pos": 0, "insert": "The lighthouse keeper", "by": "prompt", "time": 0}
    {"pos": 21, "insert": " had not", "by": "me", "time": 1.25}
    {"pos": 29, "insert": " spoken in years.", "by": {"model": "gpt-4o-mini",
        "params": {"temperature": 0.9}, "seed": 7}, "time": "2024-05-01T10:00:03Z"}
    {"pos": 4, "delete": 11, "insert": "keeper's wife", "by": "me", "time": 9.5}

* ``pos`` — where the edit is, in characters (Unicode code points) of the text
  as the previous lines left it; ``delete`` — how many characters it removes
  from there (default 0); ``insert`` — the text it puts there (default "").
  A line with both is one replacement; a line with neither is refused.
* ``by`` — who made it: a person's id (``"me"``, or ``{"person": "me"}``); a
  model (``{"model": NAME, "params": {...}, "seed": N, "version": V,
  "partner": P}``, only ``model`` required; ``partner`` defaults to the model's
  name); the starting prompt (``"prompt"``, or ``{"source": NAME, "licence":
  L}`` for any other imported source); or an origin as cocreate writes one
  (``{"kind": "person" | "partner" | "source", ...}``).
* ``time`` — seconds (any epoch) or an ISO 8601 time; optional, kept as given.
* The header may carry ``text`` (a starting text) with its own ``by``
  (default ``"prompt"``), and ``intention``/``title`` for the work made from it.

**coauthor**: a session of the CoAuthor dataset (Lee et al., CHI 2022), as
published: one logged event per line. ``system-initialize`` gives the prompt
(``currentDoc``); an event with a ``textDelta`` (a Quill delta: ``retain``,
``insert``, ``delete``, positions counted in UTF-16 as the browser did) is an
edit by its ``eventSource``: ``user`` (the writer) or ``api`` (GPT-3, with the
event's ``currentTemperature``, ``currentTopP``, ``currentMaxToken``, ``currentN``
and penalties as its parameters). Other events (cursor moves, suggestions
opened, hovered, closed) change no text; the suggestions shown and accepted
are counted.

:func:`replay` is a pure function: lines in, a :class:`Replayed` out, holding
the :class:`~cocreate.content.TextDocument` with every character's origin and
the acts that made it (thousands of keystroke edits take well under a second).
:func:`record` puts those acts into a text work's draft, each with its origin. Bad input
(a line that is not UTF-8 or not JSON, an edit outside the text, an unknown
source) is an :class:`HistoryError` naming the line.
"""

from ._history import (
    COAUTHOR_MODEL,
    FORMATS,
    HISTORY_FORMAT,
    HistoryError,
    ImportedAct,
    Replayed,
    read_lines,
    record,
    replay,
    replay_coauthor,
    replay_history,
)

__all__ = [
    "COAUTHOR_MODEL",
    "FORMATS",
    "HISTORY_FORMAT",
    "HistoryError",
    "ImportedAct",
    "Replayed",
    "read_lines",
    "record",
    "replay",
    "replay_coauthor",
    "replay_history",
]
