"""Turning a whole new text into a few edits, so the characters a person left keep their origin.

A person (or a partner) often hands back a whole revised text. Replacing it
wholesale would make every character theirs; instead the common prefix and
suffix are kept, and the middle is matched with ``difflib.SequenceMatcher``
level by level: lines, then words inside changed lines, then characters inside
changed words, where the old and new are alike enough to be a mended word rather
than a new one. Matching characters directly on a long text is both slow
(quadratic) and poor (a letter matches a letter anywhere), while each level here
only sees the small pieces the level above could not match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import SequenceMatcher

from .ops import Delete, Insert, Replace, TextOp

_WORDS = re.compile(r"\w+|\s+|[^\w\s]")

Opcode = tuple[str, int, int, int, int]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)


_SIMILAR = 0.5
"""Below this ``SequenceMatcher.ratio``, a changed word is rewritten, not mended: a stray
shared letter (the "o" of "long" and "short") does not keep the old origin."""

_LEVELS: tuple[Callable[[str], list[str]], ...] = (_lines, _words)


def _match(a: str, b: str, ao: int, bo: int, level: int, out: list[Opcode]) -> None:
    if not a or not b:
        if a or b:
            out.append(("replace", ao, ao + len(a), bo, bo + len(b)))
        return
    if level == len(_LEVELS):
        matcher = SequenceMatcher(None, a, b, autojunk=False)
        if matcher.ratio() < _SIMILAR:
            out.append(("replace", ao, ao + len(a), bo, bo + len(b)))
            return
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                out.append((tag, ao + i1, ao + i2, bo + j1, bo + j2))
        return
    split = _LEVELS[level]
    ta, tb = split(a), split(b)
    if len(ta) <= 1 and len(tb) <= 1:
        _match(a, b, ao, bo, level + 1, out)
        return
    sa, sb = _offsets(ta), _offsets(tb)
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, ta, tb).get_opcodes():
        if tag == "equal":
            continue
        a1, a2, b1, b2 = sa[i1], sa[i2], sb[j1], sb[j2]
        if tag == "replace":
            _match(a[a1:a2], b[b1:b2], ao + a1, bo + b1, level + 1, out)
        else:
            out.append((tag, ao + a1, ao + a2, bo + b1, bo + b2))


def _offsets(tokens: list[str]) -> list[int]:
    offsets = [0]
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    return offsets


def text_ops(old: str, new: str) -> list[TextOp]:
    """Ops that turn ``old`` into ``new``, each position as the previous op left the text."""
    if old == new:
        return []
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    limit -= prefix
    while suffix < limit and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    opcodes: list[Opcode] = []
    _match(
        old[prefix : len(old) - suffix], new[prefix : len(new) - suffix], prefix, prefix, 0, opcodes
    )
    merged: list[list[int]] = []
    for _, i1, i2, j1, j2 in opcodes:
        if merged and merged[-1][1] == i1 and merged[-1][3] == j1:
            merged[-1][1], merged[-1][3] = i2, j2
        else:
            merged.append([i1, i2, j1, j2])
    ops: list[TextOp] = []
    for i1, i2, j1, j2 in merged:
        # Ops apply left to right; everything before this one already reads as ``new``,
        # so the position is j1 in the new text's coordinates.
        if i1 == i2:
            ops.append(Insert(j1, new[j1:j2]))
        elif j1 == j2:
            ops.append(Delete(j1, i2 - i1))
        else:
            ops.append(Replace(j1, i2 - i1, new[j1:j2]))
    return ops
