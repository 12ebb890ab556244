"""The domain model: plain, immutable records with no SQL or HTTP inside.

A *work* is the thing being made, with the human's *intention*. Every node of a
work is an *artifact*: proposed by an AI partner, contributed by a person, or
made by a person's edit of another artifact. *Judgments* are what people say
about artifacts. Everything that happens is an *event* of the ledger; the
records here are snapshots folded from those events and never change under
the caller.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

Genome = dict[str, Any]
"""A partner's JSON-serialisable description of an artifact (e.g. a CPPN)."""

AI_PREFIX = "ai:"
"""Actors whose id starts with this are AI partners; every other actor is a person."""


def new_id() -> str:
    """A fresh id for an event, a work or an artifact."""
    return uuid.uuid4().hex


def partner_actor(partner_name: str) -> str:
    """The ledger actor id of an AI partner."""
    return f"{AI_PREFIX}{partner_name}"


SOURCE_PREFIX = "source:"
"""Units from an imported source are credited to ``source:<name>``: neither a person nor an AI."""


def is_person(actor: str) -> bool:
    return not actor.startswith((AI_PREFIX, SOURCE_PREFIX))


class Origin(enum.StrEnum):
    """Who made an artifact's content: an AI partner, a person, or an imported source."""

    AI = "ai"
    HUMAN = "human"
    SOURCE = "source"  # material from a named source (a corpus, a book), recorded with its licence


class Operator(enum.StrEnum):
    """How an artifact came to be: the built-in operators.

    Partners register more by name (:mod:`cocreate.operators`); a record's
    ``operator`` is then that name, a plain string.
    """

    FRESH = "fresh"  # a new random genome
    VARY = "vary"  # a variation of one parent, with a strength
    CROSS = "cross"  # crossover of two parents
    INTERPOLATE = "interpolate"  # an in-between of two parents
    ADOPT = "adopt"  # a partner's genome built from human material
    CONTRIBUTE = "contribute"  # a person's own material
    EDIT = "edit"  # a person's edit of another artifact


def operator_of(name: str) -> Operator | str:
    """A recorded operator: a built-in member, or the name a partner registered it under."""
    try:
        return Operator(name)
    except ValueError:
        return str(name)


class JudgmentKind(enum.StrEnum):
    """Every kind of judgment a person can make."""

    CHOOSE = "choose"  # one of the set shown; the pick beats each other one
    REJECT = "reject"
    RATE = "rate"  # 1..5 stars
    RANK = "rank"  # best and worst of a set
    COMPARE = "compare"  # pairwise: winner over loser
    SKIP = "skip"  # seen, no opinion: teaches nothing
    NOTE = "note"  # free text on an artifact


class EventKind(enum.StrEnum):
    """Every kind of event the ledger holds."""

    CREATOR_REGISTERED = "creator.registered"
    WORK_CREATED = "work.created"
    INTENTION_REVISED = "intention.revised"
    ROUND_REQUESTED = "round.requested"  # a person asked for proposals (who, how, building on what)
    ARTIFACT_PROPOSED = "artifact.proposed"
    ARTIFACT_CONTRIBUTED = "artifact.contributed"
    ARTIFACT_EDITED = "artifact.edited"
    JUDGMENT = "judgment"
    UNDONE = "act.undone"
    REDONE = "act.redone"  # an undone act put back by the person who undid it
    CONTENT_APPLIED = "content.applied"  # operations on the work's draft (typing, note edits)
    RESTORED = "selection.restored"
    SURPRISE_SET = "surprise.set"
    TASTE_RESET = "taste.reset"
    EXPORTED = "work.exported"
    PERSON_ERASED = "person.erased"  # a person's personal data destroyed on request


