"""Reading speed: C3D, TRC and MOT files, against the readers a user would otherwise use.

1. C3D, MB/s of file read into arrays: gaitcore.read_c3d vs ezc3d (C++) vs the pure-Python
   `c3d` package, on every bundled C3D and on a generated long file (~62 MB, float storage,
   100 markers and 12 analog channels, 30,000 frames); target >= 100 MB/s on the long file.
2. TRC and MOT, MB/s: gaitcore.read_trc/read_mot vs pandas.read_csv (C engine) on the same
   table, on the Rajagopal files and on a 60-s treadmill trial written as TRC + MOT;
   target >= 50 MB/s.
3. The share of reading in analyze_trial from files on that 60-s treadmill trial (target:
   reading no more than half of the whole).
"""
from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))  # the C3D writer of the reader tests

import gaitcore  # noqa: E402
from _common import best_time  # noqa: E402
from gaitcore import datasets  # noqa: E402

DATA = HERE.parent / "datasets"


def _mb(path: Path) -> float:
    return path.stat().st_size / 1e6


def _read_c3d_package(path: Path):
    import c3d

    with open(path, "rb") as fh, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = c3d.Reader(fh)
        for _ in reader.read_frames(copy=False):
            pass


def _readers():
    out = {"gaitcore": lambda p: gaitcore.read_c3d(p)}
    try:
        import ezc3d

        out["ezc3d"] = lambda p: ezc3d.c3d(str(p))
    except ImportError:
        print("ezc3d not installed: its column is skipped")
    try:
        import c3d  # noqa: F401

        out["c3d pkg"] = _read_c3d_package
    except ImportError:
        print("c3d not installed: its column is skipped")
    return out


def long_c3d(folder: Path) -> Path:
    from c3d_writer import write_c3d

    n, n_points, n_analog, k = 30_000, 100, 12, 10
    rng = np.random.default_rng(0)
    t = np.arange(n)[:, None, None] / 200.0
    points = 1000.0 * np.sin(2 * np.pi * 1.4 * t + rng.uniform(0, 6, size=(1, n_points, 3)))
    analog = rng.normal(size=(n * k, n_analog))
    return write_c3d(folder / "long.c3d", points, 200.0, analog=analog, analog_per_frame=k)


def _rate(fn, path: Path) -> float:
    """MB/s of fn(path), or -1 when that reader refuses the file."""
    try:
        return _mb(path) / best_time(lambda: fn(path), 3 if _mb(path) > 10 else 5)
    except Exception:  # noqa: BLE001 - a peer failing on a file is a result, not an error
        return -1.0


def c3d_speed(folder: Path) -> None:
    readers = _readers()
    files = sorted(DATA.rglob("*.c3d")) + [long_c3d(folder)]
    print("C3D reading, MB/s (best of 3; file size in MB):")
    print(f"  {'file':42s} {'MB':>6s} " + " ".join(f"{name:>9s}" for name in readers) + "   gaitcore/ezc3d")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            rates = {name: _rate(fn, path) for name, fn in readers.items()}
            ratio = f"{rates['gaitcore'] / rates['ezc3d']:6.1f}x" if rates.get("ezc3d", np.nan) > 0 else ""
            label = str(path.relative_to(DATA)) if DATA in path.parents else f"generated {path.name}"
            print(f"  {label:42s} {_mb(path):6.2f} " + " ".join(f"{r:9.1f}" if r > 0 else f"{'fails':>9s}"
                                                               for r in rates.values()) + f"   {ratio}")
    print("  target: >= 100 MB/s on the generated long file")


def _pandas_table(path: Path, skip: int, sep: str) -> None:
    pd.read_csv(path, sep=sep, skiprows=skip, header=None, engine="c")


def text_speed(trc: Path, mot: Path, label: str) -> None:
    trc_skip = 6 if not trc.read_text().splitlines()[5].strip() else 5
    mot_lines = mot.read_text().splitlines()
    mot_skip = next(i for i, line in enumerate(mot_lines) if line.strip().lower() == "endheader") + 2
    for name, path, ours, theirs in (
            ("TRC", trc, lambda: gaitcore.read_trc(trc), lambda: _pandas_table(trc, trc_skip, "\t")),
            ("MOT", mot, lambda: gaitcore.read_mot(mot), lambda: _pandas_table(mot, mot_skip, "\t"))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r_ours, r_pd = _mb(path) / best_time(ours, 5), _mb(path) / best_time(theirs, 5)
        print(f"  {label} {name} ({_mb(path):.1f} MB): gaitcore {r_ours:6.1f} MB/s, pandas C engine "
              f"{r_pd:6.1f} MB/s ({r_ours / r_pd:.2f}x)")


def treadmill_files(folder: Path) -> tuple[Path, Path]:
    from bench_cohort import long_treadmill_trial

    trial = long_treadmill_trial()
    trc, mot = folder / "treadmill60.trc", folder / "treadmill60_grf.mot"
    gaitcore.write_trc(trial, trc)
    gaitcore.write_mot(trial, mot)
    return trc, mot


def reading_share(trc: Path, mot: Path) -> None:
    static = datasets.path("Rajagopal_static_run.trc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read = best_time(lambda: (gaitcore.read_trial(trc, grf=mot), gaitcore.read_trial(static)), 3)
        whole = best_time(lambda: gaitcore.analyze_trial(trc, grf=mot, static=static), 3)
    print(f"  analyze_trial from files, 60-s treadmill trial: {1000 * whole:.0f} ms, of which reading "
          f"{1000 * read:.0f} ms ({100 * read / whole:.0f} %; target <= 50 %)")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        c3d_speed(folder)
        print("TRC/MOT reading:")
        text_speed(datasets.path("Rajagopal_motion_capture_run.trc"), datasets.path("Rajagopal_grf_run.mot"),
                   "Rajagopal")
        trc, mot = treadmill_files(folder)
        text_speed(trc, mot, "60-s treadmill")
        reading_share(trc, mot)
