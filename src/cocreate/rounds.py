"""Making a round: a person's request, answered by the partner, chosen by the strategy.

A round starts from a :class:`Request`: who asks, the operator (``propose``,
``vary``, ``crossover``, ``interpolate`` or one a partner registered), the
parents, a selection within them (bars and voices, a character span), an
instruction in words and the partner's own parameters. The partner picks how
its rounds are made (``Partner.round_kind``):

* ``"pool"`` — for cheap genomes (images, designs): a pool of candidates is
  built with the partner's operators, every one is described as features,
  the strategy picks the N to show, and only those are rendered;
* ``"direct"`` — for expensive generators (a language model): the partner
  generates the N itself (``Partner.generate``), steered by the parameters
  the strategy chooses for the request (``Strategy.steer``: the surprise dial
  as a temperature, say); the strategy then orders them and marks its guess.

The round is recorded as one append: the request (with who asked, whose
taste steered it, and the round number) and every proposal. The append
expects the work as it was read: if another process made a round of this
work in between, the storage refuses it (:class:`~cocreate.errors.Conflict`)
and the round is made again on the new state, so every round number is
distinct and every recorded set is the one returned. Judgments never
conflict with a round.

Randomness comes from the studio's seed, the work's own creation record and
the round number only, so a seeded round depends on nothing but its work's
history; the strategy that chooses is the studio's, cloned for each (work,
person), so one person's fitted taste never steers another's round.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import events as ev
from .attunement.threads import model_threads
from .errors import Conflict, InputError, InvalidContent
from .ledger import now
from .model import EventKind, Operator, Origin, Recipe, new_id, partner_actor
from .operators import operator_spec
from .partners.base import PLAIN_OPERATORS, Partner, Unsupported
from .proposing import Candidate, Feedback, Pick, ProposalContext, describe_candidate, make_pool
from .state import WorkState
from .storage import Expect

if TYPE_CHECKING:
    from .model import Artifact
    from .work import Work

Progress = Callable[[int, int], "bool | None"]

#: The events whose order gives a round its number: a round conflicts with these only.
ROUND_KINDS = frozenset({str(EventKind.ROUND_REQUESTED), str(EventKind.ARTIFACT_PROPOSED)})
#: How often a round is made again when another process made one of the same work meanwhile.
ROUND_RETRIES = 8


@dataclass(frozen=True)
class Request:
    """What a person asks a partner for in one round.

    ``selection`` says which part of the parents may change (its form is the
    content's: ``{"voices": [...], "bars": [...]}`` for a score, ``(start,
    end)`` for a text); ``instruction`` is a request in words; ``params`` are
    the partner's own (``metre="7/8"``); ``strength`` how bold a variation is.
    """

    operator: str = "propose"
    parents: tuple[str, ...] = ()
    n: int = 9
    by: str = ""
    surprise: float = 0.3
    strength: float | None = None
    selection: Any = None
    instruction: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "operator": self.operator,
            "parents": list(self.parents),
            "n": self.n,
            "surprise": self.surprise,
            "strength": self.strength,
        }
        if self.selection is not None:
            d["selection"] = self.selection
        if self.instruction:
            d["instruction"] = self.instruction
        if self.params:
            d["params"] = dict(self.params)
        return d


class RoundMaker:
    """Makes one work's rounds (see the module docstring)."""

    def __init__(self, work: Work) -> None:
        self.work = work
        self.studio = work.studio
        self.round_no = 0  # the number of the round being made (set per try)

    # -- the kinds of round -------------------------------------------------------------
    def propose(self, request: Request, progress: Progress | None = None) -> list[Artifact]:
        """A round building on what the person liked, or on ``request.parents``."""

        def make(s: WorkState, rng: np.random.Generator) -> list[dict[str, Any]]:
            partner = self.studio._partner(s)
            feedback = self._feedback(s, request)
            restored = None if request.parents else s.restored()
            if request.parents:
                anchors = [self.work._resolve(p) for p in request.parents]
            elif restored is not None:  # the person went back there: the round builds on it
                anchors = [restored]
            else:
                anchors = self.anchors(s, feedback, request.by)
            if getattr(partner, "round_kind", "pool") == "direct":
                return self._direct(s, partner, request, anchors, feedback, rng, progress)
            size = max(self.studio.pool_size or partner.pool_size, 3 * request.n)
            pool = self._pool(
                s,
                _as_asked(partner, request),
                anchors,
                size,
                rng,
                request.surprise,
                request.strength,
                only_children=bool(request.parents) or restored is not None,
            )
            if request.operator not in PLAIN_OPERATORS:  # what the partner's own operator made
                spec = operator_spec(request.operator, partner.name)
                for c in pool:
                    c.operator = request.operator
                    of = f" of {c.parents[0][:8]}" if c.parents else ""
                    c.note = f"{request.operator}{of}: {spec.description}"
            asked = request if request.parents else _with(request, parents=())
            return self._show(s, partner, pool, asked, rng, progress, feedback=feedback)

        return self._commit(request, make)

    def crossover(self, request: Request, progress: Progress | None = None) -> list[Artifact]:
        a, b = request.parents

        def make(s: WorkState, rng: np.random.Generator) -> list[dict[str, Any]]:
            partner = self.studio._partner(s)
            if "cross" not in partner.capabilities:
                raise InputError(f"partner {partner.name!r} cannot cross two artifacts")
            genomes = [self._genome(s, partner, i, rng) for i in (a, b)]
            pool = []
            for _ in range(max(3 * request.n, 12)):
                seed = int(rng.integers(2**31))
                g = partner.cross(genomes[0], genomes[1], np.random.default_rng(seed))
                pool.append(Candidate(g, Operator.CROSS, (a, b), seed))
            return self._show(s, partner, pool, request, rng, progress)

        return self._commit(request, make)

    def interpolate(self, request: Request, progress: Progress | None = None) -> list[Artifact]:
        a, b = request.parents
        steps = request.n

        def make(s: WorkState, rng: np.random.Generator) -> list[dict[str, Any]]:
            partner = self.studio._partner(s)
            if "interpolate" not in partner.capabilities:
                raise InputError(f"partner {partner.name!r} cannot interpolate two artifacts")
            ga, gb = (self._genome(s, partner, i, rng) for i in (a, b))
            pool = []
            for k in range(1, steps + 1):
                t = k / (steps + 1)
                c = Candidate(
                    partner.interpolate(ga, gb, t), Operator.INTERPOLATE, (a, b), 0, strength=t
                )
                c.note = f"{round(t * 100)}% of the way between them"
                pool.append(c)
            return self._show(s, partner, pool, request, rng, progress, keep_order=True)

        return self._commit(request, make)

    # -- what a round builds on -----------------------------------------------------------
    def anchors(self, s: WorkState, feedback: Feedback, person: str) -> list[str]:
        """What the next pool builds on: the strategy's say, from the latest likes."""
        liked = s.liked()
        strategy = self.studio.strategy_for(self.work.id, person)
        choose = getattr(strategy, "anchors", None)
        if choose is None:
            return liked[:4]
        rejected = s.rejected()
        candidates = [
            i
            for i, a in s.artifacts.items()
            if i in feedback.features and i not in rejected and a.get("role") != "reference"
        ]
        with model_threads():  # a custom strategy's model work is limited as the built-in's
            return list(choose(liked, candidates, feedback, self.work.id))[:4]

    def _feedback(self, s: WorkState, request: Request) -> Feedback:
        """The taste that steers: the asker's, across their works of the domain."""
        return self.studio.feedback(request.by, s.domain, self.work.id)

    def _genome(
        self, s: WorkState, partner: Partner, artifact_id: str, rng: np.random.Generator
    ) -> dict:
        """The genome behind an artifact; a person's material is adopted by the partner."""
        a = s.artifacts[artifact_id]
        if a.get("recipe") and a["recipe"].get("genome") is not None:
            return a["recipe"]["genome"]
        try:
            return partner.adopt(self.studio.media.get(a["content_hash"]), a["media_type"], rng)
        except Unsupported:
            raise InputError(
                f"partner {partner.name!r} cannot build on a person's material "
                f"(artifact {artifact_id[:8]})"
            ) from None
        except InvalidContent as exc:
            raise InputError(
                f"partner {partner.name!r} cannot build on artifact {artifact_id[:8]}: {exc}"
            ) from None

    def _buildable(self, s: WorkState, partner: Partner, artifact_id: str) -> bool:
        """Whether the partner can build on the artifact (a genome, or material it reads)."""
        a = s.artifacts[artifact_id]
        if (a.get("recipe") or {}).get("genome") is not None:
            return True
        return reads(partner, a["media_type"]) and "adopt" in partner.capabilities

    def _pool(
        self,
        s: WorkState,
        partner: Partner,
        anchors: list[str],
        size: int,
        rng: np.random.Generator,
        surprise: float,
        strength: float | None,
        *,
        only_children: bool,
    ) -> list[Candidate]:
        anchors = [a for a in anchors if s.artifacts[a].get("role") != "reference"]
        if not only_children:  # the person's files the partner cannot read stay out of the pool
            anchors = [a for a in anchors if self._buildable(s, partner, a)]
        genomes: dict[str, dict] = {}
        adopted: set[str] = set()
        for a in anchors:
            genomes[a] = self._genome(s, partner, a, rng)
            if not (s.artifacts[a].get("recipe") or {}).get("genome"):
                adopted.add(a)
        return make_pool(
            partner,
            genomes,
            size,
            rng,
            surprise=surprise,
            strength=strength,
            only_children=only_children,
            intention=s.intention,
            adopted=adopted,
        )

    # -- choosing and rendering -------------------------------------------------------------
    def _context(
        self, s: WorkState, request: Request, feedback: Feedback, rng: np.random.Generator
    ) -> ProposalContext:
        seen_ids = [i for ids in s.rounds.values() for i in ids]
        seen = np.array(
            [s.artifacts[i]["features"] for i in seen_ids if s.artifacts[i].get("features")],
            dtype=float,
        )
        return ProposalContext(
            work_id=self.work.id,
            creator=request.by,
            domain=s.domain,
            intention=s.intention,
            round=self.round_no,
            n=request.n,
            surprise=request.surprise,
            feedback=feedback,
            seen=seen.reshape(len(seen), -1) if len(seen) else np.empty((0, 0)),
            rng=rng,
        )

    def _describe(
        self, partner: Partner, pool: list[Candidate], progress: Progress | None, total: int
    ) -> None:
        """Every candidate's features, in one call to the partner for those still missing."""
        todo = [c for c in pool if c.features is None]
        many = getattr(partner, "describe_many", None)
        if todo and callable(many):
            rows = np.asarray(many([c.genome for c in todo]), dtype=float)
            for c, row in zip(todo, rows, strict=True):
                c.features = row
            tick(progress, len(pool), total)
            return
        for k, c in enumerate(pool):
            if c.features is None:
                c.features = np.asarray(partner.describe(c.genome), dtype=float)
            tick(progress, k + 1, total)

    def _show(
        self,
        s: WorkState,
        partner: Partner,
        pool: list[Candidate],
        request: Request,
        rng: np.random.Generator,
        progress: Progress | None,
        *,
        keep_order: bool = False,
        feedback: Feedback | None = None,
        rendered: Mapping[int, bytes] | None = None,
    ) -> list[dict[str, Any]]:
        n = request.n
        total = len(pool) + min(n, len(pool))
        self._describe(partner, pool, progress, total)
        round_no = self.round_no
        if keep_order:
            picks = [Pick(index=i, reason="") for i in range(min(n, len(pool)))]
        else:
            if feedback is None:
                feedback = self._feedback(s, request)
            ctx = self._context(s, request, feedback, rng)
            with model_threads():
                picks = self.studio.strategy_for(self.work.id, request.by).select(pool, ctx)
        labels = {i: i[:8] for i in s.artifacts}
        info = partner.info()
        whose = "" if request.by == s.creator else request.by
        artifacts = []
        for k, pick in enumerate(picks):
            c = pool[pick.index]
            content = (rendered or {}).get(pick.index)
            if content is None:
                content = partner.render(c.genome)
            params = dict(info.params)
            if c.params:
                params.update(c.params)
            recipe = Recipe(
                partner=info.name,
                partner_version=info.version,
                model_id=info.model_id,
                operator=c.operator,
                seed=c.seed,
                genome=c.genome,
                strength=c.strength,
                params=params,
            )
            reason = describe_candidate(c, labels)
            if pick.reason:
                reason = f"{reason}; {pick.reason}"
            if whose:
                reason = reason.replace("your taste", f"{whose}'s taste")
            artifacts.append(
                new_artifact(
                    self.studio.media.put(content),
                    content,
                    media_type=partner.media_type,
                    origin=Origin.AI,
                    author=info.name,
                    operator=c.operator,
                    parents=c.parents,
                    features=[float(x) for x in c.features],  # type: ignore[union-attr]
                    reason=reason,
                    recipe=recipe.to_dict(),
                    round_no=round_no,
                    extra={
                        "predicted": bool(pick.predicted),
                        "score": pick.score,
                        "taste_of": request.by,
                        **({"away": True} if pick.away else {}),
                    },
                )
            )
            tick(progress, len(pool) + k + 1, total)
        return artifacts

    def _direct(
        self,
        s: WorkState,
        partner: Partner,
        request: Request,
        anchors: list[str],
        feedback: Feedback,
        rng: np.random.Generator,
        progress: Progress | None,
    ) -> list[dict[str, Any]]:
        """A round the partner generates itself: N made, steered by the strategy, ordered."""
        ctx = self._context(s, request, feedback, rng)
        strategy = self.studio.strategy_for(self.work.id, request.by)
        steer = getattr(strategy, "steer", None)
        steering = dict(steer(ctx)) if callable(steer) else {}
        genomes = {a: self._genome(s, partner, a, rng) for a in anchors}
        if s.draft is not None or reads_units(s):
            draft = s.draft if s.draft is not None else s.new_draft()
            genomes["draft"] = {"version": s.draft_version, "content": draft.to_dict()}
            if hasattr(draft, "text"):
                genomes["draft"]["text"] = draft.text
            genomes["draft"]["intention"] = s.intention.brief
        made = partner.generate(request, genomes, request.n, rng, steering)  # type: ignore[attr-defined]
        if len(made) != request.n:
            raise InputError(
                f"partner {partner.name!r} made {len(made)} proposals, not the {request.n} asked"
            )
        pool = []
        for c in made:
            c.params = {**steering, **(c.params or {})}
            pool.append(c)
        tick(progress, 0, 2 * len(pool))
        return self._show(s, partner, pool, request, rng, progress, feedback=feedback)

    # -- recording ------------------------------------------------------------------------
    def _commit(
        self,
        request: Request,
        make: Callable[[WorkState, np.random.Generator], list[dict[str, Any]]],
    ) -> list[Artifact]:
        """Make the round on the work as it is now and record it, again if it went stale."""
        operator_spec(request.operator)  # an unknown operator is bad input, before any work
        strategy_lock = self.studio._strategy_slot(self.work.id, request.by)[1]
        for _ in range(ROUND_RETRIES):
            s = self.work._s
            with self.studio._lock:  # the state as of one instant: its last event and round
                seq, round_no = s.last_seq, s.last_round() + 1
            self.round_no = round_no
            rng = self.studio._round_rng(self.work.id, round_no)
            with strategy_lock:
                artifacts = make(s, rng)
            actor = partner_actor(self.studio._partner(s).info().name)
            asked = ev.RoundRequested(round=round_no, taste_of=request.by, **request.to_dict())
            records = [(request.by, asked)] + [(actor, ev.ArtifactProposed(a)) for a in artifacts]
            items = [(self.work.id, r.kind, who, r.to_payload()) for who, r in records]
            try:
                self.studio._append_many(items, expect=Expect(self.work.id, seq, ROUND_KINDS))
            except Conflict:
                continue  # another process made a round of this work: make it on the new state
            return [self.work.artifact(a["id"]) for a in artifacts]
        raise Conflict(
            f"work {self.work.id[:8]} kept changing while a round was made "
            f"({ROUND_RETRIES} tries): try again"
        )


