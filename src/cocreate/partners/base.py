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
    #: How its rounds are made (see :mod:`cocreate.rounds`): ``"pool"`` — candidates are
    #: cheap, so many are made and described and the strategy shows N; ``"direct"`` — making
    #: one is the expensive step (a language model), so ``generate`` makes exactly N.
    round_kind: ClassVar[str] = "pool"

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

    def fresh_request(
        self, request: Any, rng: np.random.Generator, intention: Intention | None = None
    ) -> Genome:
        """A new genome as a request asks (its operator, instruction and parameters).

        A partner with operators of its own (``rhythm`` with ``metre="7/8"``) reads
        ``request.operator`` and ``request.params``; by default a plain request is
        ``fresh`` and any other is refused, naming what the partner cannot do.
        """
        _plain(self, request)
        return self.fresh(rng, intention)

    def vary_request(
        self, genome: Genome, request: Any, strength: float, rng: np.random.Generator
    ) -> Genome:
        """A variation as a request asks: its operator, the selection it may change, parameters.

        ``request.selection`` names the part that may change (``{"voices": [...],
        "bars": [...]}`` for a score, a ``(start, end)`` span for a text); what is
        outside it stays as it is. By default a plain request is ``vary`` and one
        with a selection, parameters or an operator of its own is refused.
        """
        _plain(self, request)
        return self.vary(genome, strength, rng)

    def generate(
        self,
        request: Any,
        parents: Mapping[str, Genome],
        n: int,
        rng: np.random.Generator,
        steering: Mapping[str, Any],
    ) -> list[Any]:
        """A direct round's ``n`` proposals (``round_kind = "direct"`` partners only).

        ``request`` is the :class:`cocreate.rounds.Request` (operator, selection,
        instruction, parameters); ``parents`` the genomes it builds on, by artifact
        id; ``steering`` the generation parameters the strategy chose (e.g. a
        ``temperature``). Returns :class:`cocreate.proposing.Candidate` s whose
        genomes hold everything ``render`` needs, so rendering never generates again.
        """
        raise Unsupported(f"partner {self.name!r} makes its rounds from a pool, not directly")

    def validate(self, genome: Any) -> Genome:
        """Return ``genome`` if it is well formed, else raise ``InvalidGenome``."""
        return genome

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}@{self.version}>"


#: Requests every partner serves with its plain operators.
PLAIN_OPERATORS = frozenset({"propose", "variations", "vary", "fresh"})


def _plain(partner: Partner, request: Any) -> None:
    """Refuse a request the partner's plain ``fresh`` / ``vary`` cannot honour, naming it."""
    if request.operator not in PLAIN_OPERATORS:
        raise Unsupported(f"partner {partner.name!r} has no operator {request.operator!r}")
    if request.selection is not None:
        raise Unsupported(
            f"partner {partner.name!r} cannot change only a selection ({request.selection!r}):"
            " it varies the whole artifact"
        )
    if request.params:
        names = ", ".join(sorted(request.params))
        raise Unsupported(f"partner {partner.name!r} takes no parameters ({names})")
