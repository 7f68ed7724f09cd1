"""Benchmark: contact detection on 10 minutes of 1 kHz two-belt treadmill force.

Compares gaitcore.detect_contacts (C core, one pass) with

- a vectorised NumPy implementation of the same rule (hysteresis by forward-filling the
  last deciding sample, linear-interpolated crossings, short flights joined and short
  contacts dropped with array operations), checked to give the same contacts;
- kineticstoolkit's ``cycles.detect_cycles`` (dual threshold; needs
  ``pip install kineticstoolkit``; skipped with a message when it is missing), run on
  one minute of data and reported per sample because it is slow;
- ``numpy.max`` of the same array: one read-only pass, the memory-bandwidth floor of any
  detector that must look at every sample (``numpy.copy`` also writes, so it is no floor).

Prints samples/s and ratios.  Targets (issue 3): >= 5x the NumPy version, >= 100x
kineticstoolkit; the ratio to the read-only pass says how far from the floor it runs.
Not a test: timings depend on the machine.
"""
from __future__ import annotations

import os
import time

import numpy as np

import gaitcore

RATE = 1000.0
ON, OFF, MIN_CONTACT, MIN_FLIGHT = 50.0, 20.0, 0.1, 0.02


def treadmill_belts(minutes=10.0, seed=0):
    """Two belts of running force: half-sine contacts alternating between the belts,
    noise 3 N and a slow drift of a few newtons."""
    rng = np.random.default_rng(seed)
    n = int(minutes * 60 * RATE)
    t = np.arange(n) / RATE
    belts = [np.zeros(n), np.zeros(n)]
    start, k = 0.05, 0
    while start < t[-1] - 0.5:
        tc, peak = rng.uniform(0.22, 0.28), rng.uniform(1400, 2000)
        i0, i1 = int(np.ceil(start * RATE)), int(np.floor((start + tc) * RATE))
        belts[k % 2][i0:i1 + 1] = peak * np.sin(np.pi * (t[i0:i1 + 1] - start) / tc)
        start += tc + rng.uniform(0.08, 0.12)
        k += 1
    return [b + rng.normal(0, 3.0, n) + 2.0 * np.sin(2 * np.pi * 0.01 * t) for b in belts]


def numpy_contacts(fz, rate, on, off, min_contact_s, min_flight_s):
    """The same rule as the C core, vectorised with NumPy (NaN-free input)."""
    n = fz.size
    above, below = fz >= on, fz < off
    last = np.where(above | below, np.arange(n), -1)
    np.maximum.accumulate(last, out=last)
    state = above[np.maximum(last, 0)] & (last >= 0)
    edges = np.diff(state.view(np.int8))
    rises = np.flatnonzero(edges == 1) + 1
    falls = np.flatnonzero(edges == -1) + 1
    on_s = (rises - 1 + (on - fz[rises - 1]) / (fz[rises] - fz[rises - 1])) / rate
    off_s = (falls - 1 + (fz[falls - 1] - off) / (fz[falls - 1] - fz[falls])) / rate
    if state[0]:
        on_s = np.r_[np.nan, on_s]
    if state[-1]:
        off_s = np.r_[off_s, np.nan]
    # join contacts across flights shorter than min_flight_s
    flight = on_s[1:] - off_s[:-1]
    new = np.r_[True, ~(flight < min_flight_s)]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:] - 1, on_s.size - 1]
    on_s, off_s = on_s[starts], off_s[ends]
    keep = ~((off_s - on_s) < min_contact_s)
    return on_s[keep], off_s[keep]


def best_of(fn, repeat=5):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    belts = treadmill_belts()
    n_total = sum(b.size for b in belts)
    print(f"10 min at 1 kHz, two belts: {n_total:,} samples")

    got = [gaitcore.detect_contacts(b, RATE, ON, OFF, MIN_CONTACT, MIN_FLIGHT) for b in belts]
    for b, g in zip(belts, got):
        on_s, off_s = numpy_contacts(b, RATE, ON, OFF, MIN_CONTACT, MIN_FLIGHT)
        assert len(on_s) == len(g) and np.allclose(on_s, g.on_s, equal_nan=True, atol=1e-12)
        assert np.allclose(off_s, g.off_s, equal_nan=True, atol=1e-12)
    print(f"contacts per belt: {[len(g) for g in got]} (C core and NumPy agree to 1e-12 s)")

    t_gc = best_of(lambda: [gaitcore.detect_contacts(b, RATE, ON, OFF, MIN_CONTACT, MIN_FLIGHT) for b in belts])
    t_core = best_of(lambda: [gaitcore._core.detect_contacts(b, RATE, ON, OFF, MIN_CONTACT, MIN_FLIGHT)
                              for b in belts])
    t_np = best_of(lambda: [numpy_contacts(b, RATE, ON, OFF, MIN_CONTACT, MIN_FLIGHT) for b in belts])
    t_read = best_of(lambda: [np.max(b) for b in belts], repeat=20)

    def line(name, t):
        print(f"  {name:<44s} {1000 * t:9.2f} ms  {n_total / t / 1e6:9.1f} M samples/s")

    line("gaitcore.detect_contacts (DataFrame out)", t_gc)
    line("gaitcore._core.detect_contacts (arrays out)", t_core)
    line("NumPy vectorised, same rule", t_np)
    line("numpy.max (one read-only pass)", t_read)
    print(f"  ratio NumPy / gaitcore:         {t_np / t_gc:7.1f}x   (target >= 5x; core only {t_np / t_core:.1f}x)")
    print(f"  ratio gaitcore / numpy.max:     {t_gc / t_read:7.2f}x   (read-only floor; core only {t_core / t_read:.2f}x)")

    os.environ.setdefault("TQDM_DISABLE", "1")  # kineticstoolkit's progress bars
    try:
        import kineticstoolkit as ktk
    except ImportError:
        print("  kineticstoolkit: not installed, skipped (pip install kineticstoolkit)")
        return
    minute = int(60 * RATE)
    chunk = belts[0][:minute]
    ts = ktk.TimeSeries(time=np.arange(minute) / RATE, data={"Fz": chunk})

    def run_ktk():
        return ktk.cycles.detect_cycles(ts, "Fz", event_names=("IC", "TO"), thresholds=(ON, OFF),
                                        directions=("rising", "falling"),
                                        min_durations=(MIN_CONTACT, MIN_FLIGHT))
    t0 = time.perf_counter()
    out = run_ktk()
    t_ktk = time.perf_counter() - t0
    n_ktk = sum(e.name == "IC" for e in out.events)
    n_gc = len(gaitcore.detect_contacts(chunk, RATE, ON, OFF, MIN_CONTACT, MIN_FLIGHT))
    t_gc1 = best_of(lambda: gaitcore.detect_contacts(chunk, RATE, ON, OFF, MIN_CONTACT, MIN_FLIGHT))
    print(f"  kineticstoolkit detect_cycles, 1 min of one belt: {1000 * t_ktk:.1f} ms, "
          f"{minute / t_ktk / 1e6:.3f} M samples/s ({n_ktk} cycles; gaitcore {n_gc} contacts)")
    print(f"  ratio kineticstoolkit / gaitcore (same minute): {t_ktk / t_gc1:7.0f}x   (target >= 100x)")


if __name__ == "__main__":
    main()