def _strings(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    return tuple(str(v) for v in value if str(v).strip())


@dataclass(frozen=True)
class Intention:
    """What the human wants: a brief, constraints, criteria and references."""

    brief: str
    constraints: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()
    references: tuple[str, ...] = ()

    @classmethod
    def coerce(cls, value: Intention | str | Mapping[str, Any]) -> Intention:
        """Accept an Intention, a plain brief, or a mapping of its fields."""
        if isinstance(value, Intention):
            return value
        if isinstance(value, str):
            return cls(brief=value.strip())
        if isinstance(value, Mapping):
            unknown = set(value) - {"brief", "constraints", "criteria", "references"}
            if unknown:
                raise ValueError(f"unknown intention field(s): {', '.join(sorted(unknown))}")
            return cls(
                brief=str(value.get("brief", "")).strip(),
                constraints=_strings(value.get("constraints")),
                criteria=_strings(value.get("criteria")),
                references=_strings(value.get("references")),
            )
        raise TypeError(f"an intention is a string or a mapping, not {type(value).__name__}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "brief": self.brief,
            "constraints": list(self.constraints),
            "criteria": list(self.criteria),
            "references": list(self.references),
        }


@dataclass(frozen=True)
class PartnerInfo:
    """Who an AI partner is: what the ledger records as the contributor."""

    name: str
    domain: str
    media_type: str
    model_id: str
    version: str
    source_type: str  # IPTC digital source type: algorithmicMedia, trainedAlgorithmicMedia
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "domain": self.domain,
            "media_type": self.media_type,
            "model_id": self.model_id,
            "version": self.version,
            "source_type": self.source_type,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class Recipe:
    """How to reproduce an AI artifact: partner, operator, seed and genome."""

    partner: str
    partner_version: str
    model_id: str
    operator: Operator | str
    seed: int | None
    genome: Genome | None
    strength: float | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "partner_version": self.partner_version,
            "model_id": self.model_id,
            "operator": str(self.operator),
            "seed": self.seed,
            "genome": self.genome,
            "strength": self.strength,
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Recipe:
        return cls(
            partner=d["partner"],
            partner_version=d["partner_version"],
            model_id=d["model_id"],
            operator=operator_of(d["operator"]),
            seed=d.get("seed"),
            genome=d.get("genome"),
            strength=d.get("strength"),
            params=d.get("params") or {},
        )


ContentLoader = Callable[[str], bytes]


@dataclass(frozen=True, eq=False)
class Artifact:
    """One node of a work: an AI proposal, a person's material or a person's edit.

    ``content`` is read from the media store on first access; everything else
    is in the snapshot. Two artifacts are equal when their ids are.
    """

    id: str
    work_id: str
    media_type: str
    content_hash: str
    size: int
    origin: Origin
    author: str  # the partner's name for AI artifacts, the person's id otherwise
    operator: Operator | str
    parents: tuple[str, ...]
    created_at: str
    recipe: Recipe | None = None
    round: int | None = None
    reason: str = ""
    features: tuple[float, ...] = ()
    edits: Mapping[str, Any] = field(default_factory=dict)  # a person's parametric adjustments
    predicted: bool = False  # the taste model's predicted pick of its round
    _load: ContentLoader | None = field(default=None, repr=False, compare=False)

    @cached_property
    def content(self) -> bytes:
        """The artifact's bytes (PNG, MIDI, text, ...)."""
        if self._load is None:
            raise RuntimeError("this artifact snapshot has no media store attached")
        from .errors import CorruptStorage, NotFound

        try:
            return self._load(self.content_hash)
        except (NotFound, CorruptStorage) as exc:
            raise CorruptStorage(
                f"the content of artifact {self.id} (work {self.work_id}, "
                f"{self.media_type}) cannot be read: {exc}; run `cocreate verify`"
            ) from None

    @property
    def partner(self) -> str | None:
        return self.recipe.partner if self.recipe else None

    @property
    def seed(self) -> int | None:
        return self.recipe.seed if self.recipe else None

    @property
    def genome(self) -> Genome | None:
        return self.recipe.genome if self.recipe else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Artifact) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def to_dict(self) -> dict[str, Any]:
        """The artifact as the ledger stores it (without its bytes)."""
        return {
            "id": self.id,
            "media_type": self.media_type,
            "content_hash": self.content_hash,
            "size": self.size,
            "origin": str(self.origin),
            "author": self.author,
            "operator": str(self.operator),
            "parents": list(self.parents),
            "created_at": self.created_at,
            "recipe": self.recipe.to_dict() if self.recipe else None,
            "round": self.round,
            "reason": self.reason,
            "features": list(self.features),
            "edits": dict(self.edits),
            "predicted": self.predicted,
        }

    @classmethod
    def from_dict(
        cls, d: Mapping[str, Any], work_id: str, load: ContentLoader | None = None
    ) -> Artifact:
        return cls(
            id=d["id"],
            work_id=work_id,
            media_type=d["media_type"],
            content_hash=d["content_hash"],
            size=int(d["size"]),
            origin=Origin(d["origin"]),
            author=d["author"],
            operator=operator_of(d["operator"]),
            parents=tuple(d.get("parents") or ()),
            created_at=d["created_at"],
            recipe=Recipe.from_dict(d["recipe"]) if d.get("recipe") else None,
            round=d.get("round"),
            reason=d.get("reason", ""),
            features=tuple(d.get("features") or ()),
            edits=d.get("edits") or {},
            predicted=bool(d.get("predicted", False)),
            _load=load,
        )


@dataclass(frozen=True)
class Judgment:
    """What a person said about one or more artifacts.

    ``artifact`` is the subject (the pick, the rejected, the rated, the best,
    the winner); ``other`` is the worst of a rank or the loser of a compare;
    ``among`` is the whole set that was shown.
    """

    id: str  # the id of the ledger event that recorded it
    kind: JudgmentKind
    actor: str
    at: str
    artifact: str | None
    among: tuple[str, ...] = ()
    other: str | None = None
    rating: int | None = None
    text: str = ""
    round: int | None = None
    undone: bool = False


@dataclass(frozen=True)
class Creator:
    """A person who takes part in works."""

    id: str
    name: str = ""
    legal_name: str = ""
    pro: str = ""  # performing rights organisation, for split sheets
    ipi: str = ""  # interested-party information number
    email: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "name": self.name,
            "legal_name": self.legal_name,
            "pro": self.pro,
            "ipi": self.ipi,
            "email": self.email,
        }


@dataclass(frozen=True)
class Event:
    """One entry of the append-only, hash-chained ledger."""

    seq: int
    id: str
    work_id: str
    kind: str
    actor: str
    at: str
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class NewEvent:
    """An event about to be appended: the storage assigns seq and hashes."""

    id: str
    work_id: str
    kind: str
    actor: str
    at: str
    payload: Mapping[str, Any]
