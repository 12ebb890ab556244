"""The co-creation loop through the public Python API, on every storage backend."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import cocreate
from cocreate import (
    Cancelled,
    ForeignArtifact,
    InputError,
    InvalidContent,
    InvalidJudgment,
    JudgmentKind,
    NothingToUndo,
    Operator,
    UnknownDomain,
    UnknownPartner,
)
from cocreate.attunement import AttunedStrategy, BayesianTasteModel
from cocreate.partners import create as create_partner
from cocreate.preferences import describe_attunement


def new_work(studio: cocreate.Studio, **kw) -> cocreate.Work:
    return studio.create_work(domain="toy", creator="ana", intention="calm numbers", **kw)


def test_the_loop(studio: cocreate.Studio) -> None:
    work = new_work(studio)
    proposals = work.propose(9)
    assert len(proposals) == 9 and len({p.id for p in proposals}) == 9
    p = proposals[2]
    assert p.media_type == "text/plain" and p.content == studio.media.get(p.content_hash)
    assert p.partner == "toy" and isinstance(p.seed, int) and p.parents == ()
    assert all(q.reason for q in proposals)

    j = work.choose(p)
    assert j.kind is JudgmentKind.CHOOSE and set(j.among) == {q.id for q in proposals}
    work.reject(proposals[0])
    work.rate(proposals[1], 4)
    work.skip(proposals[3])

    nxt = work.propose(9, surprise=0.0)
    built_on = {parent for q in nxt for parent in q.parents}
    assert p.id in built_on, "the next round builds on the pick"
    assert proposals[0].id not in built_on, "never on what was rejected"

    # the same operator, parents and seed reproduce the genome
    toy = create_partner("toy")
    child = work.variations(p, 2, strength=0.4, by="ben")[0]
    assert work._s.requests[3]["actor"] == "ben" and work._s.requests[3]["parents"] == [p.id]
    parent = work.artifact(child.parents[0])
    again = toy.vary(parent.genome, child.recipe.strength, np.random.default_rng(child.seed))
    assert again == child.genome
    assert toy.render(again) == child.content


def test_the_strategy_names_what_the_next_round_builds_on(studio: cocreate.Studio) -> None:
    from cocreate.proposing import DiverseStrategy

    class Steer(DiverseStrategy):
        def anchors(self, liked, candidates, feedback, work_id, k=4):
            self.asked = (list(liked), list(candidates), work_id)
            return [c for c in candidates if c not in liked][:1]

    studio.strategy = Steer()
    work = new_work(studio)
    first = work.propose(4)
    work.choose(first[0])
    work.reject(first[1])
    nxt = work.propose(6, surprise=0.0)
    liked, candidates, work_id = studio.strategy_for(work.id, "ana").asked
    assert liked == [first[0].id] and work_id == work.id
    assert set(candidates) == {first[0].id, first[2].id, first[3].id}, "never a rejected one"
    chosen = next(c for c in candidates if c != first[0].id)
    parents = {p for q in nxt for p in q.parents}
    assert parents == {chosen}, "the round builds on what the strategy named, not the pick"


def test_attuned_anchors_are_the_models_favourites(studio: cocreate.Studio) -> None:
    work = new_work(studio)
    for _ in range(4):
        shown = work.propose(4, surprise=0.0)
        work.choose(max(shown, key=lambda a: a.features[0]))  # a taste for feature 0
    s = work._s
    feedback = studio.feedback("ana", "toy", work.id)
    from cocreate.rounds import RoundMaker

    picked = RoundMaker(work).anchors(s, feedback, "ana")
    model = studio.strategy_for(work.id, "ana").model_
    judged = [i for i in s.artifacts if i in feedback.features]
    best = max(judged, key=lambda i: float(model.predict(feedback.features[i][None])[0]))
    assert picked[0] == best and len(picked) <= 4
    assert s.liked()[0] in picked, "the latest pick is still built on"


def test_snapshots_are_immutable(studio: cocreate.Studio) -> None:
    work = new_work(studio)
    p = work.propose(3)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.reason = "changed"  # type: ignore[misc]
    work.choose(p)
    assert work.artifact(p.id).reason == p.reason


def test_every_kind_of_judgment_is_recorded(studio: cocreate.Studio) -> None:
    work = new_work(studio)
    a, b, c, d = work.propose(4)
    work.rank(a, d)
    work.compare(b, c)
    work.note(b, "the rhythm of this one")
    judgments = work.judgments()
    kinds = [j.kind for j in judgments]
    assert kinds == [JudgmentKind.RANK, JudgmentKind.COMPARE, JudgmentKind.NOTE]
    assert judgments[0].artifact == a.id and judgments[0].other == d.id
    assert set(judgments[0].among) == {a.id, b.id, c.id, d.id}
    assert judgments[2].text == "the rhythm of this one"


def test_undo_is_a_compensating_event(studio: cocreate.Studio) -> None:
    work = new_work(studio)
    ps = work.propose(4)
    work.choose(ps[1])
    before = len(work.events())
    undone = work.undo()
    assert len(work.events()) == before + 1, "undo appends; it deletes nothing"
    assert work.judgments()[0].id == undone and work.judgments()[0].undone
    assert work.current() is None
    assert studio.verify().ok
    with pytest.raises(NothingToUndo):
        work.undo()


def test_contribute_and_edit_make_new_nodes(studio: cocreate.Studio) -> None:
    work = new_work(studio)
    mine = work.contribute(b"0.5 0.5 0.5 0.5", "text/plain", by="ana")
    assert mine.origin == "human" and mine.author == "ana" and mine.recipe is None
    p = work.propose(3)[0]
    edited = work.edit(p, adjustments={"shift": 0.1}, by="ana")
    assert edited.parents == (p.id,) and edited.operator is Operator.EDIT
    assert work.artifact(p.id).content == p.content, "the original is never overwritten"
    by_hand = work.edit(p, b"0.1 0.1 0.1 0.1", by="ana")
    assert by_hand.content == b"0.1 0.1 0.1 0.1" and by_hand.parents == (p.id,)
    # the person's material is a starting point for the partner
    nxt = work.propose(8, parents=[mine])
    assert all(q.parents == (mine.id,) for q in nxt)


def test_history_is_a_branching_tree(studio: cocreate.Studio) -> None:
    work = new_work(studio)
    first = work.propose(3)
    work.choose(first[0])
    second = work.variations(first[0], 3, strength=0.2)
    work.restore(first[1])
    third = work.variations(first[1], 2)
    h = work.history()
    assert len(h) == 8
    assert set(h[first[0].id].children) == {q.id for q in second}
    assert set(h[first[1].id].children) == {q.id for q in third}
    assert set(h.roots) == {q.id for q in first}
    assert h.lineage(second[0].id) == [first[0].id, second[0].id]
    assert h[first[0].id].status == "chosen"
    assert h.current == first[1].id
    depths = dict((n.artifact.id, d) for d, n in h.walk())
    assert depths[second[0].id] == 1


def test_interpolate_and_crossover(studio: cocreate.Studio) -> None:
    work = new_work(studio)
    a, b = work.propose(2)
    strip = work.interpolate(a, b, 3)
    va, vb = np.array(a.genome["v"]), np.array(b.genome["v"])
    mids = [np.array(x.genome["v"]) for x in strip]
    assert np.allclose(mids[1], (va + vb) / 2, atol=1e-5)
    kids = work.crossover(a, b, 3)
    assert all(set(k.parents) == {a.id, b.id} for k in kids)


def test_studio_reopens_with_everything(sqlite_studio: cocreate.Studio, tmp_path) -> None:
    work = new_work(sqlite_studio)
    ps = work.propose(4)
    work.choose(ps[3])
    url = sqlite_studio.url
    sqlite_studio.close()
    with cocreate.Studio(url) as again:
        w = again.work(work.id[:6])
        assert w.current().id == ps[3].id
        assert w.artifact(ps[0].id[:10]).content == ps[0].content
        assert again.verify().ok


def test_two_people_on_one_work(memory_studio: cocreate.Studio) -> None:
    work = new_work(memory_studio)
    ps = work.propose(4)
    work.choose(ps[0], by="ana")
    work.choose(ps[1], by="ben")
    work.undo(by="ana")
    live = [j for j in work.judgments() if not j.undone]
    assert [j.actor for j in live] == ["ben"]


def test_cancel_stores_nothing(memory_studio: cocreate.Studio) -> None:
    work = new_work(memory_studio)
    before = len(work.events())
    with pytest.raises(Cancelled):
        work.propose(4, progress=lambda done, total: done < 5)
    assert len(work.events()) == before


def test_surprise_dial_and_intention(memory_studio: cocreate.Studio) -> None:
    work = new_work(memory_studio, surprise=0.2)
    assert work.surprise == 0.2
    work.set_surprise(0.9)
    assert work.surprise == 0.9
    work.revise({"brief": "bolder numbers", "constraints": ["no zeros"]})
    assert work.intention.brief == "bolder numbers"
    work.undo()
    assert work.intention.brief == "calm numbers"
    work.undo()
    assert work.surprise == 0.2


# -- bad input --------------------------------------------------------------------------
def test_bad_input_is_named_and_loses_nothing(studio: cocreate.Studio) -> None:
    work = new_work(studio)
    ps = work.propose(3)
    other = new_work(studio)
    theirs = other.propose(2)
    count = studio.storage.head()[0]

    cases = [
        (UnknownDomain, "domain", lambda: studio.create_work("sculpture", "ana", "x")),
        (UnknownPartner, "partner", lambda: studio.create_work("toy", "ana", "x", partner="nope")),
        (InputError, "brief", lambda: studio.create_work("toy", "ana", "  ")),
        (InputError, "reserved", lambda: studio.create_work("toy", "ai:toy", "x")),
        (InvalidContent, "empty", lambda: work.contribute(b"", "text/plain")),
        (InvalidContent, "limit", lambda: work.contribute(b"x" * (51 * 2**20), "text/plain")),
        (InvalidContent, "media type", lambda: work.contribute(b"abc", "application/x-unknown")),
        (InvalidContent, "image/png", lambda: work.contribute(b"not a png", "image/png")),
        (InvalidContent, "toy material", lambda: work.contribute(b"hello", "text/plain")),
        (ForeignArtifact, "belongs to work", lambda: work.choose(theirs[0])),
        (ForeignArtifact, "not part of", lambda: work.choose(theirs[0].id)),
        (InvalidJudgment, "1 to 5", lambda: work.rate(ps[0], 6)),
        (InvalidJudgment, "1 to 5", lambda: work.rate(ps[0], True)),
        (InvalidJudgment, "different", lambda: work.compare(ps[0], ps[0])),
        (InvalidJudgment, "note", lambda: work.note(ps[0], "   ")),
        (InputError, "from 1 to", lambda: work.propose(0)),
        (InputError, "surprise", lambda: work.propose(2, surprise=3)),
        (InputError, "either", lambda: work.edit(ps[0])),
        (cocreate.WorkNotFound, "no work", lambda: studio.work("zzzz")),
    ]
    for error, words, call in cases:
        with pytest.raises(error) as info:
            call()
        assert words in str(info.value), f"{error.__name__}: {info.value}"
    assert studio.storage.head()[0] == count, "a refused act stores nothing"
    assert studio.verify().ok
    assert [a.id for a in work.round(1)] == [p.id for p in ps]


def test_creators_and_taste_profile(memory_studio: cocreate.Studio) -> None:
    memory_studio.register_creator(
        cocreate.Creator("ana", name="Ana", legal_name="Ana Ruiz", ipi="123")
    )
    work = new_work(memory_studio)
    for _ in range(3):
        ps = work.propose(4)
        work.choose(ps[0])
        work.rate(ps[1], 2)
    (ana,) = memory_studio.creators()
    assert ana.legal_name == "Ana Ruiz" and ana.ipi == "123"
    taste = memory_studio.taste("ana", "toy")
    assert taste["comparisons"] == 9 and taste["ratings"] == 3
    assert taste["model"]["format"] == "cocreate-taste/1" and taste["model"]["n_judgments"] == 12
    assert "judgments" in taste["summary"]
    held = taste["model"]["held_out"]  # three choices: too few to test the model on
    assert held == {
        "choices": 3,
        "accuracy": None,
        "chance": 0.25,
        "tested": False,
        "above_chance": False,
    }
    assert "too few choices yet" in taste["summary"]
    ideal = taste["ideal_point"]  # where the proposing model thinks the favourite spot is
    names = create_partner("toy").feature_names
    assert list(ideal["ideal"]) == list(names) and ideal["n_judgments"] == 12
    assert all(v > 0 for v in ideal["uncertainty"].values()) and ideal["width"] > 0
    # as the default strategy's model: two homes, the first the favourite
    first, second = ideal["homes"]
    assert first["ideal"] == ideal["ideal"] and first["height"] == 1.0
    assert list(second["ideal"]) == list(names) and 0 < second["height"] <= 1.0
    events = len(memory_studio.events())
    with pytest.raises(cocreate.UnknownDomain, match="unknown domain 'tyo'"):
        memory_studio.reset_taste("ana", "tyo")  # a typo is refused, not recorded as a reset
    assert len(memory_studio.events()) == events
    memory_studio.reset_taste("ana", "toy")
    assert len(memory_studio.events()) == events + 1
    assert memory_studio.taste("ana", "toy")["ideal_point"] is None
    assert memory_studio.taste("ana", "toy")["judgments"] == 0
    assert len(work.judgments()) == 6, "a reset forgets the taste, not the ledger"
    # a later work starts from the profile of the earlier ones
    ps = work.propose(4)
    work.choose(ps[2])
    later = new_work(memory_studio)
    assert len(memory_studio.feedback("ana", "toy", later.id).comparisons) == 3


class _CountedModel(BayesianTasteModel):
    """The Bradley–Terry model, counting its fits (its clones share the count)."""

    fits = 0

    def fit(self, data, work_id=None):
        type(self).fits += 1
        return super().fit(data, work_id)


def test_taste_profile_is_of_the_model_that_proposes(memory_studio: cocreate.Studio) -> None:
    work = new_work(memory_studio)
    for _ in range(6):
        ps = work.propose(4)
        work.choose(ps[1])
    shown = memory_studio.taste("ana", "toy")
    assert shown["model"]["model"]["model"] == "ideal-point/1", "the default strategy's model"
    assert shown["ideal_point"]["n_judgments"] == 18
    rows = shown["model"]["top_features"]
    names = set(create_partner("toy").feature_names)
    assert rows and {r["name"] for r in rows} <= names
    assert all(np.isfinite(r["weight"]) and r["std"] > 0 for r in rows)

    # a strategy with another model: the profile is that model's, and no spot it does not have
    _CountedModel.fits = 0
    other = cocreate.Studio("memory://", strategy=AttunedStrategy(model=_CountedModel()))
    work = new_work(other)
    for _ in range(6):
        ps = work.propose(4)
        work.choose(ps[1])
    fitted_while_proposing = _CountedModel.fits
    taste = other.taste("ana", "toy")
    assert taste["model"]["model"]["model"] == "bayesian-bradley-terry/1"
    assert "ideal_point" not in taste
    fits = _CountedModel.fits - fitted_while_proposing
    assert fits == 6, "one fit, and one for each of the five folds of the held-out test"
    assert other.taste("ana", "toy") == taste and _CountedModel.fits - fitted_while_proposing == 6
    work.choose(work.propose(4)[0])  # a new judgment: fitted afresh
    before = _CountedModel.fits
    assert other.taste("ana", "toy")["comparisons"] == taste["comparisons"] + 3
    assert _CountedModel.fits == before + 6
    other.close()


def _naive_feedback(studio: cocreate.Studio, creator: str, domain: str, work_id: str):
    """Feedback rebuilt from every work of the domain (what the activity index replaces)."""
    from cocreate.model import EventKind
    from cocreate.preferences import feedback_from_states

    reset = max(
        [
            e.seq
            for e in studio.storage.events(kinds=[EventKind.TASTE_RESET])
            if e.actor == creator and e.payload.get("domain") == domain
        ],
        default=0,
    )
    states = [studio._state(w.id) for w in studio.works(domain=domain)]
    return feedback_from_states(states, creator, work_id, after_seq=reset)


def test_feedback_reads_only_the_works_a_person_taught(
    sqlite_studio: cocreate.Studio, tmp_path
) -> None:
    st = sqlite_studio
    mine, shared = new_work(st), new_work(st)
    bens = st.create_work(domain="toy", creator="ben", intention="loud numbers")
    for work, who in ((mine, "ana"), (shared, "ben"), (shared, "ana"), (bens, "ben")):
        ps = work.propose(4, by=who)
        work.choose(ps[1], by=who)
    untouched = new_work(st)  # ana created it but taught nothing in it yet
    untouched.propose(4)
    # another process on the same ledger, without the taste memories kept beside it: it
    # reads only the works each person taught
    with st.storage.raw_connection() as conn:
        conn.exec_driver_sql("DELETE FROM derived")
        conn.commit()
    with cocreate.Studio(st.url, seed=5) as other:
        read: set[str] = set()
        events = other.storage.events

        def counted(**kw):
            read.add(kw.get("work_id"))
            return events(**kw)

        other.storage.events = counted  # type: ignore[method-assign]
        for who in ("ana", "ben"):
            got = other.feedback(who, "toy", untouched.id)
            want = _naive_feedback(st, who, "toy", untouched.id)
            assert got.comparisons == want.comparisons and len(got.comparisons) == 6
            assert set(got.features) == set(want.features)
        # the works each person taught in, and the work the feedback is for; no other
        assert read - {None} == {mine.id, shared.id, bens.id, untouched.id}
        # what the first studio appends later, and a reset, reach the other one
        ps = mine.propose(4)
        mine.choose(ps[0])
        assert len(other.feedback("ana", "toy").comparisons) == 9
        st.reset_taste("ana", "toy")
        assert len(other.feedback("ana", "toy").comparisons) == 0
        assert len(other.feedback("ben", "toy").comparisons) == 6, "a reset is per person"
        mine.rate(ps[1], 5)
        fb = other.feedback("ana", "toy")
        assert len(fb.ratings) == 1 and fb.comparisons == []


def test_an_image_work_learns_with_the_image_domains_model(tmp_path) -> None:
    from cocreate.attunement import AttunedStrategy, BayesianTasteModel, IdealPointTasteModel

    strategy = AttunedStrategy()
    with cocreate.Studio("memory://", media=tmp_path / "m", pool_size=8, strategy=strategy) as st:
        assert st.feedback("ana", "image").domain == "image"
        work = st.create_work("image", "ana", "a calm emblem")
        work.choose(work.propose(3)[0])
        work.propose(3)
        assert isinstance(st.strategy_for(work.id, "ana").model_, BayesianTasteModel)
        design = st.create_work("design", "ana", "a poster")
        design.choose(design.propose(3)[1])
        design.propose(3)
        assert isinstance(st.strategy_for(design.id, "ana").model_, IdealPointTasteModel)
        assert strategy.model_ is None, "the studio's strategy is a template, never fitted"


def test_a_file_the_partner_cannot_read_stays_in_the_work_but_out_of_the_pool(tmp_path) -> None:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 30)).save(buf, "GIF")
    with cocreate.Studio("memory://", media=tmp_path / "m", seed=2, pool_size=8) as st:
        work = st.create_work("image", "ana", "green")
        gif = work.contribute(buf.getvalue(), "image/gif")
        work.choose(gif)  # liked, but the image partner reads only PNG and JPEG
        shown = work.propose(4)
        assert len(shown) == 4 and all(gif.id not in a.parents for a in shown)
        assert work.artifact(gif).content == buf.getvalue()
        with pytest.raises(InputError, match=gif.id[:8]):
            work.propose(2, parents=[gif])
        assert len(work.history().rounds) >= 1


def test_a_set_that_steps_away_says_so_to_the_person(tmp_path) -> None:
    from cocreate.attunement import AttunedStrategy

    strategy = AttunedStrategy(step_away=1, away_radius=0.15)
    with cocreate.Studio(
        "memory://", media=tmp_path / "m", seed=4, pool_size=40, strategy=strategy
    ) as st:
        work = st.create_work("design", "ana", "a quiet poster")
        stepped = []
        for _ in range(6):
            shown = work.propose(3)
            if st.strategy_for(work.id, "ana").last_away_:
                stepped.append(shown)
            work.choose(shown[0])  # the predicted pick comes first
        assert stepped, "picking the favourite every round leads to a set away from it"
        away = "the best guess away from your favourite"
        assert all(away in s[0].reason for s in stepped), [s[0].reason for s in stepped]
        assert all(away not in a.reason for s in stepped for a in s[1:])
        again = st.work(work.id).artifact(stepped[0][0].id)
        assert again.reason == stepped[0][0].reason, "the reason is stored with the artifact"
        # the attunement curve marks the rounds that stepped away, read back from the ledger
        curve = st.work(work.id).attunement()
        away_rounds = {s[0].round for s in stepped}
        assert {r["round"] for r in curve["rounds"] if r["away"]} == away_rounds
        assert curve["away_rounds"] == len(away_rounds)
        home = [r for r in curve["rounds"] if not r["away"]]
        assert curve["with_favourite"]["rounds"] == len(home) == 6 - len(away_rounds)
        assert curve["with_favourite"]["accuracy"] == pytest.approx(
            sum(r["hit"] for r in home) / len(home)
        )
        assert curve["with_favourite"]["chance"] == pytest.approx(1 / 3)
        assert curve["accuracy"] == pytest.approx(sum(r["hit"] for r in curve["rounds"]) / 6)
        line = describe_attunement(curve)
        n_sets = "1 set" if len(away_rounds) == 1 else f"{len(away_rounds)} sets"
        assert f"{n_sets} left it out on purpose" in line, line
