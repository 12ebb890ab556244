"""The co-creation session: a Studio holds works; a Work runs the ask/tell loop.

``work.propose(n)`` asks the partner for N variants; ``choose``, ``reject``,
``rate``, ``rank``, ``compare``, ``skip``, ``note``, ``edit`` and
``contribute`` tell it what the person thinks and makes. Every act is an event
of the ledger, and everything handed out is an immutable snapshot.
"""

from __future__ import annotations

import copy
import functools
import os
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from . import partners as partner_registry
from .activity import ActivityIndex
from .errors import (
    ArtifactNotFound,
    Cancelled,
    CocreateError,
    ForeignArtifact,
    InputError,
    InvalidContent,
    InvalidJudgment,
    NothingToUndo,
    PartnerFailed,
    WorkNotFound,
)
from .ledger import VerifyReport, now
from .media import FileMediaStore, MediaStore, MemoryMediaStore, check_content
from .model import (
    Artifact,
    Creator,
    Event,
    EventKind,
    Intention,
    Judgment,
    JudgmentKind,
    NewEvent,
    Operator,
    Origin,
    PartnerInfo,
    Recipe,
    is_person,
    partner_actor,
)
from .partners.base import Partner, Unsupported
from .preferences import attunement_curve, feedback_from_states
from .proposing import (
    Candidate,
    DiverseStrategy,
    Feedback,
    ProposalContext,
    Strategy,
    describe_candidate,
    make_pool,
)
from .state import History, WorkState, build_history
from .storage import Storage, open_storage

ArtifactRef = Artifact | str
Progress = Callable[[int, int], "bool | None"]

MAX_PROPOSALS = 64
MAX_NOTE = 10_000


def default_url() -> str:
    """``$COCREATE_DB``, else a SQLite file in the user's data directory."""
    env = os.environ.get("COCREATE_DB")
    if env:
        return env
    import platformdirs

    return f"sqlite:///{Path(platformdirs.user_data_dir('cocreate')) / 'studio.db'}"


def default_media(url: str) -> MediaStore:
    env = os.environ.get("COCREATE_MEDIA")
    if env:
        return FileMediaStore(env)
    if url.startswith(("memory", ":memory:")):
        return MemoryMediaStore()
    if url.startswith("sqlite:///"):
        db = Path(url[len("sqlite:///") :]).expanduser()
        return FileMediaStore(db.with_name(db.stem + "-media"))
    import platformdirs

    return FileMediaStore(Path(platformdirs.user_data_dir("cocreate")) / "media")


def _new_id() -> str:
    return uuid.uuid4().hex


