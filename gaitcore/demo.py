"""``gaitcore demo``: the main job on the bundled datasets (what ``make demo`` runs).

1. Describes every bundled recording (markers, plates, rates, stored events).
2. Analyses each running/walking trial: events, cadence, angles, back-pain factors; writes
   ``factors.csv``, per-trial events and stances, and figures (``*.png``) to the output folder.
3. Runs a small SIMULATED two-group cohort (the Rajagopal runner with planted differences)
   through ``analyze_cohort`` and the group comparisons.
"""
from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd

from . import datasets
from .analysis import analyze_trial
from .cohort import analyze_cohort, compare_curves, compare_groups
from .io import read_trial
from .writers import write_csv

RAJAGOPAL = "Rajagopal_motion_capture_run.trc"
SHOWN_FACTORS = ["cadence_steps_per_min", "contact_time_ms", "duty_factor", "overstride_mm",
                 "pelvic_drop_deg_L", "pelvic_drop_deg_R", "trunk_lean_deg",
                 "peak_hip_extension_deg_L", "peak_hip_extension_deg_R", "valr_bw_per_s"]


def _bundled_trials() -> dict[str, dict]:
    """name -> read/analysis options for every bundled trial (the Rajagopal trial with its
    forces and static trial)."""
    trials: dict[str, dict] = {n: {} for n in datasets.list() if n.lower().endswith(".c3d") and "static" not in n}
    for name in trials:  # a run recorded with its static trial ("<id>_run.c3d" beside "<id>_static.c3d")
        if name.endswith("_run.c3d") and name.replace("_run.", "_static.") in datasets.list():
            trials[name] = {"static": datasets.path(name.replace("_run.", "_static."))}
    trials[RAJAGOPAL] = {"grf": datasets.path("Rajagopal_grf_run.mot"),
                         "static": datasets.path("Rajagopal_static_run.trc")}
    return trials


def _describe(trials) -> None:
    for name, opts in trials.items():
        print(read_trial(datasets.path(name), grf=opts.get("grf")).summary())
        print()


def _analyse(trials, out: Path) -> pd.DataFrame:
    rows = {}
    for name, opts in trials.items():
        report = analyze_trial(datasets.path(name), **opts)
        stem = Path(name).stem
        write_csv(report.events, out / f"{stem}_events.csv")
        write_csv(report.stances, out / f"{stem}_stances.csv")
        rows[name] = report.factors
        _trial_figures(report, datasets.path(name), opts, out)
    table = pd.DataFrame(rows).T
    table.index.name = "trial"
    write_csv(table.reset_index(), out / "factors.csv")
    return table


def _trial_figures(report, path, opts, out: Path) -> None:
    from . import plot

    plot.save_trial_figures(report, out, read_trial(path, grf=opts.get("grf")), prefix=path.stem + "_")


def _cohort_figures(groups: pd.DataFrame, curves: pd.DataFrame, out: Path) -> None:
    from . import plot

    plt = plot._plt()
    ax = plot.forest(groups[groups.metric.isin(SHOWN_FACTORS)], title="SIMULATED cohort: back pain \u2212 control")
    plot.save_figure(ax.figure, out / "cohort_forest")
    plt.close(ax.figure)
    key = ("L_hip_flexion", "back_pain")
    if key in curves.attrs["spm"]:
        ax = plot.spm(curves.attrs["spm"][key], xlabel="stride (%)",
                      title="SIMULATED cohort: left hip flexion, back pain vs control")
        plot.save_figure(ax.figure, out / "cohort_spm_L_hip_flexion")
        plt.close(ax.figure)


def _cohort(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        manifest = datasets.simulate_cohort(Path(tmp) / "cohort", n_per_group=6, seed=1)
        print(f"SIMULATED cohort: {len(manifest)} runners, groups {sorted(set(manifest.group))}")
        table = analyze_cohort(Path(tmp) / "cohort" / "manifest.csv", out=out / "cohort", progress=False)
        groups = compare_groups(table, by="group")
        write_csv(groups, out / "cohort" / "compare_group.csv")
        curves = compare_curves(out / "cohort", by="group")
        write_csv(curves, out / "cohort" / "compare_curves.csv")
    _cohort_figures(groups, curves, out)
    shown = groups[groups.metric.isin(SHOWN_FACTORS)][["metric", "mean_reference", "mean", "diff", "unit", "p",
                                                       "p_holm", "hedges_g"]]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    significant = curves[curves.get("significant", False) == True]  # noqa: E712 - NaN-safe
    print(f"SPM curve tests: {len(significant)} of {len(curves)} curves differ (alpha 0.05): "
          + ", ".join(significant.curve))


def run_demo(out: Path) -> int:
    from .plot import require_matplotlib

    require_matplotlib().use("Agg")  # files only, no window; a one-line message without matplotlib
    out.mkdir(parents=True, exist_ok=True)
    trials = _bundled_trials()
    print(f"gaitcore demo on the bundled datasets in {datasets.data_dir()}\n")
    _describe(trials)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = _analyse(trials, out)
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(table[SHOWN_FACTORS].astype(float).round(1).to_string())
        print()
        _cohort(out)
    print(f"\ntables and figures written to {out}/")
    return 0
