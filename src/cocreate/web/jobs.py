"""Slow generation in the background: one thread per job, with progress and cancel.

A job wraps one call of ``Work.propose`` (or ``variations``, ``crossover``,
``interpolate``); its progress callback reports ``(done, total)`` and returns
False once the person asked to cancel, which makes the session raise
``Cancelled`` before anything is stored.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import Cancelled, CocreateError, PartnerFailed

log = logging.getLogger(__name__)

Progress = Callable[[int, int], "bool | None"]
Runner = Callable[[Progress], list[Any]]


class TooBusy(CocreateError):
    """Too many generations are running at once."""


@dataclass
class Job:
    id: str
    work_id: str
    kind: str
    by: str
    status: str = "running"
    done: int = 0
    total: int = 0
    artifacts: list[str] = field(default_factory=list)
    round: int | None = None
    error: str | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "work_id": self.work_id,
            "kind": self.kind,
            "by": self.by,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "artifacts": list(self.artifacts),
            "round": self.round,
            "error": self.error,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
        }


class Jobs:
    """The running and recently finished jobs of one app."""

    def __init__(self, max_running: int = 4, keep: int = 200) -> None:
        self.max_running = max_running
        self.keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, work_id: str, kind: str, by: str, run: Runner) -> Job:
        job = Job(id=uuid.uuid4().hex, work_id=work_id, kind=kind, by=by)
        with self._lock:
            running = sum(1 for j in self._jobs.values() if j.status == "running")
            if running >= self.max_running:
                raise TooBusy(
                    f"{running} generations are already running; wait for one or cancel it"
                )
            self._jobs[job.id] = job
            while len(self._jobs) > self.keep:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].status == "running":
                    break
                self._jobs.popitem(last=False)
        threading.Thread(target=self._run, args=(job, run), daemon=True).start()
        return job

    def _run(self, job: Job, run: Runner) -> None:
        def progress(done: int, total: int) -> bool:
            job.done, job.total = done, total
            return not job.cancel.is_set()

        try:
            artifacts = run(progress)
        except Cancelled:
            job.status = "cancelled"
        except CocreateError as exc:  # bad input found late (e.g. a partner cannot cross)
            from .problems import public_detail

            job.status, job.error = "failed", public_detail(str(exc))
            if isinstance(exc, PartnerFailed):
                log.error("job %s (%s) failed: %s", job.id, job.kind, exc, exc_info=exc)
        except Exception as exc:  # a bug must not kill the server; the log has the traceback
            job.status, job.error = "failed", f"internal error: {type(exc).__name__}"
            log.error("job %s (%s) failed", job.id, job.kind, exc_info=exc)
        else:
            job.artifacts = [a.id for a in artifacts]
            job.round = artifacts[0].round if artifacts else None
            job.done = job.total = max(job.total, 1)
            job.status = "done"
        job.finished_at = time.time()
        job.finished.set()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def cancel(self, job_id: str) -> Job | None:
        job = self.get(job_id)
        if job is not None:
            job.cancel.set()
        return job

    def all(self, work_id: str | None = None) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs.values() if work_id is None or j.work_id == work_id]
