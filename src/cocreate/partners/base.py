"""The partner interface: how an AI partner takes part in a work.

A partner works on *genomes*: small JSON-serialisable dicts that describe an
artifact completely. It makes them (``fresh``), varies them with a strength
(``vary``), breeds two (``cross``), blends two (``interpolate``), builds one
from a person's material (``adopt``), applies a person's parametric
adjustments (``edit``), renders them to bytes (``render``) and describes them
as a feature vector for learning taste (``describe``, or ``describe_many`` for a
round's whole pool at once).

Every random choice comes from the ``numpy.random.Generator`` passed in, so
the same operator, parents and seed always give the same genome, and the same
genome always renders the same bytes. Partners are stateless apart from the
hyper-parameters given to ``__init__``.

A partner only needs ``fresh``, ``vary``, ``render`` and ``describe``; the
others raise :class:`Unsupported` by default and ``capabilities`` says which
ones a partner has. Every partner must pass
:class:`cocreate.testing.PartnerConformance`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ..errors import CocreateError
from ..model import Genome, Intention, PartnerInfo


class Unsupported(CocreateError, NotImplementedError):
    """This partner does not offer that operator."""


class Partner(ABC):
    """Base class of every AI partner (see the module docstring)."""

    #: Registry name, e.g. ``"cppn"``.
    name: ClassVar[str]
    #: The domain it serves: ``"image"``, ``"design"``, ``"music"``, ``"text"``.
    domain: ClassVar[str]
    #: The media type ``render`` returns, e.g. ``"image/png"``.
    media_type: ClassVar[str]
    #: What kind of model it is, recorded as the contributor, e.g. ``"cppn-neat"``.
    model_id: ClassVar[str]
    version: ClassVar[str] = "1"
    #: IPTC digital source type of what it makes: ``"algorithmicMedia"`` for
    #: procedural generators, ``"trainedAlgorithmicMedia"`` for learned models.
    source_type: ClassVar[str] = "algorithmicMedia"
    #: Names of the entries of ``describe``'s vector, in order.
    feature_names: ClassVar[tuple[str, ...]]
    #: Media types a person's material may have for ``adopt``/``describe``.
    accepts: ClassVar[tuple[str, ...]] = ()
    #: Parametric adjustments ``edit`` understands, name -> short description.
    edit_params: ClassVar[Mapping[str, str]] = {}
    #: Candidates a round's pool holds by default (the strategy shows N of them): as many
    #: as describing them affords, since every one is described and only the N shown are
    #: rendered. ``Studio(pool_size=...)`` overrides it.
    pool_size: ClassVar[int] = 48

    def __init__(self, **params: Any) -> None:
        self.params: dict[str, Any] = dict(params)

    # -- identity ---------------------------------------------------------------------
    def info(self) -> PartnerInfo:
        return PartnerInfo(
            name=self.name,
            domain=self.domain,
            media_type=self.media_type,
            model_id=self.model_id,
            version=self.version,
            source_type=self.source_type,
            params=dict(self.params),
        )

    @property
    def capabilities(self) -> frozenset[str]:
        """The optional operators this partner implements."""
        optional = ("cross", "interpolate", "adopt", "edit")
        return frozenset(
            op for op in optional if getattr(type(self), op) is not getattr(Partner, op)
        )

    # -- operators --------------------------------------------------------------------
    @abstractmethod
    def fresh(self, rng: np.random.Generator, intention: Intention | None = None) -> Genome:
        """A new genome, from nothing but the intention."""

    @abstractmethod
    def vary(self, genome: Genome, strength: float, rng: np.random.Generator) -> Genome:
        """A variation of ``genome``; ``strength`` in [0, 1] runs from a tweak to a bold change."""

    def cross(self, a: Genome, b: Genome, rng: np.random.Generator) -> Genome:
        """A child that mixes two genomes."""
        raise Unsupported(f"partner {self.name!r} cannot cross two artifacts")

    def interpolate(self, a: Genome, b: Genome, t: float) -> Genome:
        """The in-between at ``t`` in [0, 1] (0 gives ``a``, 1 gives ``b``)."""
        raise Unsupported(f"partner {self.name!r} cannot interpolate two artifacts")

    def adopt(self, content: bytes, media_type: str, rng: np.random.Generator) -> Genome:
        """A genome that starts from a person's material."""
        raise Unsupported(f"partner {self.name!r} cannot start from a person's material")

    def edit(self, genome: Genome, adjustments: Mapping[str, Any]) -> Genome:
        """Apply a person's parametric adjustments (see ``edit_params``)."""
        raise Unsupported(f"partner {self.name!r} has no parametric edits")

    # -- output -----------------------------------------------------------------------
    @abstractmethod
    def render(self, genome: Genome, *, size: int | None = None) -> bytes:
        """The artifact's bytes, of ``media_type``; ``size`` asks for a resolution."""

    @abstractmethod
    def describe(self, genome: Genome | None, content: bytes | None = None) -> np.ndarray:
        """A finite float vector, one entry per ``feature_names``, roughly in [0, 1].

        Either argument may be missing: a person's upload has content but no
        genome; a candidate in a pool has a genome that has not been rendered.
        """

    def describe_many(self, genomes: Sequence[Genome]) -> np.ndarray:
        """``describe`` of each genome, one row each: shape ``(len(genomes), len(feature_names))``.

        A round describes every candidate of its pool this way, in one call, so a partner
        whose ``describe`` draws a preview can draw them all as one batch. This default
        stacks ``describe``; an override must give the same rows.
        """
        rows = [np.asarray(self.describe(g), dtype=float) for g in genomes]
        if not rows:
            return np.empty((0, len(self.feature_names)))
        return np.stack(rows)

    def validate(self, genome: Any) -> Genome:
        """Return ``genome`` if it is well formed, else raise ``InvalidGenome``."""
        return genome

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}@{self.version}>"
