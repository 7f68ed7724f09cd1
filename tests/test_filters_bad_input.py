"""Bad input to lowpass/fill_gaps: a clear exception naming the argument, never a crash."""
import numpy as np
import pytest

import gaitcore

X = np.random.default_rng(0).standard_normal(100)


def test_complex_rejected():
    with pytest.raises(TypeError, match="x must be a real numeric array"):
        gaitcore.lowpass(X.astype(complex), 100.0, 10.0)


def test_object_rejected():
    with pytest.raises(TypeError, match="x must be a real numeric array"):
        gaitcore.lowpass(np.array([1, "a", None], dtype=object), 100.0, 10.0)


def test_str_rejected():
    with pytest.raises(TypeError, match="dtype <U"):
        gaitcore.fill_gaps(np.array(["1", "2"]), 100.0)


def test_scalar_rejected():
    with pytest.raises(ValueError, match="at least 1 dimension"):
        gaitcore.lowpass(3.0, 100.0, 10.0)


def test_empty_rejected():
    with pytest.raises(ValueError, match="x is empty"):
        gaitcore.lowpass(np.zeros((0, 3)), 100.0, 10.0)


@pytest.mark.parametrize("rate", [0.0, -100.0, float("nan"), float("inf")])
def test_bad_rate(rate):
    with pytest.raises(ValueError, match="rate must be finite and > 0"):
        gaitcore.lowpass(X, rate, 10.0)


def test_rate_not_a_number():
    with pytest.raises(TypeError, match="rate must be a real number"):
        gaitcore.lowpass(X, "100", 10.0)


@pytest.mark.parametrize("cutoff", [50.0, 80.0])
def test_cutoff_at_or_above_nyquist(cutoff):
    with pytest.raises(ValueError, match="cutoff must be below the Nyquist"):
        gaitcore.lowpass(X, 100.0, cutoff)


def test_cutoff_not_positive():
    with pytest.raises(ValueError, match="cutoff must be finite and > 0"):
        gaitcore.lowpass(X, 100.0, 0.0)


@pytest.mark.parametrize("order", [0, 9, 2.5])
def test_bad_order(order):
    with pytest.raises((ValueError, TypeError), match="order"):
        gaitcore.lowpass(X, 100.0, 10.0, order=order)


def test_bad_axis():
    with pytest.raises(ValueError, match="axis must be between"):
        gaitcore.lowpass(X, 100.0, 10.0, axis=1)


def test_infinite_values():
    x = X.copy()
    x[5] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        gaitcore.lowpass(x, 100.0, 10.0)
    with pytest.raises(ValueError, match="infinite"):
        gaitcore.fill_gaps(x, 100.0)


def test_negative_max_gap():
    with pytest.raises(ValueError, match="max_gap_s must be finite and >= 0"):
        gaitcore.fill_gaps(X, 100.0, max_gap_s=-1)


def test_all_nan_is_returned_as_nan():
    y = gaitcore.lowpass(np.full(50, np.nan), 100.0, 10.0)
    assert np.isnan(y).all()
    f, m = gaitcore.fill_gaps(np.full(50, np.nan), 100.0)
    assert np.isnan(f).all() and not m.any()


def test_fill_gaps_huge_support_does_not_overflow_the_heap():
    # 2 * support * sizeof(double) wrapped around to 160 bytes; the spline then wrote
    # past that buffer.  A support beyond the signal means "every valid sample".
    from gaitcore import _core

    x = np.sin(np.linspace(0, 6, 200))
    x[50:55] = np.nan
    want = _core.fill_gaps(x, 10, 200, 0)
    for support in (2**61 + 10, 2**62, 2**63 - 1):
        got = _core.fill_gaps(x, 10, support, 0)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
    assert np.isfinite(_core.fill_gaps(x, 2**63 - 1, 10, 0)[0]).all()
