"""OpenSim MOT/STO storage files: ground reaction forces and other columns (rows parsed in C).

Force sets in the conventions OpenSim and its users write: ``ground_force_vx`` (no prefix),
``1_ground_force_vx``, ``R_ground_force_vx`` / ``l_ground_force_vx``, ``calcn_r_force_vx``,
each with ``<prefix>force_p[xyz]`` (COP) and ``<prefix>torque_[xyz]`` (or ``moment_``);
columns repeated under one name (older OpenSim GRF files) are numbered ``1_``, ``2_`` ...

Quirks handled (``trial.metadata["quirks"]``): ``rounded_time_column`` (times printed to
1 ms or coarser: the rate comes from the record's span), ``duplicate_columns``,
``up_axis`` (the loaded force points along another axis than OpenSim's y).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .._errors import FormatError
from .._quiet import warn
from ..trial import ForcePlate, Trial
from ._common import LENGTH_TO_MM, axis_name, empty_events, existing_file, parse_axis, rotation_to_zup, turn
from .plates import COP_MIN_FZ_N
from .trc import RATE_RANGE_HZ, read_table

_MAX_HEADER_LINES = 10_000


def _mot_header(path: Path, raw: bytes) -> tuple[dict, list[str], int]:
    """Header key/values, the column names and where the data rows start in an OpenSim storage file."""
    pos = 0
    header: dict = {}
    for _ in range(_MAX_HEADER_LINES):
        end = raw.find(b"\n", pos)
        if end < 0:
            break
        line = raw[pos:end].decode("latin-1").strip()
        pos = end + 1
        if line.lower() == "endheader":
            names_end = raw.find(b"\n", pos)
            names_end = len(raw) if names_end < 0 else names_end
            names = raw[pos:names_end].decode("latin-1")
            columns = names.split()
            if not columns:
                raise FormatError(path, "no column names after 'endheader'")
            header["_whitespace"] = "\t" not in names  # tab-separated, else runs of blanks
            return header, columns, names_end + 1
        key, _, value = line.replace("=", " ", 1).partition(" ")
        header[key.lower()] = value.strip()
    raise FormatError(path, "not an OpenSim .mot/.sto file (no 'endheader' line)")


def _numbered_duplicates(columns: list[str], quirks: list) -> list[str]:
    """Columns repeated under one name become ``1_name``, ``2_name`` ... (second, third copy)."""
    seen: dict[str, int] = {}
    out = []
    for c in columns:
        k = seen.get(c.lower(), 0)
        seen[c.lower()] = k + 1
        out.append(c if k == 0 else f"{k}_{c}")
    if out != columns:
        quirks.append(("duplicate_columns", "repeated names numbered 1_, 2_ ... in file order"))
    return out


def _time_decimals(body: bytes, rows: int = 50) -> int | None:
    """Digits after the decimal point in the first rows' time cells (None when not fixed-point)."""
    digits = set()
    for line in body.split(b"\n", rows)[:rows]:
        cell = line.split(None, 1)[0] if line.strip() else b""
        if cell:
            text = cell.decode("latin-1")
            if "e" in text.lower():
                return None
            digits.add(len(text.partition(".")[2]))
    return max(digits) if digits else None


def sample_rate(path: Path, time: np.ndarray, decimals: int | None, quirks: list) -> float:
    """Rate (Hz) of a time column: uniform steps, or steps that only rounding to ``decimals``
    digits made unequal (a 60 Hz record printed to 1 ms: 0.016/0.017 s).  Then the rate is the
    least-squares slope of time against sample number, or the nearest whole rate in Hz when
    that fits every printed time within one printed digit."""
    if time.size < 2:
        raise FormatError(path, "fewer than two rows: no sampling rate")
    dt = np.diff(time)
    step = float(np.median(dt))
    if not step > 0:
        raise FormatError(path, "the time column is not increasing")
    if np.max(np.abs(dt - step)) <= 0.01 * step + 1e-9:
        rate = 1.0 / step
    else:
        rate = _rate_of_rounded_times(path, time, decimals)
        quirks.append(("rounded_time_column", f"times printed to {decimals} decimals: rate {rate:.6g} Hz "
                                              "from the whole record"))
    rate = float(np.format_float_positional(rate, precision=6, unique=False, fractional=False, trim="-"))
    if not RATE_RANGE_HZ[0] <= rate <= RATE_RANGE_HZ[1]:
        raise FormatError(path, f"sampling rate {rate:g} Hz from the time column is out of range")
    return rate


