"""The person's judgments and steering: choose, reject, rate, rank, compare, skip, note, undo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ...errors import InputError
from ..context import AppContext
from ..presenters import artifact_out, judgment_out, work_out
from ..problems import ERRORS
from ..schemas import (
    ActorIn,
    ArtifactOut,
    JudgmentIn,
    JudgmentOut,
    RestoreIn,
    ReviseIn,
    SurpriseIn,
    UndoOut,
    WorkOut,
)


def router(ctx: AppContext) -> APIRouter:
    api = APIRouter()

    @api.post(
        "/api/works/{work_id}/judgments",
        response_model=JudgmentOut,
        status_code=201,
        tags=["telling"],
        responses=ERRORS,
    )
    def judge(work_id: str, body: JudgmentIn) -> JudgmentOut:
        """Choose, reject, rate, rank (best/worst), compare, skip or note."""
        work = ctx.work(work_id)
        by, k = body.by, body.kind

        def need(field: str, value: Any) -> Any:
            if value is None or value == "":
                raise InputError(f"a {k} judgment needs '{field}'")
            return value

        if k == "choose":
            j = work.choose(need("artifact", body.artifact), among=body.among, by=by)
        elif k == "reject":
            j = work.reject(need("artifact", body.artifact), by=by)
        elif k == "rate":
            j = work.rate(need("artifact", body.artifact), need("rating", body.rating), by=by)
        elif k == "rank":
            j = work.rank(
                need("artifact", body.artifact), need("other", body.other), among=body.among, by=by
            )
        elif k == "compare":
            j = work.compare(need("artifact", body.artifact), need("other", body.other), by=by)
        elif k == "skip":
            j = work.skip(body.artifact or None, by=by)
        else:
            j = work.note(need("artifact", body.artifact), body.text, by=by)
        return judgment_out(j)

    @api.post(
        "/api/works/{work_id}/undo", response_model=UndoOut, tags=["telling"], responses=ERRORS
    )
    def undo(work_id: str, body: ActorIn) -> UndoOut:
        """Undo the actor's latest act with a compensating event (the history keeps both)."""
        work = ctx.work(work_id)
        target = work.undo(by=body.by)
        kind = next((e.payload.get("kind", "") for e in reversed(work.events())), "")
        return UndoOut(undone=target, kind=kind)

    @api.post(
        "/api/works/{work_id}/restore",
        response_model=ArtifactOut,
        tags=["telling"],
        responses=ERRORS,
    )
    def restore(work_id: str, body: RestoreIn) -> ArtifactOut:
        """Go back to any node: the next round builds on it."""
        work = ctx.work(work_id)
        return artifact_out(work.restore(body.artifact, by=body.by), ctx.marks(work))

    @api.post(
        "/api/works/{work_id}/surprise", response_model=WorkOut, tags=["telling"], responses=ERRORS
    )
    def set_surprise(work_id: str, body: SurpriseIn) -> WorkOut:
        """Set the surprise dial for the rounds to come."""
        work = ctx.work(work_id)
        work.set_surprise(body.surprise, by=body.by)
        return work_out(work)

    @api.post(
        "/api/works/{work_id}/intention",
        response_model=WorkOut,
        tags=["telling"],
        responses=ERRORS,
    )
    def revise(work_id: str, body: ReviseIn) -> WorkOut:
        """Revise the intention; earlier rounds keep the one they were made under."""
        work = ctx.work(work_id)
        work.revise(body.intention.model_dump(), by=body.by)
        return work_out(work)

    return api
