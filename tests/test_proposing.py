"""The pool a round is chosen from: what it holds, and that each candidate can be made again."""

from __future__ import annotations

import numpy as np
import pytest

from cocreate.model import Operator
from cocreate.partners.parametric import Float, ParametricSpace, parametric_partner
from cocreate.proposing import VARIATION_STRENGTHS, make_pool

SPACE = ParametricSpace([Float(f"p{i}", 0.0, 1.0) for i in range(4)])
PARTNER = parametric_partner("pool-test", SPACE, lambda params: b"{}", "application/json")()


def anchors(k: int) -> dict[str, dict]:
    rng = np.random.default_rng(5)
    return {f"a{i}": PARTNER.fresh(rng) for i in range(k)}


def test_without_anchors_everything_is_fresh() -> None:
    pool = make_pool(PARTNER, {}, 50, np.random.default_rng(0))
    assert len(pool) == 50 and {c.operator for c in pool} == {Operator.FRESH}


@pytest.mark.parametrize("surprise", [0.0, 1.0])
def test_the_fresh_share_follows_the_surprise_dial(surprise: float) -> None:
    pool = make_pool(PARTNER, anchors(3), 2000, np.random.default_rng(1), surprise=surprise)
    fresh = np.mean([c.operator is Operator.FRESH for c in pool])
    assert fresh == pytest.approx(0.2 + 0.5 * surprise, abs=0.04)
    built = [c for c in pool if c.operator is not Operator.FRESH]
    crossed = np.mean([c.operator is Operator.CROSS for c in built])
    assert crossed == pytest.approx(0.3, abs=0.05)


def test_earlier_anchors_get_more_children_at_the_usual_strengths() -> None:
    pool = make_pool(PARTNER, anchors(3), 3000, np.random.default_rng(2))
    varied = [c for c in pool if c.operator is Operator.VARY]
    counts = [sum(c.parents == (f"a{i}",) for c in varied) for i in range(3)]
    assert counts[0] > counts[1] > counts[2] > 0
    assert {c.strength for c in varied} == set(VARIATION_STRENGTHS)


def test_only_children_at_a_given_strength_and_adopted_material_offered_as_is() -> None:
    base = anchors(1)
    pool = make_pool(
        PARTNER,
        base,
        40,
        np.random.default_rng(3),
        strength=0.1,
        only_children=True,
        adopted={"a0"},
    )
    assert Operator.FRESH not in {c.operator for c in pool}
    adopted = [c for c in pool if c.operator is Operator.ADOPT]
    assert adopted and all(c.genome == base["a0"] for c in adopted)
    assert {c.strength for c in pool if c.operator is Operator.VARY} == {0.1}


def test_every_candidate_is_made_again_from_its_seed() -> None:
    base = anchors(2)
    for c in make_pool(PARTNER, base, 60, np.random.default_rng(4), surprise=0.3):
        rng = np.random.default_rng(c.seed)
        if c.operator is Operator.FRESH:
            again = PARTNER.fresh(rng)
        elif c.operator is Operator.CROSS:
            again = PARTNER.cross(base[c.parents[0]], base[c.parents[1]], rng)
        else:
            again = PARTNER.vary(base[c.parents[0]], c.strength, rng)
        assert again == c.genome
