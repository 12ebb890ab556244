"""The JSON API's request and response bodies (pydantic models, so they appear in OpenAPI).

Every act names its actor in ``by``: there is no login yet, and the actor is
explicit in every call so that teams and authentication can come later
without changing the shape of the API.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Actor = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="Who is acting: a person's id (no 'ai:' prefix).",
        examples=["ana"],
    ),
]
Id = Annotated[str, Field(min_length=1, max_length=64, description="An id or a unique prefix.")]
Line = Annotated[str, Field(max_length=2000)]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- requests -----------------------------------------------------------------------------


class IntentionIn(Strict):
    brief: Annotated[str, Field(min_length=1, max_length=2000)]
    constraints: Annotated[list[Line], Field(max_length=50)] = []
    criteria: Annotated[list[Line], Field(max_length=50)] = []
    references: Annotated[list[Line], Field(max_length=50)] = []


class WorkIn(Strict):
    domain: Annotated[str, Field(min_length=1, max_length=100)]
    creator: Actor
    intention: IntentionIn
    partner: Annotated[str | None, Field(max_length=100)] = None
    title: Annotated[str, Field(max_length=200)] = ""
    surprise: Unit = 0.3


class GenerateIn(Strict):
    """A request for a round of proposals.

    ``propose``: ``n`` proposals building on what the person liked (or on
    ``parents``); ``variations``: ``n`` variations of ``artifact`` with
    ``strength``; ``crossover``: ``n`` children of ``a`` and ``b``;
    ``interpolate``: ``n`` in-betweens from ``a`` to ``b``.
    """

    by: Actor
    kind: Literal["propose", "variations", "crossover", "interpolate"] = "propose"
    n: Annotated[int, Field(ge=1, le=64, strict=True)] = 9
    surprise: Unit | None = None
    strength: Unit | None = None
    parents: Annotated[list[Id] | None, Field(max_length=16)] = None
    artifact: Id | None = None
    a: Id | None = None
    b: Id | None = None


class JudgmentIn(Strict):
    """One judgment. Which fields count depends on ``kind``:

    * ``choose``: ``artifact`` (and optionally ``among``, the set shown);
    * ``reject``: ``artifact``;
    * ``rate``: ``artifact`` and ``rating`` (1-5);
    * ``rank``: ``artifact`` is the best, ``other`` the worst (optionally ``among``);
    * ``compare``: ``artifact`` is the winner, ``other`` the loser;
    * ``skip``: ``artifact``, or nothing to skip the latest round;
    * ``note``: ``artifact`` and ``text``.
    """

    by: Actor
    kind: Literal["choose", "reject", "rate", "rank", "compare", "skip", "note"]
    artifact: Id | None = None
    other: Id | None = None
    among: Annotated[list[Id] | None, Field(max_length=64)] = None
    rating: Annotated[int | None, Field(ge=1, le=5, strict=True)] = None
    text: Annotated[str, Field(max_length=10_000)] = ""


class ActorIn(Strict):
    by: Actor


class RestoreIn(Strict):
    by: Actor
    artifact: Id


class SurpriseIn(Strict):
    by: Actor
    surprise: Unit


class ReviseIn(Strict):
    by: Actor
    intention: IntentionIn


AdjustValue = bool | int | float | Annotated[str, Field(max_length=200)]


class EditIn(Strict):
    """A person's edit of an artifact: the partner's ``adjustments`` or, for
    text media, the new ``text``. Exactly one of the two."""

    by: Actor
    adjustments: Annotated[dict[str, AdjustValue] | None, Field(max_length=32)] = None
    text: Annotated[str | None, Field(max_length=1_000_000)] = None


# -- responses ----------------------------------------------------------------------------


class Problem(BaseModel):
    detail: str
    error: str = ""


class Mark(BaseModel):
    kind: str
    actor: str
    judgment: str
    rating: int | None = None
    text: str = ""
    role: str = ""  # "best"/"worst", "won"/"lost"


class ArtifactOut(BaseModel):
    id: str
    work_id: str
    media_type: str
    size: int
    origin: str
    author: str
    operator: str
    parents: list[str]
    created_at: str
    round: int | None
    reason: str
    seed: int | None
    strength: float | None
    edits: dict[str, Any]
    predicted: bool
    params: dict[str, Any] | None = Field(
        None, description="The genome's named parameters, when it has them (for edit forms)."
    )
    content_url: str
    text: str | None = Field(
        None, description="The content itself for text media (first 20,000 characters)."
    )
    marks: list[Mark] = []


class EditParam(BaseModel):
    """One parametric adjustment a partner understands, typed for a form control."""

    name: str
    description: str
    type: Literal["float", "int", "choice", "number"]
    low: float | None = None
    high: float | None = None
    options: list[Any] = []
    default: Any = None
    absolute: bool = Field(
        False, description="True when the value sets the parameter (start from the artifact's own)."
    )


class PartnerOut(BaseModel):
    name: str
    domain: str
    media_type: str
    model_id: str
    version: str
    source_type: str
    capabilities: list[str]
    edit_params: dict[str, str]
    edit_schema: list[EditParam] = []
    accepts: list[str]


class WorkOut(BaseModel):
    id: str
    title: str
    domain: str
    creator: str
    intention: dict[str, Any]
    surprise: float
    created_at: str
    partner: PartnerOut
    rounds: list[int]
    last_round: int
    current: str | None
    artifact_count: int
    thumbnail: str | None = Field(None, description="content_url of the current or latest artifact")


class RoundOut(BaseModel):
    work_id: str
    round: int
    artifacts: list[ArtifactOut]
    skipped: bool


class JudgmentOut(BaseModel):
    id: str
    kind: str
    actor: str
    at: str
    artifact: str | None
    other: str | None
    among: list[str]
    rating: int | None
    text: str
    round: int | None
    undone: bool


class UndoOut(BaseModel):
    undone: str = Field(description="The id of the event that was undone.")
    kind: str


class JobOut(BaseModel):
    id: str
    work_id: str
    kind: str
    by: str
    status: Literal["running", "done", "cancelled", "failed"]
    done: int
    total: int
    artifacts: list[str]
    round: int | None
    error: str | None
    created_at: float
    finished_at: float | None


class CreatorOut(BaseModel):
    id: str
    name: str = ""
    works: int = 0


class MetaOut(BaseModel):
    version: str
    domains: list[str]
    partners: list[PartnerOut]
    export_formats: list[str]
    authorship: bool
    max_upload_bytes: int
    max_proposals: int
    upload_types: list[str]


class VerifyOut(BaseModel):
    ok: bool
    count: int
    head: str
    seq: int | None
    event_id: str | None
    problem: str
    message: str


class EventOut(BaseModel):
    seq: int
    id: str
    kind: str
    actor: str
    at: str
    payload: dict[str, Any]
    hash: str
