"""Who made what: an attribution report computed from the ledger alone.

Two kinds of share are computed and combined under a declared ``Policy``:

* **content** — what the artifact is made of. A per-media-type *unitizer*
  cuts the content into ``Unit`` s, each with exactly one origin (AI or
  human) and one contributor, whose weights sum to 1. For images and designs
  the units are the steps of the recipe (AI generation, a person's material,
  a person's parametric edits or file edits); text (characters) and music
  (notes) plug their own unitizers in with ``register_unitizer``.
* **decisions** — the acts that steered the work: the intention, each
  selection among the N candidates shown (with the set), rankings,
  comparisons, rejections, ratings, edits, contributions, restores,
  arrangement, and the partner's own curation of what it showed.

Only acts still in force count: an undone judgment, edit or contribution
drops out, so undo restores the previous attribution.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..model import (
    AI_PREFIX,
    SOURCE_PREFIX,
    Artifact,
    Event,
    EventKind,
    JudgmentKind,
    Operator,
    Origin,
    is_person,
    operator_of,
    partner_actor,
)
from ..state import WorkState
from .errors import NoFinalVersion
from .policy import Policy

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"

ARTIFACT_EVENTS = (
    EventKind.ARTIFACT_PROPOSED,
    EventKind.ARTIFACT_CONTRIBUTED,
    EventKind.ARTIFACT_EDITED,
)


def origin_of_actor(actor: str) -> Origin:
    """A person, an AI partner (``ai:``) or an imported source (``source:``)."""
    if actor.startswith(SOURCE_PREFIX):
        return Origin.SOURCE
    return Origin.HUMAN if is_person(actor) else Origin.AI


def source_type_uri(source_type: str) -> str:
    """The full IPTC digital source type URI for a short name (or a URI already)."""
    if source_type.startswith("http"):
        return source_type
    return IPTC + (source_type or "algorithmicMedia")


# -- units and decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One unit of content with exactly one origin and one contributor.

    ``kind`` is the unit's grain: ``generation``, ``material``,
    ``parametric-edit``, ``file-edit`` for recipe-level units; later
    ``character`` or ``note``. ``source`` is the artifact that introduced it.
    """

    kind: str
    origin: Origin
    contributor: str
    weight: float
    source: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "origin": str(self.origin),
            "contributor": self.contributor,
            "weight": self.weight,
            "source": self.source,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Decision:
    """One act that steered the work, with its weight under the policy."""

    kind: str  # intention, selection, rank, comparison, rejection, rating, edit, ...
    actor: str
    weight: float
    event_id: str
    artifact: str | None = None
    among: tuple[str, ...] = ()
    detail: str = ""

    @property
    def origin(self) -> Origin:
        return origin_of_actor(self.actor)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "actor": self.actor,
            "origin": str(self.origin),
            "weight": self.weight,
            "event_id": self.event_id,
            "artifact": self.artifact,
            "among": list(self.among),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Contributor:
    """A person or an AI partner, with their shares of the artifact."""

    id: str
    kind: str  # "person" or "ai"
    name: str
    content_share: float
    decision_share: float
    share: float
    roles: tuple[str, ...] = ()
    legal_name: str = ""
    pro: str = ""
    ipi: str = ""
    model_id: str = ""
    version: str = ""
    source_type: str = ""
    more_than_de_minimis: bool = False

    @property
    def is_person(self) -> bool:
        return self.kind == "person"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "share": self.share,
            "content_share": self.content_share,
            "decision_share": self.decision_share,
            "roles": list(self.roles),
        }
        if self.is_person:
            d.update(legal_name=self.legal_name, pro=self.pro, ipi=self.ipi)
        else:
            d.update(
                model_id=self.model_id,
                version=self.version,
                source_type=source_type_uri(self.source_type),
                more_than_de_minimis=self.more_than_de_minimis,
            )
        return d


# -- the lineage and unitizers ----------------------------------------------------------


@dataclass
class Lineage:
    """What a unitizer may read: the work's folded state, the policy, the partners."""

    state: WorkState
    policy: Policy
    load: Callable[[str], bytes]
    partner_info: Mapping[str, Any] = field(default_factory=dict)

    def artifact(self, artifact_id: str) -> Mapping[str, Any] | None:
        return self.state.artifacts.get(artifact_id)

    def ancestors(self, artifact_id: str) -> list[str]:
        """``artifact_id`` and every artifact it derives from, oldest first."""
        seen: dict[str, None] = {}
        stack = [artifact_id]
        while stack:
            i = stack.pop()
            if i in seen or i not in self.state.artifacts:
                continue
            seen[i] = None
            stack.extend(self.state.artifacts[i].get("parents") or ())
        order = {a: k for k, a in enumerate(self.state.artifacts)}
        return sorted(seen, key=lambda a: order[a])


