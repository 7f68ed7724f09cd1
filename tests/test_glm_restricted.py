"""Restricted permutations of repeated-measures designs (gaitcore.glm, csrc/core/gc_glm.c).

References:
- spm1d.stats.nonparam (GPL-3, test reference only): its anova1rm / anova2onerm / anova2rm permute
  the raw curves freely (every row exchangeable, the J! orderings); gaitcore reproduces that scheme
  with ``exchangeability="all"``: the permutation distribution of the maximum F equals spm1d's to
  1e-12 relative with every permutation enumerated (anova2rm has no balanced design small enough to
  enumerate: J >= 12, so each permutation's statistic is compared instead).
- spm1d's parametric anova1rm / anova2onerm / anova2rm applied to each permuted data set: the
  statistic of every restricted arrangement (whole subjects, whole levels within a subject,
  Freedman-Lane residuals within subjects) to 1e-10 relative.
- The binomial 99 % interval of alpha for the null false-positive rate (fixed seeds: deterministic).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import gaitcore
from gaitcore import glm

spm1d = pytest.importorskip("spm1d")
stats = pytest.importorskip("scipy.stats")


@pytest.fixture(autouse=True)
def _quiet_spm1d():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # spm1d warns about single responses per subject
        yield


def _smooth(rng, j, q=21, width=3.0):
    x = np.arange(q)
    kernel = np.exp(-0.5 * ((x[:, None] - x[None, :]) / width) ** 2)
    return rng.standard_normal((j, q)) @ kernel / np.sqrt((kernel ** 2).sum(axis=0))


def _mixed(seed, n_subjects=6, levels=3, q=11, subject_sd=3.0):
    """A between (first half of the subjects), B within; one curve per subject and level."""
    rng = np.random.default_rng(seed)
    subj = np.repeat(np.arange(n_subjects), levels)
    b = np.tile(np.arange(levels), n_subjects)
    a = (subj >= n_subjects // 2).astype(int)
    y = _smooth(rng, subj.size, q) + subject_sd * rng.standard_normal(n_subjects)[subj][:, None]
    return y, a, b, subj


def _within(seed, n_subjects=5, q=11):
    rng = np.random.default_rng(seed)
    subj = np.repeat(np.arange(n_subjects), 6)
    a = np.tile(np.repeat([0, 1], 3), n_subjects)
    b = np.tile([0, 1, 2], 2 * n_subjects)
    y = _smooth(rng, subj.size, q) + 3.0 * rng.standard_normal(n_subjects)[subj][:, None]
    return y, a, b, subj


# ----------------------------------------------------------------------------- spm1d's scheme

def test_anova2onerm_all_rows_equals_spm1d_nonparam(monkeypatch):
    monkeypatch.setattr(glm, "ENUMERATE_MAX", 40_320)  # spm1d: iterations=-1, force_iterations
    y, a, b, subj = _mixed(0, n_subjects=4, levels=2)
    ref = spm1d.stats.nonparam.anova2onerm(y, a, b, subj)
    ref.permuter.build_pdf(-1)  # its .inference() calls np.percentile(interpolation=), gone in NumPy 2
    for i, test in enumerate(gaitcore.spm_anova2(y, a, b, subjects=subj, within="b")):
        res = test.inference(0.05, method="permutation", exchangeability="all")
        z_ref = ref.permuter.Z[:, i]
        assert res.n_perm == z_ref.size == 40_320
        np.testing.assert_allclose(np.sort(res.permutation_max), np.sort(z_ref), rtol=1e-12)
        assert res.z_star == pytest.approx(np.percentile(z_ref, 95), rel=1e-12)
        assert res.p_max == pytest.approx(np.mean(z_ref >= z_ref[0] * (1 - 1e-12)), abs=1e-15)


def test_anova1rm_all_rows_equals_spm1d_nonparam():
    rng = np.random.default_rng(1)
    subj, cond = np.repeat([0, 1], 3), np.tile([0, 1, 2], 2)
    y = _smooth(rng, 6, 11)
    ref = spm1d.stats.nonparam.anova1rm(y, cond, subj)
    ref.permuter.build_pdf(-1)
    res = gaitcore.spm_anova1rm(y, cond, subj).inference(0.05, method="permutation", exchangeability="all")
    assert res.n_perm == ref.permuter.Z.size == 720
    np.testing.assert_allclose(np.sort(res.permutation_max), np.sort(ref.permuter.Z), rtol=1e-12)


def test_anova2rm_all_rows_statistic_equals_spm1d_per_permutation():
    y, a, b, subj = _within(2, n_subjects=3)
    ref = spm1d.stats.nonparam.anova2rm(y, a, b, subj)
    rng = np.random.default_rng(3)
    src = np.array([np.arange(18)] + [rng.permutation(18) for _ in range(40)], dtype=np.intp)
    for i, test in enumerate(gaitcore.spm_anova2(y, a, b, subjects=subj, within="ab")):
        fields, _ = gaitcore._core.glm_permute(test.y, test.X, test.C, 1, test.Ce, src, None, False, 2, True)
        want = np.array([ref.permuter.get_test_stat(s)[i] for s in src])
        np.testing.assert_allclose(fields, want, rtol=1e-10)


# ----------------------------------------------------------------------------- restricted schemes

def _parametric(within):
    return spm1d.stats.anova2onerm if within == "b" else spm1d.stats.anova2rm


@pytest.mark.parametrize("within", ["b", "ab"])
def test_every_restricted_arrangement_equals_spm1d_on_the_permuted_data(within, monkeypatch):
    monkeypatch.setattr(glm, "ENUMERATE_MAX", 50_000)
    y, a, b, subj = _mixed(4) if within == "b" else _within(4)
    tests = gaitcore.spm_anova2(y, a, b, subjects=subj, within=within)
    counts = {"b": (20, 6 ** 6, 6 ** 6), "ab": (2 ** 5, 6 ** 5, None)}[within]
    for i, (test, count) in enumerate(zip(tests, counts)):
        perm = test.permutations
        enumerated = glm._enumeration(perm, test.n, False, None)
        if count is None:  # AB of 'ab': 720^5 arrangements within subjects: drawn at random
            assert enumerated is None
            continue
        src, _ = enumerated
        assert src.shape[0] == count
        assert (subj[src] == subj).all() if (within == "ab" or i > 0) else True  # within subjects
        data = test.y if perm.tested is None else \
            glm._reduced_residuals(test.y, glm._reduced_design(test.X, perm.tested))
        res = test.inference(0.05, method="permutation", n_perm=None, n_threads=2)
        for k in np.linspace(0, count - 1, 25).astype(int):
            want = _parametric(within)(data[src[k]], a, b, subj)[i].z
            np.testing.assert_allclose(res.permutation_max[k], want.max(), rtol=1e-10)
        assert res.permutation_max[0] == pytest.approx(test.z.max(), rel=1e-10)  # the identity first


def test_between_subject_effect_moves_whole_subjects():
    y, a, b, subj = _mixed(5)
    test = gaitcore.spm_anova2(y, a, b, subjects=subj, within="b")[0]
    src, _ = glm._enumeration(test.permutations, test.n, False, None)
    # each design subject receives all curves of one data subject, level by level
    assert (b[src] == b).all()
    moved = subj[src].reshape(src.shape[0], 6, 3)
    assert (moved == moved[:, :, :1]).all()
    assert len({tuple(np.sort(m[:3, 0])) for m in moved}) == 20  # C(6, 3) group assignments


@pytest.mark.parametrize("within", ["b", "ab"])
def test_random_draws_are_restricted_seeded_and_thread_independent(within):
    y, a, b, subj = _mixed(6) if within == "b" else _within(6)
    for test in gaitcore.spm_anova2(y, a, b, subjects=subj, within=within):
        r1 = test.inference(0.05, method="permutation", n_perm=300, seed=11, n_threads=1)
        r3 = test.inference(0.05, method="permutation", n_perm=300, seed=11, n_threads=3)
        other = test.inference(0.05, method="permutation", n_perm=300, seed=12, n_threads=2)
        np.testing.assert_array_equal(r1.permutation_max, r3.permutation_max)
        assert not np.array_equal(r1.permutation_max, other.permutation_max)
        assert r1.permutation_max[0] == pytest.approx(test.z.max(), rel=1e-10)
        full = glm._enumeration(test.permutations, test.n, False, None)
        if full is not None:  # every draw is one of the restricted arrangements
            every = test.inference(0.05, method="permutation", n_threads=2).permutation_max
            gap = np.abs(r1.permutation_max[:, None] - every[None, :]).min(axis=1)
            assert gap.max() <= 1e-9 * every.max()


def test_mixed_null_false_positive_rate_within_binomial_interval():
    """1,000 null mixed designs (4 + 4 subjects with large subject offsets, B of 2 levels; fixed
    seeds), every restricted arrangement enumerated (A: 70 group assignments of whole subjects;
    B: 2^8 orders within subjects): the rejection rate of each effect at alpha = 0.05 lies in the
    binomial 99 % interval (33 ... 68 of 1,000)."""
    alpha, n_sim = 0.05, 1000
    rng = np.random.default_rng(77)
    subj = np.repeat(np.arange(8), 2)
    a, b = (subj >= 4).astype(int), np.tile([0, 1], 8)
    rejections = np.zeros(2, int)
    for _ in range(n_sim):
        y = _smooth(rng, 16, 15) + 4.0 * rng.standard_normal(8)[subj][:, None]
        fa, fb, _ = gaitcore.spm_anova2(y, a, b, subjects=subj, within="b")
        rejections += [f.inference(alpha, method="permutation", n_threads=1).h0_reject for f in (fa, fb)]
    lo, hi = stats.binom.interval(0.99, n_sim, alpha)
    assert ((lo <= rejections) & (rejections <= hi)).all(), rejections


def test_incomplete_subject_refuses_whole_subject_exchange():
    y, a, b, subj = _mixed(7)
    keep = np.ones(subj.size, bool)
    keep[2] = False  # subject 0 lacks level 2 of b
    fa, fb, _ = gaitcore.spm_anova2(y[keep], a[keep], b[keep], subjects=subj[keep], within="b")
    with pytest.raises(ValueError, match="every subject"):
        fa.inference(0.05, method="permutation")
    fb.inference(0.05, method="permutation", n_perm=50, seed=1)  # within subjects: still possible
    assert fa.inference(0.05).h0_reject in (True, False)  # RFT unaffected


def test_exchangeability_is_checked():
    y, a, b, subj = _mixed(8)
    with pytest.raises(ValueError, match="exchangeability"):
        gaitcore.spm_anova2(y, a, b, subjects=subj, within="b")[0].inference(
            0.05, method="permutation", exchangeability="subjects")


# ----------------------------------------------------------------------------- strides as observations

def _strides(seed, n_subjects=10, q=15, subject_sd=3.0, effect=0.0):
    """Two groups of subjects with 2-6 strides each; a shared subject offset per subject."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(2, 7, n_subjects)
    subj = np.repeat(np.arange(n_subjects), counts)
    group = (subj >= n_subjects // 2).astype(int)
    speed = rng.uniform(2.5, 4.0, n_subjects)[subj] + 0.05 * rng.standard_normal(subj.size)
    y = (_smooth(rng, subj.size, q) + subject_sd * rng.standard_normal(n_subjects)[subj][:, None]
         + effect * group[:, None] + 0.5 * speed[:, None])
    return y, group, speed, subj


def test_stride_units_flip_whole_subjects():
    y, group, speed, subj = _strides(0)
    test = gaitcore.spm_ancova(y, group, speed, subjects=subj, unit="stride")
    assert test.permutations.scheme == "block_sign" and test.n == subj.size
    src, sign = glm._enumeration(test.permutations, test.n, True, None)
    assert sign.shape[0] == 2 ** 10 and (src == np.arange(test.n)).all()
    assert all(np.unique(row[subj == s]).size == 1 for row in sign[:64] for s in range(10))
    # reference: the ANCOVA t refitted with NumPy on sign-flipped Freedman-Lane residuals
    X = test.X
    resid = glm._reduced_residuals(test.y, glm._reduced_design(X, test.permutations.tested))
    res = test.inference(0.05, method="permutation")
    c = 2 * test.C[0]
    for k in (0, 1, 100, 777, 1023):
        yk = sign[k][:, None] * resid
        beta, sse = np.linalg.lstsq(X, yk, rcond=None)[:2]
        s2 = sse / (X.shape[0] - X.shape[1])
        t = c @ beta / np.sqrt(s2 * (c @ np.linalg.inv(X.T @ X) @ c))
        assert res.permutation_max[k] == pytest.approx(np.abs(t).max(), rel=1e-10)


def test_stride_units_null_false_positive_rate_within_binomial_interval():
    """1,000 null ANCOVAs with 2-6 strides per subject and large subject offsets (fixed seeds):
    whole-subject sign flips of the Freedman-Lane residuals (2^10 enumerated) reject at a rate in
    the binomial 99 % interval of alpha = 0.05; permuting single strides as if exchangeable (the
    naive scheme) rejects far more often."""
    alpha, n_sim = 0.05, 1000
    restricted = naive = 0
    for seed in range(n_sim):
        y, group, speed, subj = _strides(1000 + seed)
        test = gaitcore.spm_ancova(y, group, speed, subjects=subj, unit="stride")
        restricted += test.inference(alpha, method="permutation", n_threads=1).h0_reject
        if seed < 200:
            naive_test = glm.GLMTest(**{**test.__dict__, "permutations": glm._freedman_lane(test.X, test.C)})
            naive += naive_test.inference(alpha, method="permutation", n_perm=200, seed=seed,
                                          n_threads=1).h0_reject
    lo, hi = stats.binom.interval(0.99, n_sim, alpha)
    assert lo <= restricted <= hi, restricted
    assert naive > 4 * alpha * 200, naive


def test_stride_units_in_repeated_measures_designs():
    rng = np.random.default_rng(9)
    subj, cond = np.repeat(np.arange(5), 6), np.tile(np.repeat([0, 1, 2], 2), 5)  # 2 strides per cell
    y = _smooth(rng, 30, 11) + 3 * rng.standard_normal(5)[subj][:, None]
    f = gaitcore.spm_anova1rm(y, cond, subj, unit="stride")
    src, _ = glm._enumeration(f.permutations, 30, False, None)
    assert src.shape[0] == 6 ** 5 and (subj[src] == subj).all()
    pairs = src.reshape(-1, 15, 2) // 2  # the two strides of a cell move together
    assert (pairs[:, :, 0] == pairs[:, :, 1]).all()
    keep = np.ones(30, bool)
    keep[0] = False  # subject 0: one stride in condition 0, two in the others
    f = gaitcore.spm_anova1rm(y[keep], cond[keep], subj[keep], unit="stride")
    with pytest.raises(ValueError, match="unit='subject'"):
        f.inference(0.05, method="permutation")
    y2, a, b, s2 = _mixed(10)
    y2, a, b, s2 = np.vstack([y2, y2 + 0.1]), np.r_[a, a], np.r_[b, b], np.r_[s2, s2]
    for test in gaitcore.spm_anova2(y2, a, b, subjects=s2, within="b", unit="stride"):
        with pytest.raises(ValueError, match="unit='subject'"):
            test.inference(0.05, method="permutation")


def test_stride_units_on_the_simulated_cohort(tmp_path):
    """Strides of simulated runners (gaitcore.simulate_runner through the whole pipeline): the
    ANCOVA with unit='stride' permutes whole runners' signs and finds the planted difference."""
    rows = []
    for k in range(8):
        group = "back_pain" if k % 2 else "control"
        trial, _ = gaitcore.simulate.simulate_runner(
            pelvic_drop_deg=2.0 + (3.0 if group == "back_pain" else 0.0) + 0.3 * (k % 3),
            noise_mm=0.5, seed=100 + k)
        report = gaitcore.analyze_trial(trial)
        curves = report.curves["L_pelvis_obliquity_right_up"]
        for stride in curves:
            rows.append({"subject": f"r{k}", "group": group, "curve": stride})
    table = pd.DataFrame(rows)
    y = np.vstack(table["curve"].to_numpy())
    speed = 3.0 + 0.1 * (table["subject"].str[1:].astype(int) % 4).to_numpy()
    test = gaitcore.spm_ancova(y, table["group"], speed, subjects=table["subject"], unit="stride")
    assert test.permutations.scheme == "block_sign"
    res = test.inference(0.05, method="permutation", n_threads=2)
    assert res.n_perm == 2 ** 8 and res.h0_reject
    by_subject = gaitcore.spm_ancova(y, table["group"], speed, subjects=table["subject"])
    assert by_subject.n == 8 and by_subject.permutations.scheme == "labels"


@pytest.mark.parametrize("within", ["b", "ab"])
def test_stride_units_use_the_subject_interactions_as_error_terms(within):
    """Balanced strides (3 per subject and cell): with the subject interactions as error terms the
    F curves and df equal those of the cell means (unit='subject'); the residual alone (strides as
    independent units) would inflate the within effects' df."""
    y, a, b, subj = _mixed(11) if within == "b" else _within(11)
    rng = np.random.default_rng(12)
    strides = np.vstack([y + 0.4 * _smooth(rng, y.shape[0], y.shape[1]) for _ in range(3)])
    a3, b3, s3 = np.tile(a, 3), np.tile(b, 3), np.tile(subj, 3)
    by_stride = gaitcore.spm_anova2(strides, a3, b3, subjects=s3, within=within, unit="stride")
    by_subject = gaitcore.spm_anova2(strides, a3, b3, subjects=s3, within=within)
    for st, su in zip(by_stride, by_subject):
        assert st.n == 3 * su.n and st.df == su.df
        np.testing.assert_allclose(st.z, su.z, rtol=1e-9)
