"""Benchmark: gaitcore SPM{t} vs spm1d, normalize_cycles vs a NumPy np.interp loop.

Prints the median time of each and the ratio (peer / gaitcore).  Targets (issue 6):
spm_ttest2(...).inference() >= 20x faster than spm1d.stats.ttest2(..., equal_var=True)
.inference(); normalize_cycles >= 5x faster than a loop of np.interp.  Not a test.
"""
from __future__ import annotations

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


if __name__ == "__main__":
    bench_spm()
    bench_normalize()
