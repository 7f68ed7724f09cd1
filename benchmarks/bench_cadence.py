"""Benchmark: gaitcore.cadence / cadence_track against the SciPy reference (not a test).

Reference = scipy.signal.welch (Hann, 50% overlap, same nfft, linear detrend, density)
followed by the same peak search, log-parabolic refinement and harmonic check in NumPy;
for the track, welch runs vectorised over chunks of windows (a strided view, one segment
per window).  Accuracy is printed next to the timings (equal accuracy is part of the
target).  Run: `make bench` or `.venv/bin/python benchmarks/bench_cadence.py`.
"""
from __future__ import annotations


import numpy as np
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view

import gaitcore
from _common import best_time

BAND = (1.0, 5.0)



def signal(step_hz, rate, duration_s, step_hz_end=None, seed=0):
    """Synthetic vGRF of both feet (half-sine contacts), 20% asymmetry, noise and drift."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(duration_s * rate))) / rate
    f_end = step_hz if step_hz_end is None else step_hz_end
    f_inst = step_hz + (f_end - step_hz) * t / duration_s
    phase = np.cumsum(f_inst) / rate
    x = np.zeros_like(t)
    for side, gain in ((0, 1.2), (1, 0.8)):
        sp = ((phase - side) / 2.0) % 1.0
        x += gain * np.where(sp < 0.35, np.sin(np.pi * sp / 0.35), 0.0)
    x += 0.05 * rng.standard_normal(t.size) + 0.2 * t / duration_s
    return x, f_inst, t


def _nfft(nperseg):
    return 1 << int(np.ceil(np.log2(4 * nperseg)))


def _refine(p, df, kind="auto"):
    def peak(lo, hi):
        k0, k1 = max(int(np.ceil(lo / df - 0.5)), 1), min(int(np.floor(hi / df + 0.5)), len(p) - 2)
        seg = p[k0 - 1:k1 + 2]
        is_max = (seg[1:-1] >= seg[:-2]) & (seg[1:-1] >= seg[2:]) & (seg[1:-1] > 0)
        if not is_max.any():
            return np.nan, 0
        k = k0 + int(np.argmax(np.where(is_max, seg[1:-1], -np.inf)))
        a, b, c = np.log(p[k - 1:k + 2])
        d = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c < 0 else 0.0
        return (k + d) * df, k

    f1, k1 = peak(*BAND)
    if kind == "auto" and f1 < 2.0:
        f2, k2 = peak(2 * f1 * 0.95, 2 * f1 * 1.05)
        if not np.isnan(f2) and p[k2] >= 0.3 * p[k1]:
            return f2
    return 2 * f1 if kind == "stride" else f1


def scipy_cadence(x, rate, window_s=8.0):
    nperseg = min(int(round(window_s * rate)), len(x))
    f, p = scipy.signal.welch(x, fs=rate, window="hann", nperseg=nperseg, noverlap=nperseg // 2,
                              nfft=_nfft(nperseg), detrend="linear")
    return 60 * _refine(p, f[1])


def scipy_track(x, rate, window_s=8.0, hop_s=1.0, chunk=128):
    nperseg, hop = int(round(window_s * rate)), int(round(hop_s * rate))
    windows = sliding_window_view(x, nperseg)[::hop]
    out = np.empty(len(windows))
    for s in range(0, len(windows), chunk):
        f, p = scipy.signal.welch(windows[s:s + chunk], fs=rate, window="hann", nperseg=nperseg,
                                  noverlap=0, nfft=_nfft(nperseg), detrend="linear", axis=-1)
        for i, row in enumerate(p):
            out[s + i] = 60 * _refine(row, f[1])
    return (nperseg / 2 + hop * np.arange(len(windows))) / rate, out


def main():
    print("gaitcore.cadence vs scipy.signal.welch + NumPy refinement")
    rate = 1000.0
    x, _, _ = signal(2.9, rate, 60.0)
    ours = gaitcore.cadence(x, rate).steps_per_min
    ref = scipy_cadence(x, rate)
    t_ours, t_ref = best_time(lambda: gaitcore.cadence(x, rate)), best_time(lambda: scipy_cadence(x, rate))
    print(f"  60 s at 1 kHz: gaitcore {t_ours * 1e3:7.2f} ms, SciPy {t_ref * 1e3:7.2f} ms, "
          f"ratio {t_ref / t_ours:5.2f}x; error {ours - 174:+.4f} vs {ref - 174:+.4f} steps/min")

    for rate in (100.0, 1000.0):
        w, _, _ = signal(2.9, rate, 8.0)
        n_calls = 200 if rate == 100.0 else 50
        t_ours = best_time(lambda: [gaitcore.cadence(w, rate) for _ in range(n_calls)], 3) / n_calls
        t_ref = best_time(lambda: [scipy_cadence(w, rate) for _ in range(n_calls)], 3) / n_calls
        print(f"  one 8-s window at {rate:g} Hz: gaitcore {t_ours * 1e6:8.1f} us/call, "
              f"SciPy {t_ref * 1e6:8.1f} us/call, ratio {t_ref / t_ours:5.2f}x")

    print("gaitcore.cadence_track (8-s windows, 1-s hop) over one hour, speed ramp 2.5 -> 3.3 Hz")
    for rate in (100.0, 1000.0):
        x, f_inst, t = signal(2.5, rate, 3600.0, step_hz_end=3.3)
        track = gaitcore.cadence_track(x, rate)
        t_ref_s, ref = scipy_track(x, rate)
        truth = 60 * np.interp(track.time_s, t, f_inst)
        repeat = 3 if rate == 100.0 else 1
        t_ours = best_time(lambda: gaitcore.cadence_track(x, rate), repeat)
        t_ref = best_time(lambda: scipy_track(x, rate), repeat)
        print(f"  1 h at {rate:g} Hz ({len(track)} windows): gaitcore {t_ours:6.3f} s "
              f"({t_ours / len(track) * 1e6:6.1f} us/window), SciPy {t_ref:6.3f} s, ratio {t_ref / t_ours:5.2f}x; "
              f"max error {np.max(np.abs(track.steps_per_min - truth)):.3f} vs "
              f"{np.max(np.abs(ref - truth)):.3f} steps/min; max |ours - SciPy| "
              f"{np.max(np.abs(track.steps_per_min.to_numpy() - ref)):.2e}")


if __name__ == "__main__":
    main()
