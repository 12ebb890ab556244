"""The CPPN genome: schema, validation, node ids and JSON.

A genome is a small dict of plain JSON types::

    {
      "format": "cppn/1",
      "nodes": [{"id": 4, "act": "sin"}, {"id": 1863301127, "act": "gaussian"}, ...],
      "conns": [{"src": 0, "dst": 1863301127, "w": 1.25, "on": true}, ...],
      "params": {"zoom": 1.0, "pan_x": 0.0, "pan_y": 0.0, "rotate": 0.0,
                 "symmetry": "none", "hue": 0.0, "hue_range": 0.5,
                 "saturation": 1.0, "brightness": 0.0, "contrast": 1.0}
    }

Node ids:

* ``0``-``3`` are the inputs ``x``, ``y``, ``d`` (distance from the centre)
  and ``bias`` (always 1); they are implied and never listed in ``nodes``.
* ``4``-``6`` are the outputs ``h``, ``s``, ``v`` (hue, saturation, value);
  they must be listed, each with its activation.
* Hidden nodes have ids from 16 up to 2**31 - 1. A hidden node made by
  splitting the connection ``src -> dst`` gets an id hashed from
  ``(src, dst)`` (see :func:`split_id`), so the same structural innovation
  gets the same id in every lineage. Ids are NEAT's historical markings
  without a global innovation counter, and a connection is identified by its
  ``(src, dst)`` pair.

Connections carry a weight ``w`` and an enabled flag ``on``; the graph of
all connections (enabled or not) must be acyclic, and outputs feed nothing.

``params`` are genome-level settings that a person's edits change; missing
keys take the defaults of :data:`DEFAULT_PARAMS`. See ``network`` for how
they frame the pattern and colour it.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from ...errors import InvalidGenome
from ...model import Genome

FORMAT = "cppn/1"

INPUTS: dict[int, str] = {0: "x", 1: "y", 2: "d", 3: "bias"}
OUTPUTS: dict[int, str] = {4: "h", 5: "s", 6: "v"}
FIRST_HIDDEN = 16
MAX_ID = 2**31 - 1

ACTIVATIONS: tuple[str, ...] = (
    "sin",
    "cos",
    "gaussian",
    "tanh",
    "sigmoid",
    "abs",
    "identity",
    "square",
    "softsign",
    "triangle",
)

MAX_NODES = 256
"""Most listed nodes (outputs and hidden) a genome may have."""
MAX_CONNS = 1024
"""Most connections a genome may have, enabled or not.

