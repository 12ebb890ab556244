"""How the API shows the domain: artifacts, judgments, works and partners as response models."""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping
from typing import Any

from .. import partners as partner_registry
from ..errors import (
    InputError,
)
from ..model import Artifact, Judgment, JudgmentKind
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
