"""Readers of motion-capture trials: C3D, OpenSim TRC (markers) and MOT (forces, angles).

Every reader returns a :class:`gaitcore.trial.Trial` in gaitcore's lab frame:
**z up**, positions in **mm**, forces in **N** acting **on the body** (vertical
force positive when loaded), moments in **N mm**, times in **s** from the first
frame of the file.  Marker labels are renamed to Plug-in-Gait names through
:mod:`gaitcore.markers` (pass ``aliases=`` to extend or override the map).

Example
-------
>>> from gaitcore import datasets
>>> from gaitcore.io import read_trial
>>> trial = read_trial(datasets.path("walk.c3d"))
>>> trial.marker_rate, round(trial.metadata["body_mass_kg"], 1)
(100.0, 73.4)
>>> run = read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
...                  grf=datasets.path("Rajagopal_grf_run.mot"))
>>> [p.side for p in run.plates]
['R', 'L']

C3D files are decoded by the pure-Python ``c3d`` package (PyPI ``c3d``), which
handles the Intel, DEC (VAX float) and MIPS (big-endian) processor types and
signed/unsigned analog storage; the file layout is validated here first so a
truncated or corrupt file raises :class:`gaitcore._errors.FormatError`.
"""
from __future__ import annotations

import io as _io
import re
import threading
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import FormatError
from .markers import rename_markers
from .trial import ForcePlate, Trial

__all__ = ["read_c3d", "read_trc", "read_mot", "read_trial", "COP_MIN_FZ_N"]

#: Vertical force (N) below which a plate counts as unloaded and its COP is NaN.
COP_MIN_FZ_N = 10.0

_LENGTH_TO_MM = {"mm": 1.0, "millimeters": 1.0, "millimetres": 1.0, "cm": 10.0, "m": 1000.0,
                 "meters": 1000.0, "metres": 1000.0}
_PROCESSORS = {84: "Intel", 85: "DEC", 86: "MIPS"}
_EVENT_NAMES = {"foot strike": "IC", "foot off": "TO"}
_SIDE_NAMES = {"left": "L", "right": "R", "l": "L", "r": "R"}
_MODEL_OUTPUT_GROUPS = ("ANGLES", "FORCES", "MOMENTS", "POWERS", "SCALARS", "REACTIONS")
_MODEL_OUTPUT_SUFFIX = re.compile(r"(angles?|forces?|moments?|powers?|grf)$", re.IGNORECASE)


def _empty_events() -> pd.DataFrame:
    return pd.DataFrame({"side": pd.Series([], dtype=object), "event": pd.Series([], dtype=object),
                         "time_s": pd.Series([], dtype=float)})


