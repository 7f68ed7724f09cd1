"""Helpers shared by the readers: paths, units, frames, the empty events table."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import FormatError, InputError, InputTypeError
from .._sampling import nan_reduce
from ..trial import MAX_COORDINATE, sentinel_gaps

#: mm per length unit as files write it.
LENGTH_TO_MM = {"mm": 1.0, "millimeters": 1.0, "millimetres": 1.0, "millimeter": 1.0, "millimetre": 1.0,
                "cm": 10.0, "centimeters": 10.0, "centimetres": 10.0, "m": 1000.0, "meters": 1000.0,
                "metres": 1000.0, "meter": 1000.0, "metre": 1000.0}


_EMPTY_EVENTS = pd.DataFrame({"side": pd.Series([], dtype=object), "event": pd.Series([], dtype=object),
                              "time_s": pd.Series([], dtype=float)})


def empty_events() -> pd.DataFrame:
    """The events table of a file without stored events (side, event, time_s)."""
    return _EMPTY_EVENTS.copy()


def existing_file(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = Path(path)
    try:
        mode = os.stat(path).st_mode  # Path.exists() says False for a link loop or a NUL byte alike
    except ValueError:
        raise InputError(f"{os.fspath(path)!r}: not a valid path (it holds a NUL byte)") from None
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: {'dangling symbolic link' if os.path.islink(path) else 'no such file'}") \
            from None  # other OSErrors (a link loop, permission) name the path and the reason themselves
    if not stat.S_ISREG(mode):
        raise FormatError(path, "not a regular file")
    return path


def gaps_from_sentinels(points: dict, quirks: list, kind: str = "marker") -> dict:
    """Frames holding inf or a number beyond ``MAX_COORDINATE`` (C3D writers' gap value, e.g.
    float32's ~3.4e38) -> NaN gaps, listed in ``quirks`` as ``<kind>_gaps_as_inf``."""
    points, detail = sentinel_gaps(points)
    if detail:
        quirks.append((f"{kind}_gaps_as_inf", f"{detail} (inf or > {MAX_COORDINATE:g}: NaN gaps)"))
    return points


def yup_to_zup(xyz: np.ndarray) -> np.ndarray:
    """OpenSim (x forward, y up, z right) -> gaitcore (x forward, y left, z up): (x, -z, y)."""
    return np.stack([xyz[..., 0], -xyz[..., 2], xyz[..., 1]], axis=-1)


# ----------------------------------------------------------------------------- up axis

_UPPER = ("C7", "T10", "T7", "CLAV", "STRN", "LASI", "RASI", "LPSI", "RPSI", "SACR", "LFHD", "RFHD", "LBHD", "RBHD")
_UPPER_WORDS = ("pelvis", "head", "trunk", "sacr", "sternum", "thorax")
_FOOT = ("LHEE", "RHEE", "LTOE", "RTOE", "LANK", "RANK", "LMT1", "RMT1", "LMT5", "RMT5")
_FOOT_WORDS = ("foot", "heel", "toe")
#: Head/trunk/pelvis markers stand at least this far (mm) above the feet along the vertical.
MIN_UPPER_ABOVE_FOOT_MM = 300.0


def _mean_position(markers: dict, names: tuple, words: tuple) -> np.ndarray | None:
    picked = [v for k, v in markers.items() if k in names or any(w in k.lower() for w in words)]
    if not picked:
        return None
    return nan_reduce(np.nanmedian, nan_reduce(np.nanmean, np.stack(picked), axis=0), axis=0)


def up_from_markers(markers: dict) -> np.ndarray | None:
    """Unit lab axis (+-x, +-y or +-z) along which head, trunk and pelvis markers stand highest
    above the foot markers, or None when the markers do not say (missing, or no clear axis)."""
    upper = _mean_position(markers, _UPPER, _UPPER_WORDS)
    foot = _mean_position(markers, _FOOT, _FOOT_WORDS)
    if upper is None or foot is None:
        return None
    d = upper - foot
    if not np.all(np.isfinite(d)):
        return None
    axis = int(np.argmax(np.abs(d)))
    if abs(d[axis]) < MIN_UPPER_ABOVE_FOOT_MM or abs(d[axis]) < 0.8 * np.linalg.norm(d):
        return None
    return np.sign(d[axis]) * np.eye(3)[axis]


def axis_name(up: np.ndarray) -> str:
    axis = int(np.argmax(np.abs(up)))
    return ("+" if up[axis] > 0 else "-") + "xyz"[axis]


def parse_axis(text: str) -> np.ndarray:
    """'z', '+y', '-x' ... -> unit vector; ValueError otherwise."""
    t = str(text).strip().lower()
    sign = -1.0 if t.startswith("-") else 1.0
    t = t.lstrip("+-")
    if t not in ("x", "y", "z"):
        raise InputError(f"up_axis must be one of 'x', 'y', 'z' (optionally signed), got {text!r}")
    return sign * np.eye(3)["xyz".index(t)]


def rotation_to_zup(up: np.ndarray) -> np.ndarray:
    """Right-handed rotation R with R @ up = +z; the first lab axis that is not vertical stays
    horizontal as the new x (y up: (x, y, z) -> (x, -z, y), OpenSim's convention)."""
    new_z = up / np.linalg.norm(up)
    axis = int(np.argmax(np.abs(new_z)))
    new_x = np.eye(3)[0 if axis != 0 else 1]
    new_y = np.cross(new_z, new_x)
    return np.vstack([new_x, new_y, new_z])


def turn(vectors: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """``vectors @ rot.T`` for (..., 3) arrays (einsum: NumPy's matmul with a 3x3 operand is
    ten times slower on long records)."""
    return np.einsum("...j,ij->...i", vectors, rot)