With these caps the largest valid genome still exports at 2048 × 2048 in
about 2.5 s on a 2-core machine (see bench/RESULTS.md)."""
MAX_WEIGHT = 1000.0
"""Largest absolute weight ``validate`` accepts (operators stay far below)."""

SYMMETRIES: tuple[str, ...] = ("none", "mirror-x", "mirror-y", "radial-4")

DEFAULT_PARAMS: dict[str, Any] = {
    "zoom": 1.0,
    "pan_x": 0.0,
    "pan_y": 0.0,
    "rotate": 0.0,
    "symmetry": "none",
    "hue": 0.0,
    "hue_range": 0.5,
    "saturation": 1.0,
    "brightness": 0.0,
    "contrast": 1.0,
}

PARAM_RANGES: dict[str, tuple[float, float]] = {
    "zoom": (0.05, 20.0),  # > 1 magnifies: the view shows less of the pattern
    "pan_x": (-20.0, 20.0),  # pattern coordinates at the centre of the view
    "pan_y": (-20.0, 20.0),
    "rotate": (-360.0, 360.0),  # degrees, anticlockwise
    "hue": (-1.0, 2.0),  # turns added to every hue
    "hue_range": (0.0, 4.0),  # how far the hue output spreads around the wheel
    "saturation": (0.0, 4.0),  # saturation factor
    "brightness": (-1.0, 1.0),  # added to the value
    "contrast": (0.0, 4.0),  # value factor about mid-grey
}
"""Valid range of each numeric parameter; operators and edits clamp into it."""

_TOP_KEYS = frozenset({"format", "nodes", "conns", "params"})


def _short(value: Any) -> str:
    """``repr(value)``, cut short so a hostile value cannot bloat the message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidGenome(f"{what} must be a number, not {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise InvalidGenome(f"{what} is {x}, not a finite number")
    return x


def _node_id(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidGenome(f"{what} must be an integer node id, not {type(value).__name__}")
    if not 0 <= value <= MAX_ID:
        raise InvalidGenome(f"{what} {value} is outside 0..{MAX_ID}")
    return value


def _check_params(params: Any) -> None:
    if not isinstance(params, dict):
        raise InvalidGenome(f"'params' must be an object, not {type(params).__name__}")
    unknown = set(params) - set(DEFAULT_PARAMS)
    if unknown:
        raise InvalidGenome(f"unknown genome param(s): {_short(sorted(map(str, unknown)))}")
    for key, (lo, hi) in PARAM_RANGES.items():
        if key in params:
            x = _number(params[key], f"param {key!r}")
            if not lo <= x <= hi:
                raise InvalidGenome(f"param {key!r} is {x}, outside [{lo}, {hi}]")
    if "symmetry" in params and params["symmetry"] not in SYMMETRIES:
        raise InvalidGenome(
            f"unknown symmetry {_short(params['symmetry'])} (known: {', '.join(SYMMETRIES)})"
        )


def validate(genome: Any) -> Genome:
    """Return ``genome`` if it is a well-formed CPPN, else raise ``InvalidGenome``.

    Sizes are checked before anything is walked, so a huge genome is refused
    at once; the graph must be a DAG (checked by a topological sort).
    """
    if not isinstance(genome, dict):
        raise InvalidGenome(f"a CPPN genome is a JSON object, not {type(genome).__name__}")
    if genome.get("format") != FORMAT:
        raise InvalidGenome(f"genome format is {_short(genome.get('format'))}, expected {FORMAT!r}")
    unknown = set(genome) - _TOP_KEYS
    if unknown:
        raise InvalidGenome(f"unknown genome key(s): {_short(sorted(map(str, unknown)))}")
    nodes, conns = genome.get("nodes"), genome.get("conns")
    if not isinstance(nodes, list):
        raise InvalidGenome("'nodes' must be a list")
    if not isinstance(conns, list):
        raise InvalidGenome("'conns' must be a list")
    if len(nodes) > MAX_NODES:
        raise InvalidGenome(f"genome has {len(nodes):,} nodes, over the limit of {MAX_NODES}")
    if len(conns) > MAX_CONNS:
        raise InvalidGenome(f"genome has {len(conns):,} connections, over the limit of {MAX_CONNS}")
    _check_params(genome.get("params", {}))

    acts: dict[int, str] = {}
    for i, node in enumerate(nodes):
        if not isinstance(node, dict) or set(node) != {"id", "act"}:
            raise InvalidGenome(f"node #{i} must be an object with exactly 'id' and 'act'")
        nid = _node_id(node["id"], f"node #{i} id")
        if nid in INPUTS:
            raise InvalidGenome(f"node id {nid} is reserved for input {INPUTS[nid]!r}")
        if nid not in OUTPUTS and nid < FIRST_HIDDEN:
            raise InvalidGenome(f"hidden node id {nid} is below {FIRST_HIDDEN}")
        if nid in acts:
            raise InvalidGenome(f"node id {nid} appears twice")
        if node["act"] not in ACTIVATIONS:
            raise InvalidGenome(f"node {nid} has unknown activation {_short(node['act'])}")
        acts[nid] = node["act"]
    missing = [name for nid, name in OUTPUTS.items() if nid not in acts]
    if missing:
        raise InvalidGenome(f"genome lacks output node(s): {', '.join(missing)}")

    edges: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for i, conn in enumerate(conns):
        if not isinstance(conn, dict) or set(conn) != {"src", "dst", "w", "on"}:
            raise InvalidGenome(
                f"connection #{i} must be an object with exactly 'src', 'dst', 'w' and 'on'"
            )
        src = _node_id(conn["src"], f"connection #{i} src")
        dst = _node_id(conn["dst"], f"connection #{i} dst")
        if src not in acts and src not in INPUTS:
            raise InvalidGenome(f"connection #{i} comes from unknown node {src}")
        if dst not in acts:
            raise InvalidGenome(f"connection #{i} goes to unknown or input node {dst}")
        if src in OUTPUTS:
            raise InvalidGenome(f"connection #{i} comes from output {OUTPUTS[src]!r}")
        w = _number(conn["w"], f"connection #{i} weight")
        if abs(w) > MAX_WEIGHT:
            raise InvalidGenome(f"connection #{i} weight {w} exceeds {MAX_WEIGHT}")
        if not isinstance(conn["on"], bool):
            raise InvalidGenome(f"connection #{i} 'on' must be true or false")
        if (src, dst) in seen:
            raise InvalidGenome(f"connection {src} -> {dst} appears twice")
        seen.add((src, dst))
        edges.append((src, dst))
    topological_order(acts, edges)
    return genome


def topological_order(nodes: Iterable[int], edges: Iterable[tuple[int, int]]) -> list[int]:
    """The listed ``nodes`` in an order where every edge's source comes first.

    Kahn's algorithm, ties broken by id so the order is deterministic. Raises
    ``InvalidGenome`` when the edges have a cycle.
    """
    nodes = list(nodes)
    indegree = dict.fromkeys(nodes, 0)
    out: dict[int, list[int]] = {}
    for src, dst in edges:
        if src in indegree:  # inputs are not listed: they are ready from the start
            indegree[dst] += 1
            out.setdefault(src, []).append(dst)
    ready = [n for n, k in indegree.items() if k == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        n = heapq.heappop(ready)
        order.append(n)
        for m in out.get(n, ()):
            indegree[m] -= 1
            if indegree[m] == 0:
                heapq.heappush(ready, m)
    if len(order) != len(nodes):
        done = set(order)
        stuck = sorted(n for n in indegree if n not in done)
        raise InvalidGenome(f"the network has a cycle through node(s) {stuck[:5]}")
    return order


def params_of(genome: Genome) -> dict[str, Any]:
    """The genome's params with defaults filled in."""
    return {**DEFAULT_PARAMS, **genome.get("params", {})}


def clamp_param(key: str, value: float) -> float:
    lo, hi = PARAM_RANGES[key]
    return float(min(max(value, lo), hi))


def wrap_hue(hue: float) -> float:
    """A hue offset folded into [0, 1)."""
    return float(hue % 1.0)


def derived_id(label: str, taken: Iterable[int] | Mapping[int, Any]) -> int:
    """A hidden-node id hashed from ``label``, salted again while it is ``taken``."""
    taken = taken if isinstance(taken, set | frozenset | Mapping) else set(taken)
    salt = 0
    while True:
        key = f"{label}#{salt}".encode()
        h = int.from_bytes(hashlib.blake2b(key, digest_size=4).digest(), "big") & MAX_ID
        if h >= FIRST_HIDDEN and h not in taken:
            return h
        salt += 1


def split_id(src: int, dst: int, taken: Iterable[int] | Mapping[int, Any]) -> int:
    """The id of the hidden node that splits ``src -> dst``.

    Hashed from the pair, so every lineage that makes this split names the
    node alike (salted again if the id is already ``taken`` in this genome).
    """
    return derived_id(f"{src}>{dst}", taken)


def copy_genome(genome: Genome) -> Genome:
    """A deep copy of a *validated* genome, which the caller may change freely.

    Its nodes, connections and params hold only numbers, strings and booleans, so a copy
    of each is a deep copy, several times faster than ``copy.deepcopy`` (a round's pool
    copies a genome for every variation).
    """
    out = dict(genome)
    out["nodes"] = [dict(n) for n in genome["nodes"]]
    out["conns"] = [dict(c) for c in genome["conns"]]
    if "params" in genome:
        out["params"] = dict(genome["params"])
    return out


def to_json(genome: Genome) -> str:
    """Compact, key-sorted JSON of a valid genome."""
    return json.dumps(validate(genome), sort_keys=True, separators=(",", ":"))


def from_json(text: str | bytes) -> Genome:
    """Parse and validate a genome written by :func:`to_json` (or any JSON)."""
    try:
        genome = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise InvalidGenome(f"genome is not valid JSON: {exc}") from None
    return validate(genome)
