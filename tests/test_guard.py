"""The guard: which Host and Origin the studio accepts, and how far it may be bound."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import cocreate
from cocreate.cli import app as cli_app
from cocreate.errors import InputError
from cocreate.web import create_app
from cocreate.web import server as web_server
from cocreate.web.guard import Hosts, is_loopback, refusal, split_host

BODY = {"domain": "toy", "creator": "ana", "intention": {"brief": "four calm numbers"}}


class Client:
    """httpx over the app in-process, as a browser or a script at ``base`` would reach it."""

    def __init__(self, app: Any, base: str = "http://127.0.0.1:8000") -> None:
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, url, **kw))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


@pytest.fixture
def studio() -> Iterator[cocreate.Studio]:
    with cocreate.Studio("memory://", seed=5) as st:
        yield st


@pytest.fixture
def client(studio: cocreate.Studio) -> Iterator[Client]:
    c = Client(create_app(studio))
    yield c
    c.close()


# -- host names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("127.0.0.1:8000", ("127.0.0.1", 8000)),
        ("LOCALHOST:8000", ("localhost", 8000)),
        ("localhost.:8000", ("localhost", 8000)),
        ("[::1]:8000", ("::1", 8000)),
        ("[::1]", ("::1", None)),
        ("::1", ("::1", None)),
        ("studio.lan", ("studio.lan", None)),
    ],
)
def test_host_names_are_split_into_name_and_port(text: str, parsed: tuple) -> None:
    assert split_host(text) == parsed


@pytest.mark.parametrize(
    "text", ["", " ", "a b", "x:99999", "x:port", "[::1", "[nothost]:80", "a/b", "u@h", ":80"]
)
def test_malformed_host_names_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        split_host(text)


def test_hosts_allow_their_own_names_and_ports_only() -> None:
    hosts = Hosts.loopback(8000, ["studio.lan"])
    for ok in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "studio.lan", "studio.lan:443"):
        assert hosts.allows(ok), ok
    for bad in ("127.0.0.1:8001", "localhost", "evil.example:8000", "127.0.0.1.nip.io:8000", ""):
        assert not hosts.allows(bad), bad
    assert "127.0.0.1:8000" in str(hosts) and "studio.lan" in str(hosts)


def test_a_wildcard_bind_answers_to_ip_literals_on_its_port_but_not_to_names() -> None:
    hosts = Hosts(Hosts.loopback(8000).names, any_ip_on=8000)
    assert hosts.allows("192.168.1.20:8000") and hosts.allows("[fe80::1]:8000")
    assert not hosts.allows("192.168.1.20:9000") and not hosts.allows("rebind.example:8000")


def test_loopback_is_told_from_the_rest() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "", "192.168.1.2", "example.org"))


# -- the rules, request by request -------------------------------------------------------

HOST = {"host": "127.0.0.1:8000"}


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        ("POST", {**HOST}, None),  # a script or the CLI: no Origin
        ("POST", {**HOST, "origin": "http://127.0.0.1:8000"}, None),  # the studio's page
        ("POST", {**HOST, "origin": "null"}, 403),  # a sandboxed frame, a data: page
        ("POST", {**HOST, "origin": "http://evil.example"}, 403),
        ("POST", {**HOST, "origin": "http://localhost:8000"}, 403),  # not this Host's origin
        ("POST", {**HOST, "origin": "ftp://127.0.0.1:8000"}, 403),
        ("POST", {**HOST, "origin": "127.0.0.1:8000"}, 403),
        ("DELETE", {**HOST, "origin": "http://evil.example"}, 403),
        ("POST", {**HOST, "sec-fetch-site": "cross-site"}, 403),
        (
            "GET",
            {**HOST, "origin": "http://evil.example"},
            None,
        ),  # reads are the browser's to block
        ("GET", {"host": "evil.example:8000"}, 400),  # DNS rebinding reads
        ("POST", {"host": "evil.example:8000", "origin": "http://evil.example:8000"}, 400),
        ("GET", {}, 400),
    ],
)
def test_refusal(method: str, headers: dict[str, str], status: int | None) -> None:
    found = refusal(method, headers, Hosts.loopback(8000))
    assert (found[0] if found else None) == status


# -- over the app ------------------------------------------------------------------------


def count(studio: cocreate.Studio) -> int:
    return studio.storage.head()[0]


@pytest.mark.parametrize("origin", ["null", "http://evil.example", "http://127.0.0.1:9999"])
def test_foreign_and_null_origins_write_nothing(
    client: Client, studio: cocreate.Studio, origin: str
) -> None:
    r = client.request("POST", "/api/works", json=BODY, headers={"origin": origin})
    assert r.status_code == 403 and r.json()["error"] == "Forbidden"
    assert "cross-origin" in r.json()["detail"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert count(studio) == 0


def test_uploads_and_exports_from_a_null_origin_are_refused(
    client: Client, studio: cocreate.Studio
) -> None:
    work = studio.create_work("toy", "ana", "numbers")
    work.choose(work.propose(3)[0])
    before = count(studio)
    r = client.request(
        "POST",
        f"/api/works/{work.id}/contributions",
        files={"file": ("n.txt", b"1 2 3 4", "text/plain")},
        data={"by": "ana"},
        headers={"origin": "null"},
    )
    assert r.status_code == 403
    r = client.request(
        "POST", f"/api/works/{work.id}/export", json={"format": "file"}, headers={"origin": "null"}
    )
    assert r.status_code == 403
    assert count(studio) == before


def test_the_studios_own_page_and_scripts_may_write(
    client: Client, studio: cocreate.Studio
) -> None:
    r = client.request("POST", "/api/works", json=BODY, headers={"origin": "http://127.0.0.1:8000"})
    assert r.status_code == 201
    assert client.request("POST", "/api/works", json=BODY).status_code == 201  # curl, no Origin
    assert count(studio) == 2


def test_a_rebound_name_reads_nothing(client: Client, studio: cocreate.Studio) -> None:
    studio.create_work("toy", "ana", "numbers")
    r = client.request("GET", "/api/works", headers={"host": "rebind.example:8000"})
    assert r.status_code == 400 and r.json()["error"] == "BadHost"
    assert "--allow-host" in r.json()["detail"] and "numbers" not in r.text
    assert client.request("GET", "/", headers={"host": "rebind.example:8000"}).status_code == 400


def test_an_allowed_name_is_served(studio: cocreate.Studio) -> None:
    c = Client(create_app(studio, allowed_hosts=["studio.lan"]), base="http://studio.lan")
    try:
        assert c.request("GET", "/api/works").status_code == 200
        r = c.request("POST", "/api/works", json=BODY, headers={"origin": "http://studio.lan"})
        assert r.status_code == 201
    finally:
        c.close()


# -- binding -----------------------------------------------------------------------------


def test_the_bound_address_and_port_are_the_names_served() -> None:
    sock = web_server.bind("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        hosts = web_server.hosts_for(sock, ["studio.lan:8443"])
    finally:
        sock.close()
    assert hosts.allows(f"127.0.0.1:{port}") and hosts.allows(f"localhost:{port}")
    assert hosts.allows(f"[::1]:{port}") and hosts.allows("studio.lan:8443")
    assert not hosts.allows(f"127.0.0.1:{port + 1}") and not hosts.allows("studio.lan")
    assert hosts.any_ip_on is None


def test_every_interface_takes_the_unsafe_flag_and_warns() -> None:
    with pytest.raises(InputError, match="--unsafe-no-accounts"):
        web_server.check_exposure("0.0.0.0", False)
    assert web_server.check_exposure("127.0.0.1", False) is None
    warning = web_server.check_exposure("0.0.0.0", True)
    assert warning and "no accounts" in warning


@pytest.fixture
def no_uvicorn(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(self: Any, sockets: Any = None) -> None:
        seen["port"] = sockets[0].getsockname()[1]
        seen["app"] = self.config.app

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    return seen


def test_serve_refuses_every_interface_without_the_flag(no_uvicorn: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="no accounts"):
        web_server.serve("memory://", host="0.0.0.0", port=0)
    assert "port" not in no_uvicorn  # nothing was bound


def test_serve_on_every_interface_with_the_flag_warns(
    no_uvicorn: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    web_server.serve("memory://", host="0.0.0.0", port=0, unsafe_no_accounts=True)
    assert "warning" in capsys.readouterr().err
    c = Client(no_uvicorn["app"], base=f"http://192.168.7.7:{no_uvicorn['port']}")
    try:
        assert c.request("GET", "/api/works").status_code == 200  # an IP cannot be rebound
        r = c.request("GET", "/api/works", headers={"host": f"evil.example:{no_uvicorn['port']}"})
        assert r.status_code == 400
    finally:
        c.close()


def test_the_cli_flags(no_uvicorn: dict[str, Any]) -> None:
    runner = CliRunner()
    r = runner.invoke(cli_app, ["--db", "memory://", "studio", "--host", "0.0.0.0", "--port", "0"])
    said = " ".join(r.output.split())
    assert r.exit_code == 2 and "--unsafe-no-accounts" in said and "Traceback" not in said
    r = runner.invoke(
        cli_app, ["--db", "memory://", "studio", "--port", "0", "--allow-host", "a b"]
    )
    assert r.exit_code == 2 and "not a host name" in " ".join(r.output.split())
    args = ["--db", "memory://", "studio", "--port", "0", "--allow-host", "studio.lan"]
    r = runner.invoke(cli_app, args)
    assert r.exit_code == 0, r.output
    c = Client(no_uvicorn["app"], base="http://studio.lan")
    try:
        assert c.request("GET", "/api/works").status_code == 200
    finally:
        c.close()


def test_a_taken_port_is_a_sentence() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = CliRunner().invoke(cli_app, ["--db", "memory://", "studio", "--port", str(port)])
    said = " ".join(r.output.split())
    assert r.exit_code == 2 and "cannot listen" in said and "Traceback" not in said
