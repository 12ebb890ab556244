"""Importing co-writing recorded elsewhere: histories replayed with exact origins, bad input named."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cocreate
from cocreate.cli import app
from cocreate.content import UnitOrigin
from cocreate.importing import HistoryError, record, replay, replay_coauthor, replay_history

ME = UnitOrigin.person("me")
PROMPT = UnitOrigin.source("prompt")
MODEL = UnitOrigin.partner(
    "gpt-4o-mini", model_id="gpt-4o-mini", params={"temperature": 0.9}, seed=7
)


def jsonl(*items: object) -> str:
    return "\n".join(json.dumps(i) for i in items) + "\n"


HISTORY = jsonl(
    {"format": "cocreate.history/1", "intention": "a story at sea", "title": "Keeper"},
    {"pos": 0, "insert": "The lighthouse keeper", "by": "prompt", "time": 0},
    {"pos": 21, "insert": " had not", "by": "me", "time": 1.25},
    {
        "pos": 29,
        "insert": " spoken in years.",
        "by": {"model": "gpt-4o-mini", "params": {"temperature": 0.9}, "seed": 7},
        "time": "2024-05-01T10:00:03Z",
    },
    {"pos": 4, "delete": 10, "insert": "harbour", "by": "me", "time": 9.5},
    {"pos": 0, "delete": 4, "by": {"person": "me"}},
)


def test_a_history_replays_with_exact_origins() -> None:
    r = replay_history(HISTORY)
    assert r.text == "harbour keeper had not spoken in years."
    assert r.document.origins() == [
        (0, 7, ME),
        (7, 14, PROMPT),
        (14, 22, ME),
        (22, 39, MODEL),
    ]
    assert [a.line for a in r.acts] == [2, 3, 4, 5, 6]
    assert r.acts[3].ops[0].to_dict() == {"op": "replace", "at": 4, "length": 10, "text": "harbour"}
    assert r.acts[2].time == "2024-05-01T10:00:03Z" and r.acts[1].time == 1.25
    assert r.header["title"] == "Keeper"
    assert r.stats == {
        "acts": 5,
        "characters": 39,
        "characters_by_kind": {"person": 15, "source": 7, "partner": 17},
    }


def test_the_header_may_start_from_a_text_and_origins_as_cocreate_writes_them() -> None:
    r = replay_history(
        jsonl(
            {
                "format": "cocreate.history/1",
                "text": "Hello",
                "by": {"source": "gutenberg", "licence": "PD"},
            },
            {"pos": 5, "insert": " world", "by": MODEL.to_dict()},
        )
    )
    assert r.document.origins() == [
        (0, 5, UnitOrigin.source("gutenberg", licence="PD")),
        (5, 11, MODEL),
    ]


def test_keystroke_histories_replay_fast_and_match_the_text() -> None:
    rng = random.Random(5)
    lines = [{"pos": 0, "insert": "Once upon a time", "by": "prompt"}]
    text = "Once upon a time"
    owners = ["prompt"] * len(text)
    for k in range(5_000):
        if text and rng.random() < 0.25:
            p = rng.randrange(len(text))
            d = min(rng.randint(1, 4), len(text) - p)
            lines.append({"pos": p, "delete": d, "by": "me", "time": k})
            text, owners = text[:p] + text[p + d :], owners[:p] + owners[p + d :]
        else:
            p = rng.randint(0, len(text))
            who = "me" if rng.random() < 0.7 else "model"
            s = rng.choice(["a", "b", " ", "é", "ß", "–", "."])
            by = "me" if who == "me" else {"model": "m1", "params": {"temperature": 0.7}}
            lines.append({"pos": p, "insert": s, "by": by, "time": k})
            text, owners = text[:p] + s + text[p:], owners[:p] + [who] * len(s) + owners[p:]
    source = jsonl(*lines)
    t0 = time.perf_counter()
    r = replay(source)
    took = time.perf_counter() - t0
    assert r.text == text
    names = {
        "prompt": PROMPT,
        "me": ME,
        "model": UnitOrigin.partner("m1", model_id="m1", params={"temperature": 0.7}),
    }
    assert [u.origin for u in r.document.units()] == [names[o] for o in owners]
    assert took < 3.0, f"5,000 keystrokes took {took:.2f} s"  # bench: well under a second


COAUTHOR = [
    {
        "eventName": "system-initialize",
        "eventSource": "api",
        "eventTimestamp": 1000,
        "textDelta": "",
        "currentDoc": "The prompt. 😀 ok\n",
        "currentCursor": 0,
    },
    {
        "eventName": "text-insert",
        "eventSource": "user",
        "eventTimestamp": 2000,
        "textDelta": {"ops": [{"retain": 15}, {"insert": "X"}]},
        "currentCursor": 16,
    },
    {"eventName": "suggestion-get", "eventSource": "user", "eventTimestamp": 2100, "textDelta": ""},
    {
        "eventName": "suggestion-open",
        "eventSource": "api",
        "eventTimestamp": 2500,
        "textDelta": "",
        "currentSuggestions": [{"index": 0}, {"index": 1}],
    },
    {
        "eventName": "suggestion-select",
        "eventSource": "user",
        "eventTimestamp": 2900,
        "textDelta": "",
    },
    {
        "eventName": "text-insert",
        "eventSource": "api",
        "eventTimestamp": 3000,
        "textDelta": {"ops": [{"retain": 18}, {"insert": " suggested"}]},
        "currentN": "5",
        "currentMaxToken": "30",
        "currentTemperature": "0.9",
        "currentTopP": "1",
        "currentPresencePenalty": "0",
        "currentFrequencyPenalty": "0.5",
    },
    {
        "eventName": "cursor-backward",
        "eventSource": "user",
        "eventTimestamp": 3500,
        "textDelta": "",
    },
    {
        "eventName": "text-delete",
        "eventSource": "user",
        "eventTimestamp": 4000,
        "textDelta": {"ops": [{"retain": 12}, {"delete": 2}]},
    },
]


def test_a_coauthor_session_replays_with_utf16_positions_and_gpt3_parameters() -> None:
    r = replay_coauthor(jsonl(*COAUTHOR), writer="me")
    assert r.text == "The prompt.  Xok suggested\n"  # the emoji (two UTF-16 units) was deleted
    gpt3 = UnitOrigin.partner(
        "gpt-3",
        model_id="davinci",
        params={
            "n": 5,
            "max_tokens": 30,
            "temperature": 0.9,
            "top_p": 1,
            "presence_penalty": 0,
            "frequency_penalty": 0.5,
        },
    )
    prompt = UnitOrigin.source("coauthor-prompt")
    assert r.document.origins() == [
        (0, 13, prompt),
        (13, 14, ME),
        (14, 16, prompt),
        (16, 26, gpt3),
        (26, 27, prompt),
    ]
    assert r.stats["suggestions_shown"] == 2 and r.stats["suggestions_accepted"] == 1
    assert r.acts[1].time == 2.0


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        (
            b'{"pos": 0, "insert": "ok", "by": "me"}\n{"pos": 0, "insert": "caf\xe9", "by": "me"}\n',
            "line 2: not UTF-8",
        ),
        (b'{"pos": 0, "insert": "ok", "by": "me"}\n{"pos": 0,\n', "line 2: not JSON"),
        (
            jsonl({"pos": 0, "insert": "short", "by": "me"}, {"pos": 3, "delete": 9, "by": "me"}),
            "line 2: the edit does not fit the text: .*document has 5 characters",
        ),
        (jsonl({"pos": 9, "insert": "far", "by": "me"}), "line 1: .*inserts past the end"),
        (jsonl({"pos": 0, "insert": "x"}), "line 1: an edit names who made it"),
        (jsonl({"pos": 0, "insert": "x", "by": 42}), "line 1: 'by' is a person's id or an object"),
        (jsonl({"pos": 0, "insert": "x", "by": "ai:sneaky"}), "line 1: 'by' is not a source"),
        (jsonl({"pos": 0, "by": "me"}), "line 1: an edit deletes or inserts something"),
        (jsonl({"pos": -1, "insert": "x", "by": "me"}), "line 1: 'pos' must be a whole number"),
        (
            jsonl({"pos": 0, "insert": "x", "by": "me", "colour": 1}),
            "line 1: an edit has no field 'colour'",
        ),
        (
            jsonl({"pos": 0, "insert": "x", "by": "me"}, {"format": "cocreate.history/1"}),
            "line 2: the header",
        ),
        (jsonl({"format": "something/9"}), "unknown format"),
    ],
)
def test_bad_histories_name_the_line(lines, says) -> None:
    with pytest.raises(HistoryError, match=says):
        replay_history(lines)


def test_bad_coauthor_events_name_the_line() -> None:
    bad = [
        *COAUTHOR[:2],
        {
            "eventName": "text-insert",
            "eventSource": "robot",
            "textDelta": {"ops": [{"insert": "x"}]},
        },
    ]
    with pytest.raises(HistoryError, match="line 3: an edit's 'eventSource'"):
        replay_coauthor(jsonl(*bad))
    bad = [
        COAUTHOR[0],
        {
            "eventName": "text-delete",
            "eventSource": "user",
            "textDelta": {"ops": [{"retain": 30}, {"delete": 5}]},
        },
    ]
    with pytest.raises(HistoryError, match="line 2: the edit does not fit"):
        replay_coauthor(jsonl(*bad))
    with pytest.raises(HistoryError, match="cannot read the history"):
        replay(Path("/no/such/history.jsonl"))
    with pytest.raises(cocreate.errors.InputError, match="unknown history format"):
        replay(HISTORY, format="docx")


def test_recorded_into_a_text_work_the_draft_has_the_same_origins() -> None:
    with cocreate.Studio("memory://", seed=1) as studio:
        work = studio.create_work(
            domain="text",
            creator="me",
            intention="a story at sea",
            partner_params={"backend": "light"},
        )
        r = replay_history(HISTORY)
        assert record(work, r) == 5
        doc = work.document()
        assert doc.text == r.text and doc.origins() == r.document.origins()


def test_cocreate_import_makes_a_work_from_a_file(tmp_path: Path) -> None:
    history = tmp_path / "keeper.jsonl"
    history.write_text(HISTORY, encoding="utf-8")
    session = tmp_path / "session.jsonl"
    session.write_text(jsonl(*COAUTHOR), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'studio.db'}"
    runner = CliRunner()
    done = runner.invoke(
        app, ["--db", db, "import", str(history), "--domain", "text", "--creator", "me"]
    )
    assert done.exit_code == 0, done.output
    assert "imported 5 edits" in done.output and "39 characters" in done.output
    done = runner.invoke(
        app, ["--db", db, "import", str(session), "--creator", "me", "--format", "coauthor"]
    )
    assert done.exit_code == 0, done.output
    with cocreate.Studio(db) as studio:
        works = {w.title: w for w in studio.works()}
        assert works["Keeper"].document().origins() == replay_history(HISTORY).document.origins()
        assert works["session"].document().text == "The prompt.  Xok suggested\n"
    history.write_bytes(b'{"pos": 0, "insert": "\xff", "by": "me"}\n')
    done = runner.invoke(app, ["--db", db, "import", str(history), "--creator", "me"])
    assert done.exit_code == 2 and "line 1: not UTF-8" in done.output
