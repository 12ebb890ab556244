"""Who or what made a unit of content: a person, an AI partner, or an imported source.

An origin is a value: frozen, hashable, compared field by field, so documents can
intern it in a small table and count units by it. A partner's origin carries
everything needed to make the unit again (model, version, parameters, seed),
because "the AI wrote it" is not an honest record; "smollm 1.2 at temperature
0.7, seed 3 wrote it" is. Parameters are frozen into a ``FrozenParams`` mapping
whose equality also compares types (``1``, ``1.0`` and ``True`` are three
different settings), so a JSON round trip gives back an equal origin.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cocreate.model import AI_PREFIX, partner_actor

from .errors import InvalidOrigin

SOURCE_PREFIX = "source:"
"""Ledger actors whose id starts with this are imported sources."""


class OriginKind(enum.StrEnum):
    """The three kinds of maker a unit can have."""

    PERSON = "person"
    PARTNER = "partner"
    SOURCE = "source"


class FrozenParams(Mapping[str, Any]):
    """A partner's parameters, frozen: str keys, JSON values, hashable, exact equality.

    Lists become tuples and nested mappings become ``FrozenParams``, so the whole
    value is immutable; ``to_dict`` gives plain JSON back.
    """

    __slots__ = ("_hash", "_items", "_key")

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        source = {} if params is None else params
        if not isinstance(source, Mapping):
            raise InvalidOrigin(
                f"params must be a mapping of str to JSON values, not {type(source).__name__}"
            )
        items = []
        for key in sorted(source, key=_str_key):
            items.append((key, _freeze(source[key], f"params[{key!r}]")))
        self._items: tuple[tuple[str, Any], ...] = tuple(items)
        self._key = tuple((k, _typed(v)) for k, v in self._items)
        self._hash = hash(self._key)

    def __getitem__(self, key: str) -> Any:
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping) and not isinstance(other, FrozenParams):
            try:
                other = FrozenParams(other)
            except InvalidOrigin:
                return False
        if not isinstance(other, FrozenParams):
            return NotImplemented
        return self._key == other._key

    def __repr__(self) -> str:
        return f"FrozenParams({self.to_dict()!r})"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: dicts and lists again."""
        return {k: _thaw(v) for k, v in self._items}


def _str_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise InvalidOrigin(f"params keys must be non-empty strings, got {key!r}")
    return key


def _freeze(value: Any, where: str) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidOrigin(f"{where} must be a finite number, got {value!r}")
        return value
    if isinstance(value, Mapping):
        return FrozenParams(value)
    if isinstance(value, list | tuple):
        return tuple(_freeze(v, f"{where}[{i}]") for i, v in enumerate(value))
    raise InvalidOrigin(f"{where} must be a JSON value, not {type(value).__name__}")


def _typed(value: Any) -> Any:
    if isinstance(value, tuple):
        return ("tuple", tuple(_typed(v) for v in value))
    return (type(value).__name__, value)


def _thaw(value: Any) -> Any:
    if isinstance(value, FrozenParams):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


_FIELDS: dict[OriginKind, tuple[str, ...]] = {
    OriginKind.PERSON: ("id",),
    OriginKind.PARTNER: ("name", "model_id", "version", "params", "seed"),
    OriginKind.SOURCE: ("name", "licence"),
}


