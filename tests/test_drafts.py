"""The draft: operations on units with origins, through the ledger, by several people.

A text or score work has a draft that operations change in place (one act
each, no node); a direct partner's suggestions are accepted into it with the
partner's origin; undo and redo are per person; a stale operation is refused.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cocreate
from cocreate.content import Delete, Insert, Replace, UnitOrigin
from cocreate.partners import register
from cocreate.partners.base import Partner
from cocreate.proposing import Candidate


class Suggester(Partner):
    """A direct partner: it writes N continuations of the draft itself (no pool)."""

    name = "suggester"
    domain = "toytext"
    media_type = "text/plain"
    model_id = "suggester-words"
    version = "0.1"
    feature_names = ("length", "vowels")
    round_kind = "direct"
    WORDS = ("sea", "salt", "rope", "gull", "fog", "tide", "oar", "keel")

    def fresh(self, rng: np.random.Generator, intention: Any = None) -> dict:
        return {"text": " " + str(rng.choice(self.WORDS)), "ops": []}

    def vary(self, genome: dict, strength: float, rng: np.random.Generator) -> dict:
        return self.fresh(rng)

    def generate(self, request, parents, n, rng, steering) -> list[Candidate]:
        draft = parents.get("draft") or {"text": "", "version": 0}
        at = len(draft["text"])
        out = []
        for _ in range(n):
            seed = int(rng.integers(2**31))
            words = np.random.default_rng(seed).choice(self.WORDS, 2)
            text = " " + " ".join(str(w) for w in words)
            genome = {
                "text": text,
                "ops": [Insert(at, text).to_dict()],
                "base": draft["version"],
                "temperature": steering.get("temperature"),
            }
            out.append(Candidate(genome, "continue", (), seed))
        return out

    def render(self, genome: Mapping, *, size: int | None = None) -> bytes:
        return genome["text"].encode()

    def describe(self, genome: Mapping | None, content: bytes | None = None) -> np.ndarray:
        text = genome["text"] if genome is not None else (content or b"").decode()
        vowels = sum(ch in "aeiou" for ch in text)
        return np.array([min(len(text) / 20, 1.0), vowels / max(len(text), 1)])


register(Suggester)
cocreate.register_operator(cocreate.OperatorSpec("continue", "a continuation at the cursor"))


def test_two_people_type_undo_and_redo_with_exact_origins(studio: cocreate.Studio) -> None:
    work = studio.create_work("toytext", "ana", "a sea story")
    work.type("The keeper waited", by="ana")
    work.type(" for the boat.", by="ben")
    work.edit_text(pos=4, delete=6, insert="warden", by="ben")  # ben types over ana's word
    doc = work.document()
    assert doc.text == "The warden waited for the boat."
    assert [(a, b, o.actor) for a, b, o in doc.origins()] == [
        (0, 4, "ana"),
        (4, 10, "ben"),
        (10, 17, "ana"),
        (17, 31, "ben"),
    ]
    work.undo(by="ana")  # ana's typing goes, ben's over it stays
    assert work.document().text == "warden for the boat."
    work.redo(by="ana")
    assert work.document().text == "The warden waited for the boat."
    with pytest.raises(cocreate.NothingToUndo, match="nothing to redo"):
        work.redo(by="ana")
    work.undo(by="ben")  # ben's latest: the warden edit; ana's keeper comes back
    assert work.document().text == "The keeper waited for the boat."
    # another studio on the same ledger folds the same draft
    again = cocreate.Studio(storage=studio.storage, media=studio.media).work(work.id)
    assert again.document().to_dict() == work.document().to_dict()
    report = work.attribution()
    shares = {u.contributor: u.weight for u in report.units}
    assert shares == pytest.approx({"ana": 17 / 31, "ben": 14 / 31})
    assert {c.id for c in report.people} == {"ana", "ben"}


def test_bad_operations_are_named_and_store_nothing(studio: cocreate.Studio) -> None:
    work = studio.create_work("toytext", "ana", "a sea story")
    v = work.type("salt and rope", by="ana")
    before = (len(work.events()), work.document().to_dict())
    cases = [
        (cocreate.InputError, "past the end", [Delete(10, 9)]),
        (cocreate.InputError, "position", [Insert(99, "x")]),
        (cocreate.InputError, "non-empty list", []),
        (cocreate.InputError, "not one", [{"op": "explode", "at": 1}]),
        (cocreate.InputError, "past the end", [Insert(0, "ok "), Delete(14, 5)]),  # atomic
    ]
    for error, words, ops in cases:
        with pytest.raises(error, match=words):
            work.apply(ops, by="ana")
        assert (len(work.events()), work.document().to_dict()) == before
    work.type(" and fog", by="ben")
    with pytest.raises(cocreate.Conflict, match="changed since"):
        work.apply([Replace(0, 4, "SALT")], by="ana", base=v)  # made on an older draft
    assert work.document().text == "salt and rope and fog"
    image = studio.create_work("design", "ana", "a poster")
    with pytest.raises(cocreate.InputError, match="one whole file"):
        image.apply([Insert(0, "x")], by="ana")


def test_a_direct_round_is_generated_and_accepted_with_the_partners_origin(
    studio: cocreate.Studio,
) -> None:
    work = studio.create_work("toytext", "ana", "a sea story")
    work.type("The keeper", by="ana")
    shown = work.propose(3, operator="continue")
    assert len(shown) == 3 and all(a.operator == "continue" for a in shown)
    assert all(a.recipe.params["temperature"] == pytest.approx(0.88) for a in shown)
    assert sum(a.predicted for a in shown) <= 1
    pick = shown[1]
    work.choose(pick)
    doc = work.document()
    assert doc.text == "The keeper" + pick.content.decode()
    origin = doc.origin_at(len("The keeper") + 1)
    assert origin == UnitOrigin.partner(
        "suggester",
        model_id="suggester-words",
        version="0.1",
        params=dict(pick.recipe.params),
        seed=pick.seed,
    )
    (j,) = work.judgments()
    assert j.kind is cocreate.JudgmentKind.CHOOSE and j.artifact == pick.id
    assert set(j.among) == {a.id for a in shown}, "accepting is choosing among the round"
    fb = studio.feedback("ana", "toytext", work.id)
    assert {c.winner for c in fb.comparisons} == {pick.id}, "the acceptance teaches the taste"
    report = work.attribution()
    ai = [c for c in report.contributors if c.kind == "ai"]
    assert [c.id for c in ai] == ["ai:suggester"]
    assert report.ai_content_share == pytest.approx(len(pick.content) / len(doc.text))
    work.undo()  # one act: the choice and the inserted text go together
    assert work.document().text == "The keeper" and work.judgments()[0].undone
    # a suggestion made on an older draft is refused, not inserted at a wrong place
    stale = work.propose(2, operator="continue")
    work.type(" slept", by="ben")
    with pytest.raises(cocreate.Conflict):
        work.choose(stale[0])
    assert work.document().text == "The keeper slept"


def _typist(url: str, media: str, work_id: str, who: str, n: int, out: Any) -> None:
    from test_drafts import Suggester

    register(Suggester)
    st = cocreate.Studio(url, media=media)
    work = st.work(work_id)
    rng = np.random.default_rng(abs(hash(who)) % 2**32)
    for k in range(n):
        at = int(rng.integers(0, len(work.document()) + 1))
        work.apply([Insert(at, f"{who[0]}")], by=who)
        if k % 7 == 3:
            work.apply([Delete(0, 1)], by=who)
    st.close()
    out.put(who)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_typists_in_two_processes_lose_no_keystroke(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from conftest import storage_url

    url = storage_url(backend, tmp_path, request)
    media = str(tmp_path / "media")
    with cocreate.Studio(url, media=media) as st:
        work = st.create_work("toytext", "ana", "two typists")
        wid = work.id
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    n = 40
    procs = [
        ctx.Process(target=_typist, args=(url, media, wid, who, n, q)) for who in ("ana", "ben")
    ]
    for p in procs:
        p.start()
    assert sorted(q.get(timeout=180) for _ in procs) == ["ana", "ben"]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    with cocreate.Studio(url, media=media) as st:
        work = st.work(wid)
        doc = work.document()
        deletes = 2 * len([k for k in range(n) if k % 7 == 3])
        assert len(doc) == 2 * n - deletes, "every keystroke landed, every delete took one"
        counts = {o.actor: c for o, c in doc.count_by_origin().items()}
        assert set(doc.text) <= {"a", "b"}
        assert counts.get("ana", 0) == doc.text.count("a")
        assert counts.get("ben", 0) == doc.text.count("b")
        applied = [e for e in work.events() if e.kind == "content.applied"]
        assert len(applied) == 2 * n + deletes, "nothing recorded twice"
        assert st.storage.verify().ok  # the chain; checkpoints under two writers: see note
