"""Evaluating a CPPN over a whole image at once, in NumPy.

The network is compiled into a plan: the nodes that reach an output, in
topological order, each with its enabled incoming connections. Evaluation
runs the plan over blocks of rows, each node one vectorised array operation
per block (a loop over nodes, never over pixels), in float32. Unbounded
activations (identity, square, abs) are clipped to ±64 so values stay finite.

Coordinates and framing. Pixel centres are normalised to [-1, 1] whatever
the resolution, ``u`` to the right and ``v`` up, so a genome renders the
same picture at every size. The symmetry folds ``(u, v)`` first (mirror-x:
``u -> |u|``; mirror-y: ``v -> |v|``; radial-4: every point to its
representative under quarter turns), so the picture stays exactly symmetric
about its centre whatever the framing. Then the view is turned so the
picture turns ``rotate`` degrees anticlockwise, divided by ``zoom`` and
moved to ``(pan_x, pan_y)``,
giving the network's inputs ``x``, ``y``, ``d = sqrt(x² + y²)`` and
``bias = 1``.

Colour model: HSV. With the outputs ``h, s, v`` of the network,
``hue = (hue + hue_range · h / 2) mod 1``, so the hue wraps smoothly around
the wheel; ``sat = clip(saturation · clip((s + 1) / 2))``;
``val = clip(contrast · (clip((v + 1) / 2) - 1/2) + 1/2 + brightness)``,
where ``clip`` is to [0, 1]. HSV is then converted to 8-bit sRGB.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ...model import Genome
from .genome import INPUTS, OUTPUTS, params_of, topological_order

Array = np.ndarray

CLIP = 64.0
"""Bound on the output of unbounded activations."""
CHUNK_PIXELS = 1 << 15
"""Pixels evaluated per block: small enough for the node arrays to stay in cache."""


def _sigmoid(a: Array) -> None:
    a *= 0.5
    np.tanh(a, out=a)
    a += 1.0
    a *= 0.5


def _gaussian(a: Array) -> None:
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)


def _square(a: Array) -> None:
    np.clip(a, -8.0, 8.0, out=a)  # 8² = CLIP
    np.square(a, out=a)


def _softsign(a: Array) -> None:
    np.divide(a, np.abs(a) + 1.0, out=a)


def _triangle(a: Array) -> None:
    # A triangle wave of period 2 between -1 and 1, with tri(0) = 1.
    a *= 0.5
    t = np.floor(a + 0.5)
    a -= t
    np.abs(a, out=a)
    a *= -4.0
    a += 1.0


def _identity(a: Array) -> None:
    np.clip(a, -CLIP, CLIP, out=a)


def _abs(a: Array) -> None:
    np.abs(a, out=a)
    np.minimum(a, CLIP, out=a)


ACTIVATION_FUNCTIONS: dict[str, Callable[[Array], None]] = {
    "sin": lambda a: np.sin(a, out=a),
    "cos": lambda a: np.cos(a, out=a),
    "gaussian": _gaussian,
    "tanh": lambda a: np.tanh(a, out=a),
    "sigmoid": _sigmoid,
    "abs": _abs,
    "identity": _identity,
    "square": _square,
    "softsign": _softsign,
    "triangle": _triangle,
}
"""In-place float32 activation of each name in ``genome.ACTIVATIONS``."""


@dataclass(frozen=True)
class Step:
    """One node of the plan: its id, activation, inputs and constant input."""

    node: int
    act: str
    inputs: tuple[tuple[int, float], ...]  # (source node, weight); bias folded into const
    const: float


@dataclass(frozen=True)
class Network:
    """A compiled CPPN: call it on coordinate arrays to get the ``h, s, v`` outputs."""

    steps: tuple[Step, ...]

    def __call__(self, x: Array, y: Array, d: Array) -> tuple[Array, Array, Array]:
        values: dict[int, Array] = {0: x, 1: y, 2: d}
        tmp = np.empty_like(x)
        for step in self.steps:
            if step.inputs:
                src, w = step.inputs[0]
                acc = np.multiply(values[src], np.float32(w))
                for src, w in step.inputs[1:]:
                    np.multiply(values[src], np.float32(w), out=tmp)
                    acc += tmp
                if step.const:
                    acc += np.float32(step.const)
            else:
                acc = np.full_like(x, step.const)
            ACTIVATION_FUNCTIONS[step.act](acc)
            values[step.node] = acc
        return values[4], values[5], values[6]


def compile_network(genome: Genome) -> Network:
    """The evaluation plan of a *validated* genome.

    Only nodes from which an output can be reached through enabled
    connections are kept; incoming connections keep their genome order.
    """
    acts = {n["id"]: n["act"] for n in genome["nodes"]}
    enabled = [(c["src"], c["dst"], float(c["w"])) for c in genome["conns"] if c["on"]]
    incoming: dict[int, list[tuple[int, float]]] = {}
    for src, dst, w in enabled:
        incoming.setdefault(dst, []).append((src, w))
    needed: set[int] = set()
    stack = list(OUTPUTS)
    while stack:
        n = stack.pop()
        if n in needed or n in INPUTS:
            continue
        needed.add(n)
        stack.extend(src for src, _ in incoming.get(n, ()))
    order = topological_order(needed, [(s, d) for s, d, _ in enabled if d in needed])
    steps = []
    for n in order:
        inputs = tuple((s, w) for s, w in incoming.get(n, ()) if s != 3)
        const = math.fsum(w for s, w in incoming.get(n, ()) if s == 3)
        steps.append(Step(n, acts[n], inputs, const))
    return Network(tuple(steps))


def _fold(u: Array, v: Array, symmetry: str) -> tuple[Array, Array]:
    if symmetry == "mirror-x":
        return np.abs(u), v
    if symmetry == "mirror-y":
        return u, np.abs(v)
    if symmetry == "radial-4":
        # The representative of (u, v) under quarter turns, in the quadrant u > 0, v >= 0.
        q2 = (u <= 0) & (v > 0)
        q3 = (u < 0) & (v <= 0)
        q4 = (u >= 0) & (v < 0)
        fu = np.where(q2, v, np.where(q3, -u, np.where(q4, -v, u)))
        fv = np.where(q2, -u, np.where(q3, -v, np.where(q4, u, v)))
        return fu, fv
    return u, v


def _hsv_to_rgb(h: Array, s: Array, v: Array) -> Array:
    """8-bit RGB planes, shape ``(3, *h.shape)``, of HSV planes (all in [0, 1]).

    Planar, because the float-to-byte cast runs fastest on whole planes. ``k`` lies in
    [1, 11], where taking 6 off at 6 and above is exactly ``k mod 6`` (Sterbenz), at a
    fraction of ``np.mod``'s cost.
    """
    c = v * s
    k = np.add(h * np.float32(6.0), _HSV_OFFSETS.reshape((3,) + (1,) * h.ndim))
    np.subtract(k, np.float32(6.0), out=k, where=k >= np.float32(6.0))
    np.minimum(k, np.float32(4.0) - k, out=k)
    np.clip(k, 0.0, 1.0, out=k)
    k *= c
    np.subtract(v, k, out=k)
    k *= np.float32(255.0)
    k += np.float32(0.5)
    return k.astype(np.uint8)  # truncation after +0.5 rounds to nearest


_HSV_OFFSETS = np.array([5.0, 3.0, 1.0], dtype=np.float32)


def _frac(a: Array) -> Array:
    """``a mod 1`` in place: ``a - floor(a)`` is the same number as ``np.mod(a, 1)`` for every
    finite ``a`` (one rounding of the same exact value), and several times faster."""
    np.subtract(a, np.floor(a), out=a)
    return a


def _inputs(p: dict, us: Array, vs: Array) -> tuple[Array, Array, Array]:
    """The network's ``x, y, d`` for the pixel grid ``us`` (columns) × ``vs`` (rows)."""
    theta = -math.radians(p["rotate"])  # sampling turned back turns the picture forward
    zoom = float(p["zoom"])
    cos_t, sin_t = np.float32(math.cos(theta) / zoom), np.float32(math.sin(theta) / zoom)
    u = np.broadcast_to(us, (len(vs), len(us)))
    v = np.broadcast_to(vs[:, None], (len(vs), len(us)))
    u, v = _fold(u, v, p["symmetry"])
    x = u * cos_t - v * sin_t + np.float32(p["pan_x"])
    y = u * sin_t + v * cos_t + np.float32(p["pan_y"])
    return x, y, np.sqrt(x * x + y * y)