class Studio:
    """Where works live: a ledger (storage) and a media store.

    ``Studio()`` opens the default SQLite file in the user's data directory;
    ``Studio("sqlite:///my.db")``, ``Studio("postgresql://...")`` or
    ``Studio("memory://")`` choose another storage. ``strategy`` picks the N
    shown (default: :func:`default_strategy`); ``pool_size`` is how many
    candidates it picks them from (default: each partner's ``pool_size``,
    256 for parametric partners, 96 for images; at least 3 N); ``seed``
    makes every round's randomness reproducible.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        media: MediaStore | str | os.PathLike[str] | None = None,
        strategy: Strategy | None = None,
        pool_size: int | None = None,
        seed: int | None = None,
        storage: Storage | None = None,
    ) -> None:
        if strategy is not None and not callable(getattr(strategy, "select", None)):
            raise InputError(
                f"strategy must be a cocreate.proposing.Strategy (with select), not {strategy!r}"
            )
        if pool_size is not None and (
            isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1
        ):
            raise InputError(f"pool_size must be a whole number of candidates, not {pool_size!r}")
        self.url = url or default_url()
        self.storage = storage or open_storage(self.url)
        if media is None:
            self.media = default_media(self.url)
        elif isinstance(media, MediaStore):
            self.media = media
        else:
            self.media = FileMediaStore(media)
        self.strategy = strategy or default_strategy()
        self.pool_size = pool_size
        self._seed = seed
        self._states: dict[str, WorkState] = {}
        self._partners: dict[str, Partner] = {}
        self._lock = threading.RLock()
        self._activity = ActivityIndex(self.storage)
        self._tastes: dict[tuple, dict[str, Any]] = {}  # fitted profiles, oldest first

    # -- works ------------------------------------------------------------------------
    def create_work(
        self,
        domain: str,
        creator: str,
        intention: Intention | str | Mapping[str, Any],
        *,
        partner: str | None = None,
        partner_params: Mapping[str, Any] | None = None,
        title: str = "",
        surprise: float = 0.3,
    ) -> Work:
        """Start a work in ``domain`` for ``creator`` with their intention."""
        creator = person_id(creator)
        try:
            intent = Intention.coerce(intention)
        except (TypeError, ValueError) as exc:
            raise InputError(f"bad intention: {exc}") from None
        if not intent.brief:
            raise InputError("the intention needs a brief: say what you want to make")
        classes = partner_registry.for_domain(domain)
        cls = partner_registry.get(partner) if partner else classes[0]
        if cls.domain != domain:
            raise InputError(f"partner {cls.name!r} serves domain {cls.domain!r}, not {domain!r}")
        instance = cls(**dict(partner_params or {}))
        work_id = _new_id()
        self._append(
            work_id,
            EventKind.WORK_CREATED,
            creator,
            {
                "domain": domain,
                "partner": cls.name,
                "partner_info": instance.info().to_dict(),
                "partner_params": dict(partner_params or {}),
                "creator": creator,
                "title": title.strip() or intent.brief[:60],
                "intention": intent.to_dict(),
                "surprise": _unit(surprise, "surprise"),
            },
        )
        self._partners[work_id] = cast(Partner, _Guarded(instance))
        return Work(self, work_id)

    def work(self, work_id: str) -> Work:
        """The work with this id (a unique prefix is enough)."""
        return Work(self, self._resolve_work(work_id))

    def works(self, *, creator: str | None = None, domain: str | None = None) -> list[Work]:
        """Every work, oldest first, optionally of one creator or domain."""
        out = []
        for e in self.storage.events(kinds=[EventKind.WORK_CREATED]):
            if creator is not None and e.payload["creator"] != creator:
                continue
            if domain is not None and e.payload["domain"] != domain:
                continue
            out.append(Work(self, e.work_id))
        return out

    def partners(self) -> list[PartnerInfo]:
        return [cls().info() for cls in partner_registry.available().values()]

    # -- people -----------------------------------------------------------------------
    def register_creator(self, creator: Creator) -> Creator:
        """Record a person's profile (names, PRO, IPI) for credits and split sheets."""
        person_id(creator.id)
        self._append("", EventKind.CREATOR_REGISTERED, creator.id, creator.to_dict())
        return creator

    def creators(self) -> list[Creator]:
        """Everyone who created a work or registered, latest profile wins."""
        found: dict[str, Creator] = {}
        for e in self.storage.events(kinds=[EventKind.WORK_CREATED, EventKind.CREATOR_REGISTERED]):
            if e.kind == EventKind.CREATOR_REGISTERED:
                found[e.actor] = Creator(**{k: str(v) for k, v in e.payload.items()})
            else:
                found.setdefault(e.payload["creator"], Creator(id=e.payload["creator"]))
        return list(found.values())

    def creator(self, creator_id: str) -> Creator:
        for c in self.creators():
            if c.id == creator_id:
                return c
        return Creator(id=creator_id)

    # -- taste ------------------------------------------------------------------------
    def feedback(self, creator: str, domain: str, work_id: str = "") -> Feedback:
        """Everything ``creator`` has taught about their taste in ``domain``."""
        index = self._activity.refresh()  # reads only what was appended since
        states = [self._state(w) for w in index.works_taught(creator, domain)]
        return feedback_from_states(
            states, creator, work_id, after_seq=index.reset_seq(creator, domain), domain=domain
        )

    def reset_taste(self, creator: str, domain: str) -> None:
        """Forget what ``creator`` taught in ``domain`` (the judgments stay in the ledger).

        The domain must be one a partner serves, or one the creator has works in:
        a misspelt domain is refused (``UnknownDomain``), not recorded as a reset.
        """
        who = person_id(creator)
        if not self.works(creator=who, domain=domain):
            partner_registry.for_domain(domain)  # raises, naming the known domains
        self._append("", EventKind.TASTE_RESET, who, {"domain": domain})

    def taste(self, creator: str, domain: str) -> dict[str, Any]:
        """What the partner has learned of ``creator``'s taste in ``domain``, as a dict.

        The profile is of the model the studio's strategy proposes with in
        ``domain`` (its ``taste_model(domain)``; the Bradley–Terry model for a
        strategy without one), tested on choices it was not fitted on, with the
        favourite spots when that model is an ideal-point one. It is fitted
        once per state of the feedback: asking again before the next judgment
        costs no fit.
        """
        creator = person_id(creator)
        feedback = self.feedback(creator, domain)
        profile: dict[str, Any] = {
            "creator": creator,
            "domain": domain,
            "judgments": len(feedback),
            "comparisons": len(feedback.comparisons),
            "ratings": len(feedback.ratings),
            "attunement": self.attunement(creator, domain),
        }
        try:
            from .attunement import taste_report
        except ImportError:  # the attunement package is optional for custom strategies
            return profile
        key = (creator, domain, id(self.strategy), _feedback_key(feedback))
        with self._lock:
            learned = self._tastes.get(key)
        if learned is None:
            names = partner_registry.for_domain(domain)[0].feature_names
            make = getattr(self.strategy, "taste_model", None)
            model = make(domain) if callable(make) else None
            learned = taste_report(feedback, names, model, creator=creator, domain=domain)
            with self._lock:
                self._tastes[key] = learned
                while len(self._tastes) > TASTE_CACHE_SIZE:
                    self._tastes.pop(next(iter(self._tastes)))
        return {**profile, **copy.deepcopy(learned)}  # the kept one stays as it was

    def attunement(self, creator: str, domain: str) -> dict[str, Any]:
        """How often the partner foresaw the creator's pick, across their works."""
        states = [self._state(w.id) for w in self.works(creator=creator, domain=domain)]
        return attunement_curve(states)

    # -- the ledger -------------------------------------------------------------------
    def verify(self) -> VerifyReport:
        """Check the whole ledger; the report names the first bad event, if any."""
        return self.storage.verify()

    def events(self, work_id: str | None = None) -> list[Event]:
        return self.storage.events(work_id=work_id)

    def close(self) -> None:
        self.storage.close()

    def __enter__(self) -> Studio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Studio {self.storage.url}>"

    # -- internals --------------------------------------------------------------------
    def _append(self, work_id: str, kind: str, actor: str, payload: Mapping[str, Any]) -> Event:
        return self._append_many([(work_id, kind, actor, payload)])[0]

    def _append_many(self, items: Sequence[tuple[str, str, str, Mapping[str, Any]]]) -> list[Event]:
        at = now()
        return self.storage.append(
            [NewEvent(_new_id(), w, str(k), a, at, p) for w, k, a, p in items]
        )

    def _resolve_work(self, work_id: str) -> str:
        if not isinstance(work_id, str) or not work_id:
            raise WorkNotFound("a work id is required")
        if work_id in self._states:
            return work_id
        matches = [
            e.work_id
            for e in self.storage.events(kinds=[EventKind.WORK_CREATED])
            if e.work_id.startswith(work_id)
        ]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise WorkNotFound(f"no work with id {work_id!r}")
        raise WorkNotFound(f"work id {work_id!r} is ambiguous: it starts {len(matches)} works")

    def _state(self, work_id: str) -> WorkState:
        with self._lock:
            state = self._states.get(work_id)
            if state is None:
                state = WorkState(work_id)
            new = self.storage.events(work_id=work_id, after=state.last_seq)
            state.apply_all(new)
            if not state.domain:
                raise WorkNotFound(f"no work with id {work_id!r}")
            self._states[work_id] = state
            return state

    def _partner(self, state: WorkState) -> Partner:
        p = self._partners.get(state.work_id)
        if p is None:
            made = partner_registry.create(state.partner, **state.partner_params)
            p = cast(Partner, _Guarded(made))
            self._partners[state.work_id] = p
        return p

    def _round_rng(self, work_id: str, round_no: int) -> np.random.Generator:
        """Fresh entropy per round; with ``Studio(seed=...)``, the same sequence every run."""
        if self._seed is None:
            return np.random.default_rng(secrets.randbits(64))
        created_at = self._state(work_id).events[0].seq  # the same in a replayed session
        return np.random.default_rng(np.random.SeedSequence([self._seed, created_at, round_no]))


