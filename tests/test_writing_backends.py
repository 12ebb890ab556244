"""The writing partner's server backends, against servers on loopback that the tests start.

Ollama's own API is a small stub written here that follows Ollama's documented
``/api/chat`` and ``/api/generate``; an OpenAI-compatible stub checks ``n``
and a chat-only server. The real OpenAI-compatible server
(``python -m llama_cpp.server``) is in ``test_writing_llm.py``. A backend that
is down, answers garbage or takes too long is a ``PartnerFailed`` naming it and
its URL, and the draft is as it was.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import numpy as np
import pytest

import cocreate
from cocreate.errors import PartnerFailed
from cocreate.partners.writing import OllamaBackend, OpenAIBackend, WritingPartner
from servers import free_port

OPENING = "The lighthouse keeper had not spoken to anyone in three winters, until"


class Stub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.requests: list[tuple[str, dict]] = []
        self.mode = "ok"

    @property
    def port(self) -> int:
        return self.server_address[1]


class OllamaHandler(BaseHTTPRequestHandler):
    server: Stub

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, body))
        mode = self.server.mode
        if mode == "slow":
            time.sleep(1.5)
        if mode == "garbage":
            return self._send(200, b"<html>definitely not json</html>", "text/html")
        if mode == "wrong-json":
            return self._send(200, b'{"hello": "world"}')
        if body.get("model") != "tiny":
            return self._send(
                404, b'{"error": "model \\"%s\\" not found"}' % body["model"].encode()
            )
        seed = body["options"]["seed"]
        text = f" the tide came in (seed {seed})."
        if self.path == "/api/chat":
            reply = {
                "model": "tiny",
                "message": {"role": "assistant", "content": text.strip()},
                "done": True,
                "done_reason": "stop",
                "eval_count": 7,
            }
        elif self.path == "/api/generate":
            reply = {"model": "tiny", "response": text, "done": True, "eval_count": 7}
        else:
            return self._send(404, b'{"error": "no such endpoint"}')
        self._send(200, json.dumps(reply).encode())


class OpenAIHandler(OllamaHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(
            (self.path, {**body, "auth": self.headers.get("Authorization")})
        )
        if self.path == "/v1/completions" and self.server.mode == "chat-only":
            return self._send(404, b'{"error": {"message": "not found"}}')
        n = body.get("n", 1) if self.server.mode != "no-n" else 1
        chat = self.path == "/v1/chat/completions"
        choices = [
            {"index": i, "finish_reason": "length"}
            | (
                {"message": {"role": "assistant", "content": f"Option {i}, seed {body['seed']}."}}
                if chat
                else {"text": f" option {i}, seed {body['seed']}."}
            )
            for i in range(n)
        ]
        reply = {"choices": choices, "usage": {"completion_tokens": 5 * n}}
        self._send(200, json.dumps(reply).encode())


@pytest.fixture
def ollama() -> Iterator[Stub]:
    server = Stub(OllamaHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture
def openai() -> Iterator[Stub]:
    server = Stub(OpenAIHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def ask(operator: str = "propose", **kw):
    return SimpleNamespace(
        operator=operator,
        parents=(),
        selection=None,
        instruction="",
        params={},
        strength=None,
        **kw,
    )


DRAFT = {"draft": {"text": OPENING, "version": 1}}


def test_ollama_backend_follows_ollama_s_api(ollama: Stub) -> None:
    partner = WritingPartner(backend=f"ollama://127.0.0.1:{ollama.port}/tiny", embeddings="off")
    assert partner.info().model_id == "tiny"
    made = partner.generate(ask(), DRAFT, 3, np.random.default_rng(0), {"temperature": 0.9})
    assert len(ollama.requests) == 3  # Ollama takes a seed but no n: one call per seed
    for (path, body), c in zip(ollama.requests, made, strict=True):
        assert path == "/api/generate" and body["raw"] is True and body["prompt"].endswith(OPENING)
        assert body["options"]["seed"] == c.seed and body["options"]["temperature"] == 0.9
        assert body["stream"] is False and body["options"]["num_predict"] == 48
        assert c.genome["text"] == f" the tide came in (seed {c.seed})."
        assert c.genome["backend"] == f"ollama://127.0.0.1:{ollama.port}/tiny"
        assert c.genome["tokens"] == 7
    made = partner.generate(ask("provoke"), DRAFT, 1, np.random.default_rng(0), {})
    path, body = ollama.requests[-1]
    assert path == "/api/chat" and body["messages"][0]["role"] == "system"
    assert "ops" not in made[0].genome  # a provocation is said, not inserted


def test_ollama_model_missing_is_named(ollama: Stub) -> None:
    partner = WritingPartner(backend=f"ollama://127.0.0.1:{ollama.port}/huge", embeddings="off")
    with pytest.raises(
        PartnerFailed, match=rf"ollama at ollama://127.0.0.1:{ollama.port}/huge refused .*not found"
    ):
        partner.generate(ask(), DRAFT, 1, np.random.default_rng(0), {})


def test_openai_backend_asks_for_n_in_one_call(openai: Stub) -> None:
    url = f"http://127.0.0.1:{openai.port}/v1"
    partner = WritingPartner(backend=url, model="m", api_key="sk-secret", embeddings="off")
    made = partner.generate(ask(), DRAFT, 4, np.random.default_rng(0), {})
    assert len(openai.requests) == 1
    path, body = openai.requests[0]
    assert path == "/v1/completions" and body["n"] == 4 and body["model"] == "m"
    assert body["auth"] == "Bearer sk-secret"
    assert [c.genome["params"]["index"] for c in made] == [0, 1, 2, 3]
    assert all(c.genome["params"]["n"] == 4 for c in made)
    assert "sk-secret" not in json.dumps([c.genome for c in made]) + json.dumps(
        partner.info().params
    )


def test_openai_backend_without_n_asks_once_per_seed(openai: Stub) -> None:
    openai.mode = "no-n"
    partner = WritingPartner(backend=f"http://127.0.0.1:{openai.port}/v1", embeddings="off")
    made = partner.generate(ask(), DRAFT, 3, np.random.default_rng(0), {})
    seeds = [body["seed"] for _, body in openai.requests]
    assert seeds[1:] == [c.seed for c in made] and len({c.genome["text"] for c in made}) == 3


def test_a_chat_only_server_is_asked_in_words(openai: Stub) -> None:
    openai.mode = "chat-only"
    partner = WritingPartner(backend=f"http://127.0.0.1:{openai.port}/v1", embeddings="off")
    made = partner.generate(ask(), DRAFT, 2, np.random.default_rng(0), {})
    assert openai.requests[-1][0] == "/v1/chat/completions"
    assert all(c.genome["text"].startswith(" Option") for c in made)


def test_a_backend_that_is_down_is_named_and_the_draft_is_intact() -> None:
    port = free_port()
    with cocreate.Studio("memory://", seed=1) as studio:
        work = studio.create_work(
            domain="text",
            creator="me",
            intention="a story",
            partner_params={"backend": f"http://user:pw@127.0.0.1:{port}/v1", "timeout": 2},
        )
        work.type(OPENING, by="me")
        with pytest.raises(
            PartnerFailed, match=rf"openai at http://127.0.0.1:{port}/v1 cannot be reached"
        ):
            work.propose(2)
        assert work.document().text == OPENING and work.rounds() == {}


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("garbage", "not JSON"),
        ("wrong-json", "not a completion"),
        ("slow", "did not answer within 0.3 s"),
    ],
)
def test_garbage_and_timeouts_are_named(ollama: Stub, mode: str, says: str) -> None:
    ollama.mode = mode
    partner = WritingPartner(
        backend=f"ollama://127.0.0.1:{ollama.port}/tiny", timeout=0.3, embeddings="off"
    )
    with pytest.raises(PartnerFailed, match=says) as caught:
        partner.generate(ask(), DRAFT, 1, np.random.default_rng(0), {})
    assert f"127.0.0.1:{ollama.port}" in str(caught.value) and "draft is unchanged" in str(
        caught.value
    )


def test_urls_never_record_a_password() -> None:
    backend = OpenAIBackend("https://me:hunter2@api.example.com/v1#gpt-x")
    assert backend.url == "https://api.example.com/v1" and backend.model_id == "gpt-x"
    assert OllamaBackend("ollama://localhost/llama3").url == "ollama://localhost:11434/llama3"
