"""The errors of authorship, credentials and export, under cocreate's tree::

CocreateError
├── InputError
│   ├── NoFinalVersion          the work has no current version to attribute or export
│   ├── UnsupportedFormat       an export format or media type cocreate cannot handle
│   └── UnreadableCredentials   a file's credentials cannot be read at all
└── SigningIdentityError        the signing certificate or key is missing or unusable
"""

from __future__ import annotations

from ..errors import CocreateError, InputError


class NoFinalVersion(InputError):
    """The work has no version yet: nothing was chosen, contributed or edited."""


class UnsupportedFormat(InputError):
    """An export format, or a media type that cannot carry or be checked for credentials."""


class UnreadableCredentials(InputError):
    """A file's Content Credentials are damaged beyond reading."""


class SigningIdentityError(CocreateError):
    """The signing identity (certificate chain and private key) is missing or unusable."""
