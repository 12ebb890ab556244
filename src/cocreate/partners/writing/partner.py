"""The writing partner: continuations, rewrites, provocations and outlines from a language model.

Its rounds are *direct* (``round_kind = "direct"``): generating is the
expensive step, so :meth:`WritingPartner.generate` makes exactly the N options
a person asked for, steered by the strategy's choice of temperature, instead of
a pool the strategy picks from. Every option is a genome holding all that
``render`` needs and all that it takes to make it again::

    {"format": "cocreate.writing/1", "operator": "continue",
     "text": " a gull landed on the rail and ...",        # the suggestion
     "ops": [{"op": "insert", "at": 71, "text": " a gull ..."}],  # what accepting it does
     "base": 12,                                          # the draft version the ops apply to
     "selection": [71, 71], "instruction": "", "kind": "",
     "model": "SmolLM2-135M-Instruct.Q4_1", "backend": "builtin",
     "params": {"temperature": 0.88, "top_p": 0.95, "max_tokens": 48},
     "seed": 1834, "tokens": 41, "finish": "length", "windowed": false, "option": 0}

A provocation or an outline is said to the author, not put in the draft: its
genome has no ``ops`` (choosing it records the judgment; a chosen outline is
then the outline later prompts carry). The operators (``continue``,
``rewrite``, ``elaborate``, ``provoke``, ``scaffold``, ``freeform``) are
registered in :mod:`cocreate.operators` when this package is imported; a plain
``propose`` continues at the cursor (or follows the instruction, if one is
given), and ``variations`` of an option asks again what that option was asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ...content.errors import OperationError
from ...content.ops import Delete, Insert, Replace, op_from_dict
from ...errors import InputError, InvalidContent, InvalidGenome, PartnerFailed
from ...model import Genome, Intention, PartnerInfo
from ...proposing import Candidate
from ..base import Partner
from .backends import BUILTIN_MODEL_ID, Backend, LightBackend, make_backend
from .features import feature_names_for, find_embedder, stylometrics
from .light import INSTALL_HINT
from .prompts import OPERATORS, PROVOCATIONS, SCAFFOLDS, Task, build, tidy, window

__all__ = ["FORMAT", "WritingPartner"]

FORMAT = "cocreate.writing/1"
#: Requests that mean "continue at the cursor" for a text.
_CONTINUE = frozenset({"propose", "fresh", "continue"})
_TRIES = 3  # an option that comes back empty is asked again, with another seed, this often
_WORD = re.compile(r"[^\W\d_]", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _settings() -> Any:
    from ...settings import load_settings

    return load_settings()


class WritingPartner(Partner):
    """A co-writer behind one backend (see the module docstring and :mod:`.backends`).

    Parameters (recorded with the work, so a work reopens with the same partner):
    ``backend`` — ``builtin`` (default: the ``text_backend`` setting), ``light``,
    ``http(s)://host:port/v1`` or ``ollama://host:port/model``; ``corpora`` —
    folders of ``.txt``/``.md`` the light generator also learns from; ``threads``
    — the built-in model's CPU threads (default: the ``blas_threads`` setting);
    ``max_tokens``, ``temperature`` (default: the strategy's steering), ``top_p``;
    ``context`` — the model's context in tokens; ``timeout`` — seconds a server
    may take; ``model`` — the model a server is asked for; ``model_path`` —
    another GGUF for the built-in backend; ``embeddings`` — ``auto``, ``off`` or
    a package (default: the ``embeddings`` setting). ``api_key`` is used and
    never recorded (default: ``$OPENAI_API_KEY``).
    """

    name = "writer"
    domain = "text"
    media_type = "text/plain"
    model_id = BUILTIN_MODEL_ID
    version = "1"
    source_type = "trainedAlgorithmicMedia"
    feature_names = feature_names_for(None)
    accepts = ("text/plain", "text/markdown")
    round_kind = "direct"
    pool_size = 4

    def __init__(self, *, api_key: str | None = None, **params: Any) -> None:
        super().__init__(**params)
        known = {
            "backend", "corpora", "threads", "max_tokens", "temperature", "top_p", "context",
            "timeout", "model", "model_path", "embeddings",
        }  # fmt: skip
        unknown = sorted(set(params) - known)
        if unknown:
            raise InputError(
                f"the writing partner has no parameter {', '.join(map(repr, unknown))} "
                f"(it takes {', '.join(sorted(known))})"
            )
        settings = None
        if (
            params.get("backend") is None
            or params.get("threads") is None
            or params.get("embeddings") is None
        ):
            settings = _settings()
        corpora = params.get("corpora") or ()
        if isinstance(corpora, str):
            corpora = (corpora,)
        self.max_tokens = _whole(params.get("max_tokens", 48), "max_tokens", 1, 4096)
        self.temperature = params.get("temperature")
        if self.temperature is not None:
            self.temperature = _number(self.temperature, "temperature", 0.0, 2.0)
        self.top_p = _number(params.get("top_p", 0.95), "top_p", 0.01, 1.0)
        self.backend: Backend = make_backend(
            params.get("backend") or settings.text_backend,  # type: ignore[union-attr]
            corpora=tuple(corpora),
            threads=_whole(
                params.get("threads") or settings.blas_threads,  # type: ignore[union-attr]
                "threads",
                1,
                256,
            ),
            context=params.get("context"),
            timeout=_number(params.get("timeout", 60.0), "timeout", 0.01, 3600.0),
            model=params.get("model"),
            model_path=params.get("model_path"),
            api_key=api_key,
        )
        self.model_id = self.backend.model_id  # type: ignore[misc]
        self.source_type = (  # type: ignore[misc]
            "trainedAlgorithmicMedia" if self.backend.trained else "algorithmicMedia"
        )
        choice = params.get("embeddings") or settings.embeddings  # type: ignore[union-attr]
        found = find_embedder(str(choice))
        self._embed = found[1] if found else None
        self.feature_names = feature_names_for(found[0] if found else None)  # type: ignore[misc]

    # -- identity -------------------------------------------------------------------------
    @property
    def light(self) -> bool:
        """Whether this partner writes with the light generator, not a language model."""
        return isinstance(self.backend, LightBackend)

    def info(self) -> PartnerInfo:
        info = super().info()
        return PartnerInfo(
            name=info.name,
            domain=info.domain,
            media_type=info.media_type,
            model_id=self.backend.model_id,
            version=info.version,
            source_type=self.source_type,
            params=info.params,
        )

    # -- the direct round -----------------------------------------------------------------
    def generate(
        self,
        request: Any,
        parents: Mapping[str, Genome],
        n: int,
        rng: np.random.Generator,
        steering: Mapping[str, Any],
    ) -> list[Candidate]:
        """``n`` options for ``request`` on the draft (``parents["draft"]``); see the module docstring."""
        draft = parents.get("draft") or {}
        text = draft.get("text", "") if isinstance(draft, Mapping) else ""
        if not isinstance(text, str):
            raise InputError("the draft's text must be a string")
        version = draft.get("version") if isinstance(draft, Mapping) else None
        own = {k: g for k, g in parents.items() if k != "draft" and isinstance(g, Mapping)}
        asked = list(getattr(request, "parents", ()) or ())
        model_of = next((own[a] for a in asked if own.get(a, {}).get("format") == FORMAT), None)
        op = str(getattr(request, "operator", "propose"))
        instruction = str(getattr(request, "instruction", "") or "")
        selection = getattr(request, "selection", None)
        if op == "variations" and model_of is not None:  # ask again what that option was asked
            op = model_of.get("operator", "continue")
            instruction = instruction or model_of.get("instruction", "")
            if selection is None and model_of.get("base") == version and model_of.get("selection"):
                selection = tuple(model_of["selection"])
        if op in _CONTINUE or op == "variations":
            op = "freeform" if instruction else "continue"
        if op not in OPERATORS:
            raise InputError(
                f"the writing partner does not do {op!r} (it does {', '.join(OPERATORS)})"
            )
        start, end = _selection(selection, text)
        if op in ("rewrite", "elaborate") and start == end:
            start, end = _sentence_before(text, start)
            if start == end:
                raise InputError(f"nothing to {op}: select a passage of the draft first")
        outline = _outline(own, getattr(request, "params", {}) or {})
        params = dict(getattr(request, "params", {}) or {})
        max_tokens = _whole(params.get("max_tokens", self.max_tokens), "max_tokens", 1, 4096)
        temperature = params.get("temperature", self.temperature)
        if temperature is None:
            temperature = steering.get("temperature", 0.8)
        temperature = _number(temperature, "temperature", 0.0, 2.0)
        top_p = _number(params.get("top_p", steering.get("top_p", self.top_p)), "top_p", 0.01, 1.0)
        intention = _intention_text(params.get("intention") or draft.get("intention", ""))
        words = max(4, int(max_tokens * 0.7))
        full = Task(
            operator=op,
            intention=intention,
            outline=outline,
            before=text[:start],
            selection=text[start:end],
            after=text[end:],
            instruction=instruction,
            words=words,
        )
        room = self.backend.context - max_tokens - 16
        task = window(full, room, self.backend.count_tokens)
        windowed = task != full
        kinds = PROVOCATIONS if op == "provoke" else SCAFFOLDS if op == "scaffold" else ("",)
        offset = int(rng.integers(len(kinds)))
        seeds = [int(rng.integers(2**31)) for _ in range(n)]
        groups: dict[str, list[int]] = {}
        for k in range(n):
            groups.setdefault(kinds[(offset + k) % len(kinds)], []).append(k)
        made: list[Candidate | None] = [None] * n
        sampling = {"temperature": round(temperature, 4), "top_p": top_p, "max_tokens": max_tokens}
        for kind, ks in groups.items():
            this = Task(**{**task.__dict__, "kind": kind})
            prompt = build(this)
            gens = self._ask(prompt, [seeds[k] for k in ks], sampling, this, text[:start])
            for k, (gen, answer) in zip(ks, gens, strict=True):
                ops = self._ops(op, answer, start, end)
                genome: Genome = {
                    "format": FORMAT,
                    "operator": op,
                    "text": answer,
                    "selection": [start, end],
                    "instruction": instruction,
                    "kind": kind,
                    "model": self.backend.model_id,
                    "backend": self.backend.url,
                    "params": {**sampling, **dict(gen.extra)},
                    "seed": gen.seed,
                    "tokens": gen.tokens,
                    "finish": gen.finish,
                    "windowed": windowed,
                    "option": k,  # its place in the order the model made them
                }
                if ops is not None:
                    genome["ops"] = [o.to_dict() for o in ops]
                    genome["base"] = version
                c = Candidate(
                    genome,
                    op,  # type: ignore[arg-type]
                    tuple(asked),
                    gen.seed,
                    strength=getattr(request, "strength", None),
                    note=self._note(op, kind, sampling, gen.seed, windowed),
                    params={
                        **sampling,
                        "model": self.backend.model_id,
                        "backend": self.backend.url,
                    },
                )
                made[k] = c
        out = [c for c in made if c is not None]
        rows = self.describe_many([c.genome for c in out])
        for c, row in zip(out, rows, strict=True):
            c.features = row
        return out

    def _ask(
        self, prompt: Any, seeds: list[int], sampling: Mapping[str, Any], task: Task, before: str
    ) -> list[tuple[Any, str]]:
        """The backend's answers, tidied; an empty one is asked again with another seed."""
        gens = self.backend.generate(
            prompt,
            seeds,
            max_tokens=sampling["max_tokens"],
            temperature=sampling["temperature"],
            top_p=sampling["top_p"],
        )
        if len(gens) != len(seeds):
            raise PartnerFailed(
                f"the text backend {self.backend.url} gave {len(gens)} answers for {len(seeds)} asked"
            )
        out = []
        for gen in gens:
            answer = tidy(gen.text, task, before=before)
            tries = 1
            asked = prompt
            while not answer.strip() and tries < _TRIES:
                again = (gen.seed * 7919 + tries) % 2**31
                if asked.completion is not None:  # a model that ends the text at once: ask in words
                    asked = replace(asked, completion=None)
                gen = self.backend.generate(
                    asked,
                    [again],
                    max_tokens=sampling["max_tokens"],
                    temperature=sampling["temperature"],
                    top_p=sampling["top_p"],
                )[0]
                answer = tidy(gen.text, task, before=before)
                tries += 1
            if not answer.strip():
                raise PartnerFailed(
                    f"the text backend {self.backend.url} ({self.backend.model_id}) gave an empty "
                    f"answer {_TRIES} times; the draft is unchanged"
                )
            out.append((gen, answer))
        return out

    @staticmethod
    def _ops(op: str, answer: str, start: int, end: int) -> list[Any] | None:
        if op in ("provoke", "scaffold"):
            return None
        if start == end or op == "continue":
            return [Insert(end if op == "continue" else start, answer)]
        return [Replace(start, end - start, answer)]

    def _note(
        self, op: str, kind: str, sampling: Mapping[str, Any], seed: int, windowed: bool
    ) -> str:
        what = {
            "continue": "a continuation at the cursor",
            "rewrite": "a rewrite of the selection",
            "elaborate": "the selection elaborated",
            "provoke": f"a provocation ({kind})",
            "scaffold": f"an outline ({kind})",
            "freeform": "an answer to your request",
        }[op]
        if self.light:
            return f"{what} — {INSTALL_HINT}"
        near = "; the draft was windowed to the text near the cursor" if windowed else ""
        return (
            f"{what} by {self.backend.model_id} ({self.backend.url}), temperature "
            f"{sampling['temperature']:g}, seed {seed}{near}"
        )

    # -- the pool operators (for a parent of another kind, and the conformance suite) -------
    def fresh(self, rng: np.random.Generator, intention: Intention | None = None) -> Genome:
        """An opening for the intention, as a genome with no ops (nothing to put where)."""
        brief = intention.brief if intention is not None else ""
        task = Task(
            operator="freeform",
            intention=brief,
            instruction="Write an opening sentence or two for this piece.",
            words=max(4, int(self.max_tokens * 0.7)),
        )
        return self._one(task, "fresh", rng, base_text="")

    def vary(self, genome: Genome, strength: float, rng: np.random.Generator) -> Genome:
        """The same passage with its last ``strength`` share of words written again."""
        g = self.validate(genome)
        text = g["text"]
        cut = _word_cut(text, 1.0 - float(np.clip(strength, 0.0, 1.0)))
        kept = text[:cut]
        task = Task(
            operator="continue",
            before=kept,
            words=max(4, int(max(self.max_tokens * 0.7, 1) * max(strength, 0.1))),
        )
        made = self._one(task, "vary", rng, base_text=kept)
        new_text = kept + made["text"]
        child = {**g, "text": new_text, "seed": made["seed"], "params": made["params"]}
        if "ops" in g:
            child["ops"] = [_with_text(op_from_dict(o), new_text).to_dict() for o in g["ops"]]
        return child

    def _one(self, task: Task, op: str, rng: np.random.Generator, *, base_text: str) -> Genome:
        seed = int(rng.integers(2**31))
        temperature = self.temperature if self.temperature is not None else 0.8
        sampling = {"temperature": temperature, "top_p": self.top_p, "max_tokens": self.max_tokens}
        room = self.backend.context - self.max_tokens - 16
        windowed = window(task, room, self.backend.count_tokens)
        ((gen, answer),) = self._ask(build(windowed), [seed], sampling, windowed, base_text)
        return {
            "format": FORMAT,
            "operator": op,
            "text": answer,
            "selection": [0, 0],
            "instruction": task.instruction,
            "kind": "",
            "model": self.backend.model_id,
            "backend": self.backend.url,
            "params": sampling,
            "seed": gen.seed,
            "tokens": gen.tokens,
            "finish": gen.finish,
            "windowed": windowed != task,
        }

    def adopt(self, content: bytes, media_type: str, rng: np.random.Generator) -> Genome:
        """A person's text as a genome (their passage, to vary or build on)."""
        text = _read_text(content)
        return {
            "format": FORMAT,
            "operator": "adopt",
            "text": text,
            "selection": [0, 0],
            "instruction": "",
            "kind": "",
            "model": "",
            "backend": "",
            "params": {},
            "seed": 0,
            "tokens": 0,
            "finish": "stop",
            "windowed": False,
        }

    # -- output ---------------------------------------------------------------------------
    def validate(self, genome: Any) -> Genome:
        if not isinstance(genome, Mapping) or genome.get("format") != FORMAT:
            raise InvalidGenome(f"not a writing genome (format {FORMAT!r})")
        text = genome.get("text")
        if not isinstance(text, str) or not text:
            raise InvalidGenome("a writing genome's 'text' must be a non-empty string")
        if not isinstance(genome.get("operator"), str):
            raise InvalidGenome("a writing genome names its operator")
        seed = genome.get("seed")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise InvalidGenome("a writing genome's 'seed' must be an integer")
        if not isinstance(genome.get("params", {}), Mapping):
            raise InvalidGenome("a writing genome's 'params' must be a mapping")
        ops = genome.get("ops")
        if ops is not None:
            if not isinstance(ops, list) or not ops:
                raise InvalidGenome("a writing genome's 'ops' must be a non-empty list")
            try:
                parsed = [op_from_dict(o) for o in ops]
            except OperationError as exc:
                raise InvalidGenome(f"a writing genome's ops: {exc}") from None
            if not all(isinstance(o, Insert | Delete | Replace) for o in parsed):
                raise InvalidGenome("a writing genome's ops must be text ops")
        return dict(genome)

    def render(self, genome: Genome, *, size: int | None = None) -> bytes:
        """The suggestion's text, UTF-8 (rendering never calls the model)."""
        return self.validate(genome)["text"].encode("utf-8")

    def describe(self, genome: Genome | None, content: bytes | None = None) -> np.ndarray:
        if genome is not None:
            text = self.validate(genome)["text"]
        elif content is not None:
            text = _read_text(content)
        else:
            raise InvalidContent("there is nothing to describe: no genome and no text")
        return self._rows([text])[0]

    def describe_many(self, genomes: Sequence[Genome]) -> np.ndarray:
        return self._rows([self.validate(g)["text"] for g in genomes])

    def _rows(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, len(self.feature_names)))
        style = np.stack([stylometrics(t) for t in texts])
        if self._embed is None:
            return style
        try:
            vectors = self._embed(texts)
        except Exception as exc:  # a broken embedding package must not break a round
            raise PartnerFailed(f"the embedding of the writing partner failed: {exc}") from exc
        return np.hstack([style, vectors])


