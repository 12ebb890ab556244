"""Breeding the pool: children of the candidates the taste model finds most promising."""

from __future__ import annotations

import numpy as np
import pytest

import cocreate
from cocreate.attunement import AttunedStrategy
from cocreate.authorship import attribution
from cocreate.authorship.manifests import build_manifest
from cocreate.errors import InputError
from cocreate.model import Intention, Operator
from cocreate.partners.parametric import Float, ParametricSpace, parametric_partner
from cocreate.proposing import (
    BREED_STRENGTHS,
    Candidate,
    Comparison,
    DiverseStrategy,
    Feedback,
    ProposalContext,
    breed,
    describe_candidate,
)

D = 6
TARGET = np.array([0.3, 0.7, 0.5, 0.2, 0.8, 0.6])


def taste(X: np.ndarray) -> np.ndarray:
    return np.exp(-np.mean((np.atleast_2d(X) - TARGET) ** 2, axis=1) / (2 * 0.15**2))


@pytest.fixture(scope="module")
def partner():
    space = ParametricSpace([Float(f"p{i}", 0.0, 1.0) for i in range(D)])
    return parametric_partner("breed-test", space, lambda p: b"{}", "application/json")()


def _context(fb: Feedback, seed: int = 0) -> ProposalContext:
    return ProposalContext(
        work_id="w",
        creator="ana",
        domain="design",
        intention=Intention("x"),
        round=2,
        n=4,
        surprise=0.0,
        feedback=fb,
        seen=np.empty((0, D)),
        rng=np.random.default_rng(seed),
    )


def _pool(partner, rng: np.random.Generator, size: int) -> list[Candidate]:
    out = []
    for _ in range(size):
        seed = int(rng.integers(2**31))
        c = Candidate(partner.fresh(np.random.default_rng(seed)), Operator.FRESH, (), seed)
        c.features = partner.describe(c.genome)
        out.append(c)
    return out


def _taught(partner, rounds: int = 30, seed: int = 5) -> Feedback:
    """A creator with a narrow taste chose one of four fresh items, ``rounds`` times."""
    rng = np.random.default_rng(seed)
    fb = Feedback(work_id="w")
    for r in range(rounds):
        X = np.stack([partner.describe(partner.fresh(rng)) for _ in range(4)])
        ids = [f"{r}-{k}" for k in range(4)]
        fb.features.update(zip(ids, X, strict=True))
        u = taste(X)
        p = np.exp((u - u.max()) / 0.05)
        win = ids[int(rng.choice(4, p=p / p.sum()))]
        fb.comparisons += [Comparison(win, o, 1.0, "w", "choose") for o in ids if o != win]
    return fb


def _remake(partner, c: Candidate, genomes: dict[str, dict]) -> dict:
    """The genome again from the candidate's recipe alone: operator, parents, seed, steps."""
    rng = np.random.default_rng(c.seed)
    if c.operator is Operator.FRESH:
        g = partner.fresh(rng)
    elif c.operator is Operator.VARY:
        g = partner.vary(genomes[c.parents[0]], c.strength, rng)
    elif c.operator is Operator.CROSS:
        g = partner.cross(genomes[c.parents[0]], genomes[c.parents[1]], rng)
    else:
        g = genomes[c.parents[0]]
    for strength, seed in c.steps:
        g = partner.vary(g, strength, np.random.default_rng(seed))
    return g


def test_children_keep_an_exact_lineage(partner) -> None:
    rng = np.random.default_rng(0)
    genomes = {"a": partner.fresh(rng), "b": partner.fresh(rng)}
    made = [
        Candidate(partner.fresh(np.random.default_rng(11)), Operator.FRESH, (), 11),
        Candidate(
            partner.vary(genomes["a"], 0.6, np.random.default_rng(12)),
            Operator.VARY,
            ("a",),
            12,
            0.6,
        ),
        Candidate(
            partner.cross(genomes["a"], genomes["b"], np.random.default_rng(13)),
            Operator.CROSS,
            ("a", "b"),
            13,
        ),
        Candidate(genomes["b"], Operator.ADOPT, ("b",), 14),
    ]
    kids = breed(partner, made, [0, 1, 2, 3], 60, np.random.default_rng(1))
    assert len(kids) == 60
    assert {(k.operator, k.parents) for k in kids} == {
        (Operator.FRESH, ()),
        (Operator.VARY, ("a",)),
        (Operator.CROSS, ("a", "b")),
        (Operator.VARY, ("b",)),  # a child of b's own genome is a variation of b
    }
    for k in kids:
        partner.validate(k.genome)
        assert _remake(partner, k, genomes) == k.genome
        if k.parents == ("b",):
            assert not k.bred and k.steps == () and k.strength in BREED_STRENGTHS
        else:
            assert k.bred and len(k.steps) == 1 and k.steps[0][0] in BREED_STRENGTHS
            assert "bred towards where the model expects your taste" in describe_candidate(
                k, {"a": "A", "b": "B"}
            )
    # grandchildren add a step, and are made again just as exactly
    grand = breed(partner, kids, [1, 2], 10, np.random.default_rng(2))
    for k in grand:
        assert _remake(partner, k, genomes) == k.genome
    assert {len(k.steps) for k in grand} <= {1, 2}
    assert breed(partner, made, [], 10, rng) == [] and breed(partner, made, [0], 0, rng) == []
    # the same generator gives the same children
    again = breed(partner, made, [0, 1, 2, 3], 60, np.random.default_rng(1))
    assert [k.genome for k in again] == [k.genome for k in kids]