def _existing_file(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise FormatError(path, "not a regular file")
    return path


# ----------------------------------------------------------------------------- dispatch

def read_trial(path, grf=None, aliases=None) -> Trial:
    """Read a trial, choosing the reader from the extension (``.c3d``, ``.trc``, ``.mot``).

    Parameters
    ----------
    path : str or Path
        The trial file.
    grf : str or Path, optional
        An OpenSim ``.mot`` of ground reaction forces whose force sets become
        ``trial.plates`` (at the .mot rate) of a ``.trc`` trial.  The plates are
        cropped to start at the first marker frame; the GRF file must cover the
        marker time span.
    aliases : mapping canonical -> spellings, optional
        Extra marker aliases (see :mod:`gaitcore.markers`).

    Raises
    ------
    FileNotFoundError, ValueError (unsupported extension, GRF not covering the
    markers), gaitcore._errors.FormatError (unreadable file).

    Example: ``read_trial("run.trc", grf="run_grf.mot")``.
    """
    path = _existing_file(path)
    suffix = path.suffix.lower()
    readers = {".c3d": read_c3d, ".trc": read_trc}
    if suffix == ".mot":
        trial = read_mot(path)
    elif suffix in readers:
        trial = readers[suffix](path, aliases=aliases)
    else:
        raise ValueError(f"{path}: unsupported extension {path.suffix!r} (expected .c3d, .trc or .mot)")
    if grf is not None:
        _attach_grf(trial, read_mot(grf))
    return trial


def _attach_grf(trial: Trial, forces: Trial) -> None:
    """Attach the plates of ``forces`` (a read .mot) to ``trial``, aligned on its first frame."""
    if not forces.plates:
        raise ValueError(f"{forces.source}: no force columns (…force_vx/vy/vz) to attach as plates")
    t0 = trial.metadata.get("first_time_s", 0.0)
    t_end = t0 + (trial.n_frames - 1) / trial.marker_rate
    f0 = forces.metadata.get("first_time_s", 0.0)
    rate = forces.plates[0].rate
    f_end = f0 + (forces.plates[0].force.shape[0] - 1) / rate
    tol = 0.5 / rate
    if f0 > t0 + tol or f_end < t_end - tol:
        raise ValueError(f"{forces.source}: forces cover {f0:.4f}-{f_end:.4f} s but the markers of "
                         f"{trial.source} cover {t0:.4f}-{t_end:.4f} s")
    first = int(round((t0 - f0) * rate))
    last = first + int(np.floor((t_end + 1.0 / trial.marker_rate - t0) * rate + 1e-6))
    for plate in forces.plates:
        plate.force, plate.cop = plate.force[first:last], plate.cop[first:last]
        plate.free_moment = plate.free_moment[first:last]
        trial.plates.append(plate)
    trial.metadata["grf_source"] = forces.source


# ----------------------------------------------------------------------------- C3D: layout checks

def _c3d_word(raw: bytes, word: int, big_endian: bool) -> int:
    """1-based 16-bit unsigned header word."""
    return int.from_bytes(raw[2 * (word - 1):2 * word], "big" if big_endian else "little")


def _check_c3d_layout(path: Path, raw: bytes) -> None:
    """Validate header and parameter-section pointers before the decoder sees the bytes."""
    if len(raw) == 0:
        raise FormatError(path, "empty file")
    if len(raw) < 512:
        raise FormatError(path, f"truncated: {len(raw)} bytes, shorter than the 512-byte C3D header")
    if raw[1] != 0x50:
        raise FormatError(path, "not a C3D file (second byte is not 0x50)")
    start = 512 * (raw[0] - 1)
    if raw[0] < 2 or start + 4 > len(raw):
        raise FormatError(path, f"parameter section pointer (block {raw[0]}) is outside the file")
    n_blocks, processor = raw[start + 2], raw[start + 3]
    if processor not in _PROCESSORS:
        raise FormatError(path, f"unknown processor type {processor} (expected 84 Intel, 85 DEC, 86 MIPS)")
    if n_blocks == 0 or start + 512 * n_blocks > len(raw):
        raise FormatError(path, f"truncated: parameter section of {n_blocks} blocks runs past the end of the file")
    data_block = _c3d_word(raw, 9, processor == 86)
    if data_block <= raw[0] or 512 * (data_block - 1) > len(raw):
        raise FormatError(path, f"data section pointer (block {data_block}) is invalid or outside the file")


# warnings.catch_warnings swaps process-wide state and is not thread-safe: the blocks that
# silence the c3d package's warnings run one thread at a time (its decoding is pure Python
# and holds the GIL anyway).
_C3D_WARNINGS_LOCK = threading.Lock()


def _open_c3d(path: Path, raw: bytes):
    import c3d  # PyPI "c3d": pure Python, cannot crash the interpreter

    with _C3D_WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return c3d.Reader(_io.BytesIO(raw))
        except Exception as exc:  # the decoder raises assorted errors on corrupt parameters
            raise FormatError(path, f"corrupt parameter section ({type(exc).__name__}: {exc})") from exc


def _c3d_geometry(path: Path, reader, raw_len: int) -> dict:
    """Frame count, sizes and rates, checked against the bytes actually present."""
    try:
        geo = {"n_frames": int(reader.last_frame) - int(reader.first_frame) + 1,
               "n_points": int(reader.point_used), "n_analog": int(reader.analog_used),
               "rate": float(reader.point_rate), "scale": float(reader.point_scale)}
        geo["per_frame"] = int(reader.analog_per_frame) if geo["n_analog"] else 0
    except Exception as exc:
        raise FormatError(path, f"corrupt POINT/ANALOG parameters ({type(exc).__name__}: {exc})") from exc
    if not np.isfinite(geo["rate"]) or geo["rate"] <= 0 or not np.isfinite(geo["scale"]) or geo["scale"] == 0:
        raise FormatError(path, f"invalid POINT:RATE {geo['rate']} or POINT:SCALE {geo['scale']}")
    if geo["n_frames"] < 0:
        raise FormatError(path, "last frame precedes first frame")
    word = 4 if geo["scale"] < 0 else 2
    need = geo["n_frames"] * (4 * geo["n_points"] + geo["n_analog"] * geo["per_frame"]) * word
    have = raw_len - 512 * (reader.header.data_block - 1)
    if need > have:
        raise FormatError(path, f"truncated: the data section needs {need} bytes for {geo['n_frames']} frames "
                                f"but the file holds {max(have, 0)}")
    return geo


def _read_c3d_frames(path: Path, reader, geo: dict):
    """Points (n, P, 4: x, y, z, residual; residual < 0 = invalid) and analogs (m, A)."""
    n, p, a = geo["n_frames"], geo["n_points"], geo["n_analog"]
    points = np.zeros((n, p, 4))
    analog = np.zeros((n * geo["per_frame"], a))
    k = geo["per_frame"]
    with _C3D_WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            count = 0
            for i, (_, pts, ana) in enumerate(reader.read_frames(copy=False)):
                points[i] = pts[:, :4]
                if a and k:
                    analog[i * k:(i + 1) * k] = np.asarray(ana).reshape(a, k).T
                count = i + 1
        except Exception as exc:
            raise FormatError(path, f"corrupt data section ({type(exc).__name__}: {exc})") from exc
    if count != n:
        raise FormatError(path, f"truncated: read {count} of {n} frames")
    return points, analog


# ----------------------------------------------------------------------------- C3D: parameters

def _param(reader, key):
    try:
        return reader.get(key)
    except Exception:
        return None


def _param_numbers(reader, key):
    """Numeric parameter as a float array in C order (Fortran dims reversed), or None."""
    prm = _param(reader, key)
    if prm is None or prm.bytes_per_element not in (1, 2, 4) or 0 in prm.dimensions:
        return None
    try:
        if prm.bytes_per_element == 4:
            values = _decode_floats(reader, prm.bytes[: 4 * prm.num_elements])
        else:
            dtype = {1: "i1", 2: ">i2" if reader.proc_type == "MIPS" else "<i2"}[prm.bytes_per_element]
            values = np.frombuffer(prm.bytes[: prm.bytes_per_element * prm.num_elements], dtype=dtype)
        values = np.asarray(values, dtype=float)
        return values.reshape(prm.dimensions[::-1]) if len(prm.dimensions) > 1 else values.ravel()
    except Exception:
        return None


def _decode_floats(reader, raw: bytes) -> np.ndarray:
    """32-bit floats of the file's processor type (DEC: VAX F with the 16-bit words swapped)."""
    proc = reader.proc_type
    if proc == "MIPS":
        return np.frombuffer(raw, dtype=">f4")
    if proc != "DEC":
        return np.frombuffer(raw, dtype="<f4")
    words = np.frombuffer(raw, dtype="<u4")
    bits = (words >> 16) | (words << 16)
    exponent = (bits >> 23) & 0xFF
    ieee = np.where(exponent > 2, bits - np.uint32(0x01000000), 0).astype("<u4")  # exponent - 2 (tiny -> 0)
    return ieee.view("<f4")


def _param_strings(reader, key) -> list[str]:
    prm = _param(reader, key)
    if prm is None or prm.bytes_per_element != -1 or 0 in prm.dimensions:
        return []
    try:
        if len(prm.dimensions) <= 1:
            return [str(prm.string_value).strip()]
        return [str(s).strip() for s in np.asarray(prm.string_array).ravel()]
    except Exception:
        return []


def _labels(reader, group: str, count: int, prefix: str) -> list[str]:
    """LABELS, LABELS2, ... of a group, padded and made unique."""
    names = _param_strings(reader, f"{group}:LABELS")
    extra = 2
    while len(names) < count and _param(reader, f"{group}:LABELS{extra}") is not None:
        names += _param_strings(reader, f"{group}:LABELS{extra}")
        extra += 1
    names = [nm or f"{prefix}{i + 1}" for i, nm in enumerate(names[:count])]
    names += [f"{prefix}{i + 1}" for i in range(len(names), count)]
    seen: dict[str, int] = {}
    unique = []
    for nm in names:
        seen[nm] = seen.get(nm, 0) + 1
        unique.append(nm if seen[nm] == 1 else f"{nm}_{seen[nm]}")
    return unique


def _length_factor(path: Path, reader) -> float:
    units = (_param_strings(reader, "POINT:UNITS") or ["mm"])[0].lower() or "mm"
    if units not in _LENGTH_TO_MM:
        raise FormatError(path, f"unknown POINT:UNITS {units!r}")
    return _LENGTH_TO_MM[units]


# ----------------------------------------------------------------------------- C3D: points

def _model_output_labels(reader, labels: list[str]) -> set[str]:
    listed = set()
    for group in _MODEL_OUTPUT_GROUPS:
        listed.update(_param_strings(reader, f"POINT:{group}"))
    return {nm for nm in labels if nm in listed or _MODEL_OUTPUT_SUFFIX.search(nm)}


def _split_points(reader, points: np.ndarray, labels: list[str], to_mm: float, aliases):
    """Markers (mm, NaN in gaps, canonical names) and model outputs (file units, NaN when invalid)."""
    outputs = _model_output_labels(reader, labels)
    markers, model = {}, {}
    for j, label in enumerate(labels):
        xyz = points[:, j, :3].astype(np.float64)
        invalid = points[:, j, 3] < 0
        if label in outputs:
            model[label] = np.where(invalid[:, None], np.nan, xyz)
        else:
            gap = invalid | np.all(xyz == 0.0, axis=1)
            markers[label] = np.where(gap[:, None], np.nan, xyz * to_mm)
    return rename_markers(markers, aliases), model


# ----------------------------------------------------------------------------- C3D: force plates

def _plate_rotation(corners: np.ndarray) -> np.ndarray | None:
    """Plate-to-lab rotation from the 4 corners (corner 1 in +x+y, 2 in -x+y, 3 in -x-y, 4 in +x-y)."""
    c1, c2, c3, c4 = corners
    x = (c1 - c2) + (c4 - c3)
    y = (c1 - c4) + (c2 - c3)
    if np.linalg.norm(x) < 1e-6 or np.linalg.norm(y) < 1e-6:
        return None
    x = x / np.linalg.norm(x)
    z = np.cross(x, y)
    z = z / np.linalg.norm(z)
    return np.column_stack([x, np.cross(z, x), z])


def _plate_wrench(ptype: int, ch: np.ndarray, origin: np.ndarray, cal: np.ndarray | None, moment_scale: float):
    """Force, moment (about the transducer origin) and surface offset in the plate frame.

    Returns (F (m,3), M (m,3), s (3,)) with ``s`` the vector from the transducer
    origin to the centre of the top surface (z down, so s_z <= 0).
    """
    if ptype == 3:  # Kistler: fx12 fx34 fy14 fy23 fz1 fz2 fz3 fz4; ORIGIN = (a, b, az0)
        a, b, az0 = origin
        f = np.column_stack([ch[:, 0] + ch[:, 1], ch[:, 2] + ch[:, 3], ch[:, 4:8].sum(axis=1)])
        m = np.column_stack([b * (ch[:, 4] + ch[:, 5] - ch[:, 6] - ch[:, 7]),
                             a * (-ch[:, 4] + ch[:, 5] + ch[:, 6] - ch[:, 7]),
                             b * (-ch[:, 0] + ch[:, 1]) + a * (ch[:, 2] - ch[:, 3])])
        return f, m, np.array([0.0, 0.0, -abs(az0)])
    if ptype == 4:
        assert cal is not None  # _one_c3d_plate refuses a type-4 plate without CAL_MATRIX
        ch = ch[:, :6] @ cal.T
    f, m = ch[:, 0:3], ch[:, 3:6] * moment_scale
    s = -origin if origin[2] > 0 else origin  # files store either direction; the surface is above (z down)
    return f, m, s


def _cop_and_free_moment(f: np.ndarray, m: np.ndarray, s: np.ndarray):
    """COP relative to the surface centre (plate frame, mm) and free moment Tz (N mm)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        px = (s[2] * f[:, 0] - m[:, 1]) / f[:, 2]
        py = (m[:, 0] + s[2] * f[:, 1]) / f[:, 2]
    tz = m[:, 2] - px * f[:, 1] + py * f[:, 0]
    cop = np.column_stack([px - s[0], py - s[1], np.zeros_like(px)])
    return cop, tz


def _plate_from_channels(ptype, ch, corners, origin, cal, moment_scale, rate, name) -> ForcePlate | None:
    rot = _plate_rotation(corners)
    if rot is None:
        warnings.warn(f"force plate {name}: degenerate FORCE_PLATFORM:CORNERS, plate skipped", stacklevel=4)
        return None
    if ptype == 1:  # Fx Fy Fz COPx COPy Tz, COP relative to the surface centre
        f, cop, tz = ch[:, 0:3], np.column_stack([ch[:, 3], ch[:, 4], np.zeros(len(ch))]), ch[:, 5]
    else:
        f, m, s = _plate_wrench(ptype, ch, origin, cal, moment_scale)
        cop, tz = _cop_and_free_moment(f, m, s)
    # The channels hold the force the plate exerts on the body, in the plate frame (z down):
    # rotating them into the lab gives the ground reaction on the body directly.
    force = f @ rot.T
    free_moment = tz * rot[2, 2]
    if _pulls_down(force):
        warnings.warn(f"force plate {name}: loaded vertical force is negative in the file's convention; "
                      "sign reversed so the ground pushes on the body", stacklevel=4)
        force, free_moment = -force, -free_moment
    cop_lab = corners.mean(axis=0) + cop @ rot.T
    unloaded = ~(force[:, 2] >= COP_MIN_FZ_N)
    cop_lab[unloaded] = np.nan
    free_moment = np.where(unloaded, np.nan, free_moment)
    return ForcePlate(force=force, cop=cop_lab, free_moment=free_moment, rate=rate,
                      corners=corners.copy(), name=name)


def _pulls_down(force: np.ndarray) -> bool:
    """True when the loaded samples push the body downwards (impossible for a plate)."""
    fz = force[:, 2]
    loaded = np.abs(fz) >= 5 * COP_MIN_FZ_N
    return bool(loaded.any() and fz[loaded].sum() < 0)


def _c3d_plates(path: Path, reader, analog: np.ndarray, rate: float, to_mm: float):
    """ForcePlates and the set of analog channel indices they use."""
    n_plates = int((_param_numbers(reader, "FORCE_PLATFORM:USED") or np.zeros(1))[0])
    if n_plates <= 0 or analog.size == 0:
        return [], set()
    types = _param_numbers(reader, "FORCE_PLATFORM:TYPE")
    channels = _param_numbers(reader, "FORCE_PLATFORM:CHANNEL")
    corners = _param_numbers(reader, "FORCE_PLATFORM:CORNERS")
    origins = _param_numbers(reader, "FORCE_PLATFORM:ORIGIN")
    cals = _param_numbers(reader, "FORCE_PLATFORM:CAL_MATRIX")
    units = _param_strings(reader, "ANALOG:UNITS")
    try:
        types, channels = types.ravel()[:n_plates].astype(int), channels.reshape(n_plates, -1).astype(int) - 1
        corners = corners.reshape(n_plates, 4, 3) * to_mm
        origins = origins.reshape(n_plates, 3) * to_mm if origins is not None else np.zeros((n_plates, 3))
    except (AttributeError, ValueError) as exc:
        raise FormatError(path, f"inconsistent FORCE_PLATFORM parameters ({exc})") from exc
    plates, used = [], set()
    for k in range(n_plates):
        plate = _one_c3d_plate(path, k, types[k], channels[k], corners[k], origins[k], cals, units, analog, rate)
        if plate is not None:
            plates.append(plate)
            used.update(channels[k][: _N_CHANNELS[types[k]]].tolist())
    return plates, used


_N_CHANNELS = {1: 6, 2: 6, 3: 8, 4: 6}


def _one_c3d_plate(path, k, ptype, chans, corners, origin, cals, units, analog, rate):
    name = f"FP{k + 1}"
    if ptype not in _N_CHANNELS:
        warnings.warn(f"{path}: force plate {name} has unsupported type {ptype}; its channels stay in analogs",
                      stacklevel=3)
        return None
    idx = chans[: _N_CHANNELS[ptype]]
    if len(idx) < _N_CHANNELS[ptype] or idx.min() < 0 or idx.max() >= analog.shape[1]:
        raise FormatError(path, f"force plate {name}: FORCE_PLATFORM:CHANNEL points outside the analog channels")
    cal = None
    if ptype == 4:
        try:
            cal = cals.reshape(-1, 6, 6)[k].T
        except (AttributeError, ValueError, IndexError) as exc:
            raise FormatError(path, f"force plate {name}: type 4 without a 6x6 CAL_MATRIX") from exc
    moment_unit = units[idx[3]].lower().replace(".", "").replace(" ", "") if len(units) > idx[3] else "nmm"
    moment_scale = 1000.0 if moment_unit == "nm" else 1.0
    return _plate_from_channels(ptype, analog[:, idx], corners, origin, cal, moment_scale, rate, name)


# ----------------------------------------------------------------------------- C3D: events, metadata

def _c3d_first_frame(reader) -> int:
    words = _param_numbers(reader, "TRIAL:ACTUAL_START_FIELD")
    if words is not None and words.size >= 2:
        lo, hi = (int(w) % 65536 for w in words.ravel()[:2])  # two unsigned 16-bit words
        return lo + 65536 * hi
    return int(reader.header.first_frame)


def _c3d_events(reader, rate: float) -> pd.DataFrame:
    """EVENT group -> DataFrame(side, event, time_s), times relative to the first frame."""
    times = _param_numbers(reader, "EVENT:TIMES")
    labels = _param_strings(reader, "EVENT:LABELS")
    if times is None or not labels:
        return _empty_events()
    times = times.reshape(-1, 2)  # (minutes, seconds)
    contexts = _param_strings(reader, "EVENT:CONTEXTS")
    offset = (_c3d_first_frame(reader) - 1) / rate
    n = min(len(labels), times.shape[0])
    rows = []
    for i in range(n):
        side = _SIDE_NAMES.get(contexts[i].lower(), "") if i < len(contexts) else ""
        event = _EVENT_NAMES.get(labels[i].lower(), labels[i])
        rows.append((side, event, 60.0 * times[i, 0] + times[i, 1] - offset))
    events = pd.DataFrame(rows, columns=["side", "event", "time_s"])
    return events.sort_values("time_s", kind="stable").reset_index(drop=True)


_METADATA_PARAMS = {
    "body_mass_kg": ("Bodymass", "BodyMass", "MASS", "WEIGHT"),
    "height_mm": ("Height", "HEIGHT"),
    "leg_length_mm_L": ("LLegLength",), "leg_length_mm_R": ("RLegLength",),
    "knee_width_mm_L": ("LKneeWidth",), "knee_width_mm_R": ("RKneeWidth",),
    "ankle_width_mm_L": ("LAnkleWidth",), "ankle_width_mm_R": ("RAnkleWidth",),
    "inter_asis_mm": ("InterAsisDistance",),
    "asis_trochanter_mm_L": ("LAsisTrocanterDistance", "LAsisTrochanterDistance"),
    "asis_trochanter_mm_R": ("RAsisTrocanterDistance", "RAsisTrochanterDistance"),
}


def _c3d_metadata(reader) -> dict:
    meta = {}
    for key, names in _METADATA_PARAMS.items():
        for group in ("PROCESSING", "SUBJECTS", "SUBJECT"):
            value = next((v for v in (_param_numbers(reader, f"{group}:{nm}") for nm in names)
                          if v is not None and v.size == 1 and np.isfinite(v[0]) and v[0] > 0), None)
            if value is not None:
                meta[key] = float(value[0])
                break
    return meta


def read_c3d(path, aliases=None) -> Trial:
    """Read a C3D file (any processor type: Intel, DEC, MIPS; integer or float storage).

    Returns a :class:`~gaitcore.trial.Trial` with

    - ``markers``: canonical name -> (n, 3) float64 mm (POINT:UNITS m/cm converted),
      NaN in gaps (invalid residual or all three coordinates exactly 0);
    - ``model_outputs``: points listed in POINT:ANGLES/FORCES/MOMENTS/POWERS/SCALARS
      or named ``*Angles``/``*Force``/``*Moment``/``*Power``, in the file's units;
    - ``plates``: one :class:`~gaitcore.trial.ForcePlate` per plate of type 1-4, in
      the lab frame: force on the body (N, Fz > 0 when loaded), COP (mm, NaN where
      Fz < ``COP_MIN_FZ_N``), free moment (N mm), corners (mm);
    - ``analogs``: the other analog channels (scaled, offset removed);
    - ``events``: EVENT group, ``Foot Strike``/``Foot Off`` -> ``IC``/``TO``, sides
      ``L``/``R``, ``time_s`` from the first frame of the file;
    - ``metadata``: ``body_mass_kg``, ``height_mm``, ``leg_length_mm_L`` ... when stored,
      plus ``processor`` and ``first_frame``.

    Raises FileNotFoundError, or :class:`~gaitcore._errors.FormatError` (a ValueError)
    naming the path for empty, truncated, corrupt or non-C3D files.

    Example: ``read_c3d(datasets.path("Running_0002.c3d")).plates[0].fz.max()`` ~ 1400 N.
    """
    path = _existing_file(path)
    raw = path.read_bytes()
    _check_c3d_layout(path, raw)
    reader = _open_c3d(path, raw)
    geo = _c3d_geometry(path, reader, len(raw))
    points, analog = _read_c3d_frames(path, reader, geo)
    to_mm = _length_factor(path, reader)
    labels = _labels(reader, "POINT", geo["n_points"], "P")
    markers, model = _split_points(reader, points, labels, to_mm, aliases)
    analog_rate = geo["rate"] * geo["per_frame"] if geo["n_analog"] and geo["per_frame"] else float("nan")
    analog_labels = _labels(reader, "ANALOG", geo["n_analog"], "A")
    plates, used = _c3d_plates(path, reader, analog, analog_rate, to_mm)
    analogs = {nm: analog[:, i].copy() for i, nm in enumerate(analog_labels) if i not in used}
    metadata = _c3d_metadata(reader)
    metadata.update(processor=_PROCESSORS[raw[512 * (raw[0] - 1) + 3]], first_frame=_c3d_first_frame(reader))
    return Trial(markers=markers, marker_rate=geo["rate"], plates=plates, analogs=analogs,
                 analog_rate=analog_rate, events=_c3d_events(reader, geo["rate"]), metadata=metadata,
                 model_outputs=model, source=str(path))


# ----------------------------------------------------------------------------- OpenSim text files

def _yup_to_zup(xyz: np.ndarray) -> np.ndarray:
    """OpenSim (x forward, y up, z right) -> gaitcore (x forward, y left, z up): (x, -z, y)."""
    return np.stack([xyz[..., 0], -xyz[..., 2], xyz[..., 1]], axis=-1)


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
