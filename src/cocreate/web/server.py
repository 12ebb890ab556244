"""Serving the studio: a socket on 127.0.0.1 (port 0 picks a free one) and uvicorn."""

from __future__ import annotations

import socket
import threading
import webbrowser

from ..session import Studio
from .app import create_app

# -- serving ------------------------------------------------------------------------------


def bind(host: str = "127.0.0.1", port: int = 8000) -> socket.socket:
    """A listening socket; port 0 picks a free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def serve(
    url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    *,
    studio: Studio | None = None,
) -> None:
    """Serve the web studio over the storage at ``url`` until interrupted.

    ``port=0`` picks a free port; the real address is printed once it listens.
    """
    import uvicorn

    studio = studio or Studio(url)
    app = create_app(studio)
    sock = bind(host, port)
    address = url_of(sock)
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    print(f"cocreate studio: {address}  (storage {studio.url}; Ctrl+C to stop)", flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(address,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        studio.close()
