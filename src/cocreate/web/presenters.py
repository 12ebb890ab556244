"""How the API shows the domain: artifacts, judgments, works and partners as response models."""

from __future__ import annotations

import dataclasses
import enum
import io
import re
from collections.abc import Mapping
from typing import Any

from .. import partners as partner_registry
from ..errors import (
    InputError,
    NotFound,
)
from ..model import Artifact, EventKind, Judgment, JudgmentKind, Origin
from ..session import Work
from .schemas import (
    ArtifactOut,
    EditParam,
    JudgmentOut,
    Mark,
    PartnerOut,
    WorkOut,
)

TEXT_PREVIEW = {"text/plain", "text/markdown", "application/json"}
PREVIEW_CHARS = 20_000

_RANGE = re.compile(r"\((-?\d+(?:\.\d+)?)\s*(?:\.\.|to)\s*(-?\d+(?:\.\d+)?)")


_GUESS = [("degrees", (-180.0, 180.0)), ("fraction", (-1.0, 1.0)), ("factor", (0.1, 4.0))]


def edit_schema(cls: type) -> list[EditParam]:
    """The partner's ``edit_params`` typed for form controls.

    A parametric partner declares its space (floats, ints, choices), and its
    edits set values; others describe their adjustments in words, from which
    a range ``(lo..hi)`` or ``one of a, b, c`` is read.
    """
    params = dict(getattr(cls, "edit_params", {}) or {})
    space = getattr(cls, "space", None)
    declared = {p.name: p for p in getattr(space, "params", ())}
    out = []
    for name, desc in params.items():
        p = declared.get(name)
        if p is not None and hasattr(p, "options"):
            opts = list(p.options)
            out.append(
                EditParam(
                    name=name,
                    description=desc,
                    type="choice",
                    options=opts,
                    default=opts[0],
                    absolute=True,
                )
            )
            continue
        if p is not None and hasattr(p, "low"):
            kind = "float" if isinstance(p.low, float) or isinstance(p.high, float) else "int"
            out.append(
                EditParam(
                    name=name,
                    description=desc,
                    type=kind,
                    low=p.low,
                    high=p.high,
                    default=p.low,
                    absolute=True,
                )
            )
            continue
        m = re.search(r"one of ([\w\-]+(?:\s*,\s*[\w\-]+)+)", desc)
        if m:
            opts = [o.strip() for o in m.group(1).split(",")]
            out.append(
                EditParam(name=name, description=desc, type="choice", options=opts, default=opts[0])
            )
            continue
        default = 1.0 if "factor" in desc else 0.0
        m = _RANGE.search(desc)
        if m and float(m.group(1)) < float(m.group(2)):
            lo, hi = float(m.group(1)), float(m.group(2))
            default = min(max(default, lo), hi)
            out.append(
                EditParam(
                    name=name, description=desc, type="float", low=lo, high=hi, default=default
                )
            )
        else:  # no stated range: a sensible one for the slider, any number accepted
            lo, hi = next(
                (r for word, r in _GUESS if word in desc),
                (None, None),
            )
            kind = "float" if lo is not None else "number"
            out.append(
                EditParam(name=name, description=desc, type=kind, low=lo, high=hi, default=default)
            )
    return out


def partner_out(cls: type) -> PartnerOut:
    inst = cls()
    info = inst.info()
    return PartnerOut(
        name=info.name,
        domain=info.domain,
        media_type=info.media_type,
        model_id=info.model_id,
        version=info.version,
        source_type=info.source_type,
        capabilities=sorted(inst.capabilities),
        edit_params=dict(getattr(cls, "edit_params", {}) or {}),
        edit_schema=edit_schema(cls),
        accepts=list(getattr(cls, "accepts", ()) or ()),
    )


def work_partner(work: Work) -> PartnerOut:
    try:
        return partner_out(partner_registry.get(work.partner_name))
    except InputError:  # the partner's package is gone: show what the ledger knows
        return PartnerOut(
            name=work.partner_name,
            domain=work.domain,
            media_type="",
            model_id="",
            version="",
            source_type="",
            capabilities=[],
            edit_params={},
            accepts=[],
        )


