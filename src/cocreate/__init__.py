"""cocreate: AI-human co-creation.

The public API::

    import cocreate
    studio = cocreate.Studio("sqlite:///my.db")
    work = studio.create_work(domain="image", creator="me", intention="a calm emblem")
    proposals = work.propose(9)
    work.choose(proposals[2])
"""

from ._version import __version__
from .errors import (
    ArtifactNotFound,
    Cancelled,
    CocreateError,
    Conflict,
    ContentTooLarge,
    CorruptStorage,
    ForeignArtifact,
    InputError,
    InvalidContent,
    InvalidGenome,
    InvalidJudgment,
    LedgerIntegrityError,
    MissingExtra,
    NotFound,
    NothingToUndo,
    PartnerFailed,
    SchemaOutOfDate,
    StorageError,
    UnknownDomain,
    UnknownOperator,
    UnknownPartner,
    WorkNotFound,
)
from .ledger import VerifyReport
from .model import (
    Artifact,
    Creator,
    Event,
    Intention,
    Judgment,
    JudgmentKind,
    Operator,
    Origin,
    PartnerInfo,
    Recipe,
)
from .operators import OperatorSpec, register_operator
from .partners import Partner
from .proposing import Candidate, Feedback, Pick, ProposalContext, Strategy
from .rounds import Request
from .state import History, HistoryNode
from .studio import Studio
from .work import Work

__all__ = [
    "Artifact",
    "ArtifactNotFound",
    "Cancelled",
    "Candidate",
    "CocreateError",
    "Conflict",
    "ContentTooLarge",
    "CorruptStorage",
    "Creator",
    "Event",
    "Feedback",
    "ForeignArtifact",
    "History",
    "HistoryNode",
    "InputError",
    "Intention",
    "InvalidContent",
    "InvalidGenome",
    "InvalidJudgment",
    "Judgment",
    "JudgmentKind",
    "LedgerIntegrityError",
    "MissingExtra",
    "NotFound",
    "NothingToUndo",
    "Operator",
    "OperatorSpec",
    "Origin",
    "Partner",
    "PartnerFailed",
    "PartnerInfo",
    "Pick",
    "ProposalContext",
    "Recipe",
    "Request",
    "SchemaOutOfDate",
    "StorageError",
    "Strategy",
    "Studio",
    "UnknownDomain",
    "UnknownOperator",
    "UnknownPartner",
    "VerifyReport",
    "Work",
    "WorkNotFound",
    "__version__",
    "register_operator",
]
