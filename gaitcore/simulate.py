"""Simulated runners with planted, known changes: for tests, teaching and power analyses.

Each simulated trial is the real Rajagopal treadmill running trial (bundled dataset) with
known edits applied to its markers and forces, so that the analysis has a ground truth:

- ``cadence_scale``: time is compressed by this factor (1.05 = 5% more steps per minute);
  markers and forces are resampled at their original rates.
- ``pelvic_drop_deg``: extra contralateral pelvic drop.  During each stance the pelvis
  markers are rotated about the travel axis through the pelvis centre so that the swing
  side drops, by ``pelvic_drop_deg * sin(pi * s)`` where ``s`` runs 0..1 over the stance.
- ``trunk_lean_deg``: constant extra forward lean (negative: more upright); the upper-body
  markers are rotated about the mediolateral axis through the pelvis centre.
- ``hip_extension_deg``: extra hip extension (negative: less); each leg's markers are
  rotated about that side's hip joint centre (Harrington) by a smooth bump spanning the
  second half of its stance and the start of swing, peaking near toe-off.
- ``leg_pitch_deg``, ``knee_flexion_deg``: a runner's own posture, constant over the trial
  (nuisance between-runner variation, not group effects): each leg's markers rotated
  forward about its hip joint centre, and each shank and foot flexed about the knee joint
  centre (the static trial's knee centre carried by the thigh cluster).  They move the heel
  at initial contact, the shank and foot-strike angles and the knee angles, which otherwise
  would not vary at all between simulated runners.
- ``noise_mm``: white measurement noise on every marker coordinate.

This is a simulation, clearly labelled as such in every output: the planted effects are
rigid rotations of marker clusters, not a musculoskeletal model.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import InputError
from . import _quiet
from .events import loaded_runs
from .markersets import ROLES, SIDED_SEGMENTS, load_marker_set, resolve_landmarks, rigid_fit
from .trial import UP_AXIS, ForcePlate, Trial
from .writers import write_csv

BASE_TRC = "Rajagopal_motion_capture_run.trc"
BASE_MOT = "Rajagopal_grf_run.mot"
BASE_STATIC = "Rajagopal_static_run.trc"  # the runner's static trial, copied beside a simulated cohort
BASE_SET = "opensim"                        # the marker set of the base trial


def _base_trial() -> Trial:
    from . import datasets
    from .io import read_trial

    return read_trial(datasets.path(BASE_TRC), grf=datasets.path(BASE_MOT))


def _rotation(axis: int, angle: np.ndarray) -> np.ndarray:
    """(n, 3, 3) right-handed rotations about lab axis 0 (x) or 1 (y) by angle (rad)."""
    c, s = np.cos(angle), np.sin(angle)
    r = np.zeros(angle.shape + (3, 3))
    i, j = [(1, 2), (2, 0)][axis]
    r[:, axis, axis] = 1.0
    r[:, i, i], r[:, i, j], r[:, j, i], r[:, j, j] = c, -s, s, c
    return r


def _rotate(xyz: np.ndarray, pivot: np.ndarray, rot: np.ndarray) -> np.ndarray:
    return np.einsum("nij,nj->ni", rot, xyz - pivot) + pivot


def _stance_phase(plate: ForcePlate, times: np.ndarray) -> np.ndarray:
    """0..1 phase within each stance of this plate at `times` (s), NaN outside stance."""
    _, first, last = loaded_runs(plate)
    phase = np.full(times.shape, np.nan)
    for a, b in zip(first, last + 1):
        t0, t1 = a / plate.rate, b / plate.rate
        inside = (times >= t0) & (times < t1)
        phase[inside] = (times[inside] - t0) / (t1 - t0)
    return phase


def _segment_markers(m: dict, segment: str, side: str | None = None) -> list[str]:
    """The base trial's markers on a segment: its landmarks and technical markers, by role."""
    lm = resolve_landmarks(m, marker_set=BASE_SET)
    sides = (side,) if side else ("L", "R")
    names = [n for role in ROLES[segment] for sd in (sides if segment in SIDED_SEGMENTS or role in
                                                         ("asis", "psis", "trochanter", "hjc", "acromion") else (None,))
             for n in lm.marker_names(role, sd)]
    names += [n for sd in ((side,) if segment in SIDED_SEGMENTS else (None,))
              for n in lm.clusters.get((segment, sd), ())]
    return list(dict.fromkeys(names))