def _colour(
    oh: Array,
    os_: Array,
    ov: Array,
    hue: Array,
    hue_scale: Array,
    sat: Array,
    contrast: Array,
    offset: Array,
) -> Array:
    """RGB planes of the network's outputs (see the module docstring); the params are float32
    scalars, or arrays that broadcast against the outputs (one per picture of a batch), and
    ``offset`` is ``0.5 + brightness``."""
    h = _frac(oh * hue_scale + hue)
    s = np.clip((os_ + np.float32(1.0)) * np.float32(0.5), 0.0, 1.0)
    s *= sat
    np.clip(s, 0.0, 1.0, out=s)
    val = np.clip((ov + np.float32(1.0)) * np.float32(0.5), 0.0, 1.0)
    val -= np.float32(0.5)
    val *= contrast
    val += offset
    np.clip(val, 0.0, 1.0, out=val)
    return _hsv_to_rgb(h, s, val)


def _palette(p: dict) -> tuple[np.float32, ...]:
    """The colour params as float32: hue, hue scale, saturation, contrast, 0.5 + brightness."""
    return (
        np.float32(p["hue"]),
        np.float32(p["hue_range"] * 0.5),
        np.float32(p["saturation"]),
        np.float32(p["contrast"]),
        np.float32(0.5) + np.float32(p["brightness"]),
    )


