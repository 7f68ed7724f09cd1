"""C3D reader: header and parameters parsed in Python, the data section decoded in C.

Every quirk met is handled by a named function below and listed in
``trial.metadata["quirks"]`` as ``"<name>: <detail>"``.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import _core
from .._errors import FormatError, InputError
from .._quiet import warn
from ..markers import rename_markers
from ..trial import Trial
from . import plates as _plates
from ._common import (LENGTH_TO_MM, axis_name, empty_events, existing_file, gaps_from_sentinels, parse_axis,
                      rotation_to_zup, turn, up_from_markers)
from .c3d_params import PROCESSORS, C3DHeader, C3DParameters, read_header, read_parameters

_MODEL_OUTPUT_GROUPS = ("ANGLES", "FORCES", "MOMENTS", "POWERS", "SCALARS", "REACTIONS")
_MODEL_OUTPUT_SUFFIX = re.compile(r"(angles?|forces?|moments?|powers?|grf)$", re.IGNORECASE)
_HEADER_FRAME_LIMIT = 65535  # a 16-bit header word: longer files need parameters


# ----------------------------------------------------------------------------- geometry

def _frame_count(header: C3DHeader, params: C3DParameters, quirks: list) -> int:
    """3D frames: the header's first/last words, or, for files longer than 65,535 frames,
    TRIAL:ACTUAL_START_FIELD/ACTUAL_END_FIELD (two 16-bit words each), POINT:LONG_FRAMES or
    POINT:FRAMES (int or float, as Vicon and ezc3d write them)."""
    from_header = header.last_frame - header.first_frame + 1
    candidates = []
    start, end = params.counts("TRIAL:ACTUAL_START_FIELD"), params.counts("TRIAL:ACTUAL_END_FIELD")
    if start is not None and end is not None and start.size >= 2 and end.size >= 2:
        start, end = start.ravel(), end.ravel()
        first, last = int(start[0] + 65536 * start[1]), int(end[0] + 65536 * end[1])
        if last >= first:
            candidates.append(("TRIAL:ACTUAL_START/END_FIELD", int(last - first + 1)))
    for key in ("POINT:LONG_FRAMES", "POINT:FRAMES"):
        prm = params.get(key)
        values = params.counts(key) if prm is not None and prm.dtype == 2 else params.numbers(key)
        if values is not None and values.size and np.isfinite(values.ravel()[0]) and values.ravel()[0] > 0:
            candidates.append((key, int(values.ravel()[0])))
    longest = max(candidates, key=lambda c: c[1], default=None)
    if longest and (header.last_frame == _HEADER_FRAME_LIMIT or longest[1] > _HEADER_FRAME_LIMIT
                    or from_header < 1):
        if longest[1] != from_header:
            quirks.append(("long_file", f"{longest[1]} frames from {longest[0]} (header: {from_header})"))
        return longest[1]
    return max(from_header, 0)


def _geometry(path: Path, raw: bytes, header: C3DHeader, params: C3DParameters, quirks: list) -> dict:
    """Sizes, rates, storage and where the data starts, checked against the file size
    before anything is allocated."""
    n_points = _count(params, "POINT:USED", header.n_points)
    scale = params.number("POINT:SCALE", header.point_scale)
    rate = params.number("POINT:RATE", header.frame_rate)
    if not (np.isfinite(rate) and rate > 0):
        rate = header.frame_rate
    if not (np.isfinite(rate) and rate > 0) or not (np.isfinite(scale) and scale != 0):
        raise FormatError(path, f"invalid POINT:RATE {rate} or POINT:SCALE {scale}")
    n_analog, per_frame = _analog_layout(params, header, rate)
    data_block = header.data_block
    if not (header.parameter_block < data_block and 512 * (data_block - 1) <= len(raw)):
        fallback = _count(params, "POINT:DATA_START", 0)
        if not (header.parameter_block < fallback and 512 * (fallback - 1) <= len(raw)):
            raise FormatError(path, f"data section pointer (block {data_block}) is invalid or outside the file")
        quirks.append(("data_start_from_parameters", f"header block {data_block} invalid, POINT:DATA_START {fallback}"))
        data_block = fallback
    geo = {"n_frames": _frame_count(header, params, quirks), "n_points": n_points, "n_analog": n_analog,
           "per_frame": per_frame, "rate": float(rate), "scale": float(scale), "is_float": scale < 0,
           "start": 512 * (data_block - 1)}
    _check_data_size(path, raw, geo, quirks)
    return geo


def _count(params: C3DParameters, key: str, default: int) -> int:
    values = params.counts(key)
    return int(values.ravel()[0]) if values is not None and values.size else int(default)


def _analog_layout(params: C3DParameters, header: C3DHeader, rate: float) -> tuple[int, int]:
    """(channels, samples per channel per 3D frame) from ANALOG:USED/RATE and the header."""
    n_analog = _count(params, "ANALOG:USED", -1)
    if n_analog < 0:
        n_analog = header.analog_per_frame_total // max(header.analog_per_frame, 1)
    if n_analog == 0:
        return 0, 0
    analog_rate = params.number("ANALOG:RATE", float("nan"))
    ratio = analog_rate / rate if np.isfinite(analog_rate) and analog_rate > 0 else float("nan")
    if np.isfinite(ratio) and abs(ratio - round(ratio)) < 1e-6 and round(ratio) >= 1:
        return n_analog, int(round(ratio))
    if header.analog_per_frame:
        return n_analog, header.analog_per_frame
    return n_analog, header.analog_per_frame_total // n_analog


def _check_data_size(path: Path, raw: bytes, geo: dict, quirks: list) -> None:
    """Refuse a data section longer than the file; read the whole frames of a 16-bit frame
    count that overstates them (frames ending exactly at a frame boundary, as Optotrak's
    exporter writes) with a warning."""
    word = 4 if geo["is_float"] else 2
    frame_bytes = (4 * geo["n_points"] + geo["n_analog"] * geo["per_frame"]) * word
    have = max(len(raw) - geo["start"], 0)
    need = geo["n_frames"] * frame_bytes
    if need <= have:
        return
    whole, rest = divmod(have, frame_bytes)
    if rest == 0 and whole >= 1 and geo["n_frames"] <= _HEADER_FRAME_LIMIT:
        quirks.append(("frame_count_overstated", f"{geo['n_frames']} frames declared, {whole} present"))
        warn(f"{path}: the file declares {geo['n_frames']} frames but holds {whole} whole frames; "
                      f"reading {whole}", stacklevel=4)
        geo["n_frames"] = whole
        return
    raise FormatError(path, f"truncated: the data section needs {need} bytes for {geo['n_frames']} frames "
                            f"but the file holds {have}")


# ----------------------------------------------------------------------------- analog scaling

def _analog_conversion(params: C3DParameters, n_analog: int, quirks: list) -> tuple[np.ndarray, np.ndarray, bool]:
    """Per-channel (offset in raw units, scale incl. GEN_SCALE) and whether samples are unsigned.

    ANALOG:OFFSET is an int16 parameter; for unsigned analog (ANALOG:FORMAT "UNSIGNED")
    its words are read as unsigned (offsets of 2048 or 32768)."""
    unsigned = params.string("ANALOG:FORMAT").upper().startswith("UNSIGNED")
    offset = params.counts("ANALOG:OFFSET") if unsigned else params.numbers("ANALOG:OFFSET")
    scale = params.numbers("ANALOG:SCALE")
    gen = params.number("ANALOG:GEN_SCALE", 1.0)
    if unsigned:
        quirks.append(("unsigned_analog", "ANALOG:FORMAT UNSIGNED: samples and offsets read as uint16"))
    return (_per_channel(offset, n_analog, 0.0), _per_channel(scale, n_analog, 1.0) * gen, unsigned)


def _per_channel(values, n: int, default: float) -> np.ndarray:
    out = np.full(n, default, dtype=float)
    if values is not None:
        flat = np.asarray(values, dtype=float).ravel()[:n]
        out[:flat.size] = flat
    return out


def _decode(raw: bytes, header: C3DHeader, geo: dict, params: C3DParameters, quirks: list):
    """(xyz (P, n, 3), residual (P, n), analog (A, n*k)) from the C core."""
    offset, scale, unsigned = _analog_conversion(params, geo["n_analog"], quirks)
    layout = (header.processor, int(geo["is_float"]), int(unsigned and not geo["is_float"]), geo["n_frames"],
              geo["n_points"], geo["n_analog"], geo["per_frame"], abs(geo["scale"]))
    return _core.c3d_decode(raw, geo["start"], layout, offset, scale)


# ----------------------------------------------------------------------------- points

def _labels(params: C3DParameters, group: str, count: int, prefix: str) -> list[str]:
    """LABELS, LABELS2, ... of a group, padded and made unique."""
    names = params.strings(f"{group}:LABELS")
    extra = 2
    while len(names) < count and params.get(f"{group}:LABELS{extra}") is not None:
        names += params.strings(f"{group}:LABELS{extra}")
        extra += 1
    names = [nm or f"{prefix}{i + 1}" for i, nm in enumerate(names[:count])]
    names += [f"{prefix}{i + 1}" for i in range(len(names), count)]
    seen: dict[str, int] = {}
    unique = []
    for nm in names:
        seen[nm] = seen.get(nm, 0) + 1
        unique.append(nm if seen[nm] == 1 else f"{nm}_{seen[nm]}")
    return unique


def _length_factor(path: Path, params: C3DParameters, quirks: list) -> float:
    """mm per POINT:UNITS unit (mm, cm, m ...); a missing unit is taken as mm."""
    units = next((u for u in params.strings("POINT:UNITS") if u), "")
    if not units:
        quirks.append(("units_missing", "no POINT:UNITS: millimetres assumed"))
        return 1.0
    key = units.lower()
    if key not in LENGTH_TO_MM:
        raise FormatError(path, f"unknown POINT:UNITS {units!r}")
    return LENGTH_TO_MM[key]


def _model_output_labels(params: C3DParameters, labels: list[str]) -> set[str]:
    listed = set()
    for group in _MODEL_OUTPUT_GROUPS:
        listed.update(params.strings(f"POINT:{group}"))
    return {nm for nm in labels if nm in listed or _MODEL_OUTPUT_SUFFIX.search(nm)}


def _split_points(params, xyz, residual, labels, to_mm, aliases):
    """Markers (mm, NaN in gaps, canonical names) and model outputs (file units, NaN when invalid)."""
    outputs = _model_output_labels(params, labels)
    invalid = residual < 0
    is_output = np.array([nm in outputs for nm in labels], dtype=bool)
    gap = invalid | (~is_output[:, None] & np.all(xyz == 0.0, axis=2))
    values = np.where(gap[:, :, None], np.nan, xyz)
    markers, model = {}, {}
    for j, label in enumerate(labels):
        if is_output[j]:
            model[label] = values[j]
        else:
            markers[label] = values[j] * to_mm if to_mm != 1.0 else values[j]
    return rename_markers(markers, aliases), model


def _finite_analogs(analogs: dict, quirks: list) -> dict:
    """Analog channels that no plate uses (EMG, triggers ...): inf samples -> NaN, listed.
    gaitcore does not analyse them; refusing the file for them would lose its markers and forces."""
    bad = {nm: int(np.isinf(v).sum()) for nm, v in analogs.items() if np.isinf(v).any()}
    if bad:
        quirks.append(("analog_inf", ", ".join(f"{nm} {k} samples" for nm, k in bad.items()) + " -> NaN"))
        analogs = {nm: np.where(np.isinf(v), np.nan, v) if nm in bad else v for nm, v in analogs.items()}
    return analogs


# ----------------------------------------------------------------------------- up axis

def _up_from_plate_corners(params: C3DParameters) -> np.ndarray | None:
    """The lab's vertical from the plates: a plate lies flat, its z axis (CORNERS) points down."""
    n_plates = _count(params, "FORCE_PLATFORM:USED", 0)
    corners = params.numbers("FORCE_PLATFORM:CORNERS")
    if n_plates <= 0 or corners is None or corners.size < 12:
        return None
    ups = []
    for c in corners.reshape(-1, 4, 3)[:n_plates]:
        rot = _plates.plate_rotation(c)
        if rot is not None and np.max(np.abs(rot[:, 2])) > np.cos(np.radians(10)):
            axis = int(np.argmax(np.abs(rot[:, 2])))
            ups.append(-np.sign(rot[axis, 2]) * np.eye(3)[axis])
    if not ups or any(not np.array_equal(u, ups[0]) for u in ups):
        return None
    return ups[0]


