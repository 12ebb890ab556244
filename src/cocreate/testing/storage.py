"""The storage conformance suite: the contract of ``cocreate.storage.base``, as tests.

Subclass it in a pytest test module and give it a ``storage`` fixture that
yields a fresh, empty storage of your backend (and closes it)::

    import pytest
    from cocreate.testing import StorageConformance

    class TestMyStorage(StorageConformance):
        @pytest.fixture
        def storage(self, tmp_path):
            s = MyStorage(tmp_path / "ledger")
            yield s
            s.close()

Every test is a plain ``test_*`` method taking that fixture, so pytest
collects them; the suite itself needs nothing but cocreate.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..errors import CocreateError, Conflict, InputError, StorageError
from ..ledger import GENESIS, now
from ..model import NewEvent
from ..storage.base import Expect, Storage


def event(work: str = "w1", kind: str = "test.event", n: int = 0, **payload: object) -> NewEvent:
    """A new event with a fresh id, ``n`` and ``payload`` in its payload."""
    return NewEvent(uuid.uuid4().hex, work, kind, "ana", now(), {"n": n, **payload})


@contextmanager
def raises(kind: type[BaseException], match: str = "") -> Iterator[list[BaseException]]:
    """Like ``pytest.raises``: the block must raise ``kind`` with ``match`` in its message."""
    caught: list[BaseException] = []
    try:
        yield caught
    except kind as exc:
        if match and not re.search(match, str(exc)):
            raise AssertionError(f"{kind.__name__} {str(exc)!r} does not match {match!r}") from exc
        caught.append(exc)
    else:
        raise AssertionError(f"did not raise {kind.__name__}")


def _run_threads(target: Callable[[int], None], count: int) -> None:
    """Run ``target(k)`` in ``count`` threads at once; re-raise the first failure."""
    failures: list[BaseException] = []
    start = threading.Barrier(count)

    def run(k: int) -> None:
        try:
            start.wait()
            target(k)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]


def last_seq(storage: Storage, work_id: str, kinds: frozenset[str] | None = None) -> int:
    """The seq of the work's last event (of ``kinds``), 0 for none: what a writer has folded."""
    evs = storage.events(work_id=work_id, kinds=kinds)
    return evs[-1].seq if evs else 0


