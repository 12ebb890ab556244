"""Who is the creator? Attribution, disclosure, split sheets and provenance from the ledger.

::

    from cocreate.authorship import attribution, disclosure, split_sheet, export, verify_file

    attribution(work)                  # content and decision shares per contributor
    disclosure(work).text              # "Author Created" / "Material Excluded"
    split_sheet(work).to_csv()         # the people's shares, summing to exactly 100%
    export(work, format="file")        # the file with Content Credentials (C2PA)
    export(work, format="prov-json")   # the W3C PROV graph of the whole work
    verify_file(studio, data, filename="x.png")
"""

from .attribution import (
    Attribution,
    Contributor,
    Decision,
    Lineage,
    RecipeUnitizer,
    Unit,
    Unitizer,
    attribution,
    register_unitizer,
    unitizer_for,
)
from .credentials import ATTRIBUTION_LABEL, Credentials
from .credentials import read as read_credentials
from .disclosure import Disclosure, disclosure
from .errors import NoFinalVersion, SigningIdentityError, UnreadableCredentials, UnsupportedFormat
from .exporting import FORMATS, Exported, export
from .identity import Identity, credentials_dir, default_identity
from .policy import DEFAULT_POLICY, Policy
from .provenance import prov_document, validate_xml
from .splits import SplitEntry, SplitSheet, largest_remainder, split_sheet
from .verifying import FileReport, verify_file

__all__ = [
    "ATTRIBUTION_LABEL",
    "DEFAULT_POLICY",
    "FORMATS",
    "Attribution",
    "Contributor",
    "Credentials",
    "Decision",
    "Disclosure",
    "Exported",
    "FileReport",
    "Identity",
    "Lineage",
    "NoFinalVersion",
    "Policy",
    "RecipeUnitizer",
    "SigningIdentityError",
    "SplitEntry",
    "SplitSheet",
    "Unit",
    "Unitizer",
    "UnreadableCredentials",
    "UnsupportedFormat",
    "attribution",
    "credentials_dir",
    "default_identity",
    "disclosure",
    "export",
    "largest_remainder",
    "prov_document",
    "read_credentials",
    "register_unitizer",
    "split_sheet",
    "unitizer_for",
    "validate_xml",
    "verify_file",
]
