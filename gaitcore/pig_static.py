"""Plug-in Gait static offsets derived from a static standing trial (docs/methods.md C).

The Conventional Gait Model builds the foot from two points only: its long axis runs from
the ankle joint centre (AJC) to the toe marker, its medio-lateral axis is the (proximal)
shank's.  That "uncorrected" foot points down into the forefoot by roughly 15-20 deg.  The
static trial fixes the foot's anatomical long axis as the heel-to-toe line (with the flat-foot
option: the heel brought to the toe's height, i.e. the foot's sole parallel to the floor) and
stores, per side, the two angles that turn the uncorrected foot onto it: the static
plantar-flexion offset (about the foot's medio-lateral axis) and the static rotation offset
(then about its vertical axis).  Every later trial turns its uncorrected foot by these angles
(:func:`gaitcore.joint_angles`, keys ``{side}_static_plantar_flexion_deg`` and
``{side}_static_rotation_offset_deg`` of ``calibration=``).  Vicon writes the same angles, in
radians, as StaticPlantFlex / StaticRotOff in a C3D file's PROCESSING group.

Tibial torsion (``{side}_tibial_torsion_deg``) is the angle about the tibia's long axis between
the knee flexion axis and the ankle flexion axis.  Plug-in Gait takes it from the subject's
measurements unless the static carries a medial malleolus; so does this module: with a medial
malleolus in the static it is the angle between the thigh's medio-lateral axis (the knee
flexion axis) and the malleolar axis (medial to lateral malleolus), both projected onto the
distal shank's transverse plane, negative for external torsion (the lateral malleolus behind
the knee axis), as Plug-in Gait signs it.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from . import _core
from ._errors import InputError, InputTypeError, MissingMarkersError
from ._quiet import quiet, warn
from .markersets import _static_means
from .trial import UP_AXIS, Trial

__all__ = ["pig_static_calibration"]

_SIDES = (("L", -1), ("R", 1))


def pig_static_calibration(static, *, flat_foot: bool = False, tibial_torsion_deg: dict | None = None,
                           hjc: str = "harrington", marker_radius_mm: float | None = None,
                           stored_joint_centres: bool = False, marker_set="auto",
                           metadata: dict | None = None) -> dict[str, float]:
    """Plug-in Gait static offsets (degrees) of each foot, derived from a static standing trial.

    The static's markers are averaged over its frames (NaN-aware) and the standing model is built
    as :func:`gaitcore.joint_angles` builds every trial (same hip/knee/ankle centre rules, so the
    AJC and shank frame are the ones a run will use).  Per side, with U the uncorrected foot frame
    (x = AJC -> toe; z = the shank's medio-lateral axis turned by the tibial torsion, made
    orthogonal to x; y = z x x) and d the unit heel -> toe vector in U's coordinates:

    - static plantar flexion p = atan2(d_y, d_x) (+: the foot's long axis is turned up from the
      AJC -> toe line, as in every normal foot),
    - static rotation offset r = -s asin(d_z) with s = +1 right, -1 left,

    so that U turned by p about its z axis, then by s r about its new y axis, has its x axis along
    heel -> toe.  By default the heel and toe markers' own line is the foot's long axis, as in
    Vicon's Plug-in Gait.  With ``flat_foot=True`` the heel is first moved to the toe's height in
    the lab, so the long axis is horizontal when standing: the ankle then reads 0 deg of
    plantar/dorsiflexion for a foot flat on the floor under a vertical shank, whatever the heights
    at which the heel and toe markers sit (barefoot statics; a running shoe's heel-to-toe drop
    is then read as part of the foot).

    Parameters
    ----------
    static : Trial or path of the static standing trial (z up, mm); any marker set whose roles
        give the heel, toe, ankle and knee landmarks (gaitcore.markersets)
    flat_foot : bool, Plug-in Gait's "foot flat" option (default False, Vicon Plug-in Gait's
        default: with it and ``hjc="davis"`` a real Nexus static's stored offsets are reproduced
        within 0.01 deg, datasets/pyCGM_Sample_SM.vsk, where flat foot moved them by 1.1-1.6 deg;
        on walk.c3d's foot-flat frames it is also the closer of the two to the lab's offsets.
        True: the CGM 2 reference settings' choice, for barefoot statics)
    tibial_torsion_deg : {"L": deg, "R": deg}, optional, measured tibial torsion used (and
        returned) where the static has no medial malleolus; default 0 there (not returned)
    hjc, marker_radius_mm, stored_joint_centres, marker_set : as :func:`gaitcore.joint_angles`
        (use the run's: the AJC depends on them)
    metadata : dict, optional, subject measurements (``knee_width_mm_L``, ``ankle_width_mm_R``,
        ``leg_length_mm_L`` ...) used where the static's own metadata lacks them (the run's)

    Returns
    -------
    dict, keys as ``calibration=`` of :func:`gaitcore.joint_angles`, degrees:
    ``{side}_static_plantar_flexion_deg``, ``{side}_static_rotation_offset_deg`` and, where the
    static has a medial malleolus (or ``tibial_torsion_deg`` is given), ``{side}_tibial_torsion_deg``.
    A side without heel, toe or ankle centre is left out (with a warning).

    Raises
    ------
    MissingMarkersError when neither side has a heel, a toe and an ankle centre.

    References
    ----------
    Davis, Ounpuu, Tyburski & Gage 1991, Hum Mov Sci 10:575 (the CGM); Kadaba, Ramakrishnan &
    Wootten 1990, J Orthop Res 8:383; Vicon Plug-in Gait reference guide (foot segment, static
    offsets, the flat-foot option).

    Example
    -------
    >>> import gaitcore
    >>> from gaitcore import datasets
    >>> offsets = gaitcore.pig_static_calibration(datasets.path("Rajagopal_static_run.trc"))
    >>> sorted(offsets)[:2]
    ['L_static_plantar_flexion_deg', 'L_static_rotation_offset_deg']
    >>> run = gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"))
    >>> angles = gaitcore.joint_angles(run, calibration=offsets)
    """
    from .kinematics import MARKER_RADIUS_MM, _as_trial, build_model

    static = _as_trial(static, "static")
    if not isinstance(flat_foot, (bool, np.bool_)):
        raise InputTypeError(f"flat_foot must be True or False, got {flat_foot!r}")
    torsion_given = _check_torsion(tibial_torsion_deg)
    standing = _standing_trial(static, metadata)
    radius = MARKER_RADIUS_MM if marker_radius_mm is None else marker_radius_mm
    with quiet():  # the standing model's notes (a missing thorax ...) are not this function's
        km = build_model(standing, static=standing, hjc=hjc, marker_radius_mm=radius, calibration=None,
                         stored_joint_centres=stored_joint_centres, marker_set=marker_set, cutoff_hz=None,
                         max_gap_s=0, progression="lab_axis")
    out, missing = {}, []
    for side, s in _SIDES:
        offsets = _side_offsets(km, side, s, bool(flat_foot), torsion_given.get(side))
        if isinstance(offsets, str):
            missing.append(f"{side}: {offsets}")
        else:
            out.update({f"{side}_{k}": v for k, v in offsets.items()})
    where = static.source or "static trial"
    if not out:
        raise MissingMarkersError(f"{where}: no Plug-in Gait static offsets ({'; '.join(missing)})")
    for reason in missing:
        warn(f"{where}: no static offsets for {reason}", stacklevel=2)
    return out


def _check_torsion(value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or not set(value) <= {"L", "R"}:
        raise InputTypeError(f"tibial_torsion_deg must be a dict {{'L': deg, 'R': deg}}, got {value!r}")
    for side, v in value.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InputError(f"tibial_torsion_deg[{side!r}] must be a finite number of degrees, got {v!r}")
    return {side: float(v) for side, v in value.items()}


def _standing_trial(static: Trial, metadata) -> Trial:
    """One frame: every marker's mean position over the static's frames (markers never seen are
    left out); subject measurements from the static, else from ``metadata``."""
    if metadata is not None and not isinstance(metadata, dict):
        raise InputTypeError(f"metadata must be a dict or None, got {type(metadata).__name__}")
    markers = {name: mean[None, :] for name, mean in _static_means(static.markers).items()}
    if not markers:
        raise MissingMarkersError(f"{static.source or 'static trial'}: no marker is ever seen")
    return replace(static, markers=markers, plates=[], analogs={}, events=None, model_outputs={},
                   metadata={**(metadata or {}), **static.metadata})


def _side_offsets(km, side, s, flat_foot, torsion_deg):
    """{key: deg} of one side, or the reason it cannot be computed (str)."""
    lm = km.landmarks
    heel, toe = lm.get("heel", side), lm.get("toe", side)
    shank, ajc = km.frames.get(f"{side}_shank"), km.ajc.get(side)
    lacking = [what for what, v in (("heel", heel), ("toe", toe), ("ankle centre and shank", shank)) if v is None]
    if lacking:
        return f"no {', '.join(lacking)} in the {lm.marker_set.name} set"
    out = {}
    torsion = _tibial_torsion_deg(km, side, s)
    if torsion is None:
        torsion = torsion_deg
    if torsion is not None:
        out["tibial_torsion_deg"] = torsion
    from .kinematics import _rotate_frames

    shank_knee = _rotate_frames(shank, 1, -s * math.radians(torsion or 0.0))
    foot = _core.kin_foot(np.ascontiguousarray(ajc), np.ascontiguousarray(toe), shank_knee)[0]
    d = (toe - heel)[0]
    if flat_foot:
        d = d.copy()
        d[UP_AXIS] = 0.0  # the heel at the toe's height
    d = foot.T @ d
    norm = float(np.linalg.norm(d))
    if not (np.isfinite(d).all() and norm > 0):
        return "heel and toe coincide (or the foot frame is degenerate)"
    d /= norm
    out["static_plantar_flexion_deg"] = math.degrees(math.atan2(d[1], d[0]))
    out["static_rotation_offset_deg"] = -s * math.degrees(math.asin(max(-1.0, min(1.0, d[2]))))
    return out


def _tibial_torsion_deg(km, side, s):
    """Knee flexion axis vs malleolar axis about the shank's long axis (deg, Plug-in Gait's sign:
    negative external); None without a medial malleolus or a thigh frame."""
    lm = km.landmarks
    lat, med = lm.get("ankle_lat", side), lm.get("ankle_med", side)
    thigh, shank = km.frames.get(f"{side}_thigh"), km.frames.get(f"{side}_shank")
    if lat is None or med is None or thigh is None or shank is None:
        return None
    # both axes pointing to the runner's right (ISB z), in the distal shank frame's coordinates
    knee = shank[0].T @ thigh[0][:, 2]
    ankle = shank[0].T @ (s * (lat - med)[0])
    angle = math.atan2(knee[0], knee[2]) - math.atan2(ankle[0], ankle[2])  # about the shank's +y
    angle = math.remainder(angle, math.tau)
    return float(np.degrees(-s * angle)) if np.isfinite(angle) else None
