"""A complete, headless co-creation: a simulated person works with a partner.

The person has a hidden taste (a random preference over what the partner's
features measure). Each round they see N proposals, choose one with some
noise (a Luce choice), reject the one they like least, now and then rate, and
the partner learns. At the end the person edits their last pick; that edit is
the final piece, and the demo writes it with its Content Credentials and
records, and checks the ledger.

The output folder holds pictures and records only: the signing keys stay in
the studio's identity store (the ``keys`` setting, else the user's data
directory), and only the public root certificate is written beside the
outputs, for verifiers. A rerun starts afresh: the folder's demo database
from an earlier (perhaps interrupted) run is removed first, so the same seed
gives the same result.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from . import partners as partner_registry
from .errors import InputError
from .model import Artifact
from .preferences import describe_attunement
from .session import Studio, Work

BRIEFS = {
    "image": "a calm, symmetric emblem in warm colours",
    "design": "a poster for a summer jazz night by the river",
}
EXTENSIONS = {"image/png": ".png", "image/svg+xml": ".svg", "text/plain": ".txt"}


#: The demo's pool of candidates a round is chosen from: smaller than a partner's own
#: (256 / 96), so that the whole demo takes seconds; a studio uses the partner's.
DEMO_POOL = 32

#: What the table's columns mean, one line each, printed under it.
LEGEND = (
    "taste: how much the simulated person likes the pick, by its hidden taste",
    "best: the highest taste of any pick so far",
    "foreseen: whether the partner's predicted pick was the one picked",
)


class SimulatedPerson:
    """Chooses by a hidden linear taste over features, with Luce noise.

    Like a person, they never pick a near-black picture, and reject it first:
    with a ``lightness_mean`` feature, anything darker than ``too_dark`` is the
    least liked, whatever the hidden taste says.
    """

    def __init__(
        self,
        dims: int,
        seed: int,
        temperature: float = 0.05,
        feature_names: tuple[str, ...] = (),
        too_dark: float = 0.2,
    ) -> None:
        rng = np.random.default_rng(seed)
        self.weights = rng.normal(size=dims)
        self.weights /= np.linalg.norm(self.weights)
        self.temperature = temperature
        self.rng = rng
        names = list(feature_names)
        self._lightness = names.index("lightness_mean") if "lightness_mean" in names else None
        self.too_dark = too_dark

    def utility(self, a: Artifact) -> float:
        u = float(np.dot(self.weights, np.asarray(a.features, dtype=float)))
        if self._lightness is not None and a.features[self._lightness] < self.too_dark:
            u -= 10.0  # near-black: nobody's favourite
        return u

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
    keys: Path | None = None,
) -> dict[str, Any]:
    """Run the demo; return a summary (also printed).

    ``keys`` is the identity store that signs the exports (default: the
    studio's own, see :func:`identity_store`); it is never inside ``out_dir``.
    """
    console = console or Console()
    out_dir.mkdir(parents=True, exist_ok=True)
    if db is None:
        _start_afresh(out_dir, console)
        url = f"sqlite:///{out_dir.resolve() / 'demo.db'}"
    else:
        url = db
        console.print(f"(working in the database you gave, {db}: the demo adds a work to it)")
    identity = _identity(keys, out_dir)
    partner_cls = partner_registry.for_domain(domain)[0]
    store = Path(keys) if keys is not None else identity_store()
    with Studio(url, seed=seed, pool_size=DEMO_POOL, keys=store) as studio:
        work = studio.create_work(
            domain, "demo-person", BRIEFS.get(domain, f"a piece of {domain}"), surprise=0.25
        )
        person = SimulatedPerson(
            len(partner_cls.feature_names), seed, feature_names=tuple(partner_cls.feature_names)
        )
        console.print(
            f"[bold]cocreate demo[/]: {domain} with partner [bold]{partner_cls.name}[/], "
            f"{rounds} rounds of {n}"
        )
        console.print(f"brief: {work.intention.brief!r}")
        picks_dir = out_dir / "picks"
        shutil.rmtree(picks_dir, ignore_errors=True)
        picks_dir.mkdir()
        # one line a round at 80 columns: the reason is cut at a word to what is left
        why_width = max(16, min(90, console.width - 50))
        table = Table("round", "pick", "why it was shown", "taste", "best", "foreseen")
        table.columns[2].no_wrap = True
        table.columns[2].overflow = "ellipsis"
        best = -np.inf
        last: Artifact | None = None
        names: dict[str, str] = {}  # a pick's id: its file's name, for the reasons
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
            name = f"round-{r:02d}"
            (picks_dir / f"{name}{EXTENSIONS.get(pick.media_type, '.bin')}").write_bytes(
                pick.content
            )
            why = _named(pick, names).split(";")[0]  # what it is; the rest is in the studio
            names[pick.id] = name
            table.add_row(
                str(r),
                name,
                textwrap.shorten(why, why_width, placeholder=" …"),
                f"{person.utility(pick):+.2f}",
                f"{best:+.2f}",
                "yes" if foreseen == pick else ("no" if foreseen else "–"),
            )
            last = pick
        console.print(table)
        for line in LEGEND:
            console.print(f"  {line}", style="dim", overflow="fold")
        assert last is not None
        final, said = _finish(work, partner_cls, last, rounds, out_dir, console, identity)
        curve = work.attunement()
        report = studio.verify()
        console.print(str(report))
        if (line := describe_attunement(curve)) is not None:
            console.print(line)
        console.print(f"results in [bold]{out_dir}[/] (each round's pick in {picks_dir.name}/)")
        console.print(said)  # the last word: the piece it calls final
        return {
            "work": work.id,
            "final": final.id,
            "last_pick": last.id,
            "ledger_ok": report.ok,
            "events": report.count,
            "attunement": curve["accuracy"],
        }


def _named(a: Artifact, names: dict[str, str]) -> str:
    """The reason, with each parent's id given as the pick's name it is (or "another")."""
    why = a.reason
    for p in a.parents:
        why = why.replace(p[:8], names.get(p, "another"))
    return why


def identity_store() -> Path:
    """The studio's own identity store: the ``keys`` setting, else the user's data directory."""
    try:
        from .settings import load_settings

        keys = load_settings().keys
    except ImportError:  # a cocreate without settings: the folder's variable, if set
        import os

        keys = os.environ.get("COCREATE_KEYS") or os.environ.get("COCREATE_CREDENTIALS")
    if keys:
        return Path(keys)
    import platformdirs

    return Path(platformdirs.user_data_dir("cocreate")) / "credentials"


def _identity(keys: Path | None, out_dir: Path) -> Any:
    """The identity that signs, from its store (never the output folder); its root beside the outputs."""
    try:
        from .authorship.identity import Identity
    except ImportError:  # no authorship module: nothing is signed
        return None
    store = Path(keys) if keys is not None else identity_store()
    if store.resolve().is_relative_to(out_dir.resolve()):
        raise InputError(
            f"the signing keys would land in the output folder {out_dir}: keep them apart"
        )
    identity = Identity.load_or_create(store)
    (out_dir / "studio-root.pem").write_bytes(identity.trust_anchors_pem)
    return identity


def _start_afresh(out_dir: Path, console: Console) -> None:
    """Remove an earlier run's database (and its media) from the folder, saying so."""
    old = [out_dir / "demo.db", out_dir / "demo-media", out_dir / "credentials"]
    old += [p for p in out_dir.glob("demo.db-*") if p.is_file()]
    if not any(p.exists() for p in old):
        return
    for p in old:
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    console.print(
        f"(an earlier demo's database was in {out_dir}, perhaps from an interrupted run: "
        "starting afresh)"
    )


def _finish(
    work: Work,
    partner_cls: type,
    last: Artifact,
    rounds: int,
    out_dir: Path,
    console: Console,
    identity: Any,
) -> tuple[Artifact, str]:
    """The final piece: the person's edit of their last pick (or the pick itself), written out."""
    final = last
    said = f"round {rounds}'s pick"
    if partner_cls.edit_params and last.genome is not None:
        first = next(iter(partner_cls.edit_params))
        adjust = {"symmetry": "mirror-x"} if "symmetry" in partner_cls.edit_params else None
        adjust = adjust or {first: _nudge(first)}
        try:
            final = work.edit(last, adjustments=adjust)
            how = ", ".join(f"{k} {v}" for k, v in adjust.items())
            said = f"round {rounds}'s pick, edited by the person ({how})"
        except Exception as exc:  # an edit the partner refuses is not fatal to the demo
            console.print(f"(no demo edit: {exc})")
    ext = EXTENSIONS.get(final.media_type, ".bin")
    written = [f"final-preview{ext}"]
    (out_dir / written[0]).write_bytes(final.content)
    if final.genome is not None and final.media_type == "image/png":
        (out_dir / "final-1024.png").write_bytes(work.render(final, 1024))
        written.append("final-1024.png")
    try:
        exported = work.export("file", final, identity=identity)
        (out_dir / exported.filename).write_bytes(exported.data)
        written.append(f"{exported.filename} (signed)")
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
    return final, f"[bold]final piece[/]: {said}\n  " + "\n  ".join(written)


def _nudge(name: str) -> Any:
    return 0.1
