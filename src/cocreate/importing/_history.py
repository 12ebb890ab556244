"""Reading and replaying co-writing histories (the formats are in the package docstring)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content import Delete, Insert, Replace, TextDocument, UnitOrigin
from ..content.errors import InvalidOrigin, OperationError
from ..errors import InputError

HISTORY_FORMAT = "cocreate.history/1"
FORMATS = ("cocreate", "coauthor")
#: Who wrote CoAuthor's ``api`` text: (partner name, model id), unless the caller says otherwise.
COAUTHOR_MODEL = ("gpt-3", "davinci")
#: The largest history read (lines are many and short; a runaway file is refused).
MAX_LINES = 2_000_000

_COAUTHOR_PARAMS = {
    "currentN": "n",
    "currentMaxToken": "max_tokens",
    "currentTemperature": "temperature",
    "currentTopP": "top_p",
    "currentPresencePenalty": "presence_penalty",
    "currentFrequencyPenalty": "frequency_penalty",
}


class HistoryError(InputError):
    """A history that cannot be imported; ``line`` is its 1-based line number (0: the file)."""

    def __init__(self, message: str, *, line: int = 0) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class ImportedAct:
    """One edit of the history as an act: its ops, who made it, when, and from which line."""

    act: str
    ops: tuple[Insert | Delete | Replace, ...]
    origin: UnitOrigin
    time: float | str | None
    line: int


@dataclass
class Replayed:
    """A replayed history: the document, the acts that made it, the header and some counts."""

    document: TextDocument
    acts: list[ImportedAct]
    format: str
    header: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.document.text


# -- reading lines ----------------------------------------------------------------------------
def read_lines(
    source: str | Path | bytes | Iterable[str | bytes | Mapping],
) -> list[tuple[int, Any]]:
    """``(line number, parsed JSON)`` for every non-blank line of ``source``.

    ``source`` is a path, the file's bytes, or an iterable of lines (strings,
    bytes or already-parsed objects). A line that is not UTF-8 or not JSON is a
    :class:`HistoryError` naming it.
    """
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and not source.lstrip().startswith("{")
    ):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise HistoryError(f"cannot read the history {path}: {exc.strerror or exc}") from None
        raw: Iterable[Any] = data.split(b"\n")
    elif isinstance(source, bytes | bytearray):
        raw = bytes(source).split(b"\n")
    elif isinstance(source, str):
        raw = source.split("\n")
    else:
        raw = source
    out: list[tuple[int, Any]] = []
    for number, line in enumerate(raw, 1):
        if number > MAX_LINES:
            raise HistoryError(f"the history has more than {MAX_LINES:,} lines")
        if isinstance(line, Mapping):
            out.append((number, line))
            continue
        if isinstance(line, bytes | bytearray):
            try:
                line = bytes(line).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise HistoryError(
                    f"not UTF-8 (byte {exc.start} of the line)", line=number
                ) from None
        if not isinstance(line, str):
            raise HistoryError(f"a line is text, not {type(line).__name__}", line=number)
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        try:
            out.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise HistoryError(f"not JSON ({exc.msg} at column {exc.colno})", line=number) from None
    return out


# -- who made an edit ----------------------------------------------------------------------------
class _Origins:
    """``by`` values made into origins, each distinct one made once."""

    def __init__(self) -> None:
        self._seen: dict[str, UnitOrigin] = {}

    def __call__(self, by: Any, line: int) -> UnitOrigin:
        key = by if isinstance(by, str) else json.dumps(by, sort_keys=True, default=str)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._make(by, line)
        return found

    @staticmethod
    def _make(by: Any, line: int) -> UnitOrigin:
        try:
            if by is None:
                raise HistoryError("an edit names who made it ('by')", line=line)
            if isinstance(by, str):
                if by == "prompt":
                    return UnitOrigin.source("prompt")
                return UnitOrigin.person(by)
            if not isinstance(by, Mapping):
                raise HistoryError(
                    f"'by' is a person's id or an object, not {type(by).__name__}", line=line
                )
            if "kind" in by:
                return UnitOrigin.from_dict(by)
            if "person" in by:
                return UnitOrigin.person(by["person"])
            if "model" in by:
                unknown = set(by) - {"model", "params", "seed", "version", "partner"}
                if unknown:
                    raise HistoryError(
                        f"a model source has no field {', '.join(sorted(unknown))}", line=line
                    )
                model = by["model"]
                return UnitOrigin.partner(
                    by.get("partner") or model,
                    model_id=model,
                    version=by.get("version"),
                    params=by.get("params") or {},
                    seed=by.get("seed"),
                )
            if "source" in by or "prompt" in by:
                name = by.get("source") or "prompt"
                return UnitOrigin.source(name, licence=by.get("licence"))
        except InvalidOrigin as exc:
            raise HistoryError(
                f"'by' is not a source cocreate can record: {exc}", line=line
            ) from None
        raise HistoryError(
            '\'by\' names a person (a string or {"person": id}), a model ({"model": name, ...}) '
            f'or a source ({{"source": name}}, or "prompt"); got {json.dumps(by)[:80]}',
            line=line,
        )


def _apply(doc: TextDocument, ops: Sequence[Any], origin: UnitOrigin, act: str, line: int) -> None:
    try:
        doc.apply(ops, origin, act)
    except OperationError as exc:
        raise HistoryError(f"the edit does not fit the text: {exc}", line=line) from None


def _count(value: Any, name: str, line: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise HistoryError(f"{name!r} must be a whole number, 0 or more, not {value!r}", line=line)
    return value


def _time(value: Any, line: int) -> float | str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise HistoryError(f"'time' is seconds or an ISO 8601 time, not {value!r}", line=line)


# -- cocreate's format ------------------------------------------------------------------------------
def replay_history(source: Any, *, act_prefix: str = "import") -> Replayed:
    """Replay a ``cocreate.history/1`` history (see the package docstring)."""
    lines = read_lines(source)
    doc = TextDocument()
    acts: list[ImportedAct] = []
    origins = _Origins()
    header: dict[str, Any] = {}
    fields = {"pos", "delete", "insert", "by", "time"}
    for k, (line, item) in enumerate(lines):
        if not isinstance(item, Mapping):
            raise HistoryError(f"a line is a JSON object, not {type(item).__name__}", line=line)
        if "format" in item:
            if k != 0:
                raise HistoryError("the header ('format') must be the first line", line=line)
            if item["format"] != HISTORY_FORMAT:
                raise HistoryError(
                    f"unknown format {item['format']!r} (this reads {HISTORY_FORMAT!r})", line=line
                )
            header = dict(item)
            text = header.get("text") or ""
            if not isinstance(text, str):
                raise HistoryError("the header's 'text' must be a string", line=line)
            if text:
                origin = origins(header.get("by", "prompt"), line)
                act = f"{act_prefix}-{line}"
                ops = (Insert(0, text),)
                _apply(doc, ops, origin, act, line)
                acts.append(ImportedAct(act, ops, origin, _time(header.get("time"), line), line))
            continue
        unknown = set(item) - fields
        if unknown:
            raise HistoryError(
                f"an edit has no field {', '.join(map(repr, sorted(unknown)))} "
                f"(it has {', '.join(sorted(fields))})",
                line=line,
            )
        pos = _count(item.get("pos"), "pos", line)
        delete = _count(item.get("delete", 0), "delete", line)
        insert = item.get("insert", "")
        if not isinstance(insert, str):
            raise HistoryError(f"'insert' must be text, not {type(insert).__name__}", line=line)
        if not delete and not insert:
            raise HistoryError("an edit deletes or inserts something", line=line)
        if delete and insert:
            ops: tuple[Any, ...] = (Replace(pos, delete, insert),)
        elif delete:
            ops = (Delete(pos, delete),)
        else:
            ops = (Insert(pos, insert),)
        origin = origins(item.get("by"), line)
        act = f"{act_prefix}-{line}"
        _apply(doc, ops, origin, act, line)
        acts.append(ImportedAct(act, ops, origin, _time(item.get("time"), line), line))
    return Replayed(doc, acts, "cocreate", header, _stats(doc, acts))


# -- CoAuthor's ----------------------------------------------------------------------------------------
def _number(value: Any) -> Any:
    """A logged control's value: CoAuthor's are often strings (``"0.9"``); numbers where they are."""
    if isinstance(value, str):
        try:
            f = float(value)
        except ValueError:
            return value
        return int(f) if f.is_integer() and "." not in value else f
    return value


def _utf16_to_index(text: str, units: int, start: int = 0) -> int:
    """The code-point index ``units`` UTF-16 code units after code point ``start``."""
    i = start
    left = units
    n = len(text)
    while left > 0 and i < n:
        left -= 2 if ord(text[i]) > 0xFFFF else 1
        i += 1
    if left > 0:
        return max(i, n) + left  # past the end: the op is refused with its position
    return i


def replay_coauthor(
    source: Any,
    *,
    writer: str = "writer",
    model: tuple[str, str] = COAUTHOR_MODEL,
    act_prefix: str = "coauthor",
) -> Replayed:
    """Replay a CoAuthor session (see the package docstring); ``writer`` is the user's id."""
    lines = read_lines(source)
    doc = TextDocument()
    acts: list[ImportedAct] = []
    person = UnitOrigin.person(writer)
    prompt = UnitOrigin.source("coauthor-prompt")
    partners: dict[tuple, UnitOrigin] = {}
    astral = False
    shown = accepted = asked = 0
    session = ""
    for line, event in lines:
        if not isinstance(event, Mapping):
            raise HistoryError(f"an event is a JSON object, not {type(event).__name__}", line=line)
        name = event.get("eventName")
        if not isinstance(name, str):
            raise HistoryError("an event has an 'eventName'", line=line)
        stamp = event.get("eventTimestamp")
        when = (
            stamp / 1000.0
            if isinstance(stamp, int | float) and not isinstance(stamp, bool)
            else None
        )
        session = session or str(event.get("sessionId") or "")
        if name == "system-initialize":
            text = event.get("currentDoc") or ""
            if not isinstance(text, str):
                raise HistoryError("system-initialize's 'currentDoc' must be text", line=line)
            if text and not doc.text:
                act = f"{act_prefix}-{line}"
                ops_i = (Insert(0, text),)
                _apply(doc, ops_i, prompt, act, line)
                acts.append(ImportedAct(act, ops_i, prompt, when, line))
                astral = any(ord(c) > 0xFFFF for c in text)
            continue
        if name == "suggestion-get":
            asked += 1
        elif name == "suggestion-open":
            shown += len(event.get("currentSuggestions") or ())
        elif name == "suggestion-select":
            accepted += 1
        delta = event.get("textDelta")
        if not delta:
            continue
        if not isinstance(delta, Mapping) or not isinstance(delta.get("ops"), list):
            raise HistoryError("a 'textDelta' is a Quill delta: {\"ops\": [...]}", line=line)
        source_name = event.get("eventSource")
        if source_name == "user":
            origin = person
        elif source_name == "api":
            params = {
                key: _number(event[field])
                for field, key in _COAUTHOR_PARAMS.items()
                if event.get(field) not in (None, "")
            }
            key = tuple(sorted(params.items()))
            origin = partners.get(key)  # type: ignore[assignment]
            if origin is None:
                origin = partners[key] = UnitOrigin.partner(
                    model[0], model_id=model[1], params=params
                )
        else:
            raise HistoryError(
                f"an edit's 'eventSource' is 'user' or 'api', not {source_name!r}", line=line
            )
        current = doc.text if astral else ""
        ops: list[Any] = []
        pos = 0
        for op in delta["ops"]:
            if not isinstance(op, Mapping):
                raise HistoryError(f"a delta op is an object, not {op!r}", line=line)
            if "retain" in op:
                k = _count(op["retain"], "retain", line)
                pos = _utf16_to_index(current, k, pos) if astral else pos + k
            elif "insert" in op:
                text = op["insert"]
                if not isinstance(text, str):
                    raise HistoryError(
                        "an embedded object (a non-text insert) cannot be imported", line=line
                    )
                if not text:
                    continue
                ops.append(Insert(pos, text))
                if astral or any(ord(c) > 0xFFFF for c in text):
                    astral = True
                    current = (
                        current[:pos] + text + current[pos:]
                        if current
                        else doc.text[:pos] + text + doc.text[pos:]
                    )
                pos += len(text)
            elif "delete" in op:
                k = _count(op["delete"], "delete", line)
                if not k:
                    continue
                end = _utf16_to_index(current, k, pos) if astral else pos + k
                ops.append(Delete(pos, end - pos))
                if astral:
                    current = current[:pos] + current[end:]
            else:
                raise HistoryError(
                    f"a delta op retains, inserts or deletes: {json.dumps(op)[:60]}", line=line
                )
        if not ops:
            continue
        act = f"{act_prefix}-{line}"
        _apply(doc, ops, origin, act, line)
        acts.append(ImportedAct(act, tuple(ops), origin, when, line))
    stats = _stats(doc, acts)
    stats.update(suggestions_asked=asked, suggestions_shown=shown, suggestions_accepted=accepted)
    header = {"format": "coauthor", "session": session} if session else {"format": "coauthor"}
    return Replayed(doc, acts, "coauthor", header, stats)