def _grid(size: int) -> tuple[Array, Array]:
    """Pixel centres in [-1, 1]: columns left to right, rows top to bottom (``v`` up)."""
    coords = (np.arange(1 - size, size, 2, dtype=np.float32)) / np.float32(size)
    return coords, -coords


def pixels(genome: Genome, size: int) -> np.ndarray:
    """The ``size`` × ``size`` × 3 uint8 RGB image of a *validated* genome."""
    net = compile_network(genome)
    p = params_of(genome)
    us, vs = _grid(size)
    palette = _palette(p)
    image = np.empty((size, size, 3), dtype=np.uint8)
    rows = max(1, CHUNK_PIXELS // size)
    for r0 in range(0, size, rows):
        r1 = min(size, r0 + rows)
        planes = _colour(*net(*_inputs(p, us, vs[r0:r1])), *palette)
        image[r0:r1] = np.moveaxis(planes, 0, -1)
    return image


BATCH_PIXELS = 1 << 15
"""Pixels of a batch of pictures coloured together by :func:`pixels_many`."""


def pixels_many(genomes: Sequence[Genome], size: int) -> np.ndarray:
    """The images of *validated* genomes, shape ``(len, 3, size, size)`` (planar RGB, uint8).

    Each picture's pixels are exactly :func:`pixels`'s. Made faster for many small pictures
    (a round's previews): pictures that share their framing share the network's inputs,
    and a batch's colours are worked out in one go instead of one picture at a time.
    """
    out = np.empty((len(genomes), 3, size, size), dtype=np.uint8)
    if size * size > CHUNK_PIXELS:
        for k, g in enumerate(genomes):
            out[k] = np.moveaxis(pixels(g, size), -1, 0)
        return out
    us, vs = _grid(size)
    inputs: dict[tuple, tuple[Array, Array, Array]] = {}
    per = max(1, BATCH_PIXELS // (size * size))
    for b0 in range(0, len(genomes), per):
        batch = genomes[b0 : b0 + per]
        outputs = np.empty((3, len(batch), size, size), dtype=np.float32)
        palette = np.empty((5, len(batch), 1, 1), dtype=np.float32)
        for j, g in enumerate(batch):
            p = params_of(g)
            key = (p["rotate"], p["zoom"], p["pan_x"], p["pan_y"], p["symmetry"])
            xyd = inputs.get(key)
            if xyd is None:
                xyd = inputs[key] = _inputs(p, us, vs)
            outputs[:, j] = compile_network(g)(*xyd)
            palette[:, j, 0, 0] = _palette(p)
        planes = _colour(*outputs, *palette)
        out[b0 : b0 + len(batch)] = np.moveaxis(planes, 0, 1)
    return out
