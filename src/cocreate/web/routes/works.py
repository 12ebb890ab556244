"""Works and what they hold: rounds, artifacts and their bytes, history, judgments, events, taste."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ...errors import InputError, NotFound
from ...model import JudgmentKind
from ...session import person_id
from ..context import AppContext
from ..presenters import TEXT_PREVIEW, artifact_out, content_url, jsonable, judgment_out, work_out
from ..problems import ERRORS
from ..schemas import ActorIn, ArtifactOut, EventOut, JudgmentOut, RoundOut, WorkIn, WorkOut


def router(ctx: AppContext) -> APIRouter:
    api = APIRouter()

    @api.get("/api/works", response_model=list[WorkOut], tags=["works"])
    def list_works(
        creator: Annotated[str | None, Query(max_length=200)] = None,
        domain: Annotated[str | None, Query(max_length=100)] = None,
    ) -> list[WorkOut]:
        """Every work, newest first, optionally of one creator or domain."""
        return [work_out(w) for w in reversed(ctx.studio.works(creator=creator, domain=domain))]

    @api.post(
        "/api/works", response_model=WorkOut, status_code=201, tags=["works"], responses=ERRORS
    )
    def create_work(body: WorkIn) -> WorkOut:
        """Start a work: a domain, a partner (the domain's default if none), an intention."""
        work = ctx.studio.create_work(
            domain=body.domain,
            creator=body.creator,
            intention=body.intention.model_dump(),
            partner=body.partner or None,
            title=body.title,
            surprise=body.surprise,
        )
        return work_out(work)

    @api.get("/api/works/{work_id}", response_model=WorkOut, tags=["works"], responses=ERRORS)
    def read_work(work_id: str) -> WorkOut:
        return work_out(ctx.work(work_id))

    @api.get(
        "/api/works/{work_id}/rounds/{number}",
        response_model=RoundOut,
        tags=["works"],
        responses=ERRORS,
    )
    def read_round(work_id: str, number: int) -> RoundOut:
        """The proposals shown in a round; 0 means the latest."""
        work = ctx.work(work_id)
        rounds = work.rounds()
        number = max(rounds, default=0) if number == 0 else number
        if number not in rounds:
            if number == 0:
                return RoundOut(work_id=work.id, round=0, artifacts=[], skipped=False)
            raise NotFound(f"work {work.id[:8]} has no round {number}")
        marks = ctx.marks(work)
        skipped = any(
            j.kind is JudgmentKind.SKIP and j.artifact is None and j.round == number
            for j in work.judgments(include_undone=False)
        )
        return RoundOut(
            work_id=work.id,
            round=number,
            artifacts=[artifact_out(a, marks) for a in work.round(number)],
            skipped=skipped,
        )

    @api.get(
        "/api/works/{work_id}/artifacts",
        response_model=list[ArtifactOut],
        tags=["works"],
        responses=ERRORS,
    )
    def list_artifacts(
        work_id: str,
        origin: Literal["ai", "human"] | None = None,
        active: bool | None = None,
    ) -> list[ArtifactOut]:
        """Every artifact of the work (oldest first), optionally by origin or activity."""
        work = ctx.work(work_id)
        marks = ctx.marks(work)
        out = []
        for a in work.artifacts():
            if origin is not None and str(a.origin) != origin:
                continue
            if active is not None and work.is_active(a) != active:
                continue
            out.append(artifact_out(a, marks))
        return out

    @api.get(
        "/api/works/{work_id}/artifacts/{artifact_id}",
        response_model=ArtifactOut,
        tags=["works"],
        responses=ERRORS,
    )
    def read_artifact(work_id: str, artifact_id: str) -> ArtifactOut:
        work = ctx.work(work_id)
        return artifact_out(ctx.artifact(work, artifact_id), ctx.marks(work))

    @api.get(
        "/api/works/{work_id}/artifacts/{artifact_id}/content",
        tags=["works"],
        responses={**ERRORS, 200: {"description": "The artifact's bytes"}},
        response_class=Response,
    )
    def read_content(
        work_id: str,
        artifact_id: str,
        size: Annotated[int | None, Query(ge=16, le=2048)] = None,
        download: bool = False,
    ) -> Response:
        """The artifact's bytes; ``size`` renders it again from its recipe at that size."""
        work = ctx.work(work_id)
        a = ctx.artifact(work, artifact_id)
        data = a.content if size is None else work.render(a.id, size)
        headers = {
            "Cache-Control": "private, max-age=31536000, immutable",
            # An uploaded SVG could carry script: never let it run as a page.
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        }
        if download:
            ext = {
                "image/png": "png",
                "image/svg+xml": "svg",
                "text/plain": "txt",
                "text/markdown": "md",
                "application/json": "json",
                "image/jpeg": "jpg",
                "audio/midi": "mid",
            }.get(a.media_type, "bin")
            headers["Content-Disposition"] = f'attachment; filename="{a.id[:12]}.{ext}"'
        return Response(data, media_type=a.media_type, headers=headers)

    @api.get(
        "/api/works/{work_id}/history",
        tags=["works"],
        responses=ERRORS,
        response_model=dict[str, Any],
    )
    def read_history(work_id: str, recipes: bool = True) -> dict[str, Any]:
        """The branching tree of everything proposed, contributed and edited, with depths.

        ``recipes=false`` leaves out each node's recipe (most of the bytes of a long
        work's tree; ``/artifacts/{id}`` has it): the page's History tab asks so.
        """
        work = ctx.work(work_id)
        history = work.history()
        d = history.to_dict()
        by_id = {n["id"]: n for n in d["nodes"]}
        order = []
        for depth, node in history.walk():
            n = by_id[node.artifact.id]
            n["depth"] = depth
            if not recipes:
                n.pop("recipe", None)
            n["content_url"] = content_url(node.artifact)
            if node.artifact.media_type in TEXT_PREVIEW:
                n["text"] = node.artifact.content[:2000].decode("utf-8", "replace")
            order.append(n)
        d["nodes"] = order
        d["judgments"] = [judgment_out(j).model_dump() for j in work.judgments()]
        return d

    @api.get(
        "/api/works/{work_id}/judgments",
        response_model=list[JudgmentOut],
        tags=["works"],
        responses=ERRORS,
    )
    def list_judgments(work_id: str, include_undone: bool = True) -> list[JudgmentOut]:
        work = ctx.work(work_id)
        return [judgment_out(j) for j in work.judgments(include_undone=include_undone)]

    @api.get(
        "/api/works/{work_id}/events",
        response_model=list[EventOut],
        tags=["works"],
        responses=ERRORS,
    )
    def list_events(work_id: str) -> list[EventOut]:
        """The work's ledger entries, oldest first."""
        work = ctx.work(work_id)
        return [
            EventOut(
                seq=e.seq,
                id=e.id,
                kind=e.kind,
                actor=e.actor,
                at=e.at,
                payload=jsonable(e.payload),
                hash=e.hash,
            )
            for e in work.events()
        ]

    @api.get(
        "/api/works/{work_id}/attunement",
        tags=["works"],
        responses=ERRORS,
        response_model=dict[str, Any],
    )
    def read_attunement(work_id: str, scope: Literal["work", "creator"] = "work") -> dict[str, Any]:
        """How often the partner foresaw the pick: running accuracy against chance."""
        work = ctx.work(work_id)
        if scope == "creator":
            return jsonable(ctx.studio.attunement(work.creator, work.domain))
        return jsonable(work.attunement())

    @api.get(
        "/api/works/{work_id}/taste",
        tags=["works"],
        responses=ERRORS,
        response_model=dict[str, Any],
    )
    def read_taste(work_id: str) -> dict[str, Any]:
        """What the partner has learned of the work's creator's taste in its domain (export)."""
        work = ctx.work(work_id)
        return jsonable(ctx.studio.taste(work.creator, work.domain))

    @api.post(
        "/api/works/{work_id}/taste/reset",
        tags=["works"],
        responses=ERRORS,
        response_model=dict[str, Any],
    )
    def reset_taste(work_id: str, body: ActorIn) -> dict[str, Any]:
        """Forget the creator's taste in the work's domain; the ledger keeps the judgments."""
        work = ctx.work(work_id)
        if person_id(body.by) != work.creator:
            raise InputError(f"only {work.creator} can reset their own taste, not {body.by}")
        ctx.studio.reset_taste(work.creator, work.domain)
        return jsonable(ctx.studio.taste(work.creator, work.domain))

    return api
