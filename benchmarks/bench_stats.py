"""Benchmark: gaitcore SPM{t} and the GLM designs vs spm1d, permutation inference vs
spm1d.stats.nonparam, ANCOVA vs a statsmodels OLS loop, normalize_cycles vs a NumPy np.interp loop.

Prints the best time of each and the ratio (peer / gaitcore).  Targets: spm_ttest2(...).inference()
>= 20x faster than spm1d.stats.ttest2(..., equal_var=True).inference() (issue 6); 10,000
permutations of a 2 x 20, 101-node two-sample test >= 50x faster than
spm1d.stats.nonparam.ttest2(...).inference(iterations=10000) (issue 15); normalize_cycles >= 5x
faster than a loop of np.interp.  Not a test.
"""
from __future__ import annotations

import os
import timeit

import numpy as np

import gaitcore


def best(fn, repeat=7):
    number = max(1, int(0.2 / max(timeit.timeit(fn, number=1), 1e-7)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def smooth_curves(rng, j, q, width):
    kernel = np.exp(-0.5 * (np.arange(-4 * width, 4 * width + 1) / width) ** 2)
    raw = rng.standard_normal((j, q + 8 * width))
    return np.array([np.convolve(r, kernel, "valid") for r in raw])[:, :q]


def bench_spm():
    import spm1d

    rng = np.random.default_rng(0)
    for j, q in ((20, 101), (200, 1001)):
        ya = smooth_curves(rng, j, q, max(2, q // 40)) + 0.5
        yb = smooth_curves(rng, j, q, max(2, q // 40))
        ours = best(lambda: gaitcore.spm_ttest2(ya, yb).inference(0.05))
        ref = best(lambda: spm1d.stats.ttest2(ya, yb, equal_var=True).inference(0.05, two_tailed=True),
                   repeat=3)
        print(f"spm_ttest2 J=2x{j:<4d} Q={q:<5d} gaitcore {ours * 1e3:8.3f} ms   spm1d {ref * 1e3:9.3f} ms"
              f"   ratio {ref / ours:7.1f}x  (target >= 20x)")


def bench_normalize():
    rng = np.random.default_rng(1)
    rate, n_s = 200.0, 120.0
    n = int(rate * n_s)
    x = rng.standard_normal((n, 12)).cumsum(axis=0)          # 12 channels (4 joints x 3 angles)
    starts = np.arange(0.3, n_s - 1.5, 0.72) + rng.uniform(0, 0.01, 1)
    ends = starts + 0.72
    k = np.arange(n)

    def numpy_loop():
        out = np.empty((starts.size, 101, x.shape[1]))
        for c, (s, e) in enumerate(zip(starts, ends)):
            pos = (s + np.linspace(0, 1, 101) * (e - s)) * rate
            for ch in range(x.shape[1]):
                out[c, :, ch] = np.interp(pos, k, x[:, ch])
        return out

    ours = best(lambda: gaitcore.normalize_cycles(x, rate, starts, ends))
    ref = best(numpy_loop)
    err = np.abs(gaitcore.normalize_cycles(x, rate, starts, ends) - numpy_loop()).max()
    print(f"normalize_cycles {starts.size} cycles x 12 ch: gaitcore {ours * 1e3:7.3f} ms   numpy loop "
          f"{ref * 1e3:7.3f} ms   ratio {ref / ours:6.1f}x  (target >= 5x; max |diff| {err:.1e})")
    ours_c = best(lambda: gaitcore.normalize_cycles(x, rate, starts, ends, kind="cubic"))
    print(f"normalize_cycles cubic: gaitcore {ours_c * 1e3:7.3f} ms")


def bench_designs():
    """Each GLM design on spm1d's own example data, fit + RFT inference, against spm1d."""
    import warnings

    import spm1d

    warnings.simplefilter("ignore")  # spm1d's single-response warnings
    d = spm1d.data.uv1d
    y1, a1 = d.anova1.SpeedGRFcategorical().get_data()
    yr, ar, sr = d.anova1rm.SpeedGRFcategoricalRM().get_data()
    y2, a2, b2 = d.anova2.SPM1D_ANOVA2_3x5().get_data()
    yo, ao, bo, so = d.anova2onerm.SPM1D_ANOVA2ONERM_3x5().get_data()
    yw, aw, bw, sw = d.anova2rm.SPM1D_ANOVA2RM_3x5().get_data()
    yg, xg = d.regress.SpeedGRF().get_data()
    cases = [
        ("anova1", lambda: gaitcore.spm_anova1(y1, a1).inference(0.05),
         lambda: spm1d.stats.anova1(y1, a1, equal_var=True).inference(0.05)),
        ("anova1rm", lambda: gaitcore.spm_anova1rm(yr, ar, sr).inference(0.05),
         lambda: spm1d.stats.anova1rm(yr, ar, sr).inference(0.05)),
        ("anova2 3x5", lambda: [f.inference(0.05) for f in gaitcore.spm_anova2(y2, a2, b2)],
         lambda: spm1d.stats.anova2(y2, a2, b2).inference(0.05)),
        ("anova2onerm 3x5", lambda: [f.inference(0.05) for f in gaitcore.spm_anova2(yo, ao, bo, subjects=so, within="b")],
         lambda: spm1d.stats.anova2onerm(yo, ao, bo, so).inference(0.05)),
        ("anova2rm 3x5", lambda: [f.inference(0.05) for f in gaitcore.spm_anova2(yw, aw, bw, subjects=sw, within="ab")],
         lambda: spm1d.stats.anova2rm(yw, aw, bw, sw).inference(0.05)),
        ("regress", lambda: gaitcore.spm_regress(yg, xg).inference(0.05),
         lambda: spm1d.stats.regress(yg, xg).inference(0.05)),
    ]
    for name, ours_fn, ref_fn in cases:
        ours, ref = best(ours_fn), best(ref_fn, repeat=3)
        print(f"{name:<16s} gaitcore {ours * 1e3:8.3f} ms   spm1d {ref * 1e3:9.3f} ms   ratio {ref / ours:7.1f}x")


def bench_ancova():
    """ANCOVA (3 unbalanced groups + speed) per node: gaitcore vs a statsmodels OLS f_test loop."""
    import statsmodels.api as sm

    rng = np.random.default_rng(2)
    g = np.repeat([0, 1, 2], [9, 12, 7])
    speed = rng.uniform(2.5, 4.5, g.size)
    y = smooth_curves(rng, g.size, 101, 3) + speed[:, None]
    X = np.column_stack([np.ones(g.size), (g == 0) - 1.0 * (g == 2), (g == 1) - 1.0 * (g == 2), speed - speed.mean()])

    def loop():
        return [sm.OLS(y[:, q], X).fit().f_test(np.eye(4)[1:3]).fvalue for q in range(101)]

    ours = best(lambda: gaitcore.spm_ancova(y, g, speed).inference(0.05))
    ref = best(loop, repeat=3)
    print(f"ancova 3 groups  gaitcore {ours * 1e3:8.3f} ms   statsmodels loop {ref * 1e3:9.3f} ms (F only, no RFT)"
          f"   ratio {ref / ours:7.1f}x")


def bench_permutations():
    """10,000 permutations of a two-sample test, 2 x 20 curves of 101 nodes, two-tailed.

    Both sides are timed as the best of several runs (wall clock), so that a load spike on a
    shared machine inflates neither; the load average is printed with the ratio."""
    import spm1d

    rng = np.random.default_rng(3)
    ya = smooth_curves(rng, 20, 101, 3) + 0.5
    yb = smooth_curves(rng, 20, 101, 3)
    test = gaitcore.spm_ttest2(ya, yb)
    times = {}
    for threads in (1, None):
        times[threads] = best(lambda: test.inference(0.05, method="permutation", n_perm=10_000, seed=0,
                                                     n_threads=threads), repeat=7)
        label = "1 thread" if threads == 1 else "all threads"
        print(f"permutations 10,000 ({label}): gaitcore {times[threads] * 1e3:8.1f} ms")
    ours = min(times.values())
    ref_test = spm1d.stats.nonparam.ttest2(ya, yb)
    ref = best(lambda: ref_test.inference(0.05, two_tailed=True, iterations=10_000, force_iterations=True),
               repeat=3)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"permutations 10,000 two-sample 2x20 Q=101: spm1d {ref * 1e3:9.1f} ms   ratio {ref / ours:7.1f}x "
          f"(target >= 50x; {os.cpu_count()} CPUs, load average {load})")


if __name__ == "__main__":
    bench_spm()
    bench_designs()
    bench_ancova()
    bench_permutations()
    bench_normalize()
