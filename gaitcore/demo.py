"""``gaitcore demo``: the main job on the bundled datasets (what ``make demo`` runs)."""
from __future__ import annotations

from pathlib import Path

from . import datasets
from .io import read_trial

TRIAL_SUFFIXES = (".c3d", ".trc")


def _bundled_trials() -> list[tuple[Path, Path | None]]:
    """(trial, grf) pairs: every C3D, and the Rajagopal running TRC with its forces."""
    pairs = []
    for name in datasets.list():
        if name.lower().endswith(".c3d"):
            pairs.append((datasets.path(name), None))
    pairs.append((datasets.path("Rajagopal_motion_capture_run.trc"), datasets.path("Rajagopal_grf_run.mot")))
    return pairs


def run_demo(out: Path) -> int:
    print(f"gaitcore demo on the bundled datasets in {datasets.data_dir()}")
    for path, grf in _bundled_trials():
        trial = read_trial(path, grf=grf)
        print(trial.summary())
    return 0
