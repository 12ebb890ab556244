"""W3C PROV exports: the whole graph, valid against the schemas shipped with ``prov``."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from prov.model import ProvAgent, ProvAttribution, ProvDocument

import cocreate
from cocreate.authorship import attribution, export, prov_document, validate_xml
from cocreate.authorship.provenance import prov_xsd_path, serialize
from cocreate.proposing import DiverseStrategy


@pytest.fixture(scope="module")
def work():
    studio = cocreate.Studio("memory://", seed=11, pool_size=8, strategy=DiverseStrategy())
    w = studio.create_work("toy", "ana", "numbers for two")
    shown = w.propose(5)
    w.choose(shown[1])
    w.reject(shown[0], by="bo")
    w.rate(shown[3], 2)
    mine = w.contribute(b"0.9 0.1 0.9 0.1", "text/plain", by="bo")
    kids = w.crossover(shown[1], mine, 3)
    w.choose(kids[0], by="bo")
    w.compare(kids[0], kids[1])
    w.undo()  # the comparison
    w.edit(kids[0], adjustments={"shift": -0.1})
    yield w
    studio.close()


def _doc(data: bytes, fmt: str) -> ProvDocument:
    return ProvDocument.deserialize(content=data.decode(), format=fmt)


def test_prov_json_round_trips(work):
    out = export(work, format="prov-json")
    assert out.media_type == "application/json" and out.filename.endswith(".prov.json")
    assert _doc(out.data, "json") == prov_document(work, attribution(work))
    # the JSON is plain PROV-JSON: agents, entities, activities and the relations
    d = json.loads(out.data)
    for key in (
        "agent",
        "entity",
        "activity",
        "wasGeneratedBy",
        "wasDerivedFrom",
        "used",
        "wasAssociatedWith",
        "wasAttributedTo",
        "actedOnBehalfOf",
    ):
        assert d.get(key), key


def test_prov_json_is_valid_against_the_shipped_json_schema(work):
    import jsonschema  # in the [test] extra

    schema_path = prov_xsd_path().parent / "prov-json.schema.json"
    schema = json.loads(Path(schema_path).read_text())
    data = json.loads(export(work, format="prov-json").data)
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(data))
    assert not errors, errors[:3]


def test_prov_xml_is_valid_against_the_shipped_xsd_and_round_trips(work):
    out = export(work, format="prov-xml")
    assert validate_xml(out.data) == []
    schema = etree.XMLSchema(etree.parse(str(prov_xsd_path())))
    assert schema.validate(etree.fromstring(out.data))  # the same check, spelled out
    assert _doc(out.data, "xml") == prov_document(work, attribution(work))


def test_prov_n_round_trips(work):
    out = export(work, format="prov-n")
    text = out.data.decode()
    assert text.startswith("document") and "wasAttributedTo" in text
    assert _doc(out.data, "provn") == prov_document(work, attribution(work))


def test_the_graph_names_people_partners_and_shares(work):
    doc = prov_document(work, attribution(work))
    records = list(doc.get_records())
    agents = {str(r.identifier): r for r in doc.get_records(ProvAgent)}
    assert {"person:ana", "person:bo", "partner:toy"} <= set(agents)
    toy = {str(k): v for k, v in agents["partner:toy"].attributes}
    assert str(toy["prov:type"]) == "prov:SoftwareAgent"
    assert toy["cc:model"] == "toy-numbers" and toy["cc:version"] == "0.1"
    target = f"artifact-{work.current().id}"
    shares = []
    for r in doc.get_records(ProvAttribution):
        attrs = {str(k): v for k, v in r.attributes}
        if str(attrs["prov:entity"]).endswith(target) and "cc:share" in attrs:
            shares.append(attrs)
    assert {str(s["prov:agent"]) for s in shares} == {"person:ana", "person:bo", "partner:toy"}
    assert sum(float(s["cc:share"]) for s in shares) == pytest.approx(1.0, abs=1e-5)
    kinds = {str(v) for r in records for k, v in r.attributes if str(k) == "prov:type"}
    assert {"cc:Choose", "cc:Reject", "cc:Rate", "cc:Edit", "cc:Contribution"} <= kinds
    assert "prov:Revision" in kinds  # the edit is a revision of the crossover
    assert "cc:Crossover" in kinds


def test_the_export_is_in_the_ledger_and_holds_no_local_paths(work, tmp_path):
    out = export(work, format="prov-xml", by="bo")
    last = work.events()[-1]
    assert last.payload["format"] == "prov-xml" and last.actor == "bo"
    assert last.payload["sha256"] == out.sha256
    assert str(tmp_path) not in out.data.decode() and "/home" not in out.data.decode()
    paths = out.save(tmp_path)
    assert paths[0].read_bytes() == out.data


ACTS = st.lists(
    st.tuples(
        st.sampled_from(["propose", "choose", "reject", "rate", "edit", "contribute", "undo"]),
        st.integers(0, 40),
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ACTS)
def test_random_sessions_give_valid_round_tripping_prov(acts):
    with cocreate.Studio("memory://", seed=1, pool_size=6, strategy=DiverseStrategy()) as s:
        w = s.create_work("toy", "ana", "random")
        for act, k in acts:
            arts = w.artifacts()
            if act == "propose":
                w.propose(1 + k % 3)
            elif act == "contribute":
                w.contribute(b"0.5 0.5 0.5 0.5", "text/plain", by="bo")
            elif act == "undo":
                with contextlib.suppress(cocreate.NothingToUndo):
                    w.undo()
            elif arts:
                a = arts[k % len(arts)]
                if act == "choose":
                    w.choose(a)
                elif act == "reject":
                    w.reject(a)
                elif act == "rate":
                    w.rate(a, 1 + k % 5)
                else:
                    w.edit(a, adjustments={"shift": 0.05})
        attr = attribution(w) if w.current() else None
        doc = prov_document(w, attr)
        for fmt in ("json", "xml", "provn"):
            assert _doc(serialize(doc, fmt), fmt) == doc, fmt
        assert validate_xml(serialize(doc, "xml")) == []