def _pelvis_centre(m: dict) -> np.ndarray:
    return resolve_landmarks(m, marker_set=BASE_SET).get("pelvis_centre")


def _hip_centre(m: dict, side: str) -> np.ndarray:
    """The hip joint centre gaitcore's model computes (Harrington 2007), lab frame."""
    from .kinematics import build_model

    trial = Trial(markers=m, marker_rate=100.0)
    with _quiet.quiet():
        return build_model(trial, cutoff_hz=None, max_gap_s=0, marker_set=BASE_SET).hjc[side]


def _leg_markers(m: dict, side: str) -> list[str]:
    return [n for seg in ("thigh", "shank", "foot") for n in _segment_markers(m, seg, side)]


def _upper_body(m: dict) -> list[str]:
    lm = resolve_landmarks(m, marker_set=BASE_SET)
    pelvis = [lm.get(r, s) for r, s in (("asis", "L"), ("asis", "R"), ("pelvis_back", None)) if lm.has(r, s)]
    top_of_pelvis = max(np.nanmean(p[:, UP_AXIS]) for p in pelvis)
    return [k for k, v in m.items() if np.nanmean(v[:, UP_AXIS]) > top_of_pelvis + 100.0]


def _plant_pelvic_drop(m: dict, phases: dict, drop_deg: float) -> None:
    # right stance: the left (swing, +y) side drops -> negative rotation about +x
    angle = np.zeros(next(iter(m.values())).shape[0])
    for side, sign in (("R", -1.0), ("L", 1.0)):
        ph = phases.get(side)
        if ph is not None:
            angle += np.where(np.isnan(ph), 0.0, sign * np.sin(np.pi * np.nan_to_num(ph)))
    rot = _rotation(0, np.radians(drop_deg) * angle)
    pivot = _pelvis_centre(m)
    for k in _segment_markers(m, "pelvis"):
        m[k] = _rotate(m[k], pivot, rot)


def _plant_trunk_lean(m: dict, lean_deg: float) -> None:
    pivot = _pelvis_centre(m)
    rot = _rotation(1, np.full(pivot.shape[0], np.radians(lean_deg)))  # +y rotation tips +z to +x
    for k in _upper_body(m):
        m[k] = _rotate(m[k], pivot, rot)


def _plant_hip_extension(m: dict, phases: dict, times: np.ndarray, ext_deg: float) -> None:
    for side, ph in phases.items():
        bump = _late_stance_bump(ph, times)
        # rotating about +y moves points below the hip backwards (-x): hip extension
        rot = _rotation(1, np.radians(ext_deg) * bump)
        pivot = _hip_centre(m, side)
        for k in _leg_markers(m, side):
            m[k] = _rotate(m[k], pivot, rot)


def _plant_leg_pitch(m: dict, pitch_deg: float) -> None:
    for side in ("L", "R"):
        pivot = _hip_centre(m, side)
        # rotating about +y moves points below the hip backwards (-x): a forward pitch is negative
        rot = _rotation(1, np.full(pivot.shape[0], -np.radians(pitch_deg)))
        for k in _leg_markers(m, side):
            m[k] = _rotate(m[k], pivot, rot)


def _plant_knee_flexion(m: dict, flex_deg: float) -> None:
    """Flex each shank and foot about the knee centre (static KJC carried by the thigh cluster)."""
    from . import datasets
    from .io import read_trial

    static = read_trial(datasets.path(BASE_STATIC)).markers
    for side in ("L", "R"):
        cluster = list(resolve_landmarks(m, marker_set=BASE_SET).clusters.get(("thigh", side), ()))[:3]
        if not all(k in m for k in cluster) or not all(k in static for k in cluster + [f"{side}KJC"]):
            continue
        local = _in_cluster(static, cluster, np.nanmean(static[f"{side}KJC"], axis=0)[None, :])
        pivot = _from_cluster(m, cluster, local)
        # rotating about +y moves points below the knee backwards (-x): knee flexion
        rot = _rotation(1, np.full(pivot.shape[0], np.radians(flex_deg)))
        for k in _segment_markers(m, "shank", side) + _segment_markers(m, "foot", side):
            m[k] = _rotate(m[k], pivot, rot)