class _Asked:
    """The partner as one request asks it: its ``fresh`` and ``vary`` carry the request."""

    def __init__(self, partner: Partner, request: Request) -> None:
        self._partner, self._request = partner, request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._partner, name)

    @property
    def capabilities(self) -> frozenset[str]:
        """No crossovers: a pool made for a request holds what the request asked for."""
        return frozenset(self._partner.capabilities - {"cross"})

    def fresh(self, rng: np.random.Generator, intention: Any = None) -> Any:
        return self._call(self._partner.fresh_request, self._request, rng, intention)

    def vary(self, genome: Any, strength: float, rng: np.random.Generator) -> Any:
        return self._call(self._partner.vary_request, genome, self._request, strength, rng)

    @staticmethod
    def _call(method: Callable[..., Any], *args: Any) -> Any:
        try:
            return method(*args)
        except Unsupported as exc:  # the request asks what the partner cannot do: bad input
            raise InputError(str(exc)) from None


def _as_asked(partner: Partner, request: Request) -> Partner:
    """The partner itself for a plain request, else one that hands it the request."""

    plain = request.operator in PLAIN_OPERATORS and request.selection is None and not request.params
    return partner if plain else _Asked(partner, request)  # type: ignore[return-value]


def _with(request: Request, **changes: Any) -> Request:
    from dataclasses import replace

    return replace(request, **changes)


