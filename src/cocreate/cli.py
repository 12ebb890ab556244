"""The ``cocreate`` command: the studio, the loop from the terminal, and the ledger.

Every command takes ``--db URL`` (or ``$COCREATE_DB``); ids may be shortened
to any unique prefix, as in git.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.tree import Tree

from .errors import CocreateError
from .model import Artifact
from .names import printable
from .preferences import describe_attunement
from .session import Studio, Work
from .settings import SETTINGS, Settings, load_settings

app = typer.Typer(
    name="cocreate",
    help="AI-human co-creation: propose, judge, attune, and keep an honest record.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode="rich",
)
storage_app = typer.Typer(help="Manage the database.", no_args_is_help=True)
app.add_typer(storage_app, name="storage")
checkpoint_app = typer.Typer(
    help="Signed checkpoints of the ledger: receipts to keep elsewhere, key rotation.",
    no_args_is_help=True,
)
app.add_typer(checkpoint_app, name="checkpoint")

out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Storage URL (default: the db setting: $COCREATE_DB, the settings file, "
        "else a SQLite file in your data dir).",
    ),
]
By = Annotated[str | None, typer.Option("--by", help="Who acts (default: the work's creator).")]
Operator = Annotated[
    str | None, typer.Option("--operator", help="An operator the partner registered.")
]
Instruction = Annotated[str | None, typer.Option("--instruction", help="A request in words.")]
Param = Annotated[
    list[str] | None, typer.Option("--param", help="A partner parameter, name=value (repeatable).")
]


class _State:
    db: str | None = None
    command: str | None = None  # the command invoked (for storage's, "storage")


_state = _State()


@contextmanager
def _studio(db: str | None = None) -> Iterator[Studio]:
    _check_there(db or _state.db)
    try:
        with Studio(db or _state.db) as studio:
            yield studio
    except CocreateError as exc:
        err.print(f"[bold red]error:[/] {_shown(exc)}")
        raise typer.Exit(2) from None
    except Exception as exc:
        if not _is_database_error(exc):
            raise
        err.print(f"[bold red]error:[/] {_shown(_database_damaged(exc))}")
        raise typer.Exit(2) from None


def _is_database_error(exc: Exception) -> bool:
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, sqlite3.DatabaseError | SQLAlchemyError)


def _database_damaged(exc: Exception) -> str:
    first = (str(getattr(exc, "orig", None) or exc).splitlines() or [type(exc).__name__])[0]
    return f"the database is damaged or is not a cocreate database ({first})"


def _settings(**flags: Any) -> Settings:
    """The settings in force, with the global ``--db`` and ``flags``; a bad one ends the command."""
    try:
        return load_settings(origin="flag", db=_state.db, **flags)
    except CocreateError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None


@contextmanager
def _work(work_id: str) -> Iterator[tuple[Studio, Work]]:
    with _studio() as studio:
        yield studio, studio.work(work_id)


#: The commands that may make the database a --db names (the rest need one that is there).
_CREATES = {"new", "studio", "demo", "storage", "import"}


def _check_there(url: str | None) -> None:
    """Exit 2, naming the file, when a command that reads works gets a SQLite path not there.

    Opening it would make it (and its folder) silently, only to say "no work with id ...".
    """
    if not url or _state.command in _CREATES or (missing := _missing_sqlite(url)) is None:
        return
    err.print(
        f"[bold red]error:[/] no database at {escape(str(missing))} (--db {escape(url)}): "
        "check the path, or make one with `cocreate new`"
    )
    raise typer.Exit(2)


def _missing_sqlite(url: str) -> Path | None:
    """The file a ``sqlite:///`` URL names, when it is not there; ``None`` otherwise."""
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///") :].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    file = Path(path).expanduser()
    return None if file.exists() else file


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    db: DbOption = None,
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    """With no command, serve the web studio on 127.0.0.1."""
    _state.db = db
    _state.command = ctx.invoked_subcommand
    if version:
        from . import __version__

        out.print(f"cocreate {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        studio(host=None, port=None, open_browser=False)


# -- the web studio and the demo ------------------------------------------------------
@app.command()
def studio(
    host: Annotated[
        str | None,
        typer.Option(
            help="Address to bind (default: the host setting, 127.0.0.1; beyond loopback "
            "needs --unsafe-no-accounts)."
        ),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port; 0 picks a free one (default: the port setting).")
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open", metavar="", help="Open it in your web browser.")
    ] = False,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host", help="Also answer to this Host name, e.g. behind a proxy (repeatable)."
        ),
    ] = None,
    unsafe_no_accounts: Annotated[
        bool,
        typer.Option(
            "--unsafe-no-accounts",
            help="Allow a --host beyond this machine, though anyone reaching it can act.",
        ),
    ] = False,
) -> None:
    """Serve the web studio (the default command)."""
    config = _settings(host=host, port=port, allow_hosts=allow_host or None)
    host, port, allow_host = config.host, config.port, list(config.allow_hosts)
    try:
        from .web import serve
    except ImportError as exc:
        err.print(f"[bold red]error:[/] the web studio is not available: {exc}")
        raise typer.Exit(2) from None
    if open_browser:
        import webbrowser

        try:
            webbrowser.get()
        except webbrowser.Error:
            err.print("note: --open found no web browser here; open the address below yourself")
            open_browser = False
    try:
        serve(
            _state.db,
            host=host,
            port=port,
            open_browser=open_browser,
            allow_hosts=allow_host or (),
            unsafe_no_accounts=unsafe_no_accounts,
        )
    except CocreateError as exc:
        err.print(f"[bold red]error:[/] {escape(printable(str(exc)))}")
        raise typer.Exit(2) from None
    except OSError as exc:  # the port is taken, the address is not this machine's
        err.print(f"[bold red]error:[/] cannot listen on {escape(host)}:{port}: {exc.strerror}")
        raise typer.Exit(2) from None


