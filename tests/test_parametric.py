"""The parametric partner: spaces, operators, the poster, and the conformance suite."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cocreate.errors import InvalidContent, InvalidGenome
from cocreate.model import Intention
from cocreate.partners import available, create, get
from cocreate.partners.parametric import (
    FORMAT,
    Choice,
    Float,
    Int,
    ParametricPartner,
    ParametricSpace,
    parametric_partner,
)
from cocreate.partners.poster import SVG_NS, PosterPartner
from cocreate.testing import PartnerConformance

SPACE = ParametricSpace(
    [
        Float("size", 1.0, 100.0, log=True),
        Float("hue", 0.0, 1.0),
        Int("count", 1, 5),
        Choice("shape", ("circle", "square", "star")),
    ]
)


def _render(params, size=None):
    return json.dumps({"params": params, "size": size}, sort_keys=True).encode()


Toy = parametric_partner("toy", SPACE, _render, "application/json", domain="design")


class TestPosterConformance(PartnerConformance):
    partner = PosterPartner()


class TestToyConformance(PartnerConformance):
    partner = Toy()
    registered = False


def test_space_encoding_round_trips() -> None:
    rng = np.random.default_rng(0)
    assert SPACE.feature_names == (
        "size",
        "hue",
        "count",
        "shape=circle",
        "shape=square",
        "shape=star",
    )
    for _ in range(20):
        p = SPACE.sample(rng)
        x = SPACE.encode(p)
        assert x.shape == (6,) and np.all((x >= 0) & (x <= 1))
        assert x[3:].sum() == 1.0
        back = SPACE.decode(x)
        assert back["shape"] == p["shape"] and back["count"] == p["count"]
        assert back["size"] == pytest.approx(p["size"]) and back["hue"] == pytest.approx(p["hue"])


def test_from_dict_reads_kinds() -> None:
    s = ParametricSpace.from_dict({"a": (0.0, 2.0), "b": (1, 6), "c": ["x", "y"]})
    assert isinstance(s["a"], Float) and isinstance(s["b"], Int) and isinstance(s["c"], Choice)
    with pytest.raises(ValueError):
        ParametricSpace.from_dict({"a": "nope"})
    with pytest.raises(ValueError):
        Float("bad", 1.0, 1.0)


def test_genome_shape_and_round_trip() -> None:
    p = Toy()
    g = p.fresh(np.random.default_rng(3))
    assert g["format"] == FORMAT and set(g["params"]) == set(SPACE.names)
    again = p.validate(json.loads(json.dumps(g)))
    assert again == g and p.render(again) == p.render(g)
    assert json.loads(p.render(g, size=64))["size"] == 64


def test_operators_stay_in_bounds_and_vary_scales() -> None:
    p = Toy()
    rng = np.random.default_rng(1)
    g = p.fresh(rng)
    near, far = [], []
    for k in range(40):
        for strength, out in ((0.05, near), (1.0, far)):
            child = p.validate(p.vary(g, strength, np.random.default_rng(k)))
            assert child != g  # a variation always changes something
            out.append(np.linalg.norm(p.describe(child) - p.describe(g)))
    assert np.mean(near) < 0.5 * np.mean(far)
    a, b = p.fresh(np.random.default_rng(5)), p.fresh(np.random.default_rng(6))
    c = p.validate(p.cross(a, b, np.random.default_rng(0)))
    assert c["params"]["shape"] in (a["params"]["shape"], b["params"]["shape"])
    assert p.interpolate(a, b, 0.0) == a and p.interpolate(a, b, 1.0) == b
    mid = p.interpolate(a, b, 0.5)
    lo, hi = sorted((a["params"]["hue"], b["params"]["hue"]))
    assert lo <= mid["params"]["hue"] <= hi
    assert mid["params"]["shape"] == b["params"]["shape"]  # choices switch at t = 0.5
    assert p.interpolate(a, b, 0.49)["params"]["shape"] == a["params"]["shape"]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), strength=st.floats(0, 1))
def test_vary_is_valid_for_any_seed(seed: int, strength: float) -> None:
    p = Toy()
    g = p.fresh(np.random.default_rng(seed))
    child = p.validate(p.vary(g, strength, np.random.default_rng(seed + 1)))
    x = p.describe(child)
    assert np.all(np.isfinite(x)) and np.all((x >= 0) & (x <= 1))


def test_edit_sets_and_clips() -> None:
    p = Toy()
    g = p.fresh(np.random.default_rng(0))
    e = p.edit(g, {"hue": 7.0, "shape": "star", "count": 3})
    assert e["params"]["hue"] == 1.0 and e["params"]["shape"] == "star"
    assert e["params"]["count"] == 3
    with pytest.raises(InvalidGenome):
        p.edit(g, {"nope": 1})
    with pytest.raises(InvalidGenome):
        p.edit(g, {"shape": "hexagon"})


def test_validate_rejects_bad_params() -> None:
    p = Toy()
    g = p.fresh(np.random.default_rng(0))
    for bad in (
        {**g, "params": {**g["params"], "hue": 2.0}},
        {**g, "params": {**g["params"], "count": 2.5}},
        {**g, "params": {**g["params"], "hue": float("nan")}},
        {**g, "params": {k: v for k, v in g["params"].items() if k != "hue"}},
        {**g, "params": {**g["params"], "extra": 1}},
        {**g, "evil": True},
        {**g, "fixed": {"x": ["list"]}},
    ):
        with pytest.raises(InvalidGenome):
            p.validate(bad)


def test_function_partner_identity() -> None:
    assert issubclass(Toy, ParametricPartner)
    assert Toy.name == "toy" and Toy.model_id == "parametric-toy"
    assert Toy.feature_names == SPACE.feature_names
    assert set(Toy.edit_params) == set(SPACE.names)
    assert {"cross", "interpolate", "edit"} <= Toy().capabilities


# -- the poster -------------------------------------------------------------------------------
NASTY = 'Jazz & "Blues" <script>alert(1)</script> \x01\x0b at Café ]]> 🎷'


def test_poster_is_registered() -> None:
    assert "poster" in available()
    assert get("poster") is PosterPartner
    info = create("poster").info()
    assert (info.name, info.domain, info.model_id, info.source_type, info.media_type) == (
        "poster",
        "design",
        "parametric-poster",
        "algorithmicMedia",
        "image/svg+xml",
    )


def test_poster_svg_parses_and_escapes_title() -> None:
    p = PosterPartner()
    for seed in range(25):
        intention = Intention(NASTY, criteria=("warm & bold",))
        g = p.fresh(np.random.default_rng(seed), intention)
        svg = p.render(g, size=300)
        root = ET.fromstring(svg)  # well-formed XML
        assert root.tag == f"{{{SVG_NS}}}svg" and root.get("width") == "300"
        assert b"<script>" not in svg and b"\x01" not in svg
        text = "".join(root.find(f"{{{SVG_NS}}}title").itertext())
        expected = " ".join(NASTY.replace("\x01", "").replace("\x0b", "").split())
        if g["params"]["uppercase"]:
            expected = expected.upper()
        assert text == expected
        shown = " ".join("".join(t.itertext()) for t in root.iter(f"{{{SVG_NS}}}tspan"))
        assert "<SCRIPT>" in shown.upper()  # the title is shown as text, escaped in the file


def test_poster_reads_itself_back() -> None:
    p = PosterPartner()
    g = p.fresh(np.random.default_rng(4), Intention("Summer fair"))
    svg = p.render(g)
    assert np.allclose(p.describe(None, svg), p.describe(g))
    adopted = p.adopt(svg, "image/svg+xml", np.random.default_rng(0))
    assert adopted == g
    with pytest.raises(InvalidContent):
        p.describe(None, b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(InvalidContent):
        p.adopt(b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]><svg/>", "image/svg+xml", None)


def test_poster_long_title_wraps() -> None:
    p = PosterPartner()
    g = p.fresh(np.random.default_rng(2), Intention("word " * 300))
    root = ET.fromstring(p.render(g))
    lines = list(root.iter(f"{{{SVG_NS}}}tspan"))
    assert 1 <= len(lines) <= 4


# -- a pool described at once ------------------------------------------------------------


def test_describe_many_stacks_describe_and_handles_nothing() -> None:
    partner = PosterPartner()
    genomes = [partner.fresh(np.random.default_rng(s)) for s in range(5)]
    rows = partner.describe_many(genomes)
    assert rows.shape == (5, len(partner.feature_names))
    assert np.array_equal(rows, np.stack([partner.describe(g) for g in genomes]))
    assert partner.describe_many([]).shape == (0, len(partner.feature_names))
    with pytest.raises(InvalidGenome):
        partner.describe_many([genomes[0], {"format": FORMAT, "params": {}}])


class _Crashes(ParametricPartner):
    """A partner whose own code breaks while describing: in ``describe`` (which the default
    ``describe_many`` calls) or in its own batched ``describe_many``."""

    name = "crashes-on-describe"
    domain = "crash-test"
    media_type = "application/json"
    model_id = "crash-test"
    space = SPACE
    batched = False

    def render_params(self, params, fixed, size):
        return _render(params, size)

    def describe(self, genome, content=None):
        if genome is not None and not self.batched:
            raise ZeroDivisionError("a bug in the partner's feature code")
        return super().describe(genome, content)

    def describe_many(self, genomes):
        if self.batched:
            raise IndexError("a bug in the partner's batched feature code")
        return super().describe_many(genomes)


@pytest.mark.parametrize("batched", [False, True])
def test_a_partner_failing_in_describe_many_fails_the_round_as_partner_failed(
    batched: bool,
) -> None:
    import cocreate
    from cocreate.errors import PartnerFailed
    from cocreate.partners.registry import register, unregister

    cls = type("Crashes", (_Crashes,), {"batched": batched})
    register(cls)
    try:
        studio = cocreate.Studio("memory://", seed=0)
        work = studio.create_work(domain="crash-test", creator="ann", intention="anything")
        with pytest.raises(PartnerFailed, match="crashes-on-describe") as caught:
            work.propose(4)
        assert isinstance(caught.value.__cause__, ZeroDivisionError | IndexError)
        assert work.rounds() == {}, "nothing of the failed round was stored"
    finally:
        unregister(cls.name)
