"""The partner conformance suite: what every partner must do.

Subclass it in a pytest test module and set ``partner``::

    from cocreate.testing import PartnerConformance

    class TestMyPartner(PartnerConformance):
        partner = MyPartner()

Every test is a plain ``test_*`` method, so pytest collects them.
"""

from __future__ import annotations

import json
import math
from typing import Any, ClassVar

import numpy as np

from ..errors import InvalidContent, InvalidGenome
from ..media import check_content
from ..model import Intention
from ..partners.base import Partner
from ..partners.registry import get

INTENTION = Intention("a calm, symmetric emblem in warm colours", criteria=("balance",))


class PartnerConformance:
    """Mix-in test class; see the module docstring."""

    partner: ClassVar[Partner]
    #: Set False for a partner that is not in the registry (e.g. made in a test).
    registered: ClassVar[bool] = True

    def _fresh(self, seed: int) -> dict[str, Any]:
        return self.partner.fresh(np.random.default_rng(seed), INTENTION)

    # -- identity ---------------------------------------------------------------------
    def test_identity_is_complete(self) -> None:
        info = self.partner.info()
        for field in ("name", "domain", "media_type", "model_id", "version", "source_type"):
            assert getattr(info, field), f"partner info lacks {field}"
        assert info.source_type in ("algorithmicMedia", "trainedAlgorithmicMedia")
        assert len(self.partner.feature_names) == len(set(self.partner.feature_names)) > 0
        size = self.partner.pool_size
        assert isinstance(size, int) and not isinstance(size, bool) and size >= 1, (
            f"pool_size must be a whole number of candidates, not {size!r}"
        )

    def test_registered_under_its_name(self) -> None:
        if self.registered:
            assert get(self.partner.name) is type(self.partner)

    # -- determinism ------------------------------------------------------------------
    def test_same_seed_same_genome_and_bytes(self) -> None:
        a, b = self._fresh(7), self._fresh(7)
        assert a == b
        assert self.partner.render(a) == self.partner.render(b)
        va = self.partner.vary(a, 0.5, np.random.default_rng(3))
        vb = self.partner.vary(b, 0.5, np.random.default_rng(3))
        assert va == vb

    def test_different_seeds_differ(self) -> None:
        genomes = [json.dumps(self._fresh(s), sort_keys=True) for s in range(8)]
        assert len(set(genomes)) >= 6

    def test_genome_is_json_and_validates(self) -> None:
        g = self._fresh(1)
        again = json.loads(json.dumps(g))
        assert self.partner.validate(again) == g
        assert self.partner.render(again) == self.partner.render(g)

    def test_operators_leave_inputs_untouched(self) -> None:
        g = self._fresh(2)
        before = json.dumps(g, sort_keys=True)
        self.partner.vary(g, 1.0, np.random.default_rng(0))
        if "cross" in self.partner.capabilities:
            self.partner.cross(g, self._fresh(3), np.random.default_rng(0))
        assert json.dumps(g, sort_keys=True) == before

    # -- output -----------------------------------------------------------------------
    def test_render_is_its_media_type(self) -> None:
        content = self.partner.render(self._fresh(4))
        check_content(content, self.partner.media_type)

    def test_features_are_finite_and_sized(self) -> None:
        for seed in range(3):
            g = self._fresh(seed)
            f = np.asarray(self.partner.describe(g), dtype=float)
            assert f.shape == (len(self.partner.feature_names),)
            assert np.all(np.isfinite(f))
            assert np.all(f > -0.5) and np.all(f < 1.5), "features should be roughly in [0, 1]"
            from_content = np.asarray(self.partner.describe(None, self.partner.render(g)))
            assert from_content.shape == f.shape and np.all(np.isfinite(from_content))

    def test_describe_many_gives_describe_rows(self) -> None:
        """A round describes its pool with one ``describe_many`` call; the rows must be what
        ``describe`` gives one genome at a time (to 1e-9: a batch may add in another order),
        in order, repeats included, and nothing for no genomes."""
        width = len(self.partner.feature_names)
        empty = np.asarray(self.partner.describe_many([]))
        assert empty.shape == (0, width), f"describe_many([]) has shape {empty.shape}"
        genomes = [self._fresh(s) for s in range(4)]
        genomes += [self.partner.vary(genomes[0], 0.7, np.random.default_rng(1)), genomes[1]]
        rows = np.asarray(self.partner.describe_many(genomes), dtype=float)
        assert rows.shape == (len(genomes), width)
        for g, row in zip(genomes, rows, strict=True):
            single = np.asarray(self.partner.describe(g), dtype=float)
            assert np.allclose(row, single, rtol=0.0, atol=1e-9), "describe_many differs"

    def test_features_tell_artifacts_apart(self) -> None:
        feats = [np.asarray(self.partner.describe(self._fresh(s))) for s in range(6)]
        spread = np.std(np.stack(feats), axis=0)
        assert np.count_nonzero(spread > 1e-6) >= min(2, len(spread))

    # -- operators --------------------------------------------------------------------
    def test_strength_controls_how_far_variations_go(self) -> None:
        def distance(strength: float) -> float:
            total = 0.0
            for seed in range(6):
                g = self._fresh(100 + seed)
                base = np.asarray(self.partner.describe(g))
                child = self.partner.vary(g, strength, np.random.default_rng(seed))
                total += float(np.linalg.norm(np.asarray(self.partner.describe(child)) - base))
            return total

        assert distance(0.05) < distance(1.0)

    def test_variations_stack(self) -> None:
        g = self._fresh(5)
        for k in range(5):
            g = self.partner.validate(self.partner.vary(g, 0.5, np.random.default_rng(k)))
        check_content(self.partner.render(g), self.partner.media_type)

    def test_optional_operators(self) -> None:
        a, b = self._fresh(10), self._fresh(11)
        caps = self.partner.capabilities
        if "cross" in caps:
            child = self.partner.validate(self.partner.cross(a, b, np.random.default_rng(0)))
            check_content(self.partner.render(child), self.partner.media_type)
        if "interpolate" in caps:
            fa, fb = (np.asarray(self.partner.describe(x)) for x in (a, b))
            mid = np.asarray(self.partner.describe(self.partner.interpolate(a, b, 0.5)))
            start = np.asarray(self.partner.describe(self.partner.interpolate(a, b, 0.0)))
            assert np.allclose(start, fa, atol=1e-6)
            assert np.linalg.norm(mid - fa) > 0 or np.linalg.norm(mid - fb) > 0
        if "edit" in caps:
            assert self.partner.edit_params, "a partner with edit() declares edit_params"
        if "adopt" in caps:
            assert self.partner.accepts, "a partner with adopt() declares what it accepts"

    def test_adopts_its_own_output(self) -> None:
        if "adopt" not in self.partner.capabilities:
            return
        content = self.partner.render(self._fresh(12))
        media_type = self.partner.media_type
        if media_type not in self.partner.accepts:
            return
        g = self.partner.validate(self.partner.adopt(content, media_type, np.random.default_rng(0)))
        check_content(self.partner.render(g), self.partner.media_type)

    # -- hostile input ----------------------------------------------------------------
    def test_rejects_malformed_genomes(self) -> None:
        for bad in (None, 42, "genome", [], {}, {"format": "nonsense/0"}):
            try:
                self.partner.validate(bad)
            except InvalidGenome as exc:
                assert str(exc), "the error names the problem"
            else:
                raise AssertionError(f"validate accepted {bad!r}")
            try:
                self.partner.render(bad)  # type: ignore[arg-type]
            except InvalidGenome:
                pass
            else:
                raise AssertionError(f"render accepted {bad!r}")

    def test_rejects_unreadable_material(self) -> None:
        if not self.partner.accepts:
            return
        for junk in (b"\x00\x01 not a file", b"{}" * 3):
            try:
                self.partner.describe(None, junk)
            except InvalidContent as exc:
                assert str(exc)
            else:
                raise AssertionError("describe accepted junk material")

    def test_no_nan_from_extremes(self) -> None:
        g = self._fresh(20)
        for strength in (0.0, 1.0):
            child = self.partner.vary(g, strength, np.random.default_rng(1))
            f = np.asarray(self.partner.describe(child))
            assert all(math.isfinite(x) for x in f)
