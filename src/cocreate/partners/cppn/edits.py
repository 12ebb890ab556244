"""A person's parametric adjustments to a CPPN picture.

Adjustments are relative to the genome they are applied to (a hue shift
adds to its hue, a zoom multiplies its zoom), so the same adjustments can be
applied to any picture. They change only ``params``, never the network;
results are clamped to the valid ranges of ``genome.PARAM_RANGES``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ...errors import InputError
from ...model import Genome
from .genome import SYMMETRIES, clamp_param, copy_genome, params_of, validate, wrap_hue

EDIT_PARAMS: dict[str, str] = {
    "hue_shift": "degrees to turn every hue around the colour wheel (-180..180)",
    "saturation": "factor on saturation (0..4; 1 keeps it, 0 makes grey)",
    "brightness": "amount added to brightness (-1..1)",
    "contrast": "factor on contrast about mid-grey (0..4; 1 keeps it)",
    "zoom": "factor on magnification (> 1 moves closer, < 1 shows more)",
    "pan_x": "moves the view right by this fraction of its width (negative: left)",
    "pan_y": "moves the view up by this fraction of its height (negative: down)",
    "rotate": "degrees to turn the picture anticlockwise",
    "symmetry": f"one of {', '.join(SYMMETRIES)}",
}


def _amount(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"adjustment {name!r} must be a number, not {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise InputError(f"adjustment {name!r} is {x}, not a finite number")
    return x


def edit(genome: Genome, adjustments: Mapping[str, Any]) -> Genome:
    """A new genome with ``adjustments`` (names of :data:`EDIT_PARAMS`) applied."""
    validate(genome)
    if not isinstance(adjustments, Mapping):
        raise InputError(f"adjustments must be a mapping, not {type(adjustments).__name__}")
    unknown = set(adjustments) - set(EDIT_PARAMS)
    if unknown:
        raise InputError(
            f"unknown adjustment(s) {', '.join(sorted(str(u)[:40] for u in unknown))} "
            f"(known: {', '.join(EDIT_PARAMS)})"
        )
    out = copy_genome(genome)
    p = params_of(genome)
    for name, value in adjustments.items():
        if name == "symmetry":
            if value not in SYMMETRIES:
                raise InputError(
                    f"unknown symmetry {str(value)[:40]!r} (known: {', '.join(SYMMETRIES)})"
                )
            p["symmetry"] = value
            continue
        x = _amount(name, value)
        if name == "hue_shift":
            p["hue"] = wrap_hue(p["hue"] + x / 360.0)
        elif name in ("saturation", "contrast", "zoom"):
            if x < 0 or (name == "zoom" and x == 0):
                raise InputError(f"adjustment {name!r} is a factor and must be positive")
            p[name] = clamp_param(name, p[name] * x)
        elif name == "brightness":
            p[name] = clamp_param(name, p[name] + x)
        elif name == "rotate":
            p[name] = clamp_param(name, (p[name] + x + 180.0) % 360.0 - 180.0)
        else:  # pan: move the view centre by a fraction of the view, in pattern space
            theta = math.radians(p["rotate"])
            du, dv = (2.0 * x, 0.0) if name == "pan_x" else (0.0, 2.0 * x)
            dx = (du * math.cos(theta) + dv * math.sin(theta)) / p["zoom"]
            dy = (-du * math.sin(theta) + dv * math.cos(theta)) / p["zoom"]
            p["pan_x"] = clamp_param("pan_x", p["pan_x"] + dx)
            p["pan_y"] = clamp_param("pan_y", p["pan_y"] + dy)
    out["params"] = p
    return validate(out)
