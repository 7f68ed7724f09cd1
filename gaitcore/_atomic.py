"""Atomic file output: write a temporary file in the target folder, then rename it.

A reader (or a rerun after SIGTERM) sees either the old file or the complete new one,
never a half-written file.  Temporaries are named ``.tmp-*`` so that a stopped run's
leftovers can be recognised and removed.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TMP_PREFIX = ".tmp-"


@contextlib.contextmanager
def atomic_path(target):
    """Yield a temporary path beside ``target``; rename it to ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TMP_PREFIX, suffix=target.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_text(target, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text)


def remove_stale_temporaries(folder) -> int:
    """Delete ``.tmp-*`` files left by a stopped run; returns how many."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    stale = list(folder.rglob(TMP_PREFIX + "*"))
    for p in stale:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    return len(stale)