@app.command()
def demo(
    domain: Annotated[str, typer.Option(help="Domain to work in.")] = "image",
    rounds: Annotated[int, typer.Option(min=1, max=100, help="Rounds to run.")] = 8,
    n: Annotated[int, typer.Option("-n", min=2, max=16, help="Proposals per round.")] = 6,
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the results.")] = Path(
        "cocreate-demo"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the simulated person and the partner.")] = 1,
) -> None:
    """A complete headless co-creation: a simulated person with a hidden taste works with a partner."""
    from .demo import run_demo

    try:
        run_demo(
            domain=domain, rounds=rounds, n=n, out_dir=out_dir, seed=seed, console=out, db=_state.db
        )
    except CocreateError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None


# -- works ----------------------------------------------------------------------------
@app.command("new")
def new_work(
    domain: Annotated[str, typer.Argument(help="image, design, ... (see `cocreate partners`).")],
    intention: Annotated[
        str, typer.Option("--intention", "-i", help="The brief: what you want to make.")
    ],
    creator: Annotated[str, typer.Option("--creator", "-c", help="Your name or id.")],
    partner: Annotated[
        str | None, typer.Option(help="Partner to work with (default: the domain's first).")
    ] = None,
    constraint: Annotated[list[str] | None, typer.Option(help="A constraint (repeatable).")] = None,
    criterion: Annotated[list[str] | None, typer.Option(help="A criterion (repeatable).")] = None,
    reference: Annotated[list[str] | None, typer.Option(help="A reference (repeatable).")] = None,
    surprise: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="0 = more of what I like, 1 = surprise me.")
    ] = 0.3,
    title: Annotated[str, typer.Option(help="A title (default: the brief).")] = "",
) -> None:
    """Start a new work."""
    with _studio() as st:
        work = st.create_work(
            domain,
            creator,
            {
                "brief": intention,
                "constraints": constraint or [],
                "criteria": criterion or [],
                "references": reference or [],
            },
            partner=partner,
            surprise=surprise,
            title=title,
        )
        out.print(f"created work [bold]{work.id}[/] ({work.domain}, partner {work.partner.name})")
        out.print(f"next: cocreate propose {work.id[:8]}")


@app.command("works")
def list_works(
    creator: Annotated[str | None, typer.Option(help="Only this creator's works.")] = None,
    domain: Annotated[str | None, typer.Option(help="Only this domain.")] = None,
) -> None:
    """List works."""
    with _studio() as st:
        works = st.works(creator=creator, domain=domain)
        if not works:
            out.print("no works yet: start one with [bold]cocreate new[/]")
            return
        table = Table("id", "domain", "creator", "title", "artifacts", "created")
        for w in works:
            table.add_row(
                w.id[:8],
                w.domain,
                _shown(w.creator),
                _shown(w.title),
                str(len(w.history())),
                w.created_at[:19],
            )
        out.print(table)


@app.command()
def partners() -> None:
    """List the AI partners and the domains they serve."""
    with _studio() as st:
        table = Table("name", "domain", "media type", "model", "version", "operators")
        for p in st.partners():
            from .partners import get

            caps = ", ".join(["fresh", "vary", *sorted(get(p.name)().capabilities)])
            table.add_row(p.name, p.domain, p.media_type, p.model_id, p.version, caps)
        out.print(table)


def _show_round(items: list[Artifact]) -> None:
    table = Table("#", "id", "how", "why it is shown")
    for k, a in enumerate(items, 1):
        table.add_row(str(k), a.id[:8], str(a.operator), a.reason)
    out.print(table)


@contextmanager
def _progress(label: str) -> Iterator[Any]:
    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield tick


