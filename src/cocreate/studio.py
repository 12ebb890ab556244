"""The studio: where works live, with their ledger (storage), media and partners.

A :class:`Studio` opens storage by URL, creates and finds works, keeps each
work's folded state current by reading only new events, and answers questions
that span works: a person's taste in a domain, their attunement, the ledger's
integrity. The ask/tell loop of one work is :class:`cocreate.work.Work`.
"""

from __future__ import annotations

import copy
import hashlib
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import orjson

from . import events as ev
from . import partners as partner_registry
from .activity import ActivityIndex
from .attunement.lifetime import TasteMemory
from .attunement.threads import model_threads
from .errors import (
    InputError,
    WorkNotFound,
)
from .ledger import VerifyReport, canonical, now
from .media import FileMediaStore, MediaStore, MemoryMediaStore
from .model import (
    Artifact,
    Creator,
    Event,
    EventKind,
    Intention,
    NewEvent,
    PartnerInfo,
    new_id,
)
from .names import clean_text, printable
from .partners.base import Partner
from .partners.guarded import Guarded
from .proposing import (
    DiverseStrategy,
    Feedback,
    Strategy,
)
from .state import WorkState
from .storage import Expect, Storage, open_storage
from .work import Work, person_id, unit_interval

ArtifactRef = Artifact | str
Progress = Callable[[int, int], "bool | None"]

MAX_PROPOSALS = 64
MAX_NOTE = 10_000


def default_url() -> str:
    """The ``db`` setting: ``$COCREATE_DB``, the settings file, else a SQLite file in the data dir."""
    from .settings import load_settings

    return load_settings().db


