"""End-to-end journeys through the web studio in headless Chromium.

A real uvicorn server runs on 127.0.0.1 (port 0) in a thread; Playwright drives
the page with the keyboard and the mouse, downloads an export and checks the
file. Screenshots of the main pages go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

import cocreate
from cocreate.web.app import create_app
from cocreate.web.server import bind, url_of

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    tmp = tmp_path_factory.mktemp("web")
    studio = cocreate.Studio(f"sqlite:///{tmp / 'studio.db'}", media=tmp / "media", seed=7)
    sock = bind("127.0.0.1", 0)
    srv = uvicorn.Server(uvicorn.Config(create_app(studio), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        if time.monotonic() > deadline:
            pytest.fail("the web server did not start")
        time.sleep(0.02)
    try:
        yield url_of(sock)
    finally:
        srv.should_exit = True
        thread.join(timeout=5)
        sock.close()
        studio.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    from servers import need_chromium

    path = need_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: object, server: str) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1440, "height": 960}, accept_downloads=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(15_000)
    pg.goto(server)
    pg.wait_for_selector("#main > .page")
    pg.fill("#creator-input", "ana")
    try:
        yield pg
    finally:
        ctx.close()
    assert not errors, f"script errors in the page: {errors}"


def shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.getElementById('toasts').replaceChildren()")
    page.wait_for_timeout(150)  # let images decode
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def create_work(page: object, server: str, domain: str, brief: str, n: int) -> None:
    page.goto(server + "#/new")
    page.wait_for_selector("#f-brief")
    page.select_option("#f-domain", domain)
    page.fill("#f-brief", brief)
    page.fill("#f-constraints", "two colours\nno text smaller than 12pt")
    page.fill("#f-criteria", "calm")
    page.fill("#f-n", str(n))
    shot(page, f"new-work-{domain}")
    page.click("#create-work")
    # the first round starts by itself; wait for its cards
    page.wait_for_function(f"document.querySelectorAll('#grid .card-item').length === {n}")
    page.wait_for_selector("#progress[hidden]", state="attached")


def wait_round(page: object, number: int) -> None:
    page.wait_for_function(
        f"document.querySelector('#round-label').textContent.startsWith('Round {number} ')"
    )
    page.wait_for_selector("#progress[hidden]", state="attached")


def marks(page: object, index: int) -> str:
    return page.locator("#grid .card-item").nth(index - 1).locator(".marks").inner_text()


def wait_mark(page: object, index: int, text: str, present: bool = True) -> None:
    sel = f"#grid .card-item:nth-child({index}) .marks"
    op = "" if present else "!"
    page.wait_for_function(
        f"{op}(document.querySelector({sel!r}) || {{textContent: ''}}).textContent.includes({text!r})"
    )


def the_loop(page: object) -> None:
    """Choose, new round, reject, rate, undo, best/worst: all from the keyboard."""
    page.keyboard.press("1")
    assert page.locator("#grid .card-item").first.get_attribute("aria-selected") == "true"
    assert page.locator("#reason").inner_text().strip()
    page.keyboard.press("Enter")
    wait_mark(page, 1, "chosen")
    page.keyboard.press("n")
    wait_round(page, 2)
    page.keyboard.press("2")
    page.keyboard.press("x")
    wait_mark(page, 2, "rejected")
    page.keyboard.press("3")
    page.keyboard.press("Shift+Digit4")
    wait_mark(page, 3, "★★★★")
    page.keyboard.press("u")  # undo the rating: a compensating event
    wait_mark(page, 3, "★", present=False)
    assert "rejected" in marks(page, 2)
    page.keyboard.press("4")
    page.keyboard.press("b")
    page.keyboard.press("5")
    page.keyboard.press("w")
    wait_mark(page, 4, "best")
    wait_mark(page, 5, "worst")
    page.keyboard.press("[")
    wait_round(page, 1)
    assert "chosen" in marks(page, 1)
    page.keyboard.press("]")
    wait_round(page, 2)


def history_and_restore(page: object, name: str) -> None:
    page.click("#tab-history")
    page.wait_for_selector("#tree .node")
    assert page.locator("#tree .node").count() >= 10
    assert "intact" in page.locator("#ledger-status").inner_text()
    page.fill("#history-filter", "chosen")
    page.wait_for_function("document.querySelectorAll('#tree .node').length >= 1")
    page.fill("#history-filter", "")
    shot(page, f"history-{name}")
    assert_named(page)
    page.locator("#tree .node").first.get_by_role("button", name="Restore").click()
    page.wait_for_selector(".toast >> text=the next round builds on it")


def attribution_and_export(page: object, name: str, size: int | None = None) -> bytes:
    page.click("#tab-attribution")
    meta = page.evaluate("fetch('/api/meta').then(r => r.json())")
    assert meta["authorship"], "the authorship module ships with cocreate"
    page.wait_for_selector("#attribution section")
    shot(page, f"attribution-{name}")
    assert_named(page)
    formats = meta["export_formats"] or ["file"]
    page.select_option("#export-format", "file" if "file" in formats else formats[0])
    if size is not None:
        page.select_option("#export-size", str(size))
    with page.expect_download() as info:
        page.click("#export-button")
    path = info.value.path()
    return Path(path).read_bytes()


def insight(page: object, name: str, reset: bool = False, spots: bool = True) -> None:
    page.click("#tab-insight")
    page.wait_for_selector("#insight svg.chart, #insight .empty")
    page.wait_for_selector("#taste #taste-summary")
    assert "null" not in page.locator("#taste").inner_text()
    if "no taste it can tell from chance yet" in page.locator("#taste-summary").inner_text():
        assert page.locator("#taste-leans").count() == 0, "a fit to noise leans nowhere"
    else:
        leans = page.locator("#taste-leans").inner_text()
        assert re.search(r"^((more|less|towards|away from) \S.*?)(, |$)", leans), leans
    if spots:  # the proposing model is an ideal-point one: its favourite spots
        page.wait_for_selector("#taste #taste-homes li")
        assert "Favourite spot" in page.locator("#taste-homes").inner_text()
        assert " ± " in page.locator("#taste-homes").inner_text()
    else:  # the Bradley–Terry model proposes: no spot it does not use is shown
        assert page.locator("#taste-homes").count() == 0
    said = page.locator("#taste-summary").inner_text()
    assert "too few choices yet" in said or "picks (chance" in said, said
    shot(page, f"insight-{name}")
    assert_named(page)
    with page.expect_download() as info:
        page.click("#taste-export")
    exported = json.loads(Path(info.value.path()).read_text())
    assert exported["model"]["format"] == "cocreate-taste/1" and exported["judgments"] > 0
    if spots:  # "surest features" only of a pinned spot, as the exported taste has it
        items = page.locator("#taste-homes li").all_inner_texts()
        homes = exported["ideal_point"]["homes"]
        assert len(items) == len(homes), items
        for text, home in zip(items, homes, strict=True):
            which = "surest features" if home["pinned"] else "where it leans so far"
            assert f"({which}): " in text, (text, home["pinned"])
    if reset:
        page.click("#taste-reset")
        page.wait_for_selector("#taste-confirm:not([hidden])")
        page.click("#taste-reset-no")  # changed their mind: nothing forgotten
        assert page.locator("#taste-confirm").is_hidden()
        page.click("#taste-reset")
        page.click("#taste-reset-yes")
        page.wait_for_selector(".toast >> text=Your taste was reset")
        page.wait_for_function(
            "document.querySelector('#taste p.small') &&"
            " document.querySelector('#taste p.small').textContent.startsWith('0 preferences')"
        )
        assert page.locator("#taste-homes").count() == 0


def test_image_journey(page: object, server: str) -> None:
    from PIL import Image

    create_work(page, server, "image", "a calm emblem for a tea house, ink on rice paper", 9)
    assert page.locator("#grid img").count() == 9
    shot(page, "session-image")
    the_loop(page)

    # variations of one, with the strength slider, from the keyboard
    page.keyboard.press("1")
    page.keyboard.press("v")
    wait_round(page, 3)
    assert "variation" in page.locator("#grid .card-item").first.get_attribute("aria-label")

    # the person's own edit, from the panel generated from the partner's edit_params
    page.keyboard.press("2")
    page.click("#edit-panel summary")
    page.select_option("#edit-symmetry", label="mirror-x")
    page.locator("#edit-hue_shift").evaluate(
        "el => { el.value = 90; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    page.click("#apply-edit")
    page.wait_for_selector("#mine .strip-item")
    assert "edit" in page.locator("#mine .strip-item").first.inner_text()
    assert "hue_shift" in page.locator(".facts").inner_text()
    shot(page, "session-image-edit")
    assert_named(page)

    # an upload of the person's own material (and a refused one)
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 40, 40)).save(buf, format="PNG")
    page.set_input_files(
        "#upload-input",
        files=[{"name": "mine.png", "mimeType": "image/png", "buffer": buf.getvalue()}],
    )
    page.wait_for_function("document.querySelectorAll('#mine .strip-item').length === 2")
    page.set_input_files(
        "#upload-input", files=[{"name": "x.png", "mimeType": "image/png", "buffer": b"not a png"}]
    )
    page.wait_for_selector(".toast.error")

    # progress and cancel for a slow generation: a big round, cancelled with Esc
    page.fill("#n-input", "64")
    page.dispatch_event("#n-input", "change")
    page.locator("#grid .card-item").first.focus()
    page.keyboard.press("n")
    page.wait_for_selector("#progress:not([hidden])")
    page.keyboard.press("Escape")
    page.wait_for_selector(".toast >> text=Cancelled")
    wait_round(page, 3)  # nothing stored: still round 3

    page.keyboard.press("?")
    page.wait_for_selector("#help[open]")
    shot(page, "help")
    page.keyboard.press("Escape")

    history_and_restore(page, "image")
    data = attribution_and_export(page, "image", size=1024)
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        assert im.format == "PNG" and im.size == (1024, 1024), "rendered again at print size"
    insight(page, "image", spots=False)


def test_design_journey(page: object, server: str) -> None:
    create_work(page, server, "design", "a poster for a jazz night by the river", 6)
    assert page.locator("#grid img").count() == 6
    shot(page, "session-design")
    the_loop(page)

    # mark two, then crossover and interpolate them
    page.keyboard.press("1")
    page.keyboard.press("m")
    page.keyboard.press("3")
    page.keyboard.press("m")
    page.wait_for_selector("#pair-panel #crossover")
    page.keyboard.press("c")
    wait_round(page, 3)
    assert "cross" in page.locator("#grid .card-item").first.get_attribute("aria-label")
    page.keyboard.press("1")
    page.keyboard.press("m")
    page.keyboard.press("2")
    page.keyboard.press("m")
    page.keyboard.press("i")
    wait_round(page, 4)
    assert page.locator("#grid .card-item").count() == 5

    # a note, and an edit that sets the partner's parameters
    page.keyboard.press("3")
    page.keyboard.press("t")
    page.keyboard.type("the river should read as a line")
    page.click("#save-note")
    wait_mark(page, 3, "note")
    page.click("#edit-panel summary")
    page.select_option("#edit-font", label="georgia")
    page.select_option("#edit-uppercase", label="true")
    page.click("#apply-edit")
    page.wait_for_selector("#mine .strip-item")
    shot(page, "session-design-edit")

    history_and_restore(page, "design")
    data = attribution_and_export(page, "design")
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    insight(page, "design", reset=True)

    page.goto(server)
    page.wait_for_function("document.querySelectorAll('.work-card').length >= 2")
    shot(page, "works")


def test_the_curve_marks_sets_that_left_the_favourite_out(page: object, server: str) -> None:
    """Rounds whose set stepped away from the favourite read apart on the Insight tab."""
    import httpx

    with httpx.Client(base_url=server, timeout=30) as api:
        body = {"domain": "design", "creator": "ana", "intention": {"brief": "a quiet poster"}}
        work = api.post("/api/works", json=body).json()
        away = []
        for _ in range(8):  # the person takes the predicted pick each round
            r = api.post(f"/api/works/{work['id']}/proposals", json={"by": "ana", "n": 4})
            shown = r.json()["artifacts"]
            first = shown[0]
            assert first["predicted"], "the predicted pick comes first"
            if "away from your favourite" in first["reason"]:
                away.append(first["round"])
            judged = {"by": "ana", "kind": "choose", "artifact": first["id"]}
            assert api.post(f"/api/works/{work['id']}/judgments", json=judged).status_code == 201
        curve = api.get(f"/api/works/{work['id']}/attunement").json()
    assert away, "two close picks in a row make the next set step away"
    assert [r["round"] for r in curve["rounds"] if r["away"]] == away

    page.goto(f"{server}#/work/{work['id']}/insight")
    page.wait_for_selector("#tab-insight")
    page.click("#tab-insight")
    page.wait_for_selector("#insight svg.chart")
    assert page.locator("#insight svg.chart > rect.away").count() == len(away)
    assert page.locator("#insight svg.chart > circle").count() == 8 - len(away)
    assert "set without your favourite" in page.locator("#insight svg.chart .legend").inner_html()
    stat = page.locator("#insight-with-favourite").inner_text()
    home = curve["with_favourite"]
    assert f"{round(100 * home['accuracy'])}%" in stat and "favourite was shown" in stat
    marked = page.locator("#insight table.data tbody tr", has_text="set without your favourite")
    assert marked.count() == len(away)
    shot(page, "insight-away")
    assert_named(page)


UNNAMED = """() => Array.from(document.querySelectorAll('button, input, select, textarea, a[href]'))
    .filter(el => el.offsetParent !== null || el.type === 'file')
    .filter(el => !(el.getAttribute('aria-label') || (el.labels && el.labels.length)
                    || el.textContent.trim() || el.title))
    .map(el => el.outerHTML.slice(0, 80))"""


def assert_named(page: object) -> None:
    """Every control on the page has an accessible name."""
    assert page.evaluate(UNNAMED) == []


def test_empty_states_and_errors(page: object, server: str) -> None:
    page.goto(server + "#/work/doesnotexist")
    page.wait_for_selector(".empty >> text=No such work")
    page.fill("#creator-input", "")
    page.goto(server + "#/new")
    page.fill("#f-brief", "something")
    page.click("#create-work")
    page.wait_for_selector(".toast.error >> text=Say who you are first")
    assert_named(page)
