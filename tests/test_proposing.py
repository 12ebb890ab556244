"""The pool a round is chosen from: what it holds, and that each candidate can be made again."""

from __future__ import annotations

import re

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


# -- strategies follow scikit-learn's conventions ---------------------------------------------


def test_a_strategy_reads_and_changes_its_hyper_parameters_and_its_models() -> None:
    from cocreate.attunement import AttunedStrategy, IdealPointTasteModel

    given = IdealPointTasteModel(width=0.3)
    s = AttunedStrategy(given, step_away=0)
    params = s.get_params()
    assert params["step_away"] == 0 and params["model"] is given
    assert params["model__width"] == 0.3 and "model__homes" in params
    assert "model__width" not in s.get_params(deep=False)
    assert (
        repr(s)
        == "AttunedStrategy(model=IdealPointTasteModel(width=0.3, decisiveness=10.0), step_away=0)"
    )

    copy = type(s)(**s.get_params(deep=False))
    assert copy.get_params() == s.get_params() and copy.model_ is None

    assert s.set_params(model__width=0.2, novelty_weight=0.0) is s
    assert s.get_params()["model__width"] == 0.2 and s.novelty_weight == 0.0
    assert given.width == 0.3  # the caller's model is not changed under them


def test_setting_a_parameter_forgets_what_was_learned() -> None:
    import cocreate
    from cocreate.attunement import AttunedStrategy

    with cocreate.Studio("memory://", seed=1, strategy=AttunedStrategy()) as studio:
        work = studio.create_work("toy", "ana", "calm numbers")
        work.choose(work.propose(4)[0])
        work.propose(4)
        s = studio.strategy_for(work.id, "ana")
    assert s.model_ is not None and s.last_scores_
    s.set_params(n_draws=64)
    assert s.n_draws == 64 and s.model_ is None and not hasattr(s, "last_scores_")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"nope": 1}, "unknown parameter 'nope' of AttunedStrategy (parameters: model,"),
        ({"step_away": -1}, "step_away must be a whole number"),
        ({"away_radius": 2.0}, "away_radius must be between 0 and 1"),
        ({"model__width": 0.2}, "'model' of AttunedStrategy is None, which has no parameters"),
    ],
)
def test_a_bad_parameter_is_named_and_changes_nothing(params: dict, message: str) -> None:
    from cocreate.attunement import AttunedStrategy
    from cocreate.errors import InputError

    s = AttunedStrategy(step_away=3)
    before = s.get_params()
    with pytest.raises(InputError, match=re.escape(message)):
        s.set_params(**params)
    assert s.get_params() == before


def test_a_strategy_without_parameters() -> None:
    from cocreate.proposing import DiverseStrategy

    s = DiverseStrategy()
    assert s.get_params() == {} and repr(s) == "DiverseStrategy()"
    assert s.set_params() is s


def test_a_strategy_refuses_a_model_that_is_not_one() -> None:
    from cocreate.attunement import AttunedStrategy
    from cocreate.errors import InputError

    with pytest.raises(InputError, match=r"model must be a taste model .* not 'ideal'"):
        AttunedStrategy(model="ideal")
    s = AttunedStrategy()
    with pytest.raises(InputError, match="model must be a taste model"):
        s.set_params(model=42)
    assert s.model is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strategy": "attuned"}, "strategy must be a cocreate.proposing.Strategy"),
        ({"pool_size": 0}, "pool_size must be a whole number of candidates, not 0"),
        ({"pool_size": 2.5}, "pool_size must be a whole number"),
    ],
)
def test_a_studio_refuses_a_strategy_or_pool_that_is_not_one(kwargs: dict, message: str) -> None:
    import cocreate

    with pytest.raises(cocreate.InputError, match=re.escape(message)):
        cocreate.Studio("memory://", **kwargs)


class _Counting:
    """The diverse strategy, noting how large each round's pool was."""

    def __init__(self) -> None:
        from cocreate.proposing import DiverseStrategy

        self.inner, self.sizes = DiverseStrategy(), []

    def select(self, pool: list, context: object) -> list:
        self.sizes.append(len(pool))
        return self.inner.select(pool, context)


def test_a_rounds_pool_is_the_partners_size_unless_the_studio_sets_one() -> None:
    import cocreate
    from cocreate.partners.cppn.partner import CPPNPartner
    from cocreate.partners.poster import PosterPartner

    # the parametric partners describe a candidate from its parameters: a large pool
    assert PosterPartner.pool_size == 256 > CPPNPartner.pool_size
    with cocreate.Studio("memory://", seed=1, strategy=_Counting()) as studio:
        design = studio.create_work("design", "ana", "a poster")
        design.propose(4)
        image = studio.create_work("image", "ana", "an emblem")
        image.propose(4)
        assert studio.strategy_for(design.id, "ana").sizes == [PosterPartner.pool_size]
        assert studio.strategy_for(image.id, "ana").sizes == [CPPNPartner.pool_size]
    with cocreate.Studio("memory://", seed=1, strategy=_Counting(), pool_size=20) as studio:
        work = studio.create_work("design", "ana", "a poster")
        work.propose(4)
        work.propose(9)  # never fewer than 3 N to choose N from
        assert studio.strategy_for(work.id, "ana").sizes == [20, 27]


def test_a_taste_is_of_a_person() -> None:
    import cocreate

    with (
        cocreate.Studio("memory://") as studio,
        pytest.raises(cocreate.InputError, match="id is required"),
    ):
        studio.taste(" ", "design")