def content_url(a: Artifact) -> str:
    return f"/api/works/{a.work_id}/artifacts/{a.id}/content"


def thumbnail_url(work_id: str, artifact_id: str, size: int = 96) -> str:
    return f"/api/works/{work_id}/artifacts/{artifact_id}/thumbnail?size={size}"


def thumbnail(a: Artifact, size: int) -> tuple[bytes, str]:
    """A small picture of ``a`` at most ``size`` pixels a side: (bytes, media type).

    A raster image is scaled down to a PNG (never up: a small one is sent as it
    is); an SVG is its own thumbnail, since the browser scales it without loss
    (and an ``<img>`` never runs its scripts). Text, audio and the rest have
    none (``NotFound``): the page shows their words or a slot instead.
    """
    if a.media_type == "image/svg+xml":
        return a.content, a.media_type
    if not a.media_type.startswith("image/"):
        raise NotFound(f"a {a.media_type} artifact has no thumbnail")
    from PIL import Image

    try:
        with Image.open(io.BytesIO(a.content)) as im:
            if a.media_type == "image/png" and max(im.size) <= size:
                return a.content, "image/png"
            im.seek(0)
            small = im.convert(
                "RGBA" if "A" in im.getbands() or "transparency" in im.info else "RGB"
            )
            small.thumbnail((size, size), Image.Resampling.LANCZOS)
    except (OSError, ValueError) as exc:  # stored bytes a decoder refuses: no picture
        raise NotFound(f"no thumbnail for this {a.media_type}: {exc}") from None
    buf = io.BytesIO()
    small.save(buf, format="PNG", compress_level=6)
    return buf.getvalue(), "image/png"


def marks_by_artifact(judgments: list[Judgment]) -> dict[str, list[Mark]]:
    out: dict[str, list[Mark]] = {}
    for j in judgments:
        if j.undone:
            continue
        if j.artifact:
            role = {JudgmentKind.RANK: "best", JudgmentKind.COMPARE: "won"}.get(j.kind, "")
            out.setdefault(j.artifact, []).append(
                Mark(
                    kind=str(j.kind),
                    actor=j.actor,
                    judgment=j.id,
                    rating=j.rating,
                    text=j.text,
                    role=role,
                )
            )
        if j.other:
            role = "worst" if j.kind is JudgmentKind.RANK else "lost"
            out.setdefault(j.other, []).append(
                Mark(kind=str(j.kind), actor=j.actor, judgment=j.id, role=role)
            )
    return out


def _genome_params(a: Artifact) -> dict[str, Any] | None:
    g = a.genome
    p = g.get("params") if isinstance(g, Mapping) else None
    if not isinstance(p, Mapping):
        return None
    return {str(k): v for k, v in p.items() if isinstance(v, str | int | float | bool)}


def artifact_out(a: Artifact, marks: Mapping[str, list[Mark]] | None = None) -> ArtifactOut:
    text = None
    if a.media_type in TEXT_PREVIEW:
        text = a.content[: PREVIEW_CHARS * 4].decode("utf-8", "replace")[:PREVIEW_CHARS]
    return ArtifactOut(
        id=a.id,
        work_id=a.work_id,
        media_type=a.media_type,
        size=a.size,
        origin=str(a.origin),
        author=a.author,
        operator=str(a.operator),
        parents=list(a.parents),
        created_at=a.created_at,
        round=a.round,
        reason=a.reason,
        seed=a.seed,
        strength=a.recipe.strength if a.recipe else None,
        edits=dict(a.edits),
        predicted=a.predicted,
        params=_genome_params(a),
        content_url=content_url(a),
        text=text,
        marks=list((marks or {}).get(a.id, [])),
    )


