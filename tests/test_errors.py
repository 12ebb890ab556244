"""The tree drawn in ``cocreate.errors`` is the tree of its classes: nothing missing, nothing stale."""

from __future__ import annotations

import asyncio
import inspect
import re

import httpx
import pytest

from cocreate import errors
from cocreate.errors import CocreateError, Conflict, InputError

# "    │   ├── InvalidContent (also ValueError)   description" -> depth, name, also
_NODE = re.compile(
    r"^(?P<indent>(?:[│ ]   )*)(?:[├└]── )?(?P<name>\w+)(?: \(also (?P<also>[\w, ]+)\))?"
)


def _drawn() -> dict[str, tuple[str | None, set[str]]]:
    """Each class the docstring draws: its parent in the drawing and its ``(also ...)`` bases."""
    doc = errors.__doc__ or ""
    lines = doc.split("::", 1)[1].strip("\n").splitlines()
    tree: dict[str, tuple[str | None, set[str]]] = {}
    path: list[str] = []
    for line in lines:
        if not line.startswith("    "):
            break  # the drawing ends where its indentation does
        m = _NODE.match(line[4:])  # the block is indented by four spaces
        assert m, f"not a line of the tree: {line!r}"
        depth = len(m["indent"]) // 4 + (0 if line[4:].startswith("CocreateError") else 1)
        name = m["name"]
        assert name not in tree, f"{name} is drawn twice"
        del path[depth:]
        tree[name] = (
            path[-1] if path else None,
            set((m["also"] or "").replace(" ", "").split(",")) - {""},
        )
        path.append(name)
    return tree


def _classes() -> dict[str, type[CocreateError]]:
    return {
        name: cls
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, CocreateError) and cls.__module__ == errors.__name__
    }


def test_every_error_is_drawn_under_its_parent() -> None:
    tree = _drawn()
    for name, cls in _classes().items():
        assert name in tree, f"{name} is missing from the tree in cocreate.errors"
        parents = [b for b in cls.__bases__ if issubclass(b, CocreateError)]
        others = {b.__name__ for b in cls.__bases__ if not issubclass(b, CocreateError)}
        drawn_parent, drawn_also = tree[name]
        if cls is CocreateError:
            assert drawn_parent is None
            continue
        assert len(parents) == 1, f"{name} has more than one cocreate parent"
        assert drawn_parent == parents[0].__name__, (
            f"{name} is drawn under {drawn_parent}, but its parent is {parents[0].__name__}"
        )
        assert drawn_also == others, f"{name} is drawn as also {drawn_also or 'nothing'}: {others}"


def test_nothing_drawn_is_missing_from_the_module() -> None:
    classes = _classes()
    for name in _drawn():
        assert name in classes, f"the tree draws {name}, which cocreate.errors does not define"


def test_conflict_is_its_own_kind_of_error() -> None:
    """Not bad input: the same request may succeed once the caller has reloaded."""
    exc = Conflict("work 0123abcd changed", work_id="0123abcdef", expected=3, seq=5, kind="round")
    assert isinstance(exc, CocreateError) and not isinstance(exc, InputError | ValueError)
    assert (exc.work_id, exc.expected, exc.seq, exc.kind) == ("0123abcdef", 3, 5, "round")
    assert str(exc) == "work 0123abcd changed"
    assert Conflict("a round is already being made").seq is None


@pytest.mark.parametrize(
    "line, parent",
    [("    ├── Stray", "CocreateError"), ("    │   └── Strayer", "InputError")],
)
def test_the_reader_of_the_tree(monkeypatch: pytest.MonkeyPatch, line: str, parent: str) -> None:
    """A drawn line it cannot place would let a stale tree pass: check the reader itself."""
    doc = errors.__doc__ or ""
    head, tail = doc.split("    ├── NotFound", 1)
    monkeypatch.setattr(errors, "__doc__", f"{head}{line}\n    ├── NotFound{tail}")
    tree = _drawn()
    assert tree[line.split()[-1]][0] == parent
    with pytest.raises(AssertionError, match="does not define"):
        test_nothing_drawn_is_missing_from_the_module()


def test_the_web_answers_a_conflict_with_409_and_its_message() -> None:
    from fastapi import FastAPI

    from cocreate.web import problems

    app = FastAPI()
    problems.install(app)
    message = "work 0123abcd changed since it was read; reload the work and try again"

    @app.get("/clash")
    def clash() -> None:
        raise Conflict(message)

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            return await c.get("/clash")

    answer = asyncio.run(ask())
    assert answer.status_code == 409 == problems.status_of(Conflict("x"))
    assert answer.json() == {"detail": message, "error": "Conflict"}
