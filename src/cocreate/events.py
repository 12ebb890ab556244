"""The ledger's events, each kind defined once: its payload, its conversion, its fold.

Every kind of event is a frozen dataclass here. ``to_payload`` gives the JSON
the ledger hashes and stores, ``from_payload`` reads one back (tolerating the
payloads earlier versions wrote), and ``fold`` says what it does to a work's
state (:class:`cocreate.state.WorkState`). Writers build the dataclass and
record it (``Studio._record``); the state folds through :func:`fold`. A kind
no class claims (written by a newer cocreate) is kept in the work's events and
otherwise ignored.

Which acts may be undone is a property of the kind (``undoable``); an undo
and a redo are events too, never deletions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .model import Event, EventKind, Intention, Judgment, JudgmentKind

if TYPE_CHECKING:
    from .state import WorkState

__all__ = [
    "EVENT_TYPES",
    "ArtifactContributed",
    "ArtifactEdited",
    "ArtifactProposed",
    "ContentApplied",
    "CreatorRegistered",
    "IntentionRevised",
    "JudgmentMade",
    "LedgerEvent",
    "PersonErased",
    "Redone",
    "Restored",
    "RoundRequested",
    "SurpriseSet",
    "TasteReset",
    "Undone",
    "WorkCreated",
    "WorkExported",
    "fold",
]


class LedgerEvent:
    """What every event kind offers: a payload, its reading back, and its fold."""

    kind: ClassVar[EventKind]
    #: An act a person may undo (and redo) with a compensating event.
    undoable: ClassVar[bool] = False

    def to_payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> LedgerEvent:
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in p.items() if k in names})

    def fold(self, state: WorkState, e: Event) -> None:
        """What the event does to the work's state (nothing, for studio-wide events)."""

    def subject(self) -> str | None:
        """The artifact the act is about, if any (for undo and the history)."""
        return None


EVENT_TYPES: dict[str, type[LedgerEvent]] = {}


def _kind(cls: type[LedgerEvent]) -> type[LedgerEvent]:
    EVENT_TYPES[str(cls.kind)] = cls
    return cls


# -- the studio ---------------------------------------------------------------------------------
@_kind
@dataclass(frozen=True)
class CreatorRegistered(LedgerEvent):
    """A person's profile (names, PRO, IPI) for credits and split sheets."""

    kind: ClassVar[EventKind] = EventKind.CREATOR_REGISTERED
    id: str
    name: str = ""
    legal_name: str = ""
    pro: str = ""
    ipi: str = ""
    email: str = ""


@_kind
@dataclass(frozen=True)
class TasteReset(LedgerEvent):
    """A person forgets their taste in a domain (the judgments stay in the ledger)."""

    kind: ClassVar[EventKind] = EventKind.TASTE_RESET
    domain: str


# -- a work and its intention ---------------------------------------------------------------------
@_kind
@dataclass(frozen=True)
class WorkCreated(LedgerEvent):
    kind: ClassVar[EventKind] = EventKind.WORK_CREATED
    domain: str
    partner: str
    creator: str
    intention: Mapping[str, Any]
    partner_info: Mapping[str, Any] = field(default_factory=dict)
    partner_params: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    surprise: float = 0.3

    def fold(self, state: WorkState, e: Event) -> None:
        state.domain = self.domain
        state.partner = self.partner
        state.partner_params = dict(self.partner_params or {})
        state.creator = self.creator
        state.title = self.title
        state.intention = Intention.coerce(self.intention)
        state.intentions.append((e.id, state.intention))
        state.surprise = float(self.surprise)
        state.surprises.append((e.id, state.surprise))
        state.created_at = e.at
        state.media_type = str((self.partner_info or {}).get("media_type", ""))


@_kind
@dataclass(frozen=True)
class IntentionRevised(LedgerEvent):
    kind: ClassVar[EventKind] = EventKind.INTENTION_REVISED
    undoable: ClassVar[bool] = True
    intention: Mapping[str, Any]

    def fold(self, state: WorkState, e: Event) -> None:
        state.intentions.append((e.id, Intention.coerce(self.intention)))
        state.intention = state.intentions[-1][1]


@_kind
@dataclass(frozen=True)
class SurpriseSet(LedgerEvent):
    kind: ClassVar[EventKind] = EventKind.SURPRISE_SET
    undoable: ClassVar[bool] = True
    surprise: float

    def fold(self, state: WorkState, e: Event) -> None:
        state.surprises.append((e.id, float(self.surprise)))
        state.surprise = state.surprises[-1][1]


# -- artifacts and rounds -----------------------------------------------------------------------
@dataclass(frozen=True)
class _ArtifactEvent(LedgerEvent):
    """An artifact enters the work; its record is ``rounds.new_artifact``'s, read by
    ``Artifact.from_dict``."""

    artifact: Mapping[str, Any]

    def fold(self, state: WorkState, e: Event) -> None:
        a = self.artifact
        state.artifacts[a["id"]] = dict(a)

    def subject(self) -> str | None:
        return str(self.artifact["id"])