def test_promising_candidates_are_where_the_taste_is(partner) -> None:
    fb = _taught(partner)
    pool = _pool(partner, np.random.default_rng(3), 200)
    strategy = AttunedStrategy()
    best = strategy.promising(pool, _context(fb), k=8)
    assert len(best) == 8 and len(set(best)) == 8
    X = np.stack([c.features for c in pool])
    assert best[0] == int(np.argmax(strategy.model_.predict(X)))
    u = taste(X)
    assert np.median(u[best]) > np.quantile(u, 0.9)
    # nothing learned yet, or no model at all: nothing to breed from
    assert AttunedStrategy().promising(pool, _context(Feedback(work_id="w"))) == []
    assert DiverseStrategy().promising(pool, _context(fb)) == []
    assert strategy.promising(pool, _context(fb), k=0) == []


def test_bred_children_come_nearer_the_taste_than_the_pool(partner) -> None:
    fb = _taught(partner)
    strategy = AttunedStrategy()
    for seed in range(3):
        pool = _pool(partner, np.random.default_rng(10 + seed), 200)
        kids = breed(
            partner,
            pool,
            strategy.promising(pool, _context(fb, seed)),
            100,
            np.random.default_rng(seed),
        )
        u_pool = taste(np.stack([c.features for c in pool]))
        u_kids = taste(np.stack([partner.describe(k.genome) for k in kids]))
        assert u_kids.mean() > 2 * u_pool.mean()
        assert u_kids.max() > u_pool.max()


class _Counting(AttunedStrategy):
    """The attuned strategy, noting the pool each round was chosen from."""

    def __init__(self) -> None:
        super().__init__()
        self.pools: list[tuple[int, int]] = []

    def select(self, pool, context):
        self.pools.append((len(pool), sum(c.bred for c in pool)))
        return super().select(pool, context)


def test_the_session_breeds_its_pool_and_records_how(tmp_path) -> None:
    strategy = _Counting()
    with cocreate.Studio(
        "memory://", media=tmp_path / "m", seed=7, pool_size=16, breed_size=24, strategy=strategy
    ) as studio:
        work = studio.create_work("toy", "ana", "numbers near a quarter")
        shown = work.propose(4)
        assert strategy.pools[-1][0] == 16  # nothing judged yet: nothing to breed from
        bred = []
        for _ in range(6):
            best = max(shown, key=lambda a: -abs(np.mean(a.genome["v"]) - 0.25))
            work.choose(best)
            shown = work.propose(4, surprise=0.0)
            assert strategy.pools[-1][0] == 16 + 24
            bred += [a for a in shown if a.recipe.steps]
        assert bred, "children bred from promising candidates reach the person"
        from cocreate.partners import create

        toy = create("toy")
        for a in bred:
            assert "bred towards where the model expects your taste" in a.reason
            c = Candidate(a.genome, a.recipe.operator, a.parents, a.seed, a.recipe.strength)
            c.steps = a.recipe.steps
            genomes = {p: work.artifact(p).genome for p in a.parents}
            assert _remake(toy, c, genomes) == a.genome
            again = cocreate.model.Recipe.from_dict(a.recipe.to_dict())
            assert again.steps == a.recipe.steps
        # a round the person steers (parents, a fixed strength) is not bred
        work.propose(4, strength=0.3)
        work.propose(4, parents=[bred[0]])
        assert strategy.pools[-2][1] == 0 and strategy.pools[-1][1] == 0
    with cocreate.Studio("memory://", media=tmp_path / "n", breed_size=0, strategy=strategy) as st:
        w = st.create_work("toy", "ana", "numbers")
        w.choose(w.propose(4)[0])
        w.propose(4)
        assert strategy.pools[-1] == (48, 0)
    with pytest.raises(InputError, match="breed_size"):
        cocreate.Studio("memory://", breed_size=-1)


def test_bred_human_material_keeps_its_share_after_each_step(tmp_path) -> None:
    """A bred variation of a person's material: each step keeps 1 - strength of the rest."""
    with cocreate.Studio("memory://", media=tmp_path / "m", seed=3, pool_size=8) as studio:
        work = studio.create_work("toy", "bo", "numbers from mine")
        mine = work.contribute(b"0.1 0.2 0.3 0.4", "text/plain", by="bo")
        v = work.variations(mine, 1, strength=0.3)[0]
        work.choose(v)
        plain = attribution(work).content_by_origin()["human"]
        toy = studio._partner(work._s)
        g = toy.vary(v.genome, 0.4, np.random.default_rng(21))
        g = toy.vary(g, 0.15, np.random.default_rng(22))
        c = Candidate(g, Operator.VARY, (v.id,), 21, 0.4, steps=((0.15, 22),))
        request = {"operator": "propose", "parents": [], "strength": None}
        (child,) = work._show(
            toy,
            [c],
            1,
            0.0,
            np.random.default_rng(0),
            None,
            keep_order=True,
            request=request,
            by=None,
        )
        assert child.recipe.steps == ((0.15, 22),) and "bred towards" in child.reason
        work.choose(child)
        attr = attribution(work)
        assert attr.content_by_origin()["human"] == pytest.approx(plain * 0.6 * 0.85)
        manifest, _ = build_manifest(work, attr, "bred")
        actions = [
            a
            for x in manifest["assertions"]
            if x["label"] == "c2pa.actions"
            for a in x["data"]["actions"]
        ]
        assert any(
            a.get("description") == "vary by toy (strength 0.4), then varied at strength 0.15"
            for a in actions
        )