#: fitted taste profiles a studio keeps (one per creator, domain and state of their feedback)
TASTE_CACHE_SIZE = 32


def _feedback_key(feedback: Feedback) -> int:
    """Changes whenever anything the taste is fitted on does."""
    return hash(
        (
            feedback.work_id,
            tuple((c.winner, c.loser, c.weight, c.work_id, c.source) for c in feedback.comparisons),
            tuple((r.artifact, r.value, r.work_id) for r in feedback.ratings),
        )
    )


def default_strategy() -> Strategy:
    """The attuned strategy when available, else the model-free one."""
    try:
        from .attunement import AttunedStrategy
    except ImportError:
        return DiverseStrategy()
    return AttunedStrategy()


def person_id(actor: str) -> str:
    """``actor`` as a person's id, or ``InputError`` if it is empty, too long or an AI's."""
    if not isinstance(actor, str) or not actor.strip():
        raise InputError("a person's id is required (e.g. by='ana')")
    actor = actor.strip()
    if not is_person(actor):
        raise InputError(f"{actor!r} is reserved for AI partners; people cannot act under it")
    if len(actor) > 200:
        raise InputError("a person's id is at most 200 characters")
    return actor


def _unit(value: float, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number between 0 and 1, not {value!r}") from None
    if not 0.0 <= v <= 1.0:
        raise InputError(f"{name} must be between 0 and 1, not {v}")
    return v


class Work:
    """One work and its co-creation loop. Cheap to create; state lives in the ledger."""

    def __init__(self, studio: Studio, work_id: str) -> None:
        self.studio = studio
        self.id = work_id

    # -- what the work is -------------------------------------------------------------
    @property
    def _s(self) -> WorkState:
        return self.studio._state(self.id)

    @property
    def domain(self) -> str:
        return self._s.domain

    @property
    def creator(self) -> str:
        return self._s.creator

    @property
    def title(self) -> str:
        return self._s.title

    @property
    def intention(self) -> Intention:
        return self._s.intention

    @property
    def surprise(self) -> float:
        return self._s.surprise

    @property
    def partner(self) -> PartnerInfo:
        return self.studio._partner(self._s).info()

    @property
    def partner_name(self) -> str:
        """The registry name of the work's partner (known even if its package is gone)."""
        return self._s.partner

    @property
    def created_at(self) -> str:
        return self._s.created_at

    def __repr__(self) -> str:
        return f"<Work {self.id[:8]} {self.domain} by {self.creator}: {self.title!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Work) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    # -- reading ----------------------------------------------------------------------
    def artifact(self, ref: ArtifactRef) -> Artifact:
        """The artifact with this id (or unique id prefix), as a snapshot."""
        return self._s.snapshot(self._resolve(ref), self.studio.media.get)

    def artifacts(self) -> list[Artifact]:
        s = self._s
        return [s.snapshot(i, self.studio.media.get) for i in s.artifacts]

    def round(self, number: int | None = None) -> list[Artifact]:
        """The artifacts shown in a round (the latest by default)."""
        s = self._s
        number = s.last_round() if number is None else number
        return [s.snapshot(i, self.studio.media.get) for i in s.rounds.get(number, [])]

    def rounds(self) -> dict[int, tuple[str, ...]]:
        """Round number -> the ids shown in it, oldest round first."""
        return {k: tuple(v) for k, v in sorted(self._s.rounds.items())}

    def is_active(self, artifact: ArtifactRef) -> bool:
        """False for a contribution or edit that was undone."""
        return self._s.is_active(self._resolve(artifact))

    def judgments(self, *, include_undone: bool = True) -> list[Judgment]:
        s = self._s
        return list(s.judgments.values()) if include_undone else s.active_judgments()

    def history(self) -> History:
        """The branching tree of everything proposed, contributed and edited."""
        return build_history(self._s, self.studio.media.get)

    def events(self) -> list[Event]:
        return self.studio.storage.events(work_id=self.id)

    def current(self) -> Artifact | None:
        """The artifact the person is on: the latest pick, edit, contribution or restore."""
        i = self._s.current()
        return self.artifact(i) if i else None

    def attunement(self) -> dict[str, Any]:
        """How often the partner foresaw the pick in this work, round by round."""
        return attunement_curve([self._s])

    # -- asking -----------------------------------------------------------------------
    def propose(
        self,
        n: int = 9,
        *,
        surprise: float | None = None,
        parents: Sequence[ArtifactRef] | None = None,
        strength: float | None = None,
        progress: Progress | None = None,
        by: str | None = None,
    ) -> list[Artifact]:
        """Ask the partner for ``n`` proposals, building on what the person liked.

        ``parents`` restricts the round to variations (and crossovers) of
        those artifacts; ``strength`` fixes how bold the variations are;
        ``surprise`` overrides the work's dial for this round. ``by`` is the
        person asking (default: the work's creator); the request is recorded.
        """
        n = _count(n)
        surprise = self.surprise if surprise is None else _unit(surprise, "surprise")
        strength = None if strength is None else _unit(strength, "strength")
        s = self._s
        feedback = self.studio.feedback(s.creator, s.domain, self.id)
        anchors = [self._resolve(p) for p in parents] if parents else self._anchors(s, feedback)
        rng = self.studio._round_rng(self.id, s.last_round() + 1)
        partner = self.studio._partner(s)
        size = max(self.studio.pool_size or partner.pool_size, 3 * n)
        pool = self._pool(
            partner, anchors, size, rng, surprise, strength, only_children=bool(parents)
        )
        request = {
            "operator": "propose",
            "parents": anchors if parents else [],
            "strength": strength,
        }
        return self._show(
            partner, pool, n, surprise, rng, progress, request=request, by=by, feedback=feedback
        )

    def _anchors(self, s: WorkState, feedback: Feedback) -> list[str]:
        """What the next pool builds on: the strategy's say, from the latest likes."""
        liked = s.liked()
        choose = getattr(self.studio.strategy, "anchors", None)
        if choose is None:
            return liked[:4]
        rejected = s.rejected()
        candidates = [
            i
            for i, a in s.artifacts.items()
            if i in feedback.features and i not in rejected and a.get("role") != "reference"
        ]
        return list(choose(liked, candidates, feedback, self.id))[:4]

    def variations(
        self,
        artifact: ArtifactRef,
        n: int = 9,
        *,
        strength: float = 0.3,
        progress: Progress | None = None,
        by: str | None = None,
    ) -> list[Artifact]:
        """``n`` variations of one artifact ("variations of this one")."""
        return self.propose(n, parents=[artifact], strength=strength, progress=progress, by=by)

    def crossover(
        self,
        a: ArtifactRef,
        b: ArtifactRef,
        n: int = 4,
        *,
        progress: Progress | None = None,
        by: str | None = None,
    ) -> list[Artifact]:
        """``n`` children that mix two artifacts."""
        n = _count(n)
        s = self._s
        ids = [self._resolve(a), self._resolve(b)]
        if ids[0] == ids[1]:
            raise InputError("crossover needs two different artifacts")
        partner = self.studio._partner(s)
        if "cross" not in partner.capabilities:
            raise InputError(f"partner {partner.name!r} cannot cross two artifacts")
        rng = self.studio._round_rng(self.id, s.last_round() + 1)
        genomes = [self._genome(partner, i, rng) for i in ids]
        pool = []
        for _ in range(max(3 * n, 12)):
            seed = int(rng.integers(2**31))
            g = partner.cross(genomes[0], genomes[1], np.random.default_rng(seed))
            pool.append(Candidate(g, Operator.CROSS, tuple(ids), seed))
        request = {"operator": "crossover", "parents": ids, "strength": None}
        return self._show(partner, pool, n, self.surprise, rng, progress, request=request, by=by)

    def interpolate(
        self,
        a: ArtifactRef,
        b: ArtifactRef,
        steps: int = 5,
        *,
        progress: Progress | None = None,
        by: str | None = None,
    ) -> list[Artifact]:
        """A strip of ``steps`` in-betweens from ``a`` to ``b`` (ends excluded)."""
        steps = _count(steps)
        s = self._s
        ids = (self._resolve(a), self._resolve(b))
        partner = self.studio._partner(s)
        if "interpolate" not in partner.capabilities:
            raise InputError(f"partner {partner.name!r} cannot interpolate two artifacts")
        rng = self.studio._round_rng(self.id, s.last_round() + 1)
        ga, gb = (self._genome(partner, i, rng) for i in ids)
        pool = []
        for k in range(1, steps + 1):
            t = k / (steps + 1)
            c = Candidate(partner.interpolate(ga, gb, t), Operator.INTERPOLATE, ids, 0, strength=t)
            c.note = f"{round(t * 100)}% of the way between them"
            pool.append(c)
        request = {"operator": "interpolate", "parents": list(ids), "strength": None}
        return self._show(
            partner,
            pool,
            steps,
            self.surprise,
            rng,
            progress,
            keep_order=True,
            request=request,
            by=by,
        )

    # -- telling ----------------------------------------------------------------------
    def choose(
        self,
        artifact: ArtifactRef,
        *,
        among: Sequence[ArtifactRef] | None = None,
        by: str | None = None,
    ) -> Judgment:
        """The person picks ``artifact`` out of the set shown (its round, by default)."""
        i = self._resolve(artifact)
        shown = self._among(i, among)
        return self._judge(JudgmentKind.CHOOSE, by, artifact=i, among=shown)

    def reject(self, artifact: ArtifactRef, *, by: str | None = None) -> Judgment:
        i = self._resolve(artifact)
        return self._judge(JudgmentKind.REJECT, by, artifact=i, among=self._among(i, None))

    def rate(self, artifact: ArtifactRef, stars: int, *, by: str | None = None) -> Judgment:
        """A rating from 1 to 5 stars."""
        if (
            isinstance(stars, bool)
            or not isinstance(stars, int | np.integer)
            or not 1 <= stars <= 5
        ):
            raise InvalidJudgment(f"a rating is a whole number of stars from 1 to 5, not {stars!r}")
        i = self._resolve(artifact)
        return self._judge(JudgmentKind.RATE, by, artifact=i, rating=int(stars))

    def rank(
        self,
        best: ArtifactRef,
        worst: ArtifactRef,
        *,
        among: Sequence[ArtifactRef] | None = None,
        by: str | None = None,
    ) -> Judgment:
        """Best and worst of a set (the best's round by default)."""
        b, w = self._resolve(best), self._resolve(worst)
        if b == w:
            raise InvalidJudgment("the best and the worst must be different artifacts")
        shown = self._among(b, among)
        if w not in shown:
            raise InvalidJudgment("the worst must be one of the set shown with the best")
        return self._judge(JudgmentKind.RANK, by, artifact=b, other=w, among=shown)

    def compare(
        self, winner: ArtifactRef, loser: ArtifactRef, *, by: str | None = None
    ) -> Judgment:
        """A pairwise judgment: ``winner`` over ``loser``."""
        a, b = self._resolve(winner), self._resolve(loser)
        if a == b:
            raise InvalidJudgment("a comparison needs two different artifacts")
        return self._judge(JudgmentKind.COMPARE, by, artifact=a, other=b, among=(a, b))

    def skip(self, artifact: ArtifactRef | None = None, *, by: str | None = None) -> Judgment:
        """Seen, no opinion (a whole round when no artifact is given). Teaches nothing."""
        if artifact is None:
            last = self._s.last_round()
            if not last:
                raise InvalidJudgment("there is no round to skip yet")
            return self._judge(
                JudgmentKind.SKIP,
                by,
                artifact=None,
                among=tuple(self._s.rounds[last]),
                round_no=last,
            )
        i = self._resolve(artifact)
        return self._judge(JudgmentKind.SKIP, by, artifact=i)

    def note(self, artifact: ArtifactRef, text: str, *, by: str | None = None) -> Judgment:
        if not isinstance(text, str) or not text.strip():
            raise InvalidJudgment("a note needs some text")
        if len(text) > MAX_NOTE:
            raise InvalidJudgment(f"a note is at most {MAX_NOTE:,} characters")
        return self._judge(JudgmentKind.NOTE, by, artifact=self._resolve(artifact), text=text)

    def undo(self, *, by: str | None = None) -> str:
        """Undo the person's latest act with a compensating event; return the undone event id."""
        actor = person_id(by or self.creator)
        acts = self._s.active_acts(actor)
        if not acts:
            raise NothingToUndo(f"{actor} has nothing left to undo in this work")
        target = max(acts, key=lambda a: a.seq)
        self.studio._append(
            self.id, EventKind.UNDONE, actor, {"target": target.event_id, "kind": target.kind}
        )
        return target.event_id

    def restore(self, artifact: ArtifactRef, *, by: str | None = None) -> Artifact:
        """Go back to any earlier node: the next round builds on it."""
        i = self._resolve(artifact)
        self.studio._append(
            self.id, EventKind.RESTORED, person_id(by or self.creator), {"artifact": i}
        )
        return self.artifact(i)

    def revise(
        self, intention: Intention | str | Mapping[str, Any], *, by: str | None = None
    ) -> Intention:
        """Change the intention; earlier rounds keep the one they were made under."""
        try:
            intent = Intention.coerce(intention)
        except (TypeError, ValueError) as exc:
            raise InputError(f"bad intention: {exc}") from None
        if not intent.brief:
            raise InputError("the intention needs a brief")
        self.studio._append(
            self.id,
            EventKind.INTENTION_REVISED,
            person_id(by or self.creator),
            {"intention": intent.to_dict()},
        )
        return intent

    def set_surprise(self, surprise: float, *, by: str | None = None) -> float:
        """Set the surprise dial for the rounds to come."""
        value = _unit(surprise, "surprise")
        self.studio._append(
            self.id, EventKind.SURPRISE_SET, person_id(by or self.creator), {"surprise": value}
        )
        return value

    # -- the person's own material ----------------------------------------------------
    def contribute(
        self,
        content: bytes,
        media_type: str,
        *,
        by: str | None = None,
        role: str = "material",
        note: str = "",
    ) -> Artifact:
        """The person's own material enters the work.

        ``role="material"`` makes it a parent for later proposals;
        ``role="reference"`` keeps it as a reference only.
        """
        actor = person_id(by or self.creator)
        if role not in ("material", "reference"):
            raise InputError(f"role must be 'material' or 'reference', not {role!r}")
        check_content(content, media_type)
        partner = self.studio._partner(self._s)
        features = self._features_of(partner, content, media_type)
        a = self._new_artifact(
            content=bytes(content),
            media_type=media_type,
            origin=Origin.HUMAN,
            author=actor,
            operator=Operator.CONTRIBUTE,
            parents=(),
            features=features,
            reason=note or "your own material",
            extra={"role": role},
        )
        self.studio._append(self.id, EventKind.ARTIFACT_CONTRIBUTED, actor, {"artifact": a})
        return self.artifact(a["id"])

    def edit(
        self,
        artifact: ArtifactRef,
        new_content: bytes | None = None,
        *,
        adjustments: Mapping[str, Any] | None = None,
        media_type: str | None = None,
        by: str | None = None,
    ) -> Artifact:
        """A person's edit: a new node whose parent is ``artifact``; nothing is overwritten.

        Give either the edited bytes, or ``adjustments`` the partner
        understands (see ``Partner.edit_params``), which keeps a recipe.
        """
        actor = person_id(by or self.creator)
        i = self._resolve(artifact)
        if (new_content is None) == (adjustments is None):
            raise InputError("an edit gives either new content or adjustments, not both or neither")
        original = self._s.artifacts[i]
        partner = self.studio._partner(self._s)
        recipe = None
        if adjustments is not None:
            if not isinstance(adjustments, Mapping) or not adjustments:
                raise InputError("adjustments must be a non-empty mapping")
            rng = np.random.default_rng(0)
            try:
                genome = partner.edit(self._genome(partner, i, rng), dict(adjustments))
            except Unsupported as exc:
                raise InputError(str(exc)) from None
            content = partner.render(genome)
            mt = partner.media_type
            info = partner.info()
            recipe = Recipe(
                partner=info.name,
                partner_version=info.version,
                model_id=info.model_id,
                operator=Operator.EDIT,
                seed=None,
                genome=genome,
                params=dict(adjustments),
            ).to_dict()
            features = [float(x) for x in partner.describe(genome, content)]
        else:
            mt = media_type or original["media_type"]
            check_content(new_content, mt)  # type: ignore[arg-type]
            content = bytes(new_content)  # type: ignore[arg-type]
            features = self._features_of(partner, content, mt)
        a = self._new_artifact(
            content=content,
            media_type=mt,
            origin=Origin.HUMAN,
            author=actor,
            operator=Operator.EDIT,
            parents=(i,),
            features=features,
            reason="your edit",
            recipe=recipe,
            extra={"edits": dict(adjustments or {})},
        )
        self.studio._append(self.id, EventKind.ARTIFACT_EDITED, actor, {"artifact": a})
        return self.artifact(a["id"])

    def render(self, artifact: ArtifactRef, size: int) -> bytes:
        """Render an artifact again from its recipe, e.g. at print resolution."""
        a = self.artifact(artifact)
        if a.genome is None:
            raise InputError("this artifact has no recipe to render again (it is a person's file)")
        if not isinstance(size, int) or not 16 <= size <= 4096:
            raise InputError(f"size must be between 16 and 4096 pixels, not {size!r}")
        return self.studio._partner(self._s).render(a.genome, size=size)

    # -- authorship -------------------------------------------------------------------
    def attribution(self, artifact: ArtifactRef | None = None, policy: Any = None) -> Any:
        """Who contributed what to ``artifact`` (default: the current version)."""
        from .authorship import attribution

        return attribution(self, artifact, policy)

    def disclosure(self, artifact: ArtifactRef | None = None, policy: Any = None) -> Any:
        """An authorship disclosure in the form copyright offices ask for."""
        from .authorship import disclosure

        return disclosure(self, artifact, policy)

    def split_sheet(self, artifact: ArtifactRef | None = None, policy: Any = None) -> Any:
        """Credit and royalty shares among the people, summing to exactly 100%."""
        from .authorship import split_sheet

        return split_sheet(self, artifact, policy)

    def export(
        self,
        format: str = "file",
        artifact: ArtifactRef | None = None,
        *,
        provenance: bool = True,
        by: str | None = None,
        identity: Any = None,
        policy: Any = None,
        size: int | None = None,
    ) -> Any:
        """Export the file (with Content Credentials) or a record (PROV, disclosure, splits).

        ``identity`` signs the Content Credentials (default: the studio's own);
        ``policy`` weighs the attribution (default: ``authorship.DEFAULT_POLICY``);
        ``size`` renders the file again from its recipe first (e.g. 2048 for print).
        """
        from .authorship import export

        return export(
            self,
            artifact,
            format=format,
            provenance=provenance,
            by=by,
            identity=identity,
            policy=policy,
            size=size,
        )

    # -- internals --------------------------------------------------------------------
    def _resolve(self, ref: ArtifactRef) -> str:
        s = self._s
        if isinstance(ref, Artifact):
            if ref.work_id != self.id:
                raise ForeignArtifact(
                    f"artifact {ref.id[:8]} belongs to work {ref.work_id[:8]}, not to {self.id[:8]}"
                )
            ref = ref.id
        if not isinstance(ref, str) or not ref:
            raise ArtifactNotFound(f"not an artifact id: {ref!r}")
        if ref in s.artifacts:
            return ref
        matches = [i for i in s.artifacts if i.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ArtifactNotFound(f"artifact id {ref!r} is ambiguous in this work")
        raise ForeignArtifact(f"artifact {ref!r} is not part of work {self.id[:8]}")

    def _among(self, i: str, among: Sequence[ArtifactRef] | None) -> tuple[str, ...]:
        if among is None:
            r = self._s.round_of(i)
            return tuple(self._s.rounds[r]) if r is not None else (i,)
        shown = tuple(dict.fromkeys(self._resolve(x) for x in among))
        if i not in shown:
            raise InvalidJudgment("the chosen artifact must be one of the set shown")
        return shown

    def _judge(
        self,
        kind: JudgmentKind,
        by: str | None,
        *,
        artifact: str | None,
        among: Sequence[str] = (),
        other: str | None = None,
        rating: int | None = None,
        text: str = "",
        round_no: int | None = None,
    ) -> Judgment:
        actor = person_id(by or self.creator)
        if round_no is None and artifact is not None:
            round_no = self._s.round_of(artifact)
        payload = {
            "kind": str(kind),
            "artifact": artifact,
            "among": list(among),
            "other": other,
            "rating": rating,
            "text": text,
            "round": round_no,
        }
        e = self.studio._append(self.id, EventKind.JUDGMENT, actor, payload)
        return self._s.judgments[e.id]

    def _genome(self, partner: Partner, artifact_id: str, rng: np.random.Generator) -> dict:
        """The genome behind an artifact; a person's material is adopted by the partner."""
        a = self._s.artifacts[artifact_id]
        if a.get("recipe") and a["recipe"].get("genome") is not None:
            return a["recipe"]["genome"]
        try:
            return partner.adopt(self.studio.media.get(a["content_hash"]), a["media_type"], rng)
        except Unsupported:
            raise InputError(
                f"partner {partner.name!r} cannot build on a person's material "
                f"(artifact {artifact_id[:8]})"
            ) from None
        except InvalidContent as exc:
            raise InputError(
                f"partner {partner.name!r} cannot build on artifact {artifact_id[:8]}: {exc}"
            ) from None

    def _buildable(self, partner: Partner, artifact_id: str) -> bool:
        """Whether the partner can build on the artifact (a genome, or material it reads)."""
        a = self._s.artifacts[artifact_id]
        if (a.get("recipe") or {}).get("genome") is not None:
            return True
        return _reads(partner, a["media_type"]) and "adopt" in partner.capabilities

    def _pool(
        self,
        partner: Partner,
        anchors: list[str],
        size: int,
        rng: np.random.Generator,
        surprise: float,
        strength: float | None,
        *,
        only_children: bool,
    ) -> list[Candidate]:
        s = self._s
        anchors = [a for a in anchors if s.artifacts[a].get("role") != "reference"]
        if not only_children:  # the person's files the partner cannot read stay out of the pool
            anchors = [a for a in anchors if self._buildable(partner, a)]
        genomes: dict[str, dict] = {}
        adopted: set[str] = set()
        for a in anchors:
            genomes[a] = self._genome(partner, a, rng)
            if not (s.artifacts[a].get("recipe") or {}).get("genome"):
                adopted.add(a)
        return make_pool(
            partner,
            genomes,
            size,
            rng,
            surprise=surprise,
            strength=strength,
            only_children=only_children,
            intention=s.intention,
            adopted=adopted,
        )

    def _show(
        self,
        partner: Partner,
        pool: list[Candidate],
        n: int,
        surprise: float,
        rng: np.random.Generator,
        progress: Progress | None,
        *,
        keep_order: bool = False,
        request: Mapping[str, Any],
        by: str | None,
        feedback: Feedback | None = None,
    ) -> list[Artifact]:
        asker = person_id(by or self.creator)
        s = self._s
        total = len(pool) + min(n, len(pool))
        for k, c in enumerate(pool):
            if c.features is None:
                c.features = np.asarray(partner.describe(c.genome), dtype=float)
            _tick(progress, k + 1, total)
        round_no = s.last_round() + 1
        if keep_order:
            from .proposing import Pick

            picks = [Pick(index=i, reason="") for i in range(min(n, len(pool)))]
        else:
            seen_ids = [i for ids in s.rounds.values() for i in ids]
            seen = np.array(
                [s.artifacts[i]["features"] for i in seen_ids if s.artifacts[i].get("features")],
                dtype=float,
            )
            if feedback is None:
                feedback = self.studio.feedback(s.creator, s.domain, self.id)
            ctx = ProposalContext(
                work_id=self.id,
                creator=s.creator,
                domain=s.domain,
                intention=s.intention,
                round=round_no,
                n=n,
                surprise=surprise,
                feedback=feedback,
                seen=seen.reshape(len(seen), -1) if len(seen) else np.empty((0, 0)),
                rng=rng,
            )
            picks = self.studio.strategy.select(pool, ctx)
        labels = {i: i[:8] for i in s.artifacts}
        info = partner.info()
        artifacts = []
        for k, pick in enumerate(picks):
            c = pool[pick.index]
            content = partner.render(c.genome)
            recipe = Recipe(
                partner=info.name,
                partner_version=info.version,
                model_id=info.model_id,
                operator=c.operator,
                seed=c.seed,
                genome=c.genome,
                strength=c.strength,
                params=dict(info.params),
            )
            reason = describe_candidate(c, labels)
            if pick.reason:
                reason = f"{reason}; {pick.reason}"
            artifacts.append(
                self._new_artifact(
                    content=content,
                    media_type=partner.media_type,
                    origin=Origin.AI,
                    author=info.name,
                    operator=c.operator,
                    parents=c.parents,
                    features=[float(x) for x in c.features],  # type: ignore[union-attr]
                    reason=reason,
                    recipe=recipe.to_dict(),
                    round_no=round_no,
                    extra={
                        "predicted": bool(pick.predicted),
                        "score": pick.score,
                        **({"away": True} if pick.away else {}),
                    },
                )
            )
            _tick(progress, len(pool) + k + 1, total)
        actor = partner_actor(info.name)
        asked = {**request, "n": n, "round": round_no, "surprise": surprise}
        self.studio._append_many(
            [(self.id, EventKind.ROUND_REQUESTED, asker, asked)]
            + [(self.id, EventKind.ARTIFACT_PROPOSED, actor, {"artifact": a}) for a in artifacts]
        )
        return [self.artifact(a["id"]) for a in artifacts]

    def _new_artifact(
        self,
        *,
        content: bytes,
        media_type: str,
        origin: Origin,
        author: str,
        operator: Operator,
        parents: Iterable[str],
        features: Sequence[float],
        reason: str,
        recipe: dict | None = None,
        round_no: int | None = None,
        extra: Mapping | None = None,
    ) -> dict[str, Any]:
        name = self.studio.media.put(content)
        d = {
            "id": _new_id(),
            "media_type": media_type,
            "content_hash": name,
            "size": len(content),
            "origin": str(origin),
            "author": author,
            "operator": str(operator),
            "parents": list(parents),
            "created_at": now(),
            "recipe": recipe,
            "round": round_no,
            "reason": reason,
            "features": list(features),
            "edits": {},
            "predicted": False,
        }
        d.update(extra or {})
        return d

    def _features_of(self, partner: Partner, content: bytes, media_type: str) -> list[float]:
        if not _reads(partner, media_type):
            return []
        try:
            return [float(x) for x in partner.describe(None, content)]
        except InvalidContent:
            raise
        except Exception as exc:
            raise InvalidContent(f"the {media_type} file could not be read: {exc}") from None


class _Guarded:
    """A partner whose own failures name it: an unexpected exception from its code while
    making or describing an artifact becomes :class:`PartnerFailed` (``edit`` and ``adopt``
    keep theirs: they are about the person's adjustments or material)."""

    _GUARDED = frozenset({"fresh", "vary", "cross", "interpolate", "render", "describe"})

    def __init__(self, partner: Partner) -> None:
        self._partner = partner

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._partner, name)
        if name not in self._GUARDED:
            return value
        partner_name = getattr(self._partner, "name", type(self._partner).__name__)

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return value(*args, **kwargs)
            except CocreateError:
                raise
            except Exception as exc:
                raise PartnerFailed(
                    f"partner {partner_name!r} failed in {name}: {type(exc).__name__}: {exc}"
                ) from exc

        return call


def _reads(partner: Partner, media_type: str) -> bool:
    """Whether the partner can read a file of ``media_type`` (its own, or one it accepts)."""
    return media_type == partner.media_type or media_type in partner.accepts


def _count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= MAX_PROPOSALS:
        raise InputError(f"the number of proposals must be from 1 to {MAX_PROPOSALS}, not {n!r}")
    return int(n)


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None and progress(done, total) is False:
        raise Cancelled("generation was cancelled")
