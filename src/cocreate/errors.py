"""The exceptions cocreate raises.

Every error names the problem in its message. The tree::

    CocreateError
    ├── InputError (also ValueError)      bad input; nothing stored was touched
    │   ├── UnknownDomain
    │   ├── UnknownPartner
    │   ├── BackupError                    an archive that cannot be written or restored
    │   ├── UnknownOperator                a request names an operator no partner registered
    │   ├── InvalidContent                 empty, wrong or unreadable media
    │   │   └── ContentTooLarge            over a size limit (bytes, or pixels of an image)
    │   ├── InvalidGenome                  malformed or hostile recipe for a partner
    │   ├── InvalidJudgment                a judgment that does not fit the work
    │   │   └── ForeignArtifact            an artifact of another work
    │   └── NothingToUndo
    ├── NotFound (also KeyError)
    │   ├── WorkNotFound
    │   └── ArtifactNotFound
    ├── Conflict                           the work changed since it was read: reload, try again
    ├── StorageError
    │   ├── CorruptStorage                 the database or a media file is damaged
    │   └── SchemaOutOfDate                run ``cocreate storage upgrade``
    ├── LedgerIntegrityError               ``verify`` found a bad event (``.seq`` names it)
    ├── PartnerFailed                      a partner's own code failed; nothing was stored
    ├── Cancelled                          the person stopped a slow generation
    └── MissingExtra (also ImportError)    an optional dependency is not installed
"""

from __future__ import annotations


class CocreateError(Exception):
    """Base of every cocreate error."""


class InputError(CocreateError, ValueError):
    """The caller gave something cocreate cannot accept."""


class UnknownDomain(InputError):
    """No partner serves this domain."""


class UnknownPartner(InputError):
    """No partner is registered under this name."""


class BackupError(InputError):
    """A backup could not be written, or an archive cannot be restored (the message says
    why); nothing was written."""


class UnknownOperator(InputError):
    """No operator is registered under this name (see ``cocreate.operators``)."""


class InvalidContent(InputError):
    """Media content is empty, too large, or not what its media type says."""


class ContentTooLarge(InvalidContent):
    """Media content over a size limit (bytes, or pixels of an image)."""


class InvalidGenome(InputError):
    """A genome (a partner's recipe) is malformed, hostile or unknown."""


class InvalidJudgment(InputError):
    """A judgment that does not fit the work (wrong round, bad rating, ...)."""


class ForeignArtifact(InvalidJudgment):
    """The artifact belongs to another work."""


class NothingToUndo(InputError):
    """There is no act left to undo."""


class NotFound(CocreateError, KeyError):
    """Something looked up by id does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class WorkNotFound(NotFound):
    """No work has this id."""


class ArtifactNotFound(NotFound):
    """No artifact has this id."""


class Conflict(CocreateError):
    """The act was refused because the work changed since the caller read it.

    Raised by ``Storage.append(..., expect=...)`` when another writer got there
    first (e.g. two processes both making round k), and by the web API when a
    round is already being made. Nothing was stored: reload and try again.
    ``work_id``, ``expected``, ``seq`` and ``kind`` say what clashed, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        work_id: str | None = None,
        expected: int | None = None,
        seq: int | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(message)
        self.work_id = work_id
        self.expected = expected
        self.seq = seq
        self.kind = kind


class StorageError(CocreateError):
    """The storage backend failed."""


class CorruptStorage(StorageError):
    """The database or a media file is damaged or is not a cocreate store."""


class SchemaOutOfDate(StorageError):
    """The database schema is older than this version of cocreate."""


class LedgerIntegrityError(CocreateError):
    """An event of the ledger was changed, deleted, inserted or reordered."""

    def __init__(self, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq


class PartnerFailed(CocreateError):
    """A partner's own code failed while making or describing an artifact; nothing was stored."""


class Cancelled(CocreateError):
    """A slow operation was stopped by its progress callback; nothing was stored."""


class MissingExtra(CocreateError, ImportError):
    """An optional dependency is missing; the message says what to install."""


def missing_extra(package: str, extra: str, purpose: str) -> MissingExtra:
    """Build the friendly error for an optional dependency that is not installed."""
    return MissingExtra(
        f"{purpose} needs the '{package}' package, which is not installed. "
        f"Install it with: pip install 'cocreate[{extra}]'"
    )