# -- helpers --------------------------------------------------------------------------------
def _read_text(content: bytes) -> str:
    try:
        text = bytes(content).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidContent(f"the text is not UTF-8 (byte {exc.start})") from None
    if _CONTROL.search(text):
        raise InvalidContent("the text holds control characters: it is not prose")
    if not _WORD.search(text):
        raise InvalidContent("the text has no letters in it: it is not prose")
    return text


def _whole(value: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise InputError(f"{name} must be a whole number from {lo} to {hi}, not {value!r}")
    return int(value)


def _number(value: Any, name: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise InputError(f"{name} must be a number from {lo:g} to {hi:g}, not {value!r}")
    if not lo <= float(value) <= hi:
        raise InputError(f"{name} must be a number from {lo:g} to {hi:g}, not {value!r}")
    return float(value)


def _selection(selection: Any, text: str) -> tuple[int, int]:
    """``(start, end)`` within ``text``; ``None`` is the cursor at the end."""
    n = len(text)
    if selection is None:
        return n, n
    if isinstance(selection, Mapping):
        selection = (selection.get("start"), selection.get("end", selection.get("start")))
    if isinstance(selection, int) and not isinstance(selection, bool):
        selection = (selection, selection)
    if (
        not isinstance(selection, Sequence)
        or isinstance(selection, str)
        or len(selection) != 2
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in selection)
    ):
        raise InputError(f"a text selection is (start, end), two whole numbers, not {selection!r}")
    start, end = selection
    if not 0 <= start <= end <= n:
        raise InputError(
            f"the selection ({start}, {end}) is outside the draft, which has {n} characters"
        )
    return start, end


def _sentence_before(text: str, at: int) -> tuple[int, int]:
    """The sentence that ends at or before ``at`` (what "rewrite this" means with no selection)."""
    head = text[:at].rstrip()
    if not head:
        return at, at
    ends = [m.end() for m in re.finditer(r"[.!?…][\"'”’)]?\s", head)]
    start = ends[-1] if ends else 0
    return start, len(head)


def _outline(parents: Mapping[str, Genome], params: Mapping[str, Any]) -> str:
    given = params.get("outline")
    if isinstance(given, str) and given.strip():
        return given.strip()
    for g in parents.values():
        if g.get("format") == FORMAT and g.get("operator") == "scaffold":
            return str(g.get("text", ""))
    return ""


def _intention_text(value: Any) -> str:
    if isinstance(value, Intention):
        return value.brief
    if isinstance(value, Mapping):
        return str(value.get("brief", ""))
    return str(value or "")


def _word_cut(text: str, share: float) -> int:
    """Where to cut ``text`` to keep about ``share`` of its words (at a word's start)."""
    starts = [m.start() for m in re.finditer(r"\S+", text)]
    keep = round(share * len(starts))
    if keep <= 0:
        return 0
    if keep >= len(starts):
        return len(text)
    return starts[keep]


def _with_text(op: Any, text: str) -> Any:
    if isinstance(op, Insert):
        return Insert(op.at, text)
    if isinstance(op, Replace):
        return Replace(op.at, op.length, text)
    return op
