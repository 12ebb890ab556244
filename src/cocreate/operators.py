"""Operators: how an artifact came to be, as an open registry that partners extend.

The ledger records an artifact's operator by name. The built-in ones are the
members of :class:`cocreate.model.Operator`; a partner adds its own
(``harmonise``, ``continue``, ``rewrite``, ``provoke``, ...) with
:func:`register_operator`, saying how attribution weighs it: ``novelty`` is
the share of the result that is new content of the maker (the rest is
inherited from the parents), and ``request`` the weight, under the policy's
``arrangement``, of a person asking for it with parents (directing the round).

A name that no partner registered is refused where a request is made
(:class:`~cocreate.errors.UnknownOperator`); an artifact recorded with an
operator whose partner is not installed still reads back (its name is kept)
and is weighed as an adoption would be.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .errors import UnknownOperator
from .model import Operator

__all__ = ["OperatorSpec", "known_operators", "operator_spec", "register_operator"]


@dataclass(frozen=True)
class OperatorSpec:
    """An operator's name, what it does, and how attribution weighs what it makes."""

    name: str
    description: str
    #: Share of new content it adds, in [0, 1]; ``None``: the policy's own rule for it.
    novelty: float | None = None
    #: How much a person directing a round with it weighs, as a multiple of ``arrangement``.
    request: float = 1.0
    #: The partner whose operator this is ("" for every partner): two partners may each
    #: register their own ``continue`` and be weighed by their own.
    partner: str = ""

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"an operator name is a word (letters, digits, - or _): {self.name!r}")
        if self.novelty is not None and not 0.0 <= float(self.novelty) <= 1.0:
            raise ValueError(f"operator {self.name!r}: novelty must be in [0, 1]")
        if self.request < 0:
            raise ValueError(f"operator {self.name!r}: request weight must be >= 0")


_lock = threading.Lock()
_specs: dict[tuple[str, str], OperatorSpec] = {}  # (partner or "", name) -> spec

_BUILTIN = {
    Operator.FRESH: "a new genome from nothing but the intention",
    Operator.VARY: "a variation of one parent, with a strength",
    Operator.CROSS: "a crossover of two parents",
    Operator.INTERPOLATE: "an in-between of two parents",
    Operator.ADOPT: "a partner's genome built from a person's material",
    Operator.CONTRIBUTE: "a person's own material",
    Operator.EDIT: "a person's edit of another artifact",
}
#: Names a request may carry that make artifacts of a built-in operator.
_REQUESTS = {
    "propose": "a round building on what the person liked",
    "variations": "variations of the given parents",
    "crossover": "children of two parents",
}


def register_operator(spec: OperatorSpec) -> OperatorSpec:
    """Make ``spec.name`` known (registering the same name again replaces it)."""
    if not isinstance(spec, OperatorSpec):
        raise TypeError(f"register an OperatorSpec, not {spec!r}")
    with _lock:
        _specs[(spec.partner, spec.name)] = spec
    return spec


def operator_spec(name: str, partner: str | None = None) -> OperatorSpec:
    """The operator registered as ``name`` (``partner``'s own first), else
    :class:`UnknownOperator` naming the known ones."""
    name = str(name)
    with _lock:
        spec = _specs.get((partner or "", name)) or _specs.get(("", name))
        if spec is None:
            spec = next((v for (_, n), v in _specs.items() if n == name), None)
    if spec is None:
        raise UnknownOperator(
            f"unknown operator {name!r} (known operators: {', '.join(known_operators())})"
        )
    return spec


def known_operators() -> list[str]:
    with _lock:
        return sorted({name for _, name in _specs})


for _op, _text in _BUILTIN.items():
    register_operator(OperatorSpec(str(_op), _text))
for _name, _text in _REQUESTS.items():
    register_operator(OperatorSpec(_name, _text))