def default_media(url: str) -> MediaStore:
    """The ``media`` setting (``$COCREATE_MEDIA``, the settings file), else beside ``url``.

    Beside a SQLite file (``<name>-media``), in memory for ``memory://``, else
    in the user's data directory (see :mod:`cocreate.settings`).
    """
    from .settings import load_settings

    folder = load_settings(db=url).media
    return MemoryMediaStore() if folder is None else FileMediaStore(folder)


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
        keys: str | os.PathLike[str] | None = None,
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
        #: the identity store (signing and checkpoint keys); None: the ``keys`` setting, else
        #: a ``credentials`` folder beside the media
        self.keys = Path(keys) if keys is not None else None
        self._states: dict[str, WorkState] = {}
        self._partners: dict[str, Partner] = {}
        self._lock = threading.RLock()
        self._activity = ActivityIndex(self.storage)
        self._tastes: dict[tuple, dict[str, Any]] = {}  # fitted profiles, oldest first
        self._memories: OrderedDict[tuple[str, str], TasteMemory] = OrderedDict()  # latest used
        self._strategies: OrderedDict[tuple, tuple[Strategy, threading.Lock]] = OrderedDict()

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
        work_id = new_id()
        made = ev.WorkCreated(
            domain=domain,
            partner=cls.name,
            partner_info=instance.info().to_dict(),
            partner_params=dict(partner_params or {}),
            creator=creator,
            title=clean_text(title, "the title", 200, required=False)
            or printable(" ".join(intent.brief.split()))[:60],
            intention=intent.to_dict(),
            surprise=unit_interval(surprise, "surprise"),
        )
        self._record(work_id, creator, made)
        self._partners[work_id] = cast(Partner, Guarded(instance))
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
        creator = Creator(
            **{
                k: person_id(v)
                if k == "id"
                else clean_text(v, f"a creator's {k}", 200, required=False)
                for k, v in creator.to_dict().items()
            }
        )
        from .integrity.erasure import person_keys, seal_profile

        # the personal fields go into the ledger sealed under the person's own key (erasure)
        sealed = seal_profile(person_keys(self), creator.id, creator.to_dict())
        self._record("", creator.id, ev.CreatorRegistered(**sealed))
        return creator

    def creators(self) -> list[Creator]:
        """Everyone who created a work or registered, latest profile wins; an erased person
        is named :data:`~cocreate.integrity.erasure.ERASED_PERSON`."""
        from .integrity.erasure import ERASED_PERSON, PERSON_ERASED, open_profile, person_keys

        keys = person_keys(self)
        found: dict[str, Creator] = {}
        erased: set[str] = set()
        kinds = [EventKind.WORK_CREATED, EventKind.CREATOR_REGISTERED, PERSON_ERASED]
        for e in self.storage.events(kinds=kinds):
            if e.kind == EventKind.CREATOR_REGISTERED:
                found[e.actor] = Creator(**open_profile(keys, e.actor, e.payload))
            elif e.kind == PERSON_ERASED:
                erased.add(str(e.payload.get("person")))
            else:
                found.setdefault(e.payload["creator"], Creator(id=e.payload["creator"]))
        for person in erased & set(found):
            found[person] = Creator(id=person, name=ERASED_PERSON)
        return list(found.values())

    def erase_person(self, person_id: str, *, by: str) -> Any:
        """Erase a person's personal data; the ledger still verifies
        (:func:`cocreate.integrity.erasure.erase_person`)."""
        from .integrity.erasure import erase_person

        return erase_person(self, person_id, by=by)

    def creator(self, creator_id: str) -> Creator:
        for c in self.creators():
            if c.id == creator_id:
                return c
        return Creator(id=creator_id)

    # -- taste ------------------------------------------------------------------------
    def feedback(self, creator: str, domain: str, work_id: str = "") -> Feedback:
        """What ``creator`` has taught about their taste in ``domain``, for a fit in ``work_id``.

        All of the work's own judgments, and the latest of their earlier works'
        (:data:`cocreate.attunement.lifetime.PRIOR_LESSONS`): their taste so
        far, read from the compact memory the studio keeps of it beside the
        ledger (:class:`~cocreate.attunement.lifetime.TasteMemory`), so that
        only what changed since is read.
        """
        memory = self._memory(creator, domain)
        current = self._state(work_id) if work_id else None
        return memory.feedback(work_id, current)

    def reset_taste(self, creator: str, domain: str) -> None:
        """Forget what ``creator`` taught in ``domain`` (the judgments stay in the ledger).

        The domain must be one a partner serves, or one the creator has works in:
        a misspelt domain is refused (``UnknownDomain``), not recorded as a reset.
        """
        who = person_id(creator)
        if not self._activity.refresh().works_created(who, domain):
            partner_registry.for_domain(domain)  # raises, naming the known domains
        self._record("", who, ev.TasteReset(domain))

    def taste(self, creator: str, domain: str) -> dict[str, Any]:
        """What the partner has learned of ``creator``'s taste in ``domain``, as a dict.

        The profile is of the model the studio's strategy proposes with in
        ``domain`` (its ``taste_model(domain)``; the Bradley–Terry model for a
        strategy without one), fitted to the latest judgments of their works
        there (:data:`cocreate.attunement.lifetime.PRIOR_LESSONS`) and tested on
        choices it was not fitted on, with the favourite spots when that model
        is an ideal-point one. It is fitted once per state of those judgments:
        asking again before the next judgment costs no fit, in this process or
        another (the report is kept beside the ledger).
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
        from .attunement import taste_report

        names = partner_registry.for_domain(domain)[0].feature_names
        make = getattr(self.strategy, "taste_model", None)
        model = make(domain) if callable(make) else None
        fingerprint = _taste_fingerprint(feedback, names, model)
        key = (creator, domain, fingerprint)
        with self._lock:
            learned = self._tastes.get(key)
        if learned is None:
            learned = self._kept_taste(creator, domain, fingerprint)
        if learned is None:
            with model_threads():
                report = taste_report(feedback, names, model, creator=creator, domain=domain)
            value = orjson.dumps(
                {"fingerprint": fingerprint, "report": report}, option=orjson.OPT_SERIALIZE_NUMPY
            )
            learned = orjson.loads(value)["report"]  # as a later process reads it back
            self.storage.put_derived(_taste_key(creator, domain), self._activity.seq, value)
        with self._lock:
            self._tastes[key] = learned
            while len(self._tastes) > TASTE_CACHE_SIZE:
                self._tastes.pop(next(iter(self._tastes)))
        return {**profile, **copy.deepcopy(learned)}  # the kept one stays as it was

    def attunement(self, creator: str, domain: str) -> dict[str, Any]:
        """How often the partner foresaw the creator's pick, across their works."""
        memory = self._memory(creator, domain)
        return memory.attunement(self._activity.works_created(creator, domain))

    def _memory(self, creator: str, domain: str) -> TasteMemory:
        """The person's taste memory in the domain, up to date with the ledger."""
        index = self._activity.refresh()  # reads only what was appended since
        key = (creator, domain)
        with self._lock:
            memory = self._memories.get(key)
        if memory is None:
            memory = TasteMemory.load(self.storage, creator, domain)
        with self._lock:
            memory = self._memories.setdefault(key, memory)
            self._memories.move_to_end(key)
            while len(self._memories) > MEMORY_CACHE_SIZE:
                self._memories.popitem(last=False)  # kept beside the ledger: read again if needed
        if memory.refresh(index, self._fold):
            memory.keep(self.storage)
        return memory

    def _fold(self, work_id: str) -> WorkState:
        """A work's state: the studio's own when it has one, else read for the caller alone."""
        with self._lock:
            known = work_id in self._states
        if known:
            return self._state(work_id)
        return self._new_state(work_id).apply_all(self.storage.events(work_id=work_id))

    def _new_state(self, work_id: str) -> WorkState:
        """An empty state that opens sealed notes with their authors' keys as it folds."""
        from .integrity.erasure import person_keys, unseal

        state = WorkState(work_id)
        keys = person_keys(self)
        state.unseal = lambda person, text: unseal(keys, person, text)  # type: ignore[attr-defined]
        return state

    def _kept_taste(self, creator: str, domain: str, fingerprint: str) -> dict[str, Any] | None:
        """The report kept beside the ledger, if it is of these judgments and this model."""
        got = self.storage.get_derived(_taste_key(creator, domain))
        if got is None:
            return None
        try:
            kept = orjson.loads(got[1])
            if kept["fingerprint"] == fingerprint and isinstance(kept["report"], dict):
                return kept["report"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            pass
        return None

    # -- the ledger -------------------------------------------------------------------
    @property
    def checkpoints(self) -> Any:
        """The signer of ledger heads (:class:`~cocreate.integrity.checkpoints.Checkpointer`)."""
        cp = self.__dict__.get("_checkpointer")
        if cp is None:
            from .authorship.identity import checkpoint_keys, credentials_dir
            from .integrity.checkpoints import Checkpointer, outside_path

            keys = checkpoint_keys(self)
            cp = Checkpointer(
                self.storage, keys, outside_path(credentials_dir(self), self.storage.url)
            )
            cp = self.__dict__.setdefault("_checkpointer", cp)
        return cp

    def verify(self, *, receipt: Mapping[str, Any] | None = None) -> VerifyReport:
        """Check the whole ledger and its signed checkpoints; name the first bad event, if any.

        With ``receipt`` (from ``checkpoints.export_receipt()``, kept elsewhere),
        also prove the ledger still holds exactly the receipt's history.
        """
        report = self.storage.verify()
        self.checkpoints.flush()
        if report.ok:
            report = self.checkpoints.verify()
        if report.ok and receipt is not None:
            report = self.checkpoints.verify_receipt(receipt)
        return report

    def events(self, work_id: str | None = None) -> list[Event]:
        return self.storage.events(work_id=work_id)

    def close(self) -> None:
        cp = self.__dict__.get("_checkpointer")
        if cp is not None:
            cp.flush()  # the last checkpoint outside the database, before the storage goes
        self.storage.close()

    def __enter__(self) -> Studio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Studio {self.storage.url}>"

    # -- internals --------------------------------------------------------------------
    def _record(self, work_id: str, actor: str, event: ev.LedgerEvent) -> Event:
        """Append one typed event (:mod:`cocreate.events`) by ``actor``."""
        return self._append(work_id, event.kind, actor, event.to_payload())

    def _append(self, work_id: str, kind: str, actor: str, payload: Mapping[str, Any]) -> Event:
        return self._append_many([(work_id, kind, actor, payload)])[0]

    def _append_many(
        self,
        items: Sequence[tuple[str, str, str, Mapping[str, Any]]],
        *,
        expect: Expect | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[Event]:
        at = now()
        ids = list(ids) if ids is not None else [new_id() for _ in items]
        new = [NewEvent(i, w, str(k), a, at, p) for i, (w, k, a, p) in zip(ids, items, strict=True)]
        self.checkpoints.prepare()  # so the append's own transaction carries the signed head
        stored = self.storage.append(new, expect=expect)
        self.checkpoints.after_append(stored)
        return stored

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
                state = self._new_state(work_id)
            new = self.storage.events(work_id=work_id, after=state.last_seq)
            state.apply_all(new)
            if not state.domain:
                raise WorkNotFound(f"no work with id {work_id!r}")
            self._states[work_id] = state
            return state

    def _forget_all(self) -> None:
        """Drop every folded state (after an erasure: they hold opened notes)."""
        with self._lock:
            self._states.clear()

    def _forget(self, work_id: str) -> None:
        """Drop a work's folded state: the next read folds it afresh from the ledger."""
        with self._lock:
            self._states.pop(work_id, None)

    def _partner(self, state: WorkState) -> Partner:
        p = self._partners.get(state.work_id)
        if p is None:
            made = partner_registry.create(state.partner, **state.partner_params)
            p = cast(Partner, Guarded(made))
            self._partners[state.work_id] = p
        return p

    def _round_rng(self, work_id: str, round_no: int) -> np.random.Generator:
        """Fresh entropy per round; with ``Studio(seed=...)``, the same sequence every run.

        The seed mixes the studio's seed, the work's own creation record (its
        domain, partner, creator, title and intention) and the round number, and
        nothing else: another work, another person or another thread never
        changes a seeded round.
        """
        if self._seed is None:
            return np.random.default_rng(secrets.randbits(64))
        created = self._state(work_id).events[0].payload
        digest = hashlib.sha256(canonical(created)).digest()
        work_key = int.from_bytes(digest[:8], "big")
        return np.random.default_rng(np.random.SeedSequence([self._seed, work_key, round_no]))

    def strategy_for(self, work_id: str, person: str) -> Strategy:
        """The strategy that makes ``work_id``'s rounds for ``person``, as fitted so far.

        Each (work, person) has its own clone of the studio's ``strategy``, so
        what it learned for one person or work never steers another's round.
        """
        return self._strategy_slot(work_id, person)[0]

    def _strategy_slot(self, work_id: str, person: str) -> tuple[Strategy, threading.Lock]:
        key = (id(self.strategy), work_id, person)
        with self._lock:
            slot = self._strategies.get(key)
            if slot is None:
                slot = (clone_strategy(self.strategy), threading.Lock())
                self._strategies[key] = slot
                while len(self._strategies) > STRATEGY_CACHE_SIZE:
                    self._strategies.popitem(last=False)
            else:
                self._strategies.move_to_end(key)
            return slot


#: fitted strategies a studio keeps (one per work and person, the latest used)
STRATEGY_CACHE_SIZE = 64


def clone_strategy(strategy: Strategy) -> Strategy:
    """An unfitted copy with the same hyper-parameters (scikit-learn's ``clone``)."""
    try:
        return type(strategy)(**strategy.get_params(deep=False))
    except Exception:  # a strategy that does not follow the conventions
        return copy.deepcopy(strategy)


#: taste memories a studio holds (one per person and domain, the latest used)
MEMORY_CACHE_SIZE = 64

#: taste reports a studio keeps in memory (one per creator, domain and state of their feedback)
TASTE_CACHE_SIZE = 32


def _taste_key(creator: str, domain: str) -> str:
    digest = hashlib.sha256(f"{creator}\x00{domain}".encode()).hexdigest()[:40]
    return f"taste-report/1/{digest}"


def _taste_fingerprint(feedback: Feedback, names: Sequence[str], model: Any) -> str:
    """Changes whenever anything the taste report is made of does (the same in any process)."""
    h = hashlib.sha256()
    params = model.get_params() if hasattr(model, "get_params") else None
    h.update(repr((type(model).__name__, params if params is not None else repr(model))).encode())
    h.update(repr((feedback.work_id, feedback.domain, list(names))).encode())
    for c in feedback.comparisons:
        h.update(repr((c.winner, c.loser, c.weight, c.work_id, c.source)).encode())
    for r in feedback.ratings:
        h.update(repr((r.artifact, r.value, r.work_id)).encode())
    for i, f in feedback.features.items():
        h.update(i.encode())
        h.update(np.ascontiguousarray(f, dtype=float).tobytes())
    return h.hexdigest()


def default_strategy() -> Strategy:
    """The attuned strategy when available, else the model-free one."""
    try:
        from .attunement import AttunedStrategy
    except ImportError:
        return DiverseStrategy()
    return AttunedStrategy()
