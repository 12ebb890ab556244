"""The person's own material: uploads, and edits by adjustment, by text or by file."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile

from ...errors import CocreateError, InputError
from ...model import Artifact
from ...session import Work
from ..context import AppContext
from ..presenters import TEXT_PREVIEW, artifact_out, work_partner
from ..problems import ERRORS, UPLOAD_ERRORS
from ..schemas import ArtifactOut, EditIn
from ..uploads import media_type_of, read_upload


def router(ctx: AppContext) -> APIRouter:
    api = APIRouter()

    @api.post(
        "/api/works/{work_id}/contributions",
        response_model=ArtifactOut,
        status_code=201,
        tags=["making"],
        responses=UPLOAD_ERRORS,
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
        work = ctx.work(work_id)
        content = await read_upload(file, ctx.limit)
        mt = media_type_of(content, media_type or file.content_type, file.filename)
        a = work.contribute(content, mt, by=by, role=role, note=note)
        return artifact_out(a)

    def _edit_adjustments(work: Work, artifact_id: str, body: EditIn) -> Artifact:
        if (body.adjustments is None) == (body.text is None):
            raise InputError("an edit gives either 'adjustments' or 'text', not both or neither")
        if body.text is not None:
            original = ctx.artifact(work, artifact_id)
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
        ctx.artifact(work, artifact_id)
        try:
            return work.edit(artifact_id, adjustments=body.adjustments, by=body.by)
        except CocreateError:
            raise
        except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
            raise InputError(f"the partner could not apply these adjustments: {exc}") from None

    @api.post(
        "/api/works/{work_id}/artifacts/{artifact_id}/edits",
        response_model=ArtifactOut,
        status_code=201,
        tags=["making"],
        responses=ERRORS,
    )
    def edit(work_id: str, artifact_id: str, body: EditIn) -> ArtifactOut:
        """A person's edit: a new node whose parent is this artifact (nothing is overwritten)."""
        work = ctx.work(work_id)
        return artifact_out(_edit_adjustments(work, artifact_id, body))

    @api.post(
        "/api/works/{work_id}/artifacts/{artifact_id}/edits/upload",
        response_model=ArtifactOut,
        status_code=201,
        tags=["making"],
        responses=UPLOAD_ERRORS,
    )
    async def edit_upload(
        work_id: str,
        artifact_id: str,
        file: Annotated[UploadFile, File(description="The edited file")],
        by: Annotated[str, Form(min_length=1, max_length=200)],
    ) -> ArtifactOut:
        """A person's edit made outside: upload the edited file as a child of this artifact."""
        work = ctx.work(work_id)
        ctx.artifact(work, artifact_id)
        content = await read_upload(file, ctx.limit)
        mt = media_type_of(content, file.content_type, file.filename)
        return artifact_out(work.edit(artifact_id, content, media_type=mt, by=by))

    return api