def _lab_rotation(path: Path, params: C3DParameters, markers: dict, up_axis, quirks: list) -> np.ndarray:
    """Rotation taking the file's lab frame to gaitcore's z-up frame.

    C3D labs are z up by convention; some files are y up (ezc3d exports, Kistler's own
    software).  The vertical is taken from ``up_axis`` when given, else from the plates
    (they lie flat), else from the markers (head/trunk/pelvis above the feet), else z; a
    warning only when the plates and the markers disagree."""
    if up_axis is not None:
        up, source = parse_axis(up_axis), "up_axis argument"
    else:
        from_plates, from_markers = _up_from_plate_corners(params), up_from_markers(markers)
        if from_plates is not None and from_markers is not None and not np.array_equal(from_plates, from_markers):
            warn(f"{path}: the plates say {axis_name(from_plates)} is up, the markers "
                          f"{axis_name(from_markers)}; using the plates", stacklevel=4)
        up, source = next(((u, src) for u, src in ((from_plates, "plate corners"), (from_markers, "markers"))
                           if u is not None), (np.array([0.0, 0.0, 1.0]), "C3D convention"))
    if up[2] != 1.0:  # a C3D header has no up axis: nothing disagrees, the quirk says what was done
        quirks.append(("up_axis", f"{axis_name(up)} up (from the {source}): turned to z up"))
    return rotation_to_zup(up)


