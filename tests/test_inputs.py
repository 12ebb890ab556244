"""What people type and upload: names and notes as plain text, SVGs that cannot act.

Names (a person's id, a creator's names, a title) and notes are refused with
an InputError naming the field when they hold control characters, and the CLI
never prints such a character of a stored name. An SVG that could run script,
reach outside itself or blow up its parser is refused by ``check_content``,
so by the Python API, the CLI and the web alike, and nothing is stored.
"""

from __future__ import annotations

import asyncio
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import cocreate
from cocreate.cli import app as cli_app
from cocreate.errors import InputError, InvalidContent
from cocreate.ledger import now
from cocreate.media import check_content
from cocreate.model import EventKind, NewEvent
from cocreate.names import clean_text, printable
from cocreate.web import create_app
from cocreate.web.problems import public_detail

runner = CliRunner()


# -- clean_text --------------------------------------------------------------------------


def test_text_is_nfc_and_trimmed() -> None:
    assert clean_text("  Cafe\u0301 ", "a name", 50) == "Café"
    assert clean_text("ana", "a person's id", 200, kind="id") == "ana"
    assert clean_text("", "a title", 10, required=False) == ""


@pytest.mark.parametrize(
    ("value", "kind", "said"),
    [
        ("a\x00b", "name", "control character (U+0000"),
        ("a\x1b[31mb", "id", "control character (U+001B"),
        ("a\x85b", "name", "control character (U+0085"),  # C1
        ("a\x7fb", "note", "control character (U+007F"),
        ("a\nb", "name", "control character (U+000A"),
        ("a\u2028b", "name", "line break"),
        ("\u202eana", "name", "bidirectional override"),
        ("\u2067ana\u2069", "id", "invisible formatting"),
        ("ana\u200b", "id", "invisible formatting"),
        ("a\ud800b", "name", "lone surrogate"),
    ],
)
def test_controls_are_refused_naming_the_field(value: str, kind: Any, said: str) -> None:
    with pytest.raises(InputError, match="the field") as info:
        clean_text(value, "the field", 100, kind=kind)
    assert said in str(info.value)


def test_notes_keep_newlines_and_tabs() -> None:
    assert clean_text("one\r\n\ttwo\n", "a note", 100, kind="note") == "one\n\ttwo"
    assert clean_text("\u2067مرحبا\u2069 ana", "a name", 100) == "\u2067مرحبا\u2069 ana"


def test_lengths_types_and_emptiness() -> None:
    with pytest.raises(InputError, match="at most 3 characters"):
        clean_text("abcd", "x", 3)
    with pytest.raises(InputError, match="must be text, not int"):
        clean_text(3, "x", 3)
    with pytest.raises(InputError, match="x is required"):
        clean_text("   ", "x", 3)


def test_printable_escapes_what_clean_text_refuses() -> None:
    assert printable("a\x00b\x1b[31m") == "a\\x00b\\x1b[31m"
    assert printable("\u202eana") == "\\u202eana"
    assert printable("one\ntwo", keep_newlines=True) == "one\ntwo"
    assert printable("Café ☕") == "Café ☕"


def _bad(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat in ("Cc", "Cs", "Zl", "Zp") or ch in "\u202a\u202b\u202c\u202d\u202e"


@given(st.text(max_size=60))
def test_printable_never_lets_a_control_through(text: str) -> None:
    assert not any(_bad(c) for c in printable(text))


# -- wired into the studio ---------------------------------------------------------------


@pytest.fixture
def studio() -> Iterator[cocreate.Studio]:
    with cocreate.Studio("memory://", seed=2) as st_:
        yield st_


def test_the_studio_refuses_controls_in_ids_titles_creators_and_notes(
    studio: cocreate.Studio,
) -> None:
    with pytest.raises(InputError, match="a person's id contains a control character"):
        studio.create_work("toy", "a\x00b\x1b[31m", "numbers")
    with pytest.raises(InputError, match="the title contains"):
        studio.create_work("toy", "ana", "numbers", title="t\x1b]0;owned\x07")
    with pytest.raises(InputError, match="a creator's name contains"):
        studio.register_creator(cocreate.Creator(id="ana", name="Ana\x1b[2J"))
    assert studio.storage.head()[0] == 0
    work = studio.create_work("toy", "ana", "numbers")
    [a] = work.propose(1)
    with pytest.raises(InputError, match="a note contains"):
        work.note(a, "fine\x1b[31m")
    with pytest.raises(InputError, match="a person's id"):
        work.choose(a, by="ana\u202e")
    with pytest.raises(InputError, match="a note contains"):
        work.contribute(b"0.1 0.2 0.3 0.4", "text/plain", note="mine\x00")
    assert work.note(a, "first line\n\tsecond").text == "first line\n\tsecond"
    ana = studio.register_creator(cocreate.Creator(id=" ana ", name="Ana Cafe\u0301"))
    assert (ana.id, ana.name) == ("ana", "Ana Café")


def test_a_title_taken_from_the_brief_is_one_clean_line(studio: cocreate.Studio) -> None:
    work = studio.create_work("toy", "ana", "four\ncalm\x1bnumbers")
    assert work.title == "four calm\\x1bnumbers"


# Names a person could type: any text but the characters an id refuses.
NAMES = st.text(
    st.characters(exclude_categories=["Cc", "Cs", "Cf", "Zl", "Zp"]), min_size=1, max_size=30
).filter(lambda s: s.strip() and not s.strip().startswith("ai:"))


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('names') / 'names.db'}"


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(creator=NAMES, title=NAMES)
def test_any_stored_name_round_trips_and_prints_without_controls(
    cli_db: str, creator: str, title: str
) -> None:
    with cocreate.Studio(cli_db) as studio:
        work = studio.create_work("toy", creator, "numbers", title=title)
        again = studio.work(work.id)
        assert again.creator == clean_text(creator, "", 200, kind="id")
        assert again.title == clean_text(title, "", 200)
        assert unicodedata.is_normalized("NFC", again.creator)
    result = runner.invoke(cli_app, ["--db", cli_db, "works"], catch_exceptions=False)
    assert result.exit_code == 0
    assert not any(_bad(c) for c in result.output.replace("\n", ""))


