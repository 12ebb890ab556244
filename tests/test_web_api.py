"""The web studio's JSON API, in-process through httpx.ASGITransport.

Every endpoint; bad input answers 4xx with a message and stores nothing; the
API and the Python API agree.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import cocreate
from cocreate.web import create_app


class Client:
    """A synchronous face over httpx.AsyncClient + ASGITransport (the app runs in-process)."""

    def __init__(self, app: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://studio.test"
        )

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, url, **kw))

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[cocreate.Studio]:
    s = cocreate.Studio(f"sqlite:///{tmp_path / 'studio.db'}", media=tmp_path / "media", seed=1)
    yield s
    s.close()


@pytest.fixture
def client(studio: cocreate.Studio) -> Iterator[Client]:
    c = Client(create_app(studio, max_upload_bytes=4096, allowed_hosts=["studio.test"]))
    yield c
    c.close()


def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def bad(r: httpx.Response, status: int | tuple[int, ...] = (400, 422)) -> str:
    statuses = (status,) if isinstance(status, int) else status
    assert r.status_code in statuses, (r.status_code, r.text)
    body = r.json()
    assert isinstance(body["detail"], str) and body["detail"], body
    return body["detail"]


def new_work(c: Client, domain: str = "toy", **kw: Any) -> dict:
    body = {"domain": domain, "creator": "ana", "intention": {"brief": "four calm numbers"}}
    body.update(kw)
    return ok(c.post("/api/works", json=body), 201)


def propose(c: Client, work_id: str, n: int = 4, **kw: Any) -> list[dict]:
    r = ok(c.post(f"/api/works/{work_id}/proposals", json={"by": "ana", "n": n, **kw}))
    return r["artifacts"]


def event_count(studio: cocreate.Studio) -> int:
    return len(studio.events())


# -- the studio ---------------------------------------------------------------------------


def test_page_and_static_assets(client: Client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert '<script src="/static/app.js">' in r.text
    for asset in ("/static/app.js", "/static/style.css"):
        assert client.get(asset).status_code == 200
    assert client.get("/static/nope.js").status_code == 404
    schema = ok(client.get("/api/openapi.json"))
    assert "/api/works/{work_id}/judgments" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_meta_partners_creators_verify(client: Client) -> None:
    meta = ok(client.get("/api/meta"))
    assert {"toy", "image", "design"} <= set(meta["domains"])
    toy = next(p for p in meta["partners"] if p["name"] == "toy")
    assert toy["edit_params"] == {"shift": "add this to every number"}
    assert "cross" in toy["capabilities"]
    cppn = next(p for p in meta["partners"] if p["name"] == "cppn")
    sym = next(e for e in cppn["edit_schema"] if e["name"] == "symmetry")
    assert sym["type"] == "choice" and "mirror-x" in sym["options"]
    assert meta["max_upload_bytes"] == 4096
    assert [p["name"] for p in ok(client.get("/api/partners?domain=toy"))] == ["toy"]
    assert ok(client.get("/api/creators")) == []
    new_work(client)
    assert ok(client.get("/api/creators")) == [{"id": "ana", "name": "", "works": 1}]
    v = ok(client.get("/api/verify"))
    assert v["ok"] and v["count"] == 1 and "intact" in v["message"]


# -- works --------------------------------------------------------------------------------


def test_create_list_read_work(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(
        client,
        intention={
            "brief": "four calm numbers",
            "constraints": ["small"],
            "criteria": ["even"],
            "references": ["Fibonacci"],
        },
        surprise=0.6,
        title="Numbers",
    )
    assert w["title"] == "Numbers" and w["surprise"] == 0.6 and w["partner"]["name"] == "toy"
    assert w["rounds"] == [] and w["current"] is None and w["thumbnail"] is None
    # the Python API sees the same work
    work = studio.work(w["id"])
    assert work.intention.references == ("Fibonacci",) and work.creator == "ana"
    assert ok(client.get(f"/api/works/{w['id'][:8]}"))["id"] == w["id"]
    new_work(client, "image")
    assert [x["domain"] for x in ok(client.get("/api/works"))] == ["image", "toy"]
    assert len(ok(client.get("/api/works?domain=toy"))) == 1
    assert ok(client.get("/api/works?creator=bob")) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"domain": "toy", "creator": "ana"},
        {"domain": "toy", "creator": "ana", "intention": {"brief": ""}},
        {"domain": "toy", "creator": "ana", "intention": {"brief": "   "}},
        {"domain": "toy", "creator": "", "intention": {"brief": "x"}},
        {"domain": "toy", "creator": "ai:toy", "intention": {"brief": "x"}},
        {"domain": "nope", "creator": "ana", "intention": {"brief": "x"}},
        {"domain": "toy", "creator": "ana", "partner": "cppn", "intention": {"brief": "x"}},
        {"domain": "toy", "creator": "ana", "partner": "zzz", "intention": {"brief": "x"}},
        {"domain": "toy", "creator": "ana", "intention": {"brief": "x"}, "surprise": 2},
        {"domain": "toy", "creator": "ana", "intention": {"brief": "x", "mood": "y"}},
        {"domain": "toy", "creator": "ana", "intention": "x", "extra": 1},
    ],
)
def test_create_work_rejects_bad_input(client: Client, studio: cocreate.Studio, body: dict) -> None:
    bad(client.post("/api/works", json=body))
    assert event_count(studio) == 0


def test_malformed_bodies(client: Client) -> None:
    bad(
        client.post(
            "/api/works", content=b"{not json", headers={"content-type": "application/json"}
        )
    )
    bad(client.post("/api/works", content=b"[]", headers={"content-type": "application/json"}))
    w = new_work(client)
    bad(client.post(f"/api/works/{w['id']}/judgments", json=["choose"]))
    bad(client.post(f"/api/works/{w['id']}/undo", json={"by": 3}))


def test_unknown_things_are_404(client: Client) -> None:
    w = new_work(client)
    assert "no work" in bad(client.get("/api/works/ffffffff"), 404)
    bad(client.get(f"/api/works/{w['id']}/artifacts/abc"), 404)
    bad(client.get(f"/api/works/{w['id']}/artifacts/abc/content"), 404)
    bad(client.get(f"/api/works/{w['id']}/rounds/7"), 404)
    bad(client.get("/api/jobs/nope"), 404)
    bad(client.post("/api/jobs/nope/cancel", json={"by": "ana"}), 404)
    bad(client.post("/api/works/ffffffff/undo", json={"by": "ana"}), 404)


# -- rounds, artifacts, content -----------------------------------------------------------


def test_round_artifacts_and_content(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(client)
    empty = ok(client.get(f"/api/works/{w['id']}/rounds/0"))
    assert empty == {"work_id": w["id"], "round": 0, "artifacts": [], "skipped": False}
    arts = propose(client, w["id"], 5)
    assert len(arts) == 5 and all(a["round"] == 1 and a["origin"] == "ai" for a in arts)
    assert all(a["reason"] and a["seed"] is not None and a["text"] for a in arts)
    latest = ok(client.get(f"/api/works/{w['id']}/rounds/0"))
    assert [a["id"] for a in latest["artifacts"]] == [a["id"] for a in arts]
    assert ok(client.get(f"/api/works/{w['id']}/rounds/1")) == latest
    # the Python API agrees
    assert [a.id for a in studio.work(w["id"]).round()] == [a["id"] for a in arts]
    a = ok(client.get(f"/api/works/{w['id']}/artifacts/{arts[0]['id']}"))
    assert a["id"] == arts[0]["id"]
    r = client.get(arts[0]["content_url"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert (
        r.text == arts[0]["text"] and "default-src 'none'" in r.headers["content-security-policy"]
    )
    r = client.get(arts[0]["content_url"] + "?download=true")
    assert "attachment" in r.headers["content-disposition"]
    assert len(ok(client.get(f"/api/works/{w['id']}/artifacts"))) == 5
    assert ok(client.get(f"/api/works/{w['id']}/artifacts?origin=human")) == []
    w2 = ok(client.get(f"/api/works/{w['id']}"))
    assert w2["rounds"] == [1] and w2["last_round"] == 1 and w2["artifact_count"] == 5
    assert w2["thumbnail"]


def test_render_at_size(client: Client) -> None:
    w = new_work(client, "image")
    arts = propose(client, w["id"], 2)
    r = client.get(arts[0]["content_url"] + "?size=32")
    assert r.status_code == 200 and r.content[:4] == b"\x89PNG"
    from PIL import Image

    assert Image.open(io.BytesIO(r.content)).size == (32, 32)
    bad(client.get(arts[0]["content_url"] + "?size=5"), 422)
    bad(client.get(arts[0]["content_url"] + "?size=abc"), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"by": "ana", "n": 0},
        {"by": "ana", "n": 65},
        {"by": "ana", "n": "many"},
        {"by": "ana", "surprise": -1},
        {"by": "ana", "strength": 1.5},
        {"by": "", "n": 2},
        {"by": "ai:toy", "n": 2},
        {"n": 2},
        {"by": "ana", "kind": "dream"},
        {"by": "ana", "kind": "variations"},
        {"by": "ana", "kind": "variations", "artifact": "nope"},
        {"by": "ana", "kind": "crossover", "a": "x"},
        {"by": "ana", "kind": "interpolate", "a": "x", "b": "y"},
        {"by": "ana", "parents": ["nope"]},
        {"by": "ana", "extra": True},
    ],
)
def test_bad_generation_requests(client: Client, studio: cocreate.Studio, body: dict) -> None:
    w = new_work(client)
    before = event_count(studio)
    bad(client.post(f"/api/works/{w['id']}/proposals", json=body))
    bad(client.post(f"/api/works/{w['id']}/jobs", json=body))
    assert event_count(studio) == before


def test_variations_crossover_interpolate(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(client)
    a, b, *_ = propose(client, w["id"], 4)
    kids = propose(client, w["id"], 3, kind="variations", artifact=a["id"], strength=0.1)
    assert all(k["parents"] == [a["id"]] and k["strength"] == 0.1 for k in kids)
    cross = propose(client, w["id"], 2, kind="crossover", a=a["id"], b=b["id"])
    assert all(set(k["parents"]) == {a["id"], b["id"]} for k in cross)
    between = propose(client, w["id"], 3, kind="interpolate", a=a["id"], b=b["id"])
    assert [k["operator"] for k in between] == ["interpolate"] * 3
    assert ok(client.get(f"/api/works/{w['id']}"))["rounds"] == [1, 2, 3, 4]
    bad(
        client.post(
            f"/api/works/{w['id']}/proposals",
            json={"by": "ana", "kind": "crossover", "a": a["id"], "b": a["id"]},
        )
    )


def wait_job(c: Client, job_id: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = ok(c.get(f"/api/jobs/{job_id}"))
        if job["status"] != "running":
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.02)


def test_jobs_progress_and_result(client: Client) -> None:
    w = new_work(client)
    job = ok(client.post(f"/api/works/{w['id']}/jobs", json={"by": "ana", "n": 3}), 202)
    assert job["status"] in ("running", "done") and job["by"] == "ana"
    done = wait_job(client, job["id"])
    assert done["status"] == "done" and done["round"] == 1 and len(done["artifacts"]) == 3
    assert done["done"] == done["total"] > 0
    rnd = ok(client.get(f"/api/works/{w['id']}/rounds/1"))
    assert [a["id"] for a in rnd["artifacts"]] == done["artifacts"]


def test_job_cancel_stores_nothing(client: Client, studio: cocreate.Studio) -> None:
    from toy_partner import ToyPartner

    class SlowToy(ToyPartner):
        name = "slowtoy"
        domain = "slowtoy"

        def describe(self, genome: Any, content: Any = None) -> Any:
            time.sleep(0.01)
            return super().describe(genome, content)

    cocreate.partners.register(SlowToy)
    try:
        w = new_work(client, "slowtoy")
        before = event_count(studio)
        job = ok(client.post(f"/api/works/{w['id']}/jobs", json={"by": "ana", "n": 64}), 202)
        # a second round for the same work while one is being made is refused
        assert "already" in bad(
            client.post(f"/api/works/{w['id']}/jobs", json={"by": "ana", "n": 2}), 409
        )
        time.sleep(0.05)
        cancelled = ok(client.post(f"/api/jobs/{job['id']}/cancel", json={"by": "ana"}))
        assert cancelled["status"] == "cancelled"
        assert event_count(studio) == before
        assert ok(client.get(f"/api/works/{w['id']}"))["rounds"] == []
        # and the work is free again
        job = ok(client.post(f"/api/works/{w['id']}/jobs", json={"by": "ana", "n": 2}), 202)
        assert wait_job(client, job["id"])["status"] == "done"
    finally:
        cocreate.partners.registry.unregister("slowtoy")


def test_failed_job_reports_its_error(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(client)
    a = propose(client, w["id"], 2)[0]
    before = event_count(studio)
    body = {"by": "ana", "kind": "crossover", "a": a["id"], "b": a["id"], "n": 2}
    job = ok(client.post(f"/api/works/{w['id']}/jobs", json=body), 202)
    done = wait_job(client, job["id"])
    assert done["status"] == "failed" and "two different" in done["error"]
    assert event_count(studio) == before
    # the work is free for the next round
    job = ok(client.post(f"/api/works/{w['id']}/jobs", json={"by": "ana", "n": 2}), 202)
    assert wait_job(client, job["id"])["status"] == "done"


# -- judgments, undo, restore, surprise, revise -------------------------------------------


def test_every_judgment_kind(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(client)
    a, b, c, d = propose(client, w["id"], 4)
    url = f"/api/works/{w['id']}/judgments"
    j = ok(client.post(url, json={"by": "ana", "kind": "choose", "artifact": a["id"]}), 201)
    assert (
        j["kind"] == "choose" and j["among"] == [x["id"] for x in (a, b, c, d)] and j["round"] == 1
    )
    ok(client.post(url, json={"by": "ana", "kind": "reject", "artifact": b["id"]}), 201)
    ok(client.post(url, json={"by": "bob", "kind": "rate", "artifact": c["id"], "rating": 4}), 201)
    ok(
        client.post(url, json={"by": "ana", "kind": "rank", "artifact": a["id"], "other": d["id"]}),
        201,
    )
    ok(
        client.post(
            url, json={"by": "ana", "kind": "compare", "artifact": c["id"], "other": d["id"]}
        ),
        201,
    )
    ok(client.post(url, json={"by": "ana", "kind": "skip", "artifact": d["id"]}), 201)
    ok(
        client.post(url, json={"by": "ana", "kind": "note", "artifact": a["id"], "text": "warmer"}),
        201,
    )
    ok(client.post(url, json={"by": "ana", "kind": "skip"}), 201)
    rnd = ok(client.get(f"/api/works/{w['id']}/rounds/1"))
    assert rnd["skipped"]
    marks = {x["id"]: {(m["kind"], m["role"]) for m in x["marks"]} for x in rnd["artifacts"]}
    assert ("choose", "") in marks[a["id"]] and ("rank", "best") in marks[a["id"]]
    assert ("note", "") in marks[a["id"]] and ("reject", "") in marks[b["id"]]
    assert ("rank", "worst") in marks[d["id"]] and ("compare", "lost") in marks[d["id"]]
    rating = next(m for x in rnd["artifacts"] for m in x["marks"] if m["kind"] == "rate")
    assert rating["rating"] == 4 and rating["actor"] == "bob"
    js = ok(client.get(f"/api/works/{w['id']}/judgments"))
    assert len(js) == 8
    # the Python API sees the same judgments, with the actors named in the calls
    assert [j.actor for j in studio.work(w["id"]).judgments()].count("bob") == 1


@pytest.mark.parametrize(
    "body",
    [
        {"by": "ana", "kind": "choose"},
        {"by": "ana", "kind": "choose", "artifact": "zzz"},
        {"by": "ana", "kind": "rate", "artifact": "A"},
        {"by": "ana", "kind": "rate", "artifact": "A", "rating": 0},
        {"by": "ana", "kind": "rate", "artifact": "A", "rating": 6},
        {"by": "ana", "kind": "rate", "artifact": "A", "rating": 2.5},
        {"by": "ana", "kind": "rate", "artifact": "A", "rating": True},
        {"by": "ana", "kind": "rank", "artifact": "A"},
        {"by": "ana", "kind": "rank", "artifact": "A", "other": "A"},
        {"by": "ana", "kind": "compare", "artifact": "A", "other": "A"},
        {"by": "ana", "kind": "note", "artifact": "A"},
        {"by": "ana", "kind": "note", "artifact": "A", "text": "   "},
        {"by": "ana", "kind": "note", "artifact": "A", "text": "x" * 10_001},
        {"by": "ana", "kind": "choose", "artifact": "A", "among": ["B"]},
        {"by": "ana", "kind": "love", "artifact": "A"},
        {"by": "ai:toy", "kind": "choose", "artifact": "A"},
        {"by": " ", "kind": "choose", "artifact": "A"},
        {"kind": "choose", "artifact": "A"},
    ],
)
def test_bad_judgments_store_nothing(client: Client, studio: cocreate.Studio, body: dict) -> None:
    w = new_work(client)
    a, b = propose(client, w["id"], 2)
    ids = {"A": a["id"], "B": b["id"]}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    if "among" in body:
        body["among"] = [ids[x] for x in body["among"]]
    before = event_count(studio)
    bad(client.post(f"/api/works/{w['id']}/judgments", json=body))
    assert event_count(studio) == before


def test_skip_round_needs_a_round(client: Client) -> None:
    w = new_work(client)
    assert "no round" in bad(
        client.post(f"/api/works/{w['id']}/judgments", json={"by": "ana", "kind": "skip"})
    )


def test_undo_is_a_compensating_event(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(client)
    a, b = propose(client, w["id"], 2)
    url = f"/api/works/{w['id']}/judgments"
    j = ok(
        client.post(url, json={"by": "ana", "kind": "rate", "artifact": a["id"], "rating": 5}), 201
    )
    ok(client.post(url, json={"by": "bob", "kind": "rate", "artifact": b["id"], "rating": 2}), 201)
    before = event_count(studio)
    u = ok(client.post(f"/api/works/{w['id']}/undo", json={"by": "ana"}))
    assert u == {"undone": j["id"], "kind": "judgment"}
    assert event_count(studio) == before + 1  # nothing deleted, one event added
    js = {x["id"]: x for x in ok(client.get(f"/api/works/{w['id']}/judgments"))}
    assert js[j["id"]]["undone"] and len(js) == 2
    active = ok(client.get(f"/api/works/{w['id']}/judgments?include_undone=false"))
    assert [x["actor"] for x in active] == ["bob"]
    assert "nothing left to undo" in bad(
        client.post(f"/api/works/{w['id']}/undo", json={"by": "ana"}), 409
    )
    bad(client.post(f"/api/works/{w['id']}/undo", json={}), 422)
    assert ok(client.get("/api/verify"))["ok"]


def test_restore_surprise_revise(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(client)
    a, _ = propose(client, w["id"], 2)
    r = ok(client.post(f"/api/works/{w['id']}/restore", json={"by": "ana", "artifact": a["id"]}))
    assert r["id"] == a["id"]
    assert ok(client.get(f"/api/works/{w['id']}"))["current"] == a["id"]
    bad(client.post(f"/api/works/{w['id']}/restore", json={"by": "ana", "artifact": "zzz"}))
    got = ok(client.post(f"/api/works/{w['id']}/surprise", json={"by": "ana", "surprise": 0.9}))
    assert got["surprise"] == 0.9 and studio.work(w["id"]).surprise == 0.9
    bad(client.post(f"/api/works/{w['id']}/surprise", json={"by": "ana", "surprise": 1.1}))
    bad(client.post(f"/api/works/{w['id']}/surprise", json={"by": "ana", "surprise": "high"}))
    got = ok(
        client.post(
            f"/api/works/{w['id']}/intention",
            json={"by": "ana", "intention": {"brief": "five loud numbers", "criteria": ["loud"]}},
        )
    )
    assert got["intention"]["brief"] == "five loud numbers"
    bad(
        client.post(
            f"/api/works/{w['id']}/intention", json={"by": "ana", "intention": {"brief": ""}}
        )
    )
    ok(client.post(f"/api/works/{w['id']}/undo", json={"by": "ana"}))
    assert ok(client.get(f"/api/works/{w['id']}"))["intention"]["brief"] == "four calm numbers"


# -- uploads and edits --------------------------------------------------------------------


def test_contributions_are_checked(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(client)
    url = f"/api/works/{w['id']}/contributions"
    a = ok(
        client.post(
            url,
            data={"by": "ana", "note": "mine"},
            files={"file": ("m.txt", b"0.1 0.2 0.3 0.4", "text/plain")},
        ),
        201,
    )
    assert a["origin"] == "human" and a["author"] == "ana" and a["reason"] == "mine"
    ref = ok(
        client.post(
            url,
            data={"by": "ana", "role": "reference"},
            files={"file": ("r.md", b"# ref", "application/octet-stream")},
        ),
        201,
    )
    assert ref["media_type"] == "text/markdown"
    mine = ok(client.get(f"/api/works/{w['id']}/artifacts?origin=human&active=true"))
    assert {x["id"] for x in mine} == {a["id"], ref["id"]}
    before = event_count(studio)
    assert "over the limit" in bad(
        client.post(
            url, data={"by": "ana"}, files={"file": ("big.txt", b"1" * 5000, "text/plain")}
        ),
        413,
    )
    assert "empty" in bad(
        client.post(url, data={"by": "ana"}, files={"file": ("e.txt", b"", "text/plain")})
    )
    bad(client.post(url, data={"by": "ana"}, files={"file": ("x.png", b"not a png", "image/png")}))
    bad(
        client.post(
            url,
            data={"by": "ana"},
            files={"file": ("x.bin", b"\x00\x01\x02", "application/octet-stream")},
        )
    )
    bad(
        client.post(
            url, data={"by": "ana"}, files={"file": ("x.txt", b"\xff\xfe\xfa", "text/plain")}
        )
    )
    bad(
        client.post(
            url,
            data={"by": "ana", "role": "boss"},
            files={"file": ("m.txt", b"0.1 0.2 0.3 0.4", "text/plain")},
        )
    )
    bad(
        client.post(
            url, data={"by": "ai:toy"}, files={"file": ("m.txt", b"0.1 0.2 0.3 0.4", "text/plain")}
        )
    )
    bad(client.post(url, data={"by": "ana"}))
    bad(client.post(url, files={"file": ("m.txt", b"0.1 0.2 0.3 0.4", "text/plain")}))
    bad(client.post(url, json={"by": "ana"}))
    assert event_count(studio) == before
    # undoing a contribution hides it from the active ones
    ok(client.post(f"/api/works/{w['id']}/undo", json={"by": "ana"}))
    mine = ok(client.get(f"/api/works/{w['id']}/artifacts?origin=human&active=true"))
    assert [x["id"] for x in mine] == [a["id"]]


def test_edits(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(client)
    a = propose(client, w["id"], 2)[0]
    url = f"/api/works/{w['id']}/artifacts/{a['id']}/edits"
    e = ok(client.post(url, json={"by": "ana", "adjustments": {"shift": 0.1}}), 201)
    assert e["parents"] == [a["id"]] and e["operator"] == "edit" and e["edits"] == {"shift": 0.1}
    assert e["author"] == "ana" and e["origin"] == "human"
    t = ok(client.post(url, json={"by": "ana", "text": "0.5 0.5 0.5 0.5"}), 201)
    assert t["text"] == "0.5 0.5 0.5 0.5"
    up = ok(
        client.post(
            url + "/upload",
            data={"by": "ana"},
            files={"file": ("e.txt", b"0.2 0.2 0.2 0.2", "text/plain")},
        ),
        201,
    )
    assert up["parents"] == [a["id"]]
    # the original is untouched
    assert client.get(a["content_url"]).text == a["text"]
    before = event_count(studio)
    assert "unknown adjustment" in bad(
        client.post(url, json={"by": "ana", "adjustments": {"zoom": 2}})
    )
    assert "could not apply" in bad(
        client.post(url, json={"by": "ana", "adjustments": {"shift": "lots"}})
    )
    bad(client.post(url, json={"by": "ana"}))
    bad(client.post(url, json={"by": "ana", "adjustments": {}}))
    bad(client.post(url, json={"by": "ana", "adjustments": {"shift": 1}, "text": "x"}))
    bad(client.post(url, json={"by": "ana", "adjustments": {"shift": [1]}}))
    bad(
        client.post(f"/api/works/{w['id']}/artifacts/zzz/edits", json={"by": "ana", "text": "1"}),
        404,
    )
    bad(
        client.post(
            url + "/upload",
            data={"by": "ana"},
            files={"file": ("e.txt", b"x" * 5000, "text/plain")},
        ),
        413,
    )
    assert event_count(studio) == before


def test_image_edit_and_text_edit_refused(client: Client) -> None:
    w = new_work(client, "image")
    a = propose(client, w["id"], 2)[0]
    assert a["params"] is not None
    url = f"/api/works/{w['id']}/artifacts/{a['id']}/edits"
    e = ok(
        client.post(
            url, json={"by": "ana", "adjustments": {"symmetry": "mirror-x", "hue_shift": 90}}
        ),
        201,
    )
    assert client.get(e["content_url"]).content[:4] == b"\x89PNG"
    bad(client.post(url, json={"by": "ana", "text": "hello"}))
    bad(client.post(url, json={"by": "ana", "adjustments": {"symmetry": "spiral"}}))
    bad(client.post(url, json={"by": "ana", "adjustments": {"zoom": 0}}))


def test_design_edit_sets_parameters(client: Client) -> None:
    w = new_work(client, "design")
    a = propose(client, w["id"], 2)[0]
    url = f"/api/works/{w['id']}/artifacts/{a['id']}/edits"
    e = ok(
        client.post(
            url,
            json={"by": "ana", "adjustments": {"font": "georgia", "uppercase": True, "columns": 3}},
        ),
        201,
    )
    assert e["params"]["font"] == "georgia" and e["params"]["uppercase"] is True
    assert e["params"]["columns"] == 3
    bad(client.post(url, json={"by": "ana", "adjustments": {"font": "comic"}}))


# -- history, events, attunement ----------------------------------------------------------


def test_history_events_attunement(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(client)
    a, *_ = propose(client, w["id"], 3)
    ok(
        client.post(
            f"/api/works/{w['id']}/judgments",
            json={"by": "ana", "kind": "choose", "artifact": a["id"]},
        ),
        201,
    )
    kids = propose(client, w["id"], 2, kind="variations", artifact=a["id"])
    hist = ok(client.get(f"/api/works/{w['id']}/history"))
    assert hist["current"] == a["id"]
    nodes = {n["id"]: n for n in hist["nodes"]}
    assert len(nodes) == 5 and nodes[a["id"]]["depth"] == 0
    assert all(nodes[k["id"]]["depth"] == 1 for k in kids)
    assert nodes[a["id"]]["status"] == "chosen" and nodes[a["id"]]["content_url"]
    assert [j["kind"] for j in hist["judgments"]] == ["choose"]
    # the Python API's history has the same tree
    assert set(studio.work(w["id"]).history().nodes) == set(nodes)
    assert nodes[kids[0]["id"]]["recipe"]["operator"] == "vary"
    brief = client.get(f"/api/works/{w['id']}/history", params={"recipes": "false"})
    slim = {n["id"]: n for n in ok(brief)["nodes"]}
    assert slim.keys() == nodes.keys() and not any("recipe" in n for n in slim.values())
    assert {k: v for k, v in nodes[a["id"]].items() if k != "recipe"} == slim[a["id"]]
    assert len(brief.content) < 0.8 * len(client.get(f"/api/works/{w['id']}/history").content)
    events = ok(client.get(f"/api/works/{w['id']}/events"))
    assert events[0]["kind"] == "work.created" and all(e["hash"] for e in events)
    att = ok(client.get(f"/api/works/{w['id']}/attunement"))
    assert len(att["rounds"]) == 1 and att["chance"] == pytest.approx(1 / 3)
    # one round, with nothing to learn from yet: it held the favourite, so both counts agree
    assert att["away_rounds"] == 0 and att["rounds"][0]["away"] is False
    assert att["with_favourite"] == {
        "rounds": 1,
        "accuracy": att["accuracy"],
        "chance": att["chance"],
    }
    att2 = ok(client.get(f"/api/works/{w['id']}/attunement?scope=creator"))
    assert len(att2["rounds"]) == 1
    bad(client.get(f"/api/works/{w['id']}/attunement?scope=world"), 422)


def test_taste_inspect_export_and_reset(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(client)
    for _ in range(3):
        a, *_ = propose(client, w["id"], 4)
        ok(
            client.post(
                f"/api/works/{w['id']}/judgments",
                json={"by": "ana", "kind": "choose", "artifact": a["id"]},
            ),
            201,
        )
    taste = ok(client.get(f"/api/works/{w['id']}/taste"))
    assert taste["creator"] == "ana" and taste["domain"] == "toy"
    assert taste["comparisons"] == 9 and taste["model"]["format"] == "cocreate-taste/1"
    assert len(taste["ideal_point"]["homes"]) == 2 and taste["ideal_point"]["width"] > 0
    assert taste["attunement"]["chance"] == pytest.approx(1 / 4)
    # the same as the Python API's export
    direct = studio.taste("ana", "toy")
    assert taste["summary"] == direct["summary"] and taste["ideal_point"] == direct["ideal_point"]
    assert taste["model"] == json.loads(json.dumps(direct["model"]))
    # only the creator can reset their own taste; nothing is forgotten on a refusal
    assert "only ana can reset" in bad(
        client.post(f"/api/works/{w['id']}/taste/reset", json={"by": "ben"}), 400
    )
    assert ok(client.get(f"/api/works/{w['id']}/taste"))["comparisons"] == 9
    bad(client.post(f"/api/works/{w['id']}/taste/reset", json={}), 422)
    bad(client.get("/api/works/nope/taste"), 404)
    after = ok(client.post(f"/api/works/{w['id']}/taste/reset", json={"by": "ana"}))
    assert after["judgments"] == 0 and after["ideal_point"] is None
    assert len(studio.work(w["id"]).judgments()) == 3, "the ledger keeps the judgments"
    assert studio.verify().ok


# -- authorship ---------------------------------------------------------------------------


def _authorship_ready() -> bool:
    try:
        from cocreate import authorship
    except ImportError:
        return False
    return all(
        hasattr(authorship, f) for f in ("attribution", "disclosure", "split_sheet", "export")
    )


def test_authorship_endpoints(client: Client, studio: cocreate.Studio) -> None:
    w = new_work(client, "image")
    a = propose(client, w["id"], 2)[0]
    ok(
        client.post(
            f"/api/works/{w['id']}/judgments",
            json={"by": "ana", "kind": "choose", "artifact": a["id"]},
        ),
        201,
    )
    if not _authorship_ready():
        assert "not available" in bad(client.get(f"/api/works/{w['id']}/attribution"), 501)
        bad(client.post(f"/api/works/{w['id']}/export?by=ana"), 501)
        assert ok(client.get("/api/meta"))["authorship"] is False
        return
    attr = ok(client.get(f"/api/works/{w['id']}/attribution"))
    assert attr["attribution"]
    assert ok(client.get(f"/api/works/{w['id']}/attribution?artifact={a['id']}"))["attribution"]
    bad(client.get(f"/api/works/{w['id']}/attribution?artifact=zzz"), 404)
    assert ok(client.get(f"/api/works/{w['id']}/disclosure"))["disclosure"]
    assert ok(client.get(f"/api/works/{w['id']}/split-sheet"))["split_sheet"]
    formats = ok(client.get("/api/meta"))["export_formats"]
    r = client.post(f"/api/works/{w['id']}/export?by=ana&format={formats[0]}")
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["content-disposition"] and r.content
    bad(client.post(f"/api/works/{w['id']}/export?by=ana&format=nonsense"))
    bad(client.post(f"/api/works/{w['id']}/export?format={formats[0]}"), 422)
    bad(client.post(f"/api/works/{w['id']}/export?by=ai:x&format={formats[0]}"))


# -- guards -------------------------------------------------------------------------------


def test_cross_origin_writes_are_refused(client: Client, studio: cocreate.Studio) -> None:
    body = {"domain": "toy", "creator": "ana", "intention": {"brief": "x"}}
    r = client.post("/api/works", json=body, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "cross-origin" in r.json()["detail"]
    assert event_count(studio) == 0
    ok(client.post("/api/works", json=body, headers={"origin": "http://studio.test"}), 201)


def test_serve_prints_the_real_port(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import uvicorn

    from cocreate.web import server as web_server

    seen = {}

    def fake_run(self: Any, sockets: Any = None) -> None:
        seen["port"] = sockets[0].getsockname()[1]

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    web_server.serve("memory://", port=0)
    out = capsys.readouterr().out
    assert seen["port"] > 0 and f"http://127.0.0.1:{seen['port']}/" in out


# -- a partner's own failure ---------------------------------------------------------------


@pytest.fixture
def failing_partner() -> Iterator[str]:
    """A person's parametric partner whose render function fails after the first round."""
    from cocreate.partners import register
    from cocreate.partners.parametric import Float, ParametricSpace, parametric_partner
    from cocreate.partners.registry import unregister

    made = {"n": 0}

    def render(params: dict, size: int | None = None) -> bytes:
        made["n"] += 1
        if made["n"] > 3:
            raise ZeroDivisionError("the palette has no colours")
        return b"%.3f" % params["a"]

    space = ParametricSpace([Float("a", 0, 1), Float("b", 0, 1)])
    register(parametric_partner("brittle", space, render, "text/plain", domain="brittle"))
    yield "brittle"
    unregister("brittle")


