"""Lookups at arbitrary times, shared by events and factors: signals sampled in frames, sorted event times."""
from __future__ import annotations

import numpy as np


def sample_at(x: np.ndarray, rate: float, t) -> np.ndarray:
    """Linear interpolation of x, (n,) or (n, k) sampled at `rate` Hz from t = 0, at the
    times t (s, an array).  NaN for a time that is NaN or outside the recording, and in a
    gap through its NaN samples."""
    pos = np.asarray(t, dtype=float) * rate
    if len(x) < 2:
        return np.full(np.shape(pos) + np.shape(x)[1:], np.nan)
    inside = np.isfinite(pos) & (pos >= 0) & (pos < len(x) - 1)
    i = np.floor(np.where(inside, pos, 0.0)).astype(np.intp)
    f = pos - i
    if x.ndim > 1:
        f, inside = f[:, None], inside[:, None]
    return np.where(inside, (1 - f) * x[i] + f * x[i + 1], np.nan)


def next_after(times: np.ndarray, t: np.ndarray) -> np.ndarray:
    """For each of t, the first of the sorted `times` later than it (NaN when none)."""
    if not len(times):
        return np.full(len(t), np.nan)
    k = np.searchsorted(times, t, side="right")
    return np.where(k < len(times), times[np.minimum(k, len(times) - 1)], np.nan)


def nan_reduce(func, a, axis=None, **kwargs):
    """``func`` (a NumPy nan-reduction: nanmean, nanmedian, nanmin, nanpercentile ...) over
    ``axis`` with NaN where a slice is all NaN, without NumPy's "empty slice" RuntimeWarning.

    The warning is avoided rather than filtered: ``warnings.catch_warnings`` swaps the
    process-wide filter list and is not thread-safe, and batches run trials in threads."""
    arr = np.asarray(a, dtype=float)
    empty = np.isnan(arr).all(axis=axis)
    if not np.any(empty):
        return func(arr, axis=axis, **kwargs)
    if axis is None:
        return np.nan
    filled = np.where(np.expand_dims(empty, axis), 0.0, arr)
    out = func(filled, axis=axis, **kwargs)
    return np.where(empty, np.nan, out)
