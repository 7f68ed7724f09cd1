"""Freedman-Lane permutation inference for designs with nuisance regressors (issue 15):
spm_ancova and the between-subjects spm_anova2 (gaitcore.glm._freedman_lane).

References: the RFT threshold of the same test (smooth Gaussian null data), the binomial 99 %
interval of the false-positive rate, and the existing label permutation (a design without
nuisance, where Freedman-Lane permutes y minus its mean: the same statistic).
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import gaitcore
from gaitcore import glm


def _smooth(rng, j, q=101, width=6.0):
    """j smooth Gaussian curves (Gaussian kernel, sd 6 nodes: FWHM ~ 14 nodes)."""
    k = np.exp(-0.5 * (np.arange(-30, 31) / width) ** 2)
    raw = rng.standard_normal((j, q + 60))
    return np.array([np.convolve(r, k, "valid") for r in raw])[:, :q]


def _null_ancova(seed, n=20):
    rng = np.random.default_rng(seed)
    return gaitcore.spm_ancova(_smooth(rng, n), np.repeat([0, 1], n // 2), rng.standard_normal(n))


def test_threshold_close_to_rft_on_smooth_gaussian_data():
    """Measured over these 10 data sets: permutation z* / RFT z* from 0.95 to 1.02 (mean 0.98;
    RFT is slightly conservative at n = 20)."""
    ratios = []
    for seed in range(10):
        anc = _null_ancova(seed)
        rft = anc.inference(0.05)
        perm = anc.inference(0.05, method="permutation", n_perm=2000, seed=seed)
        ratios.append(perm.z_star / rft.z_star)
    assert 0.93 < min(ratios) and max(ratios) < 1.05 and abs(np.mean(ratios) - 1) < 0.04, ratios


def test_false_positive_rate_within_binomial_interval():
    """300 null ANCOVA data sets (two groups of 10 smooth curves, a covariate of pure noise,
    fixed seeds: deterministic), 500 Freedman-Lane permutations each: the number of
    rejections at alpha = 0.05 lies in the binomial 99 % interval of 0.05 (6 ... 25 of 300).
    Measured: 20 of 300 (RFT on the same data sets: 17)."""
    stats = pytest.importorskip("scipy.stats")
    alpha, n_sim = 0.05, 300
    rejections = sum(_null_ancova(1000 + i).inference(alpha, method="permutation", n_perm=500, seed=i,
                                                      n_threads=1).h0_reject for i in range(n_sim))
    lo, hi = stats.binom.interval(0.99, n_sim, alpha)
    assert lo <= rejections <= hi, (rejections, lo, hi)


def test_same_seed_same_p_whatever_the_threads():
    rng = np.random.default_rng(7)
    g = np.repeat([0, 1, 2], 8)
    y = _smooth(rng, 24) + 2.0 * (g == 2)[:, None] * np.hanning(101)
    anc = gaitcore.spm_ancova(y, g, rng.uniform(2.5, 4.0, 24))
    r1 = anc.inference(0.05, method="permutation", n_perm=1000, seed=5, n_threads=1)
    r4 = anc.inference(0.05, method="permutation", n_perm=1000, seed=5, n_threads=4)
    other = anc.inference(0.05, method="permutation", n_perm=1000, seed=6, n_threads=1)
    np.testing.assert_array_equal(r1.permutation_max, r4.permutation_max)
    assert r1.p_max == r4.p_max and [c.p for c in r1.clusters] == [c.p for c in r4.clusters]
    assert r1.clusters and not np.array_equal(r1.permutation_max, other.permutation_max)


@pytest.mark.parametrize("effect", ["group", "covariate0", "covariate1"])
def test_observed_statistic_is_the_rft_statistic(effect):
    """The identity permutation of the reduced residuals gives the statistic of the fit of y."""
    rng = np.random.default_rng(11)
    cov = rng.uniform(2.5, 4.0, (18, 2))
    y = _smooth(rng, 18) + 3 * cov[:, :1] + 1.5 * np.repeat([0, 1, 2], 6)[:, None]
    anc = gaitcore.spm_ancova(y, np.repeat([0, 1, 2], 6), cov, effect=effect)
    perm = anc.inference(0.05, method="permutation", n_perm=200, seed=1)
    observed_max = np.abs(anc.z).max() if anc.stat == "T" else anc.z.max()
    assert perm.permutation_max[0] == pytest.approx(observed_max, rel=1e-10)
    np.testing.assert_array_equal(perm.z, anc.inference(0.05).z)


def test_anova2_between_effects_permute_with_freedman_lane():
    rng = np.random.default_rng(3)
    a, b = np.repeat([0, 1], 12), np.tile([0, 1, 2], 8)
    for f in gaitcore.spm_anova2(_smooth(rng, 24), a, b):
        res = f.inference(0.05, method="permutation", n_perm=500, seed=2)
        assert res.permutation_max[0] == pytest.approx(f.z.max(), rel=1e-10) and 0 < res.p_max <= 1
    # repeated measures: restricted schemes (tests/test_glm_restricted.py), not row-wise Freedman-Lane
    mixed = gaitcore.spm_anova2(_smooth(rng, 24), a, b, subjects=np.repeat(np.arange(8), 3), within="b")
    assert [f.permutations.scheme for f in mixed] == ["whole", "labels", "labels"]
    assert mixed[0].permutations.tested is None and mixed[1].permutations.blocks is not None


@pytest.mark.parametrize("n_perm", [None, 3000])
def test_without_nuisance_equals_label_permutation(n_perm):
    """One-way ANOVA: the reduced model is the mean, Freedman-Lane permutes y - mean(y), and
    adding a constant does not change F, so the same permutations (all 1,680 arrangements of
    3 x 3 labels, or the same seeded draw) give the same distribution (to rounding, 1e-10)."""
    rng = np.random.default_rng(9)
    f = gaitcore.spm_anova1(_smooth(rng, 9) + 5.0, np.repeat([0, 1, 2], 3))
    reduced = glm._reduced_design(f.X, f.C)
    np.testing.assert_allclose(reduced, reduced[0, 0])  # the intercept only
    fl = dataclasses.replace(f, permutations=dataclasses.replace(f.permutations, tested=f.C))
    labels = f.inference(0.05, method="permutation", n_perm=n_perm, seed=4)
    freedman_lane = fl.inference(0.05, method="permutation", n_perm=n_perm, seed=4)
    assert labels.n_perm == freedman_lane.n_perm == (1680 if n_perm is None else n_perm)
    np.testing.assert_allclose(freedman_lane.permutation_max, labels.permutation_max, rtol=1e-10)
    np.testing.assert_allclose(freedman_lane.permutation_mass, labels.permutation_mass, rtol=1e-9, atol=1e-12)
    assert freedman_lane.z_star == pytest.approx(labels.z_star, rel=1e-10)
