"""The API's routes, one module per part of the work: each gives a router over an AppContext."""

from . import authorship, generating, making, studio, telling, works

#: In the order the API lists them.
MODULES = (studio, works, generating, telling, making, authorship)

__all__ = ["MODULES"]