def _fits(time: np.ndarray, step: float, tolerance: float) -> bool:
    residual = time - step * np.arange(time.size)
    return bool(np.ptp(residual) <= 2 * tolerance)


def _rate_of_rounded_times(path: Path, time: np.ndarray, decimals: int | None) -> float:
    digit = 10.0 ** -decimals if decimals is not None else 0.0
    tolerance = digit + 1e-9 * max(1.0, abs(float(time[-1])))
    step = float(np.polyfit(np.arange(time.size), time, 1)[0])
    if not (step > 0 and _fits(time, step, tolerance)):
        raise FormatError(path, "the time column is not uniformly increasing")
    whole = round(1.0 / step)
    return float(whole) if whole > 0 and _fits(time, 1.0 / whole, tolerance) else 1.0 / step


_FORCE = re.compile(r"^(?P<prefix>.*?)(?P<kind>force_v)(?P<axis>[xyz])$", re.IGNORECASE)


def force_sets(columns: list[str]) -> list[str]:
    """Prefixes ``p`` with ``p + 'force_vx/vy/vz'`` among the columns: ``''``, ``'1_ground_'``,
    ``'R_ground_'``, ``'calcn_r_'`` ..."""
    lower = {c.lower() for c in columns}
    prefixes = []
    for c in columns:
        m = _FORCE.match(c)
        if m and m.group("axis").lower() == "x":
            p = m.group("prefix")
            if all(f"{p.lower()}force_v{ax}" in lower for ax in "yz"):
                prefixes.append(p)
    return prefixes


def side_of(prefix: str) -> str:
    """"R"/"L" from a force-set prefix (``R_ground_``, ``l_``, ``calcn_r_``, ``right_``), else ""."""
    words = [w for w in re.split(r"[_\W]+", prefix.lower()) if w]
    if any(w in ("r", "right") for w in words):
        return "R"
    if any(w in ("l", "left") for w in words):
        return "L"
    return ""


def _triple(data: dict, prefix: str, stems: tuple[str, ...]):
    for stem in stems:
        cols = [f"{prefix}{stem}{ax}".lower() for ax in "xyz"]
        if all(c in data for c in cols):
            return np.column_stack([data[c] for c in cols]), cols
    return None, []


def _mot_plate(data: dict, prefix: str, rate: float, rot: np.ndarray, cop_to_mm: float):
    """One force set -> ForcePlate (z up, mm, N mm) and the columns it consumed."""
    force, used = _triple(data, prefix, ("force_v",))
    cop, cop_cols = _triple(data, prefix, ("force_p", "cop_"))
    torque, torque_cols = _triple(data, prefix, ("torque_", "moment_"))
    n = force.shape[0]
    force = turn(force, rot)
    cop = turn(cop, rot) * cop_to_mm if cop is not None else np.full((n, 3), np.nan)
    free = turn(torque, rot)[:, 2] * cop_to_mm if torque is not None else np.full(n, np.nan)
    unloaded = ~(force[:, 2] >= COP_MIN_FZ_N)
    cop[unloaded] = np.nan
    free = np.where(unloaded, np.nan, free)
    plate = ForcePlate(force=force, cop=cop, free_moment=free, rate=rate,
                       name=prefix.strip("_") or "ground", side=side_of(prefix))
    return plate, used + cop_cols + torque_cols


