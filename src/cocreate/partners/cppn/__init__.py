"""The visual partner: Picbreeder-style CPPN images in pure NumPy.

See :mod:`.genome` for the genome format, :mod:`.network` for rendering and
the colour model, :mod:`.operators`, :mod:`.edits` and :mod:`.features`.
"""

from .partner import CPPNPartner

__all__ = ["CPPNPartner"]
