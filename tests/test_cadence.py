"""Spectral cadence against force-plate step counts, synthetic signals and a SciPy reference.

Tolerances:
- Rajagopal running: 1.0 steps/min of the cadence counted from force-plate initial
  contacts (the issue's check; measured 0.08 from the force and 0.06 from the pelvis).
- Synthetic sweep: 0.5 steps/min (the issue's check; the docs/methods.md simulation reports
  0.37 at most with the refinement).  The signals carry a 1% (SD, 1-s correlated)
  step-to-step frequency variation, and the truth is the realised mean frequency: measured
  worst 0.41 at 100 Hz, 0.23 at 1 kHz (without the variation 0.011; with 2%, 0.82).
- SciPy reference: the same Welch PSD by scipy.signal.welch (1e-9 relative to its peak:
  both are double-precision FFTs of the same segments) and the same peak refinement in
  NumPy; step frequency equal to 1e-6 Hz (the issue's check).
"""
import numpy as np
import pandas as pd
import pytest
import scipy.signal

import gaitcore
from gaitcore import datasets

IC_THRESHOLD_N = 20.0


# ----------------------------------------------------------------------------- references

def counted_cadence(trial):
    """Steps/min from initial contacts: rising crossings of 20 N on every plate, pooled."""
    ics = []
    for p in trial.plates:
        f = p.fz
        up = np.nonzero((f[:-1] < IC_THRESHOLD_N) & (f[1:] >= IC_THRESHOLD_N))[0] + 1
        ics.extend(up / p.rate)
    ics = np.sort(ics)
    return 60.0 * (len(ics) - 1) / (ics[-1] - ics[0]), len(ics)


def tiling_segment(n, rate):
    """The documented automatic segment: K >= 4 half-overlapping segments of 2-8 s that
    tile the record, n = (K + 1) L / 2 (fewer when 2-s segments do not fit four times)."""
    duration = n / rate
    k = max(1, int(np.ceil(2 * duration / 8.0 - 1 - 1e-9)), min(4, int(np.floor(2 * duration / 2.0 - 1 + 1e-9))))
    return max(4, min(n, int(round(2 * n / (k + 1)))))


def scipy_cadence(x, rate, kind="auto", band=(1.0, 5.0), window_s=None):
    """Reference: scipy.signal.welch, then the refinement of docs/methods.md B written in NumPy."""
    n = len(x)
    nperseg = tiling_segment(n, rate) if window_s is None else min(int(round(window_s * rate)), n)
    nfft = 1 << int(np.ceil(np.log2(4 * nperseg)))
    f, p = scipy.signal.welch(x, fs=rate, window="hann", nperseg=nperseg, noverlap=nperseg // 2,
                              nfft=nfft, detrend="linear", scaling="density")
    df = f[1]

    def peak(lo, hi):
        k0, k1 = max(int(np.ceil(lo / df - 0.5)), 1), min(int(np.floor(hi / df + 0.5)), len(p) - 2)
        ks = [k for k in range(k0, k1 + 1) if p[k] >= p[k - 1] and p[k] >= p[k + 1] and p[k] > 0]
        if not ks:
            return np.nan, 0
        k = max(ks, key=lambda i: p[i])
        a, b, c = np.log(p[k - 1:k + 2])
        d = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c < 0 else 0.0
        return (k + d) * df, k

    f1, k1 = peak(*band)
    step = f1
    if kind == "stride":
        step = 2 * f1
    elif kind == "auto" and f1 < 2.0:
        f2, k2 = peak(2 * f1 * 0.95, 2 * f1 * 1.05)
        if not np.isnan(f2) and p[k2] >= 0.3 * p[k1]:
            step = f2
    return step, f, p


