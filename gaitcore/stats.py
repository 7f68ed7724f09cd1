"""Curve statistics: cycle normalisation, mean +- SD bands, effect sizes and SPM{t} (C core).

Formulas: docs/methods.md D.  SPM follows the 1D random field theory of Worsley et al. (1996, Hum
Brain Mapp 4:58) and Friston et al. (2007) as used by spm1d (Pataky 2012, Comput Methods
Biomech Biomed Engin 15:295); it is implemented from the formulas in C (GSL) and checked
against spm1d in the tests.  Curves are J x Q arrays: J curves (cycles, subjects) of Q nodes.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._errors import InputError, InputTypeError
from . import _core
from ._validate import integer, positive, real_array
from ._validate import rate as sampling_rate

_KINDS = {"linear": 0, "cubic": 1, "steffen": 2}


# ----------------------------------------------------------------------------- normalisation

def normalize_cycles(x, rate: float, starts_s, ends_s, points: int = 101, kind: str = "linear",
                     nan_tolerance: float = 0.05) -> np.ndarray:
    """Resample each gait cycle to ``points`` nodes (0..100 % of the cycle with the default).

    Node ``i`` of a cycle sits at ``t_i = start + (i / (points - 1)) (end - start)`` seconds;
    sample ``k`` of ``x`` sits at ``k / rate`` seconds.  Event times are sub-sample (they need
    not fall on frames) and the last node is exactly the cycle end: there is no off-by-one
    at the end as in an interpolation over ``linspace(0, n, points)`` sample indices.

    Interpolation: ``"linear"`` (equals ``numpy.interp`` at the positions ``t_i * rate``),
    ``"cubic"`` (GSL natural cubic spline) or ``"steffen"`` (GSL's monotone Steffen spline);
    the splines run through the cycle's samples plus up to 3 samples of margin each side.

    Missing data (NaN), per cycle and per channel: if more than ``nan_tolerance`` (a fraction,
    default 0.05 = 5 %) of the samples spanned by the cycle are NaN, or a sample bracketing the
    cycle's first or last node is NaN (the value would be extrapolated), that cycle of that
    channel is all NaN.  Otherwise the interpolant passes through the finite samples only, so
    short gaps are bridged.  Infinite values raise ValueError.

    Parameters
    ----------
    x : array_like (n_samples, ...), time on axis 0 (e.g. a joint angle in deg)
    rate : float, Hz, sampling rate of ``x``
    starts_s, ends_s : 1-D array_like, s, start and end time of each cycle (e.g. foot strikes),
        ``0 <= start < end <= (n_samples - 1) / rate``
    points : int >= 2, nodes per cycle (101 = every 1 %)
    kind : "linear", "cubic" or "steffen"
    nan_tolerance : float in [0, 1]

    Returns
    -------
    ndarray float64 of shape (n_cycles, points, ...)

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> x = np.sin(2 * np.pi * np.arange(300) / 100.0)     # 1 Hz at 100 Hz
    >>> c = gaitcore.normalize_cycles(x, 100.0, [0.0, 1.0], [1.0, 2.0])
    >>> c.shape, bool(abs(c[:, 25] - 1).max() < 1e-3)
    ((2, 101), True)
    """
    arr = real_array(x, "x")
    rate = sampling_rate(rate, "rate")
    points = integer(points, "points", 2, 10**7)
    if kind not in _KINDS:
        raise InputError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}")
    if isinstance(nan_tolerance, bool) or not isinstance(nan_tolerance, numbers.Real) \
            or not 0 <= float(nan_tolerance) <= 1:
        raise InputError(f"nan_tolerance must be a fraction in [0, 1], got {nan_tolerance!r}")
    if arr.shape[0] < 2:
        raise InputError(f"x needs at least 2 samples along axis 0, got {arr.shape[0]}")
    starts = _event_times(starts_s, "starts_s")
    ends = _event_times(ends_s, "ends_s")
    if starts.shape != ends.shape:
        raise InputError(f"starts_s and ends_s must have the same length, got {starts.size} and {ends.size}")
    last_s = (arr.shape[0] - 1) / rate
    for name, bad in (("starts_s", starts < 0), ("ends_s", ends * rate > (arr.shape[0] - 1) * (1 + 1e-9)),
                      ("ends_s", ends <= starts)):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{name}[{i}]: cycle {starts[i]:g}..{ends[i]:g} s must satisfy "
                             f"0 <= start < end <= {last_s:g} s (the last sample of x)")
    if np.isinf(arr).any():
        raise InputError("x contains infinite values (NaN marks missing data; inf is an error)")
    return _core.normalize_cycles(arr, rate, starts, ends, points, _KINDS[kind], float(nan_tolerance))


def _event_times(values, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values))
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must be real numbers (seconds), got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise InputError(f"{name} must be 1-D, got shape {arr.shape}")
    arr = arr.astype(float)
    if not np.isfinite(arr).all():
        raise InputError(f"{name} contains NaN or infinite event times")
    return arr


# ----------------------------------------------------------------------------- descriptives

@dataclass(frozen=True)
class CurveStats:
    """Per-node descriptives of a set of curves (arrays of shape (points, ...))."""

    mean: np.ndarray
    sd: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: np.ndarray
    confidence: float = 0.95

    def to_frame(self) -> pd.DataFrame:
        """A DataFrame (one row per node, index = percent of cycle) for single-channel curves."""
        if self.mean.ndim != 1:
            raise InputError(f"to_frame needs single-channel curves, got shape {self.mean.shape}")
        q = self.mean.shape[0]
        index = pd.Index(np.linspace(0, 100, q), name="percent_cycle")
        return pd.DataFrame({"mean": self.mean, "sd": self.sd, "ci_low": self.ci_low,
                             "ci_high": self.ci_high, "n": self.n}, index=index)


def curve_stats(cycles, confidence: float = 0.95) -> CurveStats:
    """Mean, SD (n - 1), t-based confidence interval of the mean and n per node, NaN-aware.

    NaN curves (or nodes) are left out node by node; a node with fewer than 2 finite values
    has NaN SD and CI.  ``ci = mean +- t_{(1+confidence)/2, n-1} SD / sqrt(n)`` with the
    t quantile from GSL.

    Parameters
    ----------
    cycles : array_like (n_curves, points, ...), e.g. from :func:`normalize_cycles` or
        :func:`subject_means`
    confidence : float in (0, 1)

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> s = gaitcore.curve_stats(np.array([[0.0, 1.0], [2.0, 3.0]]))
    >>> s.mean.tolist(), s.n.tolist()
    ([1.0, 2.0], [2, 2])
    """
    arr = real_array(cycles, "cycles", min_ndim=2).astype(float)
    confidence = _fraction(confidence, "confidence")
    if np.isinf(arr).any():
        raise InputError("cycles contains infinite values")
    n = np.sum(np.isfinite(arr), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.nansum(arr, axis=0)
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        dev = np.where(np.isfinite(arr), arr - mean, 0.0)
        sd = np.where(n > 1, np.sqrt((dev ** 2).sum(axis=0) / np.maximum(n - 1, 1)), np.nan)
    tq = np.full(n.shape, np.nan)
    for k in np.unique(n[n > 1]):
        tq[n == k] = t_isf((1 - confidence) / 2, float(k - 1))
    half = tq * sd / np.sqrt(np.maximum(n, 1))
    return CurveStats(mean, sd, mean - half, mean + half, n, confidence)


def subject_means(cycles_by_subject) -> np.ndarray:
    """Each subject's mean curve (NaN-aware), stacked: (n_subjects, points, ...).

    Group statistics should treat subjects, not cycles, as the unit: average each subject's
    cycles first, then pass the result to :func:`curve_stats` or the SPM tests (the cohort
    curve is the mean of subject means).  A subject whose cycles are all NaN at a node gets NaN.

    Parameters
    ----------
    cycles_by_subject : sequence or dict of array_like (n_cycles_i, points, ...)

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> gaitcore.subject_means([np.ones((3, 4)), np.zeros((5, 4))]).shape
    (2, 4)
    """
    if isinstance(cycles_by_subject, (str, bytes)) or not hasattr(cycles_by_subject, "__iter__"):
        raise InputTypeError(f"cycles_by_subject must be a sequence or dict of arrays, got {type(cycles_by_subject).__name__}")
    items = list(cycles_by_subject.values()) if isinstance(cycles_by_subject, dict) else list(cycles_by_subject)
    if not items:
        raise InputError("cycles_by_subject is empty")
    means: list[np.ndarray] = []
    for i, c in enumerate(items):
        arr = real_array(c, f"cycles_by_subject[{i}]", min_ndim=2).astype(float)
        if means and arr.shape[1:] != means[0].shape:
            raise InputError(f"cycles_by_subject[{i}] has curves of shape {arr.shape[1:]}, "
                             f"expected {means[0].shape}")
        means.append(curve_stats(arr).mean)
    return np.stack(means)


# ----------------------------------------------------------------------------- t distribution

def t_sf(t, df):
    """Upper tail P(T_df > t) of Student's t distribution (GSL), elementwise."""
    t, df = np.broadcast_arrays(np.asarray(t, float), np.asarray(df, float))
    out = _core.t_sf(np.array(t, order="C"), np.array(df, order="C"))
    return float(out) if out.ndim == 0 else out


def t_isf(p, df):
    """Inverse upper tail: t with P(T_df > t) = p (GSL), elementwise."""
    p, df = np.broadcast_arrays(np.asarray(p, float), np.asarray(df, float))
    out = _core.t_isf(np.array(p, order="C"), np.array(df, order="C"))
    return float(out) if out.ndim == 0 else out


# ----------------------------------------------------------------------------- comparisons

def _right_left(right, left) -> tuple[np.ndarray, np.ndarray]:
    """Right and left values as float arrays of one shape (broadcast), else InputError."""
    r = real_array(right, "right", min_ndim=0, allow_empty=True).astype(float)
    l = real_array(left, "left", min_ndim=0, allow_empty=True).astype(float)
    try:
        np.broadcast_shapes(r.shape, l.shape)
    except ValueError:
        raise InputError(f"right and left must have the same shape, got {r.shape} and {l.shape}") from None
    return r, l


def symmetry_index(right, left):
    """Robinson (1987) symmetry index in %: (R - L) / (0.5 (R + L)) * 100 (0 = symmetric)."""
    r, l = _right_left(right, left)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (r - l) / (0.5 * (r + l)) * 100.0
    return float(out) if out.ndim == 0 else out


def symmetry_angle(right, left):
    """Zifchock et al. (2008, Gait Posture 27:622) symmetry angle in %.

    ``SA = (45 deg - atan(L / R)) / 90 deg * 100``; when ``45 - atan(L/R) > 90`` deg the
    angle wraps: ``SA = (45 - atan(L/R) - 180) / 90 * 100``.  0 = symmetric, +-100 = opposite.
    """
    r, l = _right_left(right, left)
    with np.errstate(divide="ignore", invalid="ignore"):
        angle = 45.0 - np.degrees(np.arctan(l / r))
    angle = np.where(angle > 90.0, angle - 180.0, angle)
    out = angle / 90.0 * 100.0
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare` (a = first sample, e.g. right or patients; b = second)."""

    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    sd_a: float
    sd_b: float
    diff: float
    diff_ci_low: float
    diff_ci_high: float
    t_student: float
    df_student: float
    p_student: float
    t_welch: float
    df_welch: float
    p_welch: float
    cohens_d: float
    hedges_g: float
    paired: bool
    t_paired: float = math.nan
    df_paired: float = math.nan
    p_paired: float = math.nan
    d_z: float = math.nan
    symmetry_index: float = math.nan
    symmetry_angle: float = math.nan
    #: the test chosen for the CI and p: "Welch", "Student" or "paired"
    test: str = ""
    t: float = math.nan
    df: float = math.nan
    p: float = math.nan

    def to_series(self) -> pd.Series:
        return pd.Series(self.__dict__)


def compare(a, b, paired: bool = False, confidence: float = 0.95, equal_var: bool = False) -> Comparison:
    """Compare two samples of a scalar measure (e.g. peak knee flexion in deg).

    - One test, chosen once, gives ``t``, ``df``, the two-sided ``p`` and the ``confidence``
      interval of ``diff = mean_a - mean_b`` (``test`` names it): Welch's unequal-variance
      t test (default; Welch-Satterthwaite df), Student's pooled-variance t test
      (``equal_var=True``; df = n_a + n_b - 2) or, when ``paired``, the paired t test
      (df = n - 1).  The interval therefore excludes 0 exactly when p < 1 - confidence.
      (docs/methods.md F.2.)
    - Both unpaired tests are also reported (``t_student``, ``p_student``, ``t_welch``,
      ``p_welch``) for reference, with p from GSL's t distribution.
    - Cohen's d = diff / pooled SD; Hedges' g = d (1 - 3 / (4 (n_a + n_b) - 9));
      d_z = mean(a - b) / SD(a - b) when paired.
    - Asymmetry of the means, reading a as right and b as left: symmetry index
      (Robinson 1987) and symmetry angle (Zifchock 2008), in %.

    NaN values are dropped (pairs with a NaN on either side when paired); each sample needs at
    least 2 finite values and a non-zero pooled SD.

    Example
    -------
    >>> import gaitcore
    >>> r = gaitcore.compare([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 6.0])
    >>> round(r.cohens_d, 4), round(r.p_student, 4)
    (-0.8257, 0.2872)
    """
    a = real_array(a, "a", max_ndim=1).astype(float)
    b = real_array(b, "b", max_ndim=1).astype(float)
    confidence = _fraction(confidence, "confidence")
    if np.isinf(a).any() or np.isinf(b).any():
        raise InputError("a and b must not contain infinite values")
    if paired:
        if a.shape != b.shape:
            raise InputError(f"paired samples need equal lengths, got {a.size} and {b.size}")
        keep = np.isfinite(a) & np.isfinite(b)
        a, b = a[keep], b[keep]
    else:
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    for name, s in (("a", a), ("b", b)):
        if s.size < 2:
            raise InputError(f"{name} needs at least 2 finite values, got {s.size}")
    na, nb = a.size, b.size
    ma, mb = a.mean(), b.mean()
    va, vb = a.var(ddof=1), b.var(ddof=1)
    sp = math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    if sp == 0:
        raise InputError("a and b have zero variance: t and effect sizes are undefined")
    diff = ma - mb
    df_s = float(na + nb - 2)
    t_s = diff / (sp * math.sqrt(1 / na + 1 / nb))
    se_w = math.sqrt(va / na + vb / nb)
    df_w = se_w ** 4 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    t_w = diff / se_w
    d = diff / sp
    g = d * (1 - 3 / (4 * (na + nb) - 9))
    tail = (1 - confidence) / 2
    extra = {}
    if paired:
        dd = a - b
        sd_d = dd.std(ddof=1)
        if sd_d == 0:
            raise InputError("the paired differences a - b have zero variance")
        se = sd_d / math.sqrt(na)
        t_p = dd.mean() / se
        half = t_isf(tail, na - 1.0) * se
        extra = dict(t_paired=t_p, df_paired=na - 1.0, p_paired=_two_sided(t_p, na - 1.0),
                     d_z=dd.mean() / sd_d, test="paired", t=t_p, df=na - 1.0, p=_two_sided(t_p, na - 1.0))
    elif equal_var:
        se_s = sp * math.sqrt(1 / na + 1 / nb)
        half = t_isf(tail, df_s) * se_s
        extra = dict(test="Student", t=t_s, df=df_s, p=_two_sided(t_s, df_s))
    else:
        half = t_isf(tail, df_w) * se_w
        extra = dict(test="Welch", t=t_w, df=df_w, p=_two_sided(t_w, df_w))
    values = dict(
        n_a=na, n_b=nb, mean_a=ma, mean_b=mb, sd_a=math.sqrt(va), sd_b=math.sqrt(vb), diff=diff,
        diff_ci_low=diff - half, diff_ci_high=diff + half,
        t_student=t_s, df_student=df_s, p_student=_two_sided(t_s, df_s),
        t_welch=t_w, df_welch=df_w, p_welch=_two_sided(t_w, df_w),
        cohens_d=d, hedges_g=g, paired=bool(paired),
        symmetry_index=symmetry_index(ma, mb), symmetry_angle=symmetry_angle(ma, mb), **extra)
    values = {k: v if isinstance(v, (bool, int, str)) else float(v) for k, v in values.items()}
    return Comparison(**values)


_ADJUSTMENTS = ("holm", "fdr_bh")


def adjust_pvalues(p, method: str = "holm") -> np.ndarray:
    """p values adjusted for a family of tests (docs/methods.md F.4).

    - ``"holm"``: Holm's (1979) step-down adjustment, which controls the family-wise error
      rate: with p sorted ascending, ``p_(i) (m - i + 1)``, made non-decreasing, capped at 1.
    - ``"fdr_bh"``: Benjamini & Hochberg (1995), which controls the false discovery rate
      (the "q value"): ``p_(i) m / i``, made non-increasing from the largest down, capped at 1.

    NaN entries (tests that could not be run) are not part of the family and stay NaN;
    ``m`` is the number of finite p values.  The results equal statsmodels'
    ``multipletests(p, method="holm" | "fdr_bh")`` (tests).

    Example
    -------
    >>> from gaitcore.stats import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm").tolist()
    [0.03, 0.06, 0.06]
    """
    if method not in _ADJUSTMENTS:
        raise InputError(f"method must be one of {_ADJUSTMENTS}, got {method!r}")
    arr = np.asarray(p, dtype=float)
    if arr.ndim != 1:
        raise InputError(f"p must be 1-D, got shape {arr.shape}")
    finite = np.isfinite(arr)
    if ((arr[finite] < 0) | (arr[finite] > 1)).any():
        raise InputError("p values must be between 0 and 1")
    out = np.full(arr.shape, np.nan)
    values = arr[finite]
    m = values.size
    if m == 0:
        return out
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    rank = np.arange(1, m + 1)
    if method == "holm":
        adjusted = np.maximum.accumulate(ranked * (m - rank + 1))
    else:
        adjusted = np.minimum.accumulate((ranked * m / rank)[::-1])[::-1]
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    out[finite] = result
    return out


def _two_sided(t: float, df: float) -> float:
    return min(1.0, 2.0 * t_sf(abs(t), df))


def _fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < float(value) < 1:
        raise InputError(f"{name} must be a number in (0, 1), got {value!r}")
    return float(value)


# ----------------------------------------------------------------------------- SPM{t}

@dataclass(frozen=True)
class Cluster:
    """A suprathreshold cluster: nodes ``start``..``end`` (interpolated to the threshold)."""

    start: float
    end: float
    extent: float          # nodes (end - start)
    extent_resels: float   # extent / fwhm
    height: float          # minimum |t| in the cluster (t_star when an end is interpolated)
    p: float               # cluster-level p (RFT), doubled and capped at 1 when two-tailed
    sign: int              # +1: t >= t_star, -1: t <= -t_star


@dataclass(frozen=True)
class SPMResult:
    """Inference on an SPM{t}: the t curve, its smoothness, the critical threshold and clusters."""

    test: str
    t: np.ndarray
    df: float
    fwhm: float
    resels: tuple
    alpha: float
    two_tailed: bool
    t_star: float
    clusters: list
    p_set: float
    arrays: tuple = field(repr=False)

    @property
    def h0_reject(self) -> bool:
        return bool(self.clusters)

    def clusters_frame(self) -> pd.DataFrame:
        """The clusters as a DataFrame (one row each)."""
        cols = ["start", "end", "extent", "extent_resels", "height", "p", "sign"]
        return pd.DataFrame([c.__dict__ for c in self.clusters], columns=cols)

    def spm1d_arrays(self) -> tuple:
        """The J x Q arrays in spm1d's argument order: ``(Y, mu)`` for ``spm1d.stats.ttest``,
        ``(YA, YB)`` for ``ttest_paired`` and ``ttest2``; for ``ttest2`` pass spm1d the
        ``equal_var`` given to :func:`spm_ttest2` explicitly (gaitcore's default is True,
        spm1d's is False; the arrays do not record it).

        >>> # spm1d.stats.ttest2(*res.spm1d_arrays(), equal_var=True).inference(0.05)
        """
        return self.arrays

    def export_npz(self, path) -> None:
        """Save the J x Q arrays to ``path`` (.npz): keys ``Y`` and ``mu`` (one-sample) or ``YA``
        and ``YB``, plus ``test`` naming the spm1d function (``ttest``, ``ttest_paired``,
        ``ttest2``), e.g. to rerun the test with spm1d in a separate environment (for
        ``ttest2`` with the same ``equal_var``, see :meth:`spm1d_arrays`)."""
        if self.test == "ttest":
            y, mu = self.arrays
            np.savez(path, Y=y, mu=np.asarray(mu, float), test=self.test)
        else:
            ya, yb = self.arrays
            np.savez(path, YA=ya, YB=yb, test=self.test)

    def plot(self, ax=None):
        """Plot the t curve, +-t_star and the clusters (shaded, labelled with p); returns ax."""
        import matplotlib.pyplot as plt  # optional dependency: imported only when plotting

        if ax is None:
            _, ax = plt.subplots()
        q = np.arange(self.t.size)
        ax.plot(q, self.t, color="k", lw=1.5, label="SPM{t}")
        ax.axhline(self.t_star, color="r", ls="--", lw=1, label=f"t* = {self.t_star:.3f}")
        if self.two_tailed:
            ax.axhline(-self.t_star, color="r", ls="--", lw=1)
        ax.axhline(0, color="0.6", lw=0.5)
        for c in self.clusters:
            xs = np.concatenate([[c.start], q[(q > c.start) & (q < c.end)], [c.end]])
            ys = np.interp(xs, q, self.t)
            ax.fill_between(xs, c.sign * self.t_star, ys, color="0.7")
            ax.text(0.5 * (c.start + c.end), c.sign * self.t_star * 1.05, f"p = {c.p:.3f}",
                    ha="center", va="bottom" if c.sign > 0 else "top", fontsize=8)
        ax.set_xlabel("node")
        ax.set_ylabel("t")
        ax.set_title(f"{self.test}: df = {self.df:g}, FWHM = {self.fwhm:.2f}")
        return ax


@dataclass(frozen=True)
class SPMTest:
    """An SPM{t} before inference: call :meth:`inference`."""

    test: str
    t: np.ndarray
    df: float
    fwhm: float
    resels: tuple
    arrays: tuple = field(repr=False)

    def inference(self, alpha: float = 0.05, two_tailed: bool = True, method: str = "rft",
                  n_perm: int | None = None, seed: int | None = None, n_threads: int | None = None):
        """Inference at level ``alpha`` (0 < alpha < 0.5).

        ``method="rft"`` (default) returns an :class:`SPMResult`: the threshold ``t_star`` solves
        P(max t > t_star) = alpha (alpha / 2 per tail when two-tailed), with the field-maximum
        probability of docs/methods.md D (Bonferroni-capped over the Q nodes).  Clusters are runs
        of t >= t_star (and t <= -t_star when two-tailed) with endpoints interpolated linearly to
        the threshold; their p and the set-level p are doubled (capped at 1) when two-tailed, as
        in spm1d.

        ``method="permutation"`` returns a :class:`gaitcore.GLMResult` (same ``t``, ``t_star``,
        ``clusters``, ``plot``): sign flips of the curves (one-sample, paired differences) or
        permutations of the group labels (two-sample), maximum statistic and cluster mass; see
        :meth:`gaitcore.GLMTest.inference` for ``n_perm``, ``seed`` and ``n_threads``.
        """
        if method == "permutation":
            return self._glm().inference(alpha, two_tailed, method, n_perm, seed, n_threads)
        if method != "rft":
            raise InputError(f"method must be 'rft' or 'permutation', got {method!r}")
        if n_perm is not None or seed is not None:
            raise InputError("n_perm and seed apply to method='permutation' only")
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 0.5:
            raise InputError(f"alpha must be a number in (0, 0.5), got {alpha!r}")
        if not isinstance(two_tailed, (bool, np.bool_)):
            raise InputTypeError(f"two_tailed must be True or False, got {two_tailed!r}")
        r0, r1 = self.resels
        a = alpha / 2 if two_tailed else alpha
        u = _core.spm_threshold(a, self.df, r0, r1, self.t.size)
        raw, p_set = _core.spm_clusters(self.t, u, self.df, self.fwhm, r0, r1, bool(two_tailed))
        clusters = [Cluster(*c[:6], sign=int(c[6])) for c in raw]
        return SPMResult(self.test, self.t, self.df, self.fwhm, self.resels, float(alpha),
                         bool(two_tailed), u, clusters, p_set, self.arrays)

    def _glm(self):
        """This test as a GLMTest of the GLM core, with its permutation scheme."""
        from . import glm

        kind = {"ttest": 0, "ttest_paired": 1, "ttest2": 2}[self.test]
        a, b = self.arrays
        y, X, c = _t_design(kind, a, b, np.asarray(b) if kind == 0 else 0.0)
        if kind == 2:
            scheme = glm._Permutations("labels", (X[:, 1] > 0).astype(np.intp), symmetric=True)
        else:
            scheme = glm._Permutations("sign")
        return glm._fit(self.test, "T", "", y, X, c, None, None, (), scheme)

    def spm1d_arrays(self) -> tuple:
        """See :meth:`SPMResult.spm1d_arrays`."""
        return self.arrays

    def export_npz(self, path) -> None:
        """See :meth:`SPMResult.export_npz`."""
        SPMResult.export_npz(self, path)


def spm_ttest(y, mu=0.0) -> SPMTest:
    """One-sample SPM{t} of J curves against ``mu`` (a number or a curve of Q nodes).

    ``t = (mean - mu) / (SD / sqrt(J))`` per node, df = J - 1; smoothness from the residuals.
    Equals ``spm1d.stats.ttest(y, mu)``.

    Parameters
    ----------
    y : array_like (J, Q), J >= 3 curves of Q >= 3 nodes, no NaN
    mu : float or array_like (Q,)

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> rng = np.random.default_rng(0)
    >>> y = rng.standard_normal((10, 101)).cumsum(axis=1) + 2.0
    >>> res = gaitcore.spm_ttest(y).inference(alpha=0.05)
    >>> res.df, res.t_star > 2
    (9.0, True)
    """
    y = _curves(y, "y")
    if isinstance(mu, numbers.Real) and not isinstance(mu, bool):
        if not math.isfinite(mu):
            raise InputError(f"mu must be finite, got {mu}")
        yc, mu_arg, mu_out = y, float(mu), float(mu)
    else:
        m = real_array(mu, "mu", max_ndim=1).astype(float)
        if m.shape != (y.shape[1],) or not np.isfinite(m).all():
            raise InputError(f"mu must be a finite number or a curve of {y.shape[1]} nodes, got shape {m.shape}")
        yc, mu_arg, mu_out = y - m, 0.0, m
    t, fwhm = _spm_core(0, yc, None, mu_arg, [yc], [yc], "y")
    return _spm_test("ttest", t, y.shape[0] - 1.0, fwhm, (y, mu_out))


def spm_ttest_paired(ya, yb) -> SPMTest:
    """Paired SPM{t}: the one-sample test of ``ya - yb`` against 0 (df = J - 1).

    Equals ``spm1d.stats.ttest_paired(ya, yb)``.  Typical use: right vs left cycles of the same
    subjects (curve-level asymmetry), or two conditions.

    Parameters
    ----------
    ya, yb : array_like (J, Q), the same J >= 3 subjects in the same order, Q >= 3, no NaN
    """
    ya, yb = _curves(ya, "ya"), _curves(yb, "yb")
    if ya.shape != yb.shape:
        raise InputError(f"ya and yb must have the same shape for a paired test, got {ya.shape} and {yb.shape}")
    t, fwhm = _spm_core(1, ya, yb, 0.0, [ya - yb], [ya, yb], "ya - yb")
    return _spm_test("ttest_paired", t, ya.shape[0] - 1.0, fwhm, (ya, yb))


def spm_ttest2(ya, yb, equal_var: bool = True) -> SPMTest:
    """Two-sample SPM{t}: ``t = (mean_a - mean_b) / (s_p sqrt(1/Ja + 1/Jb))`` with the pooled
    SD s_p, residuals centred within each group.  t and df are dimensionless, FWHM is in nodes
    (the units of ya and yb cancel).

    ``equal_var=True`` (default, pooled variance): df = Ja + Jb - 2.  Equals
    ``spm1d.stats.ttest2(ya, yb, equal_var=True)``.

    ``equal_var=False``: equals ``spm1d.stats.ttest2(ya, yb, equal_var=False)``, spm1d's
    default.  t, FWHM and resels are the same as with ``equal_var=True`` (spm1d fits the same
    GLM); only df changes, to an effective df that the RFT threshold t_star and the cluster
    and set p values then use.  The errors get the covariance ``h_a I (+) h_b I`` (one
    variance per group, SPM's non-sphericity model); h is the restricted maximum likelihood
    estimate (Friston et al. 2002, NeuroImage 16:465; Fisher scoring as in SPM's spm_reml,
    including its step damping and stopping rule) fitted to all nodes at once after scaling
    each node to unit pooled variance, and ``df = tr(RV)^2 / tr(RVRV)`` (Satterthwaite; R the
    residual-forming matrix, V the estimated covariance), i.e. ``(h_a (Ja-1) + h_b (Jb-1))^2 /
    (h_a^2 (Ja-1) + h_b^2 (Jb-1))``: Ja + Jb - 2 when the estimated group variances are equal,
    towards J - 1 of the group whose variance dominates (never below min(Ja, Jb) - 1); 17.99
    instead of 18 on spm1d's PlantarArchAngle.  Unlike Welch's scalar test it is one df for the whole curve and t is
    not re-scaled.  A group whose curves have zero variance at every node raises ValueError.

    Parameters
    ----------
    ya, yb : array_like (Ja, Q), (Jb, Q), Ja, Jb >= 3, Q >= 3, no NaN
    equal_var : bool, pooled df (True) or the ReML effective df (False)

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> rng = np.random.default_rng(1)
    >>> ya = rng.standard_normal((8, 51)).cumsum(axis=1) * 3.0
    >>> yb = rng.standard_normal((12, 51)).cumsum(axis=1)
    >>> pooled, welch = gaitcore.spm_ttest2(ya, yb), gaitcore.spm_ttest2(ya, yb, equal_var=False)
    >>> pooled.df, bool(np.array_equal(pooled.t, welch.t)), bool(7 < welch.df < 18)
    (18.0, True, True)
    """
    if not isinstance(equal_var, (bool, np.bool_)):
        raise InputTypeError(f"equal_var must be True or False, got {equal_var!r}")
    ya, yb = _curves(ya, "ya"), _curves(yb, "yb")
    if ya.shape[1] != yb.shape[1]:
        raise InputError(f"ya and yb must have the same number of nodes, got {ya.shape[1]} and {yb.shape[1]}")
    t, fwhm = _spm_core(2, ya, yb, 0.0, [ya, yb], [ya, yb], "ya and yb (pooled)")
    if equal_var:
        df = ya.shape[0] + yb.shape[0] - 2.0
    else:
        try:
            df = _core.spm_ttest2_df(ya, yb)
        except ValueError:
            for g, name in ((ya, "ya"), (yb, "yb")):
                _raise_if_flat([g], [g], name, everywhere=True)
            raise
    return _spm_test("ttest2", t, df, fwhm, (ya, yb))


def rft_t_threshold(alpha: float, df: float, resels, nodes: int | None = None) -> float:
    """Critical threshold u of a 1D t field: P(max t > u) = alpha (one tail; pass alpha / 2
    for a two-tailed test).

    ``resels`` = (R0, R1): R0 the number of unbroken segments (1 for one curve), R1 = (Q - R0)
    / FWHM.  ``nodes`` (Q), when given, caps P by the Bonferroni bound Q P(T > u).  Solved by
    GSL's Brent method in a bracket widened as needed (thresholds above 100 are found).

    Example
    -------
    >>> import gaitcore
    >>> round(gaitcore.rft_t_threshold(0.05, 9, (1, 8.82417)), 5)
    3.82411
    """
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 0.5:
        raise InputError(f"alpha must be a number in (0, 0.5), got {alpha!r}")
    df = positive(df, "df")
    if df <= 1:
        raise InputError(f"df must be > 1 for a random-field threshold, got {df:g}")
    try:
        r0, r1 = (float(r) for r in resels)
    except (TypeError, ValueError):
        raise InputTypeError(f"resels must be a pair (R0, R1) of numbers, got {resels!r}") from None
    if not (math.isfinite(r0) and math.isfinite(r1) and r0 >= 0 and r1 >= 0 and r0 + r1 > 0):
        raise InputError(f"resels must be finite, >= 0 and not both 0, got {resels!r}")
    n = 0 if nodes is None else integer(nodes, "nodes", 1, 2**62)
    return _core.spm_threshold(float(alpha), df, r0, r1, n)


def _spm_test(name, t, df, fwhm, arrays) -> SPMTest:
    q = t.size
    return SPMTest(name, t, float(df), float(fwhm), (1.0, (q - 1) / fwhm), arrays)


def _curves(y, name: str) -> np.ndarray:
    arr = real_array(y, name, min_ndim=2, max_ndim=2)
    arr = np.ascontiguousarray(arr, dtype=float)
    j, q = arr.shape
    if j < 3:
        raise InputError(f"{name} needs at least 3 curves (rows), got {j}")
    if q < 3:
        raise InputError(f"{name} needs at least 3 nodes (columns), got {q}")
    bad = ~np.isfinite(arr)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError(f"{name} contains NaN or inf (first at curve {r}, node {c}); SPM needs "
                         "complete curves: drop or fill those curves first")
    return arr


def _spm_core(kind, ya, yb, mu, groups, inputs, name):
    """The t curve and FWHM of a t test from the GLM core (gaitcore.glm, one code path for every
    design); zero-variance nodes are named first, on the magnitude of the inputs."""
    _raise_if_flat(groups, inputs, name)
    y, X, c = _t_design(kind, ya, yb, mu)
    t, _, _, fwhm = _core.glm_fit(y, X, c, 0, None, None)
    return t, fwhm


def _t_design(kind, ya, yb, mu=0.0):
    """(y, X, c) of a t test: 0 one-sample (ya - mu on an intercept), 1 paired (ya - yb on an
    intercept), 2 two-sample (ya and yb stacked on two group columns, c = [1, -1])."""
    if kind == 2:
        ja, jb = ya.shape[0], yb.shape[0]
        X = np.zeros((ja + jb, 2))
        X[:ja, 0], X[ja:, 1] = 1.0, 1.0
        return np.vstack([ya, yb]), X, np.array([[1.0, -1.0]])
    y = ya - yb if kind == 1 else ya - mu
    return np.ascontiguousarray(y), np.ones((y.shape[0], 1)), np.ones((1, 1))


def _raise_if_flat(groups, inputs, name: str, everywhere: bool = False) -> None:
    """Zero variance up to rounding, the C core's criterion: pooled residual sum of squares
    <= rows (64 eps max|input|)^2 at the node (``ya - yb`` of curves offset by a constant, or
    the mean of equal values, leave rounding noise rather than exact zeros).  With
    ``everywhere`` only zero variance at every node is reported (a group of the unequal-variance
    two-sample test)."""
    ss = sum(((g - g.mean(axis=0)) ** 2).sum(axis=0) for g in groups)
    rows = sum(g.shape[0] for g in groups)
    scale = np.max([np.abs(g).max(axis=0) for g in inputs], axis=0)
    noise = 64 * np.finfo(float).eps * scale
    flat = ~(ss > rows * noise * noise)
    if everywhere and flat.all():
        raise InputError(f"{name} has zero variance at every node (e.g. identical curves): its "
                         "group variance is 0 and the unequal-variance (equal_var=False) effective "
                         "df is undefined; use equal_var=True or check the data")
    if not everywhere and flat.any():
        nodes = np.flatnonzero(flat)
        shown = ", ".join(str(i) for i in nodes[:10]) + (" ..." if nodes.size > 10 else "")
        raise InputError(f"{name} has zero variance at node(s) {shown}: t is undefined there "
                         "(e.g. curves forced to a common value); crop or drop those nodes")
