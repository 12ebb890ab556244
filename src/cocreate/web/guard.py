"""The guard between the studio and the other web sites a person's browser has open.

There are no accounts yet: whatever reaches the port may act. Two checks keep
a page of another site, running in the person's own browser, from being such
a thing:

* **Host.** A page of ``evil.example`` can point its own name at 127.0.0.1
  (DNS rebinding); the browser then takes the studio for part of that site and
  lets the page read and write it. Its requests still say
  ``Host: evil.example``, so every request, reads included, must name the
  studio by an address it is bound to (``127.0.0.1:8000``, ``localhost:8000``,
  ``[::1]:8000``) or by a name it was told to answer to (``--allow-host``).
  An IP literal cannot be rebound, so a studio bound to every interface also
  answers to any IP address on its port.
* **Origin.** A browser names the page a request comes from. A write (any
  method but GET, HEAD and OPTIONS) is accepted only from the studio's own
  origin, the one its Host names; ``Origin: null`` (a sandboxed frame, a
  ``data:`` or ``file:`` page) is refused like any foreign one. A request
  without an Origin is no page's (curl, scripts, the CLI) and is served,
  unless the browser says through ``Sec-Fetch-Site`` that another site sent it.

Refusals are JSON like every other error (403 for the origin, 400 for the
host), and nothing behind the guard runs for them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import InputError
from ..names import printable

READS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")

HostPort = tuple[str, int | None]


def _port(text: str, said: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise InputError(f"{said!r} has no valid port")
    return int(text)


def split_host(value: str) -> HostPort:
    """``name[:port]`` / ``[v6][:port]`` as (name in lower case, port or None).

    ``InputError`` when it is not such a thing.
    """
    said = printable(value)[:100]
    text = value.strip().lower()
    if not text or any(c.isspace() or c in "/@?#\\" for c in text):
        raise InputError(f"{said!r} is not a host name")
    if text.startswith("["):
        name, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise InputError(f"{said!r} is not a host name")
        _ip(name, said)
        return name, _port(rest[1:], said) if rest else None
    if text.count(":") > 1:  # a bare IPv6 address
        _ip(text, said)
        return text, None
    name, colon, port = text.partition(":")
    if not name:
        raise InputError(f"{said!r} is not a host name")
    return name.rstrip("."), _port(port, said) if colon else None


def _ip(text: str, said: str) -> None:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise InputError(f"{said!r} is not a host name") from None


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the studio on this machine."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Hosts:
    """The names a studio answers to: (name, port) pairs, a port of None meaning any.

    ``any_ip_on`` is a port on which any IP literal is accepted (a studio
    bound to every interface); None when there is none.
    """

    names: frozenset[HostPort]
    any_ip_on: int | None = None

    @classmethod
    def of(cls, entries: Iterable[str], *, any_ip_on: int | None = None) -> Hosts:
        """From ``name``, ``name:port`` or ``[v6]:port`` entries; ``InputError`` for a bad one."""
        return cls(frozenset(split_host(e) for e in entries), any_ip_on)

    @classmethod
    def loopback(cls, port: int | None = None, extra: Iterable[str] = ()) -> Hosts:
        """127.0.0.1, localhost and [::1] on ``port`` (any port when None), and ``extra``."""
        own = frozenset((name, port) for name in LOOPBACK_NAMES)
        return cls(own | cls.of(extra).names)

    def allows(self, host: str) -> bool:
        """Whether a ``Host`` header names this studio."""
        try:
            name, port = split_host(host)
        except InputError:
            return False
        port = 80 if port is None else port
        if (name, None) in self.names or (name, port) in self.names:
            return True
        return self.any_ip_on == port and is_ip(name)

    def __str__(self) -> str:
        shown = []
        for name, port in sorted(self.names, key=lambda np: (np[0], np[1] or 0)):
            n = f"[{name}]" if ":" in name else name
            shown.append(n if port is None else f"{n}:{port}")
        if self.any_ip_on is not None:
            shown.append(f"any IP address on port {self.any_ip_on}")
        if not shown:
            return "no name at all"
        return ", ".join(shown[:-1]) + (" or " if len(shown) > 1 else "") + shown[-1]


def refusal(method: str, headers: Headers | dict[str, str], hosts: Hosts) -> tuple[int, str] | None:
    """Why the request is refused, as (status, detail); None when it may go on."""
    host = headers.get("host")
    if not host or not hosts.allows(host):
        said = f"Host {printable(host)[:80]}" if host else "no Host header"
        return 400, (
            f"this studio answers to {hosts}, not {said}: a page of another site "
            "may be trying to reach it under its own name (start the studio with "
            "--allow-host NAME to serve it under another name)"
        )
    if method.upper() in READS:
        return None
    origin = headers.get("origin")
    if origin is None:
        if headers.get("sec-fetch-site", "") in ("cross-site", "same-site"):
            return 403, "cross-origin writes are refused: the browser says another site sent this"
        return None
    scheme, sep, netloc = origin.strip().lower().partition("://")
    if sep and scheme in ("http", "https") and netloc == host.strip().lower():
        return None
    said = "a page without an origin (Origin: null)" if origin.strip() == "null" else "another site"
    return 403, (
        f"cross-origin writes are refused: this request comes from {said}, "
        f"not from the studio's own page"
    )


class Guard:
    """ASGI middleware that answers a refused request itself (see the module docstring)."""

    def __init__(self, app: ASGIApp, hosts: Hosts) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET") if scope["type"] == "http" else "WEBSOCKET"
        refused = refusal(method, Headers(scope=scope), self.hosts)
        if refused is None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        status, detail = refused
        body: dict[str, Any] = {
            "detail": detail,
            "error": "Forbidden" if status == 403 else "BadHost",
        }
        response = JSONResponse(body, status_code=status)
        response.headers["X-Content-Type-Options"] = "nosniff"
        await response(scope, receive, send)
