"""lowpass in second-order sections against scipy.signal.sosfiltfilt, over every order and
cutoff it accepts.

Tolerance 1e-9 relative to the reference's largest magnitude (the issue's contract).

Reference.  From cutoff/Nyquist 1e-3 up, ``scipy.signal.sosfiltfilt`` itself.  Below 1e-3,
float64 SciPy is not accurate enough to be the reference: its rounded sections put the pole
pairs 1e-16 off, which at wn = 1e-4 moves the filter's low-frequency gain by ~1e-9, and we
measured its output up to 1.5e-9 (relative) away from the same algorithm run in 80-bit
extended precision, while gaitcore stays within 1.7e-10 of it.  There the reference is
sosfiltfilt's algorithm (odd padding of 3 (order + 1) samples, steady-state initial
conditions per section, forward then backward) run by ``scipy.signal.sosfilt`` on
``np.longdouble`` data with the sections designed in long double.
"""
import numpy as np
import pytest
import scipy.signal

import gaitcore

WNS = (1e-4, 3e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5, 0.75, 0.9)
LD = np.longdouble
EXTENDED = np.finfo(LD).eps < 1e-18  # x86 80-bit or quad; on some platforms it is float64
PI_LD = LD("3.14159265358979323846264338327950288")


def rel_err(got, want):
    return float(np.max(np.abs(got - want)) / np.max(np.abs(want)))


