"""OpenSim MOT/STO storage files: ground reaction forces and other columns."""
from __future__ import annotations

import io as _io
import re

import numpy as np
import pandas as pd

from .._errors import FormatError
from ..markers import rename_markers
from ..trial import ForcePlate, Trial
from ._common import LENGTH_TO_MM as _LENGTH_TO_MM, empty_events as _empty_events, existing_file as _existing_file
from ._common import yup_to_zup as _yup_to_zup
from .plates import COP_MIN_FZ_N
from .trc import _read_table


def _mot_header(path: Path, lines: list[str]) -> tuple[dict, int]:
    """Header key/values of an OpenSim storage file and the index of the column-name line."""
    for i, line in enumerate(lines):
        if line.strip().lower() == "endheader":
            header = {}
            for item in lines[:i]:
                key, _, value = item.replace("=", " ", 1).strip().partition(" ")
                header[key.lower()] = value.strip()
            if i + 1 >= len(lines):
                raise FormatError(path, "no column names after 'endheader'")
            return header, i + 1
    raise FormatError(path, "not an OpenSim .mot/.sto file (no 'endheader' line)")


def _side_of(prefix: str) -> str:
    p = prefix.strip("_").lower()
    if re.match(r"^(r|right)(_|$)", p) or re.search(r"(_r|right)$", p):
        return "R"
    if re.match(r"^(l|left)(_|$)", p) or re.search(r"(_l|left)$", p):
        return "L"
    return ""


def _mot_force_sets(columns: list[str]) -> list[str]:
    """Prefixes ``p`` with ``p + 'force_vx'`` etc. among the columns, e.g. ``'R_ground_'``."""
    lower = [c.lower() for c in columns]
    return [c[: -len("force_vx")] for c in columns if c.lower().endswith("force_vx")
            and all(f"{c[:-len('force_vx')].lower()}force_v{ax}" in lower for ax in "yz")]


def _mot_plate(data: dict, prefix: str, rate: float) -> tuple[ForcePlate, list[str]]:
    """One force set -> ForcePlate (z up, mm, N mm) and the columns it consumed."""
    def triple(stem):
        cols = [f"{prefix}{stem}{ax}".lower() for ax in "xyz"]
        return (np.column_stack([data[c] for c in cols]), cols) if all(c in data for c in cols) else (None, [])

    force, used = triple("force_v")
    cop, cop_cols = triple("force_p")
    torque, torque_cols = triple("torque_")
    n = force.shape[0]
    force = _yup_to_zup(force)
    cop = _yup_to_zup(cop) * 1000.0 if cop is not None else np.full((n, 3), np.nan)
    free = torque[:, 1] * 1000.0 if torque is not None else np.full(n, np.nan)
    unloaded = ~(force[:, 2] >= COP_MIN_FZ_N)
    cop[unloaded] = np.nan
    free = np.where(unloaded, np.nan, free)
    side = _side_of(prefix)
    name = prefix.strip("_") or "force"
    plate = ForcePlate(force=force, cop=cop, free_moment=free, rate=rate, name=name, side=side)
    return plate, used + cop_cols + torque_cols


def read_mot(path) -> Trial:
    """Read an OpenSim ``.mot``/``.sto`` file (ground reaction forces or joint angles).

    Each force set (columns ``<p>force_vx/vy/vz``, ``<p>force_px/py/pz``,
    ``<p>torque_x/y/z``) becomes a :class:`~gaitcore.trial.ForcePlate` at the file's
    rate, with ``side`` "R"/"L" from the prefix (``R_ground_`` ...) and ``name`` the
    prefix.  Forces stay in N (they act on the body), COP m -> mm, torque N m -> N mm
    (``free_moment`` is the vertical torque), y-up -> z-up.  The returned Trial has
    no markers (``marker_rate`` NaN).  Other columns (e.g. joint angles, in degrees
    when ``inDegrees=yes``) go to ``trial.analogs`` at ``trial.analog_rate``.

    Raises FormatError for a non-uniform or missing time column.

    Example: ``[p.side for p in read_mot(datasets.path("Rajagopal_grf_run.mot")).plates]`` -> ``['R', 'L']``.
    """
    path = _existing_file(path)
    text = path.read_text(errors="replace")
    lines = text.splitlines()
    header, names_at = _mot_header(path, lines)
    columns = lines[names_at].split()
    if not columns or columns[0].lower() != "time":
        raise FormatError(path, "the first column must be 'time'")
    table = _read_table(path, text, names_at + 1, r"\s+", columns)
    if np.isnan(table).any():
        raise FormatError(path, "missing or non-numeric values in the data rows")
    rate = _uniform_rate(path, table[:, 0])
    data = {c.lower(): table[:, i] for i, c in enumerate(columns)}
    plates, used = [], {"time"}
    for prefix in _mot_force_sets(columns):
        plate, cols = _mot_plate(data, prefix, rate)
        plates.append(plate)
        used.update(cols)
    analogs = {c: table[:, i].copy() for i, c in enumerate(columns) if c.lower() not in used}
    metadata = {"first_time_s": float(table[0, 0])}
    if "indegrees" in header:
        metadata["in_degrees"] = header["indegrees"].lower().startswith("y")
    return Trial(markers={}, marker_rate=float("nan"), plates=plates, analogs=analogs,
                 analog_rate=rate if analogs else float("nan"), events=_empty_events(),
                 metadata=metadata, source=str(path))


def _uniform_rate(path: Path, time: np.ndarray) -> float:
    if time.size < 2:
        raise FormatError(path, "fewer than two rows: no sampling rate")
    dt = np.diff(time)
    step = float(np.median(dt))
    if not step > 0 or np.max(np.abs(dt - step)) > 0.01 * step + 1e-9:
        raise FormatError(path, "the time column is not uniformly increasing")
    return float(round(1.0 / step, 6))
