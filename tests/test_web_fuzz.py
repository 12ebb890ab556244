"""The web studio under generated input: no request gives a 500, no hostile one stores a thing.

* Schemathesis against the OpenAPI schema. Path parameters are pointed at a
  real work and a real artifact half of the time, so the generated bodies
  reach the session code and not only the 404s.
* Hypothesis over the headers a hostile page can make a browser send (Origin,
  Host, Sec-Fetch-Site) with every writing route and a body for it: whatever is
  refused is a 4xx and leaves the ledger as it was, and a request with no
  Origin from the studio's own Host is served as before.

Kept small (a few examples per operation) so the run stays well under a minute.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cocreate
from cocreate.web import create_app
from cocreate.web.guard import Hosts

STUDIO = cocreate.Studio("memory://", seed=3)
# Schemathesis calls the app as Starlette's test client does, as Host "testserver".
APP = create_app(STUDIO, max_upload_bytes=64 * 1024, allowed_hosts=["testserver"])
WORK = STUDIO.create_work("toy", "ana", "four calm numbers")
ARTS = WORK.propose(4)
WORK.choose(ARTS[0])

schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case: object) -> None:
    params = case.path_parameters or {}
    if "work_id" in params and zlib.crc32(str(case.body).encode()) % 2 == 0:  # stable
        params["work_id"] = WORK.id
        if "artifact_id" in params:
            params["artifact_id"] = ARTS[1].id
    response = case.call()
    # Only "never a 500" is asserted here; the API tests check the statuses one by one.
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])


def test_the_schema_declares_every_route() -> None:
    paths = APP.openapi()["paths"]
    for route in (
        "/api/meta",
        "/api/works",
        "/api/works/{work_id}/jobs",
        "/api/jobs/{job_id}/cancel",
        "/api/works/{work_id}/contributions",
        "/api/works/{work_id}/export",
    ):
        assert route in paths


# -- hostile origins and hosts -----------------------------------------------------------

OWN = "127.0.0.1:8000"
HOSTILE_ORIGINS = st.one_of(
    st.just("null"),
    st.sampled_from(
        [
            "http://evil.example",
            "https://127.0.0.1:8000",
            "http://127.0.0.1:8001",
            "http://localhost:8000",
            "http://127.0.0.1:8000.evil.example",
            "http://127.0.0.1",
            "file://",
            "127.0.0.1:8000",
            "",
            "http://127.0.0.1:8000/",
        ]
    ),
    st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=40),
).filter(lambda o: o.strip().lower() != f"http://{OWN}")
HOSTILE_HOSTS = st.one_of(
    st.sampled_from(
        [
            "evil.example",
            "evil.example:8000",
            "127.0.0.1.nip.io:8000",
            "localhost:8000@evil.example",
            "127.0.0.1:80",
            "[::2]:8000",
            "0.0.0.0:8000",
            "",
        ]
    ),
    st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=30),
).filter(lambda h: h.strip().lower() not in (OWN, "localhost:8000", "[::1]:8000"))

# As ``serve`` makes it: the bound address and port, and nothing else.
BODIES = st.one_of(
    st.binary(max_size=200),
    st.dictionaries(
        st.sampled_from(["domain", "creator", "by", "kind", "artifact", "n", "intention"]),
        st.none() | st.integers() | st.text(max_size=20) | st.just({"brief": "x"}),
        max_size=5,
    ),
)

FUZZ_APP = create_app(STUDIO, max_upload_bytes=64 * 1024, allowed_hosts=Hosts.loopback(8000))


def _writes() -> list[tuple[str, str, dict[str, Any]]]:
    """Every writing route, each with a body it would accept from the studio's own page."""
    w, a = WORK.id, ARTS[1].id
    return [
        (
            "POST",
            "/api/works",
            {"json": {"domain": "toy", "creator": "mo", "intention": {"brief": "x"}}},
        ),
        ("POST", f"/api/works/{w}/jobs", {"json": {"n": 2, "by": "ana"}}),
        (
            "POST",
            f"/api/works/{w}/judgments",
            {"json": {"kind": "reject", "artifact": a, "by": "ana"}},
        ),
        (
            "POST",
            f"/api/works/{w}/contributions",
            {"files": {"file": ("n.txt", b"0.1 0.2 0.3 0.4", "text/plain")}, "data": {"by": "ana"}},
        ),
        ("POST", f"/api/works/{w}/export", {"data": {"format": "file"}}),
        ("POST", f"/api/works/{w}/undo", {"json": {"by": "ana"}}),
    ]


def _send(method: str, path: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=FUZZ_APP)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{OWN}") as c:
            return await c.request(method, path, headers=headers, **kw)

    return asyncio.run(go())


def _state() -> tuple[int, str]:
    return STUDIO.storage.head()


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    route=st.integers(min_value=0, max_value=5),
    origin=st.none() | HOSTILE_ORIGINS,
    host=st.none() | HOSTILE_HOSTS,
    fetch_site=st.none() | st.sampled_from(["cross-site", "same-site", "same-origin", "none"]),
    body=st.none() | BODIES,
)
def test_hostile_headers_are_refused_and_store_nothing(
    route: int, origin: str | None, host: str | None, fetch_site: str | None, body: Any
) -> None:
    hostile_origin = origin is not None or fetch_site in ("cross-site", "same-site")
    if host is None and not hostile_origin:
        host = "evil.example:8000"  # at least one hostile header
    method, path, kw = _writes()[route]
    if body is not None:  # the route's own body, or any other: refused before it is read
        kw = {"content": body} if isinstance(body, bytes) else {"json": body}
    headers = {"host": OWN if host is None else host}
    if origin is not None:
        headers["origin"] = origin
    if fetch_site is not None:
        headers["sec-fetch-site"] = fetch_site
    before = _state()
    r = _send(method, path, headers, **kw)
    assert 400 <= r.status_code < 500, (headers, r.status_code, r.text[:300])
    assert r.status_code in (400, 403) and r.json()["error"] in ("Forbidden", "BadHost")
    assert _state() == before, "a refused request stored something"


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    route=st.sampled_from([0, 2, 3]),
    origin=st.sampled_from([None, f"http://{OWN}", f"HTTP://{OWN.upper()}"]),
    host=st.sampled_from([OWN, "localhost:8000", "[::1]:8000"]),
)
def test_requests_without_a_foreign_origin_are_still_served(
    route: int, origin: str | None, host: str
) -> None:
    if origin is not None:
        origin = origin.lower().replace(OWN, host)
    method, path, kw = _writes()[route]
    headers = {"host": host} | ({"origin": origin} if origin else {})
    before = _state()[0]
    r = _send(method, path, headers, **kw)
    assert r.status_code in (200, 201, 202), (headers, r.status_code, r.text[:300])
    assert _state()[0] > before
