"""Making rounds: at once for scripts, or as a background job the page polls and may cancel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ...errors import InputError, NotFound
from ...session import Work, person_id
from ..context import AppContext
from ..jobs import TooBusy
from ..presenters import artifact_out
from ..problems import ERRORS
from ..schemas import ActorIn, GenerateIn, JobOut, Problem, RoundOut


def generation(work: Work, body: GenerateIn) -> Any:
    """What making the round asks of the work, checked before anything starts."""
    by = person_id(body.by)  # the round is recorded as theirs, and their taste steers it
    kind = body.kind
    for ref in body.parents or ():
        work.artifact(ref)  # unknown parents are bad input now, not a failed job later
    if kind == "propose":
        return lambda progress: work.propose(
            body.n,
            surprise=body.surprise,
            parents=body.parents or None,
            strength=body.strength,
            progress=progress,
            by=by,
        )
    if kind == "variations":
        target = body.artifact or (body.parents[0] if body.parents else None)
        if not target:
            raise InputError("variations need the artifact to vary ('artifact')")
        work.artifact(target)
        strength = 0.3 if body.strength is None else body.strength
        return lambda progress: work.variations(
            target, body.n, strength=strength, progress=progress, by=by
        )
    if not (body.a and body.b):
        raise InputError(f"{kind} needs two artifacts, 'a' and 'b'")
    work.artifact(body.a), work.artifact(body.b)
    if kind == "crossover":
        return lambda progress: work.crossover(body.a, body.b, body.n, progress=progress, by=by)
    return lambda progress: work.interpolate(body.a, body.b, body.n, progress=progress, by=by)


def router(ctx: AppContext) -> APIRouter:
    api = APIRouter()

    @api.post(
        "/api/works/{work_id}/proposals",
        response_model=RoundOut,
        tags=["generating"],
        responses=ERRORS,
    )
    def generate_now(work_id: str, body: GenerateIn) -> RoundOut:
        """Make a round and wait for it (scripts); the page uses ``/jobs`` for progress."""
        work = ctx.work(work_id)
        run = generation(work, body)
        ctx.claim(work.id)
        try:
            artifacts = run(None)
        finally:
            ctx.release(work.id)
        return RoundOut(
            work_id=work.id,
            round=artifacts[0].round if artifacts else 0,
            artifacts=[artifact_out(a) for a in artifacts],
            skipped=False,
        )

    @api.post(
        "/api/works/{work_id}/jobs",
        response_model=JobOut,
        status_code=202,
        tags=["generating"],
        responses={**ERRORS, 429: {"model": Problem, "description": "Too many running"}},
    )
    def start_job(work_id: str, body: GenerateIn) -> JobOut:
        """Start making a round in the background; poll ``/api/jobs/{id}``, cancel with POST."""
        work = ctx.work(work_id)
        run = generation(work, body)
        ctx.claim(work.id)

        def guarded(progress: Any) -> Any:
            try:
                return run(progress)
            finally:
                ctx.release(work.id)

        try:
            job = ctx.jobs.start(work.id, body.kind, body.by, guarded)
        except TooBusy:
            ctx.release(work.id)
            raise
        return JobOut(**job.to_dict())

    @api.get("/api/jobs/{job_id}", response_model=JobOut, tags=["generating"], responses=ERRORS)
    def read_job(job_id: str) -> JobOut:
        job = ctx.jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r} (finished jobs are kept for a while only)")
        return JobOut(**job.to_dict())

    @api.post(
        "/api/jobs/{job_id}/cancel", response_model=JobOut, tags=["generating"], responses=ERRORS
    )
    def cancel_job(job_id: str, body: ActorIn) -> JobOut:
        """Ask a running job to stop; nothing of it is stored."""
        person_id(body.by)
        job = ctx.jobs.cancel(job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r}")
        job.finished.wait(timeout=5)
        return JobOut(**job.to_dict())

    return api