# ----------------------------------------------------------------------------- plates

def _force_plates(path: Path, params: C3DParameters, analog: np.ndarray, geo: dict, to_mm: float, lab: np.ndarray,
                  quirks: list):
    """ForcePlates and the analog channel indices they use."""
    n_plates = _count(params, "FORCE_PLATFORM:USED", 0)
    if n_plates <= 0 or analog.size == 0:
        return [], set()
    types = params.numbers("FORCE_PLATFORM:TYPE")
    channels = params.counts("FORCE_PLATFORM:CHANNEL")
    corners = params.numbers("FORCE_PLATFORM:CORNERS")
    origins = params.numbers("FORCE_PLATFORM:ORIGIN")
    try:
        types = types.ravel()[:n_plates].astype(int)
        channels = channels.reshape(channels.shape[0], -1)[:n_plates] - 1 if channels.ndim > 1 \
            else channels.reshape(n_plates, -1) - 1
        corners = corners.reshape(-1, 4, 3)[:n_plates] * to_mm @ lab.T if corners is not None else None
        origins = origins.reshape(-1, 3)[:n_plates] * to_mm if origins is not None else np.zeros((n_plates, 3))
        if len(types) < n_plates or len(channels) < n_plates or len(origins) < n_plates:
            raise InputError(f"{n_plates} plates but fewer TYPE/CHANNEL/ORIGIN entries")
    except (AttributeError, ValueError) as exc:
        raise FormatError(path, f"inconsistent FORCE_PLATFORM parameters ({exc})") from exc
    units = params.strings("ANALOG:UNITS")
    zero = params.counts("FORCE_PLATFORM:ZERO")
    zero_range = (int(zero[0]), int(zero[1])) if zero is not None and zero.size >= 2 else (0, 0)
    out, used = [], set()
    for k in range(n_plates):
        plate_corners = corners[k] if corners is not None and k < len(corners) else None
        plate = _one_plate(path, params, k, types[k], channels[k], plate_corners, origins[k], units,
                           analog, geo, zero_range, quirks)
        if plate is not None:
            out.append(plate)
            used.update(channels[k][: _plates.N_CHANNELS[types[k]]].tolist())
    return out, used