@app.command()
def propose(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    n: Annotated[int, typer.Option("-n", min=1, max=64, help="How many proposals.")] = 9,
    surprise: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Surprise dial for this round.")
    ] = None,
    from_: Annotated[
        list[str] | None, typer.Option("--from", help="Vary these artifacts only (repeatable).")
    ] = None,
    strength: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="How bold the variations are.")
    ] = None,
    save: Annotated[
        Path | None, typer.Option(help="Also write the proposals into this folder.")
    ] = None,
    operator: Operator = None,
    instruction: Instruction = None,
    param: Param = None,
    by: By = None,
) -> None:
    """Ask the partner for proposals."""
    with _work(work_id) as (_, work), _progress("generating") as tick:
        items = work.propose(
            n,
            surprise=surprise,
            parents=from_,
            strength=strength,
            operator=operator,
            instruction=instruction or "",
            progress=tick,
            by=by,
            **dict(_parse_setting(x) for x in param or ()),
        )
    _show_round(items)
    if save:
        _save_all(items, save)


@app.command()
def variations(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    artifact: str,
    n: Annotated[int, typer.Option("-n", min=1, max=64)] = 9,
    strength: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.3,
    operator: Operator = None,
    instruction: Instruction = None,
    param: Param = None,
    by: By = None,
) -> None:
    """Variations of one artifact."""
    with _work(work_id) as (_, work), _progress("generating") as tick:
        items = work.variations(
            artifact,
            n,
            strength=strength,
            operator=operator,
            instruction=instruction or "",
            progress=tick,
            by=by,
            **dict(_parse_setting(x) for x in param or ()),
        )
        _show_round(items)


@app.command()
def interpolate(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    a: str,
    b: str,
    steps: Annotated[int, typer.Option(min=1, max=64)] = 5,
    by: By = None,
) -> None:
    """A strip of in-betweens of two artifacts."""
    with _work(work_id) as (_, work), _progress("generating") as tick:
        _show_round(work.interpolate(a, b, steps, progress=tick, by=by))


@app.command()
def choose(
    work_id: Annotated[str, typer.Argument(metavar="WORK")], artifact: str, by: By = None
) -> None:
    """Choose one artifact of its round."""
    with _work(work_id) as (_, work):
        j = work.choose(artifact, by=by)
        out.print(f"chose {j.artifact[:8]} out of {len(j.among)}")


@app.command()
def reject(
    work_id: Annotated[str, typer.Argument(metavar="WORK")], artifact: str, by: By = None
) -> None:
    """Reject an artifact."""
    with _work(work_id) as (_, work):
        work.reject(artifact, by=by)
        out.print("rejected")


@app.command()
def rate(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    artifact: str,
    stars: Annotated[int, typer.Argument(min=1, max=5)],
    by: By = None,
) -> None:
    """Rate an artifact from 1 to 5 stars."""
    with _work(work_id) as (_, work):
        work.rate(artifact, stars, by=by)
        out.print(f"rated {stars}★")


@app.command()
def rank(
    work_id: Annotated[str, typer.Argument(metavar="WORK")], best: str, worst: str, by: By = None
) -> None:
    """Best and worst of a round."""
    with _work(work_id) as (_, work):
        work.rank(best, worst, by=by)
        out.print("ranked")


@app.command()
def compare(
    work_id: Annotated[str, typer.Argument(metavar="WORK")], winner: str, loser: str, by: By = None
) -> None:
    """Winner over loser."""
    with _work(work_id) as (_, work):
        work.compare(winner, loser, by=by)
        out.print("compared")


@app.command()
def skip(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    artifact: Annotated[str | None, typer.Argument(help="Default: the whole last round.")] = None,
    by: By = None,
) -> None:
    """Seen, no opinion."""
    with _work(work_id) as (_, work):
        work.skip(artifact, by=by)
        out.print("skipped")


@app.command()
def note(
    work_id: Annotated[str, typer.Argument(metavar="WORK")], artifact: str, text: str, by: By = None
) -> None:
    """A note on an artifact."""
    with _work(work_id) as (_, work):
        work.note(artifact, text, by=by)
        out.print("noted")


@app.command()
def undo(work_id: Annotated[str, typer.Argument(metavar="WORK")], by: By = None) -> None:
    """Undo your latest act (a compensating event; the history keeps it)."""
    with _work(work_id) as (_, work):
        target = work.undo(by=by)
        out.print(f"undid {target[:8]}")


@app.command()
def redo(work_id: Annotated[str, typer.Argument(metavar="WORK")], by: By = None) -> None:
    """Put back your latest undone act."""
    with _work(work_id) as (_, work):
        target = work.redo(by=by)
    out.print(f"redone: {target[:8]}")


@app.command("type")
def type_text(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    text: str,
    at: Annotated[int | None, typer.Option(help="Where (default: the end of the draft).")] = None,
    by: By = None,
) -> None:
    """Type text into a text work's draft."""
    with _work(work_id) as (_, work):
        version = work.type(text, at=at, by=by)
        out.print(f"draft version {version}: {len(work.document()):,} characters")


@app.command()
def restore(
    work_id: Annotated[str, typer.Argument(metavar="WORK")], artifact: str, by: By = None
) -> None:
    """Go back to an earlier node; the next round builds on it."""
    with _work(work_id) as (_, work):
        a = work.restore(artifact, by=by)
        out.print(f"restored {a.id[:8]}")


