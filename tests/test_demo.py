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
    summary = run_demo(
        domain="image", rounds=3, n=4, out_dir=out, seed=5, console=Console(file=io.StringIO())
    )
    assert summary["ledger_ok"] and summary["events"] > 3 * 5
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
        out_dir=tmp_path,
        seed=2,
        console=Console(file=buf, width=220),
    )
    rows = [line.split("│") for line in buf.getvalue().splitlines() if line.count("│") == 7]
    why = [cells[3].strip() for cells in rows]  # the header row is drawn with ┃
    assert len(why) == 6 and all(why)
    for text in why:  # a percentage is whole, and a cut ends in an ellipsis
        assert re.search(r"\(\d+$", text) is None and re.search(r"\(\d+%\)?$|\w$|…$|\)$", text), (
            text
        )
