"""Each C entry point called 10,000 times: reference counts and process memory stay flat.

Memory is the resident set size from /proc (C allocations are invisible to tracemalloc).
Allowed growth: 2 MiB over 10,000 calls after a warm-up, i.e. under 210 bytes a call: a
leak of even one output array (>= 800 bytes here) per call would exceed it.
"""
import gc
import os
import sys

import numpy as np
import pytest

import gaitcore
from gaitcore import _core

N_CALLS = 10_000
# AddressSanitizer quarantines freed memory, so RSS grows without a leak: under
# `make sanitize` only the reference counts are checked (ASan itself reports misuse).
SANITIZED = os.environ.get("GAITCORE_EXPECT_SANITIZED") == "1"
ALLOWED_GROWTH = 2 * 1024 * 1024

X = np.random.default_rng(0).standard_normal((200, 3))
X_GAPPY = X.copy()
X_GAPPY[50:55] = np.nan


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def _expect_error(fn, *args):
    try:
        fn(*args)
    except (ValueError, TypeError):
        return
    raise AssertionError("expected an error")


CASES = {
    "butter": lambda: _core.butter(4, 0.2),
    "lowpass": lambda: _core.lowpass(X, 0.2, 2, 0),
    "lowpass_error": lambda: _expect_error(_core.lowpass, X, 1.5, 2, 0),
    "lowpass_bad_axis": lambda: _expect_error(_core.lowpass, X, 0.2, 2, 5),
    "fill_gaps": lambda: _core.fill_gaps(X_GAPPY, 10, 10, 0),
    "fill_gaps_error": lambda: _expect_error(_core.fill_gaps, np.array([np.inf, 1.0]), 10, 10, 0),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("name", sorted(CASES))
def test_no_leak(name):
    call = CASES[name]
    for _ in range(500):  # warm-up: allocator pools, caches
        call()
    gc.collect()
    refs_before = [sys.getrefcount(o) for o in (X, X_GAPPY)]
    total_before = sys.gettotalrefcount() if hasattr(sys, "gettotalrefcount") else None
    rss_before = _rss_bytes()
    for _ in range(N_CALLS):
        call()
    gc.collect()
    growth = _rss_bytes() - rss_before
    assert [sys.getrefcount(o) for o in (X, X_GAPPY)] == refs_before
    if total_before is not None:
        assert abs(sys.gettotalrefcount() - total_before) < 100
    assert SANITIZED or growth < ALLOWED_GROWTH, f"{name}: RSS grew {growth} bytes over {N_CALLS} calls"
