"""Group comparisons a reviewer accepts: one test (Welch or Student) for both the CI and p,
checked against scipy; Holm and Benjamini-Hochberg adjustments checked against statsmodels."""
import numpy as np
import pandas as pd
import pytest

import gaitcore
from gaitcore.stats import adjust_pvalues

scipy_stats = pytest.importorskip("scipy.stats")


def random_pairs(seed, n_cases=40):
    rng = np.random.default_rng(seed)
    for _ in range(n_cases):
        na, nb = rng.integers(3, 40, size=2)
        a = rng.normal(rng.normal(0, 2), rng.uniform(0.2, 5), na)
        b = rng.normal(rng.normal(0, 2), rng.uniform(0.2, 5), nb)
        yield a, b


@pytest.mark.parametrize("equal_var", [False, True])
def test_p_and_ci_equal_scipy(equal_var):
    """scipy.stats.ttest_ind and its confidence_interval: the same test for both."""
    worst_p = worst_ci = 0.0
    for a, b in random_pairs(1):
        ours = gaitcore.compare(a, b, equal_var=equal_var)
        ref = scipy_stats.ttest_ind(a, b, equal_var=equal_var)
        ci = ref.confidence_interval(0.95)
        worst_p = max(worst_p, abs(ours.p - ref.pvalue))
        worst_ci = max(worst_ci, abs(ours.diff_ci_low - ci.low), abs(ours.diff_ci_high - ci.high))
        assert ours.t == pytest.approx(ref.statistic, rel=1e-12, abs=1e-12)
        assert ours.df == pytest.approx(ref.df, rel=1e-12)
        assert ours.test == ("Student" if equal_var else "Welch")
    assert worst_p <= 1e-12 and worst_ci <= 1e-12, (worst_p, worst_ci)


def test_ci_excludes_zero_exactly_when_p_below_alpha():
    for a, b in random_pairs(2, 200):
        for equal_var in (False, True):
            r = gaitcore.compare(a, b, equal_var=equal_var)
            if abs(r.p - 0.05) > 1e-9:
                assert (r.p < 0.05) == (r.diff_ci_low > 0 or r.diff_ci_high < 0)


def test_holm_and_bh_equal_statsmodels():
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    rng = np.random.default_rng(3)
    for m in (1, 2, 5, 28, 100):
        for _ in range(20):
            p = np.concatenate([rng.uniform(0, 1, m), rng.uniform(0, 1e-4, m // 3)])
            p[rng.integers(0, p.size, 2)] = p[0]  # ties
            for ours, theirs in (("holm", "holm"), ("fdr_bh", "fdr_bh")):
                want = multitest.multipletests(p, method=theirs)[1]
                np.testing.assert_allclose(adjust_pvalues(p, ours), want, rtol=0, atol=1e-12)


def test_adjusted_p_leave_nan_out_of_the_family():
    p = np.array([0.01, np.nan, 0.04, 0.03])
    holm = adjust_pvalues(p, "holm")
    assert np.isnan(holm[1])
    np.testing.assert_allclose(holm[[0, 2, 3]], [0.03, 0.06, 0.06])
    np.testing.assert_allclose(adjust_pvalues(p, "fdr_bh")[[0, 2, 3]], [0.03, 0.04, 0.04])
    with pytest.raises(ValueError, match="method"):
        adjust_pvalues(p, "bonferroni-ish")
    with pytest.raises(ValueError, match="between 0 and 1"):
        adjust_pvalues([0.5, 1.5])


def cohort_table(seed=4, n=12, metrics=28, planted=("cadence_steps_per_min",)):
    rng = np.random.default_rng(seed)
    rows = {"trial_id": [f"t{i}" for i in range(2 * n)], "path": [f"t{i}.c3d" for i in range(2 * n)],
            "grf": [""] * (2 * n), "static": [""] * (2 * n), "subject": [f"s{i}" for i in range(2 * n)],
            "group": ["control"] * n + ["back_pain"] * n, "flags": [""] * (2 * n), "error": [""] * (2 * n)}
    names = ["cadence_steps_per_min", "overstride_mm"] + [f"metric_{k}_deg" for k in range(metrics - 2)]
    for name in names:
        shift = 3.0 if name in planted else 0.0
        rows[name] = np.concatenate([rng.normal(0, 1, n), rng.normal(shift, 1, n)])
    return pd.DataFrame(rows), names


def test_compare_groups_columns_family_and_adjustment():
    table, names = cohort_table()
    result = gaitcore.compare_groups(table, by="group", reference="control")
    assert list(result["metric"]) == names
    assert set(result["test"]) == {"Welch"}
    assert (result["family"] == "back_pain vs control: 28 metrics").all()
    np.testing.assert_allclose(result["p_holm"], adjust_pvalues(result["p"], "holm"), atol=0)
    np.testing.assert_allclose(result["q_fdr"], adjust_pvalues(result["p"], "fdr_bh"), atol=0)
    assert (result["p_holm"] >= result["p"]).all() and (result["q_fdr"] >= result["p"]).all()
    row = result.set_index("metric").loc["cadence_steps_per_min"]
    assert row["unit"] == "steps/min" and row["p_holm"] < 0.05
    assert result.set_index("metric").loc["overstride_mm", "unit"] == "mm"
    # the columns a reader needs side by side: absolute difference, unit, CI, effect size
    cols = list(result.columns)
    assert cols.index("diff") + 1 == cols.index("unit") and cols.index("hedges_g") > cols.index("ci_high")
    for name in ("grf", "static", "flags", "error", "trial_id"):
        assert name not in set(result["metric"])


def test_compare_groups_student_and_welch_differ_only_by_the_choice():
    table, _ = cohort_table()
    welch = gaitcore.compare_groups(table, by="group", reference="control")
    student = gaitcore.compare_groups(table, by="group", reference="control", equal_var=True)
    assert set(student["test"]) == {"Student"}
    a = table.loc[table.group == "back_pain", "metric_3_deg"]
    b = table.loc[table.group == "control", "metric_3_deg"]
    for res, equal_var in ((welch, False), (student, True)):
        ref = scipy_stats.ttest_ind(a, b, equal_var=equal_var)
        row = res.set_index("metric").loc["metric_3_deg"]
        assert row["p"] == pytest.approx(ref.pvalue, abs=1e-12)
        assert row["ci_low"] == pytest.approx(ref.confidence_interval().low, abs=1e-12)


def test_each_group_is_its_own_family():
    table, _ = cohort_table(metrics=4)
    extra = table[table.group == "control"].assign(group="runners_b", trial_id=lambda d: d.trial_id + "b")
    result = gaitcore.compare_groups(pd.concat([table, extra], ignore_index=True), by="group", reference="control")
    assert set(result["family"]) == {"back_pain vs control: 4 metrics", "runners_b vs control: 4 metrics"}
