"""The chunked sequence of character units behind ``TextDocument``.

Why this layout: a document of 50,000 characters edited 100,000 times cannot
afford a Python ``list.insert`` over every unit per keystroke, nor a walk over
every unit to find the n-th live one, and deleted units (tombstones, which undo
revives in place) pile up over a long session. So the live units sit in chunks
of a few hundred, in order, and each tombstone is filed in the *gap* before the
live unit that follows it (or in its chunk's *tail*). Finding, inserting and
deleting touch only live units, whatever the number of tombstones; a Fenwick
tree over the chunks' live counts finds the chunk of the n-th live character in
log time.

A unit is identified here by its *serial*, its number in creation order. Per
serial the sequence keeps the unit's character, its origin (an index into the
document's origin table), its chunk, and a *hide count*: 1 while the act that
inserted it is undone, plus 1 for each standing act that deletes it. A unit is
live exactly when its hide count is 0, which makes undo and redo of any act, in
any order, a matter of adding and subtracting one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain, repeat

import numpy as np

_REBUILD_AT = 16
"""From this many live units of one chunk hidden at once, lay the chunk out afresh."""


class _Chunk:
    """Live units in order, each with the tombstones just before it (``gaps``), then a ``tail``."""

    __slots__ = ("gaps", "index", "live_chars", "live_ids", "tail")

    def __init__(self, index: int) -> None:
        self.live_ids: list[int] = []
        self.live_chars: list[str] = []
        self.gaps: list[list[int] | None] = []
        self.tail: list[int] = []
        self.index = index

    def order(self) -> Iterator[int]:
        """Every serial of the chunk in document order, tombstones included."""
        for gap, serial in zip(self.gaps, self.live_ids, strict=True):
            if gap:
                yield from gap
            yield serial
        yield from self.tail

    def lay_out(self, order: Iterable[int], hidden: list[int], char_of: list[str]) -> None:
        """Refile ``order`` (this chunk's serials) into live units, gaps and tail."""
        live_ids, live_chars, gaps = [], [], []
        pending: list[int] = []
        for serial in order:
            if hidden[serial]:
                pending.append(serial)
            else:
                live_ids.append(serial)
                live_chars.append(char_of[serial])
                gaps.append(pending or None)
                pending = []
        self.live_ids, self.live_chars, self.gaps, self.tail = live_ids, live_chars, gaps, pending

    def bury(self, k: int, m: int) -> list[int]:
        """Tombstone live units k..k+m-1: they join the gap of the next live unit (or the tail)."""
        live_ids, gaps = self.live_ids, self.gaps
        after = k + m
        gone = live_ids[k:after]
        span = gaps[k:after]
        if any(span):
            merged: list[int] = []
            for gap, serial in zip(span, gone, strict=True):
                if gap:
                    merged.extend(gap)
                merged.append(serial)
        else:
            merged = list(gone)
        if after < len(live_ids):
            if gaps[after]:
                gaps[after][0:0] = merged  # type: ignore[index]
            else:
                gaps[after] = merged
        else:
            self.tail[0:0] = merged
        del live_ids[k:after], self.live_chars[k:after], gaps[k:after]
        return gone

    def revive(self, serials: set[int], char_of: list[str]) -> None:
        """Make these tombstones of the chunk live again where they lie."""
        gaps = self.gaps
        hits = [k for k, gap in enumerate(gaps) if gap and not serials.isdisjoint(gap)]
        if not serials.isdisjoint(self.tail):
            hits.append(len(gaps))
        for k in reversed(hits):  # from the right, so the places to the left stay put
            gap = gaps[k] if k < len(gaps) else self.tail
            revived, new_gaps, pending = [], [], []
            for serial in gap:  # type: ignore[union-attr]
                if serial in serials:
                    revived.append(serial)
                    new_gaps.append(pending or None)
                    pending = []
                else:
                    pending.append(serial)
            self.live_ids[k:k] = revived
            self.live_chars[k:k] = [char_of[s] for s in revived]
            if k < len(gaps):
                gaps[k] = pending or None
            else:
                self.tail = pending
            gaps[k:k] = new_gaps


class UnitSequence:
    """Character units in document order, live and tombstoned, with live counts by origin."""

    def __init__(self, chunk_size: int = 512) -> None:
        if not isinstance(chunk_size, int) or chunk_size < 2:
            raise ValueError(f"chunk_size must be an integer of at least 2, got {chunk_size!r}")
        self.chunk_size = chunk_size
        self.hidden: list[int] = []
        self.char_of: list[str] = []
        self.origin_of: list[int] = []
        self.chunk_of: list[_Chunk] = []
        self.counts: list[int] = []
        self.chunks: list[_Chunk] = [_Chunk(0)]
        self.live = 0
        self._tree: list[int] = [0, 0]
        self._top = 1

    def __len__(self) -> int:
        return self.live

    @property
    def size(self) -> int:
        """Units ever made, live or not (the next serial)."""
        return len(self.hidden)

    # -- the Fenwick tree over chunk live counts ---------------------------------------------

    def _rebuild(self, start: int = 0) -> None:
        """Renumber the chunks from ``start`` and rebuild the tree (after a split)."""
        chunks = self.chunks
        n = len(chunks)
        for i in range(start, n):
            chunks[i].index = i
        prefix = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([len(chunk.live_ids) for chunk in chunks], out=prefix[1:])
        at = np.arange(1, n + 1)
        self._tree = [0, *(prefix[at] - prefix[at - (at & -at)]).tolist()]
        top = 1
        while top * 2 <= n:
            top *= 2
        self._top = top

    def _add(self, index: int, delta: int) -> None:
        tree = self._tree
        n = len(tree) - 1
        i = index + 1
        while i <= n:
            tree[i] += delta
            i += i & -i

    def _locate(self, pos: int) -> tuple[_Chunk, int]:
        """The chunk holding the live unit at ``pos`` and its rank among the chunk's live units.

        At the end (``pos == live``) that is the last chunk and its live count.
        """
        if pos >= self.live:
            last = self.chunks[-1]
            return last, len(last.live_ids)
        tree = self._tree
        n = len(tree) - 1
        at = 0
        bit = self._top
        k = pos
        while bit:
            nxt = at + bit
            if nxt <= n and tree[nxt] <= k:
                at = nxt
                k -= tree[nxt]
            bit >>= 1
        return self.chunks[at], k

    def _split(self, chunk: _Chunk) -> None:
        """Cut a chunk with too many live units into pieces of half the chunk size."""
        half = max(1, self.chunk_size // 2)
        live_ids, live_chars, gaps = chunk.live_ids, chunk.live_chars, chunk.gaps
        pieces = []
        for start in range(half, len(live_ids), half):
            piece = _Chunk(0)
            piece.live_ids = live_ids[start : start + half]
            piece.live_chars = live_chars[start : start + half]
            piece.gaps = gaps[start : start + half]
            pieces.append(piece)
        pieces[-1].tail, chunk.tail = chunk.tail, []
        del live_ids[half:], live_chars[half:], gaps[half:]
        chunk_of = self.chunk_of
        for piece in pieces:
            for serial in piece.order():
                chunk_of[serial] = piece
        self.chunks[chunk.index + 1 : chunk.index + 1] = pieces
        self._rebuild(chunk.index)

    # -- edits -------------------------------------------------------------------------------

    def ensure_origin(self, origin_ix: int) -> None:
        counts = self.counts
        while len(counts) <= origin_ix:
            counts.append(0)

    def insert(self, pos: int, text: str, origin_ix: int) -> int:
        """Insert live units for ``text`` before the live unit at ``pos``; the first new serial.

        New units go after any tombstones just before that unit, so a deleted run that
        is revived later comes back before what was typed in its place.
        """
        n = len(text)
        first = len(self.hidden)
        chunk, k = self._locate(pos)
        gaps = chunk.gaps
        if k < len(gaps):
            gap, gaps[k] = gaps[k], None
        else:
            gap, chunk.tail = chunk.tail or None, []
        gaps[k:k] = [gap, *repeat(None, n - 1)]
        chunk.live_ids[k:k] = range(first, first + n)
        chunk.live_chars[k:k] = text
        self._add(chunk.index, n)
        self.live += n
        self.hidden.extend(repeat(0, n))
        self.char_of.extend(text)
        self.origin_of.extend(repeat(origin_ix, n))
        self.chunk_of.extend(repeat(chunk, n))
        self.counts[origin_ix] += n
        if len(chunk.live_ids) > self.chunk_size:
            self._split(chunk)
        return first

    def delete(self, pos: int, length: int) -> list[int]:
        """Tombstone ``length`` live units from ``pos`` (checked by the caller); their serials."""
        chunk, k = self._locate(pos)
        hidden, origin_of, counts = self.hidden, self.origin_of, self.counts
        out: list[int] = []
        remaining = length
        while True:
            m = min(remaining, len(chunk.live_ids) - k)
            if m:
                gone = chunk.bury(k, m)
                for serial in gone:
                    hidden[serial] = 1
                    counts[origin_of[serial]] -= 1
                out.extend(gone)
                self._add(chunk.index, -m)
                remaining -= m
            if not remaining:
                break
            chunk = self.chunks[chunk.index + 1]
            k = 0
        self.live -= length
        return out

    def shift(self, serials: Iterable[int], delta: int) -> None:
        """Add ``delta`` (+1 or -1) to the hide count of each serial, updating who is live."""
        hidden, chunk_of, origin_of, counts = (
            self.hidden,
            self.chunk_of,
            self.origin_of,
            self.counts,
        )
        changed: dict[int, tuple[_Chunk, list[int]]] = {}
        for serial in serials:
            before = hidden[serial]
            after = before + delta
            hidden[serial] = after
            if not before or not after:
                chunk = chunk_of[serial]
                entry = changed.get(id(chunk))
                if entry is None:
                    changed[id(chunk)] = (chunk, [serial])
                else:
                    entry[1].append(serial)
                counts[origin_of[serial]] += 1 if not after else -1
        for chunk, moved in changed.values():
            was = len(chunk.live_ids)
            if delta < 0:
                chunk.revive(set(moved), self.char_of)
            elif len(moved) >= _REBUILD_AT:
                chunk.lay_out(list(chunk.order()), hidden, self.char_of)
            else:
                for serial in moved:
                    chunk.bury(chunk.live_ids.index(serial), 1)
            step = len(chunk.live_ids) - was
            self._add(chunk.index, step)
            self.live += step

    # -- reading -----------------------------------------------------------------------------

    def text(self) -> str:
        return "".join(chain.from_iterable(chunk.live_chars for chunk in self.chunks))

    def serial_at(self, pos: int) -> int:
        chunk, k = self._locate(pos)
        return chunk.live_ids[k]

    def live_serials(self) -> Iterator[int]:
        return chain.from_iterable(chunk.live_ids for chunk in self.chunks)

    def units(self) -> Iterator[tuple[int, str, bool]]:
        """(serial, character, live) of every unit, tombstones included, in document order."""
        hidden, char_of = self.hidden, self.char_of
        for chunk in self.chunks:
            for serial in chunk.order():
                yield serial, char_of[serial], not hidden[serial]

    @classmethod
    def restore(
        cls,
        order: list[int],
        chars: str,
        origin_of: list[int],
        hidden: list[int],
        origins: int,
        chunk_size: int = 512,
    ) -> UnitSequence:
        """A sequence laid out from its units in document order (checked by the caller)."""
        seq = cls(chunk_size)
        seq.origin_of, seq.hidden = origin_of, hidden
        seq.char_of = [""] * len(order)
        for serial, char in zip(order, chars, strict=True):
            seq.char_of[serial] = char
        seq.counts = [0] * origins
        seq.chunk_of = [None] * len(order)  # type: ignore[list-item]
        half = max(1, chunk_size // 2)
        chunks, piece, live = [], [], 0
        for serial in order:
            if not hidden[serial]:
                if live == half:
                    chunks.append(piece)
                    piece, live = [], 0
                live += 1
            piece.append(serial)
        chunks.append(piece)
        seq.chunks = []
        for index, serials in enumerate(chunks):
            chunk = _Chunk(index)
            chunk.lay_out(serials, hidden, seq.char_of)
            for serial in serials:
                seq.chunk_of[serial] = chunk
            seq.chunks.append(chunk)
        for serial, h in enumerate(hidden):
            if not h:
                seq.counts[origin_of[serial]] += 1
        seq.live = sum(len(chunk.live_ids) for chunk in seq.chunks)
        seq._rebuild()
        return seq
