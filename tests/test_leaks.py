"""Each C entry point called 10,000 times: reference counts and process memory stay flat.

Memory is the resident set size from /proc (C allocations are invisible to tracemalloc).
Allowed growth: 2 MiB over 10,000 calls after a warm-up, i.e. under 210 bytes a call: a
leak of even one output array (>= 800 bytes here) per call would exceed it.
"""
import gc
import os
import sys
import warnings

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


RNG = np.random.default_rng(1)
STEPS = np.sin(2 * np.pi * 2.8 * np.arange(2000) / 200.0) + 0.1 * RNG.standard_normal(2000)
FZ = np.clip(800 * np.sin(2 * np.pi * 1.4 * np.arange(3000) / 1000.0), 0, None)
CURVES_A = RNG.standard_normal((8, 51)).cumsum(axis=1)
CURVES_B = RNG.standard_normal((8, 51)).cumsum(axis=1) + 0.5


def _small_trial():
    trial = gaitcore.read_trial(gaitcore.datasets.path("walk.c3d"))
    trial.markers = {k: v[:30].copy() for k, v in trial.markers.items()}
    return trial


SMALL_TRIAL = _small_trial()

CASES = {
    "butter": lambda: _core.butter(4, 0.2),
    "lowpass": lambda: _core.lowpass(X, 0.2, 2, 0),
    "lowpass_error": lambda: _expect_error(_core.lowpass, X, 1.5, 2, 0),
    "lowpass_bad_axis": lambda: _expect_error(_core.lowpass, X, 0.2, 2, 5),
    "fill_gaps": lambda: _core.fill_gaps(X_GAPPY, 10, 10, 0),
    "fill_gaps_error": lambda: _expect_error(_core.fill_gaps, np.array([np.inf, 1.0]), 10, 10, 0),
    "cadence": lambda: gaitcore.cadence(STEPS, 200.0, window_s=4.0),
    "cadence_track": lambda: gaitcore.cadence_track(STEPS, 200.0, window_s=4.0, hop_s=2.0),
    "cadence_error": lambda: _expect_error(gaitcore.cadence, STEPS[:50], 200.0),
    "detect_contacts": lambda: gaitcore.detect_contacts(FZ, 1000.0, drift_correction=True),
    "detect_contacts_error": lambda: _expect_error(gaitcore.detect_contacts, FZ, -1.0),
    "spm_ttest2": lambda: gaitcore.spm_ttest2(CURVES_A, CURVES_B).inference(),
    "spm_ttest2_unequal_var": lambda: gaitcore.spm_ttest2(CURVES_A, CURVES_B, equal_var=False).inference(),
    "spm_ttest2_df_error": lambda: _expect_error(_core.spm_ttest2_df, CURVES_A, CURVES_B[:, :10]),
    "spm_ttest2_df_flat_group": lambda: _expect_error(_core.spm_ttest2_df, CURVES_A * 0 + 1, CURVES_B),
    "spm_ttest_paired": lambda: gaitcore.spm_ttest_paired(CURVES_A, CURVES_B).inference(two_tailed=False),
    "spm_error": lambda: _expect_error(gaitcore.spm_ttest, CURVES_A[:2]),
    "rft_t_threshold": lambda: gaitcore.rft_t_threshold(0.05, 9, (1, 8.8)),
    "compare": lambda: gaitcore.compare(CURVES_A[:, 0], CURVES_B[:, 0]),
    "normalize_cycles": lambda: gaitcore.normalize_cycles(STEPS, 200.0, [0.1, 1.0], [0.9, 1.8], kind="cubic"),
    "joint_angles": lambda: gaitcore.joint_angles(SMALL_TRIAL, hjc="davis"),
}
SLOW_CASES = {"joint_angles"}
INPUTS = (X, X_GAPPY, STEPS, FZ, CURVES_A, CURVES_B)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_CASES else n
                                  for n in sorted(CASES)])
def test_no_leak(name):
    call = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _run(name, call)


def _run(name, call):
    for _ in range(500):  # warm-up: allocator pools, caches
        call()
    gc.collect()
    refs_before = [sys.getrefcount(o) for o in INPUTS]
    total_before = sys.gettotalrefcount() if hasattr(sys, "gettotalrefcount") else None
    rss_before = _rss_bytes()
    for _ in range(N_CALLS):
        call()
    gc.collect()
    growth = _rss_bytes() - rss_before
    assert [sys.getrefcount(o) for o in INPUTS] == refs_before
    if total_before is not None:
        assert abs(sys.gettotalrefcount() - total_before) < 100
    assert SANITIZED or growth < ALLOWED_GROWTH, f"{name}: RSS grew {growth} bytes over {N_CALLS} calls"
