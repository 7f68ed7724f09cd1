"""Each C entry point called 10,000 times: reference counts and heap memory stay flat.

Memory is the C heap in use as glibc's allocator counts it (mallinfo2: bytes handed out
and not freed, over every arena), because C allocations are invisible to tracemalloc and
the resident set size depends on fragmentation and on when the allocator returns pages
to the system (it once grew 2.1 MB without a leak in a loaded full run).  In-use bytes do
not: they only grow when memory is kept.  Elsewhere (no glibc) the resident set size is
the fallback.  Allowed growth: 2 MiB over 10,000 calls after a warm-up, i.e. under 210
bytes a call: a leak of even one output array (>= 800 bytes here) per call would exceed it.
"""
import ctypes
import ctypes.util
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
# Python objects live in pymalloc's own arenas, outside the C heap: their count must stay
# flat too (one leaked object a call would add 10,000 blocks).
ALLOWED_BLOCKS = 1000

X = np.random.default_rng(0).standard_normal((200, 3))
X_GAPPY = X.copy()
X_GAPPY[50:55] = np.nan


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                 "fordblks", "keepcost")]


def _mallinfo2():
    """glibc's mallinfo2 (2.33+), or None."""
    try:
        fn = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallinfo2
    except (OSError, AttributeError):
        return None
    fn.restype = _Mallinfo2
    return fn


MALLINFO2 = _mallinfo2()


def _memory_bytes() -> int:
    """Heap bytes in use (small blocks + mmapped blocks), else the resident set size."""
    if MALLINFO2 is not None:
        info = MALLINFO2()
        return info.uordblks + info.hblkhd
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


GROUPS = np.repeat([0, 1, 2], [3, 3, 2])
CLUSTER = np.array([[0.0, 0, 0], [80, 0, 0], [0, 60, 0], [10, 20, 90]])
CLUSTER_RUN = CLUSTER + RNG.normal(0, 0.5, (40, 4, 3))
_ROT = np.array([[np.cos(a), -np.sin(a), 0.0] for a in np.linspace(0, 1, 12)])
ROTATIONS = np.stack([np.column_stack([r, [np.sin(a), np.cos(a), 0.0], [0, 0, 1]])
                      for r, a in zip(_ROT, np.linspace(0, 1, 12))]).transpose(0, 2, 1)
ROTATIONS_T = np.stack([np.eye(3)] * 12)
ORIGIN_T = RNG.normal(0, 50, (12, 3))
TABLE_TEXT = b"".join(b"%d\t%.3f\t%.3f\n" % (i, i * 0.5, -i * 1.5) for i in range(50))


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
    "spm_anova1": lambda: gaitcore.spm_anova1(CURVES_A, GROUPS).inference(),
    "permutation_exact": lambda: gaitcore.spm_ttest2(CURVES_A[:4], CURVES_B[:3]).inference(
        method="permutation", n_threads=1),
    "permutation_random": lambda: gaitcore.spm_ttest2(CURVES_A, CURVES_B).inference(
        method="permutation", n_perm=50, seed=3, n_threads=1),
    "rigid_fit": lambda: _core.kin_rigid_fit(CLUSTER, CLUSTER_RUN),
    "score": lambda: _core.kin_score(ROTATIONS, ORIGIN_T * 0, ROTATIONS_T, ORIGIN_T),
    "text_table": lambda: _core.text_table(TABLE_TEXT, 0, 3, True),
}
SLOW_CASES = {"joint_angles"}
INPUTS = (X, X_GAPPY, STEPS, FZ, CURVES_A, CURVES_B, GROUPS, CLUSTER, CLUSTER_RUN, ROTATIONS, ORIGIN_T)


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
    memory_before = _memory_bytes()
    blocks_before = sys.getallocatedblocks()
    for _ in range(N_CALLS):
        call()
    gc.collect()
    growth = _memory_bytes() - memory_before
    blocks = sys.getallocatedblocks() - blocks_before
    assert [sys.getrefcount(o) for o in INPUTS] == refs_before
    if total_before is not None:
        assert abs(sys.gettotalrefcount() - total_before) < 100
    assert SANITIZED or growth < ALLOWED_GROWTH, f"{name}: heap grew {growth} bytes over {N_CALLS} calls"
    assert blocks < ALLOWED_BLOCKS, f"{name}: {blocks} more Python objects after {N_CALLS} calls"
