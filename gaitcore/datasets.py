"""Real recordings bundled with gaitcore (see ``datasets/README.md`` for provenance).

The files are looked for, in order, in

1. the directory named by the environment variable ``GAITCORE_DATA``;
2. the ``datasets/`` directory of a source checkout (next to the package);
3. ``<sys.prefix>/share/gaitcore/datasets`` (where a regular install puts them).

Example
-------
>>> from gaitcore import datasets
>>> "walk.c3d" in datasets.list()
True
>>> datasets.path("walk.c3d").name
'walk.c3d'
"""
from __future__ import annotations

import builtins
import os
import sys
from pathlib import Path

from ._errors import InputError

__all__ = ["list", "path", "data_dir"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def _candidate_dirs() -> builtins.list[Path]:
    dirs = []
    env = os.environ.get("GAITCORE_DATA")
    if env:
        dirs.append(Path(env))
    dirs.append(_PACKAGE_DIR.parent / "datasets")
    dirs.append(Path(sys.prefix) / "share" / "gaitcore" / "datasets")
    return dirs


def data_dir() -> Path:
    """The first existing directory holding datasets (see the module docstring).

    Raises FileNotFoundError when none exists.
    """
    for d in _candidate_dirs():
        if d.is_dir() and any(_is_data_file(p) for p in d.iterdir()):
            return d
    searched = ", ".join(str(d) for d in _candidate_dirs())
    raise FileNotFoundError(f"no gaitcore datasets directory found (searched: {searched}); set GAITCORE_DATA")


def _is_data_file(p: Path) -> bool:
    return p.is_file() and not p.name.startswith(".") and p.suffix.lower() != ".md"


def list() -> builtins.list[str]:  # noqa: A001 - public name required by the API
    """Sorted file names of the bundled datasets, e.g. ``['Dorn2012.npz', ..., 'walk.c3d']``."""
    return sorted(p.name for p in data_dir().iterdir() if _is_data_file(p))


def path(name: str) -> Path:
    """Absolute :class:`pathlib.Path` of the dataset file ``name`` (a name from :func:`list`).

    Raises ValueError, listing the available names, when ``name`` is unknown.

    >>> path("Running_0002.c3d").suffix
    '.c3d'
    """
    available = list()
    if name not in available:
        raise InputError(f"unknown dataset {name!r}; available: {', '.join(available)}")
    return data_dir() / name


from .simulate import simulate_cohort, simulate_marker_set, simulate_runner  # noqa: E402,F401 - re-exported generators
