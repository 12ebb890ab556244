"""The visual partner: CPPN genomes, rendering, operators, edits, features, uploads."""

from __future__ import annotations

import copy
import io
import json
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from cocreate.errors import ContentTooLarge, InputError, InvalidContent, InvalidGenome
from cocreate.model import Intention
from cocreate.partners.cppn import CPPNPartner
from cocreate.partners.cppn import genome as cg
from cocreate.partners.cppn import operators as ops
from cocreate.partners.cppn.features import colour_stats, rgb_to_hsv
from cocreate.testing import PartnerConformance

P = CPPNPartner()


def fresh(seed: int, intention: Intention | str | None = None) -> dict:
    if isinstance(intention, str):
        intention = Intention(intention)
    return P.fresh(np.random.default_rng(seed), intention)


def pixels(content: bytes) -> np.ndarray:
    """Read PNG/JPEG bytes back with Pillow, as a real file."""
    with Image.open(io.BytesIO(content)) as im:
        im.load()
        return np.asarray(im.convert("RGB"), dtype=np.int16)


def render(genome: dict, size: int = 64) -> np.ndarray:
    return pixels(P.render(genome, size=size))


def png(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(buf, fmt)
    return buf.getvalue()


SMOOTH = {
    "format": "cppn/1",
    "nodes": [
        {"id": 4, "act": "sin"},
        {"id": 5, "act": "gaussian"},
        {"id": 6, "act": "tanh"},
        {"id": 100, "act": "cos"},
    ],
    "conns": [
        {"src": 0, "dst": 4, "w": 1.5, "on": True},
        {"src": 1, "dst": 100, "w": 2.0, "on": True},
        {"src": 100, "dst": 4, "w": 0.7, "on": True},
        {"src": 2, "dst": 5, "w": 1.2, "on": True},
        {"src": 1, "dst": 6, "w": 1.0, "on": True},
        {"src": 0, "dst": 6, "w": 0.5, "on": True},
        {"src": 3, "dst": 6, "w": 0.2, "on": True},
    ],
    "params": dict(cg.DEFAULT_PARAMS),
}


def mean_hue(rgb: np.ndarray) -> float:
    return colour_stats(rgb.astype(np.uint8))["hue"]


# -- determinism and format ---------------------------------------------------------


def test_same_seed_same_genome_and_same_bytes():
    a, b = fresh(3), fresh(3)
    assert a == b
    assert P.render(a) == P.render(b)
    assert P.vary(a, 0.7, np.random.default_rng(1)) == P.vary(b, 0.7, np.random.default_rng(1))
    assert fresh(3) != fresh(4)


def test_render_is_a_png_of_the_requested_size(tmp_path):
    path = tmp_path / "out.png"
    path.write_bytes(P.render(fresh(1), size=200))
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size == (200, 200) and im.mode == "RGB"
        assert not im.info or set(im.info) <= {"dpi"}, "no metadata in the PNG"
    with Image.open(io.BytesIO(P.render(fresh(1)))) as im:
        assert im.size == (256, 256)


@pytest.mark.parametrize("size", [0, -3, 5000, 2.5, True, "64"])
def test_render_refuses_bad_sizes(size):
    with pytest.raises(InputError):
        P.render(fresh(1), size=size)


def test_json_round_trip():
    g = P.vary(fresh(5), 1.0, np.random.default_rng(2))
    text = cg.to_json(g)
    assert cg.from_json(text) == g
    assert json.loads(json.dumps(g)) == g
    assert P.render(json.loads(json.dumps(g)), size=48) == P.render(g, size=48)
    assert g["format"] == "cppn/1"
    with pytest.raises(InvalidGenome, match="JSON"):
        cg.from_json("{not json")


def test_resolution_independence():
    big = render(SMOOTH, 512).reshape(128, 4, 128, 4, 3).mean(axis=(1, 3))
    small = render(SMOOTH, 128)
    assert np.abs(big - small).mean() < 2.0
    # A random genome may hold detail finer than 128 pixels resolve; still, the two agree.
    g = fresh(7)
    big = render(g, 512).reshape(128, 4, 128, 4, 3).mean(axis=(1, 3))
    assert np.abs(big - render(g, 128)).mean() < 12.0


# -- operators ----------------------------------------------------------------------


def test_vary_strength_sets_how_far_the_pixels_move():
    def distance(strength: float) -> float:
        total = []
        for seed in range(12):
            g = fresh(200 + seed)
            child = P.vary(g, strength, np.random.default_rng(seed))
            total.append(np.abs(render(child, 48) - render(g, 48)).mean())
        return float(np.mean(total))

    weak, middle, bold = distance(0.05), distance(0.5), distance(1.0)
    assert 0 < weak < middle < bold
    assert bold > 3 * weak


def test_vary_stacks_and_leaves_its_input_alone():
    g = fresh(8)
    before = copy.deepcopy(g)
    for k in range(12):
        g = P.vary(g, 0.8, np.random.default_rng(k))
    assert P.validate(g) is g
    assert len(g["nodes"]) > len(before["nodes"])
    P.vary(before, 1.0, np.random.default_rng(0))
    assert before == fresh(8)
    assert render(g, 32).shape == (32, 32, 3)


@pytest.mark.parametrize("strength", [-0.1, 1.5, float("nan"), "bold"])
def test_vary_refuses_bad_strength(strength):
    with pytest.raises(InputError):
        P.vary(fresh(1), strength, np.random.default_rng(0))


def test_structural_mutations_change_the_structure():
    g = fresh(9)
    rng = np.random.default_rng(0)
    n, c = len(g["nodes"]), len(g["conns"])
    assert ops.add_node(g, rng) and len(g["nodes"]) == n + 1 and len(g["conns"]) == c + 2
    assert ops.add_connection(g, rng) and len(g["conns"]) >= c + 2
    acts = [x["act"] for x in g["nodes"]]
    assert ops.change_activation(g, rng) and [x["act"] for x in g["nodes"]] != acts
    cg.validate(g)


def test_split_ids_are_historical_markings():
    """The same split in two lineages makes the same node id."""
    assert cg.split_id(0, 4, set()) == cg.split_id(0, 4, {1, 2})
    first = cg.split_id(0, 4, set())
    assert cg.split_id(0, 4, {first}) != first


def _keys(g: dict) -> set[tuple[int, int]]:
    return {(c["src"], c["dst"]) for c in g["conns"]}


def test_crossover_child_shares_structure_with_both_parents():
    a, b = fresh(10), fresh(11)
    only_a, only_b = _keys(a) - _keys(b), _keys(b) - _keys(a)
    assert only_a and only_b
    from_a = from_b = 0
    for seed in range(6):
        child = P.cross(a, b, np.random.default_rng(seed))
        keys = _keys(child)
        assert keys <= _keys(a) | _keys(b)
        from_a += bool(keys & only_a)
        from_b += bool(keys & only_b)
        assert {4, 5, 6} <= {n["id"] for n in child["nodes"]}
        assert render(child, 32).shape == (32, 32, 3)
    assert from_a >= 4 and from_b >= 4
    # Matching genes take their weights from either parent.
    child = P.cross(a, P.vary(a, 0.3, np.random.default_rng(1)), np.random.default_rng(2))
    assert _keys(child) <= _keys(a) | _keys(P.vary(a, 0.3, np.random.default_rng(1)))


def test_crossover_never_makes_a_cycle():
    for seed in range(20):
        a = P.vary(fresh(seed), 1.0, np.random.default_rng(seed))
        b = P.vary(fresh(seed + 50), 1.0, np.random.default_rng(seed + 1))
        cg.validate(P.cross(a, b, np.random.default_rng(seed)))


def test_interpolate_endpoints_give_the_parents_pixels():
    a, b = fresh(12), fresh(13)
    pa, pb = render(a, 64), render(b, 64)
    assert np.array_equal(render(P.interpolate(a, b, 0.0), 64), pa)
    assert np.array_equal(render(P.interpolate(a, b, 1.0), 64), pb)
    near_a = render(P.interpolate(a, b, 0.02), 64)
    mid = render(P.interpolate(a, b, 0.5), 64)
    near_b = render(P.interpolate(a, b, 0.98), 64)
    d = lambda x, y: np.abs(x - y).mean()  # noqa: E731
    assert d(near_a, pa) < d(mid, pa) and d(near_b, pb) < d(mid, pb)
    assert d(mid, pa) > 0 and d(mid, pb) > 0


def test_interpolate_between_differing_activations_and_params():
    a = fresh(14)
    b = copy.deepcopy(a)
    for node in b["nodes"]:
        node["act"] = "sin" if node["act"] != "sin" else "tanh"
    b["params"].update(hue=0.9, zoom=2.0, symmetry="mirror-x")
    for t in (0.25, 0.5, 0.75):
        mid = P.interpolate(a, b, t)
        assert cg.validate(mid) is mid
        assert 1.0 < mid["params"]["zoom"] < 2.0
    assert P.interpolate(a, b, 0.4)["params"]["symmetry"] == "none"
    assert P.interpolate(a, b, 0.6)["params"]["symmetry"] == "mirror-x"
    # The hue goes the short way round the wheel: 0 -> 0.9 passes 0.95, not 0.45.
    assert P.interpolate(a, b, 0.5)["params"]["hue"] == pytest.approx(0.95)
    with pytest.raises(InputError):
        P.interpolate(a, b, 1.2)


# -- edits --------------------------------------------------------------------------


def test_symmetry_edits_make_symmetric_pictures():
    g = fresh(15)
    x = render(P.edit(g, {"symmetry": "mirror-x"}), 96)
    assert np.array_equal(x, x[:, ::-1])
    y = render(P.edit(g, {"symmetry": "mirror-y"}), 96)
    assert np.array_equal(y, y[::-1, :])
    r = render(P.edit(g, {"symmetry": "radial-4"}), 97)
    assert np.array_equal(r, np.rot90(r))
    assert not np.array_equal(render(g, 96), render(g, 96)[:, ::-1])
    sym = dict(zip(P.feature_names, P.describe(P.edit(g, {"symmetry": "mirror-x"})), strict=True))
    assert sym["symmetry_lr"] > 0.99


def test_colour_edits_move_the_colours_the_right_way():
    g = fresh(16)
    g["params"]["saturation"] = 1.0
    base = render(g, 64)
    shifted = render(P.edit(g, {"hue_shift": 60}), 64)
    turn = (mean_hue(shifted) - mean_hue(base)) % 1.0
    assert turn == pytest.approx(60 / 360, abs=0.02)
    grey = render(P.edit(g, {"saturation": 0.0}), 64)
    assert np.array_equal(grey[..., 0], grey[..., 1]) and np.array_equal(grey[..., 1], grey[..., 2])
    assert render(P.edit(g, {"brightness": 0.3}), 64).mean() > base.mean()
    assert render(P.edit(g, {"brightness": -0.3}), 64).mean() < base.mean()
    v = lambda rgb: rgb_to_hsv(rgb.astype(np.uint8))[2].std()  # noqa: E731
    assert v(render(P.edit(g, {"contrast": 1.8}), 64)) > v(base)
    assert v(render(P.edit(g, {"contrast": 0.4}), 64)) < v(base)


def test_framing_edits():
    g = SMOOTH
    whole = render(g, 256)
    zoomed = render(P.edit(g, {"zoom": 2.0}), 128)
    assert np.abs(zoomed - whole[64:192, 64:192]).mean() < 1.0
    panned = render(P.edit(g, {"pan_x": 0.25}), 256)
    assert np.abs(panned[:, :192] - whole[:, 64:]).mean() < 1.0
    turned = render(P.edit(g, {"rotate": 90}), 256)
    assert np.abs(turned - np.rot90(whole)).mean() < 1.0


def test_edit_returns_a_new_genome_and_checks_adjustments():
    g = fresh(17)
    before = copy.deepcopy(g)
    edited = P.edit(g, {"hue_shift": 30, "zoom": 1.5, "symmetry": "radial-4"})
    assert g == before and edited is not g
    assert edited["params"]["symmetry"] == "radial-4"
    assert edited["nodes"] == g["nodes"] and edited["conns"] == g["conns"]
    for bad in ({"sparkle": 1}, {"zoom": 0}, {"hue_shift": float("inf")}, {"symmetry": "x"}):
        with pytest.raises(InputError):
            P.edit(g, bad)
    assert set(P.edit_params) >= {
        "hue_shift",
        "saturation",
        "brightness",
        "contrast",
        "zoom",
        "pan_x",
        "pan_y",
        "symmetry",
    }


def test_intention_words_set_the_starting_params():
    g = fresh(1, "a calm, symmetric emblem in warm colours")
    assert g["params"]["symmetry"] == "mirror-x"
    assert g["params"]["hue_range"] < 0.5
    blue = fresh(1, "deep blue mandala")
    assert blue["params"]["symmetry"] == "radial-4"
    assert blue["params"]["hue"] == pytest.approx(0.62)
    assert fresh(1)["params"] == cg.DEFAULT_PARAMS


# -- features -----------------------------------------------------------------------


def test_features_are_finite_in_range_and_deterministic():
    for seed in range(8):
        g = P.vary(fresh(seed), seed / 7, np.random.default_rng(seed))
        f = P.describe(g)
        assert f.shape == (len(P.feature_names),)
        assert np.all(np.isfinite(f)) and np.all((f >= 0) & (f <= 1))
        assert np.array_equal(f, P.describe(g))
        from_png = P.describe(None, P.render(g))
        assert np.all(np.isfinite(from_png)) and np.all((from_png >= 0) & (from_png <= 1))
    flat = P.describe(None, png(np.full((50, 80, 3), 128)))
    assert np.all(np.isfinite(flat))
    noise = P.describe(None, png(np.random.default_rng(0).integers(0, 256, (64, 64, 3))))
    names = list(P.feature_names)
    assert noise[names.index("complexity")] > flat[names.index("complexity")]
    assert noise[names.index("freq_high")] > 0.3 > flat[names.index("freq_high")]


def test_features_from_content_match_features_from_genome():
    g = fresh(21)
    assert np.abs(P.describe(g) - P.describe(None, P.render(g))).mean() < 0.05


def test_features_see_orientation_and_warmth():
    names = list(P.feature_names)
    stripes = np.zeros((64, 64, 3))
    stripes[:, ::8] = 255  # vertical stripes: horizontal gradients
    f = P.describe(None, png(stripes))
    assert f[names.index("orientation_strength")] > 0.9
    assert f[names.index("orientation_cos")] > 0.95
    warm = P.describe(None, png(np.full((32, 32, 3), (240, 120, 20))))
    cool = P.describe(None, png(np.full((32, 32, 3), (20, 90, 240))))
    assert warm[names.index("warmth")] > 0.6 > 0.4 > cool[names.index("warmth")]


# -- adoption and uploads -----------------------------------------------------------


def test_adopt_fits_the_palette_to_the_upload():
    yy, xx = np.mgrid[0:96, 0:128]
    upload = np.stack([20 + xx * 0.3, 60 + yy * 0.5, 200 + xx * 0.2], axis=-1)  # blues
    for fmt, media_type in (("PNG", "image/png"), ("JPEG", "image/jpeg")):
        g = P.adopt(png(upload, fmt), media_type, np.random.default_rng(4))
        cg.validate(g)
        want = colour_stats(upload.astype(np.uint8))
        got = colour_stats(render(g, 64).astype(np.uint8))
        assert abs((got["hue"] - want["hue"] + 0.5) % 1.0 - 0.5) < 0.06
        assert abs(got["value"] - want["value"]) < 0.15


def test_adopt_flattens_transparency():
    rgba = np.zeros((20, 20, 4), dtype=np.uint8)
    rgba[..., 3] = 0  # fully transparent: white
    g = P.adopt(png(rgba), "image/png", np.random.default_rng(0))
    assert render(g, 32).mean() > 150


def _huge_png() -> bytes:
    buf = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buf, "PNG")  # 48 megapixels, a few kB
    return buf.getvalue()


