"""Where partners are found: built-ins and the ``cocreate.partners`` entry-point group.

A third-party package registers a partner class in its ``pyproject.toml``::

    [project.entry-points."cocreate.partners"]
    mypartner = "mypackage.partner:MyPartner"
"""

from __future__ import annotations

import logging
import threading
from importlib.metadata import entry_points

from ..errors import UnknownDomain, UnknownPartner
from .base import Partner

ENTRY_POINT_GROUP = "cocreate.partners"

# Built-in partners, "module:Class", imported lazily so a missing optional
# dependency of one partner never breaks the others.
BUILTINS: dict[str, str] = {
    "cppn": "cocreate.partners.cppn:CPPNPartner",
    "poster": "cocreate.partners.poster:PosterPartner",
    "writer": "cocreate.partners.writing:WritingPartner",
    "music": "cocreate.partners.music:MusicPartner",
}

log = logging.getLogger(__name__)

_lock = threading.Lock()  # guards _classes
_load_lock = threading.Lock()  # one loader; the others wait for it
_classes: dict[str, type[Partner]] = {}
_loaded = False


def register(cls: type[Partner]) -> type[Partner]:
    """Register a partner class under its ``name`` (usable as a decorator)."""
    if not (isinstance(cls, type) and issubclass(cls, Partner)):
        raise TypeError(f"{cls!r} is not a Partner subclass")
    for attr in ("name", "domain", "media_type", "model_id", "feature_names"):
        if not getattr(cls, attr, None):
            raise TypeError(f"partner class {cls.__name__} must set {attr!r}")
    with _lock:
        _classes[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    with _lock:
        _classes.pop(name, None)


def _load() -> None:
    """Import the built-ins and plugins once; every caller waits until they are all in."""
    global _loaded
    if _loaded:
        return
    with _load_lock:
        if _loaded:
            return
        import importlib

        for name, target in BUILTINS.items():
            module, _, attr = target.partition(":")
            try:
                cls = getattr(importlib.import_module(module), attr)
            except ImportError as exc:  # an optional dependency is missing
                log.warning("built-in partner %s is unavailable: %s", name, exc)
                continue
            register(cls)
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in _classes:
                continue
            try:
                register(ep.load())
            except Exception as exc:  # a broken plugin must not break the studio
                log.warning("partner plugin %s could not be loaded: %s", ep.name, exc)
        _loaded = True  # only now: a caller that saw it true finds every partner


def available() -> dict[str, type[Partner]]:
    """Every registered partner class by name."""
    _load()
    with _lock:
        return dict(sorted(_classes.items()))


def domains() -> list[str]:
    return sorted({cls.domain for cls in available().values()})


def get(name: str) -> type[Partner]:
    classes = available()
    try:
        return classes[name]
    except KeyError:
        known = ", ".join(classes) or "none"
        raise UnknownPartner(f"unknown partner {name!r} (known partners: {known})") from None


def for_domain(domain: str) -> list[type[Partner]]:
    """The partners of a domain, the default one first."""
    found = [cls for cls in available().values() if cls.domain == domain]
    if not found:
        raise UnknownDomain(
            f"unknown domain {domain!r} (known domains: {', '.join(domains()) or 'none'})"
        )
    return found


def create(name: str, **params: object) -> Partner:
    """An instance of the partner registered as ``name``."""
    return get(name)(**params)
