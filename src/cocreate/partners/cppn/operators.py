"""Making and changing CPPN genomes: fresh, vary, cross, interpolate.

Every random choice comes from the ``numpy.random.Generator`` passed in.
The structural mutations (:func:`add_node`, :func:`add_connection`,
:func:`change_activation`) and :func:`perturb_weights` change a genome *in
place* and are meant for a copy the caller owns; the operators
(:func:`fresh`, :func:`vary`, :func:`cross`, :func:`interpolate`) always
return a new genome and never touch their inputs.

*Crossover* is NEAT's: nodes align by id and connections by their
``(src, dst)`` pair (ids are historical markings, see ``genome``). Matching
genes come from either parent at random; genes only one parent has are each
inherited with probability 1/2, a connection that would close a cycle
skipped.

*Interpolation* aligns the two networks the same way, then blends weights.
A node both parents have with the same activation reads
``(1 - t) · w_a + t · w_b`` from each source (a missing connection weighs
0); a node only one parent has (or a parent's version of a node whose
activation differs, kept as a separate "twin") keeps that parent's incoming
weights, and its influence fades through the blended weights out of it. An
output whose activation differs becomes ``identity((1 - t) · out_a + t ·
out_b)``. Params blend too (zoom geometrically, hue along the shorter arc,
symmetry switching at t = 1/2). ``t = 0`` and ``t = 1`` return copies of the
parents, so the endpoints give exactly their pixels.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ...errors import InputError, InvalidGenome
from ...model import Genome, Intention
from .genome import (
    ACTIVATIONS,
    DEFAULT_PARAMS,
    FORMAT,
    INPUTS,
    MAX_CONNS,
    MAX_NODES,
    OUTPUTS,
    clamp_param,
    copy_genome,
    derived_id,
    params_of,
    split_id,
    validate,
    wrap_hue,
)

WEIGHT_CLIP = 8.0
"""Operators keep weights within ±WEIGHT_CLIP."""

_INPUT_IDS = tuple(INPUTS)
_OUTPUT_IDS = tuple(OUTPUTS)


def _weight(rng: np.random.Generator, scale: float = 2.0) -> float:
    return min(max(float(rng.normal(0.0, scale)), -WEIGHT_CLIP), WEIGHT_CLIP)


def _reaches(genome: Genome, start: int, goal: int) -> bool:
    """Whether a path of connections (enabled or not) leads from ``start`` to ``goal``."""
    out: dict[int, list[int]] = {}
    for c in genome["conns"]:
        out.setdefault(c["src"], []).append(c["dst"])
    seen, stack = set(), [start]
    while stack:
        n = stack.pop()
        if n == goal:
            return True
        if n not in seen:
            seen.add(n)
            stack.extend(out.get(n, ()))
    return False


# -- mutations (in place) ----------------------------------------------------------


def add_node(genome: Genome, rng: np.random.Generator) -> bool:
    """Split an enabled connection with a new hidden node (NEAT); False if none could be."""
    enabled = [c for c in genome["conns"] if c["on"]]
    if not enabled or len(genome["nodes"]) >= MAX_NODES or len(genome["conns"]) + 2 > MAX_CONNS:
        return False
    conn = enabled[int(rng.integers(len(enabled)))]
    node = split_id(conn["src"], conn["dst"], {n["id"] for n in genome["nodes"]})
    conn["on"] = False
    genome["nodes"].append({"id": node, "act": str(rng.choice(ACTIVATIONS))})
    genome["conns"].append({"src": conn["src"], "dst": node, "w": 1.0, "on": True})
    genome["conns"].append({"src": node, "dst": conn["dst"], "w": conn["w"], "on": True})
    return True


def add_connection(genome: Genome, rng: np.random.Generator, tries: int = 32) -> bool:
    """Connect two unconnected nodes (or re-enable a disabled link) without a cycle."""
    hidden = [n["id"] for n in genome["nodes"] if n["id"] not in OUTPUTS]
    sources = list(_INPUT_IDS) + hidden
    targets = hidden + list(_OUTPUT_IDS)
    existing = {(c["src"], c["dst"]): c for c in genome["conns"]}
    for _ in range(tries):
        src = sources[int(rng.integers(len(sources)))]
        dst = targets[int(rng.integers(len(targets)))]
        if src == dst:
            continue
        conn = existing.get((src, dst))
        if conn is not None:
            if conn["on"]:
                continue
            conn["on"] = True
            conn["w"] = _weight(rng)
            return True
        if len(genome["conns"]) >= MAX_CONNS or _reaches(genome, dst, src):
            continue
        genome["conns"].append({"src": src, "dst": dst, "w": _weight(rng), "on": True})
        return True
    return False


def change_activation(genome: Genome, rng: np.random.Generator) -> bool:
    """Give one node (hidden or output) another activation function."""
    node = genome["nodes"][int(rng.integers(len(genome["nodes"])))]
    choices = [a for a in ACTIVATIONS if a != node["act"]]
    node["act"] = str(rng.choice(choices))
    return True


def perturb_weights(genome: Genome, sigma: float, rate: float, rng: np.random.Generator) -> int:
    """Add N(0, sigma) noise to each weight with probability ``rate``; how many changed.

    At least one enabled weight changes when there is one, so a variation is
    never a copy.
    """
    conns = genome["conns"]
    if not conns:
        return 0
    picked = rng.random(len(conns)) < rate
    noise = rng.normal(0.0, sigma, len(conns))
    if not picked.any():
        live = [i for i, c in enumerate(conns) if c["on"]] or list(range(len(conns)))
        picked[live[int(rng.integers(len(live)))]] = True
    for c, p, n in zip(conns, picked, noise, strict=True):
        if p:
            c["w"] = min(max(float(c["w"] + n), -WEIGHT_CLIP), WEIGHT_CLIP)
    return int(picked.sum())


_STRUCTURAL = (add_node, add_connection, change_activation)
_STRUCTURAL_P = (0.35, 0.35, 0.3)


# -- operators ----------------------------------------------------------------------

_HUES = {
    "red": 0.0,
    "crimson": 0.97,
    "orange": 0.07,
    "gold": 0.12,
    "yellow": 0.15,
    "green": 0.33,
    "teal": 0.48,
    "cyan": 0.5,
    "turquoise": 0.47,
    "blue": 0.62,
    "navy": 0.64,
    "purple": 0.76,
    "violet": 0.78,
    "magenta": 0.85,
    "pink": 0.92,
    "warm": 0.05,
    "cool": 0.55,
    "cold": 0.58,
}
_WORDS: dict[str, dict[str, Any]] = {
    "symmetric": {"symmetry": "mirror-x"},
    "symmetrical": {"symmetry": "mirror-x"},
    "symmetry": {"symmetry": "mirror-x"},
    "mirror": {"symmetry": "mirror-x"},
    "mirrored": {"symmetry": "mirror-x"},
    "radial": {"symmetry": "radial-4"},
    "mandala": {"symmetry": "radial-4"},
    "kaleidoscope": {"symmetry": "radial-4"},
    "dark": {"brightness": -0.2},
    "night": {"brightness": -0.25},
    "bright": {"brightness": 0.15},
    "light": {"brightness": 0.15},
    "calm": {"saturation": 0.7},
    "muted": {"saturation": 0.5},
    "pastel": {"saturation": 0.4, "brightness": 0.2},
    "soft": {"saturation": 0.7},
    "vivid": {"saturation": 1.4},
    "vibrant": {"saturation": 1.4},
    "colourful": {"saturation": 1.3},
    "colorful": {"saturation": 1.3},
    "monochrome": {"saturation": 0.0},
    "grey": {"saturation": 0.0},
    "gray": {"saturation": 0.0},
    "contrasty": {"contrast": 1.5},
    "zoomed": {"zoom": 2.0},
}


def params_for(intention: Intention | None) -> dict[str, Any]:
    """Starting params read from the intention's words (colour names, mood, symmetry).

    A named colour or "warm"/"cool" centres the palette on that hue with a
    narrow hue range; "symmetric", "radial", "dark", "muted", "vivid",
    "monochrome" and a few more set the matching param. Unknown words are ignored.
    """
    params = dict(DEFAULT_PARAMS)
    if intention is None:
        return params
    text = " ".join((intention.brief, *intention.constraints, *intention.criteria)).lower()
    words = re.findall(r"[a-z]+", text)
    hues = [_HUES[w] for w in words if w in _HUES]
    if hues:
        angle = math.atan2(
            sum(math.sin(2 * math.pi * h) for h in hues),
            sum(math.cos(2 * math.pi * h) for h in hues),
        )
        params["hue"] = wrap_hue(angle / (2 * math.pi))
        params["hue_range"] = 0.3
    for w in words:
        params.update(_WORDS.get(w, {}))
    return params


def fresh(rng: np.random.Generator, intention: Intention | None = None) -> Genome:
    """A new small random CPPN: each output fed by a few inputs, then some hidden nodes.

    Structure and weights come from ``rng``; params from the intention (see
    :func:`params_for`).
    """
    nodes = [{"id": o, "act": str(rng.choice(ACTIVATIONS))} for o in OUTPUTS]
    conns = []
    for o in OUTPUTS:
        chosen = [i for i in INPUTS if rng.random() < 0.5]
        if not any(i != 3 for i in chosen):
            chosen.append(int(rng.integers(3)))
        conns += [{"src": i, "dst": o, "w": _weight(rng), "on": True} for i in sorted(chosen)]
    genome = {"format": FORMAT, "nodes": nodes, "conns": conns, "params": params_for(intention)}
    for _ in range(int(rng.integers(2, 6))):
        add_node(genome, rng)
    for _ in range(int(rng.integers(2, 7))):
        add_connection(genome, rng)
    return genome


def _check_unit(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{what} must be a number in [0, 1], not {type(value).__name__}")
    if not 0.0 <= value <= 1.0:  # also refuses NaN
        raise InputError(f"{what} must be in [0, 1], not {value}")
    return float(value)


def vary(genome: Genome, strength: float, rng: np.random.Generator) -> Genome:
    """A variation: weight noise always, structural mutations as strength grows.

    At strength ``s`` about ``30 + 70·s`` % of weights get noise of standard
    deviation ``0.03 + 0.9·s²``, and ``Poisson(4·s³)`` structural
    mutations follow (add node, add connection, change activation), so 0 is
    a slight tweak and 1 a bold change. Params are left to people.
    """
    validate(genome)
    s = _check_unit(strength, "strength")
    child = copy_genome(genome)
    perturb_weights(child, 0.03 + 0.9 * s * s, 0.3 + 0.7 * s, rng)
    if not child["conns"]:
        add_connection(child, rng)
    for _ in range(int(rng.poisson(4.0 * s**3))):
        op = _STRUCTURAL[int(rng.choice(len(_STRUCTURAL), p=_STRUCTURAL_P))]
        op(child, rng)
    return child


def cross(a: Genome, b: Genome, rng: np.random.Generator) -> Genome:
    """A NEAT-style child of ``a`` and ``b`` (see the module docstring)."""
    validate(a)
    validate(b)
    acts_a = {n["id"]: n["act"] for n in a["nodes"]}
    acts_b = {n["id"]: n["act"] for n in b["nodes"]}
    conns_b = {(c["src"], c["dst"]): c for c in b["conns"]}
    keys_a = {(c["src"], c["dst"]) for c in a["conns"]}

    child: Genome = {"format": FORMAT, "nodes": [], "conns": [], "params": {}}
    for c in a["conns"]:
        other = conns_b.get((c["src"], c["dst"]))
        if other is not None:
            child["conns"].append(dict(c if rng.random() < 0.5 else other))
        elif rng.random() < 0.5:
            child["conns"].append(dict(c))
    for c in b["conns"]:
        if (c["src"], c["dst"]) in keys_a or rng.random() >= 0.5:
            continue
        if len(child["conns"]) >= MAX_CONNS or _reaches(child, c["dst"], c["src"]):
            continue
        child["conns"].append(dict(c))

    used = set(OUTPUTS)
    for c in child["conns"]:
        used.update((c["src"], c["dst"]))
    for nid in [*acts_a, *(n for n in acts_b if n not in acts_a)]:
        if nid not in used:
            continue
        if nid in acts_a and nid in acts_b:
            act = acts_a[nid] if rng.random() < 0.5 else acts_b[nid]
        else:
            act = acts_a.get(nid) or acts_b[nid]
        child["nodes"].append({"id": nid, "act": act})
    if len(child["nodes"]) > MAX_NODES:
        raise InputError(f"the child of these parents would exceed {MAX_NODES} nodes")
    pa, pb = params_of(a), params_of(b)
    child["params"] = {k: (pa[k] if rng.random() < 0.5 else pb[k]) for k in DEFAULT_PARAMS}
    return validate(child)


def _blend_params(pa: dict[str, Any], pb: dict[str, Any], t: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in DEFAULT_PARAMS:
        x, y = pa[key], pb[key]
        if key == "symmetry":
            out[key] = x if t < 0.5 else y
        elif key == "zoom":
            out[key] = clamp_param(key, math.exp((1 - t) * math.log(x) + t * math.log(y)))
        elif key == "hue":
            arc = (y - x + 0.5) % 1.0 - 0.5
            out[key] = wrap_hue(x + t * arc)
        else:
            out[key] = clamp_param(key, (1 - t) * x + t * y)
    return out


def _prune(genome: Genome) -> None:
    """Drop hidden nodes (and their links) from which no output can be reached."""
    back: dict[int, list[int]] = {}
    for c in genome["conns"]:
        back.setdefault(c["dst"], []).append(c["src"])
    live, stack = set(), list(OUTPUTS)
    while stack:
        n = stack.pop()
        if n not in live:
            live.add(n)
            stack.extend(back.get(n, ()))
    genome["nodes"] = [n for n in genome["nodes"] if n["id"] in live]
    genome["conns"] = [c for c in genome["conns"] if c["dst"] in live]


def interpolate(a: Genome, b: Genome, t: float) -> Genome:
    """The in-between of ``a`` and ``b`` at ``t`` (see the module docstring)."""
    validate(a)
    validate(b)
    t = _check_unit(t, "t")
    if t == 0.0:
        return copy_genome(a)
    if t == 1.0:
        return copy_genome(b)
    acts_a = {n["id"]: n["act"] for n in a["nodes"]}
    acts_b = {n["id"]: n["act"] for n in b["nodes"]}
    taken = set(acts_a) | set(acts_b)
    acts: dict[int, str] = {}
    side: dict[int, str] = {}  # "a", "b", "ab" (blended) or "mix" (output of two twins)
    ren_a = {i: i for i in INPUTS}
    ren_b = dict(ren_a)

    def add(nid: int, act: str, where: str) -> None:
        acts[nid], side[nid] = act, where
        taken.add(nid)

    mixed: list[tuple[int, int, int]] = []
    for nid, act in acts_a.items():
        if nid in OUTPUTS and acts_b[nid] != act:
            twin_a = derived_id(f"twin-a:{nid}", taken)
            add(twin_a, act, "a")
            twin_b = derived_id(f"twin-b:{nid}", taken)
            add(twin_b, acts_b[nid], "b")
            add(nid, "identity", "mix")
            ren_a[nid], ren_b[nid] = twin_a, twin_b
            mixed.append((twin_a, twin_b, nid))
        else:
            add(nid, act, "ab" if acts_b.get(nid) == act else "a")
            ren_a[nid] = nid
    for nid, act in acts_b.items():
        if nid in ren_b:
            continue
        if nid in acts_a and acts_a[nid] == act:
            ren_b[nid] = nid
        elif nid in acts_a:
            ren_b[nid] = derived_id(f"twin:{nid}:{act}", taken)
            add(ren_b[nid], act, "b")
        else:
            ren_b[nid] = nid
            add(nid, act, "b")

    weights_a = {(ren_a[c["src"]], ren_a[c["dst"]]): c["w"] for c in a["conns"] if c["on"]}
    weights_b = {(ren_b[c["src"]], ren_b[c["dst"]]): c["w"] for c in b["conns"] if c["on"]}
    mid: Genome = {"format": FORMAT, "nodes": [], "conns": []}
    for key in [*weights_a, *(k for k in weights_b if k not in weights_a)]:
        src, dst = key
        if side[dst] == "a":
            w = weights_a[key]
        elif side[dst] == "b":
            w = weights_b[key]
        else:
            w = (1 - t) * weights_a.get(key, 0.0) + t * weights_b.get(key, 0.0)
        if key not in weights_a and _reaches(mid, dst, src):
            continue  # the parents order these two nodes differently
        mid["conns"].append({"src": src, "dst": dst, "w": float(w), "on": True})
    for twin_a, twin_b, out in mixed:
        mid["conns"].append({"src": twin_a, "dst": out, "w": 1.0 - t, "on": True})
        mid["conns"].append({"src": twin_b, "dst": out, "w": t, "on": True})
    mid["nodes"] = [{"id": nid, "act": act} for nid, act in acts.items()]
    _prune(mid)
    if len(mid["nodes"]) > MAX_NODES or len(mid["conns"]) > MAX_CONNS:
        raise InputError("these two genomes are too large to interpolate")
    mid["params"] = _blend_params(params_of(a), params_of(b), t)
    try:
        return validate(mid)
    except InvalidGenome as exc:  # pragma: no cover - a bug here, not bad input
        raise AssertionError(f"interpolate made an invalid genome: {exc}") from exc


def fit_palette(
    genome: Genome, target: Mapping[str, float], measure: Callable[[Genome], Mapping[str, float]]
) -> Genome:
    """``genome`` with hue, hue range, saturation, contrast and brightness fitted to ``target``.

    ``target`` has ``hue`` (circular mean, turns), ``hue_concentration``,
    ``saturation``, ``value`` and ``value_std``; ``measure(genome)`` returns
    the same statistics of a genome's preview. Two passes of moment matching;
    only the palette changes, never the pattern.
    """
    g = copy_genome(genome)
    p = g["params"] = params_of(g)
    p.update(saturation=1.0, contrast=1.0, brightness=0.0, hue=0.0)
    p["hue_range"] = clamp_param("hue_range", max(0.15, 2.0 * (1.0 - target["hue_concentration"])))
    for _ in range(2):
        got = measure(g)
        p["hue"] = wrap_hue(p["hue"] + target["hue"] - got["hue"])
        p["saturation"] = clamp_param(
            "saturation", p["saturation"] * target["saturation"] / max(got["saturation"], 0.05)
        )
        p["contrast"] = clamp_param(
            "contrast", p["contrast"] * target["value_std"] / max(got["value_std"], 0.02)
        )
        p["brightness"] = clamp_param(
            "brightness", p["brightness"] + target["value"] - got["value"]
        )
    return validate(g)
