"""A work's state, folded from its events; and the history tree it shows.

Nothing here is stored: the ledger is the single source of truth, and a
``WorkState`` is what its events add up to. Undo marks an act as undone; the
act stays in the history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .events import fold
from .model import (
    Artifact,
    ContentLoader,
    Event,
    EventKind,
    Intention,
    Judgment,
    JudgmentKind,
)

POSITIVE = {JudgmentKind.CHOOSE, JudgmentKind.RANK, JudgmentKind.COMPARE}


@dataclass(frozen=True)
class Act:
    """An undoable act: a judgment, a contribution, an edit, a restore, a revision."""

    event_id: str
    kind: str
    actor: str
    at: str
    seq: int
    subject: str | None  # the artifact it is about, if any
    undone_by: str | None = None


@dataclass
class WorkState:
    work_id: str
    domain: str = ""
    partner: str = ""
    partner_params: dict[str, Any] = field(default_factory=dict)
    creator: str = ""
    title: str = ""
    intention: Intention = field(default_factory=lambda: Intention(""))
    surprise: float = 0.3
    created_at: str = ""
    last_seq: int = 0
    artifacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    rounds: dict[int, list[str]] = field(default_factory=dict)
    judgments: dict[str, Judgment] = field(default_factory=dict)
    acts: dict[str, Act] = field(default_factory=dict)
    exports: list[dict[str, Any]] = field(default_factory=list)
    intentions: list[tuple[str, Intention]] = field(default_factory=list)  # (event id, revision)
    surprises: list[tuple[str, float]] = field(default_factory=list)  # (event id, dial)
    requests: dict[int, dict[str, Any]] = field(default_factory=dict)  # round -> who asked, how
    events: list[Event] = field(default_factory=list)
    media_type: str = ""  # what the work's partner makes: it picks the draft's content model
    draft: Any = None  # the work's draft document (text, score), once an operation made one
    draft_version: int = 0  # the seq of the last event that changed the draft
    redo_stacks: dict[str, list[str]] = field(default_factory=dict)  # person -> undone acts
    prefolded: set[str] = field(default_factory=set)  # content events applied before appending

    # -- the draft --------------------------------------------------------------------
    def new_draft(self) -> Any:
        """An empty document of the work's kind (``InputError`` for whole-file kinds)."""
        from .content import WholeContentModel, content_model_for
        from .errors import InputError

        model = content_model_for(self.media_type or "application/octet-stream")
        if isinstance(model, WholeContentModel):
            raise InputError(
                f"a {self.domain} work's {self.media_type} is one whole file, not units to "
                "operate on: give the edited file to edit() instead"
            )
        return model.empty()

    def draft_at(self, seq: int) -> Any:
        """The draft as it stood after event ``seq`` (folded afresh from the events)."""
        replay = WorkState(self.work_id)
        replay.apply_all(x for x in self.events if x.seq <= seq)
        return replay.draft if replay.draft is not None else replay.new_draft()

    # -- folding ----------------------------------------------------------------------
    def apply(self, e: Event) -> None:
        """Fold one event (its kind's own ``fold``, :mod:`cocreate.events`)."""
        typed = fold(self, e)
        if typed is not None and typed.undoable:
            self.redo_stacks.pop(e.actor, None)  # a new act: what was undone stays undone
            self.acts[e.id] = Act(e.id, e.kind, e.actor, e.at, e.seq, typed.subject())
        self.events.append(e)
        self.last_seq = e.seq

    def event(self, event_id: str) -> Event:
        """One of the work's events by id."""
        return next(x for x in self.events if x.id == event_id)

    def redoable(self, actor: str) -> str | None:
        """The act ``actor`` would redo: their latest undo, if they made no new act since."""
        stack = self.redo_stacks.get(actor) or []
        return stack[-1] if stack else None

    def apply_all(self, events: Iterable[Event]) -> WorkState:
        for e in events:
            self.apply(e)
        return self

    # -- questions --------------------------------------------------------------------
    def is_active(self, artifact_id: str) -> bool:
        """False for a contribution or edit that was undone."""
        act = next(
            (
                a
                for a in self.acts.values()
                if a.subject == artifact_id
                and a.kind in (EventKind.ARTIFACT_CONTRIBUTED, EventKind.ARTIFACT_EDITED)
            ),
            None,
        )
        return act is None or act.undone_by is None

    def active_judgments(self) -> list[Judgment]:
        return [j for j in self.judgments.values() if not j.undone]

    def active_acts(self, actor: str | None = None) -> list[Act]:
        return [
            a
            for a in self.acts.values()
            if a.undone_by is None and (actor is None or a.actor == actor)
        ]

    def round_of(self, artifact_id: str) -> int | None:
        a = self.artifacts.get(artifact_id)
        return a.get("round") if a else None

    def last_round(self) -> int:
        return max(self.rounds, default=0)

    def rejected(self) -> set[str]:
        return {
            j.artifact
            for j in self.active_judgments()
            if j.kind is JudgmentKind.REJECT and j.artifact
        }

    def liked(self) -> list[str]:
        """Artifacts the person spoke for, most recent first (parents for the next round)."""
        out: list[str] = []
        rejected = self.rejected()
        for act in sorted(self.acts.values(), key=lambda a: -a.seq):
            if act.undone_by is not None or act.subject is None:
                continue
            j = self.judgments.get(act.event_id)
            good = act.kind in (
                EventKind.ARTIFACT_CONTRIBUTED,
                EventKind.ARTIFACT_EDITED,
                EventKind.RESTORED,
            ) or (
                j is not None
                and (j.kind in POSITIVE or (j.kind is JudgmentKind.RATE and (j.rating or 0) >= 4))
            )
            if good and act.subject not in rejected and act.subject not in out:
                out.append(act.subject)
        return out

    def restored(self) -> str | None:
        """The node the person went back to, while their latest act is that restore."""
        live = [a for a in self.acts.values() if a.undone_by is None and a.subject is not None]
        if not live:
            return None
        latest = max(live, key=lambda a: a.seq)
        return latest.subject if latest.kind == EventKind.RESTORED else None

    def current(self) -> str | None:
        """The artifact the person is on: the latest pick, edit, contribution or restore."""
        liked = self.liked()
        return liked[0] if liked else None

    def chosen(self) -> list[str]:
        return [
            j.artifact
            for j in self.active_judgments()
            if j.kind is JudgmentKind.CHOOSE and j.artifact
        ]

    def snapshot(self, artifact_id: str, load: ContentLoader | None) -> Artifact:
        return Artifact.from_dict(self.artifacts[artifact_id], self.work_id, load)