def judgment_out(j: Judgment) -> JudgmentOut:
    return JudgmentOut(
        id=j.id,
        kind=str(j.kind),
        actor=j.actor,
        at=j.at,
        artifact=j.artifact,
        other=j.other,
        among=list(j.among),
        rating=j.rating,
        text=j.text,
        round=j.round,
        undone=j.undone,
    )


def work_out(work: Work) -> WorkOut:
    rounds = work.rounds()
    cur = work.current()
    current = cur.id if cur else None
    thumb_id = current
    if thumb_id is None and rounds:
        thumb_id = rounds[max(rounds)][0]
    thumbnail = f"/api/works/{work.id}/artifacts/{thumb_id}/content" if thumb_id else None
    return WorkOut(
        id=work.id,
        title=work.title,
        domain=work.domain,
        creator=work.creator,
        intention=work.intention.to_dict(),
        surprise=work.surprise,
        created_at=work.created_at,
        partner=work_partner(work),
        rounds=sorted(rounds),
        last_round=max(rounds, default=0),
        current=current,
        artifact_count=len(work.artifacts()),
        thumbnail=thumbnail,
    )


# -- the app ------------------------------------------------------------------------------


def jsonable(obj: Any) -> Any:
    """Plain JSON data from the session's records (dataclasses, enums, ``to_dict``)."""
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    if isinstance(obj, enum.Enum):
        return obj.value
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: jsonable(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if not f.name.startswith("_")
        }
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    return str(obj)


# -- the visual history ---------------------------------------------------------------------

#: Why a node of the history is kept in view, in the order the page names them.
KEPT = ("current", "chosen", "edited", "contributed", "restored", "best", "preferred", "liked")


def has_sidecar(media_type: str) -> bool:
    """Whether a signed export of this type comes as the file and a ``.c2pa`` sidecar."""
    try:
        from ..authorship.credentials import EXTENSIONS, can_embed
    except ImportError:  # no authorship module: no signed exports at all
        return False
    return media_type in EXTENSIONS and not can_embed(media_type)


def _restored(work: Work) -> set[str]:
    """Artifacts the person went back to (restores not undone since)."""
    events = work.events()
    undone = {e.payload.get("target") for e in events if e.kind == EventKind.UNDONE}
    return {
        str(e.payload.get("artifact"))
        for e in events
        if e.kind == EventKind.RESTORED and e.id not in undone
    }


def _why(a: Artifact, judgments: tuple[Judgment, ...], current: str | None) -> list[str]:
    why = []
    if a.id == current:
        why.append("current")
    for j in judgments:
        if j.undone:
            continue
        if j.kind is JudgmentKind.CHOOSE and j.artifact == a.id:
            why.append("chosen")
        elif j.kind is JudgmentKind.RANK and j.artifact == a.id:
            why.append("best")
        elif j.kind is JudgmentKind.COMPARE and j.artifact == a.id:
            why.append("preferred")
        elif j.kind is JudgmentKind.RATE and (j.rating or 0) >= 4:
            why.append("liked")
    if a.origin is Origin.HUMAN:
        why.append("edited" if str(a.operator) == "edit" else "contributed")
    return why