def test_a_partners_failure_names_it_and_stores_nothing(
    client: Client,
    studio: cocreate.Studio,
    failing_partner: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = new_work(client, domain="brittle")
    propose(client, w["id"], 3)
    events = len(studio.events())
    r = client.post(f"/api/works/{w['id']}/proposals", json={"by": "ana", "n": 3})
    assert r.status_code == 500 and r.json()["error"] == "PartnerFailed"
    # the operator's log has the whole story: the request and the partner's own traceback
    (record,) = [x for x in caplog.records if x.name == "cocreate.web.problems"]
    assert f"POST /api/works/{w['id']}/proposals" in record.getMessage()
    assert record.exc_info and isinstance(record.exc_info[1].__cause__, ZeroDivisionError)
    assert r.json()["detail"] == (
        "partner 'brittle' failed in render: ZeroDivisionError: the palette has no colours"
    )
    assert len(studio.events()) == events and len(studio.work(w["id"]).artifacts()) == 3
    job = ok(client.post(f"/api/works/{w['id']}/jobs", json={"by": "ana", "n": 3}), 202)
    for _ in range(200):
        job = ok(client.get(f"/api/jobs/{job['id']}"))
        if job["status"] != "running":
            break
        time.sleep(0.02)
    assert job["status"] == "failed" and job["error"].startswith("partner 'brittle' failed")
    assert any(
        x.name == "cocreate.web.jobs" and job["id"] in x.getMessage() for x in caplog.records
    )
    with pytest.raises(cocreate.PartnerFailed) as caught:  # the same in Python, cause attached
        studio.work(w["id"]).propose(2)
    assert isinstance(caught.value.__cause__, ZeroDivisionError)
    assert studio.verify().ok and len(studio.events()) == events