@app.command()
def contribute(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    media_type: Annotated[
        str | None, typer.Option("--type", help="Media type (default: from the file).")
    ] = None,
    reference: Annotated[bool, typer.Option(help="Keep it as a reference, not a parent.")] = False,
    by: By = None,
) -> None:
    """Bring your own material into the work."""
    with _work(work_id) as (_, work):
        a = work.contribute(
            file.read_bytes(),
            media_type or _guess_type(file),
            by=by,
            role="reference" if reference else "material",
        )
        out.print(f"added {a.id[:8]} ({a.media_type}, {a.size:,} bytes)")


@app.command()
def edit(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    artifact: str,
    file: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="The edited file.")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="An adjustment, name=value (repeatable).")
    ] = None,
    by: By = None,
) -> None:
    """Your edit of an artifact: a new node, never an overwrite."""
    with _work(work_id) as (_, work):
        if set_:
            adjustments = dict(_parse_setting(s) for s in set_)
            a = work.edit(artifact, adjustments=adjustments, by=by)
        elif file:
            a = work.edit(artifact, file.read_bytes(), media_type=_guess_type(file), by=by)
        else:
            err.print("[bold red]error:[/] give --file or at least one --set name=value")
            raise typer.Exit(2)
        out.print(f"edited: new artifact {a.id[:8]}")


_MUSIC_OUT = {
    ".mid": "midi",
    ".midi": "midi",
    ".musicxml": "musicxml",
    ".xml": "musicxml",
    ".wav": "wav",
    ".png": "png",
    ".txt": "text",
}


@app.command()
def harmonise(
    melody: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="MIDI, MusicXML, ABC or typed notes."
        ),
    ],
    output: Annotated[
        Path,
        typer.Option("--out", "-o", help="Where to write it: .mid, .musicxml, .wav, .png or .txt."),
    ],
    voices: Annotated[
        str, typer.Option(help="4, 3, 2, or 'chords' (the melody with chord symbols).")
    ] = "4",
    key: Annotated[
        str | None, typer.Option(help="The key, e.g. 'G minor' (default: found from the notes).")
    ] = None,
    metre: Annotated[
        str | None, typer.Option(help="The metre, e.g. 3/4 (default: the file's).")
    ] = None,
    surprise: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="0 = the likeliest chords.")
    ] = 0.2,
    seed: Annotated[int, typer.Option(help="Seed of the harmonisation.")] = 0,
    corpus: Annotated[
        str, typer.Option(help="The training music of the style model.")
    ] = "bach-chorales",
    limit: Annotated[
        int | None,
        typer.Option(min=1, help="Learn from only the first N training pieces (quicker)."),
    ] = None,
    work_id: Annotated[
        str | None,
        typer.Option("--work", help="Record it in this music work (as your melody, harmonised)."),
    ] = None,
    by: By = None,
) -> None:
    """Harmonise a melody in four parts (or with chord symbols), keeping it note for note."""
    fmt = _MUSIC_OUT.get(output.suffix.lower())
    if fmt is None:
        err.print(
            f"[bold red]error:[/] write to .mid, .musicxml, .wav, .png or .txt, not {output.suffix or 'no suffix'}"
        )
        raise typer.Exit(2)
    parts: int | str = voices if voices == "chords" else int(voices) if voices.isdigit() else voices
    import numpy as np

    from .partners.music import MusicPartner, render_as
    from .partners.music import harmonise as harmonise_melody

    data = melody.read_bytes()
    try:
        if work_id:
            with _work(work_id) as (_, work):
                record = getattr(work, "harmonise", None)
                if record is None:
                    err.print(
                        "[bold red]error:[/] this version of cocreate cannot record a harmonisation in a work yet"
                    )
                    raise typer.Exit(2)
                a = record(data, voices=parts, by=by)
                genome = a.genome
                out.print(f"recorded {a.id[:8]} in work {work.id[:8]}")
        else:
            genome = harmonise_melody(
                MusicPartner(corpus=corpus, limit=limit),
                data,
                None,
                parts,
                np.random.default_rng(seed),
                key=key,
                metre=metre,
                surprise=surprise,
            )
        output.write_bytes(render_as(genome, fmt))
    except CocreateError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None
    out.print(
        f"wrote {output} ({', '.join(genome['voices'])} in {genome['key']} {genome['mode']}, {genome['metre']})"
    )


@app.command()
def save(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    artifact: str,
    path: Path,
    size: Annotated[int | None, typer.Option(help="Render again at this size (e.g. 2048).")] = None,
) -> None:
    """Write an artifact's file (optionally rendered again at a new size)."""
    with _work(work_id) as (_, work):
        data = work.render(artifact, size) if size else work.artifact(artifact).content
        path.write_bytes(data)
        out.print(f"wrote {path} ({len(data):,} bytes)")


