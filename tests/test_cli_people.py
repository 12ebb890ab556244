"""The CLI names who acts in every act, asks with operators and parameters, types and redoes."""

from __future__ import annotations

from pathlib import Path

import cocreate
from test_cli import cli


def test_rounds_and_typing_from_the_cli_are_credited_to_who_acted(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    wid = cli(db, "new", "design", "-i", "a poster", "-c", "ana").strip().split()[-1]
    cli(db, "propose", wid, "-n", "3", "--by", "ben")
    out = cli(db, "propose", wid, "-n", "3", "--param", "metre=7/8", code=2)  # bad input
    assert "takes no parameters (metre)" in " ".join(out.split())
    text = cli(db, "new", "toy", "-i", "numbers", "-c", "ana").strip().split()[-1]
    cli(db, "type", text, "1 2 3", "--by", "ben")
    cli(db, "undo", text, "--by", "ben")
    cli(db, "redo", text, "--by", "ben")
    with cocreate.Studio(db, media=tmp_path / "cli-media") as st:
        work = st.work(wid)
        (req,) = work._s.requests.values()
        assert req["actor"] == "ben" and req["taste_of"] == "ben"
        t = st.work(text)
        assert t.document().text == "1 2 3"
        assert {o.actor for _, _, o in t.document().origins()} == {"ben"}
