"""A taste over a lifetime of works: the memory kept beside the ledger, and what it gives."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import cocreate
from cocreate.activity import ActivityIndex
from cocreate.attunement import AttunedStrategy, BayesianTasteModel, TasteMemory
from cocreate.attunement.lifetime import PRIOR_LESSONS
from cocreate.state import WorkState


def _studio(url: str, **kw) -> cocreate.Studio:
    return cocreate.Studio(url, seed=3, strategy=AttunedStrategy(BayesianTasteModel()), **kw)


def _works(st: cocreate.Studio, person: str = "ana", works: int = 4, rounds: int = 3) -> list:
    out = []
    for k in range(works):
        w = st.create_work("toy", person, f"calm numbers {k}")
        for _ in range(rounds):
            shown = w.propose(4)
            w.choose(shown[k % 4])
            w.reject(shown[(k + 1) % 4])
        out.append(w)
    return out


def _copy(db: Path, to: Path) -> None:
    """A copy of a SQLite file in use (its write-ahead log included)."""
    src, dst = sqlite3.connect(db), sqlite3.connect(to)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def _drop_derived(url: str) -> None:
    with cocreate.Studio(url) as st, st.storage.raw_connection() as conn:
        conn.exec_driver_sql("DELETE FROM derived")
        conn.commit()


def _reads(st: cocreate.Studio) -> list:
    """The works whose events the studio reads from now on (None: reads across works)."""
    seen: list = []
    events = st.storage.events

    def counted(**kw):
        seen.append(kw.get("work_id"))
        return events(**kw)

    st.storage.events = counted  # type: ignore[method-assign]
    return seen


def _same(a: cocreate.attunement.Feedback, b: cocreate.attunement.Feedback) -> None:
    assert a.comparisons == b.comparisons and a.ratings == b.ratings
    assert list(a.features) == list(b.features)
    assert all(np.array_equal(a.features[i], b.features[i]) for i in a.features)


def _shown(work: cocreate.Work) -> list:
    return [(a.features, a.reason, a.predicted) for a in work.propose(4)]


@pytest.fixture
def lifetime(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'life.db'}"
    with _studio(url) as st:
        _works(st)
        st.feedback("ana", "toy")  # a look after the last judgments brings the memory up to date
    return url


def test_a_new_studio_reads_no_earlier_work(lifetime: str) -> None:
    with _studio(lifetime) as st:
        seen = _reads(st)
        work = st.create_work("toy", "ana", "calm numbers again")
        work.propose(4)
        assert set(seen) - {None} == {work.id}, "only the new work's own events"
        fb = st.feedback("ana", "toy", work.id)
        assert len(fb.comparisons) == 4 * 3 * (3 + 3) and {c.work_id for c in fb.comparisons}


def test_a_rebuilt_memory_gives_the_same_proposals(lifetime: str, tmp_path: Path) -> None:
    path = Path(lifetime.removeprefix("sqlite:///"))
    copies = [tmp_path / "kept.db", tmp_path / "rebuilt.db"]
    for c in copies:
        shutil.copy(path, c)
    _drop_derived(f"sqlite:///{copies[1]}")
    got = []
    for c in copies:
        with _studio(f"sqlite:///{c}", media=tmp_path / f"{c.stem}-media") as st:
            seen = _reads(st)
            latest = st.works(creator="ana")[-1]
            fb = st.feedback("ana", "toy", latest.id)
            new = st.create_work("toy", "ana", "calm numbers again")
            got.append((fb, _shown(latest), _shown(new), [w for w in seen if w]))
    (kept, *a), (rebuilt, *b) = got
    _same(kept, rebuilt)
    assert a[:2] == b[:2], "the same proposals, in an earlier work and in a new one"
    assert len(set(a[2])) == 2 and len(set(b[2])) == 5, "the rebuild read every work again"


def test_a_fresh_process_gives_what_a_warm_one_does(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warm.db'}"
    with _studio(url) as warm:
        works = _works(warm, works=3)
        _copy(tmp_path / "warm.db", tmp_path / "fresh.db")
        with _studio(f"sqlite:///{tmp_path / 'fresh.db'}", media=tmp_path / "m") as fresh:
            for w in (works[-1].id, ""):
                _same(warm.feedback("ana", "toy", w), fresh.feedback("ana", "toy", w))
            a = _shown(warm.create_work("toy", "ana", "calm numbers again"))
            b = _shown(fresh.create_work("toy", "ana", "calm numbers again"))
            assert a == b
            assert warm.taste("ana", "toy") == fresh.taste("ana", "toy")
            assert warm.attunement("ana", "toy") == fresh.attunement("ana", "toy")


def test_a_new_judgment_is_read_alone_in_another_process(lifetime: str) -> None:
    with _studio(lifetime) as a, _studio(lifetime) as b:
        first, *_, last = a.works(creator="ana")
        before = b.feedback("ana", "toy", last.id)
        seen = _reads(b)
        ps = first.propose(4)  # ana goes back to her first work, in the other process
        first.choose(ps[2])
        after = b.feedback("ana", "toy", last.id)
        assert set(seen) - {None} == {first.id, last.id}, "the work that changed, and the current"
        new = [c for c in after.comparisons if c not in before.comparisons]
        assert len(new) == 3 and {c.winner for c in new} == {ps[2].id}
        memory = b._memories[("ana", "toy")]
        assert memory.rebuilt == 0 and memory.seq == b._activity.seq
        # and a third process reads it from what the other kept beside the ledger
        with _studio(lifetime) as c:
            seen = _reads(c)
            _same(c.feedback("ana", "toy", last.id), after)
            assert set(seen) - {None} == {last.id}


def test_a_reset_takes_effect_everywhere(lifetime: str) -> None:
    with _studio(lifetime) as a, _studio(lifetime) as b:
        work = a.works(creator="ana")[-1]
        assert len(b.feedback("ana", "toy", work.id)) > 0
        taste = b.taste("ana", "toy")
        assert taste["judgments"] > 0
        a.reset_taste("ana", "toy")
        assert len(b.feedback("ana", "toy", work.id)) == 0
        assert b.taste("ana", "toy")["judgments"] == 0
        ps = work.propose(4)
        work.choose(ps[0])
        assert len(b.feedback("ana", "toy")) == 3, "only what came after the reset"
    with _studio(lifetime) as c:
        assert len(c.feedback("ana", "toy")) == 3
        assert c.attunement("ana", "toy")["rounds"], "the attunement curve is not reset"


def test_two_people_never_share_a_memory(lifetime: str) -> None:
    with _studio(lifetime) as st:
        shared = st.works(creator="ana")[0]
        ps = shared.propose(4, by="ben")
        shared.choose(ps[1], by="ben")
        ana, ben = st.feedback("ana", "toy"), st.feedback("ben", "toy")
        assert len(ben.comparisons) == 3 and {c.winner for c in ben.comparisons} == {ps[1].id}
        assert not {c.winner for c in ana.comparisons} & {ps[1].id}
        assert st._memories[("ana", "toy")].key() != st._memories[("ben", "toy")].key()
        assert st.taste("ben", "toy")["comparisons"] == 3
    with _studio(lifetime) as other:
        _same(other.feedback("ben", "toy"), ben)
        _same(other.feedback("ana", "toy"), ana)


def test_the_prior_is_bounded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'many.db'}"
    with _studio(url) as st:
        works = _works(st, works=3, rounds=4)
        index = st._activity.refresh()
        memory = TasteMemory("ana", "toy", prior_lessons=5)
        memory.refresh(index, st._fold)
        assert memory.lessons_held() == 10
        fb = memory.feedback(works[-1].id, st._state(works[-1].id))
        earlier = [c for c in fb.comparisons if c.work_id != works[-1].id]
        mine = [c for c in fb.comparisons if c.work_id == works[-1].id]
        assert len(earlier) == 5 * 3 and len(mine) == 8 * 3, "five lessons of 3, and all of its own"
        assert {c.work_id for c in earlier} == {works[1].id}, "the latest of the earlier works"
    assert PRIOR_LESSONS >= 100


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kept_round_by_round_is_rebuilt_alike(tmp_path: Path, seed: int) -> None:
    """Judgments, undos and resets in any order: the memory kept up to date act by act holds
    what one built from the ledger at the end holds, for every work as the current one."""
    rng = np.random.default_rng(seed)
    url = f"sqlite:///{tmp_path / 'acts.db'}"
    with _studio(url) as st:
        works = [st.create_work("toy", "ana", f"numbers {k}") for k in range(4)]
        kept = TasteMemory("ana", "toy", prior_lessons=3)
        for step in range(40):
            w = works[int(rng.integers(len(works)))]
            r = rng.random()
            if r < 0.15 and w.judgments(include_undone=False):
                w.undo()
            elif r < 0.2:
                st.reset_taste("ana", "toy") if step % 3 == 0 else None
            else:
                shown = w.propose(4)
                (w.choose if r < 0.7 else w.reject)(shown[int(rng.integers(4))])
            kept.refresh(st._activity.refresh(), st._fold)
        built = TasteMemory("ana", "toy", prior_lessons=3)
        built.refresh(st._activity.refresh(), lambda i: WorkState(i).apply_all(st.events(i)))
        for w in ["", *(x.id for x in works)]:
            state = st._state(w) if w else None
            _same(kept.feedback(w, state), built.feedback(w, state))
        assert built.rebuilt == 0 and not kept._complete


def test_a_memory_that_cannot_be_read_is_rebuilt(lifetime: str) -> None:
    with _studio(lifetime) as st:
        key = TasteMemory("ana", "toy").key()
        want = st.feedback("ana", "toy")
        st.storage.put_derived(key, 10**9, b"\x00\x00\x00\x00\x00\x00\x00\x05oops!")
        st.storage.put_derived("activity/1", 10**9, b"not json")
    with _studio(lifetime) as st:
        _same(st.feedback("ana", "toy"), want)


def test_activity_index_starts_from_its_kept_copy(lifetime: str) -> None:
    with _studio(lifetime) as st:
        st._activity.refresh()._keep()
        index = ActivityIndex(st.storage)
        seen = _reads(st)
        index.refresh()
        assert index.seq == st._activity.seq and len(seen) == 1
        assert index.works_taught("ana", "toy") == st._activity.works_taught("ana", "toy")
