"""The public surface: what ``import cocreate`` offers is exactly ``__all__``, sorted and documented."""

from __future__ import annotations

import cocreate
from cocreate.testing import PartnerConformance
from toy_partner import ToyPartner


def test_all_is_the_public_surface() -> None:
    public = {name for name in dir(cocreate) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(cocreate, name)).__name__ == "module"}
    assert set(cocreate.__all__) - {"__version__"} == public - modules
    assert cocreate.__all__ == sorted(cocreate.__all__)


def test_every_public_name_is_documented() -> None:
    for name in cocreate.__all__:
        obj = getattr(cocreate, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_studio_and_work_keep_their_names() -> None:
    """The ask/tell names that scripts build on."""
    for name in (
        "create_work",
        "work",
        "works",
        "verify",
        "close",
        "creators",
        "taste",
        "reset_taste",
        "register_creator",
        "partners",
    ):
        assert callable(getattr(cocreate.Studio, name)), name
    for name in (
        "propose",
        "variations",
        "crossover",
        "interpolate",
        "choose",
        "reject",
        "rate",
        "rank",
        "compare",
        "skip",
        "note",
        "undo",
        "restore",
        "revise",
        "set_surprise",
        "contribute",
        "edit",
        "history",
        "artifact",
        "artifacts",
        "round",
        "judgments",
        "render",
        "attribution",
        "disclosure",
        "split_sheet",
        "export",
        "attunement",
    ):
        assert callable(getattr(cocreate.Work, name)), name


class TestToyPartnerConformance(PartnerConformance):
    """The suite itself runs against the toy partner, so a broken suite shows here."""

    partner = ToyPartner()
