"""AI partners: the interface, the registry, and the built-in partners."""

from .base import Partner, Unsupported
from .registry import ENTRY_POINT_GROUP, available, create, domains, for_domain, get, register

__all__ = [
    "ENTRY_POINT_GROUP",
    "Partner",
    "Unsupported",
    "available",
    "create",
    "domains",
    "for_domain",
    "get",
    "register",
]
