"""bench/bench_lifetime.py: a small lifetime builds, reads at the old schema and measures."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from bench import bench_lifetime as bl


def test_a_small_lifetime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bl, "ROUNDS", 2)
    monkeypatch.setattr(bl, "LATER", 1)
    bl.build(tmp_path, sizes=(0, 1))
    assert {p.name for p in tmp_path.glob("works-*.db")} == {"works-0.db", "works-1.db"}
    old = bl._copy_for(tmp_path / "works-1.db", old_schema=True)
    con = sqlite3.connect(old)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert not con.execute("SELECT name FROM sqlite_master WHERE name = 'derived'").fetchall()
    con.close()
    db = bl._copy_for(tmp_path / "works-1.db", old_schema=False)
    rounds = bl.measure_rounds(str(db), str(tmp_path / "media"))
    taste = bl.measure_taste(str(db), str(tmp_path / "media"))
    assert rounds["first"] > 0 and len(rounds["later"]) == 1 and rounds["peak_mb"] > 0
    assert taste["comparisons"] > 0
    row = {"works": 1, "first": 0.3, "later_median": 0.2, "later_p95": 0.3, "taste": 0.2}
    text = bl.table(
        [{**row, "works": 0, "first": 0.2, "peak_mb": 100}, {**row, "peak_mb": 110}], "t"
    )
    assert "| 1 | 0.30 | 1.50× |" in text
