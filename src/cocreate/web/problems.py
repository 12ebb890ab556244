"""Errors as the API says them: JSON ``{"detail", "error"}`` with the status that fits.

Anything the caller got wrong is a 4xx naming the problem; nothing ever
answers with an HTML traceback.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from ..errors import (
    Cancelled,
    CocreateError,
    Conflict,
    ContentTooLarge,
    InputError,
    LedgerIntegrityError,
    MissingExtra,
    NotFound,
    NothingToUndo,
    StorageError,
)
from ..names import printable
from .jobs import TooBusy
from .schemas import Problem

log = logging.getLogger(__name__)

#: The error answers every route may give, for the OpenAPI schema.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Bad input; nothing was stored"},
    404: {"model": Problem, "description": "No such work, artifact or job"},
    409: {"model": Problem, "description": "Conflicts with the state of the work"},
    422: {"model": Problem, "description": "The request does not match the schema"},
}
#: The same, for routes that take a file.
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    413: {"model": Problem, "description": "The file is too large"},
}


class Unavailable(CocreateError):
    """A feature whose module is not installed or not written yet."""


def status_of(exc: Exception) -> int:
    """The HTTP status for an error of the studio."""
    if isinstance(exc, TooBusy):
        return 429
    if isinstance(exc, NothingToUndo | Cancelled | Conflict):
        return 409
    if isinstance(exc, ContentTooLarge):
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


def problem(status: int, detail: str, error: str = "") -> JSONResponse:
    return JSONResponse({"detail": detail, "error": error}, status_code=status)


# ``<_io.BytesIO object at 0x7fb0…>`` (a library's message quoting its argument) and
# ``/home/…/media/ab/cd/<hash>`` (where the server keeps things) are for the log only.
_REPR = re.compile(r"\s*<[^<>\n]{1,200}\bat 0x[0-9a-fA-F]+>")
_FILE_URL = re.compile(r"""(\b[a-z][\w+.-]*:///)/?(?:[^\s/'"()<>]+/)+""")
_PATH = re.compile(r"""(?<![\w.:/\\])(?:[A-Za-z]:\\|/)(?:[^\s/\\'"()<>]+[/\\])+([^\s/\\'"()<>]*)""")


def public_detail(message: str) -> str:
    """An error's message as a caller may read it: no object reprs, no absolute paths
    (a path becomes its last part), no control characters."""
    message = _FILE_URL.sub(r"\1", _REPR.sub("", message))
    return printable(_PATH.sub(r"\1", message), keep_newlines=True)


def validation_message(exc: RequestValidationError) -> str:
    """The first few schema violations, each as ``field: message``."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is malformed"


def install(app: FastAPI) -> None:
    """The error handlers, and the catch that keeps tracebacks from the caller.

    Foreign hosts and origins are refused before any of this, by :mod:`.guard`.
    """

    @app.exception_handler(CocreateError)
    async def _cocreate_error(request: Request, exc: CocreateError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:  # not the caller's doing: the operator needs the whole story
            log.error("%s %s: %s", request.method, request.url.path, exc, exc_info=exc)
        detail = public_detail(str(exc)) or type(exc).__name__
        artifact = request.path_params.get("artifact_id")
        if isinstance(exc, StorageError) and artifact and str(artifact)[:8] not in detail:
            detail = f"artifact {printable(artifact)[:64]}: {detail}"  # what it was reading
        return problem(status, detail, type(exc).__name__)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, validation_message(exc), "RequestValidationError")

    @app.middleware("http")
    async def _no_tracebacks(request: Request, call_next: Any) -> Response:
        try:
            response = await call_next(request)
        except Exception as exc:  # never an HTML traceback to the caller; the log has it
            log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
            return problem(500, f"internal error: {type(exc).__name__}", "InternalError")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
