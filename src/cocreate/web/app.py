"""The web studio: one JSON API under ``/api`` and a single page that uses it.

The API is a thin layer over :class:`cocreate.Studio` and :class:`cocreate.Work`,
so the Python API, the CLI and the web never disagree. Every act names its
actor (``by``); errors are JSON ``{"detail": ..., "error": ...}`` with a 4xx
status for anything the caller got wrong.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from .. import __version__
from .. import partners as partner_registry
from ..errors import (
    Cancelled,
    CocreateError,
    ForeignArtifact,
    InputError,
    InvalidContent,
    LedgerIntegrityError,
    MissingExtra,
    NotFound,
    NothingToUndo,
    StorageError,
)
from ..media import KNOWN_TYPES, MAX_CONTENT_BYTES, sniff
from ..model import Artifact, JudgmentKind
from ..session import MAX_PROPOSALS, Studio, Work, person_id
from .jobs import Jobs, TooBusy
from .presenters import (
    TEXT_PREVIEW,
    artifact_out,
    content_url,
    judgment_out,
    marks_by_artifact,
    partner_out,
    work_out,
    work_partner,
)
from .schemas import (
    ActorIn,
    ArtifactOut,
    CreatorOut,
    EditIn,
    EventOut,
    GenerateIn,
    JobOut,
    JudgmentIn,
    JudgmentOut,
    Mark,
    MetaOut,
    PartnerOut,
    Problem,
    RestoreIn,
    ReviseIn,
    RoundOut,
    SurpriseIn,
    UndoOut,
    VerifyOut,
    WorkIn,
    WorkOut,
)

STATIC = Path(__file__).parent / "static"
UPLOAD_TYPES = sorted(KNOWN_TYPES)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Bad input; nothing was stored"},
    404: {"model": Problem, "description": "No such work, artifact or job"},
    409: {"model": Problem, "description": "Conflicts with the state of the work"},
    422: {"model": Problem, "description": "The request does not match the schema"},
}


class Conflict(CocreateError):
    """The act conflicts with what is going on (e.g. a round is already being made)."""


class Unavailable(CocreateError):
    """A feature whose module is not installed or not written yet."""


def _status(exc: Exception) -> int:
    if isinstance(exc, TooBusy):
        return 429
    if isinstance(exc, NothingToUndo | Cancelled | Conflict):
        return 409
    if isinstance(exc, InvalidContent) and "over the limit" in str(exc):
        return 413
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, MissingExtra | Unavailable):
        return 501
    if isinstance(exc, StorageError | LedgerIntegrityError):
        return 503
    return 500


def _problem(status: int, detail: str, error: str = "") -> JSONResponse:
    return JSONResponse({"detail": detail, "error": error}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is malformed"


def _safe_filename(name: str, fallback: str = "download") -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(str(name)).name).strip(".-")
    return name[:120] or fallback


def _jsonable(obj: Any) -> Any:
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    if isinstance(obj, enum.Enum):
        return obj.value
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return _jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: _jsonable(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if not f.name.startswith("_")
        }
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    return str(obj)


def _authorship() -> Any:
    try:
        from .. import authorship
    except ImportError as exc:
        raise Unavailable(f"attribution and export are not available yet: {exc}") from None
    if not all(hasattr(authorship, f) for f in ("attribution", "export")):
        raise Unavailable("attribution and export are not available yet")
    return authorship


def _formats() -> list[str]:
    try:
        formats = _authorship().FORMATS
    except (Unavailable, AttributeError):
        return []
    if isinstance(formats, Mapping):
        return [str(k) for k in formats]
    return [str(f) for f in formats]


# -- converting the session's records to the API's ----------------------------------------


def create_app(
    studio: Studio,
    *,
    max_upload_bytes: int = MAX_CONTENT_BYTES,
    max_running_jobs: int = 4,
) -> FastAPI:
    """The web studio over ``studio``: the JSON API under ``/api`` and the page at ``/``."""
    app = FastAPI(
        title="cocreate studio",
        version=__version__,
        description=(
            "The JSON API of the cocreate web studio. A person states an intention, AI "
            "partners propose variants, the person judges and makes; every act is an "
            "event of a hash-chained ledger. Every act names its actor in `by`."
        ),
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.studio = studio
    jobs = Jobs(max_running=max_running_jobs)
    app.state.jobs = jobs
    busy: set[str] = set()  # works with a round being made
    busy_lock = threading.Lock()
    limit = min(int(max_upload_bytes), MAX_CONTENT_BYTES)

    # -- errors -------------------------------------------------------------------------
    @app.exception_handler(CocreateError)
    async def _cocreate_error(request: Request, exc: CocreateError) -> JSONResponse:
        return _problem(_status(exc), str(exc) or type(exc).__name__, type(exc).__name__)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _problem(422, _validation_message(exc), "RequestValidationError")

    @app.middleware("http")
    async def _guard(request: Request, call_next: Any) -> Response:
        # No login yet, so refuse writes that another web site's page makes in the
        # person's browser: a cross-origin request carries a foreign Origin header.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            host = request.headers.get("host", "")
            if origin and origin != "null" and origin.split("://", 1)[-1] != host:
                return _problem(403, "cross-origin writes are refused", "Forbidden")
        try:
            response = await call_next(request)
        except Exception as exc:  # never an HTML traceback
            return _problem(500, f"internal error: {type(exc).__name__}", "InternalError")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    # -- helpers ------------------------------------------------------------------------
    def get_work(work_id: str) -> Work:
        return studio.work(work_id)

    def get_artifact(work: Work, artifact_id: str) -> Artifact:
        try:
            return work.artifact(artifact_id)
        except ForeignArtifact as exc:
            raise NotFound(str(exc)) from None

    def marks_of(work: Work) -> dict[str, list[Mark]]:
        return marks_by_artifact(work.judgments(include_undone=False))

    def generation(work: Work, body: GenerateIn) -> Any:
        person_id(body.by)
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
            )
        if kind == "variations":
            target = body.artifact or (body.parents[0] if body.parents else None)
            if not target:
                raise InputError("variations need the artifact to vary ('artifact')")
            work.artifact(target)
            strength = 0.3 if body.strength is None else body.strength
            return lambda progress: work.variations(
                target, body.n, strength=strength, progress=progress
            )
        if not (body.a and body.b):
            raise InputError(f"{kind} needs two artifacts, 'a' and 'b'")
        work.artifact(body.a), work.artifact(body.b)
        if kind == "crossover":
            return lambda progress: work.crossover(body.a, body.b, body.n, progress=progress)
        return lambda progress: work.interpolate(body.a, body.b, body.n, progress=progress)

    def claim(work_id: str) -> None:
        with busy_lock:
            if work_id in busy:
                raise Conflict("a round is already being made for this work; wait or cancel it")
            busy.add(work_id)

    def release(work_id: str) -> None:
        with busy_lock:
            busy.discard(work_id)

    async def read_upload(file: UploadFile) -> bytes:
        chunks, total = [], 0
        while True:
            chunk = await file.read(1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise InvalidContent(f"the file is over the limit of {limit:,} bytes for uploads")
            chunks.append(chunk)
        return b"".join(chunks)

    def media_type_of(content: bytes, declared: str | None, filename: str | None) -> str:
        declared = (declared or "").split(";")[0].strip().lower()
        if declared in KNOWN_TYPES:
            return declared
        found = sniff(content[:16])
        if found:
            return found
        suffix = Path(filename or "").suffix.lower()
        by_suffix = {
            ".svg": "image/svg+xml",
            ".txt": "text/plain",
            ".md": "text/markdown",
            ".json": "application/json",
            ".musicxml": "application/vnd.recordare.musicxml+xml",
        }
        if suffix in by_suffix:
            return by_suffix[suffix]
        raise InvalidContent(
            f"cannot tell what kind of file this is ({declared or 'no type given'}); "
            f"supported: {', '.join(UPLOAD_TYPES)}"
        )

    # -- the page -----------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # -- the studio ---------------------------------------------------------------------
    @app.get("/api/meta", response_model=MetaOut, tags=["studio"])
    def meta() -> MetaOut:
        """Version, domains, partners (with their edit parameters), export formats, limits."""
        classes = partner_registry.available()
        authorship_ok = True
        try:
            _authorship()
        except Unavailable:
            authorship_ok = False
        return MetaOut(
            version=__version__,
            domains=sorted({c.domain for c in classes.values()}),
            partners=[partner_out(c) for c in classes.values()],
            export_formats=_formats(),
            authorship=authorship_ok,
            max_upload_bytes=limit,
            max_proposals=MAX_PROPOSALS,
            upload_types=UPLOAD_TYPES,
        )

    @app.get("/api/partners", response_model=list[PartnerOut], tags=["studio"])
    def partners(domain: Annotated[str | None, Query(max_length=100)] = None) -> list[PartnerOut]:
        """The AI partners, optionally of one domain."""
        classes = partner_registry.available().values()
        return [partner_out(c) for c in classes if domain is None or c.domain == domain]

    @app.get("/api/creators", response_model=list[CreatorOut], tags=["studio"])
    def creators() -> list[CreatorOut]:
        """Everyone who created a work or registered."""
        counts: dict[str, int] = {}
        for w in studio.works():
            counts[w.creator] = counts.get(w.creator, 0) + 1
        return [
            CreatorOut(id=c.id, name=c.name, works=counts.get(c.id, 0)) for c in studio.creators()
        ]

    @app.get("/api/verify", response_model=VerifyOut, tags=["studio"])
    def verify() -> VerifyOut:
        """Check the whole hash-chained ledger."""
        r = studio.verify()
        return VerifyOut(
            ok=r.ok,
            count=r.count,
            head=r.head,
            seq=r.seq,
            event_id=r.event_id,
            problem=r.problem,
            message=str(r),
        )

    # -- works --------------------------------------------------------------------------
    @app.get("/api/works", response_model=list[WorkOut], tags=["works"])
    def list_works(
        creator: Annotated[str | None, Query(max_length=200)] = None,
        domain: Annotated[str | None, Query(max_length=100)] = None,
    ) -> list[WorkOut]:
        """Every work, newest first, optionally of one creator or domain."""
        return [work_out(w) for w in reversed(studio.works(creator=creator, domain=domain))]

    @app.post(
        "/api/works", response_model=WorkOut, status_code=201, tags=["works"], responses=ERRORS
    )
    def create_work(body: WorkIn) -> WorkOut:
        """Start a work: a domain, a partner (the domain's default if none), an intention."""
        work = studio.create_work(
            domain=body.domain,
            creator=body.creator,
            intention=body.intention.model_dump(),
            partner=body.partner or None,
            title=body.title,
            surprise=body.surprise,
        )
        return work_out(work)

    @app.get("/api/works/{work_id}", response_model=WorkOut, tags=["works"], responses=ERRORS)
    def read_work(work_id: str) -> WorkOut:
        return work_out(get_work(work_id))

    @app.get(
        "/api/works/{work_id}/rounds/{number}",
        response_model=RoundOut,
        tags=["works"],
        responses=ERRORS,
    )
    def read_round(work_id: str, number: int) -> RoundOut:
        """The proposals shown in a round; 0 means the latest."""
        work = get_work(work_id)
        rounds = work.rounds()
        number = max(rounds, default=0) if number == 0 else number
        if number not in rounds:
            if number == 0:
                return RoundOut(work_id=work.id, round=0, artifacts=[], skipped=False)
            raise NotFound(f"work {work.id[:8]} has no round {number}")
        marks = marks_of(work)
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

    @app.get(
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
        work = get_work(work_id)
        marks = marks_of(work)
        out = []
        for a in work.artifacts():
            if origin is not None and str(a.origin) != origin:
                continue
            if active is not None and work.is_active(a) != active:
                continue
            out.append(artifact_out(a, marks))
        return out

    @app.get(
        "/api/works/{work_id}/artifacts/{artifact_id}",
        response_model=ArtifactOut,
        tags=["works"],
        responses=ERRORS,
    )
    def read_artifact(work_id: str, artifact_id: str) -> ArtifactOut:
        work = get_work(work_id)
        return artifact_out(get_artifact(work, artifact_id), marks_of(work))

    @app.get(
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
        work = get_work(work_id)
        a = get_artifact(work, artifact_id)
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

    @app.get(
        "/api/works/{work_id}/history",
        tags=["works"],
        responses=ERRORS,
        response_model=dict[str, Any],
    )
    def read_history(work_id: str) -> dict[str, Any]:
        """The branching tree of everything proposed, contributed and edited, with depths."""
        work = get_work(work_id)
        history = work.history()
        d = history.to_dict()
        by_id = {n["id"]: n for n in d["nodes"]}
        order = []
        for depth, node in history.walk():
            n = by_id[node.artifact.id]
            n["depth"] = depth
            n["content_url"] = content_url(node.artifact)
            if node.artifact.media_type in TEXT_PREVIEW:
                n["text"] = node.artifact.content[:2000].decode("utf-8", "replace")
            order.append(n)
        d["nodes"] = order
        d["judgments"] = [judgment_out(j).model_dump() for j in work.judgments()]
        return d

    @app.get(
        "/api/works/{work_id}/judgments",
        response_model=list[JudgmentOut],
        tags=["works"],
        responses=ERRORS,
    )
    def list_judgments(work_id: str, include_undone: bool = True) -> list[JudgmentOut]:
        work = get_work(work_id)
        return [judgment_out(j) for j in work.judgments(include_undone=include_undone)]

    @app.get(
        "/api/works/{work_id}/events",
        response_model=list[EventOut],
        tags=["works"],
        responses=ERRORS,
    )
    def list_events(work_id: str) -> list[EventOut]:
        """The work's ledger entries, oldest first."""
        work = get_work(work_id)
        return [
            EventOut(
                seq=e.seq,
                id=e.id,
                kind=e.kind,
                actor=e.actor,
                at=e.at,
                payload=_jsonable(e.payload),
                hash=e.hash,
            )
            for e in work.events()
        ]

    @app.get(
        "/api/works/{work_id}/attunement",
        tags=["works"],
        responses=ERRORS,
        response_model=dict[str, Any],
    )
    def read_attunement(work_id: str, scope: Literal["work", "creator"] = "work") -> dict[str, Any]:
        """How often the partner foresaw the pick: running accuracy against chance."""
        work = get_work(work_id)
        if scope == "creator":
            return _jsonable(studio.attunement(work.creator, work.domain))
        return _jsonable(work.attunement())

    @app.get(
        "/api/works/{work_id}/taste",
        tags=["works"],
        responses=ERRORS,
        response_model=dict[str, Any],
    )
    def read_taste(work_id: str) -> dict[str, Any]:
        """What the partner has learned of the work's creator's taste in its domain (export)."""
        work = get_work(work_id)
        return _jsonable(studio.taste(work.creator, work.domain))

    @app.post(
        "/api/works/{work_id}/taste/reset",
        tags=["works"],
        responses=ERRORS,
        response_model=dict[str, Any],
    )
    def reset_taste(work_id: str, body: ActorIn) -> dict[str, Any]:
        """Forget the creator's taste in the work's domain; the ledger keeps the judgments."""
        work = get_work(work_id)
        if person_id(body.by) != work.creator:
            raise InputError(f"only {work.creator} can reset their own taste, not {body.by}")
        studio.reset_taste(work.creator, work.domain)
        return _jsonable(studio.taste(work.creator, work.domain))

    # -- generating ---------------------------------------------------------------------
    @app.post(
        "/api/works/{work_id}/proposals",
        response_model=RoundOut,
        tags=["generating"],
        responses=ERRORS,
    )
    def generate_now(work_id: str, body: GenerateIn) -> RoundOut:
        """Make a round and wait for it (scripts); the page uses ``/jobs`` for progress."""
        work = get_work(work_id)
        run = generation(work, body)
        claim(work.id)
        try:
            artifacts = run(None)
        finally:
            release(work.id)
        return RoundOut(
            work_id=work.id,
            round=artifacts[0].round if artifacts else 0,
            artifacts=[artifact_out(a) for a in artifacts],
            skipped=False,
        )

    @app.post(
        "/api/works/{work_id}/jobs",
        response_model=JobOut,
        status_code=202,
        tags=["generating"],
        responses={**ERRORS, 429: {"model": Problem, "description": "Too many running"}},
    )
    def start_job(work_id: str, body: GenerateIn) -> JobOut:
        """Start making a round in the background; poll ``/api/jobs/{id}``, cancel with POST."""
        work = get_work(work_id)
        run = generation(work, body)
        claim(work.id)

        def guarded(progress: Any) -> Any:
            try:
                return run(progress)
            finally:
                release(work.id)

        try:
            job = jobs.start(work.id, body.kind, body.by, guarded)
        except TooBusy:
            release(work.id)
            raise
        return JobOut(**job.to_dict())

    @app.get("/api/jobs/{job_id}", response_model=JobOut, tags=["generating"], responses=ERRORS)
    def read_job(job_id: str) -> JobOut:
        job = jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r} (finished jobs are kept for a while only)")
        return JobOut(**job.to_dict())

    @app.post(
        "/api/jobs/{job_id}/cancel", response_model=JobOut, tags=["generating"], responses=ERRORS
    )
    def cancel_job(job_id: str, body: ActorIn) -> JobOut:
        """Ask a running job to stop; nothing of it is stored."""
        person_id(body.by)
        job = jobs.cancel(job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r}")
        job.finished.wait(timeout=5)
        return JobOut(**job.to_dict())

    # -- telling ------------------------------------------------------------------------
    @app.post(
        "/api/works/{work_id}/judgments",
        response_model=JudgmentOut,
        status_code=201,
        tags=["telling"],
        responses=ERRORS,
    )
    def judge(work_id: str, body: JudgmentIn) -> JudgmentOut:
        """Choose, reject, rate, rank (best/worst), compare, skip or note."""
        work = get_work(work_id)
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

    @app.post(
        "/api/works/{work_id}/undo", response_model=UndoOut, tags=["telling"], responses=ERRORS
    )
    def undo(work_id: str, body: ActorIn) -> UndoOut:
        """Undo the actor's latest act with a compensating event (the history keeps both)."""
        work = get_work(work_id)
        target = work.undo(by=body.by)
        kind = next((e.payload.get("kind", "") for e in reversed(work.events())), "")
        return UndoOut(undone=target, kind=kind)

    @app.post(
        "/api/works/{work_id}/restore",
        response_model=ArtifactOut,
        tags=["telling"],
        responses=ERRORS,
    )
    def restore(work_id: str, body: RestoreIn) -> ArtifactOut:
        """Go back to any node: the next round builds on it."""
        work = get_work(work_id)
        return artifact_out(work.restore(body.artifact, by=body.by), marks_of(work))

    @app.post(
        "/api/works/{work_id}/surprise", response_model=WorkOut, tags=["telling"], responses=ERRORS
    )
    def set_surprise(work_id: str, body: SurpriseIn) -> WorkOut:
        """Set the surprise dial for the rounds to come."""
        work = get_work(work_id)
        work.set_surprise(body.surprise, by=body.by)
        return work_out(work)

    @app.post(
        "/api/works/{work_id}/intention",
        response_model=WorkOut,
        tags=["telling"],
        responses=ERRORS,
    )
    def revise(work_id: str, body: ReviseIn) -> WorkOut:
        """Revise the intention; earlier rounds keep the one they were made under."""
        work = get_work(work_id)
        work.revise(body.intention.model_dump(), by=body.by)
        return work_out(work)

    # -- making -------------------------------------------------------------------------
    @app.post(
        "/api/works/{work_id}/contributions",
        response_model=ArtifactOut,
        status_code=201,
        tags=["making"],
        responses={**ERRORS, 413: {"model": Problem, "description": "The file is too large"}},
    )
    async def contribute(
        work_id: str,
        file: Annotated[UploadFile, File(description="The person's own material")],
        by: Annotated[str, Form(min_length=1, max_length=200)],
        role: Annotated[Literal["material", "reference"], Form()] = "material",
        note: Annotated[str, Form(max_length=2000)] = "",
        media_type: Annotated[str | None, Form(max_length=100)] = None,
    ) -> ArtifactOut:
        """Upload the person's own material (size-limited and type-checked)."""
        work = get_work(work_id)
        content = await read_upload(file)
        mt = media_type_of(content, media_type or file.content_type, file.filename)
        a = work.contribute(content, mt, by=by, role=role, note=note)
        return artifact_out(a)

    def _edit_adjustments(work: Work, artifact_id: str, body: EditIn) -> Artifact:
        if (body.adjustments is None) == (body.text is None):
            raise InputError("an edit gives either 'adjustments' or 'text', not both or neither")
        if body.text is not None:
            original = get_artifact(work, artifact_id)
            if original.media_type not in TEXT_PREVIEW:
                raise InputError(
                    f"a {original.media_type} artifact cannot be edited as text; "
                    "upload the edited file instead"
                )
            return work.edit(artifact_id, body.text.encode("utf-8"), by=body.by)
        params = work_partner(work).edit_params
        unknown = sorted(set(body.adjustments or {}) - set(params))
        if unknown:
            known = ", ".join(sorted(params)) or "none"
            raise InputError(
                f"unknown adjustment(s) {', '.join(unknown)} (this partner has: {known})"
            )
        get_artifact(work, artifact_id)
        try:
            return work.edit(artifact_id, adjustments=body.adjustments, by=body.by)
        except CocreateError:
            raise
        except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
            raise InputError(f"the partner could not apply these adjustments: {exc}") from None

    @app.post(
        "/api/works/{work_id}/artifacts/{artifact_id}/edits",
        response_model=ArtifactOut,
        status_code=201,
        tags=["making"],
        responses=ERRORS,
    )
    def edit(work_id: str, artifact_id: str, body: EditIn) -> ArtifactOut:
        """A person's edit: a new node whose parent is this artifact (nothing is overwritten)."""
        work = get_work(work_id)
        return artifact_out(_edit_adjustments(work, artifact_id, body))

    @app.post(
        "/api/works/{work_id}/artifacts/{artifact_id}/edits/upload",
        response_model=ArtifactOut,
        status_code=201,
        tags=["making"],
        responses={**ERRORS, 413: {"model": Problem, "description": "The file is too large"}},
    )
    async def edit_upload(
        work_id: str,
        artifact_id: str,
        file: Annotated[UploadFile, File(description="The edited file")],
        by: Annotated[str, Form(min_length=1, max_length=200)],
    ) -> ArtifactOut:
        """A person's edit made outside: upload the edited file as a child of this artifact."""
        work = get_work(work_id)
        get_artifact(work, artifact_id)
        content = await read_upload(file)
        mt = media_type_of(content, file.content_type, file.filename)
        return artifact_out(work.edit(artifact_id, content, media_type=mt, by=by))

    # -- authorship ---------------------------------------------------------------------
    def _call(name: str, work: Work, artifact: str | None) -> Any:
        mod = _authorship()
        fn = getattr(mod, name, None)
        if fn is None:
            raise Unavailable(f"{name.replace('_', ' ')} is not available yet")
        if artifact:
            get_artifact(work, artifact)
            return fn(work, artifact)
        return fn(work)

    @app.get(
        "/api/works/{work_id}/attribution",
        tags=["authorship"],
        responses={**ERRORS, 501: {"model": Problem}},
        response_model=dict[str, Any],
    )
    def attribution(
        work_id: str, artifact: Annotated[str | None, Query(max_length=64)] = None
    ) -> dict[str, Any]:
        """Who contributed what (to ``artifact``, or to the current version)."""
        work = get_work(work_id)
        return {"attribution": _jsonable(_call("attribution", work, artifact))}

    @app.get(
        "/api/works/{work_id}/disclosure",
        tags=["authorship"],
        responses={**ERRORS, 501: {"model": Problem}},
        response_model=dict[str, Any],
    )
    def disclosure(work_id: str) -> dict[str, Any]:
        """An authorship disclosure in the form copyright offices ask for."""
        work = get_work(work_id)
        return {"disclosure": _jsonable(_call("disclosure", work, None))}

    @app.get(
        "/api/works/{work_id}/split-sheet",
        tags=["authorship"],
        responses={**ERRORS, 501: {"model": Problem}},
        response_model=dict[str, Any],
    )
    def split_sheet(work_id: str) -> dict[str, Any]:
        """Credit and royalty shares among the people."""
        work = get_work(work_id)
        return {"split_sheet": _jsonable(_call("split_sheet", work, None))}

    @app.post(
        "/api/works/{work_id}/export",
        tags=["authorship"],
        responses={
            **ERRORS,
            200: {"description": "The exported file (or its sidecar)"},
            501: {"model": Problem},
        },
        response_class=Response,
    )
    def export(
        work_id: str,
        by: Annotated[str, Query(min_length=1, max_length=200)],
        format: Annotated[str, Query(min_length=1, max_length=40)] = "file",
        artifact: Annotated[str | None, Query(max_length=64)] = None,
        provenance: bool = True,
        part: Literal["file", "sidecar"] = "file",
        size: Annotated[int | None, Query(ge=16, le=4096)] = None,
    ) -> Response:
        """Export the file (with provenance unless ``provenance=false``) or a record.

        ``size`` renders the file again from its recipe at that resolution first.
        A POST because the export is recorded in the ledger; the page submits a form.
        """
        work = get_work(work_id)
        by = person_id(by)
        mod = _authorship()
        formats = _formats()
        if formats and format not in formats:
            raise InputError(f"unknown export format {format!r} (formats: {', '.join(formats)})")
        if artifact:
            get_artifact(work, artifact)
        exported = mod.export(
            work, artifact or None, format=format, provenance=provenance, by=by, size=size
        )
        if part == "sidecar":
            data = getattr(exported, "sidecar", None)
            if not data:
                raise InputError("this export has no sidecar (provenance is embedded or off)")
            if isinstance(data, str):
                data = data.encode("utf-8")
            filename = getattr(exported, "sidecar_filename", None) or "provenance.json"
            media_type = "application/json"
        else:
            data = exported.data
            if isinstance(data, str):
                data = data.encode("utf-8")
            filename, media_type = exported.filename, exported.media_type
        safe = _safe_filename(filename)
        return Response(
            bytes(data),
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{safe}"'},
        )

    return app