def synthetic_vgrf(step_hz, rate, duration_s=30.0, asymmetry=0.0, noise=0.05, drift=0.2, seed=0,
                   step_hz_end=None, jitter=0.0):
    """Vertical GRF of both feet: half-sine contacts alternating left/right.

    Left contacts are scaled by (1 + asymmetry), right ones by (1 - asymmetry); contact
    lasts 60% of the stride when walking (< 2 Hz steps), 35% when running.  White noise
    (``noise`` x body weight) and a baseline drift (linear + 0.05 Hz, ``drift`` x body
    weight) are added.  ``step_hz_end`` ramps the step frequency linearly; ``jitter`` adds a
    random step-to-step variation of the instantaneous frequency (relative SD, 1-s
    correlation) whose effect on the mean is removed by returning the realised frequency.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(duration_s * rate))) / rate
    f_end = step_hz if step_hz_end is None else step_hz_end
    f_inst = step_hz + (f_end - step_hz) * t / duration_s
    if jitter:
        wobble = np.convolve(rng.standard_normal(t.size), np.ones(int(rate)) / np.sqrt(rate), "same")
        wobble -= wobble.mean()
        f_inst = f_inst * (1.0 + jitter * wobble / wobble.std())
    phase = np.cumsum(f_inst) / rate  # in steps
    duty = 0.6 if step_hz < 2.0 else 0.35
    x = np.zeros_like(t)
    for side, gain in ((0, 1.0 + asymmetry), (1, 1.0 - asymmetry)):
        # stride phase of this foot: contacts start at step numbers side, side + 2, ...
        stride_phase = ((phase - side) / 2.0) % 1.0
        in_contact = stride_phase < duty
        x += gain * np.where(in_contact, np.sin(np.pi * stride_phase / duty), 0.0)
    x += noise * rng.standard_normal(t.size)
    x += drift * (t / duration_s + np.sin(2 * np.pi * 0.05 * t))
    return x, f_inst, t


@pytest.fixture(scope="module")
def run_trial():
    return gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
                               grf=datasets.path("Rajagopal_grf_run.mot"))


# ----------------------------------------------------------------------------- Rajagopal running

def test_counted_cadence_reference(run_trial):
    spm, n_ic = counted_cadence(run_trial)
    assert n_ic >= 10
    assert 170 < spm < 178  # "about 174"


def test_rajagopal_force(run_trial):
    want, _ = counted_cadence(run_trial)
    fz = sum(p.fz for p in run_trial.plates)
    c = gaitcore.cadence(fz, run_trial.plates[0].rate)
    assert abs(c.steps_per_min - want) <= 1.0
    assert c.harmonic == 1


@pytest.mark.parametrize("markers", [("LASI", "RASI", "LPSI", "RPSI"), ("LPSI", "RPSI"), ("RASI",)])
def test_rajagopal_pelvis_markers(run_trial, markers):
    want, _ = counted_cadence(run_trial)
    z = np.mean([run_trial.markers[m][:, 2] for m in markers], axis=0)
    c = gaitcore.cadence(z, run_trial.marker_rate)
    assert abs(c.steps_per_min - want) <= 1.0


def test_trial_cadence_prefers_force(run_trial):
    want, _ = counted_cadence(run_trial)
    c = gaitcore.trial_cadence(run_trial)
    assert "vertical force" in c.signal and "R_ground" in c.signal
    assert abs(c.steps_per_min - want) <= 1.0


def test_trial_cadence_falls_back_to_pelvis(run_trial):
    want, _ = counted_cadence(run_trial)
    no_plates = gaitcore.Trial(markers=run_trial.markers, marker_rate=run_trial.marker_rate)
    c = gaitcore.trial_cadence(no_plates)
    assert "pelvis" in c.signal and "LPSI" in c.signal
    assert abs(c.steps_per_min - want) <= 1.0


def test_trial_cadence_uses_sacrum_marker(run_trial):
    want, _ = counted_cadence(run_trial)
    sacr = (run_trial.markers["LPSI"] + run_trial.markers["RPSI"]) / 2
    trial = gaitcore.Trial(markers={"SACR": sacr, "C7": run_trial.markers["C7"]},
                           marker_rate=run_trial.marker_rate)
    c = gaitcore.trial_cadence(trial)
    assert c.signal == "vertical position of marker SACR"
    assert abs(c.steps_per_min - want) <= 1.0


def test_trial_cadence_ignores_overground_plate(run_trial):
    """A plate loaded for one or two contacts (< 30% of the record) is not a cadence signal."""
    p = run_trial.plates[0]
    force = p.force.copy()
    force[1000:] = 0.0  # one or two contacts only
    plate = gaitcore.ForcePlate(force=force, cop=p.cop, free_moment=p.free_moment, rate=p.rate, name="FP1")
    trial = gaitcore.Trial(markers=run_trial.markers, marker_rate=run_trial.marker_rate, plates=[plate])
    assert "pelvis" in gaitcore.trial_cadence(trial).signal


def test_trial_cadence_overground_walkway_uses_pelvis():
    """walk.c3d: four overground plates, one contact each (summed they are loaded 94% of
    the time, but off-plate steps are missing): the pelvis markers are used, and agree
    with the stored foot strikes (4 ICs, 107.8 steps/min) within 5 steps/min (only ~4
    steps in 2.2 s: a coarse check)."""
    trial = gaitcore.read_trial(datasets.path("walk.c3d"))
    c = gaitcore.trial_cadence(trial)
    assert "pelvis" in c.signal
    ic = np.sort(trial.events.time_s[trial.events.event == "IC"].to_numpy())
    assert abs(c.steps_per_min - 60 * (len(ic) - 1) / (ic[-1] - ic[0])) < 5.0


def test_trial_cadence_single_walking_belt():
    """One belt under a walker is never unloaded (no contact count): still a treadmill."""
    rate = 500.0
    x, _, _ = synthetic_vgrf(1.8, rate, duration_s=20.0, noise=0.0, drift=0.0)
    force = np.zeros((x.size, 3))
    force[:, 2] = 700 * x
    plate = gaitcore.ForcePlate(force=force, cop=np.zeros_like(force), free_moment=np.zeros(x.size),
                                rate=rate, name="belt")
    c = gaitcore.trial_cadence(gaitcore.Trial(markers={}, marker_rate=100.0, plates=[plate]))
    assert c.signal == "vertical force summed over plates belt"
    assert abs(c.steps_per_min - 108.0) < 0.5


# ----------------------------------------------------------------------------- synthetic sweep

@pytest.mark.parametrize("rate", [100.0, 1000.0])
def test_synthetic_sweep(rate):
    """1.4-4.8 Hz steps, +-30% asymmetry, noise, drift, 1% frequency variation, 30 s."""
    worst = 0.0
    for i, step_hz in enumerate(np.linspace(1.4, 4.8, 18)):
        for asym in (-0.3, 0.0, 0.3):
            x, f_inst, _ = synthetic_vgrf(step_hz, rate, asymmetry=asym, seed=i, jitter=0.01)
            c = gaitcore.cadence(x, rate)
            err = abs(c.steps_per_min - 60 * f_inst.mean())
            worst = max(worst, err)
            # never a stride rate reported as a step rate
            assert abs(c.step_hz - step_hz / 2) > 0.2 * step_hz
            assert err <= 0.5, (step_hz, asym, c)
    assert worst > 0  # the check can fail: estimates are not exact


@pytest.mark.parametrize("rate", [50.0, 100.0, 2000.0])
@pytest.mark.parametrize("step_hz", [1.0, 1.4, 4.99, 5.0])
def test_band_edges_rates_50_to_2000(rate, step_hz):
    """Walking to sprinting at the edges of the default band (1, 5) Hz, 50 Hz to 2 kHz:
    a peak whose bin lies within half a bin of the band is found (not its subharmonic)."""
    x, _, _ = synthetic_vgrf(step_hz, rate, asymmetry=0.3)
    c = gaitcore.cadence(x, rate)
    assert c.harmonic == 1
    assert abs(c.steps_per_min - 60 * step_hz) <= 0.5


def test_one_leg_signal_auto_and_stride():
    """A single-limb force: fundamental at the stride frequency, doubled by auto and stride."""
    rate, step_hz = 200.0, 2.8
    x, _, _ = synthetic_vgrf(step_hz, rate, asymmetry=1.0)  # right foot carries nothing
    auto = gaitcore.cadence(x, rate)
    assert auto.harmonic == 2
    assert abs(auto.steps_per_min - 60 * step_hz) <= 0.5
    assert abs(auto.peak_hz - step_hz / 2) < 0.01
    forced = gaitcore.cadence(x, rate, kind="stride")
    assert forced.harmonic == 2 and abs(forced.steps_per_min - 60 * step_hz) <= 0.5
    step = gaitcore.cadence(x, rate, kind="step")
    assert step.harmonic == 1 and abs(step.step_hz - step_hz / 2) < 0.01


def test_speed_ramp_followed_by_track():
    rate = 100.0
    x, f_inst, t = synthetic_vgrf(2.5, rate, duration_s=120.0, step_hz_end=3.3, asymmetry=0.2)
    track = gaitcore.cadence_track(x, rate)
    assert list(track.columns) == ["time_s", "steps_per_min", "quality"]
    assert len(track) == 113
    want = 60 * np.interp(track.time_s, t, f_inst)
    assert np.max(np.abs(track.steps_per_min - want)) <= 2.0
    assert (track.quality > 0.3).all()


def test_quality_separates_clean_from_noise():
    rate = 100.0
    x, _, _ = synthetic_vgrf(2.9, rate)
    noise = np.random.default_rng(3).standard_normal(x.size)
    assert gaitcore.cadence(x, rate).quality > 0.8
    assert gaitcore.cadence(noise, rate).quality < 0.3


# ----------------------------------------------------------------------------- SciPy reference

@pytest.mark.parametrize("rate,duration_s", [(50.0, 20.0), (100.0, 30.0), (250.0, 5.1), (1000.0, 60.0),
                                             (2000.0, 12.0), (100.0, 3.0)])
def test_equal_to_scipy_reference(rate, duration_s):
    rng = np.random.default_rng(int(rate))
    for kind in ("auto", "step", "stride"):
        step_hz = rng.uniform(1.4, 4.8)
        x, _, _ = synthetic_vgrf(step_hz, rate, duration_s=duration_s, asymmetry=rng.uniform(-0.3, 0.3),
                                 noise=0.3, seed=int(rate))
        x = 700 * x + 50
        c = gaitcore.cadence(x, rate, kind=kind)
        want, f, p = scipy_cadence(x, rate, kind=kind)
        m = c.freqs.size  # the low bins that gaitcore computes
        assert m < f.size and c.freqs[-1] >= 2.1 * 5.0
        np.testing.assert_allclose(c.freqs, f[:m], rtol=1e-12)
        np.testing.assert_allclose(c.psd, p[:m], rtol=0, atol=1e-9 * p.max())
        assert abs(c.step_hz - want) <= 1e-6


def test_scipy_reference_walking_doubling_branch():
    """Stride fundamental below 2 Hz: the auto branch that doubles, against the reference."""
    rate = 100.0
    x, _, _ = synthetic_vgrf(3.2, rate, asymmetry=1.0, seed=5)
    c = gaitcore.cadence(x, rate)
    want, _, _ = scipy_cadence(x, rate)
    assert c.harmonic == 2
    assert abs(c.step_hz - want) <= 1e-6


def test_columns_are_independent_estimates():
    rate = 100.0
    cols = np.column_stack([synthetic_vgrf(f, rate, seed=j)[0] for j, f in enumerate((1.6, 2.7, 4.1))])
    c = gaitcore.cadence(cols, rate)
    assert c.steps_per_min.shape == (3,) and c.psd.shape == (c.freqs.size, 3)
    for j in range(3):
        one = gaitcore.cadence(cols[:, j], rate)
        assert c.step_hz[j] == pytest.approx(one.step_hz, abs=1e-12)
        np.testing.assert_allclose(c.psd[:, j], one.psd, rtol=1e-12)
    np.testing.assert_allclose(c.steps_per_min, [96, 162, 246], atol=0.5)


def test_track_equals_cadence_of_each_window():
    rate = 100.0
    x, _, _ = synthetic_vgrf(2.6, rate, duration_s=20.0, step_hz_end=3.0)
    track = gaitcore.cadence_track(x, rate, window_s=8.0, hop_s=2.0)
    for i, row in track.iterrows():
        seg = x[200 * i:200 * i + 800]
        assert row.time_s == pytest.approx(2.0 * i + 4.0)
        assert row.steps_per_min == pytest.approx(gaitcore.cadence(seg, rate, window_s=8.0).steps_per_min,
                                                  abs=1e-9)


def test_threads_share_no_state():
    """The GIL is released in the core: concurrent calls must give the serial results."""
    from concurrent.futures import ThreadPoolExecutor
    rate = 200.0
    signals = [synthetic_vgrf(f, rate, duration_s=40.0, seed=j)[0] for j, f in enumerate((1.7, 2.6, 3.3, 4.4))]
    serial = [gaitcore.cadence_track(x, rate).steps_per_min.to_numpy() for x in signals]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            par = list(pool.map(lambda x: gaitcore.cadence_track(x, rate).steps_per_min.to_numpy(), signals))
            for a, b in zip(serial, par):
                np.testing.assert_array_equal(a, b)
            single = list(pool.map(lambda x: gaitcore.cadence(x, rate, window_s=5.0).step_hz, signals))
            np.testing.assert_allclose(single, [1.7, 2.6, 3.3, 4.4], atol=0.005)


# ----------------------------------------------------------------------------- NaN handling

def test_short_gaps_interpolated():
    rate = 100.0
    x, _, _ = synthetic_vgrf(2.9, rate, noise=0.0, drift=0.0)
    clean = gaitcore.cadence(x, rate)
    y = x.copy()
    for start in range(100, 2900, 400):
        y[start:start + 10] = np.nan  # 0.1-s gaps
    y[:30] = np.nan  # leading gap: cropped
    gappy = gaitcore.cadence(y, rate)
    assert abs(gappy.steps_per_min - clean.steps_per_min) < 0.2


def test_columns_cropped_to_common_finite_span():
    rate = 100.0
    cols = np.column_stack([synthetic_vgrf(f, rate, seed=j)[0] for j, f in enumerate((2.2, 3.1))])
    cols[:150, 0] = np.nan   # column 0 starts late
    cols[-80:, 1] = np.nan   # column 1 ends early
    cols[1000:1008, 1] = np.nan
    c = gaitcore.cadence(cols, rate)
    want = [gaitcore.cadence(cols[150:-80, j], rate).step_hz for j in range(2)]
    np.testing.assert_allclose(c.step_hz[0], want[0], atol=1e-12)
    assert abs(c.step_hz[1] - want[1]) < 1e-3  # the 8-sample gap is spline-filled in both
    np.testing.assert_allclose(c.steps_per_min, [132, 186], atol=0.5)


def test_track_marks_windows_with_long_gaps():
    rate = 100.0
    x, _, _ = synthetic_vgrf(2.9, rate, duration_s=30.0)
    x[1500:1600] = np.nan  # a 1-s gap: not interpolated
    track = gaitcore.cadence_track(x, rate)
    hit = (track.time_s + 4 > 15.0) & (track.time_s - 4 < 16.0)
    assert track.steps_per_min[hit].isna().all()
    assert (abs(track.steps_per_min[~hit] - 174) < 0.5).all()


# ----------------------------------------------------------------------------- bad input

X = synthetic_vgrf(2.9, 100.0, duration_s=10.0)[0]


def test_complex_rejected():
    with pytest.raises(TypeError, match="x must be a real numeric array"):
        gaitcore.cadence(X.astype(complex), 100.0)


def test_object_rejected():
    with pytest.raises(TypeError, match="x must be a real numeric array"):
        gaitcore.cadence(np.array([1, "a", None], dtype=object), 100.0)


def test_scalar_rejected():
    with pytest.raises(ValueError, match="at least 1 dimension"):
        gaitcore.cadence(3.0, 100.0)


def test_empty_rejected():
    with pytest.raises(ValueError, match="x is empty"):
        gaitcore.cadence(np.zeros(0), 100.0)


def test_3d_rejected():
    with pytest.raises(ValueError, match="x must have at most 2 dimension"):
        gaitcore.cadence(np.zeros((100, 2, 2)), 100.0)


def test_track_2d_rejected():
    with pytest.raises(ValueError, match="at most 1 dimension"):
        gaitcore.cadence_track(np.zeros((1000, 2)), 100.0)


@pytest.mark.parametrize("rate", [0.0, -100.0, float("nan"), float("inf")])
def test_bad_rate(rate):
    with pytest.raises(ValueError, match="rate must be finite and > 0"):
        gaitcore.cadence(X, rate)


def test_bad_kind():
    with pytest.raises(ValueError, match="kind must be one of 'auto', 'step', 'stride', got 'steps'"):
        gaitcore.cadence(X, 100.0, kind="steps")


def test_kind_not_a_string():
    with pytest.raises(TypeError, match="kind must be one of"):
        gaitcore.cadence(X, 100.0, kind=2)


def test_band_not_a_pair():
    with pytest.raises(TypeError, match="band_hz must be a pair"):
        gaitcore.cadence(X, 100.0, band_hz=3.0)


@pytest.mark.parametrize("band", [(3.0, 2.0), (0.0, 2.0), (1.0, float("nan"))])
def test_band_out_of_order(band):
    with pytest.raises(ValueError, match="band_hz must satisfy 0 < lo < hi"):
        gaitcore.cadence(X, 100.0, band_hz=band)


def test_band_above_nyquist():
    with pytest.raises(ValueError, match="below the Nyquist"):
        gaitcore.cadence(X, 8.0, band_hz=(1.0, 5.0))


def test_bad_window():
    with pytest.raises(ValueError, match="window_s must be finite and > 0"):
        gaitcore.cadence(X, 100.0, window_s=0.0)


def test_bad_hop():
    with pytest.raises(ValueError, match="hop_s must be finite and > 0"):
        gaitcore.cadence_track(X, 100.0, hop_s=-1.0)


def test_infinite_rejected():
    x = X.copy()
    x[5] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        gaitcore.cadence(x, 100.0)


def test_track_infinite_rejected():
    x = X.copy()
    x[5] = -np.inf
    with pytest.raises(ValueError, match="infinite"):
        gaitcore.cadence_track(x, 100.0)


def test_mostly_missing():
    x = X.copy()
    x[::3] = np.nan
    x[1::3] = np.nan
    with pytest.raises(ValueError, match="x is mostly missing: 67% of its samples are NaN"):
        gaitcore.cadence(x, 100.0)


def test_mostly_missing_column_named():
    x = np.column_stack([X, np.where(np.arange(X.size) % 4 == 0, X, np.nan)])
    with pytest.raises(ValueError, match="x column 1 is mostly missing"):
        gaitcore.cadence(x, 100.0)


def test_track_mostly_missing():
    x = np.full(2000, np.nan)
    with pytest.raises(ValueError, match="mostly missing"):
        gaitcore.cadence_track(x, 100.0)


def test_long_gap_rejected():
    x = X.copy()
    x[400:450] = np.nan
    with pytest.raises(ValueError, match="gap of 0.5 s at t = 4 s"):
        gaitcore.cadence(x, 100.0)


def test_too_short_for_three_steps():
    with pytest.raises(ValueError, match="x is too short: 0.5 s holds fewer than 3 steps"):
        gaitcore.cadence(X[:50], 100.0)


def test_too_short_at_estimated_frequency():
    # 1.5 s at 1.2 Hz steps: under 3 steps although the band's top would allow them
    t = np.arange(150) / 100.0
    with pytest.raises(ValueError, match="fewer than 3 steps at the estimated"):
        gaitcore.cadence(np.sin(2 * np.pi * 1.2 * t), 100.0)


def test_constant_signal_has_no_peak():
    with pytest.raises(ValueError, match="no spectral peak in band_hz"):
        gaitcore.cadence(np.full(1000, 7.0), 100.0)


def test_zero_is_data():
    x = X - X.min()  # zeros in flight phases are samples, not gaps
    assert abs(gaitcore.cadence(x, 100.0).steps_per_min - 174) < 0.5


def test_track_shorter_than_window():
    with pytest.raises(ValueError, match="shorter than one window_s = 8 s"):
        gaitcore.cadence_track(X[:500], 100.0)


def test_trial_wrong_type():
    with pytest.raises(TypeError, match="trial must be a gaitcore.Trial"):
        gaitcore.trial_cadence({"SACR": X})


def test_trial_without_signal(run_trial):
    trial = gaitcore.Trial(markers={"C7": run_trial.markers["C7"]}, marker_rate=100.0)
    with pytest.raises(ValueError, match="neither treadmill force plates .* nor pelvis markers"):
        gaitcore.trial_cadence(trial)


def test_track_returns_dataframe():
    assert isinstance(gaitcore.cadence_track(X, 100.0), pd.DataFrame)


def test_docstring_examples():
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module("gaitcore.cadence"))
    assert result.attempted >= 3 and result.failed == 0


@pytest.mark.parametrize("duration_s", [2.0, 5.1, 10.0, 30.0, 61.3])
def test_automatic_segments_tile_the_record(duration_s):
    """The default segments cover the whole record (no tail left out), are 2-8 s long
    (one segment for a record under 3 s) and number at least four when 2 s allows."""
    rate = 100.0
    n = int(duration_s * rate)
    from gaitcore.cadence import _segment_length
    L = _segment_length(n, rate)
    assert L == tiling_segment(n, rate)
    k = round(2 * n / L - 1)
    assert abs((k + 1) * L / 2 - n) <= k  # the segments end within a few samples of the record's end
    if duration_s >= 2.0:
        assert 2.0 * rate - 1 <= L <= 8.0 * rate
    if duration_s >= 2.0 * 5 / 2:
        assert k >= 4


def test_ten_second_record_uses_all_of_it():
    """A 10-s run: one 8-s segment left the last 2 s out and read 0.51 steps/min off on
    average; the tiled segments read within 0.5 on every record."""
    errors = []
    for i, f in enumerate(np.linspace(2.3, 4.5, 12)):
        x, f_inst, _ = synthetic_vgrf(f, 200.0, duration_s=10.0, asymmetry=0.3 * (i % 2), seed=i, jitter=0.01)
        errors.append(gaitcore.cadence(x, 200.0).steps_per_min - 60 * f_inst.mean())
    print(f"\n10-s records: mean |error| {np.mean(np.abs(errors)):.2f}, max {np.max(np.abs(errors)):.2f} steps/min")
    assert np.max(np.abs(errors)) <= 0.6 and np.mean(np.abs(errors)) <= 0.3


@pytest.mark.parametrize("steps_per_min", [None, 150, 200, 230, 260])
def test_spectral_within_half_a_step_of_the_plate_count(steps_per_min):
    """Every trial with plates long enough for a spectrum (the Rajagopal run, also resampled
    to 150-260 steps/min; walk.c3d and Running_0002.c3d hold under 3 s): the spectral cadence
    of the summed force lies within 0.5 steps/min of the cadence counted from its plate ICs."""
    trial = (gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
                                 grf=datasets.path("Rajagopal_grf_run.mot")) if steps_per_min is None
             else gaitcore.datasets.simulate_runner(cadence_scale=steps_per_min / 174.0, seed=1)[0])
    st = gaitcore.spatiotemporal(gaitcore.detect_events(trial, method="force"))
    spectral = gaitcore.trial_cadence(trial).steps_per_min
    print(f"\n{steps_per_min or 'Rajagopal'}: counted {st.attrs['cadence_steps_per_min']:.2f}, "
          f"spectral {spectral:.2f} steps/min")
    assert abs(spectral - st.attrs["cadence_steps_per_min"]) <= 0.5


def test_trial_cadence_pelvis_by_role_and_nan_markers():
    """A pelvis seen only through a cluster of a known marker set (RIC: pelvis_1..4) gives
    the pelvis centre by role; a sacrum marker NaN throughout is not taken; a pelvis seen in
    the middle of the record only (a walkway) is cropped, not refused as mostly missing."""
    rate = 100.0
    x, _, t = synthetic_vgrf(2.9, rate, duration_s=12.0, noise=0.0, drift=0.0)
    z = 1000.0 + 20.0 * x
    base = np.column_stack([np.zeros_like(z), np.zeros_like(z), z])
    cluster = {f"pelvis_{k}": base + [30.0 * k, 10.0 * (k % 2), 5.0 * k] for k in range(1, 5)}
    c = gaitcore.trial_cadence(gaitcore.Trial(markers=cluster, marker_rate=rate))
    assert "pelvis_centre" in c.signal and abs(c.steps_per_min - 174.0) < 0.5
    sacr = {"SACR": np.full_like(base, np.nan), "LPSI": base, "RPSI": base + 100.0}
    c = gaitcore.trial_cadence(gaitcore.Trial(markers=sacr, marker_rate=rate))
    assert "LPSI" in c.signal
    walkway = base.copy()
    walkway[:500] = np.nan
    walkway[-200:] = np.nan  # seen in 5 of 12 s
    c = gaitcore.trial_cadence(gaitcore.Trial(markers={"SACR": walkway}, marker_rate=rate))
    assert abs(c.steps_per_min - 174.0) < 1.0
