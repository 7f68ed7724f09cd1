"""The GLM over curves (gaitcore.glm, csrc/core/gc_glm.c) against its references.

- spm1d (GPL-3, test reference only) on its own example datasets: anova1, anova1rm, anova2,
  anova2onerm, anova2rm (balanced) and regress.  Tolerances (issue 15): statistic, FWHM,
  threshold, cluster ends and p within 1e-6 relative (cluster p: 1e-6 relative or 1e-12
  absolute, as p can be ~1e-30); df exact.  Measured worst: statistic 6e-12, FWHM 1e-14,
  threshold 2e-10, cluster values 6e-9 absolute.
- statsmodels OLS contrasts, node by node, for ANCOVA and unbalanced designs (spm1d has neither):
  statistic within 1e-9 relative.
- rft1d (the copy bundled in spm1d) for the SPM{F} threshold and cluster p: 1e-8 relative.
- spm1d.stats.nonparam with every permutation enumerated: the permutation distribution of the
  maximum, the threshold and (one-tailed) the cluster-mass distribution to 1e-12.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import gaitcore
from gaitcore import glm

spm1d = pytest.importorskip("spm1d")

REL = 1e-6


@pytest.fixture(autouse=True)
def _quiet_spm1d():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # spm1d warns about single responses per subject
        yield


def assert_matches(ours: gaitcore.GLMTest, ref, alpha=0.05):
    oi, ri = ours.inference(alpha), ref.inference(alpha)
    z = np.asarray(ref.z)
    np.testing.assert_allclose(ours.z, z, rtol=0, atol=1e-9 * np.abs(z).max())
    assert ours.df == (float(ref.df[0]), float(ref.df[1]))
    assert ours.fwhm == pytest.approx(ref.fwhm, rel=REL)
    np.testing.assert_allclose(ours.resels, ref.resels, rtol=REL)
    assert oi.z_star == pytest.approx(ri.zstar, rel=REL)
    want = sorted((c.endpoints[0], c.endpoints[1], c.extentR, c.P) for c in ri.clusters)
    got = sorted((c.start, c.end, c.extent_resels, c.p) for c in oi.clusters)
    assert len(got) == len(want), (got, want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=REL, atol=1e-12)
    if want:
        assert oi.p_set == pytest.approx(ri.p_set, rel=REL, abs=1e-12)


DATA = spm1d.data.uv1d


@pytest.mark.parametrize("name", ["SpeedGRFcategorical", "Weather"])
def test_anova1_matches_spm1d(name):
    y, a = getattr(DATA.anova1, name)().get_data()
    assert_matches(gaitcore.spm_anova1(y, a), spm1d.stats.anova1(y, a, equal_var=True))


def test_anova1rm_matches_spm1d():
    y, a, s = DATA.anova1rm.SpeedGRFcategoricalRM().get_data()
    assert_matches(gaitcore.spm_anova1rm(y, a, s), spm1d.stats.anova1rm(y, a, s))


@pytest.mark.parametrize("name", ["SimulatedPataky2015c", "SpeedGRF"])
def test_regress_matches_spm1d(name):
    y, x = getattr(DATA.regress, name)().get_data()
    assert_matches(gaitcore.spm_regress(y, x), spm1d.stats.regress(y, x))


SIZES = ["2x2", "2x3", "3x3", "3x4", "3x5", "4x4", "4x5"]


@pytest.mark.parametrize("size", SIZES)
def test_anova2_matches_spm1d(size):
    y, a, b = getattr(DATA.anova2, f"SPM1D_ANOVA2_{size}")().get_data()
    for ours, ref in zip(gaitcore.spm_anova2(y, a, b), spm1d.stats.anova2(y, a, b)):
        assert_matches(ours, ref)


@pytest.mark.parametrize("size", SIZES)
def test_anova2rm_matches_spm1d(size):
    y, a, b, s = getattr(DATA.anova2rm, f"SPM1D_ANOVA2RM_{size}")().get_data()
    for ours, ref in zip(gaitcore.spm_anova2(y, a, b, subjects=s, within="ab"), spm1d.stats.anova2rm(y, a, b, s)):
        assert_matches(ours, ref)


@pytest.mark.parametrize("size", SIZES)
def test_anova2onerm_matches_spm1d(size):
    y, a, b, s = getattr(DATA.anova2onerm, f"SPM1D_ANOVA2ONERM_{size}")().get_data()
    for ours, ref in zip(gaitcore.spm_anova2(y, a, b, subjects=s, within="b"), spm1d.stats.anova2onerm(y, a, b, s)):
        assert_matches(ours, ref)


# ----------------------------------------------------------------------------- statsmodels

def _smooth(rng, j, q=41, width=3.0):
    k = np.exp(-0.5 * (np.arange(-12, 13) / width) ** 2)
    raw = rng.standard_normal((j, q + 24))
    return np.array([np.convolve(r, k, "valid") for r in raw])[:, :q]


@pytest.mark.parametrize("seed", range(4))
def test_ancova_equals_statsmodels_per_node(seed):
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(seed)
    sizes = [5 + seed, 9, 7][: 2 + seed % 2]        # unbalanced; 2 or 3 groups
    g = np.repeat(np.arange(len(sizes)), sizes)
    n = g.size
    speed = rng.uniform(2.5, 4.5, n)
    mass = rng.normal(70, 8, n)
    y = _smooth(rng, n) + 0.8 * speed[:, None] + 0.3 * g[:, None]
    cov = {"speed_m_per_s": speed, "mass_kg": mass}
    res = gaitcore.spm_ancova(y, g, cov)
    slope = gaitcore.spm_ancova(y, g, cov, effect="speed_m_per_s")
    # the same model in statsmodels: treatment-free effects coding built independently
    levels = np.unique(g)
    X = np.column_stack([np.ones(n)] + [(g == lv).astype(float) - (g == levels[-1]) for lv in levels[:-1]]
                        + [speed - speed.mean(), mass - mass.mean()])
    k = len(levels) - 1
    for q in range(y.shape[1]):
        fit = sm.OLS(y[:, q], X).fit()
        if k == 1:
            want = float(np.squeeze(fit.t_test(np.r_[0, 2, 0, 0]).tvalue))   # group A - group B
        else:
            want = float(np.squeeze(fit.f_test(np.eye(X.shape[1])[1:1 + k]).fvalue))
        assert res.z[q] == pytest.approx(want, rel=1e-9)
        assert slope.z[q] == pytest.approx(fit.tvalues[1 + k], rel=1e-9)
    assert res.df[1] == n - X.shape[1]


def test_unbalanced_anova1rm_equals_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(11)
    subj, cond = np.repeat(np.arange(6), 3), np.tile(np.arange(3), 6)
    y = _smooth(rng, 18) + 0.5 * cond[:, None] + rng.standard_normal(6)[subj][:, None]
    y[4] = np.nan                                        # one missing curve: subject 1, condition 1
    res = gaitcore.spm_anova1rm(y, cond, subj)
    assert res.dropped == (4,) and res.n == 17 and res.df == (2.0, 9.0)  # 17 curves - 8 columns
    keep = np.isfinite(y).all(axis=1)
    s, c, yy = subj[keep], cond[keep], y[keep]
    X = np.column_stack([np.ones(17)] + [(c == i).astype(float) - (c == 2) for i in range(2)]
                        + [(s == i).astype(float) - (s == 5) for i in range(5)])
    for q in range(0, yy.shape[1], 5):
        fit = sm.OLS(yy[:, q], X).fit()
        assert res.z[q] == pytest.approx(float(np.squeeze(fit.f_test(np.eye(8)[1:3]).fvalue)), rel=1e-9)


# ----------------------------------------------------------------------------- RFT of F fields

@pytest.mark.parametrize("df", [(1, 8), (2, 57), (3, 12), (8, 168)])
@pytest.mark.parametrize("fwhm", [4.0, 12.5, 30.0])
def test_f_threshold_and_cluster_p_equal_rft1d(df, fwhm):
    rft1d = spm1d.rft1d
    q = 101
    resels = (1.0, (q - 1) / fwhm)
    for alpha in (0.01, 0.05):
        want = rft1d.f.isf_resels(alpha, df, resels, withBonf=True, nNodes=q)
        got = gaitcore._core.spm_field_threshold(1, df[0], df[1], alpha, *resels, q)
        assert got == pytest.approx(want, rel=1e-8)
        for k in (0.1, 0.5, 2.0):
            p_want = rft1d.f.p_cluster_resels(k, got, df, resels, withBonf=True, nNodes=q)
            p_got = gaitcore._core.spm_field_rft(1, df[0], df[1], 2, got, *resels, k)
            assert p_got == pytest.approx(p_want, rel=1e-8)


# ----------------------------------------------------------------------------- permutations

def _two_groups(seed, j=7, effect=1.2):
    rng = np.random.default_rng(seed)
    ya = _smooth(rng, j, 61) + effect * np.sin(np.linspace(0, np.pi, 61))
    return ya, _smooth(rng, j, 61)


def _spm_ttest2_glm(ya, yb):
    y = np.vstack([ya, yb])
    g = np.r_[np.zeros(len(ya), int), np.ones(len(yb), int)]
    X = np.column_stack([g == 0, g == 1]).astype(float)
    return glm._fit("ttest2", "T", "A - B", y, X, np.array([[1.0, -1.0]]), None, None, (),
                    glm._Permutations("labels", g, symmetric=True))


@pytest.mark.parametrize("two_tailed", [True, False])
def test_two_sample_enumeration_equals_spm1d_nonparam(two_tailed):
    ya, yb = _two_groups(0)
    ours = _spm_ttest2_glm(ya, yb).inference(0.05, two_tailed=two_tailed, method="permutation")
    ref = spm1d.stats.nonparam.ttest2(ya, yb).inference(0.05, two_tailed=two_tailed, iterations=-1)
    assert ours.n_perm == ref.PDF0.size
    np.testing.assert_allclose(np.sort(ours.permutation_max), np.sort(ref.PDF0), rtol=1e-12)
    assert ours.z_star == pytest.approx(ref.zstar, rel=1e-12)
    if not two_tailed:  # spm1d's two-tailed cluster pdf keeps positive clusters only (see docs)
        np.testing.assert_allclose(np.sort(ours.permutation_mass), np.sort(ref.PDF1), rtol=1e-12, atol=1e-12)
    assert len(ours.clusters) == len(ref.clusters) >= 1


def test_anova1_enumeration_equals_spm1d_nonparam():
    rng = np.random.default_rng(3)
    y = np.vstack([_smooth(rng, 3, 51) + 1.5, _smooth(rng, 3, 51), _smooth(rng, 3, 51)])
    a = np.repeat([0, 1, 2], 3)
    ours = gaitcore.spm_anova1(y, a).inference(0.05, method="permutation")
    ref = spm1d.stats.nonparam.anova1(y, a).inference(0.05, iterations=-1)
    assert ours.n_perm == ref.PDF0.size == 1680
    np.testing.assert_allclose(np.sort(ours.permutation_max), np.sort(ref.PDF0), rtol=1e-12)
    assert ours.z_star == pytest.approx(ref.zstar, rel=1e-12)
    np.testing.assert_allclose(np.sort(ours.permutation_mass), np.sort(ref.PDF1), rtol=1e-12, atol=1e-12)


def test_seeded_permutations_are_reproducible_and_thread_independent():
    ya, yb = _two_groups(1, j=12)
    t = _spm_ttest2_glm(ya, yb)
    r1 = t.inference(0.05, method="permutation", n_perm=2000, seed=42, n_threads=1)
    r4 = t.inference(0.05, method="permutation", n_perm=2000, seed=42, n_threads=4)
    r_other = t.inference(0.05, method="permutation", n_perm=2000, seed=43, n_threads=2)
    np.testing.assert_array_equal(r1.permutation_max, r4.permutation_max)
    assert r1.z_star == r4.z_star and [c.p for c in r1.clusters] == [c.p for c in r4.clusters]
    assert r1.seed == 42 and r1.n_perm == 2000
    assert not np.array_equal(r1.permutation_max, r_other.permutation_max)
    unseeded = t.inference(0.05, method="permutation", n_perm=500)
    again = t.inference(0.05, method="permutation", n_perm=500, seed=unseeded.seed)
    np.testing.assert_array_equal(unseeded.permutation_max, again.permutation_max)


def test_permutation_false_positive_rate_within_binomial_interval():
    """1,000 null data sets (fixed seeds: deterministic), two-sample 2 x 5 curves, every
    arrangement enumerated: the rate of rejections at alpha = 0.05 lies in the binomial 99 %
    interval of 0.05 (33 ... 68 of 1,000)."""
    stats = pytest.importorskip("scipy.stats")
    alpha, n_sim = 0.05, 1000
    rng = np.random.default_rng(2024)
    rejections = 0
    for _ in range(n_sim):
        y = _smooth(rng, 10, 31)
        t = gaitcore.spm_ttest2(y[:5], y[5:])
        rejections += t.inference(alpha, method="permutation", n_threads=1).h0_reject
    lo, hi = stats.binom.interval(0.99, n_sim, alpha)
    assert lo <= rejections <= hi, rejections


# ----------------------------------------------------------------------------- input handling

def test_nan_curves_dropped_and_reported():
    rng = np.random.default_rng(5)
    y = _smooth(rng, 12)
    y[3, 7] = np.nan
    res = gaitcore.spm_anova1(y, np.repeat([0, 1, 2], 4))
    assert res.dropped == (3,) and res.n == 11 and res.df == (2.0, 8.0)


def test_bad_designs_raise_clear_errors():
    rng = np.random.default_rng(6)
    y = _smooth(rng, 10)
    with pytest.raises(ValueError, match="rank deficient"):
        gaitcore.spm_glm(y, np.column_stack([np.ones(10), np.ones(10)]), [0, 1])
    with pytest.raises(ValueError, match="columns"):
        gaitcore.spm_glm(y, np.ones((10, 2)), [1, 0, 0])
    f = gaitcore.spm_anova1(y, np.repeat([0, 1], 5))
    with pytest.raises(ValueError, match="one-tailed"):
        f.inference(0.05, two_tailed=True)
    with pytest.raises(ValueError, match="method"):
        f.inference(0.05, method="bootstrap")
    with pytest.raises(ValueError, match="levels"):
        gaitcore.spm_anova1(y, np.zeros(10))


# ----------------------------------------------------------------------------- t tests

def test_t_tests_run_on_the_glm_core():
    ya, yb = _two_groups(7, j=9)
    for ours, design in ((gaitcore.spm_ttest(ya), lambda: gaitcore.spm_glm(ya, np.ones(9), [1.0])),
                         (gaitcore.spm_ttest_paired(ya, yb), lambda: gaitcore.spm_glm(ya - yb, np.ones(9), [1.0]))):
        g = design()
        np.testing.assert_array_equal(ours.t, g.z)
        assert ours.fwhm == g.fwhm


@pytest.mark.parametrize("two_tailed", [True, False])
def test_one_sample_and_paired_sign_flips_equal_spm1d_nonparam(two_tailed):
    ya, yb = _two_groups(4, j=9)
    ours = gaitcore.spm_ttest(ya, 0.3).inference(0.05, two_tailed=two_tailed, method="permutation")
    ref = spm1d.stats.nonparam.ttest(ya, 0.3).inference(0.05, two_tailed=two_tailed, iterations=-1)
    assert ours.n_perm == ref.PDF0.size == (256 if two_tailed else 512)
    np.testing.assert_allclose(np.sort(ours.permutation_max), np.sort(ref.PDF0), rtol=1e-12)
    assert ours.t_star == pytest.approx(ref.zstar, rel=1e-12)
    paired = gaitcore.spm_ttest_paired(ya, yb).inference(0.05, two_tailed=two_tailed, method="permutation")
    ref = spm1d.stats.nonparam.ttest_paired(ya, yb).inference(0.05, two_tailed=two_tailed, iterations=-1)
    np.testing.assert_allclose(np.sort(paired.permutation_max), np.sort(ref.PDF0), rtol=1e-12)
    assert paired.t_star == pytest.approx(ref.zstar, rel=1e-12)
    if not two_tailed:
        np.testing.assert_allclose(np.sort(paired.permutation_mass), np.sort(ref.PDF1), rtol=1e-12, atol=1e-12)


def test_public_ttest2_permutation_equals_the_design():
    ya, yb = _two_groups(0)
    a = gaitcore.spm_ttest2(ya, yb).inference(0.05, method="permutation")
    b = _spm_ttest2_glm(ya, yb).inference(0.05, method="permutation")
    np.testing.assert_array_equal(a.permutation_max, b.permutation_max)
    assert a.t_star == b.t_star


def test_regress_enumeration_equals_spm1d_nonparam():
    rng = np.random.default_rng(8)
    x = rng.uniform(2.5, 4.5, 7)
    y = _smooth(rng, 7, 41) + 1.5 * x[:, None]
    ours = gaitcore.spm_regress(y, x).inference(0.05, two_tailed=False, method="permutation")
    ref = spm1d.stats.nonparam.regress(y, x).inference(0.05, two_tailed=False, iterations=-1)
    assert ours.n_perm == ref.PDF0.size == 5040
    np.testing.assert_allclose(np.sort(ours.permutation_max), np.sort(ref.PDF0), rtol=1e-10)
    assert ours.z_star == pytest.approx(ref.zstar, rel=1e-12)


def test_anova1rm_permutes_within_subjects():
    rng = np.random.default_rng(9)
    subj, cond = np.repeat(np.arange(5), 3), np.tile(np.arange(3), 5)
    y = _smooth(rng, 15, 41) + 6.0 * (cond == 0)[:, None] + 3 * rng.standard_normal(5)[subj][:, None]
    f = gaitcore.spm_anova1rm(y, cond, subj)
    res = f.inference(0.05, method="permutation")
    assert res.n_perm == 6 ** 5 and res.h0_reject
    # every arrangement keeps each subject's curves within that subject
    src, _ = glm._enumeration(f.permutations, 15, False, None)
    assert (subj[src] == subj).all()


# ----------------------------------------------------------------------------- post hoc, Hedges' g, cohorts

def _three_groups(seed=12):
    rng = np.random.default_rng(seed)
    y = _smooth(rng, 24, 61) + np.repeat([0.0, 0.3, 6.0], 8)[:, None] * np.sin(np.linspace(0, np.pi, 61))
    return y, np.repeat(["a", "b", "c"], 8)


def test_posthoc_sidak_and_holm_levels():
    y, g = _three_groups()
    sidak = gaitcore.spm_posthoc(y, g, correction="sidak")
    a_c = 1 - 0.95 ** (1 / 3)
    assert np.allclose(sidak["alpha_corrected"], a_c)
    for row in sidak.itertuples():
        ref = gaitcore.spm_ttest2(y[g == row.a], y[g == row.b]).inference(a_c, two_tailed=True)
        assert row.t_star == ref.t_star and row.significant == bool(ref.clusters)
        # field-level p = rft1d's two-tailed P(max |t| >= observed)
        t = gaitcore.spm_ttest2(y[g == row.a], y[g == row.b])
        want = 2 * spm1d.rft1d.t.sf_resels(np.abs(t.t).max(), t.df, t.resels, withBonf=True, nNodes=t.t.size)
        assert row.p_field == pytest.approx(min(1.0, want), rel=1e-8)
    holm = gaitcore.spm_posthoc(y, g, correction="holm").set_index(["a", "b"])
    order = holm["p_field"].sort_values().index
    assert holm.loc[order[0], "alpha_corrected"] == pytest.approx(0.05 / 3)
    assert holm.loc[("a", "c"), "significant"] and holm.loc[("b", "c"), "significant"]
    assert not holm.loc[("a", "b"), "significant"]
    assert holm.loc[order[1], "alpha_corrected"] == pytest.approx(0.05 / 2)


def test_hedges_g_curve_equals_the_scalar_formula():
    y, g = _three_groups()
    band = gaitcore.hedges_g_curve(y[g == "c"], y[g == "a"])
    for q in (0, 30, 60):
        ref = gaitcore.compare(y[g == "c", q], y[g == "a", q])
        assert band["g"][q] == pytest.approx(ref.hedges_g, rel=1e-12)
    low, high = gaitcore.plot.hedges_g_ci(band["g"].to_numpy(), 8, 8)
    np.testing.assert_allclose(band["ci_low"], low, rtol=1e-12)
    np.testing.assert_allclose(band["ci_high"], high, rtol=1e-12)


def test_compare_curves_ancova_equals_spm_ancova_on_subject_means():
    from types import SimpleNamespace

    rng = np.random.default_rng(13)
    rows, means = [], {}
    for k in range(14):
        group = "back_pain" if k < 7 else "control"
        speed = rng.uniform(2.8, 4.0)
        for trial in range(2):  # two trials per subject, three strides each
            strides = _smooth(rng, 3, 41) + 0.8 * speed + (1.0 if group == "back_pain" else 0.0)
            rows.append({"subject": f"s{k}", "group": group, "speed_m_per_s": speed + 0.01 * trial,
                         "report": SimpleNamespace(curves={"hip_flex_deg": strides})})
            means.setdefault(f"s{k}", []).append(strides)
    table = pd.DataFrame(rows)
    out = gaitcore.compare_curves(table, by="group", reference="control", design="ancova",
                                  covariates=["speed_m_per_s"])
    res = out.attrs["spm"][("hip_flex_deg", "back_pain")]
    subjects = [f"s{k}" for k in range(14)]
    y = np.vstack([np.concatenate(means[s]).mean(axis=0) for s in subjects])
    speed = table.groupby("subject")["speed_m_per_s"].mean()[subjects].to_numpy()
    ref = gaitcore.spm_ancova(y, np.r_[np.zeros(7), np.ones(7)], speed).inference(0.05, two_tailed=True)
    np.testing.assert_allclose(res.t, ref.t, rtol=1e-12)
    assert res.df == (1.0, 11.0) and out.loc[0, "n"] == 7
    with pytest.raises(ValueError, match="covariates"):
        gaitcore.compare_curves(table, by="group", design="ancova", covariates=["mass_kg"])


def test_random_draws_stay_within_subjects_and_use_the_seed():
    rng = np.random.default_rng(10)
    subj, cond = np.repeat(np.arange(12), 3), np.tile(np.arange(3), 12)   # 6^12 arrangements: drawn
    y = _smooth(rng, 36, 41) + 50 * rng.standard_normal(12)[subj][:, None]   # huge subject offsets
    f = gaitcore.spm_anova1rm(y, cond, subj)
    a = f.inference(0.05, method="permutation", n_perm=400, seed=5, n_threads=1)
    b = f.inference(0.05, method="permutation", n_perm=400, seed=5, n_threads=3)
    np.testing.assert_array_equal(a.permutation_max, b.permutation_max)
    assert a.permutation_max[0] == pytest.approx(f.z.max(), rel=1e-9)  # the identity first
    # rows moved across subjects would carry the subject offsets into the condition effect (F ~ 1e3)
    assert a.permutation_max.max() < 60
