"""The README's Python examples run as written (against a temporary studio)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cocreate

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_api_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks()
    assert len(blocks) >= 2, "the README shows the loop and the authorship API"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COCREATE_MEDIA", str(tmp_path / "media"))
    namespace: dict = {}
    # the person's own files the examples mention
    with cocreate.Studio("memory://", seed=1) as scratch:
        png = scratch.create_work("image", "me", "x").propose(1)[0].content
    (tmp_path / "sketch.png").write_bytes(png)
    namespace["new_png_bytes"] = png
    for block in blocks[:2]:
        exec(compile(block, str(README), "exec"), namespace)
    work, studio = namespace["work"], namespace["studio"]
    assert studio.verify().ok
    assert len(work.history()) >= 9 + 9 + 9 + 4 + 5 + 1 + 2
    assert (tmp_path / "my.db").exists()
    studio.close()


def test_the_parametric_partner_example_runs() -> None:
    """The README's own design space: SVGs read back by a parser, and an edit that set a parameter."""
    import xml.etree.ElementTree as ET

    from cocreate.partners.registry import unregister

    block = next(b for b in python_blocks() if "parametric_partner(" in b)
    namespace: dict = {}
    try:
        exec(compile(block, str(README), "exec"), namespace)
        work, studio = namespace["work"], namespace["studio"]
        mine = namespace["mine"]
        shown = [a for a in work.artifacts() if a.id != mine.id]
        assert len(shown) == 5 * 4 and all(a.partner == "stripes" for a in shown)
        for a in shown:
            root = ET.fromstring(a.content)
            assert root.tag == "{http://www.w3.org/2000/svg}svg" and a.media_type == "image/svg+xml"
        assert mine.recipe.genome["params"]["stripes"] == 5 and mine.origin == "human"
        assert len(ET.fromstring(mine.content).findall("{http://www.w3.org/2000/svg}rect")) == 1 + 5
        ideal = studio.taste("me", "pattern")["ideal_point"]["ideal"]
        assert set(ideal) == {"hue", "stripes", "ground=paper", "ground=ink"}
        assert studio.verify().ok
        studio.close()
    finally:
        unregister("stripes")


def test_the_several_people_and_draft_example_runs() -> None:
    block = next(b for b in python_blocks() if "work.edit_text(" in b)
    namespace: dict = {}
    exec(compile(block, str(README), "exec"), namespace)
    work, doc, shares = namespace["work"], namespace["doc"], namespace["shares"]
    assert doc.text.startswith("The warden had not spoken")
    assert [o.actor for _, _, o in doc.origins()][:3] == ["ana", "ben", "ana"]
    final = work.document()
    assert final.text.startswith(doc.text), "the accepted suggestion went in after the text"
    assert set(shares) >= {"ana", "ben"} and any(c.startswith("ai:") for c in shares)
    assert sum(shares.values()) == pytest.approx(1.0)
    asked = work._s.requests[namespace["options"][0].round]
    assert asked["actor"] == "ben" and asked["taste_of"] == "ben"
    namespace["studio"].close()
