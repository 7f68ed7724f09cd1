"""OpenSim / Motion Analysis TRC marker files (rows parsed by the C core).

Layout: line 1 ``PathFileType``, line 2 header keys (DataRate, CameraRate, NumFrames,
NumMarkers, Units ...), line 3 their values, line 4 ``Frame#``, ``Time`` and one name per
marker (each followed by two empty cells), line 5 ``X1 Y1 Z1 ...``, then tab-separated rows.

Quirks handled (listed in ``trial.metadata["quirks"]``): ``up_axis`` (the vertical taken
from the markers when they say, see :func:`gaitcore.io._common.up_from_markers`), ``marker_gaps_as_inf``
(frames of a marker holding inf or a number beyond float64, e.g. ``1e400``, are gaps, as in C3D
files: see :func:`gaitcore.trial.sentinel_gaps`).  Refused with a FormatError naming the file:
rows with more values than the header declares (they would shift every column), duplicate
marker names, an infinite time or out-of-range header numbers (a DataRate of 1e-320).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import _core
from .._errors import FormatError
from .._quiet import warn
from ..markers import rename_markers
from ..trial import Trial
from ._common import (LENGTH_TO_MM, axis_name, empty_events, existing_file, gaps_from_sentinels, parse_axis,
                      rotation_to_zup, turn, up_from_markers)

#: Sample rates (Hz) a motion file may declare.
RATE_RANGE_HZ = (0.1, 1e6)
_MAX_MARKERS = 100_000


def read_table(path: Path, raw: bytes, start: int, n_columns: int, whitespace: bool = False,
               infinite_ok: bool = False) -> np.ndarray:
    """Numeric rows of ``raw[start:]`` (the C core's parser, csrc/core/gc_text.c): blank lines
    skipped, empty cells NaN; a row with values past ``n_columns`` (they would shift every
    column), text, or (unless ``infinite_ok``) numbers beyond float64 (inf, 1e400) are a
    FormatError naming the file."""
    try:
        table, bad_row, bad_col = _core.text_table(raw, start, n_columns, whitespace)
    except ValueError as exc:
        raise FormatError(path, f"malformed data rows ({exc})") from None
    if bad_row:
        if bad_col > n_columns:
            raise FormatError(path, f"data row {bad_row} has values in more than the {n_columns} columns the "
                                    "header declares: columns would shift")
        raise FormatError(path, f"data row {bad_row}, column {bad_col}: not a number")
    if table.shape[0] == 0:
        raise FormatError(path, "no data rows")
    if not infinite_ok and np.isinf(table).any():
        row = int(np.flatnonzero(np.isinf(table).any(axis=1))[0])
        raise FormatError(path, f"data row {row + 1} holds a number beyond float64 range (inf or >= 1e308)")
    return table


def header_number(path: Path, header: dict, key: str, lo: float, hi: float) -> float:
    """A finite header number within [lo, hi], else a FormatError naming the key."""
    text = header.get(key, "")
    try:
        value = float(text)
    except ValueError:
        raise FormatError(path, f"header {key} {text!r} is not a number") from None
    if not (np.isfinite(value) and lo <= value <= hi):
        raise FormatError(path, f"header {key} = {text} is outside {lo:g}..{hi:g}")
    return value


def _split_header_body(path: Path, raw: bytes) -> tuple[list[str], int]:
    """The five header lines (text) and where the data rows start."""
    lines, pos = [], 0
    for _ in range(5):
        end = raw.find(b"\n", pos)
        if end < 0:
            raise FormatError(path, "not a TRC file (fewer than 5 header lines)")
        lines.append(raw[pos:end].decode("latin-1").rstrip("\r"))
        pos = end + 1
    return lines, pos


def _trc_header(path: Path, lines: list[str]) -> tuple[dict, list[str]]:
    if not lines[0].startswith("PathFileType"):
        raise FormatError(path, "not a TRC file (first line must start with 'PathFileType')")
    keys, values = lines[1].split("\t"), lines[2].split("\t")
    header = {k.strip(): v.strip() for k, v in zip(keys, values) if k.strip()}
    names = [c.strip() for c in lines[3].split("\t")[2:]]
    markers = [nm for nm in names if nm]
    if "DataRate" not in header or "NumMarkers" not in header:
        raise FormatError(path, "TRC header lacks DataRate or NumMarkers")
    dupes = sorted({nm for nm in markers if markers.count(nm) > 1})
    if dupes:
        raise FormatError(path, f"duplicate marker names {dupes}: their columns cannot be told apart")
    return header, markers


def _trc_up(path: Path, header: dict, markers: dict, up_axis, quirks: list) -> np.ndarray:
    """The file's vertical: ``up_axis``, else the header's (an ``UpAxis`` key), else the markers',
    else y (OpenSim's convention).  A warning when the header and the markers disagree."""
    if up_axis is not None:
        return parse_axis(up_axis)
    stated = next((header[k] for k in ("UpAxis", "Up", "Vertical") if k in header), None)
    from_markers = up_from_markers(markers)
    if stated is not None:
        up = parse_axis(stated)
        if from_markers is not None and not np.array_equal(up, from_markers):
            warn(f"{path}: the header says {axis_name(up)} is up but the markers stand highest "
                          f"along {axis_name(from_markers)}; using the header (pass up_axis= to override)",
                          stacklevel=4)
        return up
    if from_markers is not None:
        if not np.array_equal(from_markers, [0.0, 1.0, 0.0]):
            quirks.append(("up_axis", f"{axis_name(from_markers)} up (from the markers), not OpenSim's y"))
        return from_markers
    return np.array([0.0, 1.0, 0.0])


def read_trc(path, aliases=None, up_axis=None) -> Trial:
    """Read an OpenSim/Motion Analysis ``.trc`` marker file.

    Positions are converted from the file's ``Units`` (mm, cm or m) to mm and turned so that
    z is up: the vertical is ``up_axis`` ("x", "y", "z", optionally signed) when given, else the
    header's, else the axis along which head, trunk and pelvis markers stand highest above the
    foot markers, else y (OpenSim); y up maps to (x_lab, y_lab, z_lab) = (x, -z, y).  Empty
    cells become NaN.  ``metadata["first_time_s"]`` holds the time of the first row (used to
    align a GRF ``.mot``), ``metadata["up_axis"]`` the file's vertical.

    Example: ``read_trc(datasets.path("Rajagopal_motion_capture_run.trc")).markers["LASI"]``.
    """
    path = existing_file(path)
    raw = path.read_bytes()
    lines, body_at = _split_header_body(path, raw)
    header, names = _trc_header(path, lines)
    rate = header_number(path, header, "DataRate", *RATE_RANGE_HZ)
    n_declared = header_number(path, header, "NumMarkers", 0, _MAX_MARKERS)
    if n_declared != round(n_declared):
        raise FormatError(path, f"header NumMarkers = {header['NumMarkers']} is not a whole number")
    units = header.get("Units", "mm").lower() or "mm"
    if units not in LENGTH_TO_MM:
        raise FormatError(path, f"unsupported Units {units!r}")
    if n_declared != len(names):
        raise FormatError(path, f"header declares {n_declared:g} markers but names {len(names)}")
    table = read_table(path, raw, body_at, 2 + 3 * len(names), infinite_ok=True)
    if not np.isfinite(table[:, 1]).all():
        raise FormatError(path, "missing or infinite values in the Time column")
    xyz = table[:, 2:].reshape(len(table), len(names), 3) * LENGTH_TO_MM[units]
    quirks: list = []
    markers = gaps_from_sentinels(rename_markers({nm: xyz[:, j] for j, nm in enumerate(names)}, aliases), quirks)
    up = _trc_up(path, header, markers, up_axis, quirks)
    rot = rotation_to_zup(up)
    markers = {nm: turn(v, rot) for nm, v in markers.items()}
    return Trial(markers=markers, marker_rate=rate, events=empty_events(), source=str(path),
                 metadata={"first_time_s": float(table[0, 1]), "units": units, "up_axis": axis_name(up),
                           "quirks": [f"{name}: {detail}" for name, detail in quirks]})
