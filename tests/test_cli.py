"""The ``cocreate`` command, in-process (CliRunner) and as a real process."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cocreate
from cocreate.cli import app

runner = CliRunner()


def cli(db: str, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--db", db, *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in (
        "studio",
        "demo",
        "new",
        "works",
        "propose",
        "choose",
        "reject",
        "rate",
        "skip",
        "undo",
        "history",
        "verify",
        "storage",
        "export",
        "attribution",
    ):
        assert re.search(rf"\b{command}\b", result.output), command


def test_the_loop_from_the_terminal(db: str, tmp_path: Path) -> None:
    out = cli(db, "new", "toy", "-i", "calm numbers", "-c", "ana")
    work_id = re.search(r"created work (\w+)", out).group(1)
    short = work_id[:8]
    out = cli(db, "propose", short, "-n", "4", "--save", str(tmp_path / "round1"))
    ids = re.findall(r"│ \d+\s+│ (\w{8})", out)
    assert len(ids) == 4
    assert len(list((tmp_path / "round1").iterdir())) == 4
    cli(db, "choose", short, ids[1])
    cli(db, "reject", short, ids[0])
    cli(db, "rate", short, ids[2], "5")
    cli(db, "note", short, ids[2], "keep this rhythm")
    cli(db, "undo", short)
    cli(db, "edit", short, ids[1], "--set", "shift=0.1")
    material = tmp_path / "mine.txt"
    material.write_text("0.2 0.4 0.6 0.8")
    cli(db, "contribute", short, str(material))
    cli(db, "variations", short, ids[1], "-n", "2")
    cli(db, "skip", short)
    out = cli(db, "history", short)
    assert "chosen" in out and "edit by ana" in out and "contribute by ana" in out
    out = cli(db, "works")
    assert short in out and "calm numbers" in out

    with cocreate.Studio(db) as st:
        work = st.work(short)
        assert len(work.history()) == 4 + 1 + 1 + 2
        notes = [j for j in work.judgments() if j.kind == "note"]
        assert notes and notes[0].undone
        assert work.current() is not None

    out = cli(db, "save", short, ids[1], str(tmp_path / "one.txt"))
    assert (tmp_path / "one.txt").read_bytes()
    assert "ledger intact" in cli(db, "verify")
    shown = cli(db, "taste", "ana", "toy")
    assert "preferences learned" in shown
    assert " ± " in shown and "width" in shown
    exported = json.loads(cli(db, "taste", "ana", "toy", "--json"))
    first, second = exported["ideal_point"]["homes"]
    # "surest features" only of a pinned spot; an unpinned one says it only leans
    said = (
        "favourite spot (surest features)"
        if first["pinned"]
        else "favourite spot, not pinned down yet (where it leans so far)"
    )
    assert f"{said}: " in shown, shown
    how = (
        r"\d+% as appealing \(surest features\)"
        if second["pinned"]
        else r"not pinned down yet \(where it leans so far\)"
    )
    assert re.search(rf"home 2, {how}: \w+ [\d.]+ ± ", shown), shown
    held = exported["model"]["held_out"]
    leans = re.search(r"appeal leans: (.*) \(\? not sure yet\)", " ".join(shown.split()))
    if held["tested"] and not held["above_chance"]:  # a fit to noise leans nowhere it can say
        assert leans is None and "no taste it can tell from chance yet" in shown, shown
    else:
        assert leans and re.fullmatch(r"((more|less) \w+\??(, )?)+", leans.group(1)), shown
    assert '"cocreate-taste/1"' in cli(db, "taste", "ana", "toy", "--json")
    assert "forgot" in cli(db, "taste", "ana", "toy", "--reset")
    assert "ana in toy: 0 preferences learned" in cli(db, "taste", "ana", "toy")


def test_taste_says_how_many_sets_left_the_favourite_out(db: str) -> None:
    with cocreate.Studio(db, seed=3, pool_size=60) as st:
        work = st.create_work("design", "ana", "a quiet poster")
        for _ in range(6):
            work.choose(work.propose(4)[0])  # the predicted pick, every round
        curve = work.attunement()
    assert curve["away_rounds"] >= 1, "two close picks in a row make the next set step away"
    home = curve["with_favourite"]
    shown = " ".join(cli(db, "taste", "ana", "design").split())  # as wrapped to the terminal
    sets = "1 set" if curve["away_rounds"] == 1 else f"{curve['away_rounds']} sets"
    assert (
        f"{home['accuracy']:.0%} (chance {home['chance']:.0%}) when its favourite was shown"
        in shown
    )
    assert f"{sets} left it out on purpose" in shown
    # a choice (font, weight, ...) shows once a home, as its likeliest option
    homes = re.split(r"favourite spot|home \d", shown)[1:]
    params = [re.findall(r"(\w+)=\w+ [\d.]+ ± ", home) for home in homes]
    assert len(homes) == 2 and any(params), shown
    assert all(len(p) == len(set(p)) for p in params), params


def test_errors_are_named_with_exit_code_2(db: str) -> None:
    out = cli(db, "new", "sculpture", "-i", "x", "-c", "ana", code=2)
    assert "unknown domain 'sculpture'" in out
    cli(db, "new", "toy", "-i", "calm", "-c", "ana")
    out = cli(db, "choose", "nope", "abc", code=2)
    assert "no work with id 'nope'" in out
    with cocreate.Studio(db) as st:
        wid = st.works()[0].id
    out = cli(db, "rate", wid, "deadbeef", "3", code=2)
    assert "not part of work" in out


def test_verify_catches_tampering(db: str, tmp_path: Path) -> None:
    cli(db, "new", "toy", "-i", "calm", "-c", "ana")
    with cocreate.Studio(db) as st:
        w = st.works()[0]
        w.choose(w.propose(3)[1])
    con = sqlite3.connect(tmp_path / "cli.db")
    con.execute("UPDATE events SET actor = 'mallory' WHERE seq = 3")
    con.commit()
    con.close()
    out = cli(db, "verify", code=1)
    flat = " ".join(out.split())
    assert "event #3" in flat and "does not match its hash" in flat


def test_storage_upgrade_and_info(db: str) -> None:
    from cocreate.storage.schema import head_revision

    latest = head_revision()
    assert f"upgraded from empty to {latest}" in cli(db, "storage", "upgrade")
    assert "already at the latest revision" in cli(db, "storage", "upgrade")
    out = cli(db, "storage", "info")
    assert "events: 0" in out and f"schema: {latest}" in out


def test_a_real_process(tmp_path: Path) -> None:
    env = {"COCREATE_DB": f"sqlite:///{tmp_path / 'p.db'}", "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "cocreate"]
    result = subprocess.run([*run, "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0 and "propose" in result.stdout
    result = subprocess.run([*run, "verify"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0 and "ledger intact: 0 events" in result.stdout
    result = subprocess.run([*run, "partners"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0


def test_taste_leanings_are_said_only_when_the_taste_beats_chance() -> None:
    from cocreate.cli import _format_profile

    lean = {"name": "font=courier", "weight": 2.0, "std": 0.5, "agree": 0.99, "sure": True}
    warmth = {"name": "warmth", "weight": -1.0, "std": 2.0, "agree": 0.6, "sure": False}

    def shown(**held: object) -> str:
        profile = {
            "creator": "ana",
            "domain": "design",
            "judgments": 60,
            "model": {"top_features": [lean, warmth], "held_out": held},
        }
        return " ".join(_format_profile(profile).split())

    told = shown(choices=60, accuracy=0.7, chance=0.25, tested=True, above_chance=True)
    assert "appeal leans: towards font courier, less warmth? (? not sure yet)" in told
    assert "appeal leans" in shown(choices=3, accuracy=None, chance=0.25, tested=False)
    noise = shown(choices=60, accuracy=0.26, chance=0.25, tested=True, above_chance=False)
    assert "appeal leans" not in noise


def test_a_db_that_is_not_there_is_named_not_made(tmp_path: Path) -> None:
    """A --db path that does not exist: exit 2 naming it, and nothing made (but `new` makes it)."""
    missing = tmp_path / "no such folder" / "studio.db"
    db = f"sqlite:///{missing}"
    for args in (("works",), ("verify",), ("history", "abc"), ("choose", "abc", "def")):
        out = cli(db, *args, code=2)
        assert "no database at" in out and "studio.db" in " ".join(out.split()), out
    assert not missing.parent.exists(), "the folder was made"
    cli(db, "new", "toy", "-i", "calm", "-c", "ana")
    assert missing.exists() and "calm" in cli(db, "works")


def test_studio_open_is_a_plain_flag_and_says_when_no_browser(monkeypatch) -> None:
    import webbrowser

    import cocreate.web

    shown = runner.invoke(app, ["studio", "--help"], terminal_width=100).output
    line = next(x for x in shown.splitlines() if "--open" in x)
    assert "<bool>" not in line and "browser" in line, line
    served = {}
    monkeypatch.setattr(cocreate.web, "serve", lambda *a, **kw: served.update(kw))

    def no_browser(*a: object) -> None:
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", no_browser)
    result = runner.invoke(app, ["studio", "--open", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert "no web browser" in result.output and served["open_browser"] is False


def test_the_split_sheet_fits_80_columns_and_cuts_no_role(db: str, tmp_path: Path) -> None:
    out = cli(db, "new", "toy", "-i", "calm numbers", "-c", "ana")
    short = re.search(r"created work (\w+)", out).group(1)[:8]
    ids = re.findall(r"│ \d+\s+│ (\w{8})", cli(db, "propose", short, "-n", "3"))
    cli(db, "choose", short, ids[0])
    cli(db, "edit", short, ids[0], "--set", "shift=0.1")
    result = runner.invoke(app, ["--db", db, "attribution", short], terminal_width=80)
    assert result.exit_code == 0, result.output
    sheet = result.output[result.output.index("SPLIT SHEET") :]
    assert all(len(line) <= 80 for line in sheet.splitlines()), sheet
    role = re.findall(r"^(?:ana)?\s+(\S.*?)(?:\s+100\.00%)?$", sheet, re.M)  # the role column
    assert "creative director," in sheet and "selector, editor" in sheet, role
    assert not re.search(r"\bedito\b", sheet), sheet
