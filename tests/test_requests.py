"""Requests: operators a partner registers, a selection it honours, parameters, refusals."""

from __future__ import annotations

import numpy as np
import pytest

import cocreate
from cocreate.partners import register
from cocreate.partners.base import Unsupported
from toy_partner import ToyPartner


class Lanes(ToyPartner):
    """Four numbers as four lanes: a request may change only some of them, or negate them."""

    name = "lanes"
    domain = "lanes"

    def vary_request(self, genome, request, strength, rng):
        v = np.asarray(genome["v"], dtype=float)
        keep = np.zeros(4, dtype=bool)  # lanes left as they are
        if request.selection is not None:
            lanes = request.selection.get("lanes")
            if not lanes or any(not 0 <= k < 4 for k in lanes):
                raise Unsupported(f"lanes are 0 to 3, not {lanes!r}")
            keep[:] = True
            keep[list(lanes)] = False
        if request.operator == "negate":
            new = 1.0 - v
        elif request.operator in ("propose", "variations"):
            new = self.vary(genome, strength, rng)["v"]
        else:
            raise Unsupported(f"no operator {request.operator!r} here")
        step = float(request.params.get("step", 0.0))
        out = np.where(keep, v, np.clip(np.asarray(new) + step, 0, 1))
        return {"format": "toy/1", "v": [round(float(x), 6) for x in out]}


register(Lanes)
cocreate.register_operator(cocreate.OperatorSpec("negate", "every lane flipped", novelty=0.4))


def test_a_selection_changes_only_what_it_names(memory_studio: cocreate.Studio) -> None:
    work = memory_studio.create_work("lanes", "ana", "four lanes")
    base = work.propose(3)[0]
    varied = work.variations(base, 6, strength=0.9, selection={"lanes": [1, 2]})
    for a in varied:
        v, b = a.recipe.genome["v"], base.recipe.genome["v"]
        assert v[0] == b[0] and v[3] == b[3], "lanes outside the selection stay as they were"
        assert a.parents == (base.id,)
    req = work._s.requests[varied[0].round]
    assert req["selection"] == {"lanes": [1, 2]} and req["operator"] == "variations"


def test_an_operator_of_the_partner_is_recorded_by_name_and_weighed(
    memory_studio: cocreate.Studio,
) -> None:
    work = memory_studio.create_work("lanes", "ana", "four lanes")
    base = work.propose(3)[0]
    flipped = work.variations(base, 3, operator="negate", step=0.0)
    assert all(a.operator == "negate" for a in flipped)
    assert all(
        a.recipe.genome["v"] == [round(1 - x, 6) for x in base.recipe.genome["v"]] for a in flipped
    )
    work.choose(flipped[0])
    again = cocreate.Studio(storage=memory_studio.storage, media=memory_studio.media)
    assert again.work(work.id).artifact(flipped[0].id).operator == "negate"
    units = work.attribution(flipped[0]).units
    new = sum(u.weight for u in units if u.source == flipped[0].id)
    assert new == pytest.approx(0.4), "the operator's declared novelty is its new share"


def test_requests_a_partner_cannot_honour_are_refused_and_store_nothing(
    memory_studio: cocreate.Studio,
) -> None:
    work = memory_studio.create_work("lanes", "ana", "four lanes")
    base = work.propose(3)[0]
    before = len(work.events())
    cases = [
        (cocreate.UnknownOperator, "unknown operator 'explode'", dict(operator="explode")),
        (cocreate.InputError, "lanes are 0 to 3", dict(selection={"lanes": [7]})),
        (cocreate.InputError, "instruction is text", dict(instruction=3)),
    ]
    for error, words, kw in cases:
        with pytest.raises(error, match=words):
            work.variations(base, 3, **kw)
        assert len(work.events()) == before
    poster = memory_studio.create_work("design", "ana", "a poster")
    first = poster.propose(3)[0]
    before = len(poster.events())
    with pytest.raises(cocreate.InputError, match="cannot change only a selection"):
        poster.variations(first, 3, selection={"lanes": [1]})
    with pytest.raises(cocreate.InputError, match="takes no parameters"):
        poster.propose(3, metre="7/8")
    assert len(poster.events()) == before
