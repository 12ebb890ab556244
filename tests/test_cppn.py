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


# -- describing a pool at once: the same features as before the batched path ---------
#
# The reference below is describe() as it was before describe_many (commit e3b4bdb):
# each genome's preview drawn alone (np.mod for the hue wheel), box-averaged, and
# described one feature at a time. The batched path must give the same numbers, so that
# the taste models and the attunement benchmark see exactly what they saw.


def _reference_pixels(genome: dict, size: int) -> np.ndarray:
    from cocreate.partners.cppn.network import CHUNK_PIXELS, _fold, compile_network

    net = compile_network(genome)
    p = cg.params_of(genome)
    coords = (np.arange(1 - size, size, 2, dtype=np.float32)) / np.float32(size)
    us, vs = coords, -coords
    theta = -math.radians(p["rotate"])
    zoom = float(p["zoom"])
    cos_t, sin_t = np.float32(math.cos(theta) / zoom), np.float32(math.sin(theta) / zoom)
    pan_x, pan_y = np.float32(p["pan_x"]), np.float32(p["pan_y"])
    hue, hue_scale = np.float32(p["hue"]), np.float32(p["hue_range"] * 0.5)
    sat, bright = np.float32(p["saturation"]), np.float32(p["brightness"])
    contrast = np.float32(p["contrast"])
    image = np.empty((size, size, 3), dtype=np.uint8)
    rows = max(1, CHUNK_PIXELS // size)
    for r0 in range(0, size, rows):
        r1 = min(size, r0 + rows)
        u = np.broadcast_to(us, (r1 - r0, size))
        v = np.broadcast_to(vs[r0:r1, None], (r1 - r0, size))
        u, v = _fold(u, v, p["symmetry"])
        x = u * cos_t - v * sin_t + pan_x
        y = u * sin_t + v * cos_t + pan_y
        oh, os_, ov = net(x, y, np.sqrt(x * x + y * y))
        h = oh * hue_scale + hue
        np.mod(h, np.float32(1.0), out=h)
        s = np.clip((os_ + np.float32(1.0)) * np.float32(0.5), 0.0, 1.0)
        s *= sat
        np.clip(s, 0.0, 1.0, out=s)
        val = np.clip((ov + np.float32(1.0)) * np.float32(0.5), 0.0, 1.0)
        val -= np.float32(0.5)
        val *= contrast
        val += np.float32(0.5) + bright
        np.clip(val, 0.0, 1.0, out=val)
        _reference_hsv_to_rgb(h, s, val, image[r0:r1])
    return image


def _reference_hsv_to_rgb(h, s, v, out) -> None:
    c = v * s
    h6 = h * np.float32(6.0)
    k = np.empty_like(h)
    for channel, n in enumerate((5.0, 3.0, 1.0)):
        np.add(h6, np.float32(n), out=k)
        np.mod(k, np.float32(6.0), out=k)
        np.minimum(k, np.float32(4.0) - k, out=k)
        np.clip(k, 0.0, 1.0, out=k)
        k *= c
        np.subtract(v, k, out=k)
        k *= np.float32(255.0)
        k += np.float32(0.5)
        out[..., channel] = k


_M1 = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
_M2 = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)