def lineage(work: Work) -> dict[str, Any]:
    """The history as the page draws it: what was kept in view, the rest folded.

    A node is *kept* when it was chosen, edited, contributed, restored, judged
    best or preferred, rated 4★ or more, or is the current one; the ancestors
    of a kept node are kept too, so that the graph stays connected. The rest
    of each round is folded into its round's kept node (or a row of its own
    when the round kept nothing), only listed.

    ``items`` come oldest first, as rows of a lineage graph: each kept node
    sits in a ``lane``; a node's first kept child continues its lane and any
    later one branches into a lane of its own, so a long run of picks, each
    built on the last, is one straight line however many rounds it has.
    A row says which lanes pass ``through`` it, which ``forks`` leave its node,
    and whether its lane goes on ``up`` and ``down``. Lanes are reused once
    their line has ended, so the graph is only as wide as the branching.
    """
    history = work.history()
    nodes = history.nodes
    order = {i: k for k, i in enumerate(nodes)}  # creation order
    current = history.current
    restored = _restored(work)
    why: dict[str, list[str]] = {}
    for i, n in nodes.items():
        reasons = _why(n.artifact, n.judgments, current)
        if i in restored:
            reasons.insert(1 if reasons[:1] == ["current"] else 0, "restored")
        if reasons and (n.active or i == current):
            why[i] = reasons
    shown: set[str] = set()
    for i in why:
        shown.update(history.lineage(i))
    kept = sorted(shown, key=order.__getitem__)

    # chains: runs of first kept children; a later kept child starts a chain at its parent's row
    chain_of: dict[str, int] = {}
    chains: list[dict[str, Any]] = []
    for i in kept:
        parents = [p for p in nodes[i].artifact.parents if p in shown]
        parent = parents[0] if parents else None
        first_child = (
            parent is not None
            and next(c for c in kept if nodes[c].artifact.parents[:1] == (parent,)) == i
        )
        if parent is not None and first_child:
            chain = chains[chain_of[parent]]
        else:
            start = order[parent] if parent is not None else order[i]
            chain = {"start": start, "end": order[i], "lane": 0}
            chains.append(chain)
        chain["end"] = order[i]
        chain_of[i] = chains.index(chain)
    ends: list[int] = []  # per lane: the row its last line ended at
    for chain in sorted(chains, key=lambda c: c["start"]):
        lane = next((k for k, e in enumerate(ends) if e < chain["start"]), len(ends))
        if lane == len(ends):
            ends.append(chain["end"])
        ends[lane] = chain["end"]
        chain["lane"] = lane

    def brief(i: str) -> dict[str, Any]:
        n = nodes[i]
        a = n.artifact
        out: dict[str, Any] = {
            "id": a.id,
            "round": a.round,
            "operator": str(a.operator),
            "author": a.author,
            "origin": str(a.origin),
            "media_type": a.media_type,
            "reason": a.reason,
            "parents": list(a.parents),
            "status": n.status,
            "active": n.active,
            "sidecar": has_sidecar(a.media_type),
        }
        if a.media_type in TEXT_PREVIEW:
            out["text"] = a.content[:400].decode("utf-8", "replace")
        return out

    def passing(at: int, own: dict[str, Any] | None = None) -> list[int]:
        return sorted(c["lane"] for c in chains if c is not own and c["start"] < at < c["end"])

    # the rest of each round: folded into its last kept node, else a row of its own
    folded: dict[object, list[str]] = {}
    for i in nodes:
        if i not in shown:
            number = nodes[i].artifact.round
            folded.setdefault(number if number is not None else ("solo", i), []).append(i)
    home: dict[object, str] = {}
    for i in kept:
        if nodes[i].artifact.round is not None:
            home[nodes[i].artifact.round] = i
    rows: list[tuple[int, dict[str, Any]]] = []
    for i in kept:
        chain = chains[chain_of[i]]
        at = order[i]
        number = nodes[i].artifact.round
        members = folded.get(number, []) if number is not None and home.get(number) == i else []
        rows.append(
            (
                at,
                {
                    "type": "node",
                    **brief(i),
                    "why": why.get(i, []),
                    "lane": chain["lane"],
                    "up": chain["start"] < at,
                    "down": chain["end"] > at,
                    "through": passing(at, chain),
                    "forks": sorted(
                        c["lane"] for c in chains if c is not chain and c["start"] == at
                    ),
                    "folded": [brief(m) for m in members],
                },
            )
        )
    for key, members in folded.items():
        if key in home:
            continue
        at = order[members[0]]
        rows.append(
            (
                at,
                {
                    "type": "fold",
                    "round": None if isinstance(key, tuple) else key,
                    "through": passing(at),
                    "folded": [brief(m) for m in members],
                },
            )
        )
    rows.sort(key=lambda r: r[0])
    return {
        "work_id": work.id,
        "current": current,
        "total": len(nodes),
        "kept": len(kept),
        "lanes": len(ends),
        "items": [r for _, r in rows],
    }
