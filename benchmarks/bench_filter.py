"""lowpass against scipy.signal.sosfiltfilt (the same filter, in sections): time ratio and peak memory.

Cases: a 10-minute, 40-marker, 200 Hz trial as (120000, 40, 3) filtered along time at 10 Hz,
and a 10-minute 1 kHz force channel (600000,) at 50 Hz.  Target: at least as fast as SciPy
with no larger memory peak.
"""
import numpy as np
import scipy.signal

import gaitcore
from _common import best_time, peak_extra_memory_mb

CASES = {
    "markers 10 min, 40 x 3 @ 200 Hz": ("(120000, 40, 3)", 200.0, 10.0),
    "force 10 min @ 1 kHz": ("(600000,)", 1000.0, 50.0),
}


def main():
    print(f"{'case':36s} {'gaitcore s':>11s} {'scipy s':>9s} {'speed-up':>9s} {'gc MiB':>8s} {'scipy MiB':>10s}")
    for name, (shape, rate, cutoff) in CASES.items():
        x = np.random.default_rng(0).standard_normal(eval(shape)).cumsum(axis=0)
        sos = scipy.signal.butter(2, cutoff / (rate / 2), output="sos")
        t_gc = best_time(lambda: gaitcore.lowpass(x, rate, cutoff), 3)
        t_sp = best_time(lambda: scipy.signal.sosfiltfilt(sos, x, axis=0), 3)
        setup = (f"import numpy as np, scipy.signal, gaitcore\n        "
                 f"x = np.random.default_rng(0).standard_normal({shape}).cumsum(axis=0)\n        "
                 f"sos = scipy.signal.butter(2, {cutoff / (rate / 2)!r}, output='sos')")
        m_gc = peak_extra_memory_mb(setup, f"y = gaitcore.lowpass(x, {rate}, {cutoff})")
        m_sp = peak_extra_memory_mb(setup, "y = scipy.signal.sosfiltfilt(sos, x, axis=0)")
        print(f"{name:36s} {t_gc:11.4f} {t_sp:9.4f} {t_sp / t_gc:8.2f}x {m_gc:8.1f} {m_sp:10.1f}")


if __name__ == "__main__":
    main()
