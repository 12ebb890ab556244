"""Small pictures of artifacts, and the visual history drawn with them.

``GET /api/works/{id}/artifacts/{aid}/thumbnail?size=96`` gives a PNG scaled
down from a raster image, or an SVG design itself. Thumbnails are kept in
memory by content hash and size (identical bytes in two works share one) up
to a byte budget, and the browser may keep them for good: an artifact's bytes
never change. ``GET /api/works/{id}/lineage`` is the history as the History
tab draws it: what was kept in view, the rest folded (see
:func:`..presenters.lineage`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ..context import AppContext
from ..presenters import lineage, thumbnail
from ..problems import ERRORS

#: The sizes a thumbnail is made at: a request is served by the next one up.
SIZES = (48, 96, 160, 256, 384, 512)


class ThumbnailCache:
    """Thumbnails by (content hash, size), least recently used first out past ``budget`` bytes."""

    def __init__(self, budget: int = 32 * 1024 * 1024) -> None:
        self.budget = budget
        self._items: OrderedDict[tuple[str, int], tuple[bytes, str]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> tuple[bytes, str] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: tuple[str, int], value: tuple[bytes, str]) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += len(value[0])
            while self._bytes > self.budget and len(self._items) > 1:
                _, (data, _) = self._items.popitem(last=False)
                self._bytes -= len(data)

    def __len__(self) -> int:
        return len(self._items)


def router(ctx: AppContext) -> APIRouter:
    api = APIRouter()
    cache = ThumbnailCache()

    @api.get(
        "/api/works/{work_id}/artifacts/{artifact_id}/thumbnail",
        tags=["works"],
        responses={**ERRORS, 200: {"description": "A PNG, or the SVG itself"}},
        response_class=Response,
    )
    def read_thumbnail(
        work_id: str,
        artifact_id: str,
        size: Annotated[int, Query(ge=16, le=512)] = 96,
    ) -> Response:
        """A small picture of the artifact, at most ``size`` pixels a side (404 for text)."""
        work = ctx.work(work_id)
        a = ctx.artifact(work, artifact_id)
        snapped = next(s for s in SIZES if s >= size)
        key = (a.content_hash, snapped)
        hit = cache.get(key)
        if hit is None:
            hit = thumbnail(a, snapped)
            cache.put(key, hit)
        data, media_type = hit
        return Response(
            data,
            media_type=media_type,
            headers={
                "Cache-Control": "private, max-age=31536000, immutable",
                "ETag": f'"{a.content_hash[:32]}-{snapped}"',
                # an uploaded SVG could carry script: never let it run as a page
                "Content-Security-Policy": (
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
                ),
            },
        )

    @api.get(
        "/api/works/{work_id}/lineage",
        tags=["works"],
        responses=ERRORS,
        response_model=dict[str, Any],
    )
    def read_lineage(work_id: str) -> dict[str, Any]:
        """The history as drawn: what was chosen, edited, contributed and restored, the rest folded."""
        return lineage(ctx.work(work_id))

    return api
