"""Curve statistics with the general linear model: SPM{t} and SPM{F} for any design (C core).

``Y`` (n curves x Q nodes) = ``X`` (n x p) ``B`` + error, fitted by OLS at every node from one
QR factorisation of X (csrc/core/gc_glm.c).  A t contrast (a vector c) or an F contrast (a
matrix C) gives the statistic curve; its smoothness (FWHM) comes from the residuals and the
random field theory (RFT) of Worsley et al. (1996, Hum Brain Mapp 4:58) gives the critical
threshold and the cluster p values, as for the t tests (docs/methods.md D and H).
Permutation inference (sign flips or label permutations, maximum statistic and cluster mass;
Nichols & Holmes 2002, Hum Brain Mapp 15:1) is the non-parametric alternative.

Named designs build X and the contrasts: :func:`spm_anova1`, :func:`spm_anova1rm`,
:func:`spm_anova2` (between, within or mixed), :func:`spm_regress`, :func:`spm_ancova`.
Factors use sum-to-zero (effects) coding, so each effect's F is the "type III" test (adjusted
for every other term); for balanced designs it equals the sequential ANOVA of spm1d.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _core
from ._errors import InputError, InputTypeError
from ._validate import real_array

_STAT_CODE = {"T": 0, "F": 1}
ENUMERATE_MAX = 10_000   # n_perm=None enumerates every permutation up to this many
DEFAULT_N_PERM = 10_000  # ... else this many seeded random permutations


# ----------------------------------------------------------------------------- results

@dataclass(frozen=True)
class GLMCluster:
    """A suprathreshold cluster: nodes ``start``..``end`` (interpolated to the threshold)."""

    start: float
    end: float
    extent: float          # nodes (end - start)
    extent_resels: float   # extent / fwhm (RFT); nan for permutation inference
    height: float          # minimum |z| in the cluster (z_star when an end is interpolated)
    p: float               # cluster p (RFT: doubled and capped at 1 when two-tailed)
    sign: int              # +1 above z_star, -1 below -z_star (two-tailed SPM{t})
    mass: float = math.nan  # cluster mass (permutation inference)


@dataclass(frozen=True)
class GLMResult:
    """Inference on an SPM{t} or SPM{F}: threshold ``z_star``, clusters and their p values.

    ``t`` and ``t_star`` are aliases of ``z`` and ``z_star`` (so that the result plots like the
    t tests' :class:`gaitcore.SPMResult`)."""

    test: str
    stat: str
    effect: str
    z: np.ndarray
    df: tuple
    fwhm: float
    resels: tuple
    alpha: float
    two_tailed: bool
    method: str
    z_star: float
    clusters: list
    p_set: float
    p_max: float = math.nan      # permutation: P(max statistic >= observed maximum)
    n_perm: int = 0
    seed: int | None = None
    permutation_max: np.ndarray | None = field(default=None, repr=False)
    permutation_mass: np.ndarray | None = field(default=None, repr=False)

    @property
    def t(self) -> np.ndarray:
        return self.z

    @property
    def t_star(self) -> float:
        return self.z_star

    @property
    def h0_reject(self) -> bool:
        return bool(self.clusters)

    def clusters_frame(self) -> pd.DataFrame:
        """The clusters as a DataFrame (one row each)."""
        cols = ["start", "end", "extent", "extent_resels", "height", "p", "sign", "mass"]
        return pd.DataFrame([c.__dict__ for c in self.clusters], columns=cols)

    def plot(self, ax=None):
        """Plot the statistic, the threshold(s) and the clusters (shaded, labelled with p)."""
        import matplotlib.pyplot as plt  # optional dependency: imported only when plotting

        if ax is None:
            _, ax = plt.subplots()
        q = np.arange(self.z.size)
        name = "t" if self.stat == "T" else "F"
        ax.plot(q, self.z, color="k", lw=1.5, label=f"SPM{{{name}}}")
        ax.axhline(self.z_star, color="r", ls="--", lw=1, label=f"{name}* = {self.z_star:.3f}")
        if self.two_tailed:
            ax.axhline(-self.z_star, color="r", ls="--", lw=1)
        ax.axhline(0, color="0.6", lw=0.5)
        for c in self.clusters:
            xs = np.concatenate([[c.start], q[(q > c.start) & (q < c.end)], [c.end]])
            ax.fill_between(xs, c.sign * self.z_star, np.interp(xs, q, self.z), color="0.7")
            ax.text(0.5 * (c.start + c.end), c.sign * self.z_star * 1.05, f"p = {c.p:.3f}",
                    ha="center", va="bottom" if c.sign > 0 else "top", fontsize=8)
        ax.set_xlabel("node")
        ax.set_ylabel(name)
        dfs = f"df = ({self.df[0]:g}, {self.df[1]:g})" if self.stat == "F" else f"df = {self.df[1]:g}"
        ax.set_title(f"{self.test} {self.effect}: {dfs}, FWHM = {self.fwhm:.2f}".replace("  ", " "))
        return ax


@dataclass(frozen=True)
class _Permutations:
    """How to permute a design (its exchangeability; Winkler et al. 2014, NeuroImage 92:381):

    - 'sign': sign flips of the rows (one-sample and paired tests);
    - 'labels': arrangements of the row labels, within ``blocks`` (subjects) when given;
    - 'whole': whole ``units`` exchanged (e.g. subjects between groups, or a subject's curves at
      one level of a within factor between levels), within ``blocks`` when given; the rows of a
      unit correspond to those of another by their ``within`` key (the other factor's level);
    - 'block_sign': one sign flip per unit (subject) for all of its rows (units of any size);
    - None: not exchangeable: ``refusal(reason)`` is raised.

    With ``tested`` (the contrast of the tested effect) the scheme permutes the residuals of the
    model without that effect instead of y (Freedman-Lane, see :func:`_freedman_lane`); the
    reduced design is built only when permutations are run."""

    scheme: str | None
    labels: np.ndarray | None = None   # 'labels' / 'whole': the labels whose arrangements count
    symmetric: bool = False            # the statistic of the complement arrangement is -z
    blocks: np.ndarray | None = None   # permute only within these blocks
    reason: str = ""
    tested: np.ndarray | None = None   # Freedman-Lane: the contrast C of the tested effect
    units: np.ndarray | None = None    # 'whole' / 'block_sign': the unit of each row
    within: np.ndarray | None = None   # 'whole': the key pairing the rows of exchanged units
    refusal: type = NotImplementedError

    def with_reduced(self, C: np.ndarray) -> "_Permutations":
        """The same scheme on the residuals of the model without the effect C (Freedman-Lane)."""
        return dataclasses.replace(self, tested=C)


def _unit_rows(units: np.ndarray, within: np.ndarray, blocks: np.ndarray | None):
    """Rows of each unit ordered by ``within`` (a list), or None when units of one block do
    not hold the same ``within`` keys once each (whole units cannot then be exchanged)."""
    ids = np.unique(units, return_inverse=True)[1]
    rows = [np.flatnonzero(ids == u) for u in range(ids.max() + 1)]
    rows = [r[np.argsort(within[r], kind="stable")] for r in rows]
    group = np.zeros(len(rows), np.intp) if blocks is None else np.array([blocks[r[0]] for r in rows])
    for g in np.unique(group):
        keys = [tuple(within[r]) for r, gr in zip(rows, group) if gr == g]
        if len(set(keys)) != 1 or len(set(keys[0])) != len(keys[0]):
            return None
    return rows


def _freedman_lane(X: np.ndarray, C: np.ndarray) -> _Permutations:
    """Freedman & Lane (1983) permutations for a design with nuisance regressors.

    The reduced model Z = X N (N a basis of the null space of the contrast C: every fit that
    satisfies H0: C b = 0) is fitted, its residuals R_Z y are permuted across the rows, the reduced
    fit H_Z y is added back and the full model is refitted (Winkler et al. 2014, NeuroImage 92:381,
    table 2).  The statistic of the full model does not change when a vector of span(Z) is added
    to the data (C b and SSE are unchanged), so the statistic of P R_Z y + H_Z y is that of
    P R_Z y: the C permutation kernel runs unchanged on the reduced residuals (NumPy computes
    them once, :func:`_reduced_design`).  The identity permutation gives the observed statistic."""
    return _Permutations("labels", np.arange(X.shape[0]), tested=C)


def _reduced_design(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Z = X N, N a basis of the null space of C (the model without the tested effect)."""
    _, _, vt = np.linalg.svd(C)
    return X @ vt[C.shape[0]:].T


def _reduced_residuals(y: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """R_Z y: the residuals of the curves y (n x Q) on the reduced design Z (n x r), OLS."""
    return np.ascontiguousarray(y - Z @ np.linalg.lstsq(Z, y, rcond=None)[0])


@dataclass(frozen=True)
class GLMTest:
    """An SPM{t} or SPM{F} before inference: call :meth:`inference`.

    Attributes: ``z`` (the statistic per node), ``df`` = (effect df, error df), ``fwhm`` (nodes),
    ``resels`` = (1, (Q - 1) / fwhm), ``dropped`` (the rows of Y left out because they contain
    NaN, as indices into the Y given), ``n`` (curves used)."""

    test: str
    stat: str
    effect: str
    z: np.ndarray
    df: tuple
    fwhm: float
    resels: tuple
    n: int
    dropped: tuple = ()
    y: np.ndarray = field(default=None, repr=False)
    X: np.ndarray = field(default=None, repr=False)
    C: np.ndarray = field(default=None, repr=False)
    Ce: np.ndarray | None = field(default=None, repr=False)
    permutations: _Permutations = field(default=None, repr=False)

    @property
    def t(self) -> np.ndarray:
        return self.z

    def inference(self, alpha: float = 0.05, two_tailed: bool | None = None, method: str = "rft",
                  n_perm: int | None = None, seed: int | None = None,
                  n_threads: int | None = None, exchangeability: str = "restricted") -> GLMResult:
        """Inference at level ``alpha`` (0 < alpha < 0.5).

        ``method="rft"`` (default): the critical threshold solves P(max field > z_star) = alpha
        (alpha / 2 per tail for a two-tailed SPM{t}) with the RFT field-maximum probability,
        Bonferroni-capped over the Q nodes; clusters get the RFT cluster p, doubled (capped at 1)
        when two-tailed, and the set-level p.  SPM{F} is always one-tailed.

        ``method="permutation"``: the maximum of the statistic (of |t| when two-tailed) over the
        nodes, under every sign flip (one-sample and paired tests) or every arrangement of the
        labels (two-sample, ANOVA, regression).  ``n_perm=None`` enumerates them all when there
        are at most 10,000, else draws 10,000 at random; an integer draws that many (the observed
        arrangement is always the first).  ``seed`` fixes the draw (same seed, same p; the
        threads do not change the result; ``seed=None`` draws one and records it in the result).
        ``z_star`` is the (1 - alpha) quantile of the maximum (NumPy's linear interpolation, as
        spm1d); a cluster's mass is the integral of (|z| - z_star) over its suprathreshold nodes
        (trapezoid, unit node spacing) and its p the fraction of permutations whose largest
        cluster mass is at least as large (at least 1 / n_perm).  ``p_max`` is the fraction whose
        maximum reaches the observed maximum (ties within 1e-12 relative count).  For a
        two-tailed SPM{t} with a symmetric scheme (sign flips; two groups of equal size) each
        permutation and its mirror image give -z, so only one of each pair is enumerated, as
        spm1d does.  Designs with nuisance regressors
        (:func:`spm_ancova`, between-subjects :func:`spm_anova2`) permute the rows with the
        Freedman-Lane scheme (residuals of the model without the tested effect; the C kernel
        on residuals computed with NumPy).

        ``exchangeability="restricted"`` (default) permutes only what is exchangeable under the
        null hypothesis of the tested effect (Winkler et al. 2014, NeuroImage 92:381; Anderson &
        ter Braak 2003, J Stat Comput Simul 73:85): a within-subject factor within each subject,
        a between-subject factor by exchanging whole subjects, each effect against its own
        error term (see :func:`spm_anova1rm` and :func:`spm_anova2`); with several strides per
        subject (``unit="stride"``) between-subject designs flip the signs of whole subjects'
        Freedman-Lane residuals.  ``exchangeability="all"`` treats every curve as exchangeable
        with every other and permutes the raw curves (the scheme of
        ``spm1d.stats.nonparam.anova1rm``, ``anova2onerm`` and ``anova2rm``, which ignores the
        subjects; exact only when subjects do not differ): for comparison with spm1d.
        """
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 0.5:
            raise InputError(f"alpha must be a number in (0, 0.5), got {alpha!r}")
        if two_tailed is None:
            two_tailed = self.stat == "T"
        if not isinstance(two_tailed, (bool, np.bool_)):
            raise InputTypeError(f"two_tailed must be True, False or None, got {two_tailed!r}")
        if self.stat == "F" and two_tailed:
            raise InputError("an SPM{F} is one-tailed: use two_tailed=False (or None)")
        if method == "rft":
            if n_perm is not None or seed is not None:
                raise InputError("n_perm and seed apply to method='permutation' only")
            return self._rft(float(alpha), bool(two_tailed))
        if method == "permutation":
            if exchangeability not in ("restricted", "all"):
                raise InputError(f"exchangeability must be 'restricted' or 'all', got {exchangeability!r}")
            return self._permutation(float(alpha), bool(two_tailed), n_perm, seed, n_threads, exchangeability)
        raise InputError(f"method must be 'rft' or 'permutation', got {method!r}")

    # -- RFT
    def _rft(self, alpha: float, two_tailed: bool) -> GLMResult:
        kind = _STAT_CODE[self.stat]
        (r0, r1), (df1, df2) = self.resels, self.df
        a = alpha / 2 if two_tailed else alpha
        u = _core.spm_field_threshold(kind, df1, df2, a, r0, r1, self.z.size)
        raw, p_set = _core.spm_field_clusters(kind, df1, df2, self.z, u, self.fwhm, r0, r1, two_tailed)
        clusters = [GLMCluster(*c[:6], sign=int(c[6])) for c in raw]
        return GLMResult(self.test, self.stat, self.effect, self.z, self.df, self.fwhm, self.resels,
                         alpha, two_tailed, "rft", u, clusters, p_set)

    # -- permutations
    def _permutation(self, alpha, two_tailed, n_perm, seed, n_threads, exchangeability) -> GLMResult:
        perm = self.permutations
        if perm is not None and exchangeability == "all":
            perm = _unrestricted(perm, self.X)
        if perm is None or perm.scheme is None:
            why = perm.reason if perm is not None else ""
            raise (NotImplementedError if perm is None else perm.refusal)(
                f"permutation inference is not available for {self.test}: {why}")
        if n_perm is not None:
            if isinstance(n_perm, bool) or not isinstance(n_perm, numbers.Integral) or n_perm < 2:
                raise InputError(f"n_perm must be an integer >= 2 or None, got {n_perm!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
            raise InputError(f"seed must be a non-negative integer or None, got {seed!r}")
        if n_threads is None:
            n_threads = min(8, os.cpu_count() or 1)
        stat = _STAT_CODE[self.stat]
        enumerated = _enumeration(perm, self.n, two_tailed and self.stat == "T", n_perm)
        y = self.y
        if perm.tested is not None:  # Freedman-Lane: the residuals of the model without the effect
            y = _reduced_residuals(self.y, _reduced_design(self.X, perm.tested))
        if enumerated is not None:
            src, sign = enumerated
            seed = None

            def run(which=None):  # the maxima of all arrangements, or the fields of `which`
                pick = (lambda a: a) if which is None else (lambda a: None if a is None else a[which])
                return _core.glm_permute(y, self.X, self.C, stat, self.Ce, pick(src), pick(sign), two_tailed,
                                         int(n_threads), which is not None)
        else:  # drawn in C: permutation i from its own stream of (seed, i); the identity first
            if seed is None:
                seed = int(np.random.SeedSequence().entropy % (2**63))
            layout = _random_layout(perm, self.n)
            count = DEFAULT_N_PERM if n_perm is None else n_perm

            def run(which=None):
                return _core.glm_permute_random(
                    y, self.X, self.C, stat, self.Ce, int(seed) % 2**64,
                    perm.scheme in ("sign", "block_sign"), *layout, count if which is None else which.size, which, two_tailed, int(n_threads),
                    which is not None)
        zmax = run()[1]
        n_total = zmax.size
        if n_total * alpha < 1:
            raise InputError(f"alpha = {alpha:g} needs at least {math.ceil(1 / alpha)} permutations, "
                             f"only {n_total} are possible or requested")
        u = float(np.percentile(zmax, 100 * (1 - alpha), method="linear"))
        # Second pass (the draws are reproducible by index): the fields of the observed arrangement
        # and of those whose maximum exceeds u, the only ones with a suprathreshold cluster; the
        # others have mass 0.  Keeps memory at n_perm numbers instead of n_perm x Q.
        which = np.flatnonzero(zmax > u)
        which = np.r_[0, which[which != 0]].astype(np.intp)
        fields = run(which)[0]
        mass = np.zeros(n_total)
        mass[which] = _core.spm_max_cluster_mass(fields, u, two_tailed)
        observed = fields[0]   # the identity arrangement comes first
        z_obs_max = np.abs(observed).max() if two_tailed else observed.max()
        p_max = max(float(np.mean(zmax >= _tie(z_obs_max))), 1.0 / n_total)
        clusters = _permutation_clusters(observed, u, two_tailed, mass, n_total)
        return GLMResult(self.test, self.stat, self.effect, self.z, self.df, self.fwhm, self.resels, alpha,
                         two_tailed, "permutation", u, clusters, math.nan, p_max, n_total, seed, zmax, mass)


def _tie(value: float) -> float:
    """The level a permuted value must reach to count as 'at least as large' as ``value``:
    values equal up to rounding (1e-12 relative; arrangements that are mirror images give the
    same statistic through different sums) count as ties."""
    return value - 1e-12 * abs(value)


def _permutation_clusters(z, u, two_tailed, null_mass, n_total):
    """Runs of z > u (|z| when two-tailed), endpoints interpolated to u, p from the null masses."""
    h = np.abs(z) if two_tailed else z
    out = []
    q, Q = 0, z.size
    while q < Q:
        if not h[q] > u:
            q += 1
            continue
        i0 = q
        while q + 1 < Q and h[q + 1] > u and np.sign(z[q + 1]) == np.sign(z[i0]):
            q += 1
        i1 = q
        a = h[i0:i1 + 1] - u
        mass = float(a[0]) if a.size == 1 else float(a.sum() - 0.5 * (a[0] + a[-1]))
        x0 = i0 - 1 + (u - h[i0 - 1]) / (h[i0] - h[i0 - 1]) if i0 > 0 else float(i0)
        x1 = i1 + (h[i1] - u) / (h[i1] - h[i1 + 1]) if i1 < Q - 1 else float(i1)
        height = min(float(a.min() + u), u if (i0 > 0 or i1 < Q - 1) else math.inf)
        p = max(float(np.mean(null_mass >= _tie(mass))), 1.0 / n_total)
        out.append(GLMCluster(float(x0), float(x1), max(float(x1 - x0), 1.0) if x1 > x0 else 1.0,
                              math.nan, height, p, int(np.sign(z[i0])) or 1, mass))
        q += 1
    return out


def _unrestricted(perm: _Permutations, X: np.ndarray) -> _Permutations:
    """Every curve exchangeable with every other, raw curves (spm1d.stats.nonparam's scheme):
    the labels are the classes of equal design rows; sign-flip schemes are kept."""
    if perm.scheme == "sign" or (perm.scheme == "labels" and perm.blocks is None and perm.tested is None):
        return perm
    return _Permutations("labels", np.unique(X, axis=0, return_inverse=True)[1].ravel())


def _block_offsets(ids: np.ndarray):
    """(rows grouped by id, stably; offsets of each id's rows) for ids 0 .. B-1."""
    offsets = np.r_[0, np.cumsum(np.bincount(ids))].astype(np.intp)
    return np.argsort(ids, kind="stable").astype(np.intp), offsets


def _random_layout(perm: _Permutations, n: int):
    """(rows, start, whole, groups) of gc_glm_random for the scheme (see _core.glm_permute_random)."""
    if perm.scheme == "sign":
        return None, None, False, None
    if perm.scheme in ("labels", "block_sign"):
        ids = perm.units if perm.scheme == "block_sign" else perm.blocks
        if ids is None:
            return np.arange(n, dtype=np.intp), np.array([0, n], np.intp), False, None
        return (*_block_offsets(np.unique(ids, return_inverse=True)[1]), False, None)
    unit_rows = _unit_rows(perm.units, perm.within, perm.blocks)
    group = np.zeros(len(unit_rows), np.intp) if perm.blocks is None else \
        np.unique([perm.blocks[r[0]] for r in unit_rows], return_inverse=True)[1]
    order = np.argsort(group, kind="stable")
    rows = np.concatenate([unit_rows[u] for u in order]).astype(np.intp)
    start = np.r_[0, np.cumsum([unit_rows[u].size for u in order])].astype(np.intp)
    return rows, start, True, np.r_[0, np.cumsum(np.bincount(group))].astype(np.intp)


def _whole_unit_enumeration(perm: _Permutations, n: int):
    """Every arrangement of whole units (their labels within their blocks), as row sources."""
    unit_rows = _unit_rows(perm.units, perm.within, perm.blocks)
    first = [r[0] for r in unit_rows]
    unit_perm = _Permutations("labels", perm.labels[first],
                              blocks=None if perm.blocks is None else perm.blocks[first])
    sub = _enumeration(unit_perm, len(unit_rows), False, None)
    if sub is None:
        return None
    src_units = sub[0]
    src = np.empty((src_units.shape[0], n), dtype=np.intp)
    for u, rows in enumerate(unit_rows):  # unit u takes, row by row, the unit drawn for it
        src[:, rows] = np.array([unit_rows[v] for v in src_units[:, u]])
    return src, None


def _enumeration(perm: _Permutations, n: int, symmetric_two_tailed: bool, n_perm):
    """(src (N, n) row indices, sign (N, n) int8 or None) of every distinct arrangement, the
    identity first, when n_perm is None and there are at most ENUMERATE_MAX; else None."""
    if n_perm is not None:
        return None
    if perm.scheme == "whole":
        return _whole_unit_enumeration(perm, n)
    if perm.scheme == "block_sign":
        units = np.unique(perm.units, return_inverse=True)[1]
        if units.max() + 1 >= 62 or 2 ** (units.max() + 1) > ENUMERATE_MAX:
            return None
        signs = np.array(list(itertools.product((1, -1), repeat=int(units.max()) + 1)), dtype=np.int8)
        src = np.tile(np.arange(n, dtype=np.intp), (signs.shape[0], 1))
        return src, np.ascontiguousarray(signs[:, units])
    if perm.scheme == "sign":
        half = symmetric_two_tailed
        if n >= 62 or (2 ** (n - 1) if half else 2 ** n) > ENUMERATE_MAX:
            return None
        # itertools.product((1, -1), repeat=n): with half, only those with a first sign of +1
        signs = np.array(list(itertools.product((1, -1), repeat=n)), dtype=np.int8)
        if half:
            signs = signs[signs[:, 0] == 1]
        return np.tile(np.arange(n, dtype=np.intp), (signs.shape[0], 1)), signs
    levels, codes = np.unique(perm.labels, return_inverse=True)
    blocks = np.zeros(n, np.intp) if perm.blocks is None else np.unique(perm.blocks, return_inverse=True)[1]
    members = [np.flatnonzero(blocks == b) for b in range(blocks.max() + 1)]
    count = 1
    for rows in members:
        count *= _n_arrangements(codes[rows])
        if count > 2 * ENUMERATE_MAX:
            return None
    half = (symmetric_two_tailed and perm.symmetric and perm.blocks is None and len(levels) == 2
            and 2 * np.sum(codes == 0) == n)
    count = count // 2 if half else count
    if count > ENUMERATE_MAX:
        return None
    per_block = [_label_arrangements(codes[rows], len(levels), half) for rows in members]
    arrangements = np.empty((count, n), dtype=codes.dtype)
    for i, combo in enumerate(itertools.product(*per_block)):
        for rows, arr in zip(members, combo):
            arrangements[i, rows] = arr
    # rows of X keep their (block, label); the rows of y given that (block, label) in an
    # arrangement fill them: a stable sort lists both label by label within block
    keys = blocks * len(levels) + arrangements
    if keys.max() < 256:
        keys = keys.astype(np.uint8)  # NumPy's stable sort of small integers is a radix sort
    src = np.empty(arrangements.shape, dtype=np.intp)
    src[:, np.argsort(blocks * len(levels) + codes, kind="stable")] = np.argsort(keys, axis=1, kind="stable")
    return src, None


def _n_arrangements(codes: np.ndarray) -> int:
    total = math.factorial(codes.size)
    for size in np.bincount(codes):
        total //= math.factorial(int(size))
    return total


def _label_arrangements(codes: np.ndarray, n_levels: int, half: bool) -> np.ndarray:
    """Every distinct arrangement of the labels (multiset permutations), the given one first.
    With ``half`` (two equal groups) only those with row 0 in its own group: one of each
    mirror pair, as spm1d's first half of the lexicographic enumeration."""
    n = codes.size
    sizes = np.bincount(codes, minlength=n_levels)

    def fill(remaining, level):
        if level == n_levels - 1:
            yield {level: tuple(remaining)}
            return
        for pos in itertools.combinations(remaining, int(sizes[level])):
            rest = [r for r in remaining if r not in pos]
            for tail in fill(rest, level + 1):
                yield {level: pos, **tail}

    out = []
    for parts in fill(list(range(n)), 0):
        arr = np.empty(n, dtype=codes.dtype)
        for level, pos in parts.items():
            arr[list(pos)] = level
        if half and arr[0] != codes[0]:
            continue
        out.append(arr)
    arrangements = np.array(out)
    first = np.flatnonzero((arrangements == codes).all(axis=1))
    order = np.concatenate([first, np.setdiff1d(np.arange(len(out)), first)])
    return arrangements[order]


# ----------------------------------------------------------------------------- the GLM

def spm_glm(Y, X, contrast, *, error_contrast=None, smoothness_design=None, stat: str | None = None,
            effect: str = "", test: str = "glm") -> GLMTest:
    """SPM{t} or SPM{F} of the linear model ``Y = X B + error`` for the contrast ``contrast``.

    Parameters
    ----------
    Y : array_like (n, Q), n curves of Q >= 3 nodes; rows with NaN are dropped (``dropped``)
    X : array_like (n, p), the design matrix, full column rank, p < n - 1
    contrast : array_like (p,) for a t contrast ``c'B`` or (k, p) for an F contrast ``C B = 0``
    error_contrast : array_like (ke, p), optional: F's denominator is this contrast's mean
        square instead of the residual one (the error terms of repeated-measures designs)
    smoothness_design : array_like (n, pr), optional: the FWHM is estimated from the residuals
        of this design instead of X
    stat : "T" or "F" (default: T for a vector contrast, F for a matrix)

    Returns
    -------
    GLMTest: call ``.inference(alpha)``

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> rng = np.random.default_rng(0)
    >>> speed = rng.uniform(2.5, 4.0, 20)
    >>> y = rng.standard_normal((20, 101)).cumsum(axis=1) + 5 * speed[:, None]
    >>> X = np.column_stack([np.ones(20), speed])
    >>> res = gaitcore.spm_glm(y, X, [0, 1]).inference(0.05)
    >>> res.df, res.h0_reject
    ((1.0, 18.0), True)
    """
    y = real_array(Y, "Y", min_ndim=2, max_ndim=2).astype(float)
    x = real_array(X, "X", min_ndim=1, max_ndim=2).astype(float)
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[0] != y.shape[0]:
        raise InputError(f"X must have one row per curve of Y: {x.shape[0]} rows for {y.shape[0]} curves")
    if not np.isfinite(x).all():
        raise InputError("X contains NaN or inf")
    c = real_array(contrast, "contrast", max_ndim=2).astype(float)
    if stat is None:
        stat = "T" if c.ndim == 1 else "F"
    if stat not in _STAT_CODE:
        raise InputError(f"stat must be 'T' or 'F', got {stat!r}")
    c = np.atleast_2d(c)
    if c.shape[1] != x.shape[1]:
        raise InputError(f"contrast must have {x.shape[1]} columns (one per column of X), got {c.shape[1]}")
    if stat == "T" and c.shape[0] != 1:
        raise InputError("a t contrast is one row; use stat='F' for several")
    ce = None
    if error_contrast is not None:
        ce = np.atleast_2d(real_array(error_contrast, "error_contrast", max_ndim=2).astype(float))
        if ce.shape[1] != x.shape[1]:
            raise InputError(f"error_contrast must have {x.shape[1]} columns, got {ce.shape[1]}")
    xr = None
    if smoothness_design is not None:
        xr = real_array(smoothness_design, "smoothness_design", max_ndim=2).astype(float)
        xr = xr[:, None] if xr.ndim == 1 else xr
        if xr.shape[0] != y.shape[0]:
            raise InputError("smoothness_design must have one row per curve of Y")
    keep, dropped = _complete_rows(y)
    y, x = np.ascontiguousarray(y[keep]), np.ascontiguousarray(x[keep])
    xr = None if xr is None else np.ascontiguousarray(xr[keep])
    _check_design(y, x)
    return _fit(test, stat, effect, y, x, c, ce, xr, dropped, None)


def _complete_rows(y):
    if y.shape[1] < 3:
        raise InputError(f"Y needs at least 3 nodes (columns), got {y.shape[1]}")
    if np.isinf(y).any():
        raise InputError("Y contains infinite values (NaN marks a missing curve; inf is an error)")
    keep = np.isfinite(y).all(axis=1)
    return keep, tuple(int(i) for i in np.flatnonzero(~keep))


def _check_design(y, x):
    n, p = x.shape
    if n - p < 2:
        raise InputError(f"{n} complete curves for {p} design columns: at least {p + 2} are needed "
                         "(error df >= 2)")


def _fit(test, stat, effect, y, x, c, ce, xr, dropped, permutations) -> GLMTest:
    try:
        z, df1, df2, fwhm = _core.glm_fit(y, x, c, _STAT_CODE[stat], ce, xr)
    except ValueError as exc:  # the C core checks the rank of X and C on its QR factorisation
        raise InputError(f"{test}: {exc}: the design X ({x.shape[0]} x {x.shape[1]}) or the contrast is "
                         "rank deficient (a level without curves, a constant covariate, collinear "
                         "columns), or the curves have zero error variance at some node") from None
    return GLMTest(test, stat, effect, z, (df1, df2), fwhm, (1.0, (z.size - 1) / fwhm), y.shape[0],
                   dropped, y, x, c, ce, permutations)


# ----------------------------------------------------------------------------- designs

def _factor(values, name: str, n: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size != n:
        raise InputError(f"{name} must be 1-D with one label per curve ({n}), got shape {arr.shape}")
    return arr


def _sum_coding(codes: np.ndarray, n_levels: int) -> np.ndarray:
    """Effects coding: column j is +1 at level j, -1 at the last level (levels 0..m-2)."""
    cols = np.zeros((codes.size, n_levels - 1))
    for j in range(n_levels - 1):
        cols[codes == j, j] = 1.0
    cols[codes == n_levels - 1, :] = -1.0
    return cols


def _interaction(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.column_stack([a[:, i] * b[:, j] for i in range(a.shape[1]) for j in range(b.shape[1])]) \
        if a.shape[1] and b.shape[1] else np.zeros((a.shape[0], 0))


def _codes(labels):
    levels, codes = np.unique(labels, return_inverse=True)
    return levels, codes


class _Design:
    """Columns of X by term, so that contrasts select terms."""

    def __init__(self, n):
        self.blocks, self.names = [np.ones((n, 1))], ["intercept"]

    def add(self, name, cols):
        self.blocks.append(np.asarray(cols, float).reshape(len(cols), -1))
        self.names.append(name)

    @property
    def X(self):
        return np.column_stack(self.blocks)

    def contrast(self, name):
        widths = [b.shape[1] for b in self.blocks]
        i = self.names.index(name)
        start = sum(widths[:i])
        C = np.zeros((widths[i], sum(widths)))
        C[np.arange(widths[i]), start + np.arange(widths[i])] = 1.0
        return C


def _drop_nan(y, *arrays):
    keep, dropped = _complete_rows(y)
    return (y[keep],) + tuple(None if a is None else a[keep] for a in arrays) + (dropped, keep)


def _average_units(y, keys: list, extra=None):
    """Mean curve per distinct tuple of keys (e.g. subject and condition), in first-seen order
    (rows summed per group with one sorted reduceat, not a Python loop over the groups)."""
    frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
    ids = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
    order = np.argsort(ids, kind="stable")
    counts = np.bincount(ids)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    first = order[starts]

    def means(a):
        return np.add.reduceat(np.asarray(a, float)[order], starts, axis=0) / counts.reshape(-1, *[1] * (a.ndim - 1))

    ks = [np.asarray(k)[first] for k in keys]
    return means(y), ks, None if extra is None else means(extra)


def spm_anova1(Y, groups, *, subjects=None, unit: str = "subject") -> GLMTest:
    """One-way ANOVA over curves: SPM{F} of the group effect (equal variances).

    Equals ``spm1d.stats.anova1(Y, groups, equal_var=True)`` for any group sizes.  With
    ``subjects`` (one label per curve) and ``unit="subject"`` (default) the strides of a subject
    are first averaged, so subjects are the units; ``unit="stride"`` keeps every curve, and its
    permutation test then flips the signs of whole subjects' Freedman-Lane residuals (strides of
    one subject are not exchangeable with other subjects'; Winkler et al. 2014, NeuroImage
    92:381).  Rows with NaN are dropped (``.dropped``).

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> rng = np.random.default_rng(2)
    >>> y = rng.standard_normal((15, 101)).cumsum(axis=1)
    >>> f = gaitcore.spm_anova1(y, [0] * 5 + [1] * 5 + [2] * 5)
    >>> f.stat, f.df
    ('F', (2.0, 12.0))
    """
    y = real_array(Y, "Y", min_ndim=2, max_ndim=2).astype(float)
    g = _factor(groups, "groups", y.shape[0])
    y, g, s, dropped, _ = _drop_nan(y, g, None if subjects is None else _factor(subjects, "subjects", y.shape[0]))
    if s is not None and _unit(unit) == "subject":
        y, (g, s), _ = _average_units(y, [g, s])
    levels, codes = _codes(g)
    if len(levels) < 2:
        raise InputError(f"groups needs at least 2 levels, got {len(levels)}")
    d = _Design(y.shape[0])
    d.add("A", _sum_coding(codes, len(levels)))
    X = d.X
    _check_design(y, X)
    perm = _subject_sign_flips(_Permutations("labels", codes, symmetric=len(levels) == 2), s, X,
                               d.contrast("A"))
    return _fit("anova1", "F", "group", np.ascontiguousarray(y), X, d.contrast("A"), None, None, dropped, perm)


def _subject_sign_flips(perm: _Permutations, subjects, X, C) -> _Permutations:
    """With several strides per subject (unit="stride") single strides are not exchangeable
    between subjects (they share the subject's deviation) and subjects hold different numbers
    of strides: the Freedman-Lane residuals of the model without the effect C have their signs
    flipped subject by subject instead (whole-block sign flips, which assume errors symmetric
    about zero; Winkler et al. 2014, NeuroImage 92:381, sections 'Exchangeability blocks' and
    'Whole-block permutation'); ``perm`` when every subject has one curve."""
    if subjects is None:
        return perm
    units = np.unique(subjects, return_inverse=True)[1]
    if units.max() + 1 == units.size:
        return perm
    return _Permutations("block_sign", units=units).with_reduced(C)


def spm_regress(Y, x) -> GLMTest:
    """Linear regression of the curves on a scalar ``x`` (e.g. speed in m/s): SPM{t} of the slope.

    X = [x, 1] and c = [1, 0]; df = n - 2.  Equals ``spm1d.stats.regress(Y, x)``.
    ``.r`` is not computed; t relates to the correlation r by t = r sqrt((n-2)/(1-r^2)).

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> rng = np.random.default_rng(3)
    >>> x = rng.uniform(2.5, 4.5, 12)
    >>> y = rng.standard_normal((12, 101)).cumsum(axis=1) + 3 * x[:, None]
    >>> gaitcore.spm_regress(y, x).inference(0.05).df
    (1.0, 10.0)
    """
    y = real_array(Y, "Y", min_ndim=2, max_ndim=2).astype(float)
    xv = real_array(x, "x", max_ndim=1).astype(float)
    if xv.size != y.shape[0] or not np.isfinite(xv).all():
        raise InputError(f"x must hold one finite value per curve ({y.shape[0]}), got {xv.size}")
    y, xv, dropped, _ = _drop_nan(y, xv)
    X = np.column_stack([xv, np.ones(xv.size)])
    _check_design(y, X)
    perm = _Permutations("labels", np.arange(xv.size), symmetric=False)
    return _fit("regress", "T", "slope", np.ascontiguousarray(y), X, np.array([[1.0, 0.0]]), None, None,
                dropped, perm)


def spm_ancova(Y, groups, covariates, *, subjects=None, unit: str = "subject", effect: str = "group"):
    """ANCOVA over curves: the group effect adjusted for scalar covariates (e.g. speed_m_per_s).

    X = [1, groups (effects coded), covariates (centred)]; ``effect="group"`` gives the SPM{F} of
    the group effect (SPM{t} of group A - group B when there are two groups), ``effect`` = the
    name or index of a covariate gives the SPM{t} of its slope.  Group sizes may differ.

    Parameters
    ----------
    Y : (n, Q) curves; rows with NaN (in Y or a covariate) are dropped (``.dropped``)
    groups : n labels
    covariates : (n,) or (n, m) array, or a DataFrame / dict of named columns
    subjects, unit : as :func:`spm_anova1` (strides averaged per subject; covariates too; with
        ``unit="stride"`` permutations flip the signs of whole subjects' residuals)

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> rng = np.random.default_rng(4)
    >>> speed = rng.uniform(2.5, 4.0, 24)
    >>> g = np.repeat([0, 1], 12)
    >>> y = rng.standard_normal((24, 101)).cumsum(axis=1) + 4 * speed[:, None]
    >>> res = gaitcore.spm_ancova(y, g, speed)
    >>> res.stat, res.df
    ('T', (1.0, 21.0))
    """
    y = real_array(Y, "Y", min_ndim=2, max_ndim=2).astype(float)
    n = y.shape[0]
    g = _factor(groups, "groups", n)
    names, cov = _covariate_matrix(covariates, n)
    bad = ~np.isfinite(cov).all(axis=1)
    y = y.copy()
    y[bad] = np.nan  # a curve without its covariate cannot be used
    y, g, cov, s, dropped, _ = _drop_nan(y, g, cov, None if subjects is None else _factor(subjects, "subjects", n))
    if s is not None and _unit(unit) == "subject":
        y, (g, s), cov = _average_units(y, [g, s], cov)
    levels, codes = _codes(g)
    if len(levels) < 2:
        raise InputError(f"groups needs at least 2 levels, got {len(levels)}")
    d = _Design(y.shape[0])
    d.add("group", _sum_coding(codes, len(levels)))
    for i, name in enumerate(names):
        d.add(name, cov[:, i] - cov[:, i].mean())
    X = d.X
    _check_design(y, X)
    y = np.ascontiguousarray(y)
    if effect == "group":
        C = d.contrast("group")
        perm = _subject_sign_flips(_freedman_lane(X, C), s, X, C)
        if len(levels) == 2:  # t of A - B: effects coding gives b = (mA - mB) / 2
            return _fit("ancova", "T", f"{levels[0]} - {levels[1]}", y, X, 2 * C, None, None, dropped, perm)
        return _fit("ancova", "F", "group", y, X, C, None, None, dropped, perm)
    key = names[effect] if isinstance(effect, numbers.Integral) else effect
    if key not in names:
        raise InputError(f"effect must be 'group' or one of the covariates {names}, got {effect!r}")
    C = d.contrast(key)
    perm = _subject_sign_flips(_freedman_lane(X, C), s, X, C)
    return _fit("ancova", "T", str(key), y, X, C, None, None, dropped, perm)


def _covariate_matrix(covariates, n):
    if isinstance(covariates, pd.Series):
        covariates = covariates.to_frame()
    if isinstance(covariates, (pd.DataFrame, dict)):
        frame = pd.DataFrame(covariates)
        names = [str(c) for c in frame.columns]
        values = frame.to_numpy(dtype=float)
    else:
        values = real_array(covariates, "covariates", max_ndim=2).astype(float)
        values = values[:, None] if values.ndim == 1 else values
        names = [f"covariate{i}" for i in range(values.shape[1])]
    if values.shape[0] != n:
        raise InputError(f"covariates must have one row per curve ({n}), got {values.shape[0]}")
    if np.isinf(values).any():
        raise InputError("covariates contain infinite values")
    return names, values


def _unit(unit):
    if unit not in ("subject", "stride"):
        raise InputError(f"unit must be 'subject' or 'stride', got {unit!r}")
    return unit


def spm_anova1rm(Y, conditions, subjects, *, unit: str = "subject") -> GLMTest:
    """One-way repeated-measures ANOVA over curves: SPM{F} of the condition effect.

    With one curve per subject and condition (the default ``unit="subject"`` averages a
    subject's strides per condition first), X = [1, conditions, subjects] (effects coded) and
    the error is the subject-by-condition residual, df = (k - 1, (k - 1)(s - 1)) when complete.
    A subject missing a condition (or a dropped NaN curve) is allowed: the additive model is then
    fitted to the curves present.  The smoothness is estimated as spm1d does for one observation
    per cell (the residuals of X' = [1, 1(condition != first), 1(subject != first)]), so that the
    result equals ``spm1d.stats.anova1rm`` on balanced data.  With ``unit="stride"`` and several
    curves per cell the model adds the subject-by-condition interaction, which is then the
    error term of the condition effect (residual smoothness from the full model).
    Permutations exchange the conditions within each subject; with several strides per cell,
    a subject's strides of one condition move together (equal stride counts per cell of a
    subject needed, else an InputError).

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> rng = np.random.default_rng(5)
    >>> y = rng.standard_normal((12, 101)).cumsum(axis=1)
    >>> f = gaitcore.spm_anova1rm(y, np.tile([0, 1, 2], 4), np.repeat([0, 1, 2, 3], 3))
    >>> f.df
    (2.0, 6.0)
    """
    y = real_array(Y, "Y", min_ndim=2, max_ndim=2).astype(float)
    n = y.shape[0]
    a, s = _factor(conditions, "conditions", n), _factor(subjects, "subjects", n)
    y, a, s, dropped, _ = _drop_nan(y, a, s)
    if _unit(unit) == "subject":
        y, (a, s), _ = _average_units(y, [a, s])
    la, ca = _codes(a)
    ls, cs = _codes(s)
    if len(la) < 2 or len(ls) < 2:
        raise InputError(f"anova1rm needs >= 2 conditions and >= 2 subjects, got {len(la)} and {len(ls)}")
    d = _Design(y.shape[0])
    XA, XS = _sum_coding(ca, len(la)), _sum_coding(cs, len(ls))
    d.add("A", XA)
    d.add("S", XS)
    cells = pd.Series(list(zip(ca, cs))).value_counts()
    y = np.ascontiguousarray(y)
    perm = _Permutations("labels", ca, blocks=cs)  # conditions exchangeable within a subject
    if cells.max() > 1:
        perm = _whole_cells_within_subjects(ca, cs)
        d.add("SA", _interaction(XA, XS))
        X = d.X
        _check_design(y, X)
        return _fit("anova1rm", "F", "condition", y, X, d.contrast("A"), d.contrast("SA"), None, dropped, perm)
    X = d.X
    _check_design(y, X)
    xr = np.column_stack([np.ones(y.shape[0]), ca != 0, cs != 0]).astype(float)
    return _fit("anova1rm", "F", "condition", y, X, d.contrast("A"), None, xr, dropped, perm)


def _whole_cells_within_subjects(ca, cs) -> _Permutations:
    """Strides kept (unit="stride"): a subject's strides of one condition move together to
    another condition of that subject (strides of one cell share the subject-by-condition
    deviation, so single strides are not exchangeable between cells); needs the same number of
    strides in every cell of a subject (Winkler et al. 2014, whole-block exchange)."""
    cell = cs * (ca.max() + 1) + ca
    stride = pd.Series(cell).groupby(cell).cumcount().to_numpy()
    if _unit_rows(cell, stride, cs) is None:
        return _Permutations(None, refusal=InputError, reason=(
            "unit='stride' with unequal numbers of strides in the conditions of a subject: whole "
            "cells cannot be exchanged; use unit='subject' (strides averaged per subject and "
            "condition) or method='rft'"))
    return _Permutations("whole", ca, blocks=cs, units=cell, within=stride)


def spm_anova2(Y, a, b, *, subjects=None, within: str = "", unit: str = "subject") -> list:
    """Two-way ANOVA over curves: SPM{F} of A, B and A x B (a list of three GLMTest).

    ``within`` names the repeated-measures factors: ``""`` (both between, no ``subjects``),
    ``"b"`` (mixed: A between, B within, subjects nested in A) or ``"ab"`` (both within).
    Effects coding; error terms as in the classical split-plot / repeated-measures ANOVA:
    between: residual; mixed: A over subjects within A, B and AB over the residual (B x subject);
    within: A over A x subject, B over B x subject, AB over the residual.  With several curves
    per subject and cell (``unit="stride"``) the residual is the stride-to-stride variation, so
    the subject interactions are added and become the error terms (mixed: B and AB over
    B x subject; within: AB over A x B x subject), smoothness from the full model.  With one
    curve per subject and cell (strides averaged first, ``unit="subject"``) the smoothness is estimated
    as spm1d does (residuals of [1, 1(a != first), 1(b != first), 1(subject != first in its
    group), 1(a != first and b != first)]), so balanced data give ``spm1d.stats.anova2``,
    ``anova2onerm`` and ``anova2rm``.

    Permutation inference (``.inference(method="permutation")``) permutes each effect within
    what its null hypothesis makes exchangeable (docs/methods.md H.6a; Anderson & ter Braak 2003,
    J Stat Comput Simul 73:85): between designs, Freedman-Lane residuals across all curves; the
    mixed design's A, whole subjects between the groups; the within design's A and B, a subject's
    curves at one level exchanged with another level within the subject; effects tested over the
    residual (mixed B and AB, within AB), Freedman-Lane residuals within each subject.  Whole
    exchanges need every subject to have one curve per cell; several curves per cell
    (``unit="stride"``) are refused with an InputError (use ``unit="subject"`` or RFT).

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> rng = np.random.default_rng(6)
    >>> y = rng.standard_normal((24, 101)).cumsum(axis=1)
    >>> fa, fb, fab = gaitcore.spm_anova2(y, np.repeat([0, 1], 12), np.tile([0, 1, 2], 8))
    >>> fa.df, fab.df
    ((1.0, 18.0), (2.0, 18.0))
    >>> mixed = gaitcore.spm_anova2(y, np.repeat([0, 1], 12), np.tile([0, 1, 2], 8),
    ...                             subjects=np.repeat(np.arange(8), 3), within="b")
    >>> mixed[0].inference(0.05, method="permutation").n_perm  # C(8, 4) splits of whole subjects
    70
    """
    y = real_array(Y, "Y", min_ndim=2, max_ndim=2).astype(float)
    n = y.shape[0]
    if within not in ("", "b", "ab"):
        raise InputError(f"within must be '', 'b' or 'ab', got {within!r}")
    fa, fb = _factor(a, "a", n), _factor(b, "b", n)
    fs = None if subjects is None else _factor(subjects, "subjects", n)
    if within and fs is None:
        raise InputError("repeated-measures designs (within='b' or 'ab') need subjects")
    y, fa, fb, fs, dropped, _ = _drop_nan(y, fa, fb, fs)
    if fs is not None and _unit(unit) == "subject":
        y, (fa, fb, fs), _ = _average_units(y, [fa, fb, fs])
    la, ca = _codes(fa)
    lb, cb = _codes(fb)
    if len(la) < 2 or len(lb) < 2:
        raise InputError("a and b need at least 2 levels each")
    XA, XB = _sum_coding(ca, len(la)), _sum_coding(cb, len(lb))
    d = _Design(y.shape[0])
    d.add("A", XA)
    d.add("B", XB)
    y = np.ascontiguousarray(y)
    labels = ("A", "B", "AB")
    if not within:
        d.add("AB", _interaction(XA, XB))
        X = d.X
        _check_design(y, X)
        return [_fit("anova2", "F", e, y, X, d.contrast(e), None, None, dropped, _freedman_lane(X, d.contrast(e)))
                for e in labels]
    subject = _subject_ids(within, ca, fs)
    several = np.bincount((subject * len(la) + ca) * len(lb) + cb).max() > 1  # unit="stride"
    if within == "b":
        XS = np.zeros((y.shape[0], 0))  # subjects nested in A: coded within each group
        first_in_group = np.zeros(y.shape[0], bool)
        for g in range(len(la)):
            rows = ca == g
            ls_g, cs_g = _codes(fs[rows])
            block = np.zeros((y.shape[0], len(ls_g) - 1))
            block[rows] = _sum_coding(cs_g, len(ls_g))
            XS = np.column_stack([XS, block])
            first_in_group[rows] = cs_g == 0
        d.add("S", XS)
        d.add("AB", _interaction(XA, XB))
        if several:  # strides kept: subject x B (within A) is the error term of B and A x B
            d.add("SB", _interaction(XS, XB))
        within_error = d.contrast("SB") if several else None
        error = {"A": d.contrast("S"), "B": within_error, "AB": within_error}
        s_first = first_in_group
    else:
        ls, cs = _codes(fs)
        XS = _sum_coding(cs, len(ls))
        d.add("S", XS)
        d.add("AB", _interaction(XA, XB))
        d.add("SA", _interaction(XA, XS))
        d.add("SB", _interaction(XB, XS))
        if several:  # strides kept: subject x A x B is the error term of A x B
            d.add("SAB", _interaction(_interaction(XA, XB), XS))
        error = {"A": d.contrast("SA"), "B": d.contrast("SB"), "AB": d.contrast("SAB") if several else None}
        s_first = cs == 0
    X = d.X
    _check_design(y, X)
    xr = None if several else np.column_stack(  # spm1d's smoothness design for one curve per cell
        [np.ones(y.shape[0]), ca != 0, cb != 0, ~s_first, (ca != 0) & (cb != 0)]).astype(float)
    test = "anova2onerm" if within == "b" else "anova2rm"
    schemes = _anova2_rm_permutations(within, X, d, ca, cb, subject, several)
    return [_fit(test, "F", e, y, X, d.contrast(e), error[e], xr, dropped, schemes[e]) for e in labels]


def _subject_ids(within: str, ca, fs) -> np.ndarray:
    """Subject ids 0 .. s-1; in the mixed design a label names a subject within its group of A."""
    subject = np.unique(fs, return_inverse=True)[1]
    if within == "b":
        subject = np.unique(np.column_stack([ca, subject]), axis=0, return_inverse=True)[1].ravel()
    return subject


def _anova2_rm_permutations(within: str, X, d: _Design, ca, cb, subject, several: bool) -> dict:
    """Restricted permutations of each effect of a repeated-measures two-way ANOVA, each tested
    against its own error term (Anderson & ter Braak 2003; Winkler et al. 2014):

    - a between-subject A (mixed design, error: subjects within A): whole subjects exchanged
      between the groups (F_A depends on the subject means only: exact under H0_A);
    - a within-subject main effect (A or B of ``within="ab"``, error: its interaction with the
      subjects): a subject's curves at one level exchanged with its curves at another level,
      all levels of the other factor moving together (F depends on subject-by-level means only);
    - effects tested against the residual (B and AB of the mixed design, AB of ``"ab"``): the
      Freedman-Lane residuals of the model without the effect permuted within each subject.
    Several curves per subject and cell (``unit="stride"``) are refused: strides of one cell
    share its subject-by-condition deviation and are not exchangeable with other cells'."""
    na, nb = ca.max() + 1, cb.max() + 1
    cell = ca * nb + cb
    if several:
        no = _Permutations(None, refusal=InputError, reason=(
            "unit='stride' leaves several curves per subject and cell; strides of one cell are not "
            "exchangeable with another cell's (they share the subject-by-condition deviation): use "
            "unit='subject' (strides averaged per subject and cell) or method='rft'"))
        return {"A": no, "B": no, "AB": no}

    def residuals_within_subjects(effect, labels):
        return _Permutations("labels", labels, blocks=subject).with_reduced(d.contrast(effect))

    def whole(labels, units, key, blocks, what):
        if _unit_rows(units, key, blocks) is None:
            return _Permutations(None, refusal=InputError, reason=(
                f"exchanging {what} needs every subject to have one curve at every level of the "
                "other factor (a complete, balanced design); use method='rft'"))
        return _Permutations("whole", labels, blocks=blocks, units=units, within=key)

    if within == "b":
        return {"A": whole(ca, subject, cb, None, "whole subjects between the groups of a"),
                "B": residuals_within_subjects("B", cb), "AB": residuals_within_subjects("AB", cb)}
    return {"A": whole(ca, subject * na + ca, cb, subject, "a subject's curves between the levels of a"),
            "B": whole(cb, subject * nb + cb, ca, subject, "a subject's curves between the levels of b"),
            "AB": residuals_within_subjects("AB", cell)}


# ----------------------------------------------------------------------------- post hoc, effect sizes

def spm_posthoc(Y, groups, *, alpha: float = 0.05, correction: str = "holm", subjects=None,
                unit: str = "subject") -> pd.DataFrame:
    """Pairwise two-sample SPM{t} after a one-way ANOVA, with the threshold corrected for the
    m = k (k - 1) / 2 comparisons (two-tailed RFT inference, pooled variance per pair).

    ``correction="sidak"``: every comparison at alpha_c = 1 - (1 - alpha)^(1/m) (Sidak 1967).
    ``correction="holm"``: Holm's (1979) step-down on the comparisons' field-level p (the RFT
    probability that the maximum |t| of the field reaches the observed one): the comparison
    with the k-th smallest p (k = 0, 1, ...) is inferred at alpha / (m - k) until one fails;
    that one and all later ones are inferred at the failing level (they cannot reject).

    Returns a DataFrame, one row per pair (``a``, ``b``; t = a - b): ``n_a``, ``n_b``,
    ``p_field``, ``alpha_corrected``, ``t_star``, ``clusters``, ``p_min``, ``significant``; the
    results are in ``df.attrs["spm"][(a, b)]``.  Rows with NaN are dropped; with ``subjects``
    strides are averaged per subject first (as :func:`spm_anova1`).

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> rng = np.random.default_rng(8)
    >>> y = rng.standard_normal((18, 101)).cumsum(axis=1) + np.repeat([0.0, 0.0, 6.0], 6)[:, None]
    >>> post = gaitcore.spm_posthoc(y, np.repeat(["a", "b", "c"], 6), correction="sidak")
    >>> post[["a", "b"]].values.tolist()
    [['a', 'b'], ['a', 'c'], ['b', 'c']]
    """
    from .stats import spm_ttest2

    if correction not in ("holm", "sidak"):
        raise InputError(f"correction must be 'holm' or 'sidak', got {correction!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 0.5:
        raise InputError(f"alpha must be a number in (0, 0.5), got {alpha!r}")
    y = real_array(Y, "Y", min_ndim=2, max_ndim=2).astype(float)
    g = _factor(groups, "groups", y.shape[0])
    y, g, s, _, _ = _drop_nan(y, g, None if subjects is None else _factor(subjects, "subjects", y.shape[0]))
    if s is not None and _unit(unit) == "subject":
        y, (g, s), _ = _average_units(y, [g, s])
    levels = np.unique(g)
    if len(levels) < 2:
        raise InputError(f"groups needs at least 2 levels, got {len(levels)}")
    pairs = list(itertools.combinations(levels, 2))
    tests = [spm_ttest2(y[g == a], y[g == b]) for a, b in pairs]
    m = len(pairs)
    p_field = [min(1.0, 2 * _core.spm_field_rft(0, 1.0, t.df, 1, float(np.abs(t.t).max()), *t.resels, t.t.size))
               for t in tests]
    if correction == "sidak":
        levels_alpha = [1 - (1 - alpha) ** (1 / m)] * m
    else:
        levels_alpha = [0.0] * m
        failed = None
        for rank, i in enumerate(np.argsort(p_field, kind="stable")):
            level = alpha / (m - rank) if failed is None else failed
            if failed is None and p_field[i] > level:
                failed = level
            levels_alpha[i] = level
    rows, results = [], {}
    for (a, b), t, p, a_c in zip(pairs, tests, p_field, levels_alpha):
        res = t.inference(a_c, two_tailed=True)
        results[(a, b)] = res
        rows.append({"a": a, "b": b, "n_a": int(np.sum(g == a)), "n_b": int(np.sum(g == b)), "p_field": p,
                     "alpha_corrected": a_c, "t_star": res.t_star,
                     "clusters": "; ".join(f"{c.start:.1f}-{c.end:.1f} (p={c.p:.3g})" for c in res.clusters),
                     "p_min": min((c.p for c in res.clusters), default=math.nan),
                     "significant": bool(res.clusters)})
    out = pd.DataFrame(rows)
    out.attrs["spm"] = results
    return out


def hedges_g_curve(ya, yb, confidence: float = 0.95) -> pd.DataFrame:
    """Hedges' g per node of group a vs group b with a normal-approximation confidence band.

    ``d = (mean_a - mean_b) / s_p`` (pooled SD), ``g = J d`` with ``J = 1 - 3 / (4 (na + nb) - 9)``
    (Hedges & Olkin 1985); ``SE = J sqrt((na + nb) / (na nb) + d^2 / (2 (na + nb)))`` and the band
    ``g +- z SE`` (Borenstein et al. 2009, eqs 4.20-4.24; the band of :func:`gaitcore.plot.forest`).
    Rows with NaN are dropped.  A node with zero pooled SD has NaN.

    Returns a DataFrame (index: node) with columns ``g``, ``ci_low``, ``ci_high``.

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> rng = np.random.default_rng(9)
    >>> ya, yb = rng.normal(1.0, 1.0, (20, 11)), rng.normal(0.0, 1.0, (20, 11))
    >>> band = gaitcore.hedges_g_curve(ya, yb)
    >>> bool((band["ci_low"] < band["g"]).all() and (band["g"] > 0).mean() > 0.8)
    True
    """
    from statistics import NormalDist

    a = real_array(ya, "ya", min_ndim=2, max_ndim=2).astype(float)
    b = real_array(yb, "yb", min_ndim=2, max_ndim=2).astype(float)
    if a.shape[1] != b.shape[1]:
        raise InputError(f"ya and yb must have the same number of nodes, got {a.shape[1]} and {b.shape[1]}")
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise InputError(f"confidence must be a number in (0, 1), got {confidence!r}")
    a, b = a[np.isfinite(a).all(axis=1)], b[np.isfinite(b).all(axis=1)]
    na, nb = a.shape[0], b.shape[0]
    if min(na, nb) < 2:
        raise InputError(f"each group needs at least 2 complete curves, got {na} and {nb}")
    sp = np.sqrt(((na - 1) * a.var(axis=0, ddof=1) + (nb - 1) * b.var(axis=0, ddof=1)) / (na + nb - 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(sp > 0, (a.mean(axis=0) - b.mean(axis=0)) / sp, np.nan)
    j = 1.0 - 3.0 / (4.0 * (na + nb) - 9.0)
    se = j * np.sqrt((na + nb) / (na * nb) + d ** 2 / (2.0 * (na + nb)))
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    g = j * d
    return pd.DataFrame({"g": g, "ci_low": g - z * se, "ci_high": g + z * se},
                        index=pd.RangeIndex(a.shape[1], name="node"))
