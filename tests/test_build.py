"""The extension under test is the one the make target meant to test."""
import os
from pathlib import Path

import gaitcore


def test_sanitized_build_is_the_one_loaded():
    core = Path(gaitcore._core.__file__).resolve()
    if os.environ.get("GAITCORE_EXPECT_SANITIZED") == "1":
        assert "build/asan" in core.as_posix(), core
    else:
        assert "build/asan" not in core.as_posix(), core


def test_version():
    assert gaitcore.__version__.count(".") == 2
