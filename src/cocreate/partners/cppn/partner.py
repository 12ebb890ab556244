"""The visual partner: Picbreeder-style CPPN images, pure NumPy, offline."""

from __future__ import annotations

import io
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from ...errors import InputError, InvalidContent
from ...model import Genome, Intention
from ..base import Partner
from . import edits, features, genome, network, operators

DEFAULT_SIZE = 256
MAX_SIZE = 4096
PREVIEW_SIZE = 2 * features.SIZE
"""Features of a genome are computed on a preview rendered at this size, box-averaged."""
FRESH_TRIES = 8  # draws of fresh() before it settles for what it has
DESCRIBE_CHUNK = 16
"""Genomes whose previews are drawn and described together (one task of ``describe_many``)."""
CACHE_SIZE = 1024
"""Genomes whose features a partner remembers (a round offers an adopted anchor as it is)."""


def encode_png(rgb: np.ndarray) -> bytes:
    """Deterministic PNG bytes of an RGB array (no timestamps or other metadata)."""
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def _preview(g: Genome) -> np.ndarray:
    return features.downsample(network.pixels(g, PREVIEW_SIZE), PREVIEW_SIZE // features.SIZE)


def _describe_chunk(genomes: Sequence[Genome]) -> np.ndarray:
    """Features of validated genomes' previews, drawn and described as one batch."""
    small = features.halve(network.pixels_many(genomes, PREVIEW_SIZE))
    return features.features_many(np.ascontiguousarray(np.moveaxis(small, 1, -1)))


def _workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


class CPPNPartner(Partner):
    """Compositional pattern-producing networks evolved NEAT-style, rendered as PNG.

    Genomes are described in :mod:`.genome`, rendering and the colour model
    in :mod:`.network`, operators in :mod:`.operators`, features in
    :mod:`.features` and edits in :mod:`.edits`.
    """

    name = "cppn"
    domain = "image"
    media_type = "image/png"
    model_id = "cppn-neat"
    version = "1.0"
    source_type = "algorithmicMedia"
    accepts = features.ACCEPTS
    feature_names = features.FEATURE_NAMES
    edit_params: ClassVar[Mapping[str, str]] = edits.EDIT_PARAMS
    #: describing a candidate draws a small preview of it; the image benchmark's figures
    #: are for a pool of 96 (a round of 9 about 0.7 s on 2 cores, against 0.4 s at 48)
    pool_size: ClassVar[int] = 96
    #: threads that describe a pool's chunks side by side (None: one per CPU, at most 4);
    #: compressing each preview for ``complexity`` and the large array operations let go of
    #: the interpreter, so they run in parallel
    describe_workers: ClassVar[int | None] = None

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    def validate(self, genome_: Any) -> Genome:
        return genome.validate(genome_)

    def fresh(self, rng: np.random.Generator, intention: Intention | None = None) -> Genome:
        """A fresh genome; near-black, near-white or flat images are drawn again (up to 8 tries)."""
        for _ in range(FRESH_TRIES):
            genome_ = operators.fresh(rng, intention)
            px = network.pixels(genome_, 24)
            if px.std() >= 8.0 and 16.0 <= px.mean() <= 240.0:
                break
        return genome_

    def vary(self, genome_: Genome, strength: float, rng: np.random.Generator) -> Genome:
        return operators.vary(genome_, strength, rng)

    def cross(self, a: Genome, b: Genome, rng: np.random.Generator) -> Genome:
        return operators.cross(a, b, rng)

    def interpolate(self, a: Genome, b: Genome, t: float) -> Genome:
        return operators.interpolate(a, b, t)

    def edit(self, genome_: Genome, adjustments: Mapping[str, Any]) -> Genome:
        return edits.edit(genome_, adjustments)

    def adopt(self, content: bytes, media_type: str, rng: np.random.Generator) -> Genome:
        """A fresh genome whose palette is fitted to the upload's colours.

        The network is a fresh random one; its hue, hue range, saturation,
        contrast and brightness are fitted so that the preview's HSV
        statistics (circular mean hue, hue concentration, mean saturation,
        mean and spread of value) match the upload's. The upload's shapes are
        not copied.
        """
        upload = features.thumbnail(features.read_upload(content, media_type))
        target = features.colour_stats(upload)
        start = operators.fresh(rng)
        return operators.fit_palette(start, target, lambda g: features.colour_stats(_preview(g)))

    def render(self, genome_: Genome, *, size: int | None = None) -> bytes:
        """PNG bytes of the genome, ``size`` × ``size`` pixels (default 256)."""
        genome.validate(genome_)
        size = DEFAULT_SIZE if size is None else size
        if isinstance(size, bool) or not isinstance(size, int | np.integer):
            raise InputError(f"size must be an integer, not {type(size).__name__}")
        if not 1 <= size <= MAX_SIZE:
            raise InputError(f"size must be between 1 and {MAX_SIZE} pixels, not {size}")
        return encode_png(network.pixels(genome_, int(size)))

    def describe(self, genome_: Genome | None, content: bytes | None = None) -> np.ndarray:
        """Features (see :mod:`.features`) of ``content`` if given, else of the genome's preview."""
        if genome_ is not None:
            genome.validate(genome_)
        if content is not None:
            return features.features(features.thumbnail(features.read_upload(content)))
        if genome_ is None:
            raise InvalidContent("describe needs a genome or content")
        return self.describe_many([genome_])[0]

    def describe_many(self, genomes: Sequence[Genome]) -> np.ndarray:
        """Features of many genomes' previews: ``describe``'s rows, made in batches.

        The previews are drawn and described :data:`DESCRIBE_CHUNK` at a time, the chunks
        on ``describe_workers`` threads; a genome met again (in this call or among the last
        :data:`CACHE_SIZE`) is not drawn again.
        """
        for g in genomes:
            genome.validate(g)
        keys = [json.dumps(g, sort_keys=True, separators=(",", ":")) for g in genomes]
        out = np.empty((len(keys), len(self.feature_names)))
        todo: dict[str, list[int]] = {}
        with self._cache_lock:
            for i, key in enumerate(keys):
                row = self._cache.get(key)
                if row is None:
                    todo.setdefault(key, []).append(i)
                else:
                    self._cache.move_to_end(key)
                    out[i] = row
        if not todo:
            return out
        firsts = [genomes[where[0]] for where in todo.values()]
        chunks = [firsts[k : k + DESCRIBE_CHUNK] for k in range(0, len(firsts), DESCRIBE_CHUNK)]
        workers = min(len(chunks), self.describe_workers or _workers())
        if workers > 1:
            with ThreadPoolExecutor(workers, thread_name_prefix="cppn-describe") as pool:
                rows = np.concatenate(list(pool.map(_describe_chunk, chunks)))
        else:
            rows = np.concatenate([_describe_chunk(c) for c in chunks])
        with self._cache_lock:
            for (key, where), row in zip(todo.items(), rows, strict=True):
                out[where] = row
                self._cache[key] = row = row.copy()
                row.setflags(write=False)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return out