def replay(source: Any, *, format: str = "cocreate", writer: str = "writer") -> Replayed:
    """Replay a history of ``format`` (``cocreate`` or ``coauthor``)."""
    if format == "cocreate":
        return replay_history(source)
    if format == "coauthor":
        return replay_coauthor(source, writer=writer)
    raise InputError(f"unknown history format {format!r} (known: {', '.join(FORMATS)})")


def _stats(doc: TextDocument, acts: Sequence[ImportedAct]) -> dict[str, Any]:
    by_kind: Counter[str] = Counter()
    for origin, n in doc.count_by_origin().items():
        by_kind[str(origin.kind)] += n
    return {
        "acts": len(acts),
        "characters": len(doc),
        "characters_by_kind": dict(by_kind),
    }


# -- into a work ---------------------------------------------------------------------------------------
def record(work: Any, replayed: Replayed, *, by: str | None = None) -> int:
    """Put ``replayed``'s acts into ``work``'s draft; the number of acts recorded.

    Each act keeps its origin (``work.apply(ops, by=..., origin=...)``): a
    person's act is theirs (``by`` is that person), any other is recorded as
    brought in by ``by`` (default: the work's creator). A work that offers
    ``apply_acts([(ops, by, origin), ...])`` records them all as one append.
    """
    importer = by or getattr(work, "creator", None)
    acts = [
        (list(a.ops), a.origin.name if a.origin.kind == "person" else importer, a.origin)
        for a in replayed.acts
    ]
    batch = getattr(work, "apply_acts", None)
    if callable(batch):
        batch(acts)
        return len(acts)
    apply = getattr(work, "apply", None)
    if not callable(apply):
        raise InputError("this work has no draft to import into (a text work has one)")
    for ops, actor, origin in acts:
        apply(ops, by=actor, origin=origin)
    return len(acts)
