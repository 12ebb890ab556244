"""The headless demo: a whole co-creation, from a person's first round to signed exports."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from PIL import Image
from prov.model import ProvDocument
from rich.console import Console

from cocreate.demo import run_demo


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    keys = tmp_path / "keys"
    summary = run_demo(
        domain="image",
        rounds=3,
        n=4,
        out_dir=out,
        seed=5,
        console=Console(file=io.StringIO()),
        keys=keys,
    )
    assert summary["ledger_ok"] and summary["events"] > 3 * 5
    # the keys stay in the identity store; only the public root lies beside the outputs
    assert not [p for p in out.rglob("*") if p.suffix == ".key"], sorted(out.rglob("*"))
    assert (keys / "signer.key").exists() and (out / "studio-root.pem").exists()
    assert b"PRIVATE" not in (out / "studio-root.pem").read_bytes()
    assert sorted(p.name for p in (out / "picks").iterdir()) == [
        "round-01.png",
        "round-02.png",
        "round-03.png",
    ]
    with Image.open(out / "final-1024.png") as im:
        assert im.size == (1024, 1024)
    signed = [p for p in out.glob("*.png") if not p.name.startswith("final")]
    assert len(signed) == 1, sorted(p.name for p in out.iterdir())
    with Image.open(signed[0]) as im:
        im.verify()
    doc = ProvDocument.deserialize(content=(out / "provenance.json").read_text(), format="json")
    assert doc.get_records()
    assert "AI tools used (not authors)" in (out / "disclosure.txt").read_text()
    (row,) = csv.DictReader((out / "splits.csv").read_text().splitlines())
    assert row["contributor"] == "demo-person" and row["share_bps"] == "10000"


def test_demo_reasons_are_shortened_at_words(tmp_path: Path) -> None:
    buf = io.StringIO()
    run_demo(
        domain="design",
        rounds=6,
        n=4,
        out_dir=tmp_path / "out",
        seed=2,
        console=Console(file=buf, width=220),
        keys=tmp_path / "keys",
    )
    rows = [line.split("│") for line in buf.getvalue().splitlines() if line.count("│") == 7]
    why = [cells[3].strip() for cells in rows]  # the header row is drawn with ┃
    assert len(why) == 6 and all(why)
    for text in why:  # a percentage is whole, and a cut ends in an ellipsis
        assert re.search(r"\(\d+$", text) is None and re.search(r"\(\d+%\)?$|\w$|…$|\)$", text), (
            text
        )


def _demo(out: Path, keys: Path, width: int = 80) -> str:
    buf = io.StringIO()
    run_demo(
        domain="image",
        rounds=4,
        n=4,
        out_dir=out,
        seed=3,
        console=Console(file=buf, width=width),
        keys=keys,
    )
    return buf.getvalue()


def test_demo_reads_at_80_columns_and_ends_on_its_final_piece(tmp_path: Path) -> None:
    text = _demo(tmp_path / "out", tmp_path / "keys")
    lines = text.splitlines()
    table = [line for line in lines if line[:1] in "┏┃┡│└"]
    assert len(table) == 4 + 4 and all(len(line) <= 80 for line in table), table
    for word in ("taste:", "best:"):  # each column named in one line
        (said,) = [line for line in lines if line.strip().startswith(word)]
        assert len(said) <= 80, said
    final = text[text.index("final piece") :]
    assert "round 4's pick" in final and "final-1024.png" in final, final
    assert all(line.startswith(("final piece", "  ")) for line in final.splitlines())


def test_a_rerun_starts_afresh_with_the_same_result(tmp_path: Path) -> None:
    out, keys = tmp_path / "out", tmp_path / "keys"
    first = _demo(out, keys, width=200)
    (out / "demo.db-journal").write_bytes(b"")  # as an interrupted run might leave it
    second = _demo(out, keys, width=200)
    assert "starting afresh" in second and "starting afresh" not in first
    rows = [
        [re.sub(r"[0-9a-f]{8}", "…", c) for c in line.split("│")]
        for line in first.splitlines()
        if line.startswith("│")
    ]
    again = [
        [re.sub(r"[0-9a-f]{8}", "…", c) for c in line.split("│")]
        for line in second.splitlines()
        if line.startswith("│")
    ]
    assert rows == again, "the same seed, the same demo"
