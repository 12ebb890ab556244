"""What the writing partner asks its model, per operator, and how a long draft is windowed.

A :class:`Task` is the request in structured form: the operator, the
intention, an outline (a scaffold the person chose, or one they gave), the
text before and after the selection (or the cursor), the selection itself and
an instruction. :func:`window` fits it into the model's context: the
intention, the outline and the instruction are kept (each cut to a share of
the room), the selection is kept whole, and the rest of the room goes to the
text nearest the cursor, most of it before and some after, cut at word
boundaries. A draft longer than the context is therefore never an error; a
selection or an instruction that alone does not fit is refused as bad input,
saying how much room there is.

:func:`build` turns a windowed task into a :class:`~.backends.Prompt` for a
language model; :func:`light_text` fills the same shapes with the n-gram
generator's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ...errors import InputError
from .backends import Prompt
from .light import NgramModel, join, tokens

__all__ = [
    "OPERATORS",
    "PROVOCATIONS",
    "SCAFFOLDS",
    "Task",
    "build",
    "light_text",
    "tidy",
    "window",
]

#: The writing operators and what each does (registered in :mod:`cocreate.operators`).
OPERATORS: dict[str, tuple[str, float]] = {
    "continue": ("continue the draft at the cursor", 1.0),
    "rewrite": ("rewrite the selection (with an instruction: how)", 0.6),
    "elaborate": ("expand the selection with more detail", 0.8),
    "provoke": ("a provocation: a what-if, a counter-position or a change of perspective", 1.0),
    "scaffold": ("an outline for the intention, to write towards", 1.0),
    "freeform": ("whatever the instruction asks, on the selection or at the cursor", 1.0),
}
#: The kinds of provocation, one per option in turn.
PROVOCATIONS = ("what-if", "counter-position", "change of perspective")
#: The shapes of scaffold, one per option in turn.
SCAFFOLDS = ("three acts", "five beats", "in medias res", "a question and its answers")

SYSTEM = (
    "You are a co-writer helping an author with their draft. The author decides; you offer. "
    "Reply with the requested text only: no preamble, no quotation marks, no commentary."
)


@dataclass(frozen=True)
class Task:
    """One request to the writing partner, in structured form (see the module docstring)."""

    operator: str
    intention: str = ""
    outline: str = ""
    before: str = ""
    selection: str = ""
    after: str = ""
    instruction: str = ""
    kind: str = ""  # the provocation's or the scaffold's kind
    words: int = 30  # about how many words the answer should have


Counter = Callable[[str], int]


def _cut_head(text: str, limit: int, count: Counter) -> str:
    """The start of ``text`` within ``limit`` tokens, cut after a word."""
    if limit <= 0 or not text:
        return ""
    if count(text) <= limit:
        return text
    cut = text[: max(1, limit * 3)]
    while cut and count(cut) > limit:
        cut = cut[: int(len(cut) * 0.85)]
    space = cut.rfind(" ")
    return cut[:space] if space > len(cut) // 2 else cut


def _cut_tail(text: str, limit: int, count: Counter) -> str:
    """The end of ``text`` within ``limit`` tokens, cut before a word."""
    if limit <= 0 or not text:
        return ""
    if count(text) <= limit:
        return text
    cut = text[-max(1, limit * 3) :]
    while cut and count(cut) > limit:
        cut = cut[len(cut) - int(len(cut) * 0.85) :]
    space = cut.find(" ")
    return cut[space + 1 :] if 0 <= space < len(cut) // 2 else cut


def window(task: Task, room: int, count: Counter) -> Task:
    """``task`` cut to fit ``room`` tokens of prompt (see the module docstring)."""
    if room < 64:
        raise InputError(
            f"the model's context leaves {room} tokens for the prompt: too few for any request "
            "(ask for fewer tokens, or use a model with a longer context)"
        )
    fixed = 60  # the instructions' own words
    instruction = task.instruction
    n_instr = count(instruction)
    if n_instr > room // 2:
        raise InputError(
            f"the instruction is about {n_instr} tokens; the model's context leaves room for "
            f"{room // 2} (shorten it)"
        )
    n_sel = count(task.selection)
    if n_sel + n_instr + fixed > room * 3 // 4:
        raise InputError(
            f"the selection is about {n_sel} tokens; the model's context leaves room for "
            f"{max(0, room * 3 // 4 - n_instr - fixed)} with this request (select less)"
        )
    left = room - fixed - n_instr - n_sel
    intention = _cut_head(task.intention, min(120, left // 6), count)
    left -= count(intention)
    outline = _cut_head(task.outline, min(300, left // 4), count)
    left -= count(outline)
    share_after = 0.25 if task.after and task.operator != "continue" else 0.1 if task.after else 0.0
    after = _cut_head(task.after, int(left * share_after), count)
    left -= count(after)
    before = _cut_tail(task.before, left, count)
    return replace(task, intention=intention, outline=outline, before=before, after=after)


def _context_block(task: Task, *, mark: bool) -> str:
    parts = []
    if task.intention:
        parts.append(f"What the author is writing: {task.intention}")
    if task.outline:
        parts.append(f"The author's outline:\n{task.outline}")
    if mark:
        if task.before.strip():
            parts.append(f"The text before the passage:\n{task.before.strip()}")
        if task.after.strip():
            parts.append(f"The text after the passage:\n{task.after.strip()}")
        parts.append(f"The passage:\n{task.selection}")
    elif (task.before + task.after).strip():
        parts.append(f"The draft so far:\n{task.before}{task.after}")
    return "\n\n".join(parts)


def build(task: Task) -> Prompt:
    """The prompt for a language model (a windowed ``task``)."""
    op = task.operator
    about = f"about {task.words} words"
    how = f" ({task.instruction})" if task.instruction else ""
    completion = None
    prefix = ""
    if op == "continue":
        ask = (
            f"Continue the draft from exactly where it stops, in the same voice, with {about}"
            f"{how}. Reply with the continuation only."
        )
        if not task.instruction and not task.after.strip():
            header = f"{task.intention}\n\n" if task.intention else ""
            completion = header + task.before
        body = _context_block(replace(task, after=""), mark=False) or "The draft is empty."
    elif op in ("rewrite", "elaborate"):
        if op == "rewrite":
            ask = (
                f"Rewrite the passage{how}. Keep what it says and fit it to the "
                "text around it. Reply with the rewritten passage only."
            )
        else:
            ask = (
                f"Expand the passage with more detail and texture{how}, to about "
                f"{task.words} words, so that it still fits the text around it. Reply with the "
                "expanded passage only."
            )
        body = _context_block(task, mark=True)
    elif op == "provoke":
        kind = task.kind or PROVOCATIONS[0]
        ask = {
            "what-if": "Ask the author one what-if question that would take the story somewhere "
            "unexpected. One sentence, beginning with 'What if'.",
            "counter-position": "Argue, in one or two sentences, against the direction the draft "
            "is taking: the opposite choice, and why it might be better.",
            "change of perspective": "Suggest, in one or two sentences, telling this from another "
            "character's or thing's point of view, and what that would reveal.",
        }[kind]
        ask += f"{how} Do not continue the draft; speak to the author."
        prefix = "What if" if kind == "what-if" else ""
        body = _context_block(task, mark=False)
    elif op == "scaffold":
        kind = task.kind or SCAFFOLDS[0]
        beats = {"three acts": 3, "five beats": 5, "in medias res": 4}.get(kind, 4)
        ask = (
            f"Write an outline for this piece, shaped as {kind}: {beats} numbered lines, one short "
            f"line each{how}. Reply with the outline only."
        )
        body = _context_block(task, mark=False)
        prefix = "1."
    else:  # freeform
        request = task.instruction or "Offer the author something useful for this draft."
        if task.selection:
            ask = f"{request}\nWork on the passage. Reply with the new text only."
            body = _context_block(task, mark=True)
        else:
            ask = f"{request}\nReply with the text only, {about}."
            body = _context_block(task, mark=False)
    user = f"{body}\n\n{ask}" if body else ask
    messages = ({"role": "system", "content": SYSTEM}, {"role": "user", "content": user})
    return Prompt(messages=messages, completion=completion, prefix=prefix, task=task)


_FENCE = re.compile(r"^\s*(?:```[a-z]*\s*)|(?:\s*```)\s*$")
_LEAD = re.compile(
    r"^\s*(?:sure[,!.]?|certainly[,!.]?|here(?:'s| is)[^:\n]{0,60}:|(?:rewritten|expanded|continuation)[^:\n]{0,30}:)\s*",
    re.IGNORECASE,
)


def tidy(text: str, task: Task, *, before: str = "") -> str:
    """A model's answer made into the text a person is offered.

    Chat preambles, code fences, the selection markers and surrounding quotation
    marks go; a continuation that runs past the last full sentence is cut back to
    it (when a third or more is left), and gets a space from the word before it.
    """
    out = _FENCE.sub("", text)
    while (cut := _LEAD.sub("", out, count=1)) != out:
        out = cut
    out = out.replace("[[", "").replace("]]", "")
    out = out.strip("\n")
    pairs = {'"': '"', "“": "”", "'": "'"}
    if len(out) >= 2 and pairs.get(out[0]) == out[-1] and out[0] not in out[1:-1]:
        out = out[1:-1]
    if task.operator in ("continue", "elaborate", "rewrite", "freeform"):
        ends = [m.end() for m in re.finditer(r"[.!?…][\"'”’)]?(?=\s|$)", out)]
        if ends and ends[-1] < len(out.rstrip()) and ends[-1] >= len(out) // 3:
            out = out[: ends[-1]]
        out = out.rstrip()
    else:
        out = out.strip()
    if out and (
        task.operator == "continue" or (task.operator == "freeform" and not task.selection)
    ):
        out = out.lstrip(" ") if not before or before[-1].isspace() else out
        if before and not before[-1].isspace() and out[0].isalnum():
            out = " " + out
    return out


# -- the light generator's shapes ---------------------------------------------------------------
def light_text(
    task: Task, model: NgramModel, rng: np.random.Generator, *, max_tokens: int, temperature: float
) -> str:
    """The n-gram generator's answer to ``task`` (it follows no instruction; see :mod:`.light`)."""
    words = max(4, min(task.words, int(max_tokens * 0.75)))
    op = task.operator
    context = tokens(task.before)[-2:]
    matter = model.content_words(
        " ".join((task.intention, task.before, task.selection, task.after))
    )
    if not matter:
        matter = model.content_words(task.intention + " sea morning letter town lamp") or ["day"]

    def pick() -> str:
        return matter[int(rng.integers(min(len(matter), 6)))]

    if op == "continue":
        return join(model.generate(rng, context, words=words, temperature=temperature))
    if op in ("rewrite", "elaborate"):
        sel = tokens(task.selection)
        length = len(sel) if op == "rewrite" else max(len(sel) * 2, words)
        lead = sel[:1] or context
        made = model.generate(rng, lead, words=max(3, length - 1), temperature=temperature)
        return join([*sel[:1], *made])
    if op == "provoke":
        kind = task.kind or PROVOCATIONS[0]
        a, b = pick(), pick()
        if kind == "what-if":
            return f"What if the {a} were the one telling this, and the {b} never came at all?"
        if kind == "counter-position":
            return f"Suppose the opposite: nothing about the {a} matters, and the story is really about the {b}."
        return f"Tell it from the {a}'s side: what does it see of the {b} that nobody else does?"
    if op == "scaffold":
        kind = task.kind or SCAFFOLDS[0]
        beats = {"three acts": 3, "five beats": 5, "in medias res": 4}.get(kind, 4)
        lines = []
        for k in range(beats):
            start = ["the", pick()]
            line = join(model.generate(rng, start, words=8, temperature=temperature))
            lines.append(f"{k + 1}. {pick().capitalize()}: {line}")
        return "\n".join(lines)
    lead = tokens(task.selection)[:1] or context
    return join(model.generate(rng, lead, words=words, temperature=temperature))
