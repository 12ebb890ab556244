"""Errors as the API says them: JSON ``{"detail", "error"}`` with the status that fits.

Anything the caller got wrong is a 4xx naming the problem; nothing ever
answers with an HTML traceback.
"""

from __future__ import annotations

import logging
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


def validation_message(exc: RequestValidationError) -> str:
    """The first few schema violations, each as ``field: message``."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is malformed"


def install(app: FastAPI) -> None:
    """The error handlers, and the guard against cross-origin writes and tracebacks."""

    @app.exception_handler(CocreateError)
    async def _cocreate_error(request: Request, exc: CocreateError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:  # not the caller's doing: the operator needs the whole story
            log.error("%s %s: %s", request.method, request.url.path, exc, exc_info=exc)
        return problem(status, str(exc) or type(exc).__name__, type(exc).__name__)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, validation_message(exc), "RequestValidationError")

    @app.middleware("http")
    async def _guard(request: Request, call_next: Any) -> Response:
        # No login yet, so refuse writes that another web site's page makes in the
        # person's browser: a cross-origin request carries a foreign Origin header.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            host = request.headers.get("host", "")
            if origin and origin != "null" and origin.split("://", 1)[-1] != host:
                return problem(403, "cross-origin writes are refused", "Forbidden")
        try:
            response = await call_next(request)
        except Exception as exc:  # never an HTML traceback to the caller; the log has it
            log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
            return problem(500, f"internal error: {type(exc).__name__}", "InternalError")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