@_kind
@dataclass(frozen=True)
class ArtifactProposed(_ArtifactEvent):
    kind: ClassVar[EventKind] = EventKind.ARTIFACT_PROPOSED

    def fold(self, state: WorkState, e: Event) -> None:
        super().fold(state, e)
        if self.artifact.get("round") is not None:
            state.rounds.setdefault(int(self.artifact["round"]), []).append(self.artifact["id"])


@_kind
@dataclass(frozen=True)
class ArtifactContributed(_ArtifactEvent):
    kind: ClassVar[EventKind] = EventKind.ARTIFACT_CONTRIBUTED
    undoable: ClassVar[bool] = True


@_kind
@dataclass(frozen=True)
class ArtifactEdited(_ArtifactEvent):
    kind: ClassVar[EventKind] = EventKind.ARTIFACT_EDITED
    undoable: ClassVar[bool] = True


@_kind
@dataclass(frozen=True)
class RoundRequested(LedgerEvent):
    """A person asked for a round (the request of :class:`cocreate.rounds.Request`)."""

    kind: ClassVar[EventKind] = EventKind.ROUND_REQUESTED
    round: int
    operator: str = "propose"
    parents: tuple[str, ...] = ()
    n: int = 0
    surprise: float | None = None
    strength: float | None = None
    taste_of: str = ""
    selection: Any = None
    instruction: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["parents"] = list(self.parents)
        for optional in ("selection", "instruction", "params"):
            if not d[optional]:
                d.pop(optional)
        return d

    def fold(self, state: WorkState, e: Event) -> None:
        state.requests[int(self.round)] = {**e.payload, "actor": e.actor, "event": e.id}


# -- judgments ----------------------------------------------------------------------------------
@_kind
@dataclass(frozen=True)
class JudgmentMade(LedgerEvent):
    """What a person said about artifacts (``cocreate.model.Judgment``)."""

    kind: ClassVar[EventKind] = EventKind.JUDGMENT
    undoable: ClassVar[bool] = True
    judgment: str  # the JudgmentKind; the payload's key is "kind"
    artifact: str | None = None
    among: tuple[str, ...] = ()
    other: str | None = None
    rating: int | None = None
    text: str = ""
    round: int | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "kind": str(self.judgment),
            "artifact": self.artifact,
            "among": list(self.among),
            "other": self.other,
            "rating": self.rating,
            "text": self.text,
            "round": self.round,
        }

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> JudgmentMade:
        return cls(
            judgment=p["kind"],
            artifact=p.get("artifact"),
            among=tuple(p.get("among") or ()),
            other=p.get("other"),
            rating=p.get("rating"),
            text=p.get("text", ""),
            round=p.get("round"),
        )

    def fold(self, state: WorkState, e: Event) -> None:
        # a sealed note is opened by the studio that folds it (its author's key; erased: "")
        unseal = getattr(state, "unseal", None)
        state.judgments[e.id] = Judgment(
            id=e.id,
            kind=JudgmentKind(self.judgment),
            actor=e.actor,
            at=e.at,
            artifact=self.artifact,
            among=self.among,
            other=self.other,
            rating=self.rating,
            text=unseal(e.actor, self.text) if unseal is not None and self.text else self.text,
            round=self.round,
        )

    def subject(self) -> str | None:
        return self.artifact


@_kind
@dataclass(frozen=True)
class Restored(LedgerEvent):
    kind: ClassVar[EventKind] = EventKind.RESTORED
    undoable: ClassVar[bool] = True
    artifact: str

    def subject(self) -> str | None:
        return self.artifact


# -- the draft ----------------------------------------------------------------------------------
@_kind
@dataclass(frozen=True)
class ContentApplied(LedgerEvent):
    """Operations on the work's draft as one act; accepting a proposal is also its choice."""

    kind: ClassVar[EventKind] = EventKind.CONTENT_APPLIED
    undoable: ClassVar[bool] = True
    ops: tuple[Mapping[str, Any], ...]
    origin: Mapping[str, Any] | None = None  # the units' maker when not the actor
    accepts: str | None = None  # the proposal accepted into the draft
    among: tuple[str, ...] = ()
    round: int | None = None

    def to_payload(self) -> dict[str, Any]:
        d: dict[str, Any] = {"ops": [dict(o) for o in self.ops]}
        if self.origin is not None:
            d["origin"] = dict(self.origin)
        if self.accepts is not None:
            d.update(accepts=self.accepts, among=list(self.among), round=self.round)
        return d

    def fold(self, state: WorkState, e: Event) -> None:
        from .content import UnitOrigin, op_from_dict

        if self.accepts:
            state.judgments[e.id] = Judgment(
                id=e.id,
                kind=JudgmentKind.CHOOSE,
                actor=e.actor,
                at=e.at,
                artifact=self.accepts,
                among=tuple(self.among),
                round=self.round,
            )
        state.draft_version = e.seq
        if e.id in state.prefolded:  # the act was checked on the draft before it was stored
            state.prefolded.discard(e.id)
            return
        if state.draft is None:
            state.draft = state.new_draft()
        origin = UnitOrigin.from_dict(self.origin) if self.origin else UnitOrigin.person(e.actor)
        state.draft.apply([op_from_dict(o) for o in self.ops], origin, e.id)

    def subject(self) -> str | None:
        return self.accepts


