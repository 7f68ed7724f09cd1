"""The examples in gaitcore's docstrings run and print what they show (an example that went
stale, like simulate_runner's 5.37 s for 5.36, misleads every reader who tries it).

Same as ``python -m pytest --doctest-modules gaitcore``; the whole package takes a few
seconds and reads only the bundled datasets.  Examples marked ``# doctest: +SKIP`` need a
lab's files, a Dask cluster or a browser.
"""
from __future__ import annotations

import doctest
import importlib
import pkgutil
import warnings

import pytest

import gaitcore

MODULES = sorted(m.name for m in pkgutil.walk_packages(gaitcore.__path__, "gaitcore.")
                 if m.name != "gaitcore.__main__")  # __main__ runs the command line


@pytest.mark.parametrize("name", ["gaitcore"] + MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # examples on partial marker sets warn about what they lack
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                                 verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (output above)"