def _one_plate(path, params, k, ptype, chans, corners, origin, units, analog, geo, zero_range, quirks):
    name = f"FP{k + 1}"
    if ptype not in _plates.N_CHANNELS:
        quirks.append(("plate_type_unsupported", f"{name}: type {ptype}"))
        warn(f"{path}: force plate {name} has unsupported type {ptype}; its channels stay in analogs",
                      stacklevel=3)
        return None
    idx = chans[: _plates.N_CHANNELS[ptype]]
    if len(idx) < _plates.N_CHANNELS[ptype] or idx.min() < 0 or idx.max() >= analog.shape[0]:
        raise FormatError(path, f"force plate {name}: FORCE_PLATFORM:CHANNEL points outside the analog channels")
    cal = _calibration(path, params, k, ptype, name, quirks) if ptype in _plates.CAL_SHAPE else None
    ch = analog[idx].T
    if np.isinf(ch).any():  # a force has no gap convention: an inf would become a wrong force
        bad = [int(i) + 1 for i in idx if np.isinf(analog[i]).any()]
        raise FormatError(path, f"force plate {name}: analog channel(s) {bad} hold infinite values")
    ch, zeroed = _plates.zero_baseline(ch, zero_range, geo["per_frame"], _plates.vertical_force(ptype, cal))
    if zeroed:
        quirks.append(("plate_zeroed", f"{name}: channel means over frames {zero_range[0]}-{zero_range[1]} removed"))
    unit_of = (lambda i: units[i] if i < len(units) else "")
    moment_scale = _plates.moment_scale_of(unit_of(idx[3])) if ptype in (2, 4) else 1.0
    if ptype in (3, 5, 6, 7):
        moment_scale = _plates.moment_scale_of(unit_of(idx[-1])) if ptype == 5 else 1.0
    cop_scale = _plates.length_scale_of(unit_of(idx[3])) if ptype == 1 else 1.0
    if ptype == 1:
        moment_scale = _plates.moment_scale_of(unit_of(idx[5]))
    rate = geo["rate"] * geo["per_frame"]
    return _plates.plate_from_channels(ptype, ch, corners, origin, cal, moment_scale, cop_scale, rate, name, quirks)