def butter_sos_long_double(order, wn):
    """Butterworth sections (bilinear transform, unit DC gain each) computed in long double."""
    warped = 4 * np.tan(PI_LD * LD(wn) / 2)
    m = np.arange(-order + 1, order, 2).astype(LD)
    analog = -np.exp(1j * PI_LD * m / (2 * order)).astype(np.clongdouble) * warped
    poles = (4 + analog) / (4 - analog)
    sections = []
    if order % 2:
        a1 = -poles[order // 2].real
        sections.append([(1 + a1) / 2, (1 + a1) / 2, 0, 1, a1, 0])
    for p in poles[:order // 2]:
        a1, a2 = -2 * p.real, p.real ** 2 + p.imag ** 2
        g = (1 + a1 + a2) / 4
        sections.append([g, 2 * g, g, 1, a1, a2])
    return np.array(sections, dtype=LD)


def sosfiltfilt_long_double(x, wn, order):
    sos = butter_sos_long_double(order, wn)
    z2 = sos[:, 2] - sos[:, 5]
    zi = np.stack([sos[:, 1] - sos[:, 4] + z2, z2], axis=1)  # steady state, unit-gain sections
    x = np.asarray(x, dtype=LD)
    pad = 3 * (order + 1)
    ext = np.concatenate([2 * x[0] - x[pad:0:-1], x, 2 * x[-1] - x[-2:-pad - 2:-1]])
    y, _ = scipy.signal.sosfilt(sos, ext, zi=zi * ext[0])
    y, _ = scipy.signal.sosfilt(sos, y[::-1], zi=zi * y[-1])
    return y[::-1][pad:-pad]


def reference(x, wn, order):
    if wn >= 1e-3:
        return scipy.signal.sosfiltfilt(scipy.signal.butter(order, wn, output="sos"), x, axis=0)
    if not EXTENDED:
        pytest.skip("np.longdouble is float64 here: no extended-precision reference")
    if x.ndim == 1:
        return sosfiltfilt_long_double(x, wn, order)
    return np.stack([sosfiltfilt_long_double(c, wn, order) for c in x.T], axis=1)


def test_long_double_reference_is_sosfiltfilt():
    # the extended-precision reference follows sosfiltfilt step by step: where float64 SciPy
    # is accurate, the two agree to rounding
    x = np.random.default_rng(0).standard_normal(1000)
    for order in (1, 2, 5, 8):
        for wn in (0.01, 0.3):
            want = scipy.signal.sosfiltfilt(scipy.signal.butter(order, wn, output="sos"), x)
            if EXTENDED:
                assert rel_err(sosfiltfilt_long_double(x, wn, order), want) <= 1e-12


@pytest.mark.parametrize("order", range(1, 9))
def test_equal_to_sosfiltfilt_every_order_and_cutoff(order):
    rng = np.random.default_rng(order)
    t = np.arange(3000)
    for wn in WNS:
        # white noise plus a slow and a fast sinusoid, zero mean
        x = rng.standard_normal(3000) + 3 * np.sin(2 * np.pi * wn / 4 * t) + np.sin(0.3 * t)
        x -= x.mean()
        got = gaitcore.lowpass(x, 2.0, wn, order=order)  # rate 2 Hz: cutoff in Hz == wn
        assert rel_err(got, reference(x, wn, order)) <= 1e-9, (order, wn)


@pytest.mark.parametrize("order", range(1, 9))
def test_equal_to_sosfiltfilt_in_column_blocks(order):
    # 8 columns at a time run as SIMD lanes; 11 columns leave a partial block
    x = np.random.default_rng(10 + order).standard_normal((700, 11)) + 100.0
    for wn in (1e-4, 0.01, 0.9):
        got = gaitcore.lowpass(x, 2.0, wn, order=order)
        assert rel_err(got, reference(x, wn, order)) <= 1e-9, (order, wn)


@pytest.mark.parametrize("order", range(1, 9))
@pytest.mark.parametrize("wn", WNS)
def test_constant_stays_constant(order, wn):
    for value in (5.0, -1234.5, 1e-3):
        for x in (np.full(5000, value), np.full((400, 9), value)):
            y = gaitcore.lowpass(x, 2.0, wn, order=order)
            assert np.max(np.abs(y - value)) <= 1e-12 * abs(value)


def test_issue_case_order_8_at_6_hz_of_2_khz():
    # the (b, a) form returned 5.44 .. 7.22 here
    y = gaitcore.lowpass(np.full(5000, 5.0), 2000.0, 6.0, order=8)
    assert np.max(np.abs(y - 5.0)) <= 5e-12


def test_order_4_at_1e_4_no_longer_35_percent_off():
    x = np.sin(2 * np.pi * 1e-5 * np.arange(20000))
    got = gaitcore.lowpass(x, 2.0, 1e-4, order=4)
    assert rel_err(got, reference(x, 1e-4, 4)) <= 1e-9


def test_offset_costs_no_precision():
    # filter(x + c) == filter(x) + c exactly for a unit-DC-gain filter
    x = np.random.default_rng(3).standard_normal((2000, 3))
    for order in (2, 8):
        for wn in (1e-4, 0.05):
            base = gaitcore.lowpass(x, 2.0, wn, order=order)
            shifted = gaitcore.lowpass(x + 1000.0, 2.0, wn, order=order) - 1000.0
            assert np.max(np.abs(shifted - base)) <= 1e-9


def test_sos_output_is_the_filter_lowpass_runs():
    for order in range(1, 9):
        sos = gaitcore.butter(order, 10.0, 200.0, output="sos")
        assert sos.shape == ((order + 1) // 2, 6)
        np.testing.assert_array_equal(sos[:, 3], 1.0)
        np.testing.assert_array_equal(sos[:, :3].sum(axis=1), 1.0 + sos[:, 4] + sos[:, 5])
        w, h = scipy.signal.sosfreqz(sos, worN=64)
        w2, h2 = scipy.signal.sosfreqz(scipy.signal.butter(order, 0.1, output="sos"), worN=64)
        np.testing.assert_allclose(h, h2, rtol=0, atol=1e-12)
        x = np.random.default_rng(order).standard_normal(500)
        np.testing.assert_allclose(gaitcore.lowpass(x, 200.0, 10.0, order=order),
                                   scipy.signal.sosfiltfilt(sos, x), rtol=0, atol=1e-12)
    with pytest.raises(gaitcore.InputError, match="output"):
        gaitcore.butter(2, 10.0, 200.0, output="zpk")