@dataclass(frozen=True)
class HistoryNode:
    """One artifact in the history tree, with what was said about it."""

    artifact: Artifact
    children: tuple[str, ...]
    judgments: tuple[Judgment, ...]
    active: bool  # False when its contribution or edit was undone

    @property
    def status(self) -> str:
        live = [j for j in self.judgments if not j.undone]
        marks = []
        for j in live:
            if j.kind is JudgmentKind.RATE:
                marks.append(f"{j.rating}★")
            elif j.kind is JudgmentKind.RANK:
                marks.append("best" if j.artifact == self.artifact.id else "worst")
            elif j.kind is JudgmentKind.COMPARE:
                marks.append("won" if j.artifact == self.artifact.id else "lost")
            elif j.kind is JudgmentKind.NOTE:
                marks.append("note")
            else:
                marks.append(_LABELS[j.kind])
        return ", ".join(dict.fromkeys(marks))


_LABELS = {
    JudgmentKind.CHOOSE: "chosen",
    JudgmentKind.REJECT: "rejected",
    JudgmentKind.SKIP: "skipped",
}


@dataclass(frozen=True)
class History:
    """The branching tree of everything proposed, contributed and edited in a work."""

    work_id: str
    nodes: Mapping[str, HistoryNode]
    roots: tuple[str, ...]
    rounds: Mapping[int, tuple[str, ...]]
    current: str | None

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[HistoryNode]:
        return iter(self.nodes.values())

    def __getitem__(self, artifact_id: str) -> HistoryNode:
        return self.nodes[artifact_id]

    def lineage(self, artifact_id: str) -> list[str]:
        """The chain of first parents from a root down to ``artifact_id``."""
        chain = [artifact_id]
        while self.nodes[chain[-1]].artifact.parents:
            parent = self.nodes[chain[-1]].artifact.parents[0]
            if parent in chain or parent not in self.nodes:
                break
            chain.append(parent)
        return chain[::-1]

    def walk(self) -> Iterator[tuple[int, HistoryNode]]:
        """Depth-first (depth, node) pairs; an artifact with two parents hangs under the first."""
        seen: set[str] = set()

        def visit(i: str, depth: int) -> Iterator[tuple[int, HistoryNode]]:
            if i in seen:
                return
            seen.add(i)
            yield depth, self.nodes[i]
            for c in self.nodes[i].children:
                yield from visit(c, depth + 1)

        for r in self.roots:
            yield from visit(r, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "work_id": self.work_id,
            "current": self.current,
            "roots": list(self.roots),
            "rounds": {str(k): list(v) for k, v in self.rounds.items()},
            "nodes": [
                {
                    **{k: v for k, v in n.artifact.to_dict().items() if k != "features"},
                    "children": list(n.children),
                    "status": n.status,
                    "active": n.active,
                }
                for n in self.nodes.values()
            ],
        }


def build_history(state: WorkState, load: Callable[[str], bytes] | None) -> History:
    children: dict[str, list[str]] = {i: [] for i in state.artifacts}
    roots: list[str] = []
    for i, a in state.artifacts.items():
        parents = [p for p in a.get("parents") or () if p in children]
        if parents:
            children[parents[0]].append(i)
        else:
            roots.append(i)
    by_artifact: dict[str, list[Judgment]] = {}
    for j in state.judgments.values():
        for subject in {j.artifact, j.other} - {None}:
            by_artifact.setdefault(subject, []).append(j)  # type: ignore[arg-type]
    nodes = {
        i: HistoryNode(
            artifact=state.snapshot(i, load),
            children=tuple(children[i]),
            judgments=tuple(by_artifact.get(i, ())),
            active=state.is_active(i),
        )
        for i in state.artifacts
    }
    return History(
        work_id=state.work_id,
        nodes=nodes,
        roots=tuple(roots),
        rounds={k: tuple(v) for k, v in sorted(state.rounds.items())},
        current=state.current(),
    )
