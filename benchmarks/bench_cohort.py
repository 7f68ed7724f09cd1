"""Cohort throughput and single-trial speed (workers are started and warmed before timing).

1. Trials per second on a simulated cohort (TRC + MOT files, analysis including file reading)
   with 1 and 2 local worker processes and on a Dask LocalCluster with 2 workers; target
   >= 1.7x from 1 to 2 workers.  Peak resident memory of each worker process.
2. The full analysis of a 60-s treadmill trial (1 kHz force, 200 Hz markers; built by
   repeating whole strides of the Rajagopal running trial), file reading excluded, against
   real time; target >= 1000x faster than real time.
"""
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

import gaitcore
from gaitcore import datasets
from _common import best_time

N_TRIALS = 40


def _worker_peak_mb(_):
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cohort_throughput():
    folder = Path(tempfile.mkdtemp())
    datasets.simulate_cohort(folder, n_per_group=N_TRIALS // 2, seed=0)
    manifest = folder / "manifest.csv"
    rates, peaks = {}, []
    for workers in (1, 2):
        with ProcessPoolExecutor(workers) as ex:
            gaitcore.analyze_cohort(manifest, executor=ex, progress=False)  # start and warm the workers
            t0 = time.perf_counter()
            gaitcore.analyze_cohort(manifest, executor=ex, progress=False)
            rates[f"{workers} worker(s)"] = N_TRIALS / (time.perf_counter() - t0)
            peaks = list(ex.map(_worker_peak_mb, range(workers)))
    try:
        from distributed import Client, LocalCluster
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            gaitcore.analyze_cohort(manifest, dask=client, progress=False)  # warm the workers
            t0 = time.perf_counter()
            gaitcore.analyze_cohort(manifest, dask=client, progress=False)
            rates["Dask LocalCluster, 2 workers"] = N_TRIALS / (time.perf_counter() - t0)
    except ImportError:
        print("distributed not installed: Dask case skipped")
    print(f"cohort of {N_TRIALS} simulated trials (reading included):")
    for label, rate in rates.items():
        print(f"  {label:32s} {rate:7.2f} trials/s")
    print(f"  speed-up 1 -> 2 workers: {rates['2 worker(s)'] / rates['1 worker(s)']:.2f}x (target >= 1.7x)")
    print(f"  peak memory per worker: {max(peaks):.0f} MiB")


def long_treadmill_trial(seconds=60.0, marker_rate=200.0):
    """Whole strides of the Rajagopal trial repeated to `seconds`, markers resampled to 200 Hz."""
    base = gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
                               grf=datasets.path("Rajagopal_grf_run.mot"))
    ev = gaitcore.detect_events(base, method="force")
    ics = ev[(ev.side == "R") & (ev.event == "IC")].time_s.to_numpy()
    t0, t1 = ics[0], ics[-1]                       # a whole number of strides
    period = t1 - t0
    def tile(arr, rate, out_rate):
        t_out = np.arange(int(seconds * out_rate)) / out_rate
        t_src = t0 + np.mod(t_out, period)
        t_in = np.arange(arr.shape[0]) / rate
        flat = arr.reshape(arr.shape[0], -1)
        res = np.column_stack([np.interp(t_src, t_in, flat[:, j]) for j in range(flat.shape[1])])
        return res.reshape((len(t_out),) + arr.shape[1:])
    markers = {k: tile(v, base.marker_rate, marker_rate) for k, v in base.markers.items()}
    plates = [replace(p, force=tile(p.force, p.rate, p.rate), cop=tile(p.cop, p.rate, p.rate),
                      free_moment=tile(p.free_moment, p.rate, p.rate)) for p in base.plates]
    return replace(base, markers=markers, marker_rate=marker_rate, plates=plates)


def single_trial_speed():
    trial = long_treadmill_trial()
    static = gaitcore.read_trial(datasets.path("Rajagopal_static_run.trc"))
    report = gaitcore.analyze_trial(trial, static=static)
    t = best_time(lambda: gaitcore.analyze_trial(trial, static=static), 5)
    print(f"60-s treadmill trial (200 Hz markers, 1 kHz force, {int(report.factors['n_stances'])} stances):")
    print(f"  analyze_trial {1000 * t:.1f} ms = {60.0 / t:.0f}x faster than real time (target >= 1000x)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    single_trial_speed()
    cohort_throughput()