class Unitizer(Protocol):
    """Cuts an artifact's content into units, each of one origin; weights sum to 1."""

    def units(self, lineage: Lineage, artifact_id: str) -> list[Unit]: ...


class RecipeUnitizer:
    """Recipe-level units: each lineage step adds new content, the rest is inherited.

    The policy says how much each step adds (see ``Policy``). Used for images
    and designs, and for any media type without a finer unitizer.
    """

    def units(self, lineage: Lineage, artifact_id: str) -> list[Unit]:
        memo: dict[str, dict[tuple[str, str, str, str, str], float]] = {}
        shares = self._shares(lineage, artifact_id, memo, ())
        units = [
            Unit(kind=k, origin=Origin(o), contributor=c, weight=w, source=s, detail=d)
            for (k, o, c, s, d), w in shares.items()
            if w > 0
        ]
        order = {a: n for n, a in enumerate(lineage.state.artifacts)}
        units.sort(key=lambda u: (order.get(u.source, 0), u.kind))
        return units

    def _shares(
        self,
        lineage: Lineage,
        i: str,
        memo: dict[str, dict[tuple[str, str, str, str, str], float]],
        path: tuple[str, ...],
    ) -> dict[tuple[str, str, str, str, str], float]:
        if i in memo:
            return memo[i]
        a = lineage.state.artifacts[i]
        p = lineage.policy
        op = operator_of(a["operator"])
        parents = [x for x in a.get("parents") or () if x in lineage.state.artifacts]
        parents = [x for x in parents if x not in path and x != i]
        out: dict[tuple[str, str, str, str, str], float] = {}
        human = Origin(a["origin"]) is Origin.HUMAN
        contributor = a["author"] if human else partner_actor(a["author"])
        recipe = a.get("recipe") or {}
        strength = recipe.get("strength")

        def own(kind: str, share: float, detail: str) -> None:
            key = (kind, str(Origin.HUMAN if human else Origin.AI), contributor, i, detail)
            out[key] = out.get(key, 0.0) + share

        def inherit(share: float, weights: list[tuple[str, float]]) -> None:
            total = sum(w for _, w in weights)
            for parent, w in weights:
                if total <= 0 or w <= 0:
                    continue
                for key, v in self._shares(lineage, parent, memo, (*path, i)).items():
                    out[key] = out.get(key, 0.0) + share * v * w / total

        if op is Operator.CONTRIBUTE or (human and op is not Operator.EDIT):
            own("material", 1.0, "own material")
        elif op is Operator.EDIT:
            edits = a.get("edits") or {}
            if edits:
                new, kind = p.parametric_edit, "parametric-edit"
                detail = "adjusted " + ", ".join(sorted(str(k) for k in edits))
            else:
                new, kind, detail = p.file_edit, "file-edit", "edited the file"
            if not parents:
                new = 1.0
            own(kind, new, detail)
            inherit(1.0 - new, [(x, 1.0) for x in parents[:1]])
        else:  # an AI step
            partner = a["author"]
            if not parents or op is Operator.FRESH:
                own("generation", 1.0, f"generated by {partner}")
            elif op is Operator.VARY:
                s = p.variation_default if strength is None else float(strength)
                s = min(1.0, max(p.variation_min, s))
                own("generation", s, f"variation by {partner} (strength {s:g})")
                inherit(1.0 - s, [(parents[0], 1.0)])
            elif op is Operator.CROSS:
                own("generation", p.cross_novelty, f"crossover by {partner}")
                inherit(1.0 - p.cross_novelty, [(x, 1.0) for x in parents])
            elif op is Operator.INTERPOLATE:
                t = 0.5 if strength is None else min(1.0, max(0.0, float(strength)))
                own("generation", p.interpolate_novelty, f"interpolation by {partner}")
                ends = [(parents[0], 1.0 - t), (parents[-1], t)] if len(parents) > 1 else []
                inherit(1.0 - p.interpolate_novelty, ends or [(parents[0], 1.0)])
            else:  # ADOPT, or an operator a partner registered: it says what it adds
                new = _novelty(op, p, partner)
                own("generation", new, f"{op} by {partner}")
                inherit(1.0 - new, [(x, 1.0) for x in parents])
        total = sum(out.values())
        if total > 0 and abs(total - 1.0) > 1e-12:
            out = {k: v / total for k, v in out.items()}
        memo[i] = out
        return out


