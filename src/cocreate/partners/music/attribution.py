"""Who made each note: the note-level unitizer for MIDI and MusicXML artifacts.

An artifact's units are its notes, each weighing ``1 / notes``. A note's maker
is found along the lineage:

* a person's own file (a contribution): every note is theirs;
* a person's edit (a new file, or a parametric edit): each note equal in voice,
  pitch, onset and length to a note of the parent keeps that note's maker (the
  person left it); every other note — changed in pitch, onset or length, or new —
  is the editor's (a changed loudness alone keeps the note's maker too);
* a partner's proposal: every note is the partner's, except notes the genome
  marks as *kept* from the parents (the melody a harmonisation was written
  under, the voices and bars a regeneration left alone, a motif a continuation
  grew from) that are found unchanged in a parent: those keep the parent
  note's maker, so a person's melody stays theirs note for note.

A voice is matched by name first, then by pitch and time alone (a file that
comes back from a notation program may rename its parts). Artifacts whose notes
cannot be read fall back to the recipe-level units every other medium uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...authorship.attribution import Lineage, RecipeUnitizer, Unit, register_unitizer
from ...model import Operator, Origin, operator_of, partner_actor
from . import notation
from .theory import pitch_name

Key = tuple[str, int, float, float]
Maker = tuple[Origin, str, str]  # origin, contributor, source artifact


def _notes(lineage: Lineage, a: Mapping[str, Any]) -> dict[Key, int] | None:
    """The artifact's notes as (voice, pitch, onset, length) with their counts."""
    genome = (a.get("recipe") or {}).get("genome")
    voices = None
    if isinstance(genome, Mapping) and isinstance(genome.get("voices"), Mapping):
        voices = genome["voices"]
    else:
        try:
            content = lineage.load(a["content_hash"])
            voices = notation.read(content, a.get("media_type")).voices
        except Exception:
            return None
    out: dict[Key, int] = {}
    for v, ns in voices.items():
        for n in ns:
            k = (str(v), int(n[0]), round(float(n[1]) * 48) / 48, round(float(n[2]) * 48) / 48)
            out[k] = out.get(k, 0) + 1
    return out


class NoteUnitizer:
    """Notes as units (see the module docstring)."""

    def __init__(self) -> None:
        self.fallback = RecipeUnitizer()

    def units(self, lineage: Lineage, artifact_id: str) -> list[Unit]:
        memo: dict[str, list[tuple[Key, Maker]] | None] = {}
        made = self._makers(lineage, artifact_id, memo, ())
        if not made:
            return self.fallback.units(lineage, artifact_id)
        w = 1.0 / len(made)
        units = []
        meta = lineage.state.artifacts[artifact_id]
        bar = _bar(meta)
        for (voice, pitch, onset, length), (origin, who, source) in made:
            where = f"bar {int(onset // bar) + 1}" if bar else f"{onset:g}"
            units.append(
                Unit(
                    kind="note",
                    origin=origin,
                    contributor=who,
                    weight=w,
                    source=source,
                    detail=f"{voice} {pitch_name(pitch)} at {where} ({length:g} quarters)",
                )
            )
        return units

    def _makers(
        self,
        lineage: Lineage,
        i: str,
        memo: dict[str, list[tuple[Key, Maker]] | None],
        path: tuple[str, ...],
    ) -> list[tuple[Key, Maker]] | None:
        if i in memo:
            return memo[i]
        a = lineage.state.artifacts.get(i)
        if a is None:
            return None
        notes = _notes(lineage, a)
        if not notes:
            memo[i] = None
            return None
        human = Origin(a["origin"]) is Origin.HUMAN
        op = operator_of(a["operator"])
        me: Maker = (
            (Origin.HUMAN, a["author"], i) if human else (Origin.AI, partner_actor(a["author"]), i)
        )
        parents = [
            p for p in a.get("parents") or () if p in lineage.state.artifacts and p not in path
        ]
        flat = [k for k, n in notes.items() for _ in range(n)]
        if (human and op is not Operator.EDIT) or not parents:
            out = [(k, me) for k in flat]
            memo[i] = out
            return out
        inherited: list[tuple[Key, Maker]] = []
        for p in parents:
            got = self._makers(lineage, p, memo, (*path, i))
            if got:
                inherited += got
        if human:  # an edit: what the person left keeps its maker
            keepable = None
        else:
            genome = (a.get("recipe") or {}).get("genome") or {}
            keepable = [(str(v), float(s), float(e)) for v, s, e in genome.get("kept", []) if e > s]
        out = _match(flat, inherited, me, keepable)
        memo[i] = out
        return out


def _match(
    notes: list[Key],
    parent: list[tuple[Key, Maker]],
    me: Maker,
    keepable: list[tuple[str, float, float]] | None,
) -> list[tuple[Key, Maker]]:
    """Each note with its maker: a parent's for an unchanged note it may keep, else ``me``."""
    exact: dict[Key, list[Maker]] = {}
    loose: dict[tuple[int, float, float], list[tuple[str, Maker]]] = {}
    for k, m in parent:
        exact.setdefault(k, []).append(m)
        loose.setdefault(k[1:], []).append((k[0], m))

    def may_keep(k: Key) -> bool:
        if keepable is None:
            return True
        return any(v == k[0] and s - 1e-9 <= k[2] < e - 1e-9 for v, s, e in keepable)

    out: list[tuple[Key, Maker]] = []
    rest: list[Key] = []
    for k in notes:
        got = exact.get(k)
        if got and may_keep(k):
            m = got.pop(0)
            loose[k[1:]] = [x for x in loose[k[1:]] if x[1] is not m] or []
            out.append((k, m))
        else:
            rest.append(k)
    for k in rest:
        got2 = loose.get(k[1:])
        if got2 and may_keep(k) and keepable is None:
            _, m = got2.pop(0)
            out.append((k, m))
        else:
            out.append((k, me))
    return out


def _bar(a: Mapping[str, Any]) -> float:
    genome = (a.get("recipe") or {}).get("genome") or {}
    try:
        from .theory import Metre

        return Metre.parse(genome["metre"]).bar
    except Exception:
        return 0.0


UNITIZER = NoteUnitizer()


def install() -> None:
    """Make notes the units of MIDI and MusicXML artifacts."""
    register_unitizer(notation.MIDI, UNITIZER)
    register_unitizer(notation.MUSICXML, UNITIZER)
