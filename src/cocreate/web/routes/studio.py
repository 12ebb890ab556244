"""The studio as a whole: version and limits, partners, creators, the ledger's check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ... import __version__
from ... import partners as partner_registry
from ...session import MAX_PROPOSALS
from ..context import AppContext
from ..presenters import partner_out
from ..problems import Unavailable
from ..schemas import CreatorOut, MetaOut, PartnerOut, VerifyOut
from ..uploads import UPLOAD_TYPES
from .authorship import authorship_module, export_formats


def router(ctx: AppContext) -> APIRouter:
    api = APIRouter()

    @api.get("/api/meta", response_model=MetaOut, tags=["studio"])
    def meta() -> MetaOut:
        """Version, domains, partners (with their edit parameters), export formats, limits."""
        classes = partner_registry.available()
        authorship_ok = True
        try:
            authorship_module()
        except Unavailable:
            authorship_ok = False
        return MetaOut(
            version=__version__,
            domains=sorted({c.domain for c in classes.values()}),
            partners=[partner_out(c) for c in classes.values()],
            export_formats=export_formats(),
            authorship=authorship_ok,
            max_upload_bytes=ctx.limit,
            max_proposals=MAX_PROPOSALS,
            upload_types=UPLOAD_TYPES,
        )

    @api.get("/api/partners", response_model=list[PartnerOut], tags=["studio"])
    def partners(domain: Annotated[str | None, Query(max_length=100)] = None) -> list[PartnerOut]:
        """The AI partners, optionally of one domain."""
        classes = partner_registry.available().values()
        return [partner_out(c) for c in classes if domain is None or c.domain == domain]

    @api.get("/api/creators", response_model=list[CreatorOut], tags=["studio"])
    def creators() -> list[CreatorOut]:
        """Everyone who created a work or registered."""
        counts: dict[str, int] = {}
        for w in ctx.studio.works():
            counts[w.creator] = counts.get(w.creator, 0) + 1
        return [
            CreatorOut(id=c.id, name=c.name, works=counts.get(c.id, 0))
            for c in ctx.studio.creators()
        ]

    @api.get("/api/verify", response_model=VerifyOut, tags=["studio"])
    def verify() -> VerifyOut:
        """Check the whole hash-chained ledger."""
        r = ctx.studio.verify()
        return VerifyOut(
            ok=r.ok,
            count=r.count,
            head=r.head,
            seq=r.seq,
            event_id=r.event_id,
            problem=r.problem,
            message=str(r),
        )

    return api
