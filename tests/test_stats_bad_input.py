"""SPM and RFT bad input: one clear exception per case, naming the argument."""
from __future__ import annotations

import numpy as np
import pytest

import gaitcore

RNG = np.random.default_rng(0)
Y = RNG.standard_normal((6, 20)).cumsum(axis=1)
Y2 = RNG.standard_normal((6, 20)).cumsum(axis=1)


def test_zero_variance_nodes_named():
    y = Y.copy()
    y[:, 0] = 1.0                                  # e.g. curves forced through a common start
    with pytest.raises(ValueError, match=r"y has zero variance at node\(s\) 0"):
        gaitcore.spm_ttest(y)
    with pytest.raises(ValueError, match=r"ya - yb has zero variance at node\(s\) 3"):
        yb = Y2.copy()
        yb[:, 3] = Y[:, 3] + 2.0
        gaitcore.spm_ttest_paired(Y, yb)
    ya, yb = Y.copy(), Y2.copy()
    ya[:, 5], yb[:, 5] = 1.0, 2.0                  # both groups constant: pooled SD 0
    with pytest.raises(ValueError, match=r"pooled\) has zero variance at node\(s\) 5"):
        gaitcore.spm_ttest2(ya, yb)
    ya[:, 5] = np.arange(6.0)                      # one group varies: fine
    assert np.isfinite(gaitcore.spm_ttest2(ya, yb).t).all()


def test_too_few_curves_and_nodes():
    with pytest.raises(ValueError, match="y needs at least 3 curves"):
        gaitcore.spm_ttest(Y[:2])
    with pytest.raises(ValueError, match="yb needs at least 3 curves"):
        gaitcore.spm_ttest2(Y, Y2[:2])
    with pytest.raises(ValueError, match="ya needs at least 3 nodes"):
        gaitcore.spm_ttest_paired(Y[:, :2], Y2[:, :2])
    assert gaitcore.spm_ttest(Y[:3, :3]).inference().df == 2   # the minimum works


def test_nan_and_inf_rejected():
    y = Y.copy()
    y[2, 7] = np.nan
    with pytest.raises(ValueError, match="curve 2, node 7"):
        gaitcore.spm_ttest(y)
    y[2, 7] = np.inf
    with pytest.raises(ValueError, match="ya contains NaN or inf"):
        gaitcore.spm_ttest2(y, Y2)


def test_shapes_and_types():
    with pytest.raises(ValueError, match="at most 2"):
        gaitcore.spm_ttest(Y[None])
    with pytest.raises(ValueError, match="at least 2"):
        gaitcore.spm_ttest(Y[0])
    with pytest.raises(ValueError, match="same shape"):
        gaitcore.spm_ttest_paired(Y, Y2[:5])
    with pytest.raises(ValueError, match="same number of nodes"):
        gaitcore.spm_ttest2(Y, Y2[:, :10])
    with pytest.raises(TypeError, match="y must be a real"):
        gaitcore.spm_ttest(Y.astype(complex))
    with pytest.raises(ValueError, match="mu must be"):
        gaitcore.spm_ttest(Y, mu=np.zeros(3))
    with pytest.raises(ValueError, match="mu must be finite"):
        gaitcore.spm_ttest(Y, mu=np.nan)
    with pytest.raises(TypeError, match="equal_var"):
        gaitcore.spm_ttest2(Y, Y2, equal_var="yes")


def test_inference_arguments():
    test = gaitcore.spm_ttest(Y)
    for alpha in (0.0, 0.5, -1, True, "0.05"):
        with pytest.raises(ValueError, match="alpha"):
            test.inference(alpha=alpha)
    with pytest.raises(TypeError, match="two_tailed"):
        test.inference(two_tailed="no")


def test_rft_threshold_arguments():
    with pytest.raises(ValueError, match="alpha"):
        gaitcore.rft_t_threshold(0.7, 9, (1, 8))
    with pytest.raises(ValueError, match="df"):
        gaitcore.rft_t_threshold(0.05, 0, (1, 8))
    with pytest.raises(ValueError, match="df must be > 1"):
        gaitcore.rft_t_threshold(0.05, 1.0, (1, 8))
    with pytest.raises(TypeError, match="resels"):
        gaitcore.rft_t_threshold(0.05, 9, 8.0)
    with pytest.raises(ValueError, match="resels"):
        gaitcore.rft_t_threshold(0.05, 9, (0, 0))
    with pytest.raises(ValueError, match="nodes"):
        gaitcore.rft_t_threshold(0.05, 9, (1, 8), nodes=0)


def test_core_guards_never_crash():
    from gaitcore import _core
    with pytest.raises(ValueError):
        _core.glm_fit(np.ones(5), np.ones((5, 1)), np.ones((1, 1)), 0, None, None)  # not 2-D
    with pytest.raises(ValueError):
        _core.glm_fit(Y, np.ones((Y.shape[0] + 1, 1)), np.ones((1, 1)), 0, None, None)  # rows differ
    with pytest.raises(ValueError):  # zero variance reaches C: status
        _core.glm_fit(np.ones((4, 5)), np.ones((4, 1)), np.ones((1, 1)), 0, None, None)
    with pytest.raises(ValueError):
        _core.spm_ttest2_df(np.ones(5), Y2)                 # not 2-D
    with pytest.raises(ValueError):
        _core.spm_ttest2_df(Y, Y2[:, :4])                   # incompatible shapes
    with pytest.raises(ValueError):
        _core.spm_ttest2_df(Y[:1], Y2)                      # one curve: no group variance
    with pytest.raises(ValueError):
        _core.spm_ttest2_df(np.ones((4, Y2.shape[1])), Y2)  # flat group reaches C: status
    with pytest.raises(ValueError):
        _core.spm_ttest2_df(np.full((4, Y2.shape[1]), np.nan), Y2)
    with pytest.raises(TypeError):
        _core.spm_ttest2_df(Y)                              # missing argument
    with pytest.raises(ValueError):
        _core.spm_clusters(np.array([1.0, np.nan, 2.0]), 1.0, 5.0, 2.0, 1.0, 1.0, False)
    with pytest.raises(ValueError):
        _core.spm_threshold(0.05, 5.0, 0.0, 0.0, 0)
    with pytest.raises(ValueError):
        _core.normalize_cycles(np.zeros(10), 10.0, [0.5], [0.2], 5, 0, 0.0)


def test_layouts_and_dtypes_give_the_same_result():
    ref = gaitcore.spm_ttest2(Y, Y2).inference()
    for ya, yb in ((np.asfortranarray(Y), Y2), (Y.astype(">f8"), Y2), (np.repeat(Y, 2, axis=0)[::2], Y2[:, :])):
        other = gaitcore.spm_ttest2(ya, yb).inference()
        np.testing.assert_array_equal(other.t, ref.t)
        assert other.t_star == ref.t_star
    ints = gaitcore.spm_ttest(np.round(Y * 10).astype(np.int32)).inference()
    assert ints.df == 5
