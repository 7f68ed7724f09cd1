"""Thread-safe silencing of gaitcore's own warnings.

``warnings.catch_warnings`` swaps the process-wide filter list and is not thread-safe before
Python 3.14: two threads inside it can leave an "ignore everything" filter installed for good.
gaitcore's warnings go through :func:`warn`, which a :func:`quiet` block (a context variable,
private to each thread) turns off.
"""
from __future__ import annotations

import contextlib
import contextvars
import warnings

_QUIET = contextvars.ContextVar("gaitcore_quiet", default=False)


def warn(message: str, category=UserWarning, stacklevel: int = 2) -> None:
    """warnings.warn, unless inside :func:`quiet` in this thread/context."""
    if not _QUIET.get():
        warnings.warn(message, category, stacklevel=stacklevel + 1)


@contextlib.contextmanager
def quiet():
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)