def _reference_features(rgb: np.ndarray) -> np.ndarray:
    def circular(angles, weights):
        total = float(weights.sum())
        if total <= 1e-12:
            return 0.5, 0.5, 0.0
        c = float((weights * np.cos(angles)).sum()) / total
        s = float((weights * np.sin(angles)).sum()) / total
        r = math.hypot(c, s)
        if r <= 1e-12:
            return 0.5, 0.5, 0.0
        return 0.5 + 0.5 * c / r, 0.5 + 0.5 * s / r, r

    def symmetry(lab, other, spread):
        return 1.0 - float(np.abs(lab - other).sum(axis=-1).mean()) / (2.0 * spread + 1e-3)

    c = rgb.astype(np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    lab = np.cbrt(linear @ _M1.T) @ _M2.T
    L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    chroma = np.hypot(a, b)
    hue = np.arctan2(b, a)
    hue_cos, hue_sin, hue_conc = circular(hue, chroma)
    warmth = 0.5 + float((chroma * np.cos(hue - math.radians(55.0))).mean()) / 0.6
    spread = float(np.abs(lab - lab.reshape(-1, 3).mean(axis=0)).sum(axis=-1).mean())
    counts = np.histogram(np.clip(L, 0.0, 1.0), bins=32, range=(0.0, 1.0))[0]
    p = counts[counts > 0] / counts.sum()
    pad = np.pad(L, 1, mode="edge")
    gx = (pad[:-2, 2:] + 2 * pad[1:-1, 2:] + pad[2:, 2:]) - (
        pad[:-2, :-2] + 2 * pad[1:-1, :-2] + pad[2:, :-2]
    )
    gy = (pad[:-2, :-2] + 2 * pad[:-2, 1:-1] + pad[:-2, 2:]) - (
        pad[2:, :-2] + 2 * pad[2:, 1:-1] + pad[2:, 2:]
    )
    gx, gy = gx / 4.0, gy / 4.0
    magnitude = np.hypot(gx, gy)
    orient = circular(2.0 * np.arctan2(gy, gx), magnitude)
    n = L.shape[0]
    window = np.outer(np.hanning(n), np.hanning(n))
    power = np.abs(np.fft.fft2((L - L.mean()) * window)) ** 2
    f = np.fft.fftfreq(n)
    radius = np.hypot(f[:, None], f[None, :])
    total = float(power.sum())
    centroid = float((radius * power).sum()) / total / 0.5 if total > 1e-12 else 0.0
    high = float(power[radius > 0.25].sum()) / total if total > 1e-12 else 0.0
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, "PNG", compress_level=9)
    values = [
        float(L.mean()),
        2.0 * float(L.std()),
        0.5 + float(a.mean()) / 0.6,
        float(a.std()) / 0.3,
        0.5 + float(b.mean()) / 0.7,
        float(b.std()) / 0.3,
        float(chroma.mean()) / 0.33,
        float(chroma.std()) / 0.17,
        hue_cos,
        hue_sin,
        hue_conc,
        warmth,
        symmetry(lab, lab[:, ::-1], spread),
        symmetry(lab, lab[::-1, :], spread),
        symmetry(lab, np.rot90(lab), spread),
        len(buf.getvalue()) / rgb.size,
        float(-(p * np.log2(p)).sum()) / 5.0,
        float((magnitude > 0.25).mean()),
        float(magnitude.mean()) / 0.5,
        *orient,
        centroid,
        high,
    ]
    return np.clip(np.nan_to_num(np.array(values, dtype=np.float64)), 0.0, 1.0)


def _reference_describe(genome: dict) -> np.ndarray:
    px = _reference_pixels(genome, 128)
    small = np.rint(px.reshape(64, 2, 64, 2, 3).astype(np.float32).mean(axis=(1, 3)))
    return _reference_features(small.astype(np.uint8))


def _genomes_of_every_operator(n: int = 10) -> list[dict]:
    """Genomes made by every operator: fresh (several intentions), vary at every strength,
    cross, interpolate, edit (every symmetry, framing and colour), adopt, grown ones."""
    rng = np.random.default_rng(2024)
    words = (None, "a calm, symmetric emblem in warm colours", "dark radial blue", "vivid muted")
    out = [fresh(s, words[s % 4]) for s in range(n)]
    for k in range(n):
        g = out[k]
        for strength in (0.0, 0.15, 0.35, 0.6, 0.85, 1.0):
            g = P.vary(g, strength, np.random.default_rng(1000 + 10 * k + int(10 * strength)))
            out.append(g)
    for k in range(2 * n):
        a, b = (out[int(i)] for i in rng.integers(len(out), size=2))
        out.append(P.cross(a, b, np.random.default_rng(k)))
        out.append(P.interpolate(a, b, float(rng.random())))
    for k in range(2 * n):
        adjustments = {
            "hue_shift": float(rng.uniform(-180, 180)),
            "saturation": float(rng.uniform(0, 4)),
            "brightness": float(rng.uniform(-1, 1)),
            "contrast": float(rng.uniform(0, 4)),
            "zoom": float(np.exp(rng.uniform(-2, 2))),
            "pan_x": float(rng.uniform(-1, 1)),
            "pan_y": float(rng.uniform(-1, 1)),
            "rotate": float(rng.uniform(-180, 180)),
        }
        picked = {key: v for key, v in adjustments.items() if rng.random() < 0.5}
        symmetry = cg.SYMMETRIES[k % len(cg.SYMMETRIES)]
        out.append(P.edit(out[int(rng.integers(len(out)))], {**picked, "symmetry": symmetry}))
    g = out[0]
    for k in range(n):
        g = P.vary(g, 0.95, np.random.default_rng(5000 + k))
        out.append(g)
    for k in range(4):
        content = P.render(out[3 * k], size=48)
        out.append(P.adopt(content, "image/png", np.random.default_rng(k)))
    return out