def _cluster_frame(m: dict, names: list) -> tuple[np.ndarray, np.ndarray]:
    a, b, c = (np.atleast_2d(m[n]) for n in names)
    e1 = (b - a) / np.linalg.norm(b - a, axis=1, keepdims=True)
    e3 = np.cross(e1, c - a)
    e3 /= np.linalg.norm(e3, axis=1, keepdims=True)
    return a, np.stack([e1, np.cross(e3, e1), e3], axis=2)  # origin (n, 3), axes as columns (n, 3, 3)


def _in_cluster(static: dict, names: list, point: np.ndarray) -> np.ndarray:
    mean = {n: np.nanmean(static[n], axis=0)[None, :] for n in names}
    origin, axes = _cluster_frame(mean, names)
    return np.einsum("nji,nj->ni", axes, point - origin)[0]


def _from_cluster(m: dict, names: list, local: np.ndarray) -> np.ndarray:
    origin, axes = _cluster_frame(m, names)
    return origin + np.einsum("nij,j->ni", axes, local)


def _late_stance_bump(phase: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Smooth 0..1..0 window from mid-stance to 40% of a stance duration after toe-off."""
    bump = np.zeros(times.shape)
    in_stance = ~np.isnan(phase)
    starts = np.flatnonzero(in_stance & ~np.r_[False, in_stance[:-1]])
    ends = np.flatnonzero(in_stance & ~np.r_[in_stance[1:], False])
    for a, b in zip(starts, ends):
        tc = times[b] - times[a]
        t_lo, t_hi = times[a] + 0.5 * tc, times[b] + 0.4 * tc
        u = (times - t_lo) / (t_hi - t_lo)
        inside = (u > 0) & (u < 1)
        bump[inside] = np.maximum(bump[inside], np.sin(np.pi * u[inside]) ** 2)
    return bump


def _time_warp(trial: Trial, scale: float) -> Trial:
    """Compress time by `scale` (> 1: faster), resampling at the original rates."""
    def warp(arr, rate):
        n_new = int(np.floor((arr.shape[0] - 1) / scale)) + 1
        t_old = np.arange(arr.shape[0]) / rate
        t_new = np.arange(n_new) / rate * scale
        flat = arr.reshape(arr.shape[0], -1)
        out = np.column_stack([np.interp(t_new, t_old, flat[:, j]) for j in range(flat.shape[1])])
        return out.reshape((n_new,) + arr.shape[1:])

    markers = {k: warp(v, trial.marker_rate) for k, v in trial.markers.items()}
    plates = [replace(p, force=warp(p.force, p.rate), cop=warp(p.cop, p.rate),
                      free_moment=warp(p.free_moment, p.rate)) for p in trial.plates]
    return replace(trial, markers=markers, plates=plates)


def simulate_runner(*, cadence_scale: float = 1.0, pelvic_drop_deg: float = 0.0,
                    trunk_lean_deg: float = 0.0, hip_extension_deg: float = 0.0,
                    leg_pitch_deg: float = 0.0, knee_flexion_deg: float = 0.0,
                    noise_mm: float = 0.0, seed=None) -> tuple[Trial, dict]:
    """One simulated running trial with planted changes, and its ground truth.

    Returns ``(trial, truth)``; ``truth`` holds the planted parameters.  See the module
    docstring for what each parameter does.

    Example
    -------
    >>> import gaitcore
    >>> trial, truth = gaitcore.datasets.simulate_runner(cadence_scale=0.95, trunk_lean_deg=-3, seed=1)
    >>> truth["cadence_scale"], round(trial.duration_s, 2)
    (0.95, 5.36)
    """
    if not cadence_scale > 0:
        raise InputError(f"cadence_scale must be > 0, got {cadence_scale}")
    if noise_mm < 0:
        raise InputError(f"noise_mm must be >= 0, got {noise_mm}")
    base = _base_trial()
    m = {k: v.copy() for k, v in base.markers.items()}
    times = base.time_s
    phases = {p.side: _stance_phase(p, times) for p in base.plates if p.side}
    if pelvic_drop_deg:
        _plant_pelvic_drop(m, phases, pelvic_drop_deg)
    if hip_extension_deg:
        _plant_hip_extension(m, phases, times, hip_extension_deg)
    if trunk_lean_deg:
        _plant_trunk_lean(m, trunk_lean_deg)
    if knee_flexion_deg:
        _plant_knee_flexion(m, knee_flexion_deg)
    if leg_pitch_deg:
        _plant_leg_pitch(m, leg_pitch_deg)
    rng = np.random.default_rng(seed)
    if noise_mm:
        m = {k: v + rng.normal(0.0, noise_mm, v.shape) for k, v in m.items()}
    trial = replace(base, markers=m, source="simulated from " + BASE_TRC,
                    metadata={**base.metadata, "simulated": True})
    if cadence_scale != 1.0:
        trial = _time_warp(trial, cadence_scale)
    truth = {"cadence_scale": cadence_scale, "pelvic_drop_deg": pelvic_drop_deg,
             "trunk_lean_deg": trunk_lean_deg, "hip_extension_deg": hip_extension_deg,
             "leg_pitch_deg": leg_pitch_deg, "knee_flexion_deg": knee_flexion_deg, "noise_mm": noise_mm, "seed": seed}
    return trial, truth


#: Between-runner SD of each simulated runner parameter, with where it comes from.
BETWEEN_RUNNER_SD = {
    "cadence_scale": 9.0 / 171.0,  # healthy runners 171 +- 9 steps/min (Drozda et al. 2024)
    "trunk_lean_deg": 3.6,         # 7.3 +- 3.6 deg at a self-selected posture, 3.4 m/s (Teng & Powers 2014)
    "pelvic_drop_deg": 1.0,        # assumed (no normative SD in docs/methods.md)
    "hip_extension_deg": 2.0,      # assumed (no trustworthy normative value, docs/methods.md C.3)
    "leg_pitch_deg": 2.0,          # assumed: ~30 mm SD of heel position at initial contact
    "knee_flexion_deg": 4.0,       # assumed
}


def simulate_cohort(folder, *, n_per_group: int = 10, effects=None, spread: float = 1.0,
                    noise_mm: float = 0.5, seed: int = 0, sd=None) -> pd.DataFrame:
    """Write a two-group simulated cohort (TRC + MOT files) and its manifest.

    Group "control" gets random between-runner variation only; group "back_pain" gets the
    same variation plus ``effects`` (default: cadence -4%, pelvic drop +2 deg, trunk lean
    -3 deg, hip extension -4 deg).  The between-runner SDs (:data:`BETWEEN_RUNNER_SD`, scaled
    by ``spread``, overridden per parameter by ``sd``) are published values where a study
    reports them (cadence, trunk lean) and stated assumptions otherwise; every runner also
    gets its own leg and knee posture (nuisance parameters), so that metrics the effects do
    not target vary between runners as they do in a lab.  Writes ``manifest.csv`` (path, grf,
    static, subject, group and the planted parameters) in ``folder`` and returns it.
    """
    from .writers import write_mot, write_trc

    effects = {"cadence_scale": -0.04, "pelvic_drop_deg": 2.0, "trunk_lean_deg": -3.0,
               "hip_extension_deg": -4.0} if effects is None else effects
    sd = {**BETWEEN_RUNNER_SD, **(sd or {})}
    import shutil

    from . import datasets

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    static = shutil.copy(datasets.path(BASE_STATIC), folder / BASE_STATIC)
    rng = np.random.default_rng(seed)
    rows = []
    for group in ("control", "back_pain"):
        for k in range(n_per_group):
            params = {p: rng.normal(0.0, sd[p] * spread) + (effects.get(p, 0.0) if group == "back_pain" else 0.0)
                      for p in sd}
            params["cadence_scale"] += 1.0
            subject = f"{group}_{k:03d}"
            trial, truth = simulate_runner(**params, noise_mm=noise_mm, seed=int(rng.integers(2**31)))
            trc = write_trc(trial, folder / f"{subject}.trc")
            mot = write_mot(trial, folder / f"{subject}.mot")
            rows.append({"path": trc.name, "grf": mot.name, "static": Path(static).name,
                         "subject": subject, "group": group,
                         **{f"planted_{p}": v for p, v in truth.items() if p not in ("seed", "noise_mm")}})
    manifest = pd.DataFrame(rows)
    write_csv(manifest, folder / "manifest.csv")
    return manifest


# ---- the same runner in another marker set -----------------------------------------------------

def simulate_marker_set(marker_set: str, *, drop_share: float = 0.0, seed=None,
                        **planted) -> tuple[Trial, Trial, dict]:
    """The simulated runner written in the marker names of a preset, with its static trial.

    Every landmark of the base trial (Rajagopal: ASIS, PSIS, C7, CLAV, acromions, heel, toe,
    MT5, and the epicondyles and malleoli carried from its static trial by the thigh and
    shank clusters) is renamed to the preset's first spelling of its role; the 3-marker
    clusters become the preset's technical markers.  Sets with clusters get the knee and
    ankle landmarks in the static trial only (carried back by gaitcore); a set without
    pelvis landmarks (``ric``) gets the four pelvis markers as its pelvis cluster and
    trochanters in the static placed so that 25 % of their distance inwards is the
    Harrington hip centre.  ``drop_share`` of the frames of one thigh-cluster marker (of
    the knee marker in a set without a thigh cluster) are NaN (a marker hidden now and then).

    Every segment is rigid, in the run and in the static: before any landmark is written,
    each segment's markers in each frame are replaced by the static trial's mean shape of
    that segment fitted rigidly to them (:func:`rigid_segments`); ``noise_mm`` is added to
    every marker written, after that.  The real base trial's segments are not rigid (over the
    run its inter-ASIS distance spans 234-294 mm, distances between thigh-cluster markers
    vary by 6-25 mm, shank 5-13 mm), so without this a preset whose landmarks are carried by
    a cluster would describe another motion than the truth that follows each marker.
    :func:`simulate_runner` itself keeps the real trial's soft-tissue motion.  A preset
    naming exactly four technical markers on a segment gets a fourth (the base clusters have
    three), completing a parallelogram with them.  A sternum and a T10 marker, which the base
    trial lacks, are placed in the static below the jugular notch and C7
    (:data:`VIRTUAL_THORAX_MM`) and carried by the thorax.

    Returns ``(trial, static, truth)``; ``planted`` as :func:`simulate_runner`.

    Example
    -------
    >>> trial, static, truth = simulate_marker_set("qualisys")
    >>> "L_IAS" in trial.markers and "L_FLE" in static.markers
    True
    """
    if not 0 <= drop_share < 1:
        raise InputError(f"drop_share must be in [0, 1), got {drop_share}")
    ms = load_marker_set(marker_set)
    noise_mm = planted.pop("noise_mm", 0.0)
    trial, truth = simulate_runner(seed=seed, noise_mm=0.0, **planted)
    truth["noise_mm"] = noise_mm
    from . import datasets
    from .io import read_trial

    static = read_trial(datasets.path(BASE_STATIC))
    static = _with_virtual_thorax(static)
    static = rigid_segments(static, static)
    trial = rigid_segments(trial, static, add=tuple(VIRTUAL_THORAX_MM))
    run_roles, run_clusters = _roles_of(trial, static)
    static_roles, static_clusters = _roles_of(static, static)
    if "asis" not in ms.segments.get("pelvis", _NO_SEGMENT).landmarks:
        _trochanters_from_hip_centres(static, static_roles)
    run_m, static_m = {}, {}
    for (seg, side), cluster in static_clusters.items():
        names = _technical_names(ms, seg, side)
        if seg == "pelvis" and "asis" in ms.segments.get("pelvis", _NO_SEGMENT).landmarks:
            continue  # the pelvis landmarks are themselves its markers
        for name, base in zip(names, cluster):
            static_m[name] = static.markers[base]
            run_m[name] = trial.markers[base]
        if len(names) == 4 and len(cluster) == 3:  # a 4-marker cluster: the 4th completes a parallelogram
            a, b, c = cluster
            static_m[names[3]] = static.markers[a] - static.markers[b] + static.markers[c]
            run_m[names[3]] = trial.markers[a] - trial.markers[b] + trial.markers[c]
    clustered = {seg for (seg, _), cluster in static_clusters.items()
                 if len(_technical_names(ms, seg, "L" if seg in SIDED_SEGMENTS else None)) >= 3}
    for (role, side), (seg, xyz_static) in static_roles.items():
        spelling = ms.spellings(seg, role, side)
        if not spelling:
            continue
        static_m[spelling[0]] = xyz_static
        in_run = (role, side) in run_roles and not (seg in clustered and seg in ("thigh", "shank")) and \
            not (seg == "pelvis" and role == "trochanter")
        if in_run:
            run_m[spelling[0]] = run_roles[(role, side)][1]
    rng = np.random.default_rng(seed)
    if noise_mm:
        run_m = {k: v + rng.normal(0.0, noise_mm, v.shape) for k, v in run_m.items()}
    if drop_share:
        name = (_technical_names(ms, "thigh", "L") if "thigh" in clustered else
                ms.spellings("thigh", "knee_lat", "L"))[0]
        hidden = rng.random(trial.n_frames) < drop_share
        run_m[name] = np.where(hidden[:, None], np.nan, run_m[name])
    out = replace(trial, markers=run_m, source=f"simulated from {BASE_TRC} in the {ms.name} marker set")
    out_static = replace(static, markers=static_m, source=f"{BASE_STATIC} in the {ms.name} marker set")
    return out, out_static, {**truth, "marker_set": ms.name, "drop_share": drop_share}


class _NoSegment:
    landmarks: dict = {}


_NO_SEGMENT = _NoSegment()


def _technical_names(ms, segment, side):
    """The preset's technical markers of a segment that are not also its landmarks."""
    seg = ms.segments.get(segment)
    if seg is None:
        return []
    landmarks = {s for role in seg.landmarks for sd in ("L", "R", None) for s in ms.spellings(segment, role, sd)}
    return [n for n in ms.technical(segment, side) if n not in landmarks]


