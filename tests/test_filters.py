"""lowpass and fill_gaps against SciPy/NumPy references.

Tolerance: 1e-9 relative to the signal's largest magnitude (the issue's contract), against
scipy.signal.sosfiltfilt; the low cutoffs are in test_filters_sos.py.
"""
import numpy as np
import pytest
import scipy.interpolate
import scipy.signal

import gaitcore


def scipy_lowpass(x, rate, cutoff, order=2, axis=0):
    return scipy.signal.sosfiltfilt(scipy.signal.butter(order, cutoff / (rate / 2), output="sos"), x, axis=axis)


def rel_err(got, want):
    return np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-300)


@pytest.mark.parametrize("order", range(1, 9))
def test_butter_coefficients_equal_scipy(order):
    for wn in (0.01, 0.1, 0.45, 0.9):
        b, a = gaitcore.butter(order, wn * 50.0, 100.0)
        b2, a2 = scipy.signal.butter(order, wn)
        np.testing.assert_allclose(b, b2, rtol=1e-10, atol=1e-14 * np.abs(b2).max())
        np.testing.assert_allclose(a, a2, rtol=1e-10, atol=1e-12)


def test_lowpass_random_shapes_axes_orders():
    rng = np.random.default_rng(1)
    for trial in range(60):
        ndim = rng.integers(1, 4)
        shape = tuple(int(s) for s in rng.integers(1, 6, size=ndim))
        axis = int(rng.integers(-ndim, ndim))
        shape = list(shape)
        shape[axis] = int(rng.integers(40, 400))
        x = rng.standard_normal(shape) * 10 ** rng.uniform(-3, 3) + rng.uniform(-5, 5)
        order = int(rng.integers(1, 9))
        rate = float(rng.choice([50.0, 100.0, 200.0, 1000.0]))
        cutoff = rate / 2 * rng.uniform(0.05, 0.9)
        got = gaitcore.lowpass(x, rate, cutoff, order=order, axis=axis)
        want = scipy_lowpass(x, rate, cutoff, order, axis)
        assert got.shape == x.shape and got.dtype == np.float64
        assert rel_err(got, want) <= 1e-9, (shape, axis, order, cutoff)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16, np.int32, np.int64, np.uint16, ">f8", "<f4"])
def test_lowpass_dtypes(dtype):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((300, 3)) * 100).astype(dtype)
    got = gaitcore.lowpass(x, 200.0, 12.0)
    assert rel_err(got, scipy_lowpass(x.astype(np.float64), 200.0, 12.0)) <= 1e-9


def test_lowpass_noncontiguous_readonly_byteswapped():
    rng = np.random.default_rng(3)
    base = rng.standard_normal((400, 6))
    views = {
        "transposed": base.T,
        "strided": base[::2, ::3],
        "fortran": np.asfortranarray(base),
        "byteswapped": base.astype(base.dtype.newbyteorder(">")),
    }
    ro = base.copy()
    ro.setflags(write=False)
    views["readonly"] = ro
    for name, x in views.items():
        for axis in (0, 1):
            if x.shape[axis] < 20:
                continue
            got = gaitcore.lowpass(x, 100.0, 8.0, axis=axis)
            assert rel_err(got, scipy_lowpass(np.asarray(x, float), 100.0, 8.0, axis=axis)) <= 1e-9, name
    assert not ro.flags.writeable and np.array_equal(ro, base)


def test_lowpass_nan_runs_filtered_separately():
    rng = np.random.default_rng(4)
    x = np.cumsum(rng.standard_normal(500))
    x[100:130] = np.nan
    x[300:303] = np.nan
    x[303:309] = 1.0  # a 6-sample run: too short to pad (padlen 9 at order 2), kept as is
    x[309] = np.nan
    y = gaitcore.lowpass(x, 100.0, 6.0)
    assert np.array_equal(np.isnan(y), np.isnan(x))
    for lo, hi in [(0, 100), (130, 300), (310, 500)]:
        assert rel_err(y[lo:hi], scipy_lowpass(x[lo:hi], 100.0, 6.0)) <= 1e-9
    assert np.array_equal(y[303:309], x[303:309])


def test_lowpass_zero_is_data_not_missing():
    x = np.zeros(100)
    x[50:] = 1.0
    y = gaitcore.lowpass(x, 100.0, 10.0)
    assert np.isfinite(y).all()
    assert rel_err(y, scipy_lowpass(x, 100.0, 10.0)) <= 1e-9


def test_fill_gaps_matches_scipy_natural_spline():
    rate = 100.0
    t = np.arange(200) / rate
    x = np.sin(2 * np.pi * 1.3 * t) * 50 + 300
    x3 = np.stack([x, x * 0.5, -x], axis=1)
    gappy = x3.copy()
    gappy[40:47] = np.nan          # 7 frames: filled
    gappy[120:135] = np.nan        # 15 frames > 10: kept NaN
    gappy[:3] = np.nan             # leading: never extrapolated
    gappy[-2:] = np.nan            # trailing
    filled, mask = gaitcore.fill_gaps(gappy, rate, max_gap_s=0.1)
    assert mask.dtype == bool and mask[40:47].all() and mask.sum() == 21
    assert np.isnan(filled[120:135]).all() and np.isnan(filled[:3]).all() and np.isnan(filled[-2:]).all()
    support = np.r_[30:40, 47:57]
    for c in range(3):
        ref = scipy.interpolate.CubicSpline(support, gappy[support, c], bc_type="natural")(np.arange(40, 47))
        np.testing.assert_allclose(filled[40:47, c], ref, rtol=0, atol=1e-9 * np.abs(ref).max())
    assert np.abs(filled[40:47] - x3[40:47]).max() < 0.5  # mm on a 50 mm, 1.3 Hz sine
    untouched = ~np.isnan(gappy)
    assert np.array_equal(filled[untouched], gappy[untouched])


def test_fill_gaps_axis_and_limit():
    x = np.tile(np.linspace(0, 1, 50), (2, 1))
    x[:, 20:25] = np.nan
    y, m = gaitcore.fill_gaps(x, 100.0, max_gap_s=0.04, axis=1)  # 4 frames < 5: not filled
    assert not m.any() and np.isnan(y[:, 20:25]).all()
    y, m = gaitcore.fill_gaps(x, 100.0, max_gap_s=0.05, axis=-1)
    np.testing.assert_allclose(y, np.tile(np.linspace(0, 1, 50), (2, 1)), atol=1e-12)


def test_lowpass_column_blocks_with_and_without_gaps():
    # 8 adjacent columns are filtered together; a block holding a NaN falls back to
    # column-by-column filtering of finite runs.  Both paths must equal SciPy.
    rng = np.random.default_rng(5)
    x = rng.standard_normal((300, 19)).cumsum(axis=0)
    x[120:140, 3] = np.nan
    y = gaitcore.lowpass(x, 200.0, 15.0, order=4)
    for c in range(19):
        if c == 3:
            for lo, hi in [(0, 120), (140, 300)]:
                assert rel_err(y[lo:hi, c], scipy_lowpass(x[lo:hi, c], 200.0, 15.0, 4)) <= 1e-9
            assert np.isnan(y[120:140, 3]).all()
        else:
            assert rel_err(y[:, c], scipy_lowpass(x[:, c], 200.0, 15.0, 4)) <= 1e-9, c
