"""A complete, headless co-creation: a simulated person works with a partner.

The person has a hidden taste (a random preference over what the partner's
features measure). Each round they see N proposals, choose one with some
noise (a Luce choice), reject the one they like least, now and then rate or
edit, and the partner learns. At the end the demo writes the final piece,
its Content Credentials and records, and checks the ledger.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from . import partners as partner_registry
from .model import Artifact
from .preferences import describe_attunement
from .session import Studio, Work

BRIEFS = {
    "image": "a calm, symmetric emblem in warm colours",
    "design": "a poster for a summer jazz night by the river",
}
EXTENSIONS = {"image/png": ".png", "image/svg+xml": ".svg", "text/plain": ".txt"}


class SimulatedPerson:
    """Chooses by a hidden linear taste over features, with Luce noise."""

    def __init__(self, dims: int, seed: int, temperature: float = 0.05) -> None:
        rng = np.random.default_rng(seed)
        self.weights = rng.normal(size=dims)
        self.weights /= np.linalg.norm(self.weights)
        self.temperature = temperature
        self.rng = rng

    def utility(self, a: Artifact) -> float:
        return float(np.dot(self.weights, np.asarray(a.features, dtype=float)))

    def choose(self, shown: list[Artifact]) -> Artifact:
        u = np.array([self.utility(a) for a in shown])
        p = np.exp((u - u.max()) / self.temperature)
        return shown[int(self.rng.choice(len(shown), p=p / p.sum()))]


def run_demo(
    *,
    domain: str = "image",
    rounds: int = 8,
    n: int = 6,
    out_dir: Path = Path("cocreate-demo"),
    seed: int = 1,
    console: Console | None = None,
    db: str | None = None,
) -> dict[str, Any]:
    """Run the demo; return a summary (also printed)."""
    console = console or Console()
    out_dir.mkdir(parents=True, exist_ok=True)
    url = db or f"sqlite:///{out_dir.resolve() / 'demo.db'}"
    partner_cls = partner_registry.for_domain(domain)[0]
    with Studio(url, seed=seed) as studio:
        work = studio.create_work(
            domain, "demo-person", BRIEFS.get(domain, f"a piece of {domain}"), surprise=0.25
        )
        person = SimulatedPerson(len(partner_cls.feature_names), seed)
        console.print(
            f"[bold]cocreate demo[/]: {domain} with partner [bold]{partner_cls.name}[/], "
            f"{rounds} rounds of {n}; brief: {work.intention.brief!r}"
        )
        table = Table(
            "round", "picked", "why it was shown", "taste of pick", "best so far", "foreseen"
        )
        best = -np.inf
        for r in range(1, rounds + 1):
            shown = work.propose(n)
            pick = person.choose(shown)
            work.choose(pick)
            worst = min(shown, key=person.utility)
            if worst != pick:
                work.reject(worst)
            if r % 3 == 0:
                work.rate(pick, 5)
            best = max(best, person.utility(pick))
            foreseen = next((a for a in shown if a.predicted), None)
            table.add_row(
                str(r),
                pick.id[:8],
                textwrap.shorten(pick.reason, 90, placeholder=" …"),
                f"{person.utility(pick):+.3f}",
                f"{best:+.3f}",
                "yes" if foreseen == pick else ("no" if foreseen else "–"),
            )
        console.print(table)
        final = _finish(work, partner_cls, out_dir, console)
        curve = work.attunement()
        report = studio.verify()
        console.print(str(report))
        if (line := describe_attunement(curve)) is not None:
            console.print(line)
        console.print(f"results in [bold]{out_dir}[/]")
        return {
            "work": work.id,
            "final": final.id,
            "ledger_ok": report.ok,
            "events": report.count,
            "attunement": curve["accuracy"],
        }


def _finish(work: Work, partner_cls: type, out_dir: Path, console: Console) -> Artifact:
    final = work.current()
    assert final is not None
    if partner_cls.edit_params and final.genome is not None:
        first = next(iter(partner_cls.edit_params))
        adjust = {"symmetry": "mirror-x"} if "symmetry" in partner_cls.edit_params else None
        try:
            final = work.edit(final, adjustments=adjust or {first: _nudge(first)})
        except Exception as exc:  # an edit the partner refuses is not fatal to the demo
            console.print(f"(no demo edit: {exc})")
    ext = EXTENSIONS.get(final.media_type, ".bin")
    (out_dir / f"final-preview{ext}").write_bytes(final.content)
    if final.genome is not None and final.media_type == "image/png":
        (out_dir / "final-1024.png").write_bytes(work.render(final, 1024))
    try:
        exported = work.export("file", final)
        (out_dir / exported.filename).write_bytes(exported.data)
        if exported.sidecar:
            (out_dir / exported.sidecar_filename).write_bytes(exported.sidecar)
        for fmt, name in (
            ("prov-json", "provenance.json"),
            ("disclosure-txt", "disclosure.txt"),
            ("splits-csv", "splits.csv"),
        ):
            (out_dir / name).write_bytes(work.export(fmt, final).data)
        console.print(str(work.attribution(final)))
    except ImportError as exc:
        console.print(f"(authorship exports unavailable: {exc})")
    return final


def _nudge(name: str) -> Any:
    return 0.1
