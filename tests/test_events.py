"""Every kind of event is defined once (cocreate.events), and what it writes it reads back."""

from __future__ import annotations

import cocreate
from cocreate import events as ev
from cocreate.model import EventKind


def test_every_event_kind_has_its_one_definition() -> None:
    assert set(ev.EVENT_TYPES) == {str(k) for k in EventKind}
    for kind, cls in ev.EVENT_TYPES.items():
        assert str(cls.kind) == kind and cls.__doc__, cls


def test_what_a_session_writes_reads_back_as_the_same_payload(
    memory_studio: cocreate.Studio,
) -> None:
    work = memory_studio.create_work("toy", "ana", "four calm numbers")
    shown = work.propose(4)
    work.choose(shown[0])
    work.rate(shown[1], 4, by="ben")
    work.edit(shown[0], adjustments={"shift": 0.1})
    work.restore(shown[2])
    work.set_surprise(0.6)
    work.revise("four bolder numbers")
    work.undo()
    work.redo()
    memory_studio.reset_taste("ana", "toy")
    work.export("prov-json")
    seen = set()
    for e in memory_studio.events():
        typed = ev.EVENT_TYPES[e.kind].from_payload(e.payload)
        assert typed.to_payload() == dict(e.payload), e.kind
        seen.add(e.kind)
    assert len(seen) >= 12
    undoable = {k for k, c in ev.EVENT_TYPES.items() if c.undoable}
    assert str(EventKind.JUDGMENT) in undoable and str(EventKind.ROUND_REQUESTED) not in undoable
