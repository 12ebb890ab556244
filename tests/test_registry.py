"""Partners are found through the registry: built-ins and the entry-point group."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from cocreate import UnknownDomain, UnknownPartner
from cocreate.partners import registry


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed third-party package with one good and one broken partner plugin."""
    (tmp_path / "extra_partner_mod.py").write_text(
        "from toy_partner import ToyPartner\n\n"
        "class ExtraPartner(ToyPartner):\n"
        "    name = 'extra'\n"
        "    domain = 'extra-domain'\n"
    )
    info = tmp_path / "cocreate_extra-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cocreate-extra\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[cocreate.partners]\n"
        "extra = extra_partner_mod:ExtraPartner\n"
        "broken = no_such_module_anywhere:Nothing\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_loaded", False)
    yield tmp_path
    registry.unregister("extra")
    sys.modules.pop("extra_partner_mod", None)


def test_third_party_partner_from_entry_points(plugin_dir: Path, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="cocreate.partners.registry"):
        found = registry.available()
    assert found["extra"].__name__ == "ExtraPartner"
    assert "extra-domain" in registry.domains()
    assert "broken" not in found
    assert "partner plugin broken could not be loaded" in caplog.text
    assert {"cppn", "poster", "toy"} <= set(found), "a broken plugin breaks nothing else"


def test_unknown_names_list_what_exists() -> None:
    with pytest.raises(UnknownPartner, match=r"known partners: .*cppn"):
        registry.get("nope")
    with pytest.raises(UnknownDomain, match=r"known domains: .*image"):
        registry.for_domain("nope")


def test_register_checks_the_class() -> None:
    with pytest.raises(TypeError, match="not a Partner"):
        registry.register(int)  # type: ignore[arg-type]
