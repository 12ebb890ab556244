"""How many BLAS threads model work uses (the ``blas_threads`` setting, 1 by default).

NumPy's BLAS starts a thread per core for every matrix product. Taste models
work on small matrices, where the threads cost more than they give, and on a
shared CPU they thrash: a look at a taste that takes 1.6 s took 13.8 s once
with the default threads, and 1.7–2.0 s steadily with one. :func:`model_threads`
limits them for the duration of model work (a fit, a round's choice, a taste
report) and restores them after.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

__all__ = ["DEFAULT_BLAS_THREADS", "blas_threads", "model_threads"]

#: BLAS threads when no setting says otherwise
DEFAULT_BLAS_THREADS = 1

_lock = threading.Lock()
_held: list = []  # while any thread does model work: [threadpoolctl's limiter, users]


@cache
def blas_threads() -> int:
    """The ``blas_threads`` setting (read once a process), else :data:`DEFAULT_BLAS_THREADS`."""
    try:
        from ..settings import load_settings
    except ImportError:
        return DEFAULT_BLAS_THREADS
    return int(getattr(load_settings(), "blas_threads", DEFAULT_BLAS_THREADS))


@cache
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def model_threads() -> Iterator[None]:
    """Run the body with BLAS limited to :func:`blas_threads`.

    The limit is the process's (BLAS has one pool): the first of several
    threads doing model work at once sets it, the last one out restores it.
    """
    with _lock:
        if not _held:
            _held[:] = [_controller().limit(limits=blas_threads(), user_api="blas"), 0]
        _held[1] += 1
    try:
        yield
    finally:
        with _lock:
            _held[1] -= 1
            if not _held[1]:
                _held[0].restore_original_limits()
                _held.clear()
