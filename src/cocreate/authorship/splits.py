"""Split sheets: credit and royalty shares among the people, summing to exactly 100%.

AI partners are never parties to a split: their portion is disclosed (see
``disclosure``) and the people's shares are renormalised among themselves.
Shares are integer basis points (1/100 of a percent), rounded by the
largest-remainder method so they always sum to exactly 10,000.
"""

from __future__ import annotations

import csv
import io
import math
import textwrap
from dataclasses import dataclass
from typing import Any

from ..model import Artifact
from .attribution import Attribution, Contributor, attribution
from .policy import Policy

TOTAL_BPS = 10_000

# CRediT (Contributor Roles Taxonomy, ANSI/NISO Z39.104-2022) for text works.
_CREDIT = {
    "creative direction": "Conceptualization",
    "own material": "Writing – original draft",
    "selection": "Writing – review & editing",
    "modification": "Writing – review & editing",
    "arrangement": "Writing – review & editing",
}

# The role a split sheet names, by what the person did.
_ROLE_NAMES = {
    "creative direction": "creative director",
    "own material": "author of own material",
    "selection": "selector",
    "modification": "editor",
    "arrangement": "arranger",
}


def largest_remainder(weights: dict[str, float], total: int = TOTAL_BPS) -> dict[str, int]:
    """Integer parts of ``total`` proportional to ``weights`` that sum to exactly ``total``.

    Ties in the remainders go to the larger weight, then to the id, so the
    result is deterministic.
    """
    positive = {k: max(0.0, float(v)) for k, v in weights.items()}
    s = sum(positive.values())
    if not positive:
        return {}
    if s <= 0:
        positive = dict.fromkeys(positive, 1.0)
        s = float(len(positive))
    exact = {k: v * total / s for k, v in positive.items()}
    floors = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(floors.values())
    order = sorted(exact, key=lambda k: (-(exact[k] - floors[k]), -exact[k], k))
    for k in order[:left]:
        floors[k] += 1
    return floors


@dataclass(frozen=True)
class SplitEntry:
    contributor: str
    name: str
    legal_name: str
    role: str
    share_bps: int
    pro: str = ""
    ipi: str = ""
    credit_roles: tuple[str, ...] = ()

    @property
    def percent(self) -> str:
        """The share as a percentage with two decimals, e.g. ``"62.50"``."""
        return f"{self.share_bps // 100}.{self.share_bps % 100:02d}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "contributor": self.contributor,
            "name": self.name,
            "legal_name": self.legal_name,
            "role": self.role,
            "share_bps": self.share_bps,
            "share_percent": self.percent,
            "pro": self.pro,
            "ipi": self.ipi,
            "credit_roles": list(self.credit_roles),
        }


@dataclass(frozen=True)
class SplitSheet:
    work_id: str
    title: str
    artifact_id: str
    media_type: str
    entries: tuple[SplitEntry, ...]
    policy: Policy
    excluded_ai: tuple[str, ...] = ()  # AI partners' names: disclosed, never parties

    @property
    def total_bps(self) -> int:
        return sum(e.share_bps for e in self.entries)

    def to_dict(self) -> dict[str, Any]:
        return {
            "work_id": self.work_id,
            "title": self.title,
            "artifact_id": self.artifact_id,
            "media_type": self.media_type,
            "total_bps": self.total_bps,
            "entries": [e.to_dict() for e in self.entries],
            "excluded_ai": list(self.excluded_ai),
            "policy": {"name": self.policy.name, "version": self.policy.version},
        }

    CSV_FIELDS = (
        "legal_name",
        "name",
        "contributor",
        "role",
        "share_percent",
        "share_bps",
        "pro",
        "ipi",
        "credit_roles",
    )

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.CSV_FIELDS)
        for e in self.entries:
            d = e.to_dict()
            d["share_percent"] = e.percent
            d["credit_roles"] = "; ".join(e.credit_roles)
            w.writerow([d[f] for f in self.CSV_FIELDS])
        return buf.getvalue()

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The sheet as plain text, at most 80 columns: a long name or role wraps, never cut."""
        name_w, role_w = 22, 26
        lines = [
            "SPLIT SHEET",
            f"Work: {self.title} (work {self.work_id}, version {self.artifact_id})",
            "",
            f"{'Legal name':<{name_w}} {'Role':<{role_w}} {'Share':>8}  {'PRO':<8} IPI",
        ]
        for e in self.entries:
            names = textwrap.wrap(e.legal_name or e.name or e.contributor, name_w) or [""]
            roles = textwrap.wrap(e.role, role_w, break_long_words=False) or [""]
            for k in range(max(len(names), len(roles))):
                name = names[k] if k < len(names) else ""
                role = roles[k] if k < len(roles) else ""
                tail = f" {e.percent + '%':>8}  {e.pro[:8]:<8} {e.ipi}" if k == 0 else ""
                lines.append(f"{name:<{name_w}} {role:<{role_w}}{tail}".rstrip())
            if e.credit_roles:
                credit = textwrap.wrap("CRediT: " + "; ".join(e.credit_roles), 80 - name_w - 1)
                lines += [f"{'':<{name_w}} {line}" for line in credit]
        lines.append(f"{'':<{name_w}} {'Total':<{role_w}} {'100.00%':>8}")
        if self.excluded_ai:
            lines += [
                "",
                "AI partners used (not parties to this split; see the authorship disclosure): "
                + ", ".join(self.excluded_ai),
            ]
        lines += [
            "",
            f"Shares computed from the ledger under policy {self.policy.name} "
            f"v{self.policy.version}; the parties may agree otherwise.",
            "",
        ]
        for e in self.entries:
            lines.append(f"Signature ({e.legal_name or e.name or e.contributor}): ____________")
        return "\n".join(lines) + "\n"


def _role(c: Contributor) -> str:
    names = [_ROLE_NAMES[r] for r in c.roles if r in _ROLE_NAMES]
    return ", ".join(names) or "contributor"


def split_sheet_from(attr: Attribution) -> SplitSheet:
    people = attr.people
    bps = largest_remainder({c.id: c.share for c in people})
    text_work = attr.media_type.startswith("text/")
    entries = tuple(
        SplitEntry(
            contributor=c.id,
            name=c.name,
            legal_name=c.legal_name,
            role=_role(c),
            share_bps=bps[c.id],
            pro=c.pro,
            ipi=c.ipi,
            credit_roles=tuple(dict.fromkeys(_CREDIT[r] for r in c.roles if r in _CREDIT))
            if text_work
            else (),
        )
        for c in people
    )
    entries = tuple(sorted(entries, key=lambda e: (-e.share_bps, e.contributor)))
    return SplitSheet(
        work_id=attr.work_id,
        title=attr.title,
        artifact_id=attr.artifact_id,
        media_type=attr.media_type,
        entries=entries,
        policy=attr.policy,
        excluded_ai=tuple(f"{c.name} ({c.model_id} {c.version})" for c in attr.ai_partners),
    )


def split_sheet(
    work: Any, artifact: Artifact | str | None = None, policy: Policy | dict | None = None
) -> SplitSheet:
    """The split sheet among the people who made ``artifact`` (default: the current version)."""
    return split_sheet_from(attribution(work, artifact, policy))