@app.command()
def history(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The branching history of a work."""
    with _work(work_id) as (_, work):
        h = work.history()
        if as_json:
            out.print_json(json.dumps(h.to_dict()))
            return
        tree = Tree(f"[bold]{_shown(work.title)}[/] ({work.domain}, {len(h)} artifacts)")
        branches: dict[int, Tree] = {-1: tree}
        for depth, node in h.walk():
            a = node.artifact
            mark = " [green]◀ current[/]" if a.id == h.current else ""
            who = _shown(a.author if a.origin == "human" else f"{a.author} (AI)")
            label = (
                f"{a.id[:8]} {a.operator} by {who}"
                + (f" [dim]{node.status}[/]" if node.status else "")
                + mark
            )
            if not node.active:
                label = f"[strike]{label}[/] (undone)"
            branches[depth] = branches[depth - 1].add(label)
        out.print(tree)


@app.command()
def verify(
    file: Annotated[
        Path | None, typer.Argument(help="An exported file to check (default: the ledger).")
    ] = None,
    sidecar: Annotated[
        Path | None, typer.Option(help="The file's .c2pa sidecar, if it has one.")
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="Check every media file's size but rehash only a random sample."
        ),
    ] = False,
    receipt: Annotated[
        Path | None,
        typer.Option(
            help="A receipt from `cocreate checkpoint export`: prove the ledger still holds "
            "exactly its history."
        ),
    ] = None,
) -> None:
    """Check the ledger and every media file it names, or an exported file's Content Credentials.

    The ledger check includes its signed checkpoints; a rewrite is named by the
    first event after the last good checkpoint.

    Exit status: 0 when everything holds, 1 when verification failed (the
    ledger or a media file is damaged, the database cannot be read, or the
    file's credentials do not check out), 2 for bad input or usage (no such
    file, a type that carries no credentials, a schema to upgrade).
    """
    for path, what in ((file, "file"), (sidecar, "sidecar"), (receipt, "receipt")):
        if path is not None and not path.is_file():
            said = "is a folder, not a file" if path.is_dir() else "does not exist"
            err.print(f"[bold red]error:[/] the {what} {_shown(path)} {said}")
            raise typer.Exit(2)
    _check_there(_state.db)
    try:
        with Studio(_state.db) as st:
            ok = (
                _verify_store(st, quick, receipt)
                if file is None
                else _verify_file(st, file, sidecar)
            )
    except typer.Exit:
        raise
    except Exception as exc:
        code, said = _verify_failure(exc)
        err.print(f"[bold red]{'error' if code == 2 else 'NOT OK'}:[/] {_shown(said)}")
        raise typer.Exit(code) from None
    raise typer.Exit(0 if ok else 1)


def _verify_store(st: Studio, quick: bool, receipt: Path | None = None) -> bool:
    from .integrity import recorded_media, verify_media

    held = None
    if receipt is not None:
        try:
            held = json.loads(receipt.read_bytes())
        except (json.JSONDecodeError, UnicodeDecodeError):
            held = {}
        if not isinstance(held, dict):
            held = {}
    with _progress("checking the ledger"):
        ledger = st.verify(receipt=held)
    _say(out if ledger.ok else err, str(ledger), "green" if ledger.ok else "bold red")
    try:
        recorded = recorded_media(st.storage)
    except Exception as exc:
        _say(err, f"media not checked: the ledger's records cannot be read: {exc}", "bold red")
        return False
    with _progress("rehashing media" if not quick else "checking media") as tick:
        media = verify_media(st.storage, st.media, quick=quick, progress=tick, recorded=recorded)
    _say(out if media.ok else err, str(media), "green" if media.ok else "bold red")
    return ledger.ok and media.ok


def _verify_file(st: Studio, file: Path, sidecar: Path | None) -> bool:
    from .authorship import verify_file

    if sidecar is None and file.with_suffix(file.suffix + ".c2pa").is_file():
        sidecar = file.with_suffix(file.suffix + ".c2pa")
    report = verify_file(
        st,
        file.read_bytes(),
        filename=file.name,
        sidecar=sidecar.read_bytes() if sidecar else None,
    )
    _say(out if report.ok else err, str(report))
    return report.ok


def _verify_failure(exc: Exception) -> tuple[int, str]:
    """The exit status and the sentence for what stopped ``verify`` before its verdict."""
    from .errors import LedgerIntegrityError, SchemaOutOfDate, StorageError

    if isinstance(exc, SchemaOutOfDate):
        return 2, str(exc)
    if isinstance(exc, StorageError | LedgerIntegrityError):
        return 1, f"the database is damaged: {exc}"
    if isinstance(exc, CocreateError):
        return 2, str(exc)
    if _is_database_error(exc):
        return 1, _database_damaged(exc)
    if isinstance(exc, OSError):
        return 2, f"cannot read {exc.filename or 'a file'}: {exc.strerror or exc}"
    raise exc


@app.command("import")
def import_history(
    file: Annotated[Path, typer.Argument(help="A JSON-lines history of text edits.")],
    creator: Annotated[str, typer.Option("--creator", "-c", help="Your name or id.")],
    domain: Annotated[str, typer.Option(help="The new work's domain (text).")] = "text",
    history_format: Annotated[
        str, typer.Option("--format", help="cocreate (cocreate.history/1) or coauthor.")
    ] = "cocreate",
    intention: Annotated[
        str | None, typer.Option("--intention", "-i", help="The brief (default: the file's).")
    ] = None,
    title: Annotated[str, typer.Option(help="A title (default: the file's, or its name).")] = "",
) -> None:
    """Import co-writing recorded elsewhere into a new work, every character with its origin."""
    from .importing import record, replay

    with _studio() as st:
        if domain != "text":
            raise typer.BadParameter(f"histories of text edits make text works, not {domain!r}")
        replayed = replay(file, format=history_format, writer=creator)
        header = replayed.header
        work = st.create_work(
            domain,
            creator,
            intention or str(header.get("intention") or f"imported from {file.name}"),
            title=title or str(header.get("title") or file.stem),
        )
        acts = record(work, replayed, by=creator)
        kinds = ", ".join(
            f"{n:,} by {kind}" for kind, n in sorted(replayed.stats["characters_by_kind"].items())
        )
        out.print(
            f"imported {acts:,} edits into work [bold]{work.id}[/]: "
            f"{len(replayed.text):,} characters ({kinds or 'none'})"
        )


# -- backup, restore, erasure ---------------------------------------------------------
Passphrase = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help="A file whose first line is the passphrase (default: $COCREATE_PASSPHRASE, "
        "else you are asked).",
    ),
]


def _passphrase(file: Path | None, *, confirm: bool) -> str:
    import os

    if file is not None:
        try:
            return file.read_text().splitlines()[0]
        except (OSError, IndexError):
            err.print(f"[bold red]error:[/] cannot read a passphrase from {_shown(file)}")
            raise typer.Exit(2) from None
    if os.environ.get("COCREATE_PASSPHRASE"):
        return os.environ["COCREATE_PASSPHRASE"]
    return typer.prompt("passphrase", hide_input=True, confirmation_prompt=confirm)


def _places(config: Settings) -> tuple[Path | None, Path | None]:
    """The media folder and the identity store the settings name (as a studio finds them)."""
    media = Path(config.media) if config.media is not None else None
    if config.keys is not None:
        return media, Path(config.keys)
    return media, (media.resolve().parent / "credentials" if media is not None else None)


@app.command()
def backup(
    archive: Annotated[Path, typer.Argument(metavar="OUT.tar", help="The archive to write.")],
    with_private_keys: Annotated[
        bool,
        typer.Option(
            "--with-private-keys", help="Also keep the private keys, encrypted under a passphrase."
        ),
    ] = False,
    passphrase_file: Passphrase = None,
) -> None:
    """Write the ledger, media and public keys to one archive, with a SHA-256 manifest."""
    from .integrity.backup import backup as write_backup

    config = _settings()
    _check_there(config.db)
    media, keys = _places(config)
    secret = _passphrase(passphrase_file, confirm=True) if with_private_keys else None
    try:
        report = write_backup(
            config.db,
            archive,
            media=media,
            keys=keys,
            with_private_keys=with_private_keys,
            passphrase=secret,
        )
    except CocreateError as exc:
        err.print(f"[bold red]error:[/] {_shown(exc)}")
        raise typer.Exit(2) from None
    _say(out, f"wrote {report}")
    for name in report.skipped:
        _say(err, f"left out: media {name[:16]} is damaged in the store")


@app.command("restore-backup")
def restore_backup(
    archive: Annotated[
        Path, typer.Argument(metavar="ARCHIVE.tar", exists=True, dir_okay=False, readable=True)
    ],
    db: DbOption = None,
    media: Annotated[
        Path | None, typer.Option("--media", help="The empty media folder to fill.")
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option("--keys", help="The empty identity store to fill (default: beside media)."),
    ] = None,
    passphrase_file: Passphrase = None,
) -> None:
    """Bring a backup archive back into an empty database (it never overwrites)."""
    from .integrity.backup import read_archive
    from .integrity.backup import restore as do_restore

    if db:
        _state.db = db
    config = _settings()
    where_media, where_keys = _places(config)
    media = media or where_media
    keys = keys or (media.resolve().parent / "credentials" if media is not None else where_keys)
    try:
        manifest, _ = read_archive(archive)
        secret = (
            _passphrase(passphrase_file, confirm=False) if manifest.get("private_keys") else None
        )
        report = do_restore(archive, config.db, media=media, keys=keys, passphrase=secret)
    except CocreateError as exc:
        err.print(f"[bold red]error:[/] {_shown(exc)}")
        raise typer.Exit(2) from None
    _say(out, f"restored {report}")
    _say(out, "check it with: cocreate --db <the same URL> verify")


@app.command()
def erase(
    person: Annotated[str, typer.Argument(metavar="PERSON")],
    by: Annotated[str, typer.Option("--by", help="Who carries out the erasure.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask; erasure cannot be undone.")
    ] = False,
) -> None:
    """Erase a person's personal data (profile, notes, uploads); the ledger still verifies."""
    if not yes:
        typer.confirm(f"erase {person}'s personal data for good?", abort=True)
    with _studio() as st:
        from .integrity.erasure import erase_person

        report = erase_person(st, person, by=by)
    _say(out, str(report))


# -- authorship -----------------------------------------------------------------------
@app.command()
def attribution(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    artifact: Annotated[str | None, typer.Option(help="Default: the current version.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Who contributed what: shares, disclosure and split sheet."""
    with _work(work_id) as (_, work):
        report = work.attribution(artifact)
        if as_json:
            out.print_json(json.dumps(report.to_dict()))
            return
        _say(out, str(report))
        out.print()
        _say(out, work.disclosure(artifact).text)
        out.print()
        _say(out, work.split_sheet(artifact).text)


@app.command()
def export(
    work_id: Annotated[str, typer.Argument(metavar="WORK")],
    format: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="file, prov-json, prov-n, prov-xml, disclosure-txt, ..."
        ),
    ] = "file",
    artifact: Annotated[str | None, typer.Option(help="Default: the current version.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("."),
    provenance: Annotated[bool, typer.Option(help="Embed Content Credentials.")] = True,
    size: Annotated[
        int | None, typer.Option(help="Render the file again at this size first (e.g. 2048).")
    ] = None,
    by: By = None,
) -> None:
    """Export a work's file or its records."""
    with _work(work_id) as (_, work):
        result = work.export(
            format=format, artifact=artifact, provenance=provenance, by=by, size=size
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / result.filename
        path.write_bytes(result.data)
        out.print(f"wrote {path} ({len(result.data):,} bytes)")
        if result.sidecar:
            side = out_dir / result.sidecar_filename
            side.write_bytes(result.sidecar)
            out.print(f"wrote {side}")


# -- taste ----------------------------------------------------------------------------
@app.command()
def taste(
    creator: str,
    domain: str,
    reset: Annotated[
        bool, typer.Option(help="Forget this taste (the ledger keeps the judgments).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Inspect, export (--json) or reset what the partner learned of a creator's taste."""
    with _studio() as st:
        if reset:
            st.reset_taste(creator, domain)
            out.print(f"forgot {_shown(creator)}'s taste in {_shown(domain)}")
            return
        profile = st.taste(creator, domain)
        if as_json:
            out.print_json(json.dumps(profile))
            return
        _say(out, _format_profile(profile))


def _spots(home: dict[str, Any]) -> str:
    return ", ".join(f"{r['feature']} {r['value']:.2f} ± {r['spread']:.2f}" for r in home["surest"])


def _which(home: dict[str, Any]) -> str:
    """What the listed features are: the surest of a pinned spot, a guess's leanings otherwise."""
    return "surest features" if home["pinned"] else "where it leans so far"


def _lean(feature: dict[str, Any]) -> str:
    """``more warmth`` / ``less symmetry``; a choice's option as ``towards font courier``."""
    param, is_choice, option = feature["name"].partition("=")
    up = feature["weight"] > 0
    if is_choice:
        said = f"{'towards' if up else 'away from'} {param} {option}"
    else:
        said = f"{'more' if up else 'less'} {param}"
    return said if feature["sure"] else f"{said}?"


def _format_profile(profile: dict[str, Any]) -> str:
    lines = [
        f"{profile['creator']} in {profile['domain']}: {profile['judgments']} preferences learned",
    ]
    if profile.get("summary"):
        lines.append(profile["summary"])
    curve = profile.get("attunement") or {}
    if (line := describe_attunement(curve)) is not None:
        lines.append(line)
    leans = (profile.get("model") or {}).get("top_features") or []
    held = (profile.get("model") or {}).get("held_out") or {}
    if held.get("tested") and not held.get("above_chance"):
        leans = []  # what a fit to choices it cannot foresee leans to is noise (see the summary)
    if leans:
        said = ", ".join(_lean(f) for f in leans[:5])
        lines.append(f"near what you judged, appeal leans: {said} (? not sure yet)")
    ideal = profile.get("ideal_point")
    if ideal:
        first, *others = ideal["homes"]
        label = "favourite spot" if first["pinned"] else "favourite spot, not pinned down yet"
        lines.append(f"{label} ({_which(first)}): {_spots(first)}; width {ideal['width']:.2f}")
        for k, home in enumerate(others, start=2):
            how = f"{home['height']:.0%} as appealing" if home["pinned"] else "not pinned down yet"
            lines.append(f"home {k}, {how} ({_which(home)}): {_spots(home)}")
    return "\n".join(lines)


# -- storage --------------------------------------------------------------------------
@storage_app.command("upgrade")
def storage_upgrade(db: DbOption = None) -> None:
    """Bring the database schema up to date (Alembic migrations)."""
    from .storage.sql import upgrade_database

    url = db or _state.db or _settings().db
    if not url.startswith(("sqlite", "postgres")):
        err.print(f"[bold red]error:[/] {url} is not a SQL database")
        raise typer.Exit(2)
    try:
        before, after = upgrade_database(url)
    except CocreateError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    if before == after:
        out.print(f"schema already at the latest revision ({after})")
    else:
        out.print(f"schema upgraded from {before or 'empty'} to {after}")


@storage_app.command("info")
def storage_info(db: DbOption = None) -> None:
    """Where the database is, its schema revision and its size."""
    from .storage import schema

    with _studio(db) as st:
        count, head = st.storage.head()
        out.print(f"storage: {st.storage.url}")
        out.print(f"schema: {schema.head_revision()}")
        out.print(f"events: {count:,}, head {head[:16]}")


# -- settings -------------------------------------------------------------------------
@app.command("settings")
def settings_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every setting, its value and where it came from (default, file, env or flag)."""
    current = _settings()
    if as_json:
        out.print_json(json.dumps(current.to_dict()))
        return
    found = "" if current.file_found else " [dim](not there)[/]"
    out.print(f"settings file: {escape(str(current.file))}{found}")
    table = Table()
    table.add_column("setting", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("from", overflow="fold")
    for name, setting in SETTINGS.items():
        value = setting.show(getattr(current, name))
        table.add_row(name, escape(value), escape(str(current.source(name))))
    out.print(table)
    out.print("[dim]what each one means: the README's Settings section[/]")


# -- helpers --------------------------------------------------------------------------
def _shown(value: object) -> str:
    """Stored or given text as the terminal may show it: control characters escaped, no markup."""
    return escape(printable(value))


def _say(console: Console, text: str, style: str | None = None) -> None:
    """Print plain text (names in it included) as it is: no markup, control characters escaped."""
    console.print(printable(text, keep_newlines=True), style=style, markup=False, highlight=False)


_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".mid": "audio/midi",
    ".midi": "audio/midi",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".musicxml": "application/vnd.recordare.musicxml+xml",
    ".json": "application/json",
}


def _guess_type(path: Path) -> str:
    try:
        return _TYPES[path.suffix.lower()]
    except KeyError:
        err.print(f"[bold red]error:[/] cannot tell the media type of {path.name}; give --type")
        raise typer.Exit(2) from None


def _parse_setting(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        err.print(f"[bold red]error:[/] an adjustment is name=value, not {text!r}")
        raise typer.Exit(2)
    try:
        return name.strip(), json.loads(value)
    except json.JSONDecodeError:
        return name.strip(), value


def _save_all(items: list[Artifact], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ext = {"image/png": ".png", "image/svg+xml": ".svg", "text/plain": ".txt", "audio/midi": ".mid"}
    for k, a in enumerate(items, 1):
        (folder / f"{k:02d}-{a.id[:8]}{ext.get(a.media_type, '.bin')}").write_bytes(a.content)
        if a.media_type == "audio/midi" and a.genome is not None:  # a preview to listen to
            try:
                from .partners.music import render_as

                wav = render_as(a.genome, "wav")
            except (ImportError, CocreateError):
                continue  # no synthesiser or SoundFont here: the MIDI is the file
            (folder / f"{k:02d}-{a.id[:8]}.wav").write_bytes(wav)
    out.print(f"saved {len(items)} files in {folder}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("stopped")
        sys.exit(130)


@checkpoint_app.command("export")
def checkpoint_export(
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the receipt (JSON).")],
) -> None:
    """Write a small signed receipt of the ledger's history now, to keep somewhere else.

    `cocreate verify --receipt FILE` later proves the ledger still holds exactly
    that history, even against someone who holds the studio's key.
    """
    with _studio() as st:
        report = st.verify()
        if not report.ok:
            _say(err, f"no receipt written: {report}", "bold red")
            raise typer.Exit(1)
        receipt = st.checkpoints.export_receipt()
    out_path.write_text(json.dumps(receipt, indent=2) + "\n")
    size = receipt["checkpoint"]["size"]
    _say(out, f"receipt of {size} events written to {out_path.name}")


@checkpoint_app.command("rotate-key")
def checkpoint_rotate_key() -> None:
    """Make a new checkpoint key; the old public key stays trusted, so old checkpoints verify."""
    from .authorship.identity import credentials_dir, rotate_checkpoint_key

    with _studio() as st:
        d = credentials_dir(st)
        if d is None:
            err.print("[bold red]error:[/] this studio keeps no identity store (media in memory)")
            raise typer.Exit(2)
        keys = rotate_checkpoint_key(d)
        st.checkpoints.keys = keys
    _say(out, f"new checkpoint key {keys.key_id[:16]}; {len(keys.trusted)} keys trusted")