def new_artifact(
    content_hash: str,
    content: bytes,
    *,
    media_type: str,
    origin: Origin,
    author: str,
    operator: str,
    parents: Sequence[str],
    features: Sequence[float],
    reason: str,
    recipe: dict | None = None,
    round_no: int | None = None,
    extra: Mapping | None = None,
) -> dict[str, Any]:
    """An artifact's record as the ledger stores it (``Artifact.from_dict`` reads it back)."""
    d = {
        "id": new_id(),
        "media_type": media_type,
        "content_hash": content_hash,
        "size": len(content),
        "origin": str(origin),
        "author": author,
        "operator": str(operator),
        "parents": list(parents),
        "created_at": now(),
        "recipe": recipe,
        "round": round_no,
        "reason": reason,
        "features": list(features),
        "edits": {},
        "predicted": False,
    }
    d.update(extra or {})
    return d


def reads_units(s: WorkState) -> bool:
    """Whether the work's content is units (a text, a score) rather than one whole file."""
    from .content import WholeContentModel, content_model_for

    return not isinstance(
        content_model_for(s.media_type or "application/x-unknown"), WholeContentModel
    )


def reads(partner: Partner, media_type: str) -> bool:
    """Whether the partner can read a file of ``media_type`` (its own, or one it accepts)."""
    return media_type == partner.media_type or media_type in partner.accepts


def tick(progress: Progress | None, done: int, total: int) -> None:
    from .errors import Cancelled

    if progress is not None and progress(done, total) is False:
        raise Cancelled("generation was cancelled")
