"""OpenSim / Motion Analysis TRC marker files."""
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


def _read_table(path: Path, text: str, skip: int, sep: str, names: list[str]) -> np.ndarray:
    """Numeric table after ``skip`` lines; empty cells become NaN; anything else non-numeric is an error."""
    body = "\n".join(line.rstrip("\r\n\t ") for line in text.splitlines()[skip:] if line.strip())
    if not body:
        raise FormatError(path, "no data rows")
    try:
        table = pd.read_csv(_io.StringIO(body), sep=sep, header=None, dtype=float, engine="python",
                            names=range(len(names)), skip_blank_lines=True)
    except (ValueError, pd.errors.ParserError) as exc:
        raise FormatError(path, f"malformed data rows ({exc})") from exc
    return table.to_numpy(dtype=float)


def _trc_header(path: Path, lines: list[str]) -> tuple[dict, list[str]]:
    if len(lines) < 5 or not lines[0].startswith("PathFileType"):
        raise FormatError(path, "not a TRC file (first line must start with 'PathFileType')")
    keys, values = lines[1].split("\t"), lines[2].split("\t")
    header = {k.strip(): v.strip() for k, v in zip(keys, values) if k.strip()}
    names = [c.strip() for c in lines[3].split("\t")[2:]]
    markers = [nm for nm in names if nm]
    if "DataRate" not in header or "NumMarkers" not in header:
        raise FormatError(path, "TRC header lacks DataRate or NumMarkers")
    return header, markers


def read_trc(path, aliases=None) -> Trial:
    """Read an OpenSim/Motion Analysis ``.trc`` marker file.

    Positions are converted from the file's ``Units`` (mm, cm or m) to mm and from
    OpenSim's y-up frame to gaitcore's z-up frame (x_lab = x, y_lab = -z, z_lab = y).
    Empty cells become NaN.  ``metadata["first_time_s"]`` holds the time of the
    first row (used to align a GRF ``.mot``).

    Example: ``read_trc(datasets.path("Rajagopal_motion_capture_run.trc")).markers["LASI"]``.
    """
    path = _existing_file(path)
    text = path.read_text(errors="replace")
    lines = text.splitlines()
    header, names = _trc_header(path, lines)
    try:
        rate, n_declared = float(header["DataRate"]), int(float(header["NumMarkers"]))
    except ValueError as exc:
        raise FormatError(path, f"bad DataRate/NumMarkers in the TRC header ({exc})") from exc
    units = header.get("Units", "mm").lower()
    if units not in _LENGTH_TO_MM or not rate > 0:
        raise FormatError(path, f"unsupported Units {units!r} or DataRate {rate}")
    if n_declared != len(names):
        raise FormatError(path, f"header declares {n_declared} markers but names {len(names)}")
    table = _read_table(path, text, 5, "\t", ["frame", "time"] + [f"c{i}" for i in range(3 * len(names))])
    if np.isnan(table[:, 1]).any():
        raise FormatError(path, "missing values in the Time column")
    xyz = table[:, 2:2 + 3 * len(names)].reshape(len(table), len(names), 3)
    xyz = _yup_to_zup(xyz * _LENGTH_TO_MM[units])
    markers = rename_markers({nm: xyz[:, j].copy() for j, nm in enumerate(names)}, aliases)
    return Trial(markers=markers, marker_rate=rate, events=_empty_events(), source=str(path),
                 metadata={"first_time_s": float(table[0, 1])})


