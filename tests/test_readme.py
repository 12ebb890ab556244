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
