"""Going back to a node: the next round builds on it, and the node is the current one."""

from __future__ import annotations

import cocreate


def test_the_round_after_a_restore_builds_on_the_restored_node(
    memory_studio: cocreate.Studio,
) -> None:
    work = memory_studio.create_work("toy", "ana", "four calm numbers")
    first = work.propose(9)
    work.choose(first[0])
    later = work.propose(9)
    work.choose(later[3])
    work.restore(first[5])
    assert work.current().id == first[5].id, "the restored node is the current one"
    after = work.propose(9)
    built = [a for a in after if first[5].id in a.parents]
    assert len(built) >= 6, [a.parents for a in after]
    work.choose(after[0])
    assert work._s.restored() is None, "once the person moves on, rounds build as before"
