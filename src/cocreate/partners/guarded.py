"""A partner whose own failures name it."""

from __future__ import annotations

import functools
from typing import Any

from ..errors import CocreateError, PartnerFailed
from .base import Partner


class Guarded:
    """A partner whose own failures name it: an unexpected exception from its code while
    making or describing an artifact becomes :class:`PartnerFailed` (``edit`` and ``adopt``
    keep theirs: they are about the person's adjustments or material)."""

    _GUARDED = frozenset(
        {
            "fresh",
            "vary",
            "cross",
            "interpolate",
            "render",
            "describe",
            "describe_many",
            "generate",
            "fresh_request",
            "vary_request",
        }
    )

    def __init__(self, partner: Partner) -> None:
        self._partner = partner

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._partner, name)
        if name not in self._GUARDED:
            return value
        partner_name = getattr(self._partner, "name", type(self._partner).__name__)

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return value(*args, **kwargs)
            except CocreateError:
                raise
            except Exception as exc:
                raise PartnerFailed(
                    f"partner {partner_name!r} failed in {name}: {type(exc).__name__}: {exc}"
                ) from exc

        return call
