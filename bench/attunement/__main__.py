"""``python -m bench.attunement``: see run.py."""

from .run import main

raise SystemExit(main())