def test_names_stored_before_the_rules_are_printed_escaped(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'old.db'}"
    with cocreate.Studio(db) as studio:
        work = studio.create_work("toy", "ana", "numbers")
        raw = dict(studio.storage.events(work_id=work.id)[0].payload)
        raw.update(creator="a\x00b\x1b[31m[bold]x", title="t\x1b]0;owned\x07")
        evil = uuid.uuid4().hex
        studio.storage.append(
            [NewEvent(uuid.uuid4().hex, evil, EventKind.WORK_CREATED, "a\x1b[31m", now(), raw)]
        )
    result = runner.invoke(
        cli_app, ["--db", db, "works"], catch_exceptions=False, env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0
    assert "\x1b" not in result.output and "\x00" not in result.output
    assert "\\x1b" in result.output and "[bold]x" in result.output  # shown, not obeyed
    result = runner.invoke(cli_app, ["--db", db, "history", evil[:8]], catch_exceptions=False)
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_the_web_refuses_controls_in_names_and_notes(studio: cocreate.Studio) -> None:
    app = create_app(studio)
    body = {"domain": "toy", "creator": "a\x00b\x1b[31m", "intention": {"brief": "numbers"}}
    r = _post(app, "/api/works", json=body)
    assert r.status_code == 400 and "a person's id contains a control character" in r.text
    assert studio.storage.head()[0] == 0
    work = studio.create_work("toy", "ana", "numbers")
    [a] = work.propose(1)
    before = studio.storage.head()
    note = {"kind": "note", "artifact": a.id, "text": "hi\x1b]0;owned\x07", "by": "ana"}
    r = _post(app, f"/api/works/{work.id}/judgments", json=note)
    assert r.status_code == 400 and "a note contains a control character" in r.text
    assert studio.storage.head() == before


# -- SVG ---------------------------------------------------------------------------------

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'

ATTACKS = {
    "script": (SVG.format("<script>alert(1)</script>"), "<script> element"),
    "script upper": (SVG.format("<SCRIPT>alert(1)</SCRIPT>"), "<SCRIPT> element"),
    "onload": ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "onload"),
    "onclick": (SVG.format('<rect onClick="x()"/>'), "event-handler attribute onClick"),
    "xxe": (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + SVG.format("<text>&x;</text>"),
        "DOCTYPE",
    ),
    "billion laughs": (
        '<!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' + SVG.format("<text>&c;</text>"),
        "DOCTYPE",
    ),
    "external doctype": (
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/svg11.dtd">'
        + SVG.format(""),
        "DOCTYPE",
    ),
    "undeclared entity": (SVG.format("<text>&lol;</text>"), "not well-formed"),
    "foreignObject": (
        SVG.format(
            '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'
        ),
        "<foreignObject> element",
    ),
    "xlink image": (SVG.format('<image xlink:href="https://evil.example/t.png"/>'), "xlink:href"),
    "href use": (SVG.format('<use href="other.svg#a"/>'), "external reference other.svg#a"),
    "javascript link": (
        SVG.format('<a href="javascript:alert(1)"><text>x</text></a>'),
        "javascript",
    ),
    "data svg": (
        SVG.format('<image href="data:image/svg+xml,&lt;svg/&gt;"/>'),
        "external reference",
    ),
    "css url": (SVG.format('<rect style="fill:url(https://evil.example/#g)"/>'), "url("),
    "fill url": (SVG.format('<rect fill="url(//evil.example/a#g)"/>'), "url("),
    "style import": (SVG.format("<style>@import 'https://evil.example/x.css';</style>"), "@import"),
    "style font": (
        SVG.format("<style>@font-face{src:url(https://evil.example/f.woff)}</style>"),
        "url(",
    ),
    "stylesheet pi": (
        '<?xml-stylesheet href="https://evil.example/x.css"?>' + SVG.format(""),
        "xml-stylesheet",
    ),
    "animate href": (
        SVG.format('<a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a>'),
        "animation of href",
    ),
    "xinclude": (
        SVG.format(
            '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>'
        ),
        "XInclude",
    ),
    "iframe": (SVG.format("<iframe/>"), "<iframe> element"),
    "handler": (SVG.format('<handler type="text/ecmascript">x()</handler>'), "<handler> element"),
    "not svg": ('<html xmlns="http://www.w3.org/1999/xhtml"/>', "no <svg> root"),
    "not xml": ("<svg", "not well-formed"),
}

