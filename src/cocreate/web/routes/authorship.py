"""Who contributed what: attribution, disclosure, split sheet, and signed exports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ...errors import InputError
from ...session import Work, person_id
from ..context import AppContext
from ..presenters import jsonable
from ..problems import ERRORS, Unavailable
from ..schemas import Problem
from ..uploads import safe_filename


def authorship_module() -> Any:
    """``cocreate.authorship``, or ``Unavailable`` (a 501) naming what is missing."""
    try:
        from ... import authorship
    except ImportError as exc:
        raise Unavailable(f"attribution and export are not available yet: {exc}") from None
    if not all(hasattr(authorship, f) for f in ("attribution", "export")):
        raise Unavailable("attribution and export are not available yet")
    return authorship


def export_formats() -> list[str]:
    try:
        formats = authorship_module().FORMATS
    except (Unavailable, AttributeError):
        return []
    if isinstance(formats, Mapping):
        return [str(k) for k in formats]
    return [str(f) for f in formats]


def router(ctx: AppContext) -> APIRouter:
    api = APIRouter()

    def _call(name: str, work: Work, artifact: str | None) -> Any:
        mod = authorship_module()
        fn = getattr(mod, name, None)
        if fn is None:
            raise Unavailable(f"{name.replace('_', ' ')} is not available yet")
        if artifact:
            ctx.artifact(work, artifact)
            return fn(work, artifact)
        return fn(work)

    @api.get(
        "/api/works/{work_id}/attribution",
        tags=["authorship"],
        responses={**ERRORS, 501: {"model": Problem}},
        response_model=dict[str, Any],
    )
    def attribution(
        work_id: str, artifact: Annotated[str | None, Query(max_length=64)] = None
    ) -> dict[str, Any]:
        """Who contributed what (to ``artifact``, or to the current version)."""
        work = ctx.work(work_id)
        return {"attribution": jsonable(_call("attribution", work, artifact))}

    @api.get(
        "/api/works/{work_id}/disclosure",
        tags=["authorship"],
        responses={**ERRORS, 501: {"model": Problem}},
        response_model=dict[str, Any],
    )
    def disclosure(work_id: str) -> dict[str, Any]:
        """An authorship disclosure in the form copyright offices ask for."""
        work = ctx.work(work_id)
        return {"disclosure": jsonable(_call("disclosure", work, None))}

    @api.get(
        "/api/works/{work_id}/split-sheet",
        tags=["authorship"],
        responses={**ERRORS, 501: {"model": Problem}},
        response_model=dict[str, Any],
    )
    def split_sheet(work_id: str) -> dict[str, Any]:
        """Credit and royalty shares among the people."""
        work = ctx.work(work_id)
        return {"split_sheet": jsonable(_call("split_sheet", work, None))}

    @api.post(
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
        work = ctx.work(work_id)
        by = person_id(by)
        mod = authorship_module()
        formats = export_formats()
        if formats and format not in formats:
            raise InputError(f"unknown export format {format!r} (formats: {', '.join(formats)})")
        if artifact:
            ctx.artifact(work, artifact)
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
        safe = safe_filename(filename)
        return Response(
            bytes(data),
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{safe}"'},
        )

    return api
