"""From judgments to preferences: what each kind of judgment teaches.

* choose one of N: the pick beats each other artifact shown;
* best/worst of N: the best beats every other, every other beats the worst;
* compare: the winner beats the loser;
* reject: every artifact of its round that was not rejected beats it (weight ½);
* rate: a rating, 1 to 5 stars;
* edit: the edited version beats its original;
* skip and note: nothing.

Undone judgments and edits teach nothing. This module is pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .model import EventKind, JudgmentKind, Origin
from .proposing import Comparison, Feedback, Rating
from .state import WorkState


def comparisons_of(
    state: WorkState, creator: str, after_seq: int = 0
) -> tuple[list[Comparison], list[Rating]]:
    """The preferences ``creator`` expressed in one work (acts after ``after_seq``)."""
    comps: list[Comparison] = []
    ratings: list[Rating] = []
    w = state.work_id
    rejected = state.rejected()
    for j in state.active_judgments():
        act = state.acts.get(j.id)
        if j.actor != creator or act is None or act.seq <= after_seq or j.artifact is None:
            continue
        if j.kind is JudgmentKind.CHOOSE:
            comps += [
                Comparison(j.artifact, o, 1.0, w, "choose") for o in j.among if o != j.artifact
            ]
        elif j.kind is JudgmentKind.RANK and j.other:
            middle = [o for o in j.among if o not in (j.artifact, j.other)]
            comps.append(Comparison(j.artifact, j.other, 1.0, w, "rank"))
            comps += [Comparison(j.artifact, o, 1.0, w, "rank") for o in middle]
            comps += [Comparison(o, j.other, 1.0, w, "rank") for o in middle]
        elif j.kind is JudgmentKind.COMPARE and j.other:
            comps.append(Comparison(j.artifact, j.other, 1.0, w, "compare"))
        elif j.kind is JudgmentKind.REJECT:
            others = [o for o in j.among if o != j.artifact and o not in rejected]
            comps += [Comparison(o, j.artifact, 0.5, w, "reject") for o in others]
        elif j.kind is JudgmentKind.RATE and j.rating is not None:
            ratings.append(Rating(j.artifact, float(j.rating), w))
    for act in state.acts.values():
        if act.kind != EventKind.ARTIFACT_EDITED or act.undone_by or act.actor != creator:
            continue
        if act.seq <= after_seq or act.subject is None:
            continue
        edited = state.artifacts[act.subject]
        if edited.get("parents"):
            comps.append(Comparison(edited["id"], edited["parents"][0], 1.0, w, "edit"))
    return comps, ratings


def feedback_from_states(
    states: Iterable[WorkState], creator: str, work_id: str, after_seq: int = 0, domain: str = ""
) -> Feedback:
    """All of ``creator``'s preferences across ``states``, with the features they need."""
    fb = Feedback(work_id=work_id, domain=domain)
    for s in states:
        comps, ratings = comparisons_of(s, creator, after_seq)
        needed = (
            {c.winner for c in comps} | {c.loser for c in comps} | {r.artifact for r in ratings}
        )
        have = {i for i in needed if s.artifacts.get(i, {}).get("features")}
        fb.comparisons += [c for c in comps if c.winner in have and c.loser in have]
        fb.ratings += [r for r in ratings if r.artifact in have]
        for i in have:
            fb.features[i] = np.asarray(s.artifacts[i]["features"], dtype=float)
    return fb


def attunement_curve(states: Iterable[WorkState]) -> dict[str, Any]:
    """Round by round: did the partner's predicted pick match the person's choice?

    The running accuracy is compared with chance, 1/N for a round of N. A
    round whose set left the favourite out on purpose (the strategy stepped
    away) is counted like any other and marked ``away``; ``with_favourite``
    gives the accuracy and chance over the other rounds alone, and
    ``away_rounds`` how many rounds stepped away.
    """
    rows: list[dict[str, Any]] = []
    for s in states:
        for j in s.active_judgments():
            if j.kind is not JudgmentKind.CHOOSE or j.round is None:
                continue
            shown = s.rounds.get(j.round, [])
            if len(shown) < 2 or any(s.artifacts[i]["origin"] != Origin.AI for i in shown):
                continue
            predicted = next((i for i in shown if s.artifacts[i].get("predicted")), None)
            if predicted is None:
                continue
            rows.append(
                {
                    "work_id": s.work_id,
                    "round": j.round,
                    "at": j.at,
                    "n": len(shown),
                    "predicted": predicted,
                    "chosen": j.artifact,
                    "hit": predicted == j.artifact,
                    "away": bool(s.artifacts[predicted].get("away", False)),
                }
            )
    rows.sort(key=lambda r: r["at"])
    hits = 0
    chance = 0.0
    for k, r in enumerate(rows, 1):
        hits += r["hit"]
        chance += 1 / r["n"]
        r["accuracy"] = hits / k
        r["chance"] = chance / k
    home = [r for r in rows if not r["away"]]
    return {
        "rounds": rows,
        "accuracy": rows[-1]["accuracy"] if rows else None,
        "chance": rows[-1]["chance"] if rows else None,
        "away_rounds": len(rows) - len(home),
        "with_favourite": {
            "rounds": len(home),
            "accuracy": sum(r["hit"] for r in home) / len(home) if home else None,
            "chance": sum(1 / r["n"] for r in home) / len(home) if home else None,
        },
    }


def describe_attunement(curve: dict[str, Any]) -> str | None:
    """The attunement curve in one line a person reads (``None`` before any choice)."""
    if curve.get("accuracy") is None:
        return None
    line = f"attunement: foresaw {curve['accuracy']:.0%} of picks (chance {curve['chance']:.0%})"
    home = curve.get("with_favourite") or {}
    if curve.get("away_rounds") and home.get("accuracy") is not None:
        sets = "set" if curve["away_rounds"] == 1 else "sets"
        line += (
            f"; {home['accuracy']:.0%} (chance {home['chance']:.0%}) when its favourite was shown,"
            f" {curve['away_rounds']} {sets} left it out on purpose"
        )
    return line
