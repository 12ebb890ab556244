"""The CLI on damaged databases and missing files: a sentence and an exit status, no traceback.

Exit status: 0 holds, 1 verification failed, 2 bad input or usage.
"""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cocreate
from cocreate.cli import app as cli_app

runner = CliRunner()


def run(db: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli_app, ["--db", db, *args], env={"COLUMNS": "400"})
    text = " ".join(result.output.split())
    assert "Traceback" not in text and 'File "' not in text, text
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{type(result.exception).__name__}: {result.exception}")
    return result.exit_code, text


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "studio.db"
    with cocreate.Studio(f"sqlite:///{path}", seed=8) as studio:
        for k in range(3):
            w = studio.create_work("toy", "ana", f"numbers {k}")
            w.choose(w.propose(4)[0])
    return path


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_an_intact_studio_verifies(db_file: Path) -> None:
    code, said = run(url(db_file), "verify")
    assert code == 0 and "ledger intact" in said and "media intact" in said


def test_a_missing_head_row_is_a_failed_verification(db_file: Path) -> None:
    with sqlite3.connect(db_file) as conn:
        conn.execute("DELETE FROM ledger_head")
    code, said = run(url(db_file), "verify")
    assert code == 1 and "damaged" in said


def test_random_bytes_mid_file_are_a_failed_verification(db_file: Path) -> None:
    size = db_file.stat().st_size
    with open(db_file, "r+b") as f:
        f.seek(size // 3)
        f.write(random.Random(1).randbytes(size // 3))
    code, said = run(url(db_file), "verify")
    assert code == 1 and "damaged" in said


def test_a_file_that_is_no_database_is_a_failed_verification(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(os.urandom(4096))
    code, said = run(url(path), "verify")
    assert code == 1 and ("damaged" in said or "not a cocreate" in said)


def test_a_changed_event_is_a_failed_verification(db_file: Path) -> None:
    with sqlite3.connect(db_file) as conn:
        conn.execute("UPDATE events SET actor = 'mallory' WHERE seq = 2")
    code, said = run(url(db_file), "verify")
    assert code == 1 and "ledger damaged at event #2" in said


def test_a_missing_file_is_bad_input(db_file: Path, tmp_path: Path) -> None:
    code, said = run(url(db_file), "verify", str(tmp_path / "exports" / "emblem.png"))
    assert code == 2 and "does not exist" in said and "emblem.png" in said
    code, said = run(url(db_file), "verify", str(tmp_path))
    assert code == 2 and "is a folder" in said
    png = tmp_path / "x.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    code, said = run(url(db_file), "verify", str(png), "--sidecar", str(tmp_path / "no.c2pa"))
    assert code == 2 and "sidecar" in said and "does not exist" in said


def test_a_png_without_credentials_says_they_would_be_inside(db_file: Path, tmp_path: Path) -> None:
    with cocreate.Studio(url(db_file)) as studio:
        png = studio.create_work("image", "ana", "a calm picture").propose(1)[0].content
    path = tmp_path / "final-1024.png"
    path.write_bytes(png)
    code, said = run(url(db_file), "verify", str(path))
    assert code == 1 and "no Content Credentials" in said
    assert "carries them inside" in said and "sidecar" not in said


def test_a_text_file_without_its_sidecar_says_where_they_would_be(
    db_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"0.1 0.2 0.3 0.4")
    code, said = run(url(db_file), "verify", str(path))
    assert code == 1 and ".c2pa sidecar" in said


def test_a_type_without_credentials_is_bad_input(db_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(os.urandom(64))
    code, said = run(url(db_file), "verify", str(path))
    assert code == 2 and "error" in said


def test_usage_errors_exit_2(db_file: Path) -> None:
    code, _ = run(url(db_file), "verify", "--no-such-flag")
    assert code == 2
    code, _ = run(url(db_file), "no-such-command")
    assert code == 2


def test_the_exit_statuses_are_documented() -> None:
    result = runner.invoke(cli_app, ["verify", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "0 when everything holds" in text and "1 when verification failed" in text
    assert "2 for bad input or usage" in text


def test_other_commands_on_a_damaged_database_say_so(db_file: Path) -> None:
    size = db_file.stat().st_size
    with open(db_file, "r+b") as f:
        f.seek(0)
        f.write(b"\x00" * min(size, 4096))
    code, said = run(url(db_file), "works")
    assert code == 2 and "error" in said
