"""A tiny deterministic partner for testing the core without any rendering cost.

Its genome is four numbers in [0, 1]; it renders them as a line of text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from cocreate.errors import InvalidContent, InvalidGenome
from cocreate.model import Genome, Intention
from cocreate.partners.base import Partner


class ToyPartner(Partner):
    name = "toy"
    domain = "toy"
    media_type = "text/plain"
    model_id = "toy-numbers"
    version = "0.1"
    feature_names = ("a", "b", "c", "d")
    accepts = ("text/plain",)
    edit_params = {"shift": "add this to every number"}

    def fresh(self, rng: np.random.Generator, intention: Intention | None = None) -> Genome:
        return {"format": "toy/1", "v": [round(float(x), 6) for x in rng.random(4)]}

    def vary(self, genome: Genome, strength: float, rng: np.random.Generator) -> Genome:
        v = np.asarray(self.validate(genome)["v"]) + rng.normal(0, 0.02 + 0.3 * strength, 4)
        return {"format": "toy/1", "v": [round(float(x), 6) for x in np.clip(v, 0, 1)]}

    def cross(self, a: Genome, b: Genome, rng: np.random.Generator) -> Genome:
        mask = rng.random(4) < 0.5
        v = np.where(mask, self.validate(a)["v"], self.validate(b)["v"])
        return {"format": "toy/1", "v": [float(x) for x in v]}

    def interpolate(self, a: Genome, b: Genome, t: float) -> Genome:
        va, vb = np.asarray(self.validate(a)["v"]), np.asarray(self.validate(b)["v"])
        return {"format": "toy/1", "v": [round(float(x), 6) for x in (1 - t) * va + t * vb]}

    def adopt(self, content: bytes, media_type: str, rng: np.random.Generator) -> Genome:
        return {"format": "toy/1", "v": [float(x) for x in self._parse(content)]}

    def edit(self, genome: Genome, adjustments: Mapping[str, Any]) -> Genome:
        shift = float(adjustments.get("shift", 0.0))
        v = np.clip(np.asarray(self.validate(genome)["v"]) + shift, 0, 1)
        return {"format": "toy/1", "v": [round(float(x), 6) for x in v]}

    def render(self, genome: Genome, *, size: int | None = None) -> bytes:
        return " ".join(f"{x:.6f}" for x in self.validate(genome)["v"]).encode()

    def describe(self, genome: Genome | None, content: bytes | None = None) -> np.ndarray:
        if genome is not None:
            return np.asarray(self.validate(genome)["v"], dtype=float)
        return self._parse(content or b"")

    def validate(self, genome: Any) -> Genome:
        if not isinstance(genome, dict) or genome.get("format") != "toy/1":
            raise InvalidGenome("not a toy/1 genome")
        v = genome.get("v")
        if (
            not isinstance(v, list)
            or len(v) != 4
            or not all(isinstance(x, int | float) and 0 <= x <= 1 for x in v)
        ):
            raise InvalidGenome("a toy genome has four numbers in [0, 1]")
        return genome

    @staticmethod
    def _parse(content: bytes) -> np.ndarray:
        try:
            v = np.array([float(x) for x in content.decode().split()], dtype=float)
        except (UnicodeDecodeError, ValueError):
            raise InvalidContent("toy material is four numbers separated by spaces") from None
        if v.shape != (4,) or not np.all((v >= 0) & (v <= 1)):
            raise InvalidContent("toy material is four numbers in [0, 1]")
        return v