def _novelty(op: str, p: Policy, partner: str = "") -> float:
    """The new share of an operator a partner registered (an adoption's when it says none)."""
    from ..errors import UnknownOperator
    from ..operators import operator_spec

    try:
        novelty = operator_spec(op, partner).novelty
    except UnknownOperator:  # recorded by a partner that is not installed here
        novelty = None
    return p.adopt_novelty if novelty is None else float(novelty)


_UNITIZERS: dict[str, Unitizer] = {}
_DEFAULT_UNITIZER = RecipeUnitizer()


def register_unitizer(media_type: str, unitizer: Unitizer) -> None:
    """Use ``unitizer`` for ``media_type`` (``"text/plain"``) or a family (``"text/*"``)."""
    _UNITIZERS[media_type] = unitizer


def unitizer_for(media_type: str) -> Unitizer:
    family = media_type.split("/", 1)[0] + "/*"
    return _UNITIZERS.get(media_type) or _UNITIZERS.get(family) or _DEFAULT_UNITIZER


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribution:
    """Who contributed what to one artifact of a work, and by which policy."""

    work_id: str
    title: str
    domain: str
    artifact_id: str
    media_type: str
    content_sha256: str
    event_id: str  # the ledger event that recorded the artifact
    event_hash: str
    policy: Policy
    lineage: tuple[str, ...]
    units: tuple[Unit, ...]
    decisions: tuple[Decision, ...]
    contributors: tuple[Contributor, ...]
    intention: str = ""

    # -- derived views ------------------------------------------------------------
    @property
    def people(self) -> list[Contributor]:
        return [c for c in self.contributors if c.is_person]

    @property
    def ai_partners(self) -> list[Contributor]:
        return [c for c in self.contributors if c.kind == "ai"]

    @property
    def sources(self) -> list[Contributor]:
        """Imported sources whose material is in the artifact (a corpus, a book)."""
        return [c for c in self.contributors if c.kind == "source"]

    def content_by_origin(self) -> dict[str, float]:
        out = {str(Origin.AI): 0.0, str(Origin.HUMAN): 0.0}
        if any(u.origin is Origin.SOURCE for u in self.units):
            out[str(Origin.SOURCE)] = 0.0
        for u in self.units:
            out[str(u.origin)] += u.weight
        return out

    def content_by_kind(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for u in self.units:
            out[u.kind] = out.get(u.kind, 0.0) + u.weight
        return out

    def decisions_by_origin(self) -> dict[str, float]:
        out = {str(Origin.AI): 0.0, str(Origin.HUMAN): 0.0, str(Origin.SOURCE): 0.0}
        total = sum(d.weight for d in self.decisions)
        for d in self.decisions:
            out[str(d.origin)] += d.weight / total if total else 0.0
        return out

    @property
    def ai_content_share(self) -> float:
        return self.content_by_origin()[str(Origin.AI)]

    @property
    def human_content_share(self) -> float:
        return self.content_by_origin()[str(Origin.HUMAN)]

    @property
    def ai_more_than_de_minimis(self) -> bool:
        return self.ai_content_share > self.policy.de_minimis

    def shares(self) -> dict[str, float]:
        """Combined share per contributor id (sums to 1)."""
        return {c.id: c.share for c in self.contributors}

    def selections(self) -> list[Decision]:
        return [d for d in self.decisions if d.kind in ("selection", "rank")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "work_id": self.work_id,
            "title": self.title,
            "domain": self.domain,
            "intention": self.intention,
            "artifact": {
                "id": self.artifact_id,
                "media_type": self.media_type,
                "sha256": self.content_sha256,
                "event_id": self.event_id,
                "event_hash": self.event_hash,
            },
            "policy": self.policy.to_dict(),
            "lineage": list(self.lineage),
            "content": {
                "by_origin": self.content_by_origin(),
                "by_kind": self.content_by_kind(),
                "units": [u.to_dict() for u in self.units],
            },
            "decisions": {
                "by_origin": self.decisions_by_origin(),
                "items": [d.to_dict() for d in self.decisions],
            },
            "contributors": [c.to_dict() for c in self.contributors],
            "ai_more_than_de_minimis": self.ai_more_than_de_minimis,
        }

    def __str__(self) -> str:
        lines = [
            f"Attribution of {self.artifact_id[:8]} ({self.media_type}) in {self.title!r}",
            f"  content: {self.human_content_share:.0%} human, {self.ai_content_share:.0%} AI"
            + ("  (AI portion more than de minimis)" if self.ai_more_than_de_minimis else ""),
        ]
        for c in self.contributors:
            what = f"{c.model_id} {c.version}" if not c.is_person else ", ".join(c.roles)
            lines.append(
                f"  {c.share:6.1%}  {c.name or c.id} [{c.kind}] "
                f"content {c.content_share:.0%}, decisions {c.decision_share:.0%} — {what}"
            )
        lines.append(f"  policy {self.policy.name} v{self.policy.version}")
        return "\n".join(lines)


# -- computing it ------------------------------------------------------------------------------


def resolve_artifact(work: Any, artifact: Artifact | str | None) -> Artifact:
    """The artifact meant: the given one, or the work's current version."""
    if artifact is None:
        current = work.current()
        if current is None:
            raise NoFinalVersion(
                f"work {work.id[:8]} has no final version yet: choose, contribute or edit "
                "something first, or name the artifact"
            )
        return current
    return work.artifact(artifact)


def artifact_event(state: WorkState, artifact_id: str) -> Event:
    """The ledger event that recorded an artifact."""
    for e in state.events:
        if e.kind in ARTIFACT_EVENTS and (e.payload.get("artifact") or {}).get("id") == artifact_id:
            return e
    raise NoFinalVersion(f"no ledger event records artifact {artifact_id[:8]}")  # pragma: no cover


def work_partner_info(state: WorkState) -> dict[str, Any]:
    for e in state.events:
        if e.kind == EventKind.WORK_CREATED:
            return dict(e.payload.get("partner_info") or {})
    return {}


def attribution(
    work: Any, artifact: Artifact | str | None = None, policy: Policy | dict | None = None
) -> Attribution:
    """The attribution report of ``artifact`` (default: the work's current version)."""
    pol = Policy.coerce(policy)
    a = resolve_artifact(work, artifact)
    state: WorkState = work._s
    lineage = Lineage(state, pol, work.studio.media.get, work_partner_info(state))
    units = tuple(unitizer_for(a.media_type).units(lineage, a.id))
    ancestors = lineage.ancestors(a.id)
    decisions = tuple(_decisions(state, pol, set(ancestors)))
    contributors = tuple(_contributors(work, lineage, units, decisions))
    event = artifact_event(state, a.id)
    return Attribution(
        work_id=work.id,
        title=state.title,
        domain=state.domain,
        artifact_id=a.id,
        media_type=a.media_type,
        content_sha256=a.content_hash,
        event_id=event.id,
        event_hash=event.hash,
        policy=pol,
        lineage=tuple(ancestors),
        units=units,
        decisions=decisions,
        contributors=contributors,
        intention=state.intention.brief,
    )


def draft_attribution(work: Any, policy: Policy | dict | None = None) -> Attribution:
    """Who made the work's draft (a text, a score): its units counted by origin.

    Every character or note counts the same; the decisions are every act in
    force in the work (the draft has no lineage of nodes: all of it is one
    document). The report names the draft by its version and the event that
    last changed it.
    """
    import hashlib

    pol = Policy.coerce(policy)
    state: WorkState = work._s
    draft = state.draft
    counts = draft.count_by_origin()
    total = sum(counts.values())
    grain = "character" if hasattr(draft, "text") else "note"
    units = tuple(
        sorted(
            (
                Unit(
                    kind=grain,
                    origin=origin_of_actor(o.actor),
                    contributor=o.actor,
                    weight=n / total,
                    source=f"draft@{state.draft_version}",
                    detail=f"{n} {grain}s" + (f", seed {o.seed}" if o.seed is not None else ""),
                )
                for o, n in counts.items()
            ),
            key=lambda u: -u.weight,
        )
    )
    lineage = Lineage(state, pol, work.studio.media.get, work_partner_info(state))
    decisions = tuple(_decisions(state, pol, set(state.artifacts)))
    contributors = tuple(_contributors(work, lineage, units, decisions))
    body = draft.text.encode() if grain == "character" else repr(draft.to_dict()).encode()
    event = next(e for e in reversed(state.events) if e.seq <= state.draft_version)
    return Attribution(
        work_id=work.id,
        title=state.title,
        domain=state.domain,
        artifact_id=f"draft@{state.draft_version}",
        media_type=state.media_type,
        content_sha256=hashlib.sha256(body).hexdigest(),
        event_id=event.id,
        event_hash=event.hash,
        policy=pol,
        lineage=(),
        units=units,
        decisions=decisions,
        contributors=contributors,
        intention=state.intention.brief,
    )


def _bits(n: int) -> float:
    """The information in picking one of ``n`` (a pick from one still counts half a bit)."""
    return math.log2(n) if n > 1 else 0.5


def _decisions(state: WorkState, p: Policy, lineage: set[str]) -> Iterable[Decision]:
    by_id = {e.id: e for e in state.events}
    rounds_of_lineage = {state.round_of(i) for i in lineage} - {None}
    # the intention and its revisions still in force
    for k, (event_id, intent) in enumerate(state.intentions):
        e = by_id.get(event_id)
        actor = e.actor if e is not None else state.creator
        yield Decision(
            kind="intention" if k == 0 else "intention-revision",
            actor=actor,
            weight=p.intention if k == 0 else p.intention_revision,
            event_id=event_id,
            detail=intent.brief[:200],
        )
    # the partner's curation of each round that showed a lineage artifact
    for r in sorted(rounds_of_lineage):
        ids = state.rounds.get(r, [])
        if not ids:
            continue
        first = state.artifacts[ids[0]]
        event_id = next(
            (
                e.id
                for e in state.events
                if e.kind == EventKind.ARTIFACT_PROPOSED and e.payload["artifact"]["id"] == ids[0]
            ),
            "",
        )
        yield Decision(
            kind="curation",
            actor=partner_actor(first["author"]),
            weight=p.ai_curation,
            event_id=event_id,
            among=tuple(ids),
            detail=f"round {r}: showed {len(ids)} candidates",
        )
    # a person directing a round: which artifacts to vary, cross or blend
    for r in sorted(rounds_of_lineage):
        req = state.requests.get(r)  # type: ignore[arg-type]
        if not req or not req.get("parents"):
            continue
        names = " and ".join(str(i)[:8] for i in req["parents"])
        yield Decision(
            "arrangement",
            req["actor"],
            p.arrangement,
            req["event"],
            detail=f"round {r}: asked for {req['operator']} of {names}",
        )
    acts = sorted(state.acts.values(), key=lambda a: a.seq)
    for act in acts:
        if act.undone_by is not None:
            continue
        e = by_id.get(act.event_id)
        j = state.judgments.get(act.event_id)
        if j is not None:
            d = _judgment_decision(j, p, lineage, rounds_of_lineage, state)
            if d is not None:
                yield d
            continue
        if act.subject not in lineage:
            continue
        if act.kind == EventKind.ARTIFACT_CONTRIBUTED:
            role = (state.artifacts[act.subject].get("role")) or "material"
            yield Decision(
                "contribution",
                act.actor,
                p.contribution,
                act.event_id,
                act.subject,
                detail=f"brought in own {role}",
            )
        elif act.kind == EventKind.ARTIFACT_EDITED:
            edits = state.artifacts[act.subject].get("edits") or {}
            detail = "adjusted " + ", ".join(sorted(edits)) if edits else "edited the file"
            yield Decision("edit", act.actor, p.edit, act.event_id, act.subject, detail=detail)
        elif act.kind == EventKind.RESTORED and e is not None:
            yield Decision(
                "restore",
                act.actor,
                p.restore,
                act.event_id,
                act.subject,
                detail="went back to this version",
            )


def _judgment_decision(
    j: Any, p: Policy, lineage: set[str], rounds: set[int | None], state: WorkState
) -> Decision | None:
    among = tuple(j.among)
    touches = j.artifact in lineage or j.other in lineage or bool(lineage & set(among))
    if j.kind is JudgmentKind.CHOOSE and j.artifact in lineage:
        n = len(among) or 1
        return Decision(
            "selection",
            j.actor,
            p.selection_per_bit * _bits(n),
            j.id,
            j.artifact,
            among,
            f"chose 1 of {n}",
        )
    if j.kind is JudgmentKind.RANK and touches:
        n = max(len(among), 2)
        return Decision(
            "rank",
            j.actor,
            p.rank_per_bit * math.log2(n * (n - 1)),
            j.id,
            j.artifact,
            among,
            f"best and worst of {n}",
        )
    if j.kind is JudgmentKind.COMPARE and touches:
        return Decision(
            "comparison", j.actor, p.comparison, j.id, j.artifact, among, "preferred one of two"
        )
    if j.kind is JudgmentKind.REJECT and (touches or (j.round is not None and j.round in rounds)):
        return Decision("rejection", j.actor, p.rejection, j.id, j.artifact, among, "rejected")
    if j.kind is JudgmentKind.RATE and j.artifact in lineage:
        return Decision(
            "rating", j.actor, p.rating, j.id, j.artifact, (), f"rated {j.rating} stars"
        )
    return None


_ROLES = {
    "intention": "creative direction",
    "intention-revision": "creative direction",
    "selection": "selection",
    "rank": "selection",
    "comparison": "selection",
    "rejection": "selection",
    "rating": "selection",
    "restore": "selection",
    "edit": "modification",
    "contribution": "own material",
    "arrangement": "arrangement",
    "curation": "curation",
    "generation": "generation",
    "material": "own material",
    "parametric-edit": "modification",
    "file-edit": "modification",
}


def _contributors(
    work: Any, lineage: Lineage, units: tuple[Unit, ...], decisions: tuple[Decision, ...]
) -> list[Contributor]:
    p = lineage.policy
    content: dict[str, float] = {}
    roles: dict[str, dict[str, None]] = {}
    for u in units:
        content[u.contributor] = content.get(u.contributor, 0.0) + u.weight
        roles.setdefault(u.contributor, {})[_ROLES.get(u.kind, u.kind)] = None
    weights: dict[str, float] = {}
    for d in decisions:
        weights[d.actor] = weights.get(d.actor, 0.0) + d.weight
        if d.weight > 0:
            roles.setdefault(d.actor, {})[_ROLES.get(d.kind, d.kind)] = None
    total_decisions = sum(weights.values())
    ids = sorted(set(content) | set(weights))
    cw, dw = p.content_weight, (p.decision_weight if total_decisions > 0 else 0.0)
    if cw + dw <= 0:  # only decisions weigh, and there are none: content decides
        cw, dw = 1.0, 0.0
    out = []
    for cid in ids:
        c = content.get(cid, 0.0)
        d = weights.get(cid, 0.0) / total_decisions if total_decisions > 0 else 0.0
        share = (cw * c + dw * d) / (cw + dw)
        if cid.startswith(SOURCE_PREFIX):
            out.append(
                Contributor(
                    id=cid,
                    kind="source",
                    name=cid[len(SOURCE_PREFIX) :],
                    content_share=c,
                    decision_share=d,
                    share=share,
                    roles=("source material",),
                )
            )
        elif is_person(cid):
            profile = work.studio.creator(cid)
            out.append(
                Contributor(
                    id=cid,
                    kind="person",
                    name=profile.name or profile.legal_name or cid,
                    legal_name=profile.legal_name,
                    pro=profile.pro,
                    ipi=profile.ipi,
                    content_share=c,
                    decision_share=d,
                    share=share,
                    roles=tuple(_ordered_roles(roles.get(cid, {}))),
                )
            )
        else:
            info = _ai_info(lineage, cid[len(AI_PREFIX) :])
            out.append(
                Contributor(
                    id=cid,
                    kind="ai",
                    name=info.get("name", cid[len(AI_PREFIX) :]),
                    model_id=str(info.get("model_id", "")),
                    version=str(info.get("version", "")),
                    source_type=str(info.get("source_type", "algorithmicMedia")),
                    content_share=c,
                    decision_share=d,
                    share=share,
                    roles=tuple(_ordered_roles(roles.get(cid, {}))),
                    more_than_de_minimis=c > p.de_minimis,
                )
            )
    out.sort(key=lambda c: (not c.is_person, -c.share, c.id))
    return out


_ROLE_ORDER = [
    "creative direction",
    "own material",
    "selection",
    "modification",
    "arrangement",
    "generation",
    "curation",
]


def _ordered_roles(roles: Mapping[str, None]) -> list[str]:
    return sorted(roles, key=lambda r: _ROLE_ORDER.index(r) if r in _ROLE_ORDER else 99)


def _ai_info(lineage: Lineage, name: str) -> dict[str, Any]:
    info: dict[str, Any] = {}
    if lineage.partner_info.get("name") == name:
        info.update(lineage.partner_info)
    for a in reversed(list(lineage.state.artifacts.values())):
        r = a.get("recipe") or {}
        if r.get("partner") == name:
            info.setdefault("model_id", r.get("model_id", ""))
            info.setdefault("version", r.get("partner_version", ""))
            break
    if "source_type" not in info:
        try:
            from ..partners import registry

            info["source_type"] = registry.get(name).source_type
        except Exception:
            info["source_type"] = "algorithmicMedia"
    info.setdefault("name", name)
    return info
