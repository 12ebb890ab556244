"""Turning a whole new text into a few edits, so the characters a person left keep their origin.

A person (or a partner) often hands back a whole revised text. Replacing it
wholesale would make every character theirs; instead the common prefix and
suffix are kept and the middle is matched level by level: lines, then words
inside changed lines, then characters inside a changed word, where old and new
are alike enough to be the same word mended rather than a new one.

Each level matches tokens with ``difflib.SequenceMatcher`` where the two sides
are small enough for its quadratic worst case. Larger sides are first cut at
*anchors*, tokens found exactly once on each side, kept in order (patience
diffing), and each piece between anchors is matched the same way. A piece too
large to match and without anchors is replaced whole: the time a diff takes is
bounded, whatever text it is given (a web request may hand over any text).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher

from .ops import Delete, Insert, Replace, TextOp

_WORDS = re.compile(r"\w+|\s+|[^\w\s]")

_MATCH_BUDGET = 250_000
"""Largest product of the two sides' token counts given to SequenceMatcher."""

_CHAR_BUDGET = 64 * 64
"""Largest product of the two sides' lengths matched character by character."""

_SIMILAR = 0.5
"""Below this ``SequenceMatcher.ratio``, a changed word is rewritten, not mended: a stray
shared letter (the "o" of "long" and "short") does not keep the old origin."""

Opcode = tuple[str, int, int, int, int]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)


_LEVELS: tuple[Callable[[str], list[str]], ...] = (_lines, _words)


def _anchors(ta: Sequence[str], tb: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs (i, j) of tokens unique on both sides, the longest run in order on both."""
    count_a, count_b = Counter(ta), Counter(tb)
    where_b = {t: j for j, t in enumerate(tb) if count_b[t] == 1}
    pairs = [(i, where_b[t]) for i, t in enumerate(ta) if count_a[t] == 1 and t in where_b]
    # Longest increasing run of j (patience sorting), remembering each pile's predecessor.
    tops: list[int] = []
    top_at: list[int] = []
    before: list[int] = [-1] * len(pairs)
    for n, (_, j) in enumerate(pairs):
        pile = bisect_left(tops, j)
        if pile:
            before[n] = top_at[pile - 1]
        if pile == len(tops):
            tops.append(j)
            top_at.append(n)
        else:
            tops[pile], top_at[pile] = j, n
    chain, n = [], top_at[-1] if top_at else -1
    while n >= 0:
        chain.append(pairs[n])
        n = before[n]
    return chain[::-1]


def _token_opcodes(ta: Sequence[str], tb: Sequence[str]) -> list[Opcode]:
    """Non-equal opcodes between two token lists, in order, with bounded work."""
    out: list[Opcode] = []
    todo = [(0, len(ta), 0, len(tb))]
    while todo:
        a1, a2, b1, b2 = todo.pop()
        if (a2 - a1) * (b2 - b1) <= _MATCH_BUDGET:
            matcher = SequenceMatcher(None, ta[a1:a2], tb[b1:b2], autojunk=False)
            out.extend(
                (tag, a1 + i1, a1 + i2, b1 + j1, b1 + j2)
                for tag, i1, i2, j1, j2 in matcher.get_opcodes()
                if tag != "equal"
            )
            continue
        anchors = _anchors(ta[a1:a2], tb[b1:b2])
        if not anchors:
            out.append(("replace", a1, a2, b1, b2))
            continue
        i0, j0 = a1, b1
        for i, j in [*((a1 + i, b1 + j) for i, j in anchors), (a2, b2)]:
            if i > i0 or j > j0:
                todo.append((i0, i, j0, j))
            i0, j0 = i + 1, j + 1
    out.sort(key=lambda op: (op[1], op[3]))
    return out


def _match(a: str, b: str, ao: int, bo: int, level: int, out: list[Opcode]) -> None:
    """Append the char opcodes turning ``a`` (at ``ao`` in old) into ``b`` (at ``bo`` in new)."""
    if not a or not b or level == len(_LEVELS):
        if a and b and len(a) * len(b) <= _CHAR_BUDGET:
            matcher = SequenceMatcher(None, a, b, autojunk=False)
            if matcher.ratio() >= _SIMILAR:
                out.extend(
                    (tag, ao + i1, ao + i2, bo + j1, bo + j2)
                    for tag, i1, i2, j1, j2 in matcher.get_opcodes()
                    if tag != "equal"
                )
                return
        if a or b:
            out.append(("replace", ao, ao + len(a), bo, bo + len(b)))
        return
    split = _LEVELS[level]
    ta, tb = split(a), split(b)
    if len(ta) <= 1 and len(tb) <= 1:
        _match(a, b, ao, bo, level + 1, out)
        return
    sa, sb = _offsets(ta), _offsets(tb)
    for tag, i1, i2, j1, j2 in _token_opcodes(ta, tb):
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