def test_describe_many_gives_the_features_describe_gave_before():
    genomes = _genomes_of_every_operator()
    assert len(genomes) > 140
    many = CPPNPartner().describe_many(genomes)
    assert many.shape == (len(genomes), len(P.feature_names))
    for g, row in zip(genomes, many, strict=True):
        want = _reference_describe(g)
        assert np.max(np.abs(row - want)) <= 1e-9, (g, row - want)
    alone = np.stack([CPPNPartner().describe(g) for g in genomes[::5]])
    assert np.array_equal(many[::5], alone)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    steps=st.lists(
        st.tuples(st.sampled_from(["vary", "cross", "interpolate", "edit"]), st.floats(0, 1)),
        max_size=5,
    ),
)
def test_describe_many_matches_before_on_random_genomes(seed, steps):
    rng = np.random.default_rng(seed)
    genomes = [P.fresh(rng)]
    for op, x in steps:
        g = genomes[-1]
        if op == "vary":
            genomes.append(P.vary(g, x, rng))
        elif op == "cross":
            genomes.append(P.cross(g, P.fresh(rng), rng))
        elif op == "interpolate":
            genomes.append(P.interpolate(g, P.vary(g, 1.0, rng), x))
        else:
            symmetry = cg.SYMMETRIES[int(4 * x) % 4]
            genomes.append(P.edit(g, {"zoom": 0.3 + 3 * x, "rotate": 90 * x, "symmetry": symmetry}))
    many = CPPNPartner().describe_many(genomes)
    want = np.stack([_reference_describe(g) for g in genomes])
    assert np.max(np.abs(many - want)) <= 1e-9


def test_rendering_is_unchanged_and_previews_in_a_batch_are_the_same_pixels():
    from cocreate.partners.cppn.network import pixels, pixels_many
    from cocreate.partners.cppn.partner import encode_png

    genomes = _genomes_of_every_operator(4)
    for g in genomes[::4]:
        assert P.render(g) == encode_png(_reference_pixels(g, 256))
    for size in (1, 7, 24, 128, 181, 200):  # 200 × 200 is drawn in blocks of rows
        batch = pixels_many(genomes[:20], size)
        assert batch.shape == (20, 3, size, size)
        for g, planes in zip(genomes[:20], batch, strict=True):
            assert np.array_equal(np.moveaxis(planes, 0, -1), pixels(g, size))
            assert np.array_equal(np.moveaxis(planes, 0, -1), _reference_pixels(g, size))


def test_the_hue_wheel_without_np_mod_is_the_same_numbers():
    from cocreate.partners.cppn.network import _frac, _hsv_to_rgb

    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            rng.uniform(-70, 70, 100_000).astype(np.float32),
            np.array([0.0, -0.0, 1.0, -1.0, 63.0, -64.0, 1e-30, -1e-30, -1e-8], np.float32),
            np.nextafter(np.float32([1.0, 2.0, -1.0, -3.0]), np.float32(0)),
        ]
    )
    want = np.mod(x, np.float32(1.0))
    got = _frac(x.copy())
    assert np.array_equal(got, want) and np.array_equal(np.signbit(got), np.signbit(want))
    h = np.concatenate([rng.random(50_000, dtype=np.float32), want])
    s, v = (rng.random(len(h), dtype=np.float32) for _ in range(2))
    s[:5], v[:5] = (0.0, 1.0, 1.0, 0.5, 1.0), (1.0, 1.0, 0.0, 0.5, 1.0)
    reference = np.empty((len(h), 3), np.uint8)
    _reference_hsv_to_rgb(h, s, v, reference)
    assert np.array_equal(np.moveaxis(_hsv_to_rgb(h, s, v), 0, -1), reference)


def test_describe_many_of_nothing_duplicates_and_bad_genomes():
    partner = CPPNPartner()
    empty = partner.describe_many([])
    assert empty.shape == (0, len(P.feature_names))
    g, h = fresh(1), fresh(2)
    rows = partner.describe_many([g, h, copy.deepcopy(g), g])
    assert np.array_equal(rows[0], rows[2]) and np.array_equal(rows[0], rows[3])
    assert np.array_equal(rows[1], P.describe(h)) and not np.array_equal(rows[0], rows[1])
    rows[0][:] = -1.0  # the caller's copy: the partner's memory of g is untouched
    assert np.array_equal(partner.describe_many([g])[0], P.describe(g))
    with pytest.raises(InvalidGenome):
        partner.describe_many([g, {"format": "cppn/1", "nodes": [], "conns": []}])


def test_describe_many_on_one_thread_or_several_is_the_same():
    genomes = _genomes_of_every_operator(3)[:40]
    one, several = CPPNPartner(), CPPNPartner()
    one.describe_workers, several.describe_workers = 1, 3
    assert np.array_equal(one.describe_many(genomes), several.describe_many(genomes))