def _calibration(path, params, k, ptype, name, quirks) -> np.ndarray:
    """CAL_MATRIX of plate k (rows x columns of its type), stored column by column (Fortran
    order, the C3D default) unless FORCE_PLATFORM:MATRIX_STORE says BYROW."""
    rows, cols = _plates.CAL_SHAPE[ptype]
    values = params.numbers("FORCE_PLATFORM:CAL_MATRIX")
    by_row = params.string("FORCE_PLATFORM:MATRIX_STORE").upper().startswith("BYROW")
    try:
        flat = values.ravel()
        per_plate = flat.size // max(_count(params, "FORCE_PLATFORM:USED", 1), 1)
        block = flat[k * per_plate:k * per_plate + rows * cols]
        cal = block.reshape(rows, cols) if by_row else block.reshape(cols, rows).T
    except (AttributeError, ValueError) as exc:
        raise FormatError(path, f"force plate {name}: type {ptype} without a {rows}x{cols} CAL_MATRIX") from exc
    quirks.append(("plate_calibration_matrix", f"{name}: type {ptype}, {rows}x{cols} CAL_MATRIX "
                                               f"{'by row' if by_row else 'by column'}"))
    return cal


# ----------------------------------------------------------------------------- events

_EVENT_KINDS = {
    "IC": ("footstrike", "heelstrike", "footcontact", "initialcontact", "strike", "contact", "touchdown",
           "hs", "fs", "ic", "td"),
    "TO": ("footoff", "toeoff", "liftoff", "off", "to", "fo"),
}
_SIDE_WORDS = (("left", "L"), ("right", "R"), ("l", "L"), ("r", "R"))


def _event_kind(word: str) -> str | None:
    return next((kind for kind, words in _EVENT_KINDS.items() if word in words), None)


