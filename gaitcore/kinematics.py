"""Joint kinematics from markers: Conventional Gait Model (CGM / Plug-in Gait) frames
and Cardan angles, computed in the C core (docs/methods.md part C).

Frames.  A :class:`~gaitcore.Trial` is z up, millimetres.  The C core works in any
right-handed lab frame, so no axes are swapped: segment frames are built directly in
the trial's lab frame with ISB segment axes (x anterior, y superior along the long
axis, z right, for both sides), and the progression frame is built from the trial's
up axis (z) and the direction of travel: x = travel, y = up, z = x × y (the runner's
right).  docs/methods.md writes the same frames with the lab's y up; only the lab axes are
named differently, every angle is identical.

Angles (degrees) and signs, per key of the returned dict (:data:`ANGLE_COMPONENTS`):

- ``pelvis``, ``thorax``: segment vs the progression frame, columns
  (anterior tilt +, obliquity with the right side up +, rotation with the right side
  forward +).  Plug-in Gait's *left* pelvis angles are (tilt, -obliquity, -rotation).
  Sequence Baker 2001 rotation-obliquity-tilt (``pelvis_sequence="baker"``, default)
  or Plug-in Gait tilt-obliquity-rotation (``"pig"``).
- ``L_hip``/``R_hip``: pelvis -> thigh, ISB / Grood-Suntay Z-X-Y: (flexion +,
  adduction +, internal rotation +), each side in its own anatomical sense.
- ``L_knee``/``R_knee``: thigh -> shank: (flexion +, adduction/varus +, internal rotation +).
- ``L_ankle``/``R_ankle``: shank -> foot: (dorsiflexion +, inversion +, internal
  rotation +), ISB Z-X-Y, or with ``ankle_sequence="pig"`` Plug-in Gait's Z-Y-X order
  (flexion, rotation, inversion).  The foot's x axis is AJC -> TOE and its medio-lateral
  axis is the shank's, so without static offsets the inversion is 0 by construction
  (as in an uncalibrated CGM).
- ``trunk_lean``: (n,), forward lean of C7 relative to the mid hip joint centres
  (or the thorax up axis), in the sagittal plane of the progression frame, + forward.

Joint centres: hip by Harrington 2007 (default; pelvic width from ``inter_asis_mm`` or the
ASIS markers, depth from the markers) or Davis 1991 (Plug-in Gait: mean of both leg
lengths, ``asis_trochanter_mm_{side}`` when given, else Davis's regression); knee and
ankle by the chord method when the knee/ankle widths are in ``trial.metadata``
(``knee_width_mm_L`` ...), else the midpoint of medial and lateral markers (KNM/MED),
else (a documented offset) the chord method with a default width of
``DEFAULT_KNEE_WIDTH_MM``/``DEFAULT_ANKLE_WIDTH_MM``.  Markers absent from a dynamic
trial (e.g. epicondyles and malleoli in a cluster-based running protocol) can be
reconstructed from a ``static`` trial through 3-marker clusters (``{side}TH1..3``,
``{side}TB1..3``).

Static calibration.  Without a static trial the model is an uncalibrated CGM.  Plug-in
Gait's tibial torsion and static plantar-flexion / rotation offsets are read from a Vicon
file's PROCESSING group by default, else derived from the static trial
(:func:`gaitcore.pig_static_calibration`), or passed (``calibration=``); its thigh-rotation
offset (KAD or knee-medial static) is not derived, but a
calibrated model's knee/ankle centres stored as virtual markers can be used
(``stored_joint_centres=True``).  On walk.c3d (the lab's CGM outputs) the uncalibrated
model differs by ~40 deg of hip rotation and ~6 deg of hip/knee flexion RMS because the
lab's static put the knee centre ~43 deg about the KNE-HJC line from the THI plane; with
the file's calibration every angle matches to < 0.1 deg RMS (tests/test_kinematics.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import _core, _quiet
from ._errors import InputError, InputTypeError, MissingMarkersError
from ._validate import non_negative
from .markersets import Landmarks, resolve_landmarks, static_forward
from .filters import fill_gaps, lowpass
from .trial import UP_AXIS, Trial

__all__ = ["ANGLE_COMPONENTS", "joint_angles", "MissingMarkersError"]

DEFAULT_CUTOFF_HZ = 10.0     # docs/methods.md E: running kinematics 8-12 Hz
DEFAULT_MAX_GAP_S = 0.1      # docs/methods.md E: spline-fill gaps of <= 10 frames at 100 Hz
DEFAULT_KNEE_WIDTH_MM = 100.0
DEFAULT_ANKLE_WIDTH_MM = 70.0
MARKER_RADIUS_MM = 7.0
VIRTUAL_WAND_MM = 100.0  # offset of the virtual wand of a segment without wand or medial marker

_SEG = ("anterior_tilt", "obliquity_right_up", "rotation_right_forward")
_JOINT = ("flexion", "adduction", "internal_rotation")
#: Column names of each array returned by :func:`joint_angles` (degrees, signs in the module doc).
ANGLE_COMPONENTS: dict[str, tuple[str, ...]] = {
    "pelvis": _SEG,
    "thorax": _SEG,
    "L_hip": _JOINT, "R_hip": _JOINT,
    "L_knee": _JOINT, "R_knee": _JOINT,
    "L_ankle": ("dorsiflexion", "inversion", "internal_rotation"),
    "R_ankle": ("dorsiflexion", "inversion", "internal_rotation"),
    "trunk_lean": ("forward_lean",),
}

_HJC = {"harrington": 0, "davis": 1}
_SEQ = {"baker": 3, "pig": 4}  # gc_kin_joint codes of the segment-vs-progression angles
_HIP, _KNEE = 0, 1
_ANKLE = {"isb": 2, "pig": 5}  # gc_kin_joint codes
_SIDES = (("L", -1), ("R", 1))
#: km.sources["trunk_lean"] when C7 is the only trunk marker: its lean is biased backward
#: (docs/methods.md C 2) and is reported only relative to the static standing trial.
C7_ONLY = "C7 only (usable relative to standing only)"


@dataclass
class KinematicModel:
    """Everything :func:`joint_angles` builds, for the factor metrics (lab frame, mm)."""

    markers: dict
    rate: float
    progression: np.ndarray          # (3, 3) columns x travel, y up, z right
    treadmill: bool
    pelvis_origin: np.ndarray
    pelvis: np.ndarray               # (n, 3, 3)
    hjc: dict = field(default_factory=dict)
    kjc: dict = field(default_factory=dict)
    ajc: dict = field(default_factory=dict)
    frames: dict = field(default_factory=dict)
    angles: dict = field(default_factory=dict)
    leg_length_mm: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    filled: dict = field(default_factory=dict)  # marker -> (n,) bool, True where gap-filled
    landmarks: Landmarks | None = None           # the trial's landmarks by role (gaitcore.markersets)
    sources: dict = field(default_factory=dict)  # "pelvis", "L_hjc", "trunk_lean" ... -> how it was built
    functional: dict = field(default_factory=dict)  # side -> FunctionalHJC (SCoRE) replacing Harrington


def joint_angles(trial: Trial, model: str = "cgm", hjc: str = "harrington", pelvis_sequence: str = "baker", *,
                 progression="auto", cutoff_hz: float | None = DEFAULT_CUTOFF_HZ, filter_order: int = 2,
                 max_gap_s: float = DEFAULT_MAX_GAP_S, static: Trial | None = None,
                 harrington_leg_length: bool = False, marker_radius_mm: float = MARKER_RADIUS_MM,
                 calibration: dict | str | None = "auto", stored_joint_centres: bool = False,
                 ankle_sequence: str = "isb", functional=None) -> dict[str, np.ndarray]:
    """Pelvis, thorax, hip, knee and ankle angles (degrees) and trunk lean of a trial.

    Markers are first gap-filled (cubic spline, gaps up to ``max_gap_s``) and low-passed
    (zero-lag Butterworth, ``filter_order`` per pass, ``cutoff_hz``; ``None`` = no
    filter), the defaults of docs/methods.md E.  A frame with a marker still missing gives a
    NaN row, never a made-up angle.

    Parameters
    ----------
    trial : Trial (z up, mm) with Plug-in-Gait marker names (see gaitcore.markers)
    model : "cgm" (Conventional Gait Model / Plug-in Gait lower body, + thorax)
    hjc : "harrington" (default, Harrington 2007) or "davis" (Davis 1991, as Plug-in Gait)
    functional : Trial or path of a functional (hip range-of-motion) trial: each hip centre
        is then the SCoRE centre of :func:`functional_hjc`, carried by the pelvis frame
    pelvis_sequence : "baker" (rotation-obliquity-tilt, Baker 2001) or "pig" (tilt-obliquity-rotation)
    progression : "auto" (direction of travel overground, facing direction on a treadmill),
        "lab_axis" (the horizontal lab axis closest to it, as Plug-in Gait), or a lab vector (x, y[, z])
    cutoff_hz : float or None, Hz
    filter_order : int, order of each filter pass
    max_gap_s : float, s, longest gap filled
    static : Trial, optional; a static trial used to reconstruct knee/ankle landmarks
        missing from ``trial`` through thigh/shank marker clusters
    harrington_leg_length : use Harrington's regression with leg length
    marker_radius_mm : float, mm, added to half the knee/ankle width (chord) and in Davis's HJC
    calibration : dict, optional, Plug-in Gait static-calibration offsets in degrees, keys
        ``{side}_tibial_torsion_deg`` (the knee uses the shank frame turned by -torsion about
        its long axis), ``{side}_static_plantar_flexion_deg`` and
        ``{side}_static_rotation_offset_deg`` (the foot frame turned about its z, then y axis),
        side "L"/"R"; missing keys are 0 (an uncalibrated CGM).  "file": the offsets a Vicon C3D
        stores in its PROCESSING group (TibialTorsion, StaticPlantFlex, StaticRotOff); "static":
        derived from ``static`` (:func:`gaitcore.pig_static_calibration`, heel-toe line as marked); "auto"
        (default): the trial's file, else the static's file, else derived from the static, else
        none; None: no offsets.  ``km.sources["calibration"]`` says which was used
    ankle_sequence : "isb" (Z-X-Y: flexion, inversion, rotation; Wu 2002) or "pig" (Plug-in
        Gait's Z-Y-X: flexion, rotation, then inversion about the foot's long axis, its second
        column being Plug-in Gait's second ankle component)
    stored_joint_centres : use the markers ``{side}KJC``/``{side}AJC`` when the trial carries
        them (virtual markers written by a calibrated model) instead of the chord method

    Returns
    -------
    dict of str -> ndarray: ``pelvis``, ``thorax``, ``L_hip``, ``R_hip``, ``L_knee``,
    ``R_knee``, ``L_ankle``, ``R_ankle`` each (n, 3); ``trunk_lean`` (n,).  Columns in
    :data:`ANGLE_COMPONENTS`.

    Raises
    ------
    MissingMarkersError (a ValueError) naming the missing markers and the accepted alternatives.

    References
    ----------
    Davis et al. 1991, Hum Mov Sci 10:575; Harrington et al. 2007, J Biomech 40:595;
    Wu et al. 2002, J Biomech 35:543; Baker 2001, Gait Posture 13:1.

    Example
    -------
    >>> import gaitcore
    >>> trial = gaitcore.read_trial(gaitcore.datasets.path("walk.c3d"))
    >>> angles = gaitcore.joint_angles(trial, hjc="davis", pelvis_sequence="pig")
    >>> angles["R_knee"].shape, gaitcore.ANGLE_COMPONENTS["R_knee"][0]
    ((221, 3), 'flexion')
    """
    return build_model(trial, model=model, hjc=hjc, pelvis_sequence=pelvis_sequence, progression=progression,
                       cutoff_hz=cutoff_hz, filter_order=filter_order, max_gap_s=max_gap_s, static=static,
                       harrington_leg_length=harrington_leg_length, marker_radius_mm=marker_radius_mm,
                       calibration=calibration, stored_joint_centres=stored_joint_centres,
                       ankle_sequence=ankle_sequence, functional=functional).angles


def build_model(trial: Trial, *, model="cgm", hjc="harrington", pelvis_sequence="baker", progression="auto",
                cutoff_hz=DEFAULT_CUTOFF_HZ, filter_order=2, max_gap_s=DEFAULT_MAX_GAP_S, static=None,
                harrington_leg_length=False, marker_radius_mm=MARKER_RADIUS_MM, calibration="auto",
                stored_joint_centres=False, ankle_sequence="isb", marker_set="auto", functional=None) -> KinematicModel:
    """The full model behind :func:`joint_angles` (frames, joint centres, angles, landmarks).

    Only the pelvis is required (MissingMarkersError otherwise); a leg or the thorax the
    markers cannot build gives NaN angles and a note naming what is missing."""
    _check_args(trial, model, hjc, pelvis_sequence, static)
    functional = functional_centres(functional, static=static, marker_set=marker_set)
    if ankle_sequence not in _ANKLE:
        raise InputError(f"ankle_sequence must be 'isb' or 'pig', got {ankle_sequence!r}")
    radius = non_negative(marker_radius_mm, "marker_radius_mm")
    calib, calibration_source = _check_calibration(calibration, trial, static, hjc=hjc, marker_radius_mm=radius,
                                                   stored_joint_centres=stored_joint_centres, marker_set=marker_set)
    m, filled = _prepare_markers(trial, cutoff_hz, filter_order, max_gap_s)
    lm = resolve_landmarks(m, static=static, marker_set=marker_set, rate=trial.marker_rate, max_gap_s=max_gap_s)
    notes: list[str] = []
    origin, pelvis, pelvis_source = _pelvis(lm)
    up = tuple(float(v) for v in np.eye(3)[UP_AXIS])
    prog, treadmill = _progression(origin, pelvis, up, progression)
    km = KinematicModel(markers=m, rate=float(trial.marker_rate), progression=prog, treadmill=treadmill,
                        pelvis_origin=origin, pelvis=pelvis, notes=notes, filled=filled, landmarks=lm)
    km.sources["pelvis"] = pelvis_source
    km.sources["calibration"] = calibration_source
    km.functional = functional
    for side, s in _SIDES:
        km.leg_length_mm[side] = _leg_length(trial, lm, side)
    for side, s in _SIDES:
        km.hjc[side] = _hip_centre(km, trial, side, s, hjc, harrington_leg_length, radius, stored_joint_centres)
        _leg(km, trial, side, s, radius, calib, stored_joint_centres)
    seq = _SEQ[pelvis_sequence]
    n = pelvis.shape[0]
    km.angles["pelvis"] = _core.kin_angles(prog, pelvis, seq, 1)
    km.angles["thorax"] = _thorax(km, seq)
    for side, s in _SIDES:
        f = km.frames
        km.angles[f"{side}_hip"] = _angles(pelvis, f.get(f"{side}_thigh"), _HIP, s, n)
        km.angles[f"{side}_knee"] = _angles(f.get(f"{side}_thigh"), f.get(f"{side}_shank_knee"), _KNEE, s, n)
        km.angles[f"{side}_ankle"] = _angles(f.get(f"{side}_shank"), f.get(f"{side}_foot"), _ANKLE[ankle_sequence],
                                             s, n)
    km.angles["trunk_lean"] = _trunk_lean(km)
    for note in notes:
        _quiet.warn(note, stacklevel=3)
    return km


def _angles(prox, dist, joint, side, n):
    return _core.kin_angles(prox, dist, joint, side) if prox is not None and dist is not None else np.full((n, 3),
                                                                                                        np.nan)


# ---- inputs ----------------------------------------------------------------------------

def _check_args(trial, model, hjc, pelvis_sequence, static):
    if not isinstance(trial, Trial):
        raise InputTypeError(f"trial must be a gaitcore.Trial, got {type(trial).__name__}")
    if model != "cgm":
        raise InputError(f"model must be 'cgm', got {model!r}")
    if hjc not in _HJC:
        raise InputError(f"hjc must be 'harrington' or 'davis', got {hjc!r}")
    if pelvis_sequence not in _SEQ:
        raise InputError(f"pelvis_sequence must be 'baker' or 'pig', got {pelvis_sequence!r}")
    if static is not None and not isinstance(static, Trial):
        raise InputTypeError(f"static must be a gaitcore.Trial or None, got {type(static).__name__}")
    if trial.n_frames == 0:
        raise InputError("trial has no marker frames")


def _prepare_markers(trial, cutoff_hz, order, max_gap_s):
    """Gap-fill then low-pass every marker (docs/methods.md E); inf is refused.  Returns the
    markers and, per marker, the frames that were filled.  The markers go through the C
    core together as one (markers, n, 3) array, each marker a contiguous slice of it."""
    names = list(trial.markers)
    max_gap_s = 0.0 if max_gap_s is None else non_negative(max_gap_s, "max_gap_s")
    fill = max_gap_s > 0
    if not names or (not fill and cutoff_hz is None):
        return {k: _finite_marker(k, np.ascontiguousarray(trial.markers[k], dtype=float)) for k in names}, {}
    stacked = np.stack([np.asarray(trial.markers[k], dtype=float) for k in names], axis=0)
    all_finite = bool(np.isfinite(stacked).all())  # the common case: no gap, no inf
    if not all_finite:
        bad = np.isinf(stacked).any(axis=(1, 2))
        if bad.any():
            raise InputError(f"marker {names[int(np.argmax(bad))]} holds infinite values")
    filled = {}
    if fill and all_finite:
        filled = {k: np.zeros(stacked.shape[1], dtype=bool) for k in names}
    elif fill:
        stacked, mask = fill_gaps(stacked, trial.marker_rate, max_gap_s=max_gap_s, axis=1)
        any_filled = mask.any(axis=2)
        filled = {k: any_filled[j] for j, k in enumerate(names)}
    if cutoff_hz is not None:
        stacked = lowpass(stacked, trial.marker_rate, cutoff_hz, order=order, axis=1)
    return {k: stacked[j] for j, k in enumerate(names)}, filled


def _finite_marker(name, xyz):
    if np.isinf(xyz).any():
        raise InputError(f"marker {name} holds infinite values")
    return xyz


def _median_distance(a, b):
    d = np.linalg.norm(a - b, axis=1)
    return float(np.nanmedian(d)) if np.isfinite(d).any() else float("nan")


def _progression(origin, pelvis, up, progression):
    if isinstance(progression, str):
        if progression not in ("auto", "lab_axis"):
            raise InputError(f"progression must be 'auto', 'lab_axis' or a vector, got {progression!r}")
        direction, treadmill = _core.kin_travel_direction(origin, pelvis, up, 300.0)
        direction = np.array(direction)
        if progression == "lab_axis":
            horizontal = [i for i in range(3) if i != UP_AXIS]
            k = max(horizontal, key=lambda i: abs(direction[i]))
            direction = np.sign(direction[k]) * np.eye(3)[k]
    else:
        vec = np.asarray(progression, dtype=float).ravel()
        if vec.size == 2:
            vec = np.insert(vec, UP_AXIS, 0.0)
        if vec.size != 3 or not np.isfinite(vec).all():
            raise InputError(f"progression vector must have 2 or 3 finite components, got {progression!r}")
        direction, treadmill = vec, False
    return _core.kin_progression_frame(tuple(direction), up), bool(treadmill)


_CALIBRATION = {"tibial_torsion_deg": "TibialTorsion", "static_plantar_flexion_deg": "StaticPlantFlex",
                "static_rotation_offset_deg": "StaticRotOff"}


def file_calibration(trial: Trial) -> dict:
    """Plug-in Gait static-calibration offsets (degrees, keys as ``calibration=``) stored in the
    PROCESSING group of the trial's Vicon C3D file (radians there); {} when absent."""
    path = Path(str(trial.source)) if trial.source else None
    if path is None or path.suffix.lower() != ".c3d" or not path.is_file():
        return {}
    from .io import read_c3d_parameters

    try:
        _, params = read_c3d_parameters(path)
    except (OSError, ValueError):
        return {}
    out = {}
    for side, _ in _SIDES:
        for key, name in _CALIBRATION.items():
            value = params.number(f"PROCESSING:{side}{name}")
            if value is not None and math.isfinite(value):
                out[f"{side}_{key}"] = math.degrees(value)
    return out


#: calibration= modes of joint_angles/build_model/analyze_trial
CALIBRATION_MODES = ("auto", "file", "static")


def _check_calibration(calibration, trial, static=None, **model):
    """(offsets in radians per key, where they came from).  ``model``: the run's options that
    place the ankle centre (hjc, marker_radius_mm, stored_joint_centres, marker_set), for the
    offsets derived from the static."""
    keys = [f"{side}_{k}" for side, _ in _SIDES for k in _CALIBRATION]
    source = "none"
    if isinstance(calibration, str):
        if calibration not in CALIBRATION_MODES:
            raise InputError(f"calibration must be a dict, None or one of {CALIBRATION_MODES}, got {calibration!r}")
        calibration, source = _calibration_of_mode(calibration, trial, static, model)
    elif calibration:
        source = "given"
    calibration = dict(calibration or {})
    unknown = sorted(set(calibration) - set(keys))
    if unknown:
        raise InputError(f"calibration: unknown keys {unknown}; accepted: {keys}")
    out = {}
    for k in keys:
        v = calibration.get(k, 0.0)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InputError(f"calibration[{k!r}] must be a finite number of degrees, got {v!r}")
        out[k] = math.radians(float(v))
    return out, source


def _calibration_of_mode(mode, trial, static, model):
    """(offsets in degrees, source) of a calibration mode: "file" the run's PROCESSING offsets;
    "static" derived from the static trial (pig_static_calibration); "auto" the run's file, else
    the static's file, else derived from the static, else none."""
    from .pig_static import pig_static_calibration

    if mode == "static" and static is None:
        raise InputError("calibration='static' needs a static trial (static=)")
    if mode in ("file", "auto"):
        found = file_calibration(trial)
        if found:
            return found, "PROCESSING group of the file"
        if mode == "file" or static is None:
            return {}, "none (the file stores no PROCESSING offsets)"
        found = file_calibration(static)
        if found:
            return found, "PROCESSING group of the static trial's file"
    try:
        with _quiet.quiet():
            derived = pig_static_calibration(static, metadata=trial.metadata, **model)
    except InputError as exc:  # a static without feet (MissingMarkersError), without leg length ...
        if mode == "static":
            raise
        return {}, f"none (no PROCESSING offsets; none derived from the static: {exc})"
    return derived, "derived from the static trial (Plug-in Gait offsets, heel-toe line as marked)"


def _rotate_frames(frames, axis, angle_rad):
    """frames @ R_axis(angle): turn each segment frame about its own axis (0 x, 1 y, 2 z)."""
    if angle_rad == 0.0:
        return frames
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    r = np.eye(3)
    r[i, i] = r[j, j] = c
    r[i, j], r[j, i] = -s, s
    return np.ascontiguousarray(frames @ r)


# ---- segments --------------------------------------------------------------------------

def _pelvis(lm):
    """(origin, frames, how): from both ASIS and the pelvis back (mid-PSIS or sacrum) as the CGM;
    else, with a pelvis cluster and the static trial, a standing frame defined in the static
    (trochanters for the medio-lateral axis, the lab vertical) and carried by the cluster."""
    if lm.has("asis", "L") and lm.has("asis", "R") and lm.has("pelvis_back"):
        back = np.ascontiguousarray(lm.get("pelvis_back"))
        origin, frames = _core.kin_pelvis(lm.get("asis", "L"), lm.get("asis", "R"), back, back)
        return origin, frames, "ASIS and " + lm.source("pelvis_back")
    standing = _standing_pelvis(lm)
    if standing is not None:
        return standing
    found = sorted(f"{r}_{s}" for r in ("asis", "psis") for s in "LR" if lm.has(r, s)) + \
        (["sacrum"] if lm.has("sacrum") else [])
    names = [n for role, side in (("asis", "L"), ("asis", "R"), ("psis", "L"), ("psis", "R"), ("sacrum", None))
             for n in lm.marker_set.spellings("pelvis", role, side)[:1]]
    raise MissingMarkersError(
        f"pelvis ({lm.marker_set.name} marker set): needs both ASIS and the PSIS pair or the sacrum "
        f"({', '.join(names)}), or a pelvis cluster with trochanters in a static trial; found "
        f"{found or 'none of them'}. Another marker set: marker_set= (see gaitcore.markersets)")


def _standing_pelvis(lm):
    pair = [lm.static_point("trochanter", s) for s in "LR"]
    forward = static_forward(lm)
    if any(p is None for p in pair) or forward is None:
        return None
    mid = 0.5 * (pair[0] + pair[1])
    # the CGM construction with the trochanters as "ASIS" and a point behind their midpoint
    carried = lm.carry("pelvis", None, np.stack([pair[0], pair[1], mid - 100.0 * forward]))
    if carried is None:
        return None
    back = np.ascontiguousarray(carried[:, 2])
    origin, frames = _core.kin_pelvis(np.ascontiguousarray(carried[:, 0]), np.ascontiguousarray(carried[:, 1]),
                                      back, back)
    return origin, frames, "standing frame of the static (trochanters, vertical) carried by the pelvis cluster"


def _leg_length(trial, lm, side):
    """Leg length (mm): trial.metadata leg_length_mm_{side}, else the median distance from the
    ASIS (else the trochanter) to the lateral malleolus."""
    ll = trial.metadata.get(f"leg_length_mm_{side}")
    if ll:
        return float(ll)
    top = lm.get("asis", side)
    top = top if top is not None else lm.get("trochanter", side)
    ankle = lm.get("ankle_lat", side)
    return _median_distance(top, ankle) if top is not None and ankle is not None else float("nan")


def _hip_centre(km, trial, side, s, method, use_ll, radius, stored):
    """HJC by the marker set's rules: Harrington/Davis from the pelvis landmarks, else 25 % of
    the inter-trochanter distance medial to the trochanter (Ferber, Davis & Williams 2003,
    Clin Biomech 18:350); a stored centre (static or run) when ``stored_joint_centres``."""
    lm = km.landmarks
    if side in km.functional:
        km.sources[f"{side}_hjc"] = f"functional (SCoRE), RMS {km.functional[side].rms_mm:.1f} mm"
        return np.einsum("nij,j->ni", km.pelvis, km.functional[side].centre_mm) + km.pelvis_origin
    if stored and lm.has("hjc", side):
        km.sources[f"{side}_hjc"] = lm.source("hjc", side)
        return lm.get("hjc", side)
    rules = lm.marker_set.rules("pelvis") or ("harrington", "davis")
    if any(r in _HJC for r in rules) and lm.has("asis", "L") and lm.has("asis", "R") and lm.has("pelvis_back"):
        km.sources[f"{side}_hjc"] = method
        params = _hjc_params(trial, km, side, method, use_ll, radius)
        return _core.kin_hjc(km.pelvis_origin, km.pelvis, _HJC[method], *params, int(use_ll), s)
    if lm.has("trochanter", "L") and lm.has("trochanter", "R"):
        other = "R" if side == "L" else "L"
        km.sources[f"{side}_hjc"] = "trochanter, 25 % medial"
        return lm.get("trochanter", side) + 0.25 * (lm.get("trochanter", other) - lm.get("trochanter", side))
    km.notes.append(f"{side} hip centre: no ASIS pair with a pelvis back, no trochanters")
    return np.full((lm.n_frames, 3), np.nan)


def _hjc_params(trial, km, side, method, use_ll, radius):
    """(pw, pd, ll, atd, marker radius) of one side, from metadata or the landmarks."""
    lm, md = km.landmarks, trial.metadata
    pw = md.get("inter_asis_mm") or _median_distance(lm.get("asis", "L"), lm.get("asis", "R"))
    pd = _median_distance(km.pelvis_origin, lm.get("pelvis_back"))
    lls = [v for v in km.leg_length_mm.values() if np.isfinite(v)]
    mean_ll = float(np.mean(lls)) if lls else float("nan")
    if (method == "davis" or use_ll) and not np.isfinite(mean_ll):
        raise InputError("hjc='davis' (or harrington_leg_length) needs leg length: put leg_length_mm_L/R "
                         "in trial.metadata")
    atd = md.get(f"asis_trochanter_mm_{side}")
    return (float(pw), float(pd), mean_ll if np.isfinite(mean_ll) else 0.0, float(atd) if atd else float("nan"),
            radius)


#: joint -> (segment, lateral role, medial role, wand role, metadata width key, default width, stored role)
_JOINTS = {"knee": ("thigh", "knee_lat", "knee_med", "thigh_wand", "knee_width_mm", DEFAULT_KNEE_WIDTH_MM, "kjc"),
           "ankle": ("shank", "ankle_lat", "ankle_med", "tibia_wand", "ankle_width_mm", DEFAULT_ANKLE_WIDTH_MM, "ajc")}


def _joint_centre(km, trial, side, prox, joint, hint, radius, stored):
    """Knee or ankle centre by the marker set's rules: the stored centre when asked, the chord
    method with the metadata width, the medial/lateral midpoint, else (noted) the chord method
    with a default width; the chord plane is the wand marker's, else the first technical
    marker's.  None (and a note) when the set has no lateral marker."""
    segment, lat, med, wand, width_key, default_width, stored_role = _JOINTS[joint]
    lm = km.landmarks
    if stored and lm.has(stored_role, side):
        return np.ascontiguousarray(lm.get(stored_role, side))
    L, M, W = lm.get(lat, side), lm.get(med, side), lm.get(wand, side)
    if W is None and M is None and L is not None:
        km.notes.append(f"{side} {joint}: no wand or medial marker; the chord plane is taken along the proximal "
                        "segment's medio-lateral axis (the proximal joint's axial rotation is then 0 by "
                        "construction)")
    if W is None and L is not None:
        # no wand: a virtual one lateral of the segment's middle, along the proximal segment's
        # medio-lateral axis (-hint), so the chord plane is the segment's frontal plane
        W = 0.5 * (prox + L) - VIRTUAL_WAND_MM * hint
    width = trial.metadata.get(f"{width_key}_{side}")
    for rule in lm.marker_set.rules(segment) or ("chord", "midpoint"):
        if L is None:
            break
        if rule == "chord" and width and W is not None:
            return _core.kin_chord(prox, np.ascontiguousarray(W), L, hint, 0.5 * float(width) + radius)
        if rule == "midpoint" and M is not None:
            return np.ascontiguousarray(0.5 * (L + M))
    if L is None:
        km.notes.append(f"{side} {segment}: no lateral {joint} marker in the {lm.marker_set.name} set; the angles "
                        "that need it are NaN")
        return None
    km.notes.append(f"{side} {joint}: no {width_key}_{side} in metadata and no medial marker; chord method "
                    f"with a default width of {default_width:g} mm")
    return _core.kin_chord(prox, np.ascontiguousarray(W), L, hint, 0.5 * default_width + radius)


def _leg(km, trial, side, s, radius, calib, stored):
    lm = km.landmarks
    # which of the two chord solutions is medial: the pelvis's medio-lateral axis tells
    kjc = _joint_centre(km, trial, side, km.hjc[side], "knee", np.ascontiguousarray(-s * km.pelvis[:, :, 2]),
                        radius, stored)
    if kjc is None:
        return
    km.kjc[side] = kjc
    thigh = km.frames[f"{side}_thigh"] = _core.kin_segment(km.hjc[side], kjc, lm.get("knee_lat", side), s)
    # the thigh's medio-lateral axis tells the ankle's medial side (the pelvis may be rotated far)
    ajc = _joint_centre(km, trial, side, kjc, "ankle", np.ascontiguousarray(-s * thigh[:, :, 2]), radius, stored)
    if ajc is None:
        return
    km.ajc[side] = ajc
    # the malleolar (distal) shank frame carries the tibial torsion; the knee sees the proximal tibia
    shank = _core.kin_segment(kjc, ajc, lm.get("ankle_lat", side), s)
    shank_knee = _rotate_frames(shank, 1, -s * calib[f"{side}_tibial_torsion_deg"])
    km.frames[f"{side}_shank"], km.frames[f"{side}_shank_knee"] = shank, shank_knee
    toe = lm.get("toe", side)
    if toe is None:
        km.notes.append(f"{side} foot: no toe marker and no foot cluster calibrated in a static trial; "
                        f"{side} ankle angles NaN")
        return
    foot = _core.kin_foot(ajc, np.ascontiguousarray(toe), shank_knee)
    foot = _rotate_frames(foot, 2, calib[f"{side}_static_plantar_flexion_deg"])
    km.frames[f"{side}_foot"] = _rotate_frames(foot, 1, s * calib[f"{side}_static_rotation_offset_deg"])


def _thorax(km, seq):
    lm = km.landmarks
    n = km.pelvis.shape[0]
    need = [r for r in ("c7", "jugular", "sternum") if not lm.has(r)]
    if need:
        km.notes.append(f"thorax angles NaN: no {need} landmark in the {lm.marker_set.name} set "
                        "(needs C7, jugular notch/CLAV and sternum; the back marker T10 is optional)")
        return np.full((n, 3), np.nan)
    back = lm.get("back")
    origin, frames = _core.kin_thorax(lm.get("c7"), None if back is None else np.ascontiguousarray(back),
                                      lm.get("jugular"), lm.get("sternum"))
    km.frames["thorax"] = frames
    return _core.kin_angles(km.progression, frames, seq, 1)


def _trunk_lean(km):
    """Forward lean of the trunk (docs/methods.md C 2): the thorax's upper centre (mean of C7 and the
    jugular notch, else mid-acromion, else the up axis of a full thorax) over the mid hip
    joint centre (else the pelvis centre).  With C7 as the only trunk marker, the lean of C7
    is returned but marked in ``km.sources["trunk_lean"]`` as usable only relative to standing."""
    lm = km.landmarks
    n = km.pelvis.shape[0]
    mid_hjc = 0.5 * (km.hjc["L"] + km.hjc["R"])
    if not np.isfinite(mid_hjc).any() and lm.has("pelvis_centre"):
        mid_hjc = lm.get("pelvis_centre")
    base = np.ascontiguousarray(mid_hjc)
    if lm.has("trunk_upper"):
        km.sources["trunk_lean"] = lm.source("trunk_upper")
        return _core.kin_lean(np.ascontiguousarray(lm.get("trunk_upper")), base, km.progression)
    if "thorax" in km.frames:
        km.sources["trunk_lean"] = "thorax up axis"
        up = np.ascontiguousarray(km.frames["thorax"][:, :, 1])
        return _core.kin_lean(up, np.zeros_like(up), km.progression)
    if lm.has("c7"):
        km.sources["trunk_lean"] = C7_ONLY
        return _core.kin_lean(np.ascontiguousarray(lm.get("c7")), base, km.progression)
    km.notes.append("trunk_lean NaN: no trunk landmark (C7 with the jugular notch, acromions, or a thorax)")
    km.sources["trunk_lean"] = "missing"
    return np.full(n, np.nan)


# ---- functional hip joint centre (SCoRE) ----------------------------------------------------

#: SCoRE conditioning (smallest / largest singular value of the stacked system) below which the
#: motion does not fix the centre.  Measured on the simulated hip of tests/test_functional_hjc.py
#: (0.5 mm marker noise): 0.15 with +-30 deg flexion, +-20 abduction, +-15 rotation (centre 0.13 mm
#: off); 0.06 with +-15 flexion and +-10 abduction (0.14 mm off); 0.0017 with flexion alone (73 mm
#: off) and 0.0013 with rotation alone (159 mm off).  The threshold sits between them.
SCORE_MIN_CONDITIONING = 0.02


@dataclass(frozen=True)
class FunctionalHJC:
    """A SCoRE hip centre: ``centre_mm`` (3,) in gaitcore's pelvis frame (origin mid-ASIS, or
    the standing frame of a pelvis cluster), the RMS distance (mm) between the pelvis and thigh
    estimates of the centre over the frames used, and the conditioning of the fit."""

    side: str
    centre_mm: np.ndarray
    rms_mm: float
    conditioning: float
    frames_used: int


def functional_hjc(trial, side: str, *, static: Trial | None = None, marker_set="auto",
                   cutoff_hz: float | None = DEFAULT_CUTOFF_HZ, max_gap_s: float = DEFAULT_MAX_GAP_S
                   ) -> FunctionalHJC:
    """Functional hip joint centre of one side from a range-of-motion trial, by SCoRE.

    Per frame, the pelvis frame (R_p, o_p; as :func:`joint_angles` builds it) and the thigh's
    technical frame (R_t, o_t; least-squares rigid fit of the thigh cluster, or of the thigh's
    knee and wand markers, to their first complete frame) are known; the centre is the pair of
    local points with R_p c_p + o_p = R_t c_t + o_t in the least-squares sense over every frame
    (Ehrig et al. 2006, J Biomech 39:2798), solved by SVD in the C core.  The hip must move
    about at least two axes (flexion with abduction and/or rotation, the "star arc"); motion
    about one axis leaves the centre free along it and raises InputError.

    Returns FunctionalHJC: ``centre_mm`` in the pelvis frame (mm), ``rms_mm`` (the residual),
    ``conditioning``.

    Example
    -------
    >>> import gaitcore
    >>> hjc = gaitcore.functional_hjc("hip_rom.c3d", "L")              # doctest: +SKIP
    >>> angles = gaitcore.joint_angles(run, functional="hip_rom.c3d")   # doctest: +SKIP
    """
    if not isinstance(side, str) or side not in ("L", "R"):
        raise InputError(f"side must be 'L' or 'R', got {side!r}")
    trial = _as_trial(trial, "functional")
    m, _ = _prepare_markers(trial, cutoff_hz, 2, max_gap_s)
    lm = resolve_landmarks(m, static=static, marker_set=marker_set, rate=trial.marker_rate, max_gap_s=max_gap_s)
    origin, pelvis, _ = _pelvis(lm)
    rot_t, org_t = _thigh_technical(lm, side)
    c_p, _, rms, cond = _core.kin_score(pelvis, origin, rot_t, org_t)
    used = int(np.sum(np.isfinite(pelvis).all(axis=(1, 2)) & np.isfinite(rot_t).all(axis=(1, 2))))
    if not cond >= SCORE_MIN_CONDITIONING:
        raise InputError(f"functional {side} hip ({trial.source or 'trial'}): the motion does not determine the "
                         f"centre (SCoRE conditioning {cond:.4f} < {SCORE_MIN_CONDITIONING}, residual {rms:.2f} mm): "
                         "move the hip about two or more axes (flexion with abduction and rotation)")
    return FunctionalHJC(side=side, centre_mm=c_p, rms_mm=float(rms), conditioning=float(cond), frames_used=used)


def _as_trial(value, name) -> Trial:
    if isinstance(value, Trial):
        return value.validate()
    if isinstance(value, (str, Path)):
        from .io import read_trial
        return read_trial(value)
    raise InputTypeError(f"{name} must be a gaitcore.Trial or a path, got {type(value).__name__}")


def _thigh_technical(lm, side):
    """Rotation (n, 3, 3) and origin (n, 3) of the thigh's technical frame: its cluster, else
    its knee and wand markers, fitted to their first frame where all are seen."""
    names = lm.clusters.get(("thigh", side))
    if names:
        pts = np.stack([lm.run[n] for n in names], axis=1)
    else:
        found = [lm.get(r, side) for r in ("knee_lat", "knee_med", "thigh_wand") if lm.has(r, side)]
        if len(found) < 3:
            raise MissingMarkersError(f"functional {side} hip: the {lm.marker_set.name} set finds no {side} thigh "
                                      "cluster and fewer than 3 thigh markers (knee lateral, medial, wand)")
        pts = np.stack(found, axis=1)
    complete = np.flatnonzero(np.isfinite(pts).all(axis=(1, 2)))
    if complete.size == 0:
        raise InputError(f"functional {side} hip: the thigh markers are never all seen in one frame")
    return _core.kin_rigid_fit(pts[complete[0]], pts)


def functional_centres(functional, *, static=None, marker_set="auto") -> dict:
    """side -> FunctionalHJC of a functional trial (or path), for build_model; {} for None.
    A dict of FunctionalHJC (already computed) is passed through."""
    if functional is None:
        return {}
    if isinstance(functional, dict):
        if not all(isinstance(v, FunctionalHJC) for v in functional.values()):
            raise InputTypeError("functional as a dict must map 'L'/'R' to gaitcore.FunctionalHJC")
        return functional
    trial = _as_trial(functional, "functional")
    return {side: functional_hjc(trial, side, static=static, marker_set=marker_set) for side in ("L", "R")}