SAFE = SVG.format(
    '<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>'
    '<rect width="10" height="10" fill="url(#g)" style="stroke:url(\'#g\')"/>'
    '<use xlink:href="#g"/><image href="data:image/png;base64,iVBORw0KGgo="/>'
    "<style>.a { fill: red }</style><text>Café</text><!-- a comment -->"
)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_the_svg_attack_corpus_is_refused_naming_what_was_found(name: str) -> None:
    text, said = ATTACKS[name]
    with pytest.raises(InvalidContent) as info:
        check_content(text.encode(), "image/svg+xml")
    assert said in str(info.value), str(info.value)


def test_a_plain_svg_is_kept() -> None:
    check_content(SAFE.encode(), "image/svg+xml")


@pytest.fixture(scope="module")
def poster() -> Iterator[tuple[cocreate.Studio, cocreate.Work, bytes]]:
    with cocreate.Studio("memory://", seed=4) as studio:
        work = studio.create_work("design", "ana", "a calm poster")
        [made] = work.propose(1)
        yield studio, work, made.content


def _with(svg: bytes, inside: str) -> bytes:
    return svg.replace(b"</svg>", inside.encode() + b"</svg>")


def test_the_partners_own_svg_is_accepted_back(poster: Any) -> None:
    _, work, svg = poster
    assert work.contribute(svg, "image/svg+xml").media_type == "image/svg+xml"


@pytest.mark.parametrize(
    "inside",
    [
        "<script>alert(1)</script>",
        '<rect onclick="x()"/>',
        '<image xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="https://evil.example/t.png"/>',
        "<foreignObject><p>x</p></foreignObject>",
    ],
)
def test_the_python_api_stores_no_hostile_svg(poster: Any, inside: str) -> None:
    studio, work, svg = poster
    before = studio.storage.head()
    with pytest.raises(InvalidContent, match="the SVG is refused"):
        work.contribute(_with(svg, inside), "image/svg+xml")
    assert studio.storage.head() == before


def _post(app: Any, path: str, **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            return await c.post(path, **kw)

    return asyncio.run(go())


def test_the_web_refuses_a_hostile_svg_upload(poster: Any) -> None:
    studio, work, _ = poster
    before = studio.storage.head()
    for name in ("onload", "xxe", "billion laughs", "script"):
        text = ATTACKS[name][0].encode()
        r = _post(
            create_app(studio),
            f"/api/works/{work.id}/contributions",
            files={"file": ("x.svg", text, "image/svg+xml")},
            data={"by": "ana"},
        )
        assert r.status_code == 400, r.text
        assert "SVG" in r.json()["detail"]
    assert studio.storage.head() == before


def test_the_cli_refuses_a_hostile_svg(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'svg.db'}"
    with cocreate.Studio(db, seed=4) as studio:
        work = studio.create_work("design", "ana", "a calm poster")
        svg = work.propose(1)[0].content
    path = tmp_path / "mine.svg"
    path.write_bytes(_with(svg, "<script>alert(1)</script>"))
    result = runner.invoke(cli_app, ["--db", db, "contribute", work.id[:8], str(path)])
    assert result.exit_code == 2 and "<script> element" in result.output
    assert "Traceback" not in result.output


# -- error details -----------------------------------------------------------------------


def test_details_hold_no_reprs_and_no_paths() -> None:
    said = public_detail(
        "the image cannot be decoded: cannot identify image file <_io.BytesIO object at 0x7fb0c>"
    )
    assert said == "the image cannot be decoded: cannot identify image file"
    said = public_detail("media file /home/ana/.local/share/cocreate/media/ab/cd/abcd is damaged")
    assert said == "media file abcd is damaged"
    assert (
        public_detail("cannot open sqlite:////srv/x/studio.db") == "cannot open sqlite:///studio.db"
    )
    assert public_detail("a (type/subtype) and http://a/b/c") == "a (type/subtype) and http://a/b/c"


def test_a_damaged_image_upload_says_so_without_a_repr() -> None:
    with cocreate.Studio("memory://", seed=1) as studio:
        work = studio.create_work("image", "ana", "a calm picture")
        r = _post(
            create_app(studio),
            f"/api/works/{work.id}/contributions",
            files={"file": ("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")},
            data={"by": "ana"},
        )
    assert r.status_code == 400
    assert " at 0x" not in r.json()["detail"] and "<_io" not in r.json()["detail"]
