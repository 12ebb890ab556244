"""The web studio: one JSON API under ``/api`` and a single page that uses it.

The API is a thin layer over :class:`cocreate.Studio` and :class:`cocreate.Work`,
so the Python API, the CLI and the web never disagree. Every act names its
actor (``by``); errors are JSON ``{"detail": ..., "error": ...}`` with a 4xx
status for anything the caller got wrong (:mod:`.problems`). The routes live
in :mod:`.routes`, one module per part of the work.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..media import MAX_CONTENT_BYTES
from ..session import Studio
from . import problems, routes
from .context import AppContext
from .guard import Guard, Hosts
from .jobs import Jobs
from .routes import thumbnails

STATIC = Path(__file__).parent / "static"


def create_app(
    studio: Studio,
    *,
    max_upload_bytes: int = MAX_CONTENT_BYTES,
    max_running_jobs: int = 4,
    allowed_hosts: Hosts | Iterable[str] | None = None,
) -> FastAPI:
    """The web studio over ``studio``: the JSON API under ``/api`` and the page at ``/``.

    ``allowed_hosts`` are the names it answers to besides 127.0.0.1, localhost
    and [::1] on any port (``name`` or ``name:port``), or a :class:`.guard.Hosts`
    (``serve`` gives the exact bound addresses); any other ``Host`` is refused.
    """
    hosts = (
        allowed_hosts
        if isinstance(allowed_hosts, Hosts)
        else Hosts.loopback(extra=allowed_hosts or ())
    )
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
    ctx = AppContext(
        studio=studio,
        jobs=Jobs(max_running=max_running_jobs),
        limit=min(int(max_upload_bytes), MAX_CONTENT_BYTES),
    )
    app.state.studio, app.state.jobs = studio, ctx.jobs
    problems.install(app)
    app.add_middleware(Guard, hosts=hosts)  # outermost: a refused request reaches nothing

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in routes.MODULES:
        app.include_router(module.router(ctx))
    app.include_router(thumbnails.router(ctx))
    return app