@pytest.mark.parametrize(
    ("content", "media_type", "problem"),
    [
        (b"", "image/png", "empty"),
        (b"hello, this is text", "image/png", "not a PNG or JPEG"),
        (b"GIF89a" + bytes(40), "image/png", "not a PNG or JPEG"),
        (png(np.zeros((8, 8, 3))), "image/jpeg", "declared image/jpeg"),
        (png(np.zeros((8, 8, 3)))[:60], "image/png", "cannot be decoded"),
        (b"\x89PNG\r\n\x1a\n" + bytes(26 * 1024 * 1024), "image/png", "over the limit"),
        (_huge_png(), "image/png", "pixels"),
        (png(np.zeros((8, 8, 3))), "image/gif", "unsupported"),
    ],
)
def test_bad_uploads_are_refused(content, media_type, problem):
    with pytest.raises(InvalidContent, match=problem) as caught:
        P.adopt(content, media_type, np.random.default_rng(0))
    # too large (bytes or pixels) is its own kind, which the API answers with a 413
    assert isinstance(caught.value, ContentTooLarge) == (problem in ("over the limit", "pixels"))
    if media_type == "image/png":
        with pytest.raises(InvalidContent):
            P.describe(None, content)


# -- hostile genomes ----------------------------------------------------------------


