"""``python -m cocreate`` runs the command line."""

from .cli import main

main()
