"""Names and notes: the text people type, checked once on the way in and escaped on the way out.

Everything a person names (their id, a creator's names, a work's title) and
every note is Unicode text. ``clean_text`` is the one check on the way in:
NFC, trimmed, within a length, and without the characters that let stored
text act on whoever reads it later:

* control characters (C0, DEL, C1): ``ESC`` drives a terminal, ``NUL`` cuts
  strings short in C code; a note may keep newlines and tabs, nothing else;
* lone surrogates, which are not text at all and cannot be written as UTF-8;
* in ids, any invisible formatting character (bidi overrides and isolates,
  zero-width spaces and joiners): an id must look like what it is, or
  ``ana`` and ``ana\u200b`` become two people who print the same.

``printable`` is the check on the way out, for text stored before these rules
or coming from elsewhere: it shows each such character as an escape
(``\\x1b``) instead of sending it to the terminal. Both are pure.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from .errors import InputError

Kind = Literal["id", "name", "note"]

_NOTE_CONTROLS = frozenset("\n\t")


def _what(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def _refused(ch: str, kind: Kind) -> str | None:
    """Why ``ch`` may not be in a text of ``kind``, or None when it may."""
    cat = unicodedata.category(ch)
    if cat == "Cc":
        if kind == "note" and ch in _NOTE_CONTROLS:
            return None
        return "a control character"
    if cat == "Cs":
        return "a lone surrogate (not text)"
    if cat in ("Zl", "Zp") and kind != "note":
        return "a line break"
    if cat == "Cf" and kind == "id":
        return "an invisible formatting character"
    if ch in _BIDI_OVERRIDES and kind != "note":
        return "a bidirectional override"
    return None


# Embeddings and overrides reorder the text around them until a PDF: in a
# name they can make "ana" print as someone else's. Isolates (U+2066-2069)
# stay allowed in names, since mixed-script names need them.
_BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")


def clean_text(
    value: object,
    field: str,
    max_len: int,
    *,
    kind: Kind = "name",
    required: bool = True,
) -> str:
    """``value`` as clean text for ``field``, or ``InputError`` naming the field and the problem.

    ``kind`` is ``"id"`` (a person's id: no invisible characters at all),
    ``"name"`` (a name or a title: one line) or ``"note"`` (free text:
    newlines and tabs allowed, ``\\r\\n`` becomes ``\\n``). The result is
    NFC-normalised and trimmed; ``required`` refuses an empty one.
    """
    if not isinstance(value, str):
        raise InputError(f"{field} must be text, not {type(value).__name__}")
    text = value.replace("\r\n", "\n") if kind == "note" else value
    for pos, ch in enumerate(text):
        why = _refused(ch, kind)
        if why is not None:
            raise InputError(
                f"{field} contains {why} ({_what(ch)}) at position {pos}; "
                + (
                    "only newlines and tabs are allowed"
                    if kind == "note"
                    else "it must be plain text"
                )
            )
    text = unicodedata.normalize("NFC", text).strip()
    if required and not text:
        raise InputError(f"{field} is required")
    if len(text) > max_len:
        raise InputError(f"{field} is at most {max_len:,} characters ({len(text):,} given)")
    return text


def printable(value: object, *, keep_newlines: bool = False) -> str:
    """``value`` as text that is safe to print: each character ``clean_text`` would refuse in a
    name is shown as an escape (``\\x1b``, ``\\u202e``) instead."""
    text = str(value)
    kind: Kind = "note" if keep_newlines else "name"
    out = []
    for ch in text:
        if _refused(ch, kind) is None:
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out)