def _with(**changes) -> dict:
    g = copy.deepcopy(SMOOTH)
    g.update(changes)
    return g


def _conn(src, dst, w=1.0, on=True) -> dict:
    return {"src": src, "dst": dst, "w": w, "on": on}


HOSTILE = {
    "not a dict": ([], "JSON object"),
    "wrong format": (_with(format="cppn/9"), "format"),
    "no nodes": (_with(nodes=None), "'nodes'"),
    "cycle": (
        _with(
            nodes=[*SMOOTH["nodes"], {"id": 101, "act": "sin"}],
            conns=[*SMOOTH["conns"], _conn(100, 101), _conn(101, 100)],
        ),
        "cycle",
    ),
    "self loop": (_with(conns=[*SMOOTH["conns"], _conn(100, 100)]), "cycle"),
    "nan weight": (_with(conns=[_conn(0, 4, float("nan"))]), "finite"),
    "inf weight": (_with(conns=[_conn(0, 4, float("inf"))]), "finite"),
    "huge weight": (_with(conns=[_conn(0, 4, 1e9)]), "exceeds"),
    "string weight": (_with(conns=[_conn(0, 4, "1")]), "number"),
    "unknown activation": (_with(nodes=[*SMOOTH["nodes"][:3], {"id": 100, "act": "evil"}]), "act"),
    "dangling source": (_with(conns=[*SMOOTH["conns"], _conn(999, 4)]), "unknown node 999"),
    "dangling target": (_with(conns=[*SMOOTH["conns"], _conn(0, 999)]), "unknown or input"),
    "into an input": (_with(conns=[*SMOOTH["conns"], _conn(100, 0)]), "unknown or input"),
    "from an output": (_with(conns=[*SMOOTH["conns"], _conn(4, 100)]), "from output"),
    "missing outputs": (_with(nodes=SMOOTH["nodes"][1:], conns=[]), "lacks output"),
    "duplicate node": (_with(nodes=[*SMOOTH["nodes"], {"id": 100, "act": "sin"}]), "twice"),
    "duplicate link": (_with(conns=[*SMOOTH["conns"], _conn(0, 4)]), "twice"),
    "reserved id": (_with(nodes=[*SMOOTH["nodes"], {"id": 2, "act": "sin"}]), "reserved"),
    "bool id": (_with(conns=[_conn(True, 4)]), "integer"),
    "negative id": (_with(nodes=[*SMOOTH["nodes"], {"id": -5, "act": "sin"}]), "outside"),
    "extra key": (_with(evil=1), "unknown genome key"),
    "bad param": (_with(params={"zoom": -1}), "zoom"),
    "unknown param": (_with(params={"gamma": 2}), "unknown genome param"),
    "bad symmetry": (_with(params={"symmetry": "spiral"}), "symmetry"),
    "too many connections": (_with(conns=[_conn(0, 4)] * 5000), "connections"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_genomes_are_refused(name):
    bad, problem = HOSTILE[name]
    with pytest.raises(InvalidGenome, match=problem):
        P.validate(bad)


def test_a_million_nodes_are_refused_at_once():
    node = {"id": 100, "act": "sin"}
    huge = {"format": "cppn/1", "nodes": [node] * 10**6, "conns": [], "params": {}}
    tracemalloc.start()
    try:
        with pytest.raises(InvalidGenome, match="1,000,000 nodes"):
            P.render(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20, "refused before building anything from it"


def test_every_operator_validates_its_genomes():
    bad, _ = HOSTILE["cycle"]
    good = fresh(1)
    rng = np.random.default_rng(0)
    calls = [
        lambda: P.render(bad),
        lambda: P.describe(bad),
        lambda: P.vary(bad, 0.5, rng),
        lambda: P.cross(good, bad, rng),
        lambda: P.cross(bad, good, rng),
        lambda: P.interpolate(good, bad, 0.5),
        lambda: P.edit(bad, {"zoom": 2}),
    ]
    for call in calls:
        with pytest.raises(InvalidGenome):
            call()


def test_extreme_genomes_stay_finite():
    """Chains of unbounded activations and big weights never give NaN pixels or features."""
    nodes = [{"id": 4, "act": "square"}, {"id": 5, "act": "identity"}, {"id": 6, "act": "abs"}]
    conns = []
    prev = 0
    for k in range(40):
        nid = 100 + k
        nodes.append({"id": nid, "act": ("square", "identity", "sigmoid", "triangle")[k % 4]})
        conns.append(_conn(prev, nid, 900.0))
        prev = nid
    conns += [_conn(prev, 4, 1000.0), _conn(prev, 5, -1000.0), _conn(prev, 6, 1000.0)]
    g = {"format": "cppn/1", "nodes": nodes, "conns": conns, "params": {}}
    assert np.all(np.isfinite(P.describe(g)))
    assert render(g, 16).shape == (16, 16, 3)


# -- property -----------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    steps=st.lists(
        st.tuples(st.sampled_from(["vary", "cross", "interpolate", "edit"]), st.floats(0, 1)),
        max_size=5,
    ),
    size=st.integers(1, 40),
)
def test_random_genomes_always_render(seed, steps, size):
    rng = np.random.default_rng(seed)
    g = P.fresh(rng)
    for op, x in steps:
        if op == "vary":
            g = P.vary(g, x, rng)
        elif op == "cross":
            g = P.cross(g, P.fresh(rng), rng)
        elif op == "interpolate":
            g = P.interpolate(g, P.vary(g, 1.0, rng), x)
        else:
            g = P.edit(g, {"hue_shift": 360 * x, "zoom": 0.5 + x, "symmetry": "radial-4"})
        assert P.validate(g) is g
    g = json.loads(json.dumps(g))
    with Image.open(io.BytesIO(P.render(g, size=size))) as im:
        assert im.format == "PNG" and im.size == (size, size)
    assert all(math.isfinite(v) for v in P.describe(g))


class TestCPPNConformance(PartnerConformance):
    partner = CPPNPartner()


def test_fresh_images_are_never_blank() -> None:
    """A fresh proposal is something to look at: not black, not white, not flat."""
    from cocreate.partners.cppn.network import pixels

    partner = CPPNPartner()
    for seed in range(120):
        px = pixels(partner.fresh(np.random.default_rng(seed), None), 24).astype(float)
        assert px.std() >= 8.0 and 16.0 <= px.mean() <= 240.0, seed