@dataclass(frozen=True, slots=True, repr=False)
class UnitOrigin:
    """Who or what made a unit: build one with ``person``, ``partner`` or ``source``.

    ``name`` is the person's id, the partner's name or the source's name; the other
    fields belong to one kind each and stay ``None`` (``params`` empty) otherwise.
    """

    kind: OriginKind
    name: str
    model_id: str | None = None
    version: str | None = None
    params: FrozenParams = field(default_factory=FrozenParams)
    seed: int | None = None
    licence: str | None = None
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __hash__(self) -> int:
        # Documents look an act's origin up in their table once per act: hash once.
        return self._hash

    def __post_init__(self) -> None:
        try:
            kind = OriginKind(self.kind)
        except ValueError:
            kinds = ", ".join(k.value for k in OriginKind)
            raise InvalidOrigin(
                f"unknown origin kind {self.kind!r} (expected one of {kinds})"
            ) from None
        object.__setattr__(self, "kind", kind)
        what = {
            "person": "a person's id",
            "partner": "a partner's name",
            "source": "a source's name",
        }
        _text(self.name, what[kind])
        if not isinstance(self.params, FrozenParams):
            object.__setattr__(self, "params", FrozenParams(self.params))
        extras = {
            "model_id": self.model_id is not None,
            "version": self.version is not None,
            "params": bool(self.params),
            "seed": self.seed is not None,
            "licence": self.licence is not None,
        }
        allowed = set(_FIELDS[kind])
        wrong = [name for name, given in extras.items() if given and name not in allowed]
        if wrong:
            raise InvalidOrigin(f"a {kind} origin takes no {', '.join(wrong)}")
        if kind is OriginKind.PERSON and self.name.startswith((AI_PREFIX, SOURCE_PREFIX)):
            raise InvalidOrigin(
                f"a person's id cannot start with {AI_PREFIX!r} or {SOURCE_PREFIX!r}: {self.name!r}"
            )
        for name in ("model_id", "version", "licence"):
            value = getattr(self, name)
            if value is not None:
                _text(value, name)
        if self.seed is not None and (
            not isinstance(self.seed, int) or isinstance(self.seed, bool)
        ):
            raise InvalidOrigin(f"seed must be an integer or None, not {type(self.seed).__name__}")
        fields = (
            kind,
            self.name,
            self.model_id,
            self.version,
            self.params,
            self.seed,
            self.licence,
        )
        object.__setattr__(self, "_hash", hash(fields))

    @classmethod
    def person(cls, id: str) -> UnitOrigin:
        """A unit a person made (typed, played, edited); ``id`` is their ledger actor id."""
        return cls(OriginKind.PERSON, id)

    @classmethod
    def partner(
        cls,
        name: str,
        *,
        model_id: str | None = None,
        version: str | None = None,
        params: Mapping[str, Any] | None = None,
        seed: int | None = None,
    ) -> UnitOrigin:
        """A unit an AI partner generated, with what it takes to generate it again."""
        return cls(
            OriginKind.PARTNER,
            name,
            model_id=model_id,
            version=version,
            params=FrozenParams(params),
            seed=seed,
        )

    @classmethod
    def source(cls, name: str, *, licence: str | None = None) -> UnitOrigin:
        """A unit imported from elsewhere (a corpus, a public-domain score), with its licence."""
        return cls(OriginKind.SOURCE, name, licence=licence)

    @property
    def actor(self) -> str:
        """The ledger actor id: the person's id, ``ai:<name>`` or ``source:<name>``."""
        if self.kind is OriginKind.PERSON:
            return self.name
        if self.kind is OriginKind.PARTNER:
            return partner_actor(self.name)
        return f"{SOURCE_PREFIX}{self.name}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON with every field of its kind (``None`` where not given)."""
        if self.kind is OriginKind.PERSON:
            return {"kind": "person", "id": self.name}
        if self.kind is OriginKind.PARTNER:
            return {
                "kind": "partner",
                "name": self.name,
                "model_id": self.model_id,
                "version": self.version,
                "params": self.params.to_dict(),
                "seed": self.seed,
            }
        return {"kind": "source", "name": self.name, "licence": self.licence}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UnitOrigin:
        """The origin ``to_dict`` wrote; unknown keys or kinds are an ``InvalidOrigin``."""
        if not isinstance(data, Mapping):
            raise InvalidOrigin(f"an origin must be a mapping, not {type(data).__name__}")
        try:
            kind = OriginKind(data.get("kind"))
        except ValueError:
            raise InvalidOrigin(f"unknown origin kind {data.get('kind')!r}") from None
        fields = _FIELDS[kind]
        unknown = sorted(set(data) - {"kind", *fields})
        if unknown:
            raise InvalidOrigin(f"a {kind} origin has no field {', '.join(map(repr, unknown))}")
        if kind is OriginKind.PERSON:
            return cls.person(data.get("id"))  # type: ignore[arg-type]
        if kind is OriginKind.PARTNER:
            return cls.partner(
                data.get("name"),  # type: ignore[arg-type]
                model_id=data.get("model_id"),
                version=data.get("version"),
                params=data.get("params"),
                seed=data.get("seed"),
            )
        return cls.source(data.get("name"), licence=data.get("licence"))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        if self.kind is OriginKind.PERSON:
            return f"UnitOrigin.person({self.name!r})"
        if self.kind is OriginKind.SOURCE:
            licence = "" if self.licence is None else f", licence={self.licence!r}"
            return f"UnitOrigin.source({self.name!r}{licence})"
        given = [
            f"{name}={value!r}"
            for name, value in (
                ("model_id", self.model_id),
                ("version", self.version),
                ("params", self.params.to_dict() or None),
                ("seed", self.seed),
            )
            if value is not None
        ]
        return f"UnitOrigin.partner({', '.join([repr(self.name), *given])})"


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidOrigin(f"{what} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise InvalidOrigin(f"{what} must not be empty")
    return value
