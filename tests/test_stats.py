"""normalize_cycles, curve_stats, subject_means, compare: against NumPy/SciPy references."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import interpolate, stats

import gaitcore


def _positions(starts, ends, rate, points):
    """Sample positions of the nodes, by the formula of docs/methods.md D."""
    i = np.arange(points) / (points - 1)
    return [(s + i * (e - s)) * rate for s, e in zip(starts, ends)]


@pytest.mark.parametrize("seed", range(5))
def test_normalize_linear_equals_numpy_interp(seed):
    rng = np.random.default_rng(seed)
    n, rate = 1000, float(rng.uniform(50, 500))
    x = rng.standard_normal((n, 3)).cumsum(axis=0)
    starts = np.sort(rng.uniform(0, (n - 1) / rate * 0.8, 7))
    ends = starts + rng.uniform(0.01, (n - 1) / rate - starts.max(), 7)
    points = int(rng.integers(2, 202))
    got = gaitcore.normalize_cycles(x, rate, starts, ends, points=points)
    assert got.shape == (7, points, 3)
    k = np.arange(n)
    for c, pos in enumerate(_positions(starts, ends, rate, points)):
        for ch in range(3):
            np.testing.assert_allclose(got[c, :, ch], np.interp(pos, k, x[:, ch]), rtol=0, atol=1e-12)


def test_last_node_is_the_cycle_end():
    # spm1d.util.interp-style resampling over linspace(0, n, Q) clamps the last nodes; here the
    # last node is the end event exactly, also at the final sample of the signal
    x = np.arange(11.0) ** 2
    out = gaitcore.normalize_cycles(x, 10.0, [0.0, 0.25], [1.0, 0.75], points=5)
    assert out[0, -1] == 100.0 and out[0, 0] == 0.0
    np.testing.assert_allclose(out[1], np.interp([2.5, 3.75, 5.0, 6.25, 7.5], np.arange(11), x), atol=1e-12)


def test_normalize_cubic_equals_scipy_natural_spline():
    rng = np.random.default_rng(3)
    x = np.sin(np.linspace(0, 20, 400)) + 0.1 * rng.standard_normal(400)
    rate, s, e = 100.0, 0.537, 1.2345
    got = gaitcore.normalize_cycles(x, rate, [s], [e], kind="cubic")[0]
    first, last = int(np.floor(s * rate)) - 3, int(np.ceil(e * rate)) + 3  # 3 samples of margin
    k = np.arange(first, last + 1)
    spline = interpolate.CubicSpline(k, x[k], bc_type="natural")
    np.testing.assert_allclose(got, spline(_positions([s], [e], rate, 101)[0]), atol=1e-10)
    steffen = gaitcore.normalize_cycles(x, rate, [s], [e], kind="steffen")[0]
    np.testing.assert_allclose(steffen, _steffen(k, x[k], _positions([s], [e], rate, 101)[0]), atol=1e-12)


def _steffen(xa, ya, xi):
    """Steffen (1990, Astron Astrophys 239:443) monotone cubic Hermite interpolation, eq. 11-13
    for interior slopes (end slopes = the end secants; they only act outside the cycle here)."""
    h, s = np.diff(xa), np.diff(ya) / np.diff(xa)
    d = np.empty_like(ya)
    p = (s[:-1] * h[1:] + s[1:] * h[:-1]) / (h[:-1] + h[1:])
    d[1:-1] = (np.sign(s[:-1]) + np.sign(s[1:])) * np.minimum.reduce([abs(s[:-1]), abs(s[1:]), 0.5 * abs(p)])
    d[0], d[-1] = s[0], s[-1]
    i = np.clip(np.searchsorted(xa, xi, side="right") - 1, 0, xa.size - 2)
    t = xi - xa[i]
    a = (d[i] + d[i + 1] - 2 * s[i]) / h[i] ** 2
    b = (3 * s[i] - 2 * d[i] - d[i + 1]) / h[i]
    return ya[i] + t * (d[i] + t * (b + t * a))


def test_normalize_nan_tolerance_and_bridging():
    x = np.sin(np.linspace(0, 6, 200))
    x2 = x.copy()
    x2[50:53] = np.nan                                      # 3 NaN in a 101-sample cycle
    rate = 100.0
    pos = _positions([0.2], [1.2], rate, 101)[0]
    bridged = gaitcore.normalize_cycles(x2, rate, [0.2], [1.2], nan_tolerance=0.05)[0]
    keep = np.isfinite(x2)
    np.testing.assert_allclose(bridged, np.interp(pos, np.arange(200)[keep], x2[keep]), atol=1e-12)
    assert np.isnan(gaitcore.normalize_cycles(x2, rate, [0.2], [1.2], nan_tolerance=0.02)).all()
    # cubic: the natural spline through the finite samples of the window (3 samples margin)
    cubic = gaitcore.normalize_cycles(x2, rate, [0.2], [1.2], kind="cubic")[0]
    k = np.arange(17, 124)
    k = k[np.isfinite(x2[k])]
    np.testing.assert_allclose(cubic, interpolate.CubicSpline(k, x2[k], bc_type="natural")(pos), atol=1e-10)
    # NaN at the start of the cycle: no extrapolation, NaN cycle; other channel unaffected
    both = np.column_stack([x, x])
    both[20, 1] = np.nan
    out = gaitcore.normalize_cycles(both, rate, [0.2], [1.2], nan_tolerance=0.5)
    assert np.isfinite(out[0, :, 0]).all() and np.isnan(out[0, :, 1]).all()


def test_normalize_bad_input():
    x = np.zeros(100)
    with pytest.raises(ValueError, match="ends_s"):
        gaitcore.normalize_cycles(x, 100.0, [0.1], [1.5])
    with pytest.raises(ValueError, match="ends_s"):
        gaitcore.normalize_cycles(x, 100.0, [0.5], [0.2])
    with pytest.raises(ValueError, match="starts_s"):
        gaitcore.normalize_cycles(x, 100.0, [-0.1], [0.2])
    with pytest.raises(ValueError, match="same length"):
        gaitcore.normalize_cycles(x, 100.0, [0.1, 0.2], [0.5])
    with pytest.raises(ValueError, match="kind"):
        gaitcore.normalize_cycles(x, 100.0, [0.1], [0.5], kind="quadratic")
    with pytest.raises(ValueError, match="nan_tolerance"):
        gaitcore.normalize_cycles(x, 100.0, [0.1], [0.5], nan_tolerance=2)
    with pytest.raises(ValueError, match="points"):
        gaitcore.normalize_cycles(x, 100.0, [0.1], [0.5], points=1)
    with pytest.raises(ValueError, match="NaN or infinite event"):
        gaitcore.normalize_cycles(x, 100.0, [np.nan], [0.5])
    with pytest.raises(ValueError, match="rate"):
        gaitcore.normalize_cycles(x, 0.0, [0.1], [0.5])
    with pytest.raises(ValueError, match="infinite"):
        gaitcore.normalize_cycles(np.r_[x[:-1], np.inf], 100.0, [0.1], [0.5])
    with pytest.raises(TypeError, match="x must be a real"):
        gaitcore.normalize_cycles(np.array(["a", "b"]), 100.0, [0.1], [0.5])


def test_curve_stats_against_numpy_and_scipy():
    rng = np.random.default_rng(1)
    c = rng.standard_normal((8, 101))
    c[2, 10:20] = np.nan
    s = gaitcore.curve_stats(c, confidence=0.9)
    np.testing.assert_allclose(s.mean, np.nanmean(c, axis=0), atol=1e-14)
    np.testing.assert_allclose(s.sd, np.nanstd(c, axis=0, ddof=1), atol=1e-14)
    n = np.isfinite(c).sum(axis=0)
    assert (s.n == n).all() and s.n[15] == 7
    half = stats.t.ppf(0.95, n - 1) * s.sd / np.sqrt(n)
    np.testing.assert_allclose(s.ci_high, s.mean + half, atol=1e-12)
    np.testing.assert_allclose(s.ci_low, s.mean - half, atol=1e-12)
    frame = s.to_frame()
    assert frame.index[-1] == 100 and list(frame.columns) == ["mean", "sd", "ci_low", "ci_high", "n"]
    one = gaitcore.curve_stats(c[:1])
    assert np.isnan(one.sd).all() and (one.n == 1).all()


def test_subject_means_then_cohort():
    subjects = {"s1": np.ones((3, 5)), "s2": np.full((10, 5), 3.0)}
    means = gaitcore.subject_means(subjects)
    np.testing.assert_array_equal(means, [[1.0] * 5, [3.0] * 5])
    assert gaitcore.curve_stats(means).mean.tolist() == [2.0] * 5   # not (3 + 30) / 13
    with pytest.raises(ValueError, match=r"cycles_by_subject\[1\]"):
        gaitcore.subject_means([np.ones((2, 5)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="empty"):
        gaitcore.subject_means([])


def test_compare_unpaired_against_scipy():
    rng = np.random.default_rng(7)
    a, b = rng.normal(10, 2, 15), rng.normal(11, 3, 11)
    r = gaitcore.compare(a, b)
    st, we = stats.ttest_ind(a, b), stats.ttest_ind(a, b, equal_var=False)
    assert r.t_student == pytest.approx(st.statistic, rel=1e-12)
    assert r.p_student == pytest.approx(st.pvalue, rel=1e-10)
    assert r.t_welch == pytest.approx(we.statistic, rel=1e-12)
    assert r.p_welch == pytest.approx(we.pvalue, rel=1e-10)
    assert r.df_welch == pytest.approx(we.df, rel=1e-12)
    ci = we.confidence_interval(0.95)
    assert (r.diff_ci_low, r.diff_ci_high) == (pytest.approx(ci.low, rel=1e-10), pytest.approx(ci.high, rel=1e-10))
    sp = math.sqrt((14 * a.var(ddof=1) + 10 * b.var(ddof=1)) / 24)
    assert r.cohens_d == pytest.approx((a.mean() - b.mean()) / sp, rel=1e-12)
    assert r.hedges_g == pytest.approx(r.cohens_d * (1 - 3 / (4 * 26 - 9)), rel=1e-12)
    assert math.isnan(r.d_z) and r.to_series()["n_a"] == 15


def test_compare_paired_and_asymmetry():
    rng = np.random.default_rng(8)
    right = rng.normal(40, 5, 12)
    left = right - rng.normal(2, 1, 12)
    left[3] = np.nan                                      # the pair is dropped
    r = gaitcore.compare(right, left, paired=True)
    keep = np.isfinite(left)
    ref = stats.ttest_rel(right[keep], left[keep])
    assert r.n_a == 11 and r.t_paired == pytest.approx(ref.statistic, rel=1e-12)
    assert r.p_paired == pytest.approx(ref.pvalue, rel=1e-10)
    ci = ref.confidence_interval(0.95)
    assert r.diff_ci_low == pytest.approx(ci.low, rel=1e-10)
    d = right[keep] - left[keep]
    assert r.d_z == pytest.approx(d.mean() / d.std(ddof=1), rel=1e-12)
    R, L = right[keep].mean(), left[keep].mean()
    assert r.symmetry_index == pytest.approx((R - L) / (0.5 * (R + L)) * 100, rel=1e-12)
    assert r.symmetry_angle == pytest.approx((45 - math.degrees(math.atan(L / R))) / 90 * 100, rel=1e-12)


def test_symmetry_formulas():
    assert gaitcore.symmetry_index(10, 10) == 0 and gaitcore.symmetry_angle(10, 10) == 0
    assert gaitcore.symmetry_index(12, 8) == pytest.approx(40.0)
    # Zifchock 2008: opposite signs give the wrapped angle; L/R = -2 -> 45 + 63.43 > 90 -> wrap
    assert gaitcore.symmetry_angle(1, -2) == pytest.approx((45 + math.degrees(math.atan(2)) - 180) / 90 * 100)
    assert gaitcore.symmetry_angle(1, 0) == pytest.approx(50.0)


def test_compare_bad_input():
    with pytest.raises(ValueError, match="a needs at least 2"):
        gaitcore.compare([1.0, np.nan], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="zero variance"):
        gaitcore.compare([1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="equal lengths"):
        gaitcore.compare([1.0, 2.0, 3.0], [1.0, 2.0], paired=True)
    with pytest.raises(ValueError, match="paired differences"):
        gaitcore.compare([1.0, 2.0, 3.0], [0.0, 1.0, 2.0], paired=True)
    with pytest.raises(ValueError, match="confidence"):
        gaitcore.compare([1.0, 2.0], [1.0, 3.0], confidence=1.5)
    with pytest.raises(ValueError, match="at most 1"):
        gaitcore.compare(np.ones((2, 2)), [1.0, 2.0])


def test_t_distribution_helpers_against_scipy():
    from gaitcore.stats import t_isf, t_sf
    t = np.array([-3.0, 0.0, 0.5, 2.5, 40.0])
    np.testing.assert_allclose(t_sf(t, 7.5), stats.t.sf(t, 7.5), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(t_isf([0.4, 0.01, 1e-6], 4), stats.t.isf([0.4, 0.01, 1e-6], 4), rtol=1e-9)
    assert isinstance(t_sf(1.0, 3), float)


def test_docstring_examples_run():
    import doctest

    import gaitcore.stats
    result = doctest.testmod(gaitcore.stats)
    assert result.attempted >= 10 and result.failed == 0
