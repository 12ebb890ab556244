"""The web studio: a JSON API (with an OpenAPI schema) and a single page over it.

``create_app(studio)`` gives the ASGI app; ``serve(url, port=0)`` runs it on
127.0.0.1 and prints the address. The page and its scripts ship in
``cocreate/web/static`` and need no network.
"""

from .app import create_app
from .server import serve

__all__ = ["create_app", "serve"]
