"""A work and its ask/tell loop.

``work.propose(n)`` asks the partner for N variants (made by
:mod:`cocreate.rounds`); ``choose``, ``reject``, ``rate``, ``rank``,
``compare``, ``skip``, ``note``, ``edit`` and ``contribute`` tell it what the
person thinks and makes. Every act is an event of the ledger, names its actor,
and everything handed out is an immutable snapshot.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import events as ev
from .errors import (
    ArtifactNotFound,
    Conflict,
    ForeignArtifact,
    InputError,
    InvalidContent,
    InvalidJudgment,
    NothingToUndo,
)
from .media import check_content
from .model import (
    Artifact,
    Event,
    EventKind,
    Intention,
    Judgment,
    JudgmentKind,
    Operator,
    Origin,
    PartnerInfo,
    Recipe,
    is_person,
    new_id,
)
from .names import clean_text
from .operators import operator_spec
from .partners.base import Partner, Unsupported
from .preferences import attunement_curve
from .rounds import Progress, Request, RoundMaker, new_artifact, reads
from .state import History, WorkState, build_history
from .storage import Expect

if TYPE_CHECKING:
    from .studio import Studio

ArtifactRef = Artifact | str

MAX_PROPOSALS = 64
MAX_NOTE = 10_000
#: operations one act may hold (an imported history is split into acts of this size)
MAX_OPS = 100_000
#: tries of an operation without a base when other writers keep changing the draft
APPLY_RETRIES = 30


def person_id(actor: str) -> str:
    """``actor`` as a person's id, or ``InputError`` if it is empty, too long or an AI's."""
    if not isinstance(actor, str) or not actor.strip():
        raise InputError("a person's id is required (e.g. by='ana')")
    actor = clean_text(actor, "a person's id", 200, kind="id")
    if not is_person(actor):
        raise InputError(f"{actor!r} is reserved for AI partners; people cannot act under it")
    return actor


def unit_interval(value: float, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number between 0 and 1, not {value!r}") from None
    if not 0.0 <= v <= 1.0:
        raise InputError(f"{name} must be between 0 and 1, not {v}")
    return v


class Work:
    """One work and its co-creation loop. Cheap to create; state lives in the ledger."""

    def __init__(self, studio: Studio, work_id: str) -> None:
        self.studio = studio
        self.id = work_id

    # -- what the work is -------------------------------------------------------------
    @property
    def _s(self) -> WorkState:
        return self.studio._state(self.id)

    @property
    def domain(self) -> str:
        return self._s.domain

    @property
    def creator(self) -> str:
        return self._s.creator

    @property
    def title(self) -> str:
        return self._s.title

    @property
    def intention(self) -> Intention:
        return self._s.intention

    @property
    def surprise(self) -> float:
        return self._s.surprise

    @property
    def partner(self) -> PartnerInfo:
        return self.studio._partner(self._s).info()

    @property
    def partner_name(self) -> str:
        """The registry name of the work's partner (known even if its package is gone)."""
        return self._s.partner

    @property
    def created_at(self) -> str:
        return self._s.created_at

    def __repr__(self) -> str:
        return f"<Work {self.id[:8]} {self.domain} by {self.creator}: {self.title!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Work) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    # -- reading ----------------------------------------------------------------------
    def artifact(self, ref: ArtifactRef) -> Artifact:
        """The artifact with this id (or unique id prefix), as a snapshot."""
        return self._s.snapshot(self._resolve(ref), self.studio.media.get)

    def artifacts(self) -> list[Artifact]:
        s = self._s
        return [s.snapshot(i, self.studio.media.get) for i in s.artifacts]

    def round(self, number: int | None = None) -> list[Artifact]:
        """The artifacts shown in a round (the latest by default)."""
        s = self._s
        number = s.last_round() if number is None else number
        return [s.snapshot(i, self.studio.media.get) for i in s.rounds.get(number, [])]

    def rounds(self) -> dict[int, tuple[str, ...]]:
        """Round number -> the ids shown in it, oldest round first."""
        return {k: tuple(v) for k, v in sorted(self._s.rounds.items())}

    def is_active(self, artifact: ArtifactRef) -> bool:
        """False for a contribution or edit that was undone."""
        return self._s.is_active(self._resolve(artifact))

    def judgments(self, *, include_undone: bool = True) -> list[Judgment]:
        s = self._s
        return list(s.judgments.values()) if include_undone else s.active_judgments()

    def history(self) -> History:
        """The branching tree of everything proposed, contributed and edited."""
        return build_history(self._s, self.studio.media.get)

    def events(self) -> list[Event]:
        return self.studio.storage.events(work_id=self.id)

    def current(self) -> Artifact | None:
        """The artifact the person is on: the latest pick, edit, contribution or restore."""
        i = self._s.current()
        return self.artifact(i) if i else None

    def attunement(self) -> dict[str, Any]:
        """How often the partner foresaw the pick in this work, round by round."""
        return attunement_curve([self._s])

    # -- asking -----------------------------------------------------------------------
    def propose(
        self,
        n: int = 9,
        *,
        surprise: float | None = None,
        parents: Sequence[ArtifactRef] | None = None,
        strength: float | None = None,
        operator: str | None = None,
        selection: Any = None,
        instruction: str = "",
        progress: Progress | None = None,
        by: str | None = None,
        **params: Any,
    ) -> list[Artifact]:
        """Ask the partner for ``n`` proposals, building on what the person liked.

        ``parents`` restricts the round to variations (and crossovers) of
        those artifacts; ``strength`` fixes how bold the variations are;
        ``surprise`` overrides the work's dial for this round. ``operator``
        names one a partner registered (``cocreate.operators``), ``selection``
        the part of the parents that may change, ``instruction`` a request in
        words, and any other keyword is a parameter for the partner. ``by`` is
        the person asking (default: the work's creator): the request is
        recorded as theirs, and their taste steers it.
        """
        request = self._request(
            n,
            operator or ("variations" if parents else "propose"),
            parents=[self._resolve(p) for p in parents] if parents else (),
            surprise=surprise,
            strength=strength,
            selection=selection,
            instruction=instruction,
            params=params,
            by=by,
        )
        return RoundMaker(self).propose(request, progress)

    def variations(
        self,
        artifact: ArtifactRef,
        n: int = 9,
        *,
        strength: float = 0.3,
        operator: str | None = None,
        selection: Any = None,
        instruction: str = "",
        progress: Progress | None = None,
        by: str | None = None,
        **params: Any,
    ) -> list[Artifact]:
        """``n`` variations of one artifact ("variations of this one")."""
        return self.propose(
            n,
            parents=[artifact],
            strength=strength,
            operator=operator,
            selection=selection,
            instruction=instruction,
            progress=progress,
            by=by,
            **params,
        )

    def crossover(
        self,
        a: ArtifactRef,
        b: ArtifactRef,
        n: int = 4,
        *,
        progress: Progress | None = None,
        by: str | None = None,
    ) -> list[Artifact]:
        """``n`` children that mix two artifacts."""
        ids = (self._resolve(a), self._resolve(b))
        if ids[0] == ids[1]:
            raise InputError("crossover needs two different artifacts")
        request = self._request(n, "crossover", parents=ids, by=by)
        return RoundMaker(self).crossover(request, progress)

    def interpolate(
        self,
        a: ArtifactRef,
        b: ArtifactRef,
        steps: int = 5,
        *,
        progress: Progress | None = None,
        by: str | None = None,
    ) -> list[Artifact]:
        """A strip of ``steps`` in-betweens from ``a`` to ``b`` (ends excluded)."""
        ids = (self._resolve(a), self._resolve(b))
        request = self._request(steps, "interpolate", parents=ids, by=by)
        return RoundMaker(self).interpolate(request, progress)

    def _request(
        self,
        n: int,
        operator: str,
        *,
        parents: Sequence[str] = (),
        surprise: float | None = None,
        strength: float | None = None,
        selection: Any = None,
        instruction: str = "",
        params: Mapping[str, Any] | None = None,
        by: str | None = None,
    ) -> Request:
        """A round's request, checked: bad input is refused before any work is done."""
        if not isinstance(instruction, str):
            raise InputError("an instruction is text")
        if len(instruction) > MAX_NOTE:
            raise InputError(f"an instruction is at most {MAX_NOTE:,} characters")
        operator_spec(operator)
        return Request(
            operator=str(operator),
            parents=tuple(parents),
            n=_count(n),
            by=person_id(by or self.creator),
            surprise=self.surprise if surprise is None else unit_interval(surprise, "surprise"),
            strength=None if strength is None else unit_interval(strength, "strength"),
            selection=selection,
            instruction=instruction.strip(),
            params=dict(params or {}),
        )

    # -- telling ----------------------------------------------------------------------
    def choose(
        self,
        artifact: ArtifactRef,
        *,
        among: Sequence[ArtifactRef] | None = None,
        by: str | None = None,
    ) -> Judgment:
        """The person picks ``artifact`` out of the set shown (its round, by default).

        A proposal for the draft (a suggestion whose recipe holds the operations
        it makes, e.g. a continuation) is *accepted*: its operations are applied
        to the draft with the partner's origin, in the same act as the choice.
        """
        i = self._resolve(artifact)
        shown = self._among(i, among)
        genome = (self._s.artifacts[i].get("recipe") or {}).get("genome") or {}
        if isinstance(genome, Mapping) and genome.get("ops"):
            return self._accept(i, shown, genome, by)
        return self._judge(JudgmentKind.CHOOSE, by, artifact=i, among=shown)

    def _accept(
        self, i: str, shown: Sequence[str], genome: Mapping[str, Any], by: str | None
    ) -> Judgment:
        from .content import UnitOrigin

        actor = person_id(by or self.creator)
        recipe = Recipe.from_dict(self._s.artifacts[i]["recipe"])
        origin = UnitOrigin.partner(
            recipe.partner,
            model_id=recipe.model_id,
            version=recipe.partner_version,
            params=dict(recipe.params),
            seed=recipe.seed,
        )
        ops = self._ops(list(genome["ops"]))
        payload = {
            "ops": [op.to_dict() for op in ops],
            "origin": origin.to_dict(),
            "accepts": i,
            "among": list(shown),
            "round": self._s.round_of(i),
        }
        base = genome.get("base")
        seq = self._apply_draft(actor, ops, origin, payload, None if base is None else int(base))
        return next(j for j in self._s.judgments.values() if self._s.acts[j.id].seq == seq)

    def reject(self, artifact: ArtifactRef, *, by: str | None = None) -> Judgment:
        i = self._resolve(artifact)
        return self._judge(JudgmentKind.REJECT, by, artifact=i, among=self._among(i, None))

    def rate(self, artifact: ArtifactRef, stars: int, *, by: str | None = None) -> Judgment:
        """A rating from 1 to 5 stars."""
        if (
            isinstance(stars, bool)
            or not isinstance(stars, int | np.integer)
            or not 1 <= stars <= 5
        ):
            raise InvalidJudgment(f"a rating is a whole number of stars from 1 to 5, not {stars!r}")
        i = self._resolve(artifact)
        return self._judge(JudgmentKind.RATE, by, artifact=i, rating=int(stars))

    def rank(
        self,
        best: ArtifactRef,
        worst: ArtifactRef,
        *,
        among: Sequence[ArtifactRef] | None = None,
        by: str | None = None,
    ) -> Judgment:
        """Best and worst of a set (the best's round by default)."""
        b, w = self._resolve(best), self._resolve(worst)
        if b == w:
            raise InvalidJudgment("the best and the worst must be different artifacts")
        shown = self._among(b, among)
        if w not in shown:
            raise InvalidJudgment("the worst must be one of the set shown with the best")
        return self._judge(JudgmentKind.RANK, by, artifact=b, other=w, among=shown)

    def compare(
        self, winner: ArtifactRef, loser: ArtifactRef, *, by: str | None = None
    ) -> Judgment:
        """A pairwise judgment: ``winner`` over ``loser``."""
        a, b = self._resolve(winner), self._resolve(loser)
        if a == b:
            raise InvalidJudgment("a comparison needs two different artifacts")
        return self._judge(JudgmentKind.COMPARE, by, artifact=a, other=b, among=(a, b))

    def skip(self, artifact: ArtifactRef | None = None, *, by: str | None = None) -> Judgment:
        """Seen, no opinion (a whole round when no artifact is given). Teaches nothing."""
        if artifact is None:
            last = self._s.last_round()
            if not last:
                raise InvalidJudgment("there is no round to skip yet")
            return self._judge(
                JudgmentKind.SKIP,
                by,
                artifact=None,
                among=tuple(self._s.rounds[last]),
                round_no=last,
            )
        i = self._resolve(artifact)
        return self._judge(JudgmentKind.SKIP, by, artifact=i)

    def note(self, artifact: ArtifactRef, text: str, *, by: str | None = None) -> Judgment:
        if not isinstance(text, str) or not text.strip():
            raise InvalidJudgment("a note needs some text")
        if len(text) > MAX_NOTE:
            raise InvalidJudgment(f"a note is at most {MAX_NOTE:,} characters")
        text = clean_text(text, "a note", MAX_NOTE, kind="note")
        return self._judge(JudgmentKind.NOTE, by, artifact=self._resolve(artifact), text=text)

    def undo(self, *, by: str | None = None) -> str:
        """Undo the person's latest act with a compensating event; return the undone event id."""
        actor = person_id(by or self.creator)
        acts = self._s.active_acts(actor)
        if not acts:
            raise NothingToUndo(f"{actor} has nothing left to undo in this work")
        target = max(acts, key=lambda a: a.seq)
        self.studio._record(self.id, actor, ev.Undone(target.event_id, str(target.kind)))
        return target.event_id

    def redo(self, *, by: str | None = None) -> str:
        """Put back the person's latest undone act; return its event id.

        Redo follows undo as in any editor: it takes back the person's latest
        undo, then the one before, as long as they made no new act since (a new
        act leaves what was undone undone). A redone operation on the draft puts
        back its work where no later act has written since (see
        :mod:`cocreate.content`); it never touches another person's work.
        """
        actor = person_id(by or self.creator)
        target = self._s.redoable(actor)
        if target is None:
            raise NothingToUndo(f"{actor} has nothing to redo in this work")
        self.studio._record(self.id, actor, ev.Redone(target))
        return target

    # -- the draft: operations on units ---------------------------------------------------
    def document(self) -> Any:
        """The work's draft (a ``TextDocument``, a ``Score``): every unit with its origin.

        A copy: changing it changes nothing stored. ``apply`` changes the draft.
        """
        s = self._s
        with self.studio._lock:
            draft = s.draft if s.draft is not None else s.new_draft()
            return type(draft).from_dict(draft.to_dict())

    def document_version(self) -> int:
        """The draft's version: give it as ``base`` so that stale operations are refused."""
        return self._s.draft_version

    def apply(
        self,
        ops: Sequence[Any],
        *,
        by: str | None = None,
        base: int | None = None,
        origin: Any = None,
    ) -> int:
        """Apply content operations to the work's draft as one act; return the new version.

        ``ops`` are :mod:`cocreate.content` operations (``Insert``, ``Delete``,
        ``Replace``; ``AddNote``, ``RemoveNote``, ``ChangeNote``) or their dicts,
        each relative to the draft after the one before. Their units are the
        person's (``by``), or ``origin``'s for material imported from a named
        source or recorded elsewhere (a ``UnitOrigin``). ``base`` is the version
        they were made on: if anything changed the draft since, the act is
        refused with :class:`~cocreate.errors.Conflict` (reload, rebase, send
        again); without it they apply to the draft as it is. An operation
        outside the draft, or on a unit that does not exist, is refused with
        nothing stored. The act is undone and redone like any other.
        """
        actor = person_id(by or self.creator)
        made = self._ops(ops)
        unit_origin = self._unit_origin(actor, origin)
        payload: dict[str, Any] = {"ops": [op.to_dict() for op in made]}
        if origin is not None:
            payload["origin"] = unit_origin.to_dict()
        return self._apply_draft(actor, made, unit_origin, payload, base)

    def type(self, text: str, *, by: str | None = None, at: int | None = None) -> int:
        """Type ``text`` into the draft at ``at`` (default: its end); return the version."""
        from .content import Insert

        if not isinstance(text, str) or not text:
            raise InputError("type some text: an empty string changes nothing")
        where = len(self._s.draft) if at is None and self._s.draft is not None else (at or 0)
        return self.apply([Insert(where, text)], by=by)

    def edit_text(
        self, *, pos: int, delete: int = 0, insert: str = "", by: str | None = None
    ) -> int:
        """Delete ``delete`` characters at ``pos`` and type ``insert`` there; the version."""
        from .content import Delete, Insert, Replace

        if delete and insert:
            op: Any = Replace(pos, delete, insert)
        elif delete:
            op = Delete(pos, delete)
        elif insert:
            op = Insert(pos, insert)
        else:
            raise InputError("edit_text needs characters to delete or text to insert")
        return self.apply([op], by=by)

    def _ops(self, ops: Sequence[Any]) -> list[Any]:
        from .content import op_from_dict

        if isinstance(ops, str | bytes) or not isinstance(ops, Sequence) or not ops:
            raise InputError("give a non-empty list of operations")
        if len(ops) > MAX_OPS:
            raise InputError(f"one act holds at most {MAX_OPS:,} operations")
        made = []
        for k, op in enumerate(ops):
            if isinstance(op, Mapping):
                try:
                    op = op_from_dict(op)
                except (KeyError, TypeError, ValueError) as exc:
                    raise InputError(f"operation {k} is not one: {exc}") from None
            if not callable(getattr(op, "to_dict", None)):
                raise InputError(f"operation {k} is not a content operation: {type(op).__name__}")
            made.append(op)
        return made

    def _unit_origin(self, actor: str, origin: Any) -> Any:
        from .content import UnitOrigin

        if origin is None:
            return UnitOrigin.person(actor)
        if isinstance(origin, Mapping):
            return UnitOrigin.from_dict(origin)
        if not isinstance(origin, UnitOrigin):
            raise InputError(f"origin must be a UnitOrigin, not {type(origin).__name__}")
        return origin

    def apply_acts(self, acts: Sequence[tuple[Sequence[Any], str, Any]]) -> list[int]:
        """Several acts on the draft, ``(ops, by, origin)`` each, recorded in one append.

        For a history recorded elsewhere (``cocreate.importing``): each act keeps its own
        actor and origin (``None``: the actor's own) and stays undoable on its own; all of
        them are stored, or, if one is refused, none. Returns the acts' versions.
        """
        if not isinstance(acts, Sequence) or isinstance(acts, str | bytes) or not acts:
            raise InputError("give a non-empty list of (ops, by, origin) acts")
        batch = []
        for k, act in enumerate(acts):
            try:
                ops, by, origin = act
            except (TypeError, ValueError):
                raise InputError(f"act {k} is not (ops, by, origin)") from None
            actor = person_id(by or self.creator)
            made = self._ops(ops)
            unit_origin = self._unit_origin(actor, origin)
            payload: dict[str, Any] = {"ops": [op.to_dict() for op in made]}
            if origin is not None:
                payload["origin"] = unit_origin.to_dict()
            batch.append((actor, made, unit_origin, payload))
        return self._apply_batch(batch, None)

    def _apply_draft(
        self, actor: str, ops: list[Any], origin: Any, payload: dict[str, Any], base: int | None
    ) -> int:
        return self._apply_batch([(actor, ops, origin, payload)], base)[0]

    def _apply_batch(
        self, batch: list[tuple[str, list[Any], Any, dict[str, Any]]], base: int | None
    ) -> list[int]:
        """Check the acts on the draft itself, then store them; the draft never holds a failed act.

        The acts are applied to the folded draft under the studio's lock first (so
        the content model's own checks name what is wrong) and then appended, in
        one append, with the draft's version expected. If the append is refused,
        the work's state is dropped and folded afresh from the ledger, which never
        saw them; without a ``base`` they are tried again on the draft as it is.
        """
        from .content import OperationError

        kinds = {str(EventKind.CONTENT_APPLIED), str(EventKind.UNDONE), str(EventKind.REDONE)}
        stale = False  # a refused try left undone acts in the folded draft
        try:
            for attempt in range(APPLY_RETRIES):
                with self.studio._lock:
                    s = self._s
                    version = s.draft_version if base is None else base
                    if base is not None and base > s.last_seq:
                        raise InputError(f"base {base} is newer than the work ({s.last_seq})")
                    if s.draft is None:
                        s.draft = s.new_draft()
                    ids: list[str] = []
                    try:
                        for k, (_, ops, origin, _) in enumerate(batch):
                            event_id = new_id()
                            try:
                                s.draft.apply(ops, origin, event_id)
                            except OperationError as exc:
                                where = f"act {k}: " if len(batch) > 1 else ""
                                raise InputError(f"{where}{exc}") from None
                            ids.append(event_id)
                            s.prefolded.add(event_id)
                        events = self.studio._append_many(
                            [(self.id, EventKind.CONTENT_APPLIED, a, p) for a, _, _, p in batch],
                            expect=Expect(self.id, max(version, 0), kinds),
                            ids=ids,
                        )
                    except BaseException as exc:
                        for event_id in reversed(ids):  # as if never applied; refolded at the end
                            s.prefolded.discard(event_id)
                            s.draft.undo(event_id)
                        stale = stale or bool(ids)
                        if not isinstance(exc, Conflict) or base is not None:
                            raise
                    else:
                        _ = self._s  # fold our events (and anything before them) into the state
                        return [e.seq for e in events]
                # another writer changed the draft: apply to it as it is now, after a pause
                time.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))
        finally:
            if stale:
                self.studio._forget(self.id)  # fold afresh: the draft never saw the refused acts
        raise Conflict(f"work {self.id[:8]}'s draft kept changing: try again")

    def restore(self, artifact: ArtifactRef, *, by: str | None = None) -> Artifact:
        """Go back to any earlier node: the next round builds on it."""
        i = self._resolve(artifact)
        self.studio._record(self.id, person_id(by or self.creator), ev.Restored(i))
        return self.artifact(i)

    def revise(
        self, intention: Intention | str | Mapping[str, Any], *, by: str | None = None
    ) -> Intention:
        """Change the intention; earlier rounds keep the one they were made under."""
        try:
            intent = Intention.coerce(intention)
        except (TypeError, ValueError) as exc:
            raise InputError(f"bad intention: {exc}") from None
        if not intent.brief:
            raise InputError("the intention needs a brief")
        self.studio._record(
            self.id, person_id(by or self.creator), ev.IntentionRevised(intent.to_dict())
        )
        return intent

    def set_surprise(self, surprise: float, *, by: str | None = None) -> float:
        """Set the surprise dial for the rounds to come."""
        value = unit_interval(surprise, "surprise")
        self.studio._record(self.id, person_id(by or self.creator), ev.SurpriseSet(value))
        return value

    # -- the person's own material ----------------------------------------------------
    def contribute(
        self,
        content: bytes,
        media_type: str,
        *,
        by: str | None = None,
        role: str = "material",
        note: str = "",
    ) -> Artifact:
        """The person's own material enters the work.

        ``role="material"`` makes it a parent for later proposals, and must be
        of a kind the partner uses (an image for an image work);
        ``role="reference"`` keeps it as a reference only, of any kind.
        """
        actor = person_id(by or self.creator)
        if role not in ("material", "reference"):
            raise InputError(f"role must be 'material' or 'reference', not {role!r}")
        check_content(content, media_type)
        partner = self.studio._partner(self._s)
        if role == "material":  # a reference may be of any kind: it is only kept
            _takes(partner, media_type)
        features = self._features_of(partner, content, media_type)
        a = self._new_artifact(
            content=bytes(content),
            media_type=media_type,
            origin=Origin.HUMAN,
            author=actor,
            operator=Operator.CONTRIBUTE,
            parents=(),
            features=features,
            reason=clean_text(note, "a note", 2000, kind="note", required=False)
            or "your own material",
            extra={"role": role},
        )
        self.studio._record(self.id, actor, ev.ArtifactContributed(a))
        return self.artifact(a["id"])

    def edit(
        self,
        artifact: ArtifactRef,
        new_content: bytes | None = None,
        *,
        adjustments: Mapping[str, Any] | None = None,
        media_type: str | None = None,
        by: str | None = None,
    ) -> Artifact:
        """A person's edit: a new node whose parent is ``artifact``; nothing is overwritten.

        Give either the edited bytes, or ``adjustments`` the partner
        understands (see ``Partner.edit_params``), which keeps a recipe.
        """
        actor = person_id(by or self.creator)
        i = self._resolve(artifact)
        if (new_content is None) == (adjustments is None):
            raise InputError("an edit gives either new content or adjustments, not both or neither")
        original = self._s.artifacts[i]
        partner = self.studio._partner(self._s)
        recipe = None
        if adjustments is not None:
            if not isinstance(adjustments, Mapping) or not adjustments:
                raise InputError("adjustments must be a non-empty mapping")
            rng = np.random.default_rng(0)
            try:
                base = RoundMaker(self)._genome(self._s, partner, i, rng)
                genome = partner.edit(base, dict(adjustments))
            except Unsupported as exc:
                raise InputError(str(exc)) from None
            content = partner.render(genome)
            mt = partner.media_type
            info = partner.info()
            recipe = Recipe(
                partner=info.name,
                partner_version=info.version,
                model_id=info.model_id,
                operator=Operator.EDIT,
                seed=None,
                genome=genome,
                params=dict(adjustments),
            ).to_dict()
            features = [float(x) for x in partner.describe(genome, content)]
        else:
            mt = media_type or original["media_type"]
            _takes(partner, mt)
            check_content(new_content, mt)  # type: ignore[arg-type]
            content = bytes(new_content)  # type: ignore[arg-type]
            features = self._features_of(partner, content, mt)
        a = self._new_artifact(
            content=content,
            media_type=mt,
            origin=Origin.HUMAN,
            author=actor,
            operator=Operator.EDIT,
            parents=(i,),
            features=features,
            reason="your edit",
            recipe=recipe,
            extra={"edits": dict(adjustments or {})},
        )
        self.studio._record(self.id, actor, ev.ArtifactEdited(a))
        return self.artifact(a["id"])

    def render(self, artifact: ArtifactRef, size: int) -> bytes:
        """Render an artifact again from its recipe, e.g. at print resolution."""
        a = self.artifact(artifact)
        if a.genome is None:
            raise InputError("this artifact has no recipe to render again (it is a person's file)")
        if not isinstance(size, int) or not 16 <= size <= 4096:
            raise InputError(f"size must be between 16 and 4096 pixels, not {size!r}")
        return self.studio._partner(self._s).render(a.genome, size=size)

    # -- authorship -------------------------------------------------------------------
    def attribution(self, artifact: ArtifactRef | None = None, policy: Any = None) -> Any:
        """Who contributed what to ``artifact`` (default: the current version).

        In a work with a draft (a text, a score) the default is the draft
        itself, counted unit by unit.
        """
        from .authorship import attribution

        if artifact is None and self._s.draft is not None:
            from .authorship.attribution import draft_attribution

            return draft_attribution(self, policy)
        return attribution(self, artifact, policy)

    def disclosure(self, artifact: ArtifactRef | None = None, policy: Any = None) -> Any:
        """An authorship disclosure in the form copyright offices ask for."""
        from .authorship import disclosure

        return disclosure(self, artifact, policy)

    def split_sheet(self, artifact: ArtifactRef | None = None, policy: Any = None) -> Any:
        """Credit and royalty shares among the people, summing to exactly 100%."""
        from .authorship import split_sheet

        return split_sheet(self, artifact, policy)

    def export(
        self,
        format: str = "file",
        artifact: ArtifactRef | None = None,
        *,
        provenance: bool = True,
        by: str | None = None,
        identity: Any = None,
        policy: Any = None,
        size: int | None = None,
    ) -> Any:
        """Export the file (with Content Credentials) or a record (PROV, disclosure, splits).

        ``identity`` signs the Content Credentials (default: the studio's own);
        ``policy`` weighs the attribution (default: ``authorship.DEFAULT_POLICY``);
        ``size`` renders the file again from its recipe first (e.g. 2048 for print).
        """
        from .authorship import export

        return export(
            self,
            artifact,
            format=format,
            provenance=provenance,
            by=by,
            identity=identity,
            policy=policy,
            size=size,
        )

    # -- internals --------------------------------------------------------------------
    def _resolve(self, ref: ArtifactRef) -> str:
        s = self._s
        if isinstance(ref, Artifact):
            if ref.work_id != self.id:
                raise ForeignArtifact(
                    f"artifact {ref.id[:8]} belongs to work {ref.work_id[:8]}, not to {self.id[:8]}"
                )
            ref = ref.id
        if not isinstance(ref, str) or not ref:
            raise ArtifactNotFound(f"not an artifact id: {ref!r}")
        if ref in s.artifacts:
            return ref
        matches = [i for i in s.artifacts if i.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ArtifactNotFound(f"artifact id {ref!r} is ambiguous in this work")
        raise ForeignArtifact(f"artifact {ref!r} is not part of work {self.id[:8]}")

    def _among(self, i: str, among: Sequence[ArtifactRef] | None) -> tuple[str, ...]:
        if among is None:
            r = self._s.round_of(i)
            return tuple(self._s.rounds[r]) if r is not None else (i,)
        shown = tuple(dict.fromkeys(self._resolve(x) for x in among))
        if i not in shown:
            raise InvalidJudgment("the chosen artifact must be one of the set shown")
        return shown

    def _judge(
        self,
        kind: JudgmentKind,
        by: str | None,
        *,
        artifact: str | None,
        among: Sequence[str] = (),
        other: str | None = None,
        rating: int | None = None,
        text: str = "",
        round_no: int | None = None,
    ) -> Judgment:
        actor = person_id(by or self.creator)
        if round_no is None and artifact is not None:
            round_no = self._s.round_of(artifact)
        if text:  # a note is personal data: sealed under its author's key (erasure)
            from .integrity.erasure import person_keys, seal

            text = seal(person_keys(self.studio), actor, text)
        made = ev.JudgmentMade(str(kind), artifact, tuple(among), other, rating, text, round_no)
        e = self.studio._record(self.id, actor, made)
        return self._s.judgments[e.id]

    def _new_artifact(self, *, content: bytes, **fields: Any) -> dict[str, Any]:
        return new_artifact(self.studio.media.put(content), content, **fields)

    def _features_of(self, partner: Partner, content: bytes, media_type: str) -> list[float]:
        if not reads(partner, media_type):
            return []
        try:
            return [float(x) for x in partner.describe(None, content)]
        except InvalidContent:
            raise
        except Exception as exc:
            raise InvalidContent(f"the {media_type} file could not be read: {exc}") from None


def _takes(partner: Partner, media_type: str) -> None:
    """Refuse material of a kind the work's partner cannot use (a text file in an image work)."""
    if not isinstance(media_type, str) or "/" not in media_type:
        raise InvalidContent(f"not a media type: {media_type!r}")
    if reads(partner, media_type):
        return
    family = partner.media_type.split("/", 1)[0]
    if media_type.split("/", 1)[0] != family:
        takes = ", ".join(dict.fromkeys((partner.media_type, *partner.accepts)))
        raise InvalidContent(
            f"this {partner.domain} work takes {family} files ({takes}), not {media_type}"
        )


def _count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= MAX_PROPOSALS:
        raise InputError(f"the number of proposals must be from 1 to {MAX_PROPOSALS}, not {n!r}")
    return int(n)
