"""What every route of one app shares: the studio, the jobs, the limits, the busy works."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ..errors import ForeignArtifact, NotFound
from ..model import Artifact
from ..session import Studio, Work
from .jobs import Jobs
from .presenters import marks_by_artifact
from .problems import Conflict
from .schemas import Mark


@dataclass
class AppContext:
    studio: Studio
    jobs: Jobs
    limit: int  # bytes an upload may have
    _busy: set[str] = field(default_factory=set)  # works with a round being made
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def work(self, work_id: str) -> Work:
        return self.studio.work(work_id)

    def artifact(self, work: Work, artifact_id: str) -> Artifact:
        """An artifact of ``work``; one of another work is not found here."""
        try:
            return work.artifact(artifact_id)
        except ForeignArtifact as exc:
            raise NotFound(str(exc)) from None

    def marks(self, work: Work) -> dict[str, list[Mark]]:
        return marks_by_artifact(work.judgments(include_undone=False))

    def claim(self, work_id: str) -> None:
        """Mark a round as being made for the work; a second one at once is a conflict."""
        with self._lock:
            if work_id in self._busy:
                raise Conflict("a round is already being made for this work; wait or cancel it")
            self._busy.add(work_id)

    def release(self, work_id: str) -> None:
        with self._lock:
            self._busy.discard(work_id)