def _mot_up(path: Path, data: dict, prefixes: list[str], up_axis, quirks: list) -> np.ndarray:
    """OpenSim's y, unless ``up_axis`` says otherwise or the loaded force clearly points along
    another axis (then a warning)."""
    if up_axis is not None:
        return parse_axis(up_axis)
    y_up = np.array([0.0, 1.0, 0.0])
    if not prefixes:
        return y_up
    total = sum(_triple(data, p, ("force_v",))[0] for p in prefixes)
    loaded = np.linalg.norm(total, axis=1) > 5 * COP_MIN_FZ_N
    if loaded.sum() < 10:
        return y_up
    mean = total[loaded].mean(axis=0)
    axis = int(np.argmax(np.abs(mean)))
    up = np.sign(mean[axis]) * np.eye(3)[axis]
    if np.array_equal(up, y_up) or abs(mean[axis]) < 0.8 * np.linalg.norm(mean):
        return y_up
    quirks.append(("up_axis", f"{axis_name(up)} up (the loaded force points there), not OpenSim's y"))
    warn(f"{path}: the ground reaction points along {axis_name(up)}, not OpenSim's +y; "
                  f"taking {axis_name(up)} as up (pass up_axis= to override)", stacklevel=4)
    return up


def read_mot(path, up_axis=None) -> Trial:
    """Read an OpenSim ``.mot``/``.sto`` file (ground reaction forces or joint angles).

    Each force set (see the module docstring for the naming conventions) becomes a
    :class:`~gaitcore.trial.ForcePlate` at the file's rate, with ``side`` "R"/"L" from the
    prefix and ``name`` the prefix.  Forces stay in N (they act on the body), COP m -> mm,
    torque N m -> N mm (``free_moment`` is the vertical torque), turned so that z is up (the
    file's vertical: ``up_axis``, else OpenSim's y unless the loaded force clearly says
    otherwise).  The rate comes from the time column, from its span when the times were
    rounded.  The returned Trial has no markers (``marker_rate`` NaN); other columns (e.g.
    joint angles, in degrees when ``inDegrees=yes``) go to ``trial.analogs``.

    Raises FormatError for a non-uniform or missing time column, rows with more values than
    columns, or numbers beyond float64.

    Example: ``[p.side for p in read_mot(datasets.path("Rajagopal_grf_run.mot")).plates]`` -> ``['R', 'L']``.
    """
    path = existing_file(path)
    raw = path.read_bytes()
    header, columns, body_at = _mot_header(path, raw)
    if columns[0].lower() != "time":
        raise FormatError(path, "the first column must be 'time'")
    quirks: list = []
    columns = _numbered_duplicates(columns, quirks)
    table = read_table(path, raw, body_at, len(columns), header["_whitespace"])
    if np.isnan(table).any():
        raise FormatError(path, "missing or non-numeric values in the data rows")
    rate = sample_rate(path, table[:, 0], _time_decimals(raw[body_at:body_at + 8192]), quirks)
    data = {c.lower(): table[:, i] for i, c in enumerate(columns)}
    prefixes = force_sets(columns)
    up = _mot_up(path, data, prefixes, up_axis, quirks)
    rot = rotation_to_zup(up)
    cop_to_mm = LENGTH_TO_MM.get(header.get("units", "m").lower(), 1000.0)
    plates, used = [], {"time"}
    for prefix in prefixes:
        plate, cols = _mot_plate(data, prefix, rate, rot, cop_to_mm)
        plates.append(plate)
        used.update(cols)
    analogs = {c: table[:, i].copy() for i, c in enumerate(columns) if c.lower() not in used}
    metadata = {"first_time_s": float(table[0, 0]), "up_axis": axis_name(up),
                "quirks": [f"{name}: {detail}" for name, detail in quirks]}
    if "indegrees" in header:
        metadata["in_degrees"] = header["indegrees"].lower().startswith("y")
    return Trial(markers={}, marker_rate=float("nan"), plates=plates, analogs=analogs,
                 analog_rate=rate if analogs else float("nan"), events=empty_events(),
                 metadata=metadata, source=str(path))
