"""An authorship disclosure in the form the US Copyright Office asks for.

Registration of a work that contains AI-generated material asks the applicant
to claim only what people authored ("Author Created": selection,
coordination, arrangement, modification, their own material) and to exclude
AI-generated material that is more than de minimis ("Material Excluded").
AI systems are named as tools, never as authors. This is a record of facts
from the ledger, not legal advice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Artifact
from .attribution import Attribution, attribution, source_type_uri
from .policy import Policy

_KIND_WORDS = {
    "image": "2-D artwork",
    "design": "2-D artwork (graphic design)",
    "music": "musical work",
    "text": "text",
}


def _what(attr: Attribution) -> str:
    if attr.domain in _KIND_WORDS:
        return _KIND_WORDS[attr.domain]
    top = attr.media_type.split("/", 1)[0]
    return {"image": "2-D artwork", "audio": "sound recording", "text": "text"}.get(top, "work")


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class Disclosure:
    work_id: str
    title: str
    artifact_id: str
    media_type: str
    authors: tuple[dict[str, Any], ...]
    author_created: tuple[str, ...]
    material_excluded: tuple[str, ...]
    ai_tools: tuple[dict[str, Any], ...]
    ai_more_than_de_minimis: bool
    human_content_share: float
    ai_content_share: float
    policy: Policy
    ledger: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        lines = [
            "AUTHORSHIP DISCLOSURE",
            f"Title of work: {self.title}",
            f"Type of work: {self.media_type}",
            f"Version: {self.artifact_id} (sha256 {self.ledger.get('sha256', '')})",
            "",
            "Author(s):",
        ]
        for a in self.authors:
            who = a["legal_name"] or a["name"] or a["id"]
            lines.append(f"  {who}: {', '.join(a['contributions']) or 'direction of the work'}")
        lines += ["", "Author Created:"]
        lines += [f"  {s}" for s in self.author_created]
        lines += ["", "Material Excluded:"]
        lines += [f"  {s}" for s in self.material_excluded] or ["  None."]
        lines += ["", "AI tools used (not authors):"]
        if self.ai_tools:
            for t in self.ai_tools:
                lines.append(
                    f"  {t['name']} (model {t['model_id']}, version {t['version']}; "
                    f"{t['source_type'].rsplit('/', 1)[-1]}): "
                    f"{t['content_share']:.0%} of the content"
                )
        else:
            lines.append("  None.")
        lines += [
            "",
            f"Share of the content: {self.human_content_share:.0%} human-authored, "
            f"{self.ai_content_share:.0%} AI-generated"
            + (
                " — the AI-generated portion is more than de minimis and is disclosed above."
                if self.ai_more_than_de_minimis
                else " — the AI-generated portion is de minimis."
            ),
            f"Computed from the ledger (work {self.work_id}, event "
            f"{self.ledger.get('event_hash', '')[:16]}) under policy {self.policy.name} "
            f"v{self.policy.version}. This is a factual record, not legal advice.",
        ]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, Any]:
        return {
            "work_id": self.work_id,
            "title": self.title,
            "artifact_id": self.artifact_id,
            "media_type": self.media_type,
            "authors": [dict(a) for a in self.authors],
            "author_created": list(self.author_created),
            "material_excluded": list(self.material_excluded),
            "ai_tools": [dict(t) for t in self.ai_tools],
            "ai_more_than_de_minimis": self.ai_more_than_de_minimis,
            "content_share": {
                "human": self.human_content_share,
                "ai": self.ai_content_share,
            },
            "policy": {"name": self.policy.name, "version": self.policy.version},
            "ledger": dict(self.ledger),
        }


def disclosure_from(attr: Attribution) -> Disclosure:
    what = _what(attr)
    kinds = attr.content_by_kind()
    decisions = attr.decisions
    people = attr.people
    ai = attr.ai_partners
    has_ai = attr.ai_content_share > 0
    ai_names = _list([f'"{c.name}"' for c in ai if c.content_share > 0]) or "an AI partner"

    created: list[str] = []
    people_decisions = [d for d in decisions if d.origin.value == "human"]
    selections = [d for d in people_decisions if d.kind in ("selection", "rank", "comparison")]
    rejections = [d for d in people_decisions if d.kind == "rejection"]
    if selections or rejections:
        shown = sum(len(d.among) for d in selections if d.kind == "selection")
        picks = [d for d in selections if d.kind == "selection"]
        detail = (
            f"{len(picks)} selection(s) among {shown} candidates shown"
            if picks
            else f"{len(selections)} ranking or comparison judgment(s)"
        )
        if rejections:
            detail += f", {len(rejections)} rejection(s)"
        created.append(
            f"Selection and coordination of {'AI-generated ' if has_ai else ''}material ({detail})."
        )
    if kinds.get("parametric-edit", 0) > 0 or kinds.get("file-edit", 0) > 0:
        share = kinds.get("parametric-edit", 0.0) + kinds.get("file-edit", 0.0)
        created.append(
            f"Modification of {'AI-generated ' if has_ai else ''}material by human edits "
            f"({share:.0%} of the content)."
        )
    if kinds.get("material", 0) > 0:
        created.append(f"Human-authored {what} ({kinds['material']:.0%} of the content).")
    if any(d.kind == "arrangement" for d in people_decisions):
        created.append("Arrangement of the material.")
    if not created:
        created.append(
            "The intention (brief) that directed the work; no human-authored expression "
            "is recorded in this version."
        )

    excluded: list[str] = []
    if has_ai:
        excluded.append(
            f"AI-generated {what} produced by {ai_names} "
            f"({attr.ai_content_share:.0%} of the content)."
        )

    authors = tuple(
        {
            "id": c.id,
            "name": c.name,
            "legal_name": c.legal_name,
            "contributions": list(c.roles),
            "share": c.share,
        }
        for c in people
    )
    tools = tuple(
        {
            "name": c.name,
            "model_id": c.model_id,
            "version": c.version,
            "source_type": source_type_uri(c.source_type),
            "content_share": c.content_share,
            "more_than_de_minimis": c.more_than_de_minimis,
        }
        for c in ai
    )
    return Disclosure(
        work_id=attr.work_id,
        title=attr.title,
        artifact_id=attr.artifact_id,
        media_type=attr.media_type,
        authors=authors,
        author_created=tuple(created),
        material_excluded=tuple(excluded),
        ai_tools=tools,
        ai_more_than_de_minimis=attr.ai_more_than_de_minimis,
        human_content_share=attr.human_content_share,
        ai_content_share=attr.ai_content_share,
        policy=attr.policy,
        ledger={
            "work_id": attr.work_id,
            "artifact_id": attr.artifact_id,
            "event_id": attr.event_id,
            "event_hash": attr.event_hash,
            "sha256": attr.content_sha256,
        },
    )


def disclosure(
    work: Any, artifact: Artifact | str | None = None, policy: Policy | dict | None = None
) -> Disclosure:
    """The authorship disclosure of ``artifact`` (default: the work's current version)."""
    return disclosure_from(attribution(work, artifact, policy))