# -- undo and redo ------------------------------------------------------------------------------
@_kind
@dataclass(frozen=True)
class Undone(LedgerEvent):
    """A person takes back one of their acts; the act stays in the history, marked."""

    kind: ClassVar[EventKind] = EventKind.UNDONE
    target: str
    target_kind: str = ""  # the payload's key is "kind"

    def to_payload(self) -> dict[str, Any]:
        return {"target": self.target, "kind": self.target_kind}

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> Undone:
        return cls(target=p["target"], target_kind=str(p.get("kind", "")))

    def fold(self, state: WorkState, e: Event) -> None:
        act = state.acts.get(self.target)
        if act is None or act.undone_by is not None:
            return
        target = self.target
        state.redo_stacks.setdefault(e.actor, []).append(target)
        if act.kind == EventKind.CONTENT_APPLIED:
            state.draft.undo(target)
            state.draft_version = e.seq
        state.acts[target] = dataclasses.replace(act, undone_by=e.id)
        if target in state.judgments:
            state.judgments[target] = dataclasses.replace(state.judgments[target], undone=True)
        if act.kind == EventKind.SURPRISE_SET:
            state.surprises = [(i, x) for i, x in state.surprises if i != target]
            state.surprise = state.surprises[-1][1]
        if act.kind == EventKind.INTENTION_REVISED:
            state.intentions = [(i, x) for i, x in state.intentions if i != target]
            state.intention = state.intentions[-1][1]


@_kind
@dataclass(frozen=True)
class Redone(LedgerEvent):
    """A person puts back the act they undid last (if they made no new act since)."""

    kind: ClassVar[EventKind] = EventKind.REDONE
    target: str

    def fold(self, state: WorkState, e: Event) -> None:
        act = state.acts.get(self.target)
        stack = state.redo_stacks.get(e.actor, [])
        if act is None or act.undone_by is None or not stack or stack[-1] != self.target:
            return
        target = stack.pop()
        state.acts[target] = dataclasses.replace(act, undone_by=None)
        if target in state.judgments:
            state.judgments[target] = dataclasses.replace(state.judgments[target], undone=False)
        if act.kind == EventKind.CONTENT_APPLIED:
            state.draft.redo(target)
            state.draft_version = e.seq
        again = state.event(target)
        if act.kind == EventKind.SURPRISE_SET:
            state.surprises.append((target, float(again.payload["surprise"])))
            state.surprise = state.surprises[-1][1]
        if act.kind == EventKind.INTENTION_REVISED:
            intent = Intention.coerce(again.payload["intention"])
            state.intentions.append((target, intent))
            state.intention = intent


# -- records ------------------------------------------------------------------------------------
@_kind
@dataclass(frozen=True)
class WorkExported(LedgerEvent):
    """A file or record left the studio (what, in which format, with which hash)."""

    kind: ClassVar[EventKind] = EventKind.EXPORTED
    format: str
    artifact: str | None
    sha256: str
    filename: str
    provenance: bool = True
    size: int | None = None
    sidecar_sha256: str | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            k: v for k, v in dataclasses.asdict(self).items() if v is not None or k == "artifact"
        }

    def fold(self, state: WorkState, e: Event) -> None:
        state.exports.append(dict(e.payload))


@_kind
@dataclass(frozen=True)
class PersonErased(LedgerEvent):
    """A person's data keys and own uploads were destroyed on request (the chain stays whole)."""

    kind: ClassVar[EventKind] = EventKind.PERSON_ERASED
    person: str
    content_hashes: tuple[str, ...] = ()

    def to_payload(self) -> dict[str, Any]:
        return {"person": self.person, "content_hashes": list(self.content_hashes)}


def fold(state: WorkState, e: Event) -> LedgerEvent | None:
    """Fold one stored event into ``state``; the typed event, or ``None`` for an unknown kind."""
    cls = EVENT_TYPES.get(e.kind)
    if cls is None:
        return None
    typed = cls.from_payload(e.payload)
    typed.fold(state, e)
    return typed
