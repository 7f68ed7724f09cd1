"""Write trials as OpenSim text files (.trc markers, .mot ground reaction forces).

The inverse of :func:`gaitcore.read_trc` / :func:`gaitcore.read_mot`: gaitcore's z-up,
millimetre lab frame goes back to OpenSim's y-up frame (x, y, z)_osim = (x, z_lab, -y_lab);
markers stay in mm, COP and torques are written in metres and N m as OpenSim expects.
Used to hand simulated or edited trials to other tools, and by the cohort tests.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._errors import InputError, InputTypeError
from . import _atomic
from .trial import Trial


def _zup_to_yup(xyz: np.ndarray) -> np.ndarray:
    return np.stack([xyz[..., 0], xyz[..., 2], -xyz[..., 1]], axis=-1)


def _check_trial(trial) -> None:
    if not isinstance(trial, Trial):
        raise InputTypeError(f"trial must be a gaitcore.Trial, got {type(trial).__name__}")
    trial.validate()


def _fmt(values: np.ndarray) -> list[str]:
    return ["" if not np.isfinite(v) else f"{v:.6f}" for v in values]


def write_trc(trial: Trial, path) -> Path:
    """Write the trial's markers as a tab-separated ``.trc`` (mm, y up); NaN -> empty cell.

    Example
    -------
    >>> import gaitcore, tempfile, os
    >>> t = gaitcore.read_trial(gaitcore.datasets.path("Rajagopal_motion_capture_run.trc"))
    >>> p = gaitcore.write_trc(t, os.path.join(tempfile.mkdtemp(), "copy.trc"))
    >>> bool(abs(gaitcore.read_trc(p).markers["LASI"] - t.markers["LASI"]).max() < 1e-5)
    True
    """
    _check_trial(trial)
    if not trial.markers:
        raise InputError("trial has no markers to write")
    names = list(trial.markers)
    n = trial.n_frames
    rate = trial.marker_rate
    t0 = float(trial.metadata.get("first_time_s", 0.0))
    xyz = _zup_to_yup(np.stack([trial.markers[k] for k in names], axis=1))  # (n, m, 3)
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{Path(path).name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{rate:g}\t{rate:g}\t{n}\t{len(names)}\tmm\t{rate:g}\t1\t{n}",
        "Frame#\tTime\t" + "\t".join(f"{nm}\t\t" for nm in names),
        "\t\t" + "\t".join(f"X{j}\tY{j}\tZ{j}" for j in range(1, len(names) + 1)),
        "",
    ]
    for i in range(n):
        row = [str(i + 1), f"{t0 + i / rate:.6f}"] + _fmt(xyz[i].ravel())
        lines.append("\t".join(row))
    _atomic.write_text(path, "\n".join(lines) + "\n")
    return Path(path)


def write_mot(trial: Trial, path) -> Path:
    """Write the trial's force plates as an OpenSim GRF ``.mot`` (one force set per plate).

    Plates must share one rate and length.  Set names come from ``plate.side`` ("R" ->
    ``R_ground_``) or else ``plate.name``.  Unloaded COP (NaN) is written as 0, as OpenSim
    files do.
    """
    _check_trial(trial)
    if not trial.plates:
        raise InputError("trial has no force plates to write")
    rate, m = trial.plates[0].rate, trial.plates[0].force.shape[0]
    if any(p.rate != rate or p.force.shape[0] != m for p in trial.plates):
        raise InputError("all plates must share one rate and length to be written to one .mot")
    t0 = float(trial.metadata.get("first_time_s", 0.0))
    columns, data = ["time"], [t0 + np.arange(m) / rate]
    for k, plate in enumerate(trial.plates):
        prefix = f"{plate.side}_ground_" if plate.side else f"{plate.name or k + 1}_"
        cop = np.nan_to_num(_zup_to_yup(plate.cop) / 1000.0)
        torque = np.zeros((m, 3))
        torque[:, 1] = np.nan_to_num(plate.free_moment) / 1000.0
        for stem, arr in (("force_v", _zup_to_yup(plate.force)), ("force_p", cop), ("torque_", torque)):
            for j, ax in enumerate("xyz"):
                columns.append(f"{prefix}{stem}{ax}")
                data.append(arr[:, j])
    table = np.column_stack(data)
    header = [f"name {Path(path).name}", f"datacolumns {len(columns)}", f"datarows {m}",
              f"range {table[0, 0]:.6f} {table[-1, 0]:.6f}", "endheader", "\t".join(columns)]
    body = ["\t".join(f"{v:.6f}" for v in row) for row in table]
    _atomic.write_text(path, "\n".join(header + body) + "\n")
    return Path(path)


# ---- tables for spreadsheets --------------------------------------------------------

#: A text cell starting with one of these is run as a formula by Excel, LibreOffice and
#: Google Sheets ("CSV injection", OWASP); written with a leading apostrophe instead.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """``value`` with a leading apostrophe if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unescape_formula(value):
    """The inverse of :func:`escape_formula` (for tables read back from our own CSV files)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def write_csv(table, path) -> Path:
    """Write a DataFrame as CSV atomically (no index: ``reset_index()`` first to keep one), its
    text cells and column names escaped with :func:`escape_formula` (numbers are left alone:
    ``-1.5`` stays a number; a manifest's covariate column may be named by anyone).
    :func:`gaitcore.cohort.read_factor_table` unescapes.  Parquet files keep the raw text."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    text_columns = [c for c in table.columns if is_object_dtype(table[c]) or is_string_dtype(table[c])]
    safe = table.copy(deep=False)
    for col in text_columns:
        safe[col] = [escape_formula(v) for v in table[col]]
    safe.columns = [escape_formula(c) for c in table.columns]
    with _atomic.atomic_path(path) as tmp:
        safe.to_csv(tmp, index=False)
    return Path(path)