def map_event_label(label: str, context: str = "") -> tuple[str, str]:
    """(side, event) of a stored event: ``Foot Strike``/``Foot Off`` with a CONTEXT, or labels
    carrying the side themselves (``LHS``, ``RTO``, ``Left Foot Strike``, ``R_FS``, ``Foot Off Right``).
    Events that are not foot strikes or offs keep their label and the context's side."""
    side = {"left": "L", "right": "R", "l": "L", "r": "R"}.get(context.strip().lower(), "")
    word = re.sub(r"[^a-z]", "", label.lower())
    kind = _event_kind(word)
    if kind is None:
        for prefix, letter in _SIDE_WORDS:
            if word.startswith(prefix) and _event_kind(word[len(prefix):]):
                kind, side = _event_kind(word[len(prefix):]), side or letter
                break
            if word.endswith(prefix) and _event_kind(word[:-len(prefix)]):
                kind, side = _event_kind(word[:-len(prefix)]), side or letter
                break
    return side, kind or label


def _events(params: C3DParameters, header: C3DHeader, first_frame: int, rate: float, quirks: list) -> pd.DataFrame:
    """EVENT group (else the header's events) -> DataFrame(side, event, time_s) from the first frame."""
    offset = (first_frame - 1) / rate
    times = params.numbers("EVENT:TIMES")
    labels = params.strings("EVENT:LABELS")
    if times is not None and labels and times.size >= 2:
        times = times.reshape(-1, 2)  # (minutes, seconds)
        contexts = params.strings("EVENT:CONTEXTS")
        n = min(len(labels), times.shape[0], _count(params, "EVENT:USED", len(labels)))
        rows = [map_event_label(labels[i], contexts[i] if i < len(contexts) else "")
                + (60.0 * times[i, 0] + times[i, 1] - offset,) for i in range(n)]
        if not contexts:
            quirks.append(("events_without_contexts", "sides taken from the labels"))
    elif header.events:
        rows = [map_event_label(label) + (t - offset,) for label, t in header.events]
        quirks.append(("header_events", f"{len(rows)} events from the header (no EVENT group)"))
    else:
        return empty_events()
    events = pd.DataFrame(rows, columns=["side", "event", "time_s"])
    timeless = ~np.isfinite(events["time_s"].to_numpy(float))
    if timeless.any():  # a writer's NaN/inf time: the event cannot be placed
        quirks.append(("event_time_invalid", f"{int(timeless.sum())} events without a finite time dropped"))
        events = events[~timeless]
    return events.sort_values("time_s", kind="stable").reset_index(drop=True)


def event_mapping(params: C3DParameters, header: C3DHeader) -> list[tuple[str, str, str, str]]:
    """(label, context, side, event) of every stored event: how each label was read."""
    labels = params.strings("EVENT:LABELS")
    contexts = params.strings("EVENT:CONTEXTS")
    if labels:
        pairs = [(lab, contexts[i] if i < len(contexts) else "") for i, lab in enumerate(labels)]
    else:
        pairs = [(lab, "") for lab, _ in header.events]
    return [(lab, ctx) + map_event_label(lab, ctx) for lab, ctx in dict.fromkeys(pairs)]


def _first_frame(params: C3DParameters, header: C3DHeader) -> int:
    words = params.counts("TRIAL:ACTUAL_START_FIELD")
    if words is not None and words.size >= 2:
        return int(words.ravel()[0] + 65536 * words.ravel()[1])
    return int(header.first_frame)


# ----------------------------------------------------------------------------- metadata

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


def _subject_metadata(params: C3DParameters) -> dict:
    meta = {}
    for key, names in _METADATA_PARAMS.items():
        for group in ("PROCESSING", "SUBJECTS", "SUBJECT"):
            value = next((v for v in (params.numbers(f"{group}:{nm}") for nm in names)
                          if v is not None and v.size == 1 and np.isfinite(v.ravel()[0]) and v.ravel()[0] > 0), None)
            if value is not None:
                meta[key] = float(value.ravel()[0])
                break
    return meta


# ----------------------------------------------------------------------------- entry points

def read_c3d_parameters(path) -> tuple[C3DHeader, C3DParameters]:
    """The header and every parameter of a C3D file (no data decoded).

    Example: ``read_c3d_parameters(p)[1].numbers("PROCESSING:LTibialTorsion")``."""
    path = existing_file(path)
    raw = path.read_bytes()
    header = read_header(path, raw)
    return header, read_parameters(path, raw, header)


