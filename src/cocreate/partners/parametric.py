"""Any function from a declared parameter space to an artifact, as an AI partner.

Declare the space with :class:`Float`, :class:`Int` and :class:`Choice`
parameters, write a render function ``params -> bytes``, and make a partner::

    space = ParametricSpace([Float("hue", 0, 1), Int("columns", 1, 6),
                             Choice("font", ["serif", "sans"])])

    def render(params, size=None):
        return f"<svg ...>{params['hue']}</svg>".encode()

    Swatch = parametric_partner("swatch", space, render, "image/svg+xml")
    register(Swatch)

The genome is ``{"format": "parametric/1", "params": {...}}`` with one value
per parameter, plus an optional ``"fixed"`` mapping of values the operators
carry unchanged (e.g. a poster's title, taken from the intention).

The operators work in the *normalised space*, where every float and int is
mapped to [0, 1] (a log scale for ``Float(..., log=True)``):

* ``fresh``: every parameter uniform in the normalised space (choices uniform);
* ``vary``: Gaussian steps of standard deviation ``0.02 + 0.3·strength``,
  reflected at the bounds; each choice switches to another option with
  probability ``0.5·strength``; a parameter is left alone with probability
  ``0.5·(1 - strength)`` (so tweaks touch a few parameters, bold changes all);
* ``cross``: uniform crossover, each float/int blended with a random weight
  half of the time; ``interpolate``: linear blend in the normalised space
  (ints round, choices switch from ``a`` to ``b`` at ``t = 0.5``);
* ``edit``: set parameters by name (values are clipped to their bounds).

``describe`` is the normalised encoding: one entry in [0, 1] per float or int,
and a one-hot block per choice (names ``"font=serif"``), so a taste model sees
the space as the designer declared it.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import InvalidContent, InvalidGenome
from ..model import Genome, Intention
from .base import Partner

__all__ = [
    "FORMAT",
    "Choice",
    "Float",
    "Int",
    "Param",
    "ParametricPartner",
    "ParametricSpace",
    "parametric_partner",
]

FORMAT = "parametric/1"
_MAX_FIXED_TEXT = 2000


@dataclass(frozen=True)
class Float:
    """A real parameter in ``[low, high]`` (on a log scale if ``log``)."""

    name: str
    low: float
    high: float
    log: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"parameter {self.name!r}: need finite low < high")
        if self.log and self.low <= 0:
            raise ValueError(f"parameter {self.name!r}: a log scale needs low > 0")

    def to_unit(self, v: Any) -> float:
        v = min(max(float(v), self.low), self.high)
        if self.log:
            return (math.log(v) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (v - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            return float(
                math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
            )
        return float(self.low + u * (self.high - self.low))

    def check(self, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InvalidGenome(f"parameter {self.name!r} must be a finite number, not {v!r}")
        if not self.low - 1e-9 <= v <= self.high + 1e-9:
            raise InvalidGenome(f"parameter {self.name!r}={v} is outside [{self.low}, {self.high}]")
        return float(v)


@dataclass(frozen=True)
class Int:
    """An integer parameter in ``[low, high]`` (both included)."""

    name: str
    low: int
    high: int
    description: str = ""

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"parameter {self.name!r}: need low < high")

    def to_unit(self, v: Any) -> float:
        return (min(max(float(v), self.low), self.high) - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> int:
        u = min(max(float(u), 0.0), 1.0)
        return round(self.low + u * (self.high - self.low))

    def check(self, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v):
            raise InvalidGenome(f"parameter {self.name!r} must be an integer, not {v!r}")
        if not self.low <= v <= self.high:
            raise InvalidGenome(f"parameter {self.name!r}={v} is outside [{self.low}, {self.high}]")
        return int(v)


@dataclass(frozen=True)
class Choice:
    """One of a few JSON values (strings, numbers, booleans)."""

    name: str
    options: tuple[Any, ...]
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))
        if len(self.options) < 2 or len(set(map(repr, self.options))) != len(self.options):
            raise ValueError(f"parameter {self.name!r}: need at least two distinct options")

    def index(self, v: Any) -> int:
        for k, o in enumerate(self.options):
            if type(o) is type(v) and o == v:
                return k
        raise InvalidGenome(f"parameter {self.name!r}={v!r} is not one of {list(self.options)}")

    def check(self, v: Any) -> Any:
        return self.options[self.index(v)]


Param = Float | Int | Choice


class ParametricSpace:
    """An ordered set of named parameters (see the module docstring)."""

    def __init__(self, params: Sequence[Param]) -> None:
        self.params: tuple[Param, ...] = tuple(params)
        names = [p.name for p in self.params]
        if not names or len(set(names)) != len(names):
            raise ValueError("a parametric space needs at least one parameter, names unique")
        self._by_name = {p.name: p for p in self.params}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> ParametricSpace:
        """``{"hue": (0.0, 1.0), "cols": (1, 6), "font": ["serif", "sans"]}``.

        A tuple of two ints is an :class:`Int`, a tuple with a float a
        :class:`Float`, a list a :class:`Choice`; ready-made params pass through.
        """
        params: list[Param] = []
        for name, v in spec.items():
            if isinstance(v, Float | Int | Choice):
                params.append(v)
            elif isinstance(v, list):
                params.append(Choice(name, tuple(v)))
            elif isinstance(v, tuple) and len(v) == 2:
                if all(isinstance(x, int) and not isinstance(x, bool) for x in v):
                    params.append(Int(name, v[0], v[1]))
                else:
                    params.append(Float(name, float(v[0]), float(v[1])))
            else:
                raise ValueError(f"cannot read parameter {name!r} from {v!r}")
        return cls(params)

    def __len__(self) -> int:
        return len(self.params)

    def __iter__(self):
        return iter(self.params)

    def __getitem__(self, name: str) -> Param:
        return self._by_name[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def feature_names(self) -> tuple[str, ...]:
        out: list[str] = []
        for p in self.params:
            if isinstance(p, Choice):
                out += [f"{p.name}={o}" for o in p.options]
            else:
                out.append(p.name)
        return tuple(out)

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p in self.params:
            if isinstance(p, Choice):
                out[p.name] = p.options[int(rng.integers(len(p.options)))]
            else:
                out[p.name] = p.from_unit(float(rng.random()))
        return out

    def check(self, params: Any) -> dict[str, Any]:
        """Validated copy of ``params``; raises ``InvalidGenome``."""
        if not isinstance(params, Mapping):
            raise InvalidGenome("parametric genome's 'params' must be a mapping")
        missing = [n for n in self.names if n not in params]
        extra = [str(k) for k in params if k not in self._by_name]
        if missing or extra:
            raise InvalidGenome(
                "parametric genome does not fit the space"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; unknown: {', '.join(extra)}" if extra else "")
            )
        return {p.name: p.check(params[p.name]) for p in self.params}

    def encode(self, params: Mapping[str, Any]) -> np.ndarray:
        """The normalised encoding (``describe``): unit floats/ints, one-hot choices."""
        out: list[float] = []
        for p in self.params:
            if isinstance(p, Choice):
                hot = [0.0] * len(p.options)
                hot[p.index(params[p.name])] = 1.0
                out += hot
            else:
                out.append(p.to_unit(params[p.name]))
        return np.asarray(out, dtype=float)

    def neutral(self) -> np.ndarray:
        """The encoding of "nothing known": centres and uniform one-hots."""
        out: list[float] = []
        for p in self.params:
            if isinstance(p, Choice):
                out += [1.0 / len(p.options)] * len(p.options)
            else:
                out.append(0.5)
        return np.asarray(out, dtype=float)

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        """Inverse of :meth:`encode` (a choice block takes its largest entry)."""
        x = np.asarray(x, dtype=float).ravel()
        if len(x) != len(self.feature_names):
            raise ValueError(f"need {len(self.feature_names)} entries, got {len(x)}")
        out: dict[str, Any] = {}
        k = 0
        for p in self.params:
            if isinstance(p, Choice):
                block = x[k : k + len(p.options)]
                out[p.name] = p.options[int(np.argmax(block))]
                k += len(p.options)
            else:
                out[p.name] = p.from_unit(float(x[k]))
                k += 1
        return out

    # -- operators in the normalised space ------------------------------------------------
    def vary(self, params: Mapping[str, Any], strength: float, rng: np.random.Generator) -> dict:
        strength = min(max(float(strength), 0.0), 1.0)
        sigma = 0.02 + 0.3 * strength
        out = dict(params)
        touched = False
        for p in self.params:
            skip = rng.random() < 0.5 * (1.0 - strength)
            if isinstance(p, Choice):
                flip = rng.random() < 0.5 * strength
                k = int(rng.integers(len(p.options) - 1))
                if not skip and flip:
                    now = p.index(params[p.name])
                    out[p.name] = p.options[k if k < now else k + 1]
                    touched = True
                continue
            step = float(rng.normal(0.0, sigma))
            if skip:
                continue
            u = p.to_unit(params[p.name]) + step
            u = abs(u) if u < 0 else u  # reflect at the bounds
            u = 2.0 - u if u > 1 else u
            new = p.from_unit(min(max(u, 0.0), 1.0))
            touched = touched or new != params[p.name]
            out[p.name] = new
        if not touched:  # a variation always changes something
            p = self.params[int(rng.integers(len(self.params)))]
            if isinstance(p, Choice):
                now = p.index(params[p.name])
                out[p.name] = p.options[(now + 1) % len(p.options)]
            else:
                u = p.to_unit(params[p.name])
                du = max(sigma, 1.0 / (p.high - p.low)) if isinstance(p, Int) else sigma
                out[p.name] = p.from_unit(u + du if u + du <= 1 else u - du)
        return out

    def cross(self, a: Mapping[str, Any], b: Mapping[str, Any], rng: np.random.Generator) -> dict:
        out: dict[str, Any] = {}
        for p in self.params:
            take_b = rng.random() < 0.5
            blend = rng.random() < 0.5
            t = float(rng.random())
            if isinstance(p, Choice) or not blend:
                out[p.name] = b[p.name] if take_b else a[p.name]
            else:
                out[p.name] = p.from_unit((1 - t) * p.to_unit(a[p.name]) + t * p.to_unit(b[p.name]))
        return out

    def interpolate(self, a: Mapping[str, Any], b: Mapping[str, Any], t: float) -> dict:
        t = min(max(float(t), 0.0), 1.0)
        out: dict[str, Any] = {}
        for p in self.params:
            if isinstance(p, Choice):
                out[p.name] = b[p.name] if t >= 0.5 else a[p.name]
            elif t == 0.0:
                out[p.name] = a[p.name]
            elif t == 1.0:
                out[p.name] = b[p.name]
            else:
                out[p.name] = p.from_unit((1 - t) * p.to_unit(a[p.name]) + t * p.to_unit(b[p.name]))
        return out


RenderFn = Callable[..., bytes]


class ParametricPartner(Partner):
    """A partner over a :class:`ParametricSpace` (see the module docstring).

    Subclasses set ``space`` and the identity class attributes and implement
    :meth:`render_params`; or use :func:`parametric_partner` with a function.
    ``feature_names`` and ``edit_params`` follow from ``space``.
    """

    space: ClassVar[ParametricSpace]
    source_type: ClassVar[str] = "algorithmicMedia"
    #: describing a candidate reads its parameters, so a large pool is cheap (the
    #: attunement benchmark's figures are for a pool of 256)
    pool_size: ClassVar[int] = 256

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        space = cls.__dict__.get("space")
        if space is not None:
            cls.feature_names = space.feature_names
            cls.edit_params = {p.name: p.description or _describe_param(p) for p in space.params}

    # -- hooks --------------------------------------------------------------------------
    def fixed_from(self, intention: Intention | None) -> dict[str, Any]:
        """Values carried unchanged by every operator, from the intention (none by default)."""
        return {}

    def render_params(
        self, params: Mapping[str, Any], fixed: Mapping[str, Any], size: int | None
    ) -> bytes:
        """The artifact for validated ``params``."""
        raise NotImplementedError

    def params_from_content(self, content: bytes) -> dict[str, Any] | None:
        """Read parameters back from rendered bytes, if the format keeps them (None if not)."""
        return None

    # -- helpers ------------------------------------------------------------------------
    def _genome(self, params: Mapping[str, Any], fixed: Mapping[str, Any]) -> Genome:
        g: Genome = {"format": FORMAT, "params": dict(params)}
        if fixed:
            g["fixed"] = dict(fixed)
        return g

    def validate(self, genome: Any) -> Genome:
        if not isinstance(genome, Mapping):
            raise InvalidGenome(f"a parametric genome is a mapping, not {type(genome).__name__}")
        if genome.get("format") != FORMAT:
            raise InvalidGenome(f"not a {FORMAT} genome (format={genome.get('format')!r})")
        unknown = set(genome) - {"format", "params", "fixed"}
        if unknown:
            raise InvalidGenome(f"unknown genome field(s): {', '.join(sorted(map(str, unknown)))}")
        params = self.space.check(genome.get("params"))
        fixed = genome.get("fixed", {})
        if not isinstance(fixed, Mapping) or not all(isinstance(k, str) for k in fixed):
            raise InvalidGenome("a parametric genome's 'fixed' must map names to values")
        for k, v in fixed.items():
            if v is not None and not isinstance(v, str | int | float | bool):
                raise InvalidGenome(f"fixed value {k!r} must be a string, number or boolean")
            if isinstance(v, str) and len(v) > _MAX_FIXED_TEXT:
                raise InvalidGenome(f"fixed value {k!r} is longer than {_MAX_FIXED_TEXT}")
        return self._genome(params, fixed)

    # -- operators ----------------------------------------------------------------------
    def fresh(self, rng: np.random.Generator, intention: Intention | None = None) -> Genome:
        return self._genome(self.space.sample(rng), self.fixed_from(intention))

    def vary(self, genome: Genome, strength: float, rng: np.random.Generator) -> Genome:
        g = self.validate(genome)
        return self._genome(self.space.vary(g["params"], strength, rng), g.get("fixed", {}))

    def cross(self, a: Genome, b: Genome, rng: np.random.Generator) -> Genome:
        ga, gb = self.validate(a), self.validate(b)
        return self._genome(self.space.cross(ga["params"], gb["params"], rng), ga.get("fixed", {}))

    def interpolate(self, a: Genome, b: Genome, t: float) -> Genome:
        ga, gb = self.validate(a), self.validate(b)
        fixed = ga.get("fixed", {}) if t < 0.5 else gb.get("fixed", {})
        return self._genome(self.space.interpolate(ga["params"], gb["params"], t), fixed)

    def edit(self, genome: Genome, adjustments: Mapping[str, Any]) -> Genome:
        g = self.validate(genome)
        params = dict(g["params"])
        for name, value in adjustments.items():
            if name not in self.space.names:
                raise InvalidGenome(
                    f"no parameter {name!r} to adjust (known: {', '.join(self.space.names)})"
                )
            p = self.space[name]
            if isinstance(p, Float | Int):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise InvalidGenome(f"parameter {name!r} takes a number, not {value!r}")
                value = p.from_unit(p.to_unit(value))  # clip to the bounds
            params[name] = p.check(value)
        return self._genome(params, g.get("fixed", {}))

    def render(self, genome: Genome, *, size: int | None = None) -> bytes:
        g = self.validate(genome)
        return self.render_params(g["params"], g.get("fixed", {}), size)

    def describe(self, genome: Genome | None, content: bytes | None = None) -> np.ndarray:
        if genome is not None:
            return self.space.encode(self.validate(genome)["params"])
        if content is not None:
            params = self.params_from_content(content)
            if params is not None:
                return self.space.encode(self.space.check(params))
            if self.accepts:
                raise InvalidContent(f"partner {self.name!r} cannot read parameters from it")
        return self.space.neutral()


def _describe_param(p: Param) -> str:
    if isinstance(p, Choice):
        return "one of " + ", ".join(map(str, p.options))
    kind = "integer" if isinstance(p, Int) else "number"
    return f"{kind} from {p.low} to {p.high}"


def parametric_partner(
    name: str,
    space: ParametricSpace | Mapping[str, Any],
    render: RenderFn,
    media_type: str,
    domain: str = "design",
    *,
    model_id: str | None = None,
    version: str = "1",
    source_type: str = "algorithmicMedia",
    fixed_from: Callable[[Intention | None], Mapping[str, Any]] | None = None,
) -> type[ParametricPartner]:
    """A :class:`ParametricPartner` subclass whose ``render`` calls ``render(params, ...)``.

    ``render`` receives the validated parameter dict, and also ``size=`` and
    ``fixed=`` when its signature accepts them (or ``**kwargs``).
    ``fixed_from(intention)`` may supply the values carried unchanged (e.g. a
    title). Register the class with ``cocreate.partners.register``.
    """
    if not isinstance(space, ParametricSpace):
        space = ParametricSpace.from_dict(space)
    sig = inspect.signature(render)
    takes_all = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    takes = {k for k in ("size", "fixed") if takes_all or k in sig.parameters}

    def render_params(
        self: ParametricPartner,
        params: Mapping[str, Any],
        fixed: Mapping[str, Any],
        size: int | None,
    ) -> bytes:
        extra: dict[str, Any] = {}
        if "size" in takes:
            extra["size"] = size
        if "fixed" in takes:
            extra["fixed"] = dict(fixed)
        out = render(dict(params), **extra)
        if isinstance(out, str):
            out = out.encode("utf-8")
        if not isinstance(out, bytes | bytearray):
            raise TypeError(f"render of partner {name!r} returned {type(out).__name__}, not bytes")
        return bytes(out)

    def _fixed(self: ParametricPartner, intention: Intention | None) -> dict[str, Any]:
        return dict(fixed_from(intention)) if fixed_from else {}

    attrs: dict[str, Any] = {
        "name": name,
        "domain": domain,
        "media_type": media_type,
        "model_id": model_id or f"parametric-{name}",
        "version": version,
        "source_type": source_type,
        "space": space,
        "render_params": render_params,
        "fixed_from": _fixed,
        "__doc__": f"Parametric partner {name!r} over {len(space)} parameters.",
    }
    cls_name = "".join(part.capitalize() for part in name.replace("-", "_").split("_")) + "Partner"
    return type(cls_name, (ParametricPartner,), attrs)
