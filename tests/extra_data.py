"""Recordings that may not be bundled (no licence, e.g. Dorn 2012's Vicon sprint): read only from
the folder named by $GAITCORE_EXTRA_DATA, never copied; a test needing one skips without it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


def extra_file(name: str) -> Path:
    """The file ``name`` anywhere under $GAITCORE_EXTRA_DATA; skips the calling test when absent."""
    folder = os.environ.get("GAITCORE_EXTRA_DATA")
    found = sorted(Path(folder).rglob(name)) if folder else []
    if not found:
        pytest.skip(f"{name} not found: set GAITCORE_EXTRA_DATA to the folder holding it")
    return found[0]