def read_c3d(path, aliases=None, up_axis=None) -> Trial:
    """Read a C3D file (any processor type: Intel, DEC, MIPS; integer or float storage).

    Returns a :class:`~gaitcore.trial.Trial` with

    - ``markers``: canonical name -> (n, 3) float64 mm (POINT:UNITS m/cm converted),
      NaN in gaps (invalid residual or all three coordinates exactly 0);
    - ``model_outputs``: points listed in POINT:ANGLES/FORCES/MOMENTS/POWERS/SCALARS
      or named ``*Angles``/``*Force``/``*Moment``/``*Power``, in the file's units;
    - ``plates``: one :class:`~gaitcore.trial.ForcePlate` per plate of type 1-7, in
      the lab frame: force on the body (N, Fz > 0 when loaded), COP (mm, NaN where
      Fz < ``COP_MIN_FZ_N``), free moment (N mm), corners (mm);
    - ``analogs``: the other analog channels ((sample - OFFSET) * SCALE * GEN_SCALE);
    - ``events``: EVENT group (or the header's events), ``Foot Strike``/``Foot Off``,
      ``LHS``/``RTO`` ... -> ``IC``/``TO`` with sides ``L``/``R``, ``time_s`` from the
      first frame of the file;
    - ``metadata``: ``body_mass_kg``, ``height_mm``, ``leg_length_mm_L`` ... when stored,
      plus ``processor``, ``storage``, ``first_frame``, ``units``, ``up_axis`` and ``quirks``
      (how each irregularity of the file was handled).

    ``up_axis`` ("x", "y", "z", optionally signed) names the file's vertical; by default it
    comes from the plates (they lie flat), else from the markers, else z (C3D convention).

    Raises FileNotFoundError, or :class:`~gaitcore._errors.FormatError` (a ValueError)
    naming the path for empty, truncated, corrupt or non-C3D files; sizes are checked
    against the file before anything is allocated.

    Example: ``read_c3d(datasets.path("Running_0002.c3d")).plates[0].fz.max()`` ~ 1400 N.
    """
    path = existing_file(path)
    raw = path.read_bytes()
    header = read_header(path, raw)
    params = read_parameters(path, raw, header)
    quirks = list(params.quirks)
    geo = _geometry(path, raw, header, params, quirks)
    xyz, residual, analog = _decode(raw, header, geo, params, quirks)
    to_mm = _length_factor(path, params, quirks)
    labels = _labels(params, "POINT", geo["n_points"], "P")
    markers, model = _split_points(params, xyz, residual, labels, to_mm, aliases)
    markers, model = gaps_from_sentinels(markers, quirks), gaps_from_sentinels(model, quirks, "model_output")
    lab = _lab_rotation(path, params, markers, up_axis, quirks)
    if not np.array_equal(lab, np.eye(3)):
        markers = {k: turn(v, lab) for k, v in markers.items()}
    analog_rate = geo["rate"] * geo["per_frame"] if geo["n_analog"] and geo["per_frame"] else float("nan")
    plates, used = _force_plates(path, params, analog, geo, to_mm, lab, quirks)
    analog_labels = _labels(params, "ANALOG", geo["n_analog"], "A")
    analogs = _finite_analogs({nm: analog[i] for i, nm in enumerate(analog_labels) if i not in used}, quirks)
    first_frame = _first_frame(params, header)
    events = _events(params, header, first_frame, geo["rate"], quirks)
    metadata = _subject_metadata(params)
    metadata.update(processor=PROCESSORS[header.processor], first_frame=first_frame,
                    storage="float" if geo["is_float"] else "integer",
                    units=next((u for u in params.strings("POINT:UNITS") if u), "mm"),
                    up_axis=axis_name(np.linalg.inv(lab) @ np.array([0.0, 0.0, 1.0])),
                    quirks=[f"{name}: {detail}" for name, detail in quirks])
    return Trial(markers=markers, marker_rate=geo["rate"], plates=plates, analogs=analogs,
                 analog_rate=analog_rate, events=events, metadata=metadata,
                 model_outputs=model, source=str(path))
