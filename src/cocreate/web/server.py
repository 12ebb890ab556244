"""Serving the studio: a socket on 127.0.0.1 (port 0 picks a free one) and uvicorn.

The studio has no accounts yet, so whoever reaches its port can read and
change every work. It binds loopback unless told otherwise, and binding
beyond it takes ``unsafe_no_accounts=True`` (``--unsafe-no-accounts``) and
prints a warning. Whatever it binds, it answers only to the names of the
address it is bound to and those given in ``allow_hosts`` (see :mod:`.guard`).
"""

from __future__ import annotations

import socket
import sys
import threading
import webbrowser
from collections.abc import Iterable

from ..errors import InputError
from ..session import Studio
from .app import create_app
from .guard import LOOPBACK_NAMES, Hosts, is_loopback

# -- serving ------------------------------------------------------------------------------


def bind(host: str = "127.0.0.1", port: int = 8000) -> socket.socket:
    """A listening socket; port 0 picks a free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def check_exposure(host: str, unsafe_no_accounts: bool) -> str | None:
    """``InputError`` for a bind beyond loopback without consent; the warning to print with it."""
    if is_loopback(host):
        return None
    if not unsafe_no_accounts:
        raise InputError(
            f"binding {host or 'every interface'} would let anyone who can reach this "
            "machine read and change every work: the studio has no accounts yet. Bind "
            "127.0.0.1 (the default), or pass --unsafe-no-accounts if that is what you want"
        )
    return (
        f"warning: the studio listens on {host or 'every interface'} with no accounts: "
        "anyone who can reach this port can read, change and export every work"
    )


def hosts_for(sock: socket.socket, allow_hosts: Iterable[str] = ()) -> Hosts:
    """The names a studio bound to ``sock`` answers to: its own address, and ``allow_hosts``."""
    bound, port = sock.getsockname()[:2]
    wildcard = bound in ("0.0.0.0", "::")
    own: set[tuple[str, int | None]] = set()
    if wildcard or is_loopback(bound):
        own |= {(name, port) for name in LOOPBACK_NAMES}
    if not wildcard:
        own.add((bound.lower(), port))
    extra = Hosts.of(allow_hosts).names  # InputError for a malformed one
    return Hosts(frozenset(own) | extra, any_ip_on=port if wildcard else None)


def serve(
    url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    *,
    studio: Studio | None = None,
    allow_hosts: Iterable[str] = (),
    unsafe_no_accounts: bool = False,
) -> None:
    """Serve the web studio over the storage at ``url`` until interrupted.

    ``port=0`` picks a free port; the real address is printed once it listens.
    ``allow_hosts`` are further names (``name`` or ``name:port``) it answers
    to, e.g. behind a proxy; ``InputError`` for a host beyond loopback without
    ``unsafe_no_accounts``, or for a malformed name.
    """
    import uvicorn

    warning = check_exposure(host, unsafe_no_accounts)
    allow_hosts = list(allow_hosts)
    Hosts.of(allow_hosts)  # refuse a malformed name before opening anything
    studio = studio or Studio(url)
    try:
        sock = bind(host, port)
    except BaseException:
        studio.close()
        raise
    hosts = hosts_for(sock, allow_hosts)
    app = create_app(studio, allowed_hosts=hosts)
    address = url_of(sock)
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    print(f"cocreate studio: {address}  (storage {studio.url}; Ctrl+C to stop)", flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(address,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        studio.close()