def _roles_of(trial, static):
    """(role, side) -> (segment, trajectory) of the base trial, knee and ankle landmarks
    carried from the static; and (segment, side) -> the base cluster's marker names."""
    lm = resolve_landmarks(trial, static=static, marker_set=BASE_SET)
    roles = {(role, side): (seg, lm.get(role, side)) for seg, names in ROLES.items() for role in names
             for side in ("L", "R", None) if role not in ("hjc", "kjc", "ajc") and lm.has(role, side)}
    return roles, {key: names for key, names in lm.clusters.items() if key[0] != "thorax"}


def _trochanters_from_hip_centres(static, roles):
    """Trochanters T with T + 0.25 (T_other - T) = the Harrington HJC of the static."""
    lm_hjc = {side: _hip_centre(static.markers, side) for side in ("L", "R")}
    for side, other in (("L", "R"), ("R", "L")):
        roles[("trochanter", side)] = ("pelvis", 1.5 * lm_hjc[side] - 0.5 * lm_hjc[other])


def rigid_segments(trial: Trial, static: Trial, add=()) -> Trial:
    """The trial with each segment rigid: in every frame, the markers of a segment (its
    landmarks and technical markers in the base set, ``_segment_markers``) become the static
    trial's mean shape of them fitted rigidly to that frame (least squares, Soderkvist & Wedin
    1993).  The static's markers named in ``add`` are carried into the trial with their
    segment.  Markers of no segment, or missing from the static, are left as they are."""
    m = dict(trial.markers)
    keys = [(seg, side) for seg in ROLES for side in (("L", "R") if seg in SIDED_SEGMENTS else (None,))]
    for seg, side in keys:
        names = [n for n in _segment_markers(trial.markers, seg, side) if n in static.markers]
        if len(names) < 3:
            continue
        extra = [n for n in add if n not in names and n in _segment_markers(static.markers, seg, side)]
        shape = np.stack([np.nanmean(static.markers[n], axis=0) for n in names + extra])
        rot, t = rigid_fit(shape[:len(names)], np.stack([trial.markers[n] for n in names], axis=1))
        fitted = np.einsum("nij,kj->nki", rot, shape) + t[:, None]
        for k, n in enumerate(names + extra):
            m[n] = fitted[:, k]
    return replace(trial, markers=m)


#: The base trial has no sternum or back marker: the generator places them in the static,
#: this far (mm) below the jugular notch (CLAV) and C7, and carries them by the rigid thorax,
#: so that every preset has thorax angles to compare.
VIRTUAL_THORAX_MM = {"STRN": ("CLAV", 160.0), "T10": ("C7", 250.0)}


def _with_virtual_thorax(static: Trial) -> Trial:
    up = np.eye(3)[UP_AXIS]
    added = {name: static.markers[below] - drop * up for name, (below, drop) in VIRTUAL_THORAX_MM.items()}
    return replace(static, markers={**static.markers, **added})