class StorageConformance:
    """Mix-in test class; see the module docstring."""

    # -- the chain --------------------------------------------------------------------
    def test_append_assigns_a_chain(self, storage: Storage) -> None:
        assert storage.head() == (0, GENESIS) and storage.events() == []
        first = storage.append([event(n=1), event(n=2)])
        second = storage.append([event(n=3)])
        assert [e.seq for e in first + second] == [1, 2, 3]
        assert first[0].prev_hash == GENESIS
        assert first[1].prev_hash == first[0].hash and second[0].prev_hash == first[1].hash
        assert storage.head() == (3, second[0].hash)
        assert [e.payload["n"] for e in storage.events()] == [1, 2, 3]
        assert storage.events() == first + second, "stored as returned"

    def test_an_empty_append_stores_nothing(self, storage: Storage) -> None:
        assert storage.append([]) == []
        assert storage.head() == (0, GENESIS)

    def test_events_filter_by_work_kind_and_position(self, storage: Storage) -> None:
        storage.append(
            [event("a", n=1), event("b", n=2), event("a", "other", n=3), event("b", n=4)]
        )
        assert [e.payload["n"] for e in storage.events(work_id="a")] == [1, 3]
        assert [e.payload["n"] for e in storage.events(kinds=["other"])] == [3]
        assert [e.payload["n"] for e in storage.events(after=2)] == [3, 4]
        assert [e.payload["n"] for e in storage.events(work_id="b", after=2)] == [4]
        assert [e.payload["n"] for e in storage.events(limit=2)] == [1, 2]
        assert storage.events(work_id="nobody") == []

    def test_payload_round_trips(self, storage: Storage) -> None:
        payload = {"text": 'écho ☀ "quoted"', "nested": {"b": [1, 2.5, None, True]}, "a": ""}
        storage.append([event(**payload)])
        (e,) = storage.events()
        assert {k: e.payload[k] for k in payload} == payload
        assert storage.verify().ok

    def test_a_bad_batch_stores_nothing(self, storage: Storage) -> None:
        first = event(n=1)
        storage.append([first])
        with raises(ValueError, match="JSON"):
            storage.append([event(n=2), event(n=3, bad=object())])
        dup = event(n=4)
        with raises(StorageError, match="already in the ledger"):
            storage.append([dup, dup])
        with raises(StorageError, match="already in the ledger"):
            storage.append([event(n=5), first])
        assert [e.payload["n"] for e in storage.events()] == [1]
        assert storage.head()[0] == 1 and storage.verify().ok

    def test_verify_an_intact_ledger(self, storage: Storage) -> None:
        assert storage.verify().ok and storage.verify().count == 0
        stored = storage.append([event(n=i) for i in range(5)])
        report = storage.verify()
        assert report.ok and report.count == 5 and report.head == stored[-1].hash

    def test_threads_lose_nothing(self, storage: Storage) -> None:
        def worker(k: int) -> None:
            for i in range(20):
                storage.append([event(f"w{k}", n=i), event(f"w{k}", n=i)])

        _run_threads(worker, 4)
        assert storage.head()[0] == 160
        seqs = [e.seq for e in storage.events()]
        assert seqs == list(range(1, 161)), "no seq repeats or is skipped"
        for k in range(4):
            assert [e.payload["n"] for e in storage.events(work_id=f"w{k}")][::2] == list(range(20))
        assert storage.verify().ok

    # -- expect: appends decided on a state of the work ----------------------------------
    def test_expect_the_latest_state_appends(self, storage: Storage) -> None:
        (made,) = storage.append([event("a", n=1)], expect=Expect("a", 0))
        storage.append([event("b", n=2)])  # another work moving on is no conflict
        (again,) = storage.append([event("a", n=3)], expect=Expect("a", made.seq))
        assert again.seq == 3
        storage.append([event("fresh", n=4)], expect=Expect("fresh", 0))
        assert storage.head()[0] == 4 and storage.verify().ok

    def test_expect_an_old_state_conflicts_and_stores_nothing(self, storage: Storage) -> None:
        work = "0123456789abcdef"
        storage.append([event(work, n=1)])
        newer = storage.append([event(work, "round.requested", n=2), event(work, n=3)])
        head = storage.head()
        with raises(Conflict, match="reload") as caught:
            storage.append([event(work, n=4), event("other", n=5)], expect=Expect(work, 1))
        exc = caught[0]
        assert isinstance(exc, Conflict) and isinstance(exc, CocreateError)
        assert not isinstance(exc, InputError), "nothing was wrong with the input"
        message = str(exc)
        assert work[:8] in message and "#1" in message, message
        assert f"#{newer[0].seq}" in message and "round.requested" in message, message
        assert (exc.work_id, exc.expected, exc.seq, exc.kind) == (
            work,
            1,
            newer[0].seq,
            "round.requested",
        )
        assert storage.head() == head, "nothing stored"
        assert [e.payload["n"] for e in storage.events()] == [1, 2, 3]
        assert storage.verify().ok

    def test_expect_kinds_narrow_what_conflicts(self, storage: Storage) -> None:
        rounds = frozenset({"round.requested"})
        storage.append([event("a", "round.requested", n=1)])
        seen = last_seq(storage, "a", rounds)
        storage.append([event("a", "judgment", n=2), event("a", "judgment", n=3)])
        # judgments after the round the writer saw do not stop the next round
        (made,) = storage.append(
            [event("a", "round.requested", n=4)], expect=Expect("a", seen, rounds)
        )
        with raises(Conflict) as caught:
            storage.append(
                [event("a", "round.requested", n=5)],
                expect=Expect("a", seen, {"judgment", "round.requested"}),  # type: ignore[arg-type]
            )
        assert caught[0].seq == 2 and caught[0].kind == "judgment", "the first newer one"
        with raises(Conflict):
            storage.append([event("a", "round.requested", n=6)], expect=Expect("a", seen, rounds))
        storage.append([event("a", "x", n=7)], expect=Expect("a", 0, frozenset()))  # none can
        assert [e.payload["n"] for e in storage.events()] == [1, 2, 3, 4, 7]
        assert made.seq == 4 and storage.verify().ok

    def test_expect_is_checked(self, storage: Storage) -> None:
        for bad in (("", 0), ("a", -1), ("a", "3"), ("a", True)):
            with raises(ValueError):
                Expect(*bad)  # type: ignore[arg-type]
        with raises(ValueError):
            Expect("a", 0, "judgment")  # type: ignore[arg-type]
        assert Expect("a", 0, ["x", "y"]).kinds == frozenset({"x", "y"})  # type: ignore[arg-type]
        assert storage.head()[0] == 0

    def test_threads_with_expect_never_share_a_round(self, storage: Storage) -> None:
        """Writers that read, decide and append race; the loser of each race is refused."""
        work, per_thread = "contested", 10
        rounds = frozenset({"round"})
        conflicts: list[int] = []

        def maker(k: int) -> None:
            made = 0
            while made < per_thread:
                done = storage.events(work_id=work, kinds=rounds)
                seen = done[-1].seq if done else 0
                number = len(done) + 1
                try:
                    storage.append(
                        [event(work, "round", n=number, by=k)], expect=Expect(work, seen, rounds)
                    )
                except Conflict:
                    conflicts.append(k)
                    continue
                storage.append([event(work, "judgment", n=number, by=k)])  # never conflicts
                made += 1

        _run_threads(maker, 4)
        numbers = [e.payload["n"] for e in storage.events(work_id=work, kinds=rounds)]
        assert numbers == list(range(1, 4 * per_thread + 1)), "every round number taken once"
        assert len(storage.events(work_id=work, kinds=["judgment"])) == 4 * per_thread
        assert storage.head()[0] == 8 * per_thread and storage.verify().ok

    # -- derived state ----------------------------------------------------------------
    def test_derived_values_are_kept_and_read(self, storage: Storage) -> None:
        assert storage.get_derived("taste:ana:image") is None
        blob = bytes(range(256)) * 4
        storage.put_derived("taste:ana:image", 7, blob)
        storage.put_derived("taste:ben:image", 3, b"")
        assert storage.get_derived("taste:ana:image") == (7, blob)
        assert storage.get_derived("taste:ben:image") == (3, b"")
        storage.put_derived("k" * 200, 0, bytearray(b"widest key"))  # type: ignore[arg-type]
        assert storage.get_derived("k" * 200) == (0, b"widest key")

    def test_derived_keeps_the_value_that_covers_more(self, storage: Storage) -> None:
        storage.put_derived("k", 10, b"through 10")
        storage.put_derived("k", 9, b"stale")
        assert storage.get_derived("k") == (10, b"through 10"), "an older value never wins"
        storage.put_derived("k", 10, b"again through 10")
        assert storage.get_derived("k") == (10, b"again through 10"), "a tie replaces"
        storage.put_derived("k", 11, b"through 11")
        assert storage.get_derived("k") == (11, b"through 11")

    def test_derived_is_no_part_of_the_ledger(self, storage: Storage) -> None:
        storage.append([event(n=1)])
        head = storage.head()
        storage.put_derived("summary", head[0], b"folded")
        assert storage.head() == head and storage.events()[0].payload["n"] == 1
        report = storage.verify()
        assert report.ok and report.count == 1

    def test_derived_arguments_are_checked(self, storage: Storage) -> None:
        for key, seq, value in (
            ("", 1, b"x"),
            ("k" * 201, 1, b"x"),
            ("k", -1, b"x"),
            ("k", True, b"x"),
            ("k", 1, "text, not bytes"),
        ):
            with raises(ValueError):
                storage.put_derived(key, seq, value)  # type: ignore[arg-type]
        assert storage.get_derived("k") is None

    def test_threads_putting_derived_keep_the_latest(self, storage: Storage) -> None:
        def writer(k: int) -> None:
            for i in range(25):
                seq = i * 4 + k
                storage.put_derived("shared", seq, f"through {seq}".encode())

        _run_threads(writer, 4)
        assert storage.get_derived("shared") == (99, b"through 99")
