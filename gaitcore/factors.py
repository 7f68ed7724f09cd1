"""Per-stance back-pain factor metrics (docs/methods.md C, "Factor metrics").

One row per stance (initial contact IC to toe-off TO of the same foot) with the four
running factors linked to low-back pain -- contralateral pelvic drop, trunk lean, hip
extension, over-striding -- plus vertical loading rates and braking/propulsive impulses
where a force plate (or an instrumented-treadmill belt) recorded that stance.  A metric
the data cannot support is NaN and the ``reason`` column says why; nothing is guessed.

Stances whose markers were gap-filled at IC or TO, or over more than 20 % of the stance,
give no kinematic metric (docs/methods.md E); their force metrics are kept.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from ._errors import InputError, InputTypeError, MissingMarkersError
from ._quiet import quiet
from ._sampling import nan_reduce, next_after, sample_at
from .events import loaded_runs, plate_fz
from .kinematics import C7_ONLY, _progression, build_model
from .markersets import resolve_landmarks
from .trial import UP_AXIS, Trial

__all__ = ["stance_factors", "factor_summary"]

G = 9.80665
LOADING_RATE_CUTOFF_HZ = 50.0    # docs/methods.md E: >= 50 Hz for loading rates
MAX_FILLED_FRACTION = 0.2       # docs/methods.md E: reject a stance > 20 % gap-filled ...
PLATE_EVENT_TOLERANCE_S = 0.04   # a plate's loaded interval must match IC/TO within this
FOOT_ON_PLATE_MM = 200.0         # COP within this of the stance foot (plates not assigned to a side)

COLUMNS = [
    "side", "ic_s", "to_s", "contact_time_s",
    "cpd_peak_deg", "cpd_excursion_deg", "cpd_peak_vs_static_deg",
    "trunk_lean_mean_deg", "trunk_lean_ic_deg", "trunk_lean_midstance_deg", "upright_or_backward",
    "peak_hip_extension_deg", "hip_extension_to_deg", "thigh_extension_deg", "pelvic_tilt_at_peak_hip_ext_deg",
    "peak_hip_extension_vs_static_deg", "trunk_lean_mean_vs_static_deg", "peak_knee_flexion_stance_deg",
    "overstride_mm", "overstride_pct_leg_length", "shank_angle_deg", "knee_flexion_ic_deg", "foot_strike_angle_deg",
    "valr_bw_per_s", "vilr_bw_per_s", "loading_rate_method",
    "braking_impulse_ns_per_kg", "propulsive_impulse_ns_per_kg", "reason",
]
# The columns each reason applies to: a factor's flag names only its own inputs' problems.
CPD = ("cpd_peak_deg", "cpd_excursion_deg", "cpd_peak_vs_static_deg")
TRUNK = ("trunk_lean_mean_deg", "trunk_lean_ic_deg", "trunk_lean_midstance_deg", "trunk_lean_mean_vs_static_deg")
HIP = ("peak_hip_extension_deg", "hip_extension_to_deg", "thigh_extension_deg", "pelvic_tilt_at_peak_hip_ext_deg",
       "peak_hip_extension_vs_static_deg")
KNEE = ("peak_knee_flexion_stance_deg", "knee_flexion_ic_deg", "shank_angle_deg")
OVERSTRIDE = ("overstride_mm", "overstride_pct_leg_length")
FOOT_STRIKE = ("foot_strike_angle_deg",)
LOADING = ("valr_bw_per_s", "vilr_bw_per_s")
IMPULSES = ("braking_impulse_ns_per_kg", "propulsive_impulse_ns_per_kg")
KINEMATIC = CPD + TRUNK + HIP + KNEE + OVERSTRIDE + FOOT_STRIKE
KINETIC = LOADING + IMPULSES


def stance_factors(trial: Trial, events, *, static: Trial | None = None, body_mass_kg=None,
                   kinematic_model=None, **kinematics) -> pd.DataFrame:
    """The factor metrics of every complete stance of a trial.

    Parameters
    ----------
    trial : Trial (z up, mm, N)
    events : DataFrame with columns ``side`` ("L"/"R"), ``event`` ("IC"/"TO"), ``time_s``
        (seconds from the first marker frame), e.g. ``trial.events`` or the output of
        gait-event detection.  A stance is an IC followed by a TO of the same side before
        that side's next IC; incomplete stances are skipped.
    static : Trial, optional
        Static standing trial: its foot angle (TOE - HEE) is subtracted from the
        foot-strike angle, and it serves cluster reconstruction (see joint_angles).
    body_mass_kg : float, optional
        Overrides ``trial.metadata["body_mass_kg"]``; ``"from_grf"`` takes body weight as
        the mean total vertical force over the trial (valid over whole strides of
        steady running).
    kinematic_model : the result of ``gaitcore.kinematics.build_model(trial, static=static,
        **kinematics)`` when the caller already has it (saves building it twice)
    **kinematics : keywords passed to :func:`gaitcore.joint_angles` (hjc, cutoff_hz, ...)

    Returns
    -------
    DataFrame, one row per stance, columns :data:`COLUMNS`:

    - ``cpd_peak_deg``: contralateral pelvic drop, peak over IC-TO of
      +-asin(unit(RASI - LASI) . up) (+ = swing side low); ``cpd_excursion_deg``: peak
      minus the value at IC; ``cpd_peak_vs_static_deg``: the peak minus the standing
      value when a static trial is given.
    - ``trunk_lean_*``: forward lean of C7 over the mid hip joint centres (+ forward):
      stance mean, at IC, at midstance (IC + half the contact time);
      ``upright_or_backward`` when the mean is below 4 deg.
    - ``peak_hip_extension_deg`` = -min(hip flexion) over [IC + 0.5 t_c, TO + 0.05 s];
      the value at TO; the thigh's extension from the vertical and the anterior pelvic
      tilt at that instant (refined between frames by a parabola through the minimum).
      With a static trial, ``peak_hip_extension_vs_static_deg`` and
      ``trunk_lean_mean_vs_static_deg`` are referenced to standing (marker-based pelvis
      frames often show 10-15 deg of anterior tilt and hip flexion when standing).
    - ``peak_knee_flexion_stance_deg``: maximum knee flexion over IC-TO.
    - ``overstride_mm``: (heel - pelvis centre) . direction of travel at IC, and in % of
      leg length; ``shank_angle_deg`` = atan2((AJC - KJC) . x, (KJC - AJC) . y) at IC
      (+ = ankle ahead of knee); knee flexion at IC; ``foot_strike_angle_deg``: (TOE - HEE)
      above horizontal at IC, minus the static value when ``static`` is given (rearfoot
      > 8 deg, forefoot < -1.6 deg, Altman & Davis 2012).
    - ``valr_bw_per_s``, ``vilr_bw_per_s``: average (20-80 % of the impact peak) and
      instantaneous loading rates in body weights per second, vertical force low-passed
      at 50 Hz; without an impact peak in the first 25 % of stance, the mean slope over
      3-12 % of stance (``loading_rate_method`` says which).
    - ``braking_impulse_ns_per_kg`` (<= 0) and ``propulsive_impulse_ns_per_kg`` (>= 0):
      integrals of the negative and positive force along the direction of travel.

    Example
    -------
    >>> import gaitcore
    >>> from gaitcore.factors import stance_factors
    >>> trial = gaitcore.read_trial(gaitcore.datasets.path("walk.c3d"))
    >>> table = stance_factors(trial, trial.events)
    >>> list(table["side"])        # the last left contact has no toe-off in the file
    ['R', 'L', 'R']
    """
    if not isinstance(trial, Trial):
        raise InputTypeError(f"trial must be a gaitcore.Trial, got {type(trial).__name__}")
    sides, ic, to = _stances(events)
    km, km_reason = kinematic_model, ""
    if km is None:
        try:
            with quiet():
                km = build_model(trial, static=static, **kinematics)
        except MissingMarkersError as exc:
            km_reason = f"no kinematic model: {exc}"
    mass, mass_reason = _body_mass(trial, body_mass_kg, static)
    static_ref = _static_reference(static, kinematics) if static is not None and km is not None else None
    return _stance_table(trial, km, km_reason, sides, ic, to, mass, mass_reason, static_ref)


def factor_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean of every numeric metric per side (the per-limb values of docs/methods.md C)."""
    if not isinstance(table, pd.DataFrame) or "side" not in table.columns:
        raise InputError("table must be a DataFrame of stance_factors (with a 'side' column)")
    numeric = table.select_dtypes("number").drop(columns=["ic_s", "to_s"], errors="ignore")
    return numeric.groupby(table["side"]).mean()


# ---- stances and body mass ---------------------------------------------------------------

def _stances(events):
    """Side, IC and TO (s) of every complete stance, in IC order."""
    if not isinstance(events, pd.DataFrame):
        raise InputTypeError(f"events must be a pandas DataFrame, got {type(events).__name__}")
    missing = [c for c in ("side", "event", "time_s") if c not in events.columns]
    if missing:
        raise InputError(f"events is missing columns {missing} (needs side, event, time_s)")
    side = events["side"].to_numpy(object)
    kind = events["event"].to_numpy(object)
    time_s = events["time_s"].to_numpy(float)
    if not np.isfinite(time_s[np.isin(side, ["L", "R"]) & np.isin(kind, ["IC", "TO"])]).all():
        raise InputError("events: time_s must be finite")
    stances = []
    for s in ("L", "R"):
        ics = np.sort(time_s[(side == s) & (kind == "IC")])
        tos = np.sort(time_s[(side == s) & (kind == "TO")])
        to = next_after(tos, ics)  # the first TO after each IC (NaN: none) ...
        complete = to < np.r_[ics[1:], np.inf]  # ... before that side's next IC
        stances.append((np.full(complete.sum(), s, dtype=object), ics[complete], to[complete]))
    sides, ic, to = (np.concatenate(parts) for parts in zip(*stances))
    order = np.argsort(ic, kind="stable")
    return sides[order], ic[order], to[order]


def _body_mass(trial, body_mass_kg, static=None):
    if isinstance(body_mass_kg, str):
        if body_mass_kg != "from_grf":
            raise InputError(f"body_mass_kg must be a number, None or 'from_grf', got {body_mass_kg!r}")
        if not trial.plates:
            return float("nan"), "no force data for body mass"
        return _weight_n(trial) / G, ""
    if body_mass_kg is not None:
        if isinstance(body_mass_kg, bool) or not isinstance(body_mass_kg, numbers.Real) or not body_mass_kg > 0:
            raise InputError(f"body_mass_kg must be > 0, got {body_mass_kg!r}")
        return float(body_mass_kg), ""
    for source in (trial, static):
        mass = source.metadata.get("body_mass_kg") if source is not None else None
        if mass and mass > 0:
            return float(mass), ""
    if static is not None and static.plates:
        weight = _weight_n(static)
        if weight > 0:  # standing still on the plates: the force is the body weight
            return weight / G, ""
    return float("nan"), "no body mass (metadata body_mass_kg, body_mass_kg=, or a static trial on plates)"


def _weight_n(trial):
    """Mean total vertical force over a trial (N): body weight when standing, or over whole strides."""
    total = sum(np.nan_to_num(p.fz) for p in trial.plates if p.fz.shape == trial.plates[0].fz.shape)
    return float(np.mean(total))


# ---- the table -----------------------------------------------------------------------------
# Every metric is computed for all stances of one side at once (arrays indexed by stance):
# a 60-s treadmill trial has 175 stances, and a loop of small NumPy calls per stance cost
# more than the joint angles themselves.

def _stance_table(trial, km, km_reason, sides, ic, to, mass, mass_reason, static_ref) -> pd.DataFrame:
    table = {name: np.full(len(ic), np.nan) for name in COLUMNS}
    table.update(side=sides, ic_s=ic, to_s=to, contact_time_s=to - ic,
                 upright_or_backward=np.zeros(len(ic), dtype=bool),
                 loading_rate_method=np.full(len(ic), "", dtype=object))
    reasons: list[list[str]] = [[] for _ in ic]
    by_column = {name: [[] for _ in ic] for name in KINEMATIC + KINETIC}
    for side in ("L", "R"):
        rows = np.flatnonzero(sides == side)
        if not rows.size:
            continue
        kinematic = (_side_kinematics(km, side, ic[rows], to[rows], static_ref) if km is not None else
                     ({}, [(np.ones(rows.size, dtype=bool), km_reason, KINEMATIC)]))
        for columns, why in (kinematic, _side_kinetics(trial, km, side, ic[rows], to[rows], mass, mass_reason)):
            for name, values in columns.items():
                table[name][rows] = values
            for mask, message, applies_to in why:  # in the order they apply, as a reader of one row expects
                for r in rows[mask]:
                    if message not in reasons[r]:
                        reasons[r].append(message)
                    for name in applies_to:
                        by_column[name][r].append(message)
    table["reason"] = np.array(["; ".join(r) for r in reasons], dtype=object)
    out = pd.DataFrame(table, columns=COLUMNS)
    #: column -> per-stance reason of that column alone (what a factor's flag should say)
    out.attrs["reasons"] = _Reasons({name: np.array(["; ".join(r) for r in rs], dtype=object)
                                     for name, rs in by_column.items()})
    return out


class _Reasons(dict):
    """Per-column reasons kept in DataFrame.attrs: read-only after creation, so pandas' deep copy
    of attrs on every column access shares it instead of copying its arrays."""

    def __deepcopy__(self, memo):
        return self


# ---- whole-trial signals sampled per stance ------------------------------------------------

def _frames(rate, n, t0, t1):
    """First frame at or after t0 and one past the last frame at or before t1 (s), clipped."""
    start = np.maximum(0, np.ceil(t0 * rate)).astype(np.intp)
    stop = np.minimum(n, np.floor(t1 * rate).astype(np.intp) + 1)
    return start, stop


class _Windows:
    """The frames start[i]:stop[i] of every stance, as rows of one padded index array, so
    that a reduction over each stance is one NumPy call."""

    def __init__(self, start, stop):
        self.start = start
        self.length = np.maximum(stop - start, 0)
        cols = np.arange(int(self.length.max(initial=0)))
        self.valid = cols < self.length[:, None]
        self.index = np.where(self.valid, start[:, None] + cols, 0)

    def padded(self, x, pad):
        """x over each window, one row per window, `pad` after its end."""
        return np.where(self.valid, x[self.index], pad)

    def all_finite(self, x):
        return self.padded(np.isfinite(x), True).all(axis=1)

    def max(self, x):
        return self.padded(x, -np.inf).max(axis=1, initial=-np.inf)

    def sum(self, x):
        return self.padded(x, 0.0).sum(axis=1)

    def mean(self, x):
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sum(x) / self.length

    def argmin(self, x):
        rows = self.padded(x, np.inf)
        return self.start + (rows.argmin(axis=1) if rows.shape[1] else 0)


# ---- kinematic metrics -----------------------------------------------------------------------

def _cached(km, key, compute):
    """Whole-trial arrays computed once per kinematic model, not once per stance."""
    cache = km.__dict__.setdefault("_factor_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _cpd(km, side):
    """Contralateral pelvic drop (deg): elevation of the pelvis's right axis (unit(RASI - LASI)
    for the CGM pelvis), + = right side up; negated for the left stance."""
    def compute():
        right = km.pelvis[:, :, 2]
        return np.degrees(np.arcsin(np.clip(right @ km.progression[:, 1], -1, 1)))
    drop = _cached(km, "obliquity", compute)
    return drop if side == "R" else -drop


def _sagittal_angle(v, km, vertical=False):
    """Angle of v in the progression frame's sagittal plane: above horizontal, or from the vertical."""
    x, y = v @ km.progression[:, 0], v @ km.progression[:, 1]
    return np.degrees(np.arctan2(x, y) if vertical else np.arctan2(y, x))


def _pitch_deg(v):
    """Elevation of v above the horizontal plane, whatever its heading."""
    up = np.eye(3)[UP_AXIS]
    vertical = v @ up
    horizontal = np.linalg.norm(v - vertical[..., None] * up, axis=-1)
    return np.degrees(np.arctan2(vertical, horizontal))


def _static_reference(static, kinematics):
    """Standing values: foot pitch (toe - heel), hip flexion, trunk lean and pelvic obliquity."""
    if not isinstance(static, Trial):
        raise InputTypeError(f"static must be a gaitcore.Trial, got {type(static).__name__}")
    kw = {k: v for k, v in kinematics.items() if k not in ("progression", "cutoff_hz", "max_gap_s")}
    try:
        with quiet():  # standing still: no filter, no gap filling (a static may be one frame)
            skm = build_model(static, static=static, progression="lab_axis", cutoff_hz=None, max_gap_s=0, **kw)
    except ValueError:
        return {}
    ref = {}
    lm = skm.landmarks
    for side in ("L", "R"):  # NaN where the static lacks the segment (nan_reduce: no warning)
        if lm.has("toe", side) and lm.has("heel", side):
            ref[f"{side}_foot"] = float(nan_reduce(np.nanmean, _pitch_deg(lm.get("toe", side) - lm.get("heel", side))))
        ref[f"{side}_hip"] = float(nan_reduce(np.nanmean, skm.angles[f"{side}_hip"][:, 0]))
        ref[f"{side}_cpd"] = float(nan_reduce(np.nanmean, _cpd(skm, side)))
    ref["trunk_lean"] = float(nan_reduce(np.nanmean, skm.angles["trunk_lean"]))
    return ref


def _side_kinematics(km, side, ic, to, static_ref):
    """Kinematic columns of one side's stances (NaN where not computable) and the reasons, as
    (stance mask, message, columns it applies to) triples."""
    rate, n = km.rate, km.pelvis.shape[0]
    stance = _Windows(*_frames(rate, n, ic, to))
    why: list = []
    col = {}
    pelvis = _usable(km, "pelvis", _pelvis_inputs(km), ic, to, stance, CPD + TRUNK + HIP + OVERSTRIDE, why)
    # contralateral pelvic drop: the pelvis alone
    cpd = _cpd(km, side)
    ok = pelvis & (stance.length > 2) & stance.all_finite(cpd)
    col["cpd_peak_deg"] = np.where(ok, stance.max(cpd), np.nan)
    col["cpd_excursion_deg"] = col["cpd_peak_deg"] - sample_at(cpd, rate, ic)
    why.append((pelvis & ~ok, "pelvis frame missing in stance", CPD))
    col.update(_trunk_lean(km, ic, to, stance, pelvis, why, static_ref))
    leg = pelvis & _usable(km, f"{side} leg", _leg_inputs(km, side), ic, to, stance, HIP + KNEE, why)
    knee = km.angles[f"{side}_knee"][:, 0]
    ok = leg & (stance.length > 0) & stance.all_finite(knee)
    col["peak_knee_flexion_stance_deg"] = np.where(ok, stance.max(knee), np.nan)
    why.append((leg & ~ok, f"{side} knee angle missing in stance (needs thigh and shank)", KNEE[:1]))
    col.update(_hip_extension(km, side, ic, to, leg, why))
    col.update(_overstride(km, side, ic, to, stance, pelvis, why, static_ref))
    col.update(_shank(km, side, ic, leg, why))
    if static_ref:
        col["peak_hip_extension_vs_static_deg"] = col["peak_hip_extension_deg"] + static_ref.get(f"{side}_hip", np.nan)
        col["cpd_peak_vs_static_deg"] = col["cpd_peak_deg"] - static_ref.get(f"{side}_cpd", np.nan)
    else:
        why.append((np.ones(len(ic), dtype=bool), "no static trial: no static-referenced values",
                    ("cpd_peak_vs_static_deg", "peak_hip_extension_vs_static_deg", "trunk_lean_mean_vs_static_deg")))
    return col, why


def _pelvis_inputs(km):
    lm = km.landmarks
    names = [n for role, sd in (("asis", "L"), ("asis", "R"), ("pelvis_back", None)) for n in lm.marker_names(role, sd)]
    return names, [lm.clusters[("pelvis", None)]] if ("pelvis", None) in lm.clusters and not names else []


def _leg_inputs(km, side):
    lm = km.landmarks
    names = [n for role in ("knee_lat", "knee_med", "thigh_wand", "ankle_lat", "ankle_med", "tibia_wand")
             for n in lm.marker_names(role, side) if n not in _cluster_names(lm, side)]
    return names, [lm.clusters[(seg, side)] for seg in ("thigh", "shank") if (seg, side) in lm.clusters]


def _cluster_names(lm, side):
    return {n for seg in ("thigh", "shank", "foot") for n in lm.clusters.get((seg, side), ())}


def _usable(km, what, inputs, ic, to, stance, columns, why):
    """Stances whose inputs were not gap-filled at IC or TO nor over more than
    MAX_FILLED_FRACTION of stance (docs/methods.md E).  A cluster frame counts as filled only when
    fewer than 3 of its markers were measured (the rigid fit needs 3)."""
    names, clusters = inputs
    masks = [km.filled[k] for k in names if k in km.filled]
    for cluster in clusters:
        measured = np.sum([~km.filled[k] for k in cluster if k in km.filled], axis=0)
        masks.append(measured < 3)
    if not masks:
        return np.ones(len(ic), dtype=bool)
    filled = _cached(km, ("filled", what), lambda: np.any(masks, axis=0))

    def at(t):
        return filled[np.clip(np.rint(t * km.rate).astype(np.intp), 0, len(filled) - 1)]
    at_event = at(ic) | at(to)
    too_filled = ~at_event & (stance.length > 0) & (stance.mean(filled.astype(float)) > MAX_FILLED_FRACTION)
    why.append((at_event, f"{what} markers gap-filled at IC or TO", columns))
    why.append((too_filled, f"{what} markers gap-filled over {MAX_FILLED_FRACTION:.0%} of stance", columns))
    return ~(at_event | too_filled)


def _trunk_lean(km, ic, to, stance, usable, why, static_ref):
    rate = km.rate
    lean = km.angles["trunk_lean"]
    source = km.sources.get("trunk_lean", "missing")
    lm = km.landmarks
    names = [n for role in ("c7", "jugular", "acromion") for sd in ((None,) if role != "acromion" else ("L", "R"))
             for n in lm.marker_names(role, sd)]
    usable = usable & _usable(km, "trunk", (names, []), ic, to, stance, TRUNK, why)
    ok = usable & (stance.length > 0) & stance.all_finite(lean)
    why.append((usable & ~ok, "trunk lean needs C7 with the jugular notch, the acromions or a thorax through stance",
                TRUNK))
    col = {"trunk_lean_mean_deg": np.where(ok, stance.mean(lean), np.nan),
           "trunk_lean_ic_deg": np.where(ok, sample_at(lean, rate, ic), np.nan),
           "trunk_lean_midstance_deg": np.where(ok, sample_at(lean, rate, ic + 0.5 * (to - ic)), np.nan)}
    if static_ref and np.isfinite(static_ref.get("trunk_lean", np.nan)):
        col["trunk_lean_mean_vs_static_deg"] = col["trunk_lean_mean_deg"] - static_ref["trunk_lean"]
    if source == C7_ONLY:  # docs/methods.md C 2: C7 sits behind the trunk axis; only a change from standing is valid
        why.append((ok, "trunk lean from C7 alone: reported only relative to the static standing trial",
                    TRUNK[:3]))
        for name in TRUNK[:3]:
            col[name] = np.full(len(ic), np.nan)
    col["upright_or_backward"] = np.isfinite(col["trunk_lean_mean_deg"]) & (col["trunk_lean_mean_deg"] < 4.0)
    return col


def _hip_extension(km, side, ic, to, usable, why):
    rate, n = km.rate, km.pelvis.shape[0]
    late = _Windows(*_frames(rate, n, ic + 0.5 * (to - ic), to + 0.05))
    flex = km.angles[f"{side}_hip"][:, 0]
    ok = usable & (late.length >= 2) & late.all_finite(flex)
    why.append((usable & ~ok, f"{side} hip flexion missing in late stance (needs pelvis and thigh)", HIP))
    k = np.where(ok, late.argmin(flex), 0)
    if side not in km.kjc:
        return {"peak_hip_extension_deg": np.full(len(ic), np.nan)}
    at_peak = _vertex_s(flex, k, rate)
    # knee behind the hip = hip centre ahead of the knee along the travel direction = extension +
    thigh_up = sample_at(km.hjc[side] - km.kjc[side], rate, at_peak)
    return {"peak_hip_extension_deg": np.where(ok, -flex[k], np.nan),
            "hip_extension_to_deg": np.where(ok, -sample_at(flex, rate, to), np.nan),
            "thigh_extension_deg": np.where(ok, _sagittal_angle(thigh_up, km, vertical=True), np.nan),
            "pelvic_tilt_at_peak_hip_ext_deg": np.where(ok, sample_at(km.angles["pelvis"][:, 0], rate, at_peak),
                                                        np.nan)}


def _vertex_s(x, k, rate):
    """Time (s) of the minimum of x at frames k, refined by the parabola through k - 1, k, k + 1
    (at most half a frame).  A flat minimum's lowest sample jumps a frame with 0.5 mm of
    marker noise; what is sampled at the instant (pelvic tilt: 0.2-0.4 deg per frame in late
    stance) would jump with it."""
    inner = (k > 0) & (k < len(x) - 1)
    before, at, after = x[np.where(inner, k - 1, k)], x[k], x[np.where(inner, k + 1, k)]
    curvature = before - 2.0 * at + after
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(inner & (curvature > 0), 0.5 * (before - after) / curvature, 0.0)
    return (k + np.clip(np.nan_to_num(shift), -0.5, 0.5)) / rate


def _overstride(km, side, ic, to, stance, pelvis_ok, why, static_ref):
    """Overstride from one foot point (the heel) and the pelvis centre; foot-strike angle from
    heel and toe, minus standing."""
    lm, rate = km.landmarks, km.rate
    x = km.progression[:, 0]
    heel, toe, centre = lm.get("heel", side), lm.get("toe", side), lm.get("pelvis_centre")
    col = {}
    if heel is None or centre is None:
        why.append((np.ones(len(ic), dtype=bool), f"overstride and foot-strike angle need a {side} heel marker "
                    "(or a foot cluster calibrated in a static trial)", OVERSTRIDE + FOOT_STRIKE))
        return col
    foot = (list(lm.marker_names("heel", side)) + list(lm.marker_names("toe", side)), [])
    usable = _usable(km, f"{side} foot", foot, ic, to, stance, OVERSTRIDE + FOOT_STRIKE, why)
    heel_ic = sample_at(heel, rate, ic)
    over = pelvis_ok & usable
    col["overstride_mm"] = np.where(over, (heel_ic - sample_at(centre, rate, ic)) @ x, np.nan)
    ll = km.leg_length_mm.get(side, float("nan"))
    col["overstride_pct_leg_length"] = 100.0 * col["overstride_mm"] / ll if ll and ll > 0 else np.full(len(ic),
                                                                                                        np.nan)
    if not (ll and ll > 0):
        why.append((over, "no leg length (metadata leg_length_mm_L/R, or ASIS/trochanter and ankle markers)",
                    OVERSTRIDE[1:]))
    if lm.source("heel", side).startswith("virtual"):
        why.append((over, f"{side} heel is a virtual point below the ankle centre (foot cluster, static trial)",
                    ()))
    if toe is None:
        why.append((usable, f"foot-strike angle needs a {side} toe marker", FOOT_STRIKE))
        return col
    angle = _sagittal_angle(sample_at(toe, rate, ic) - heel_ic, km)
    if static_ref and f"{side}_foot" in static_ref:
        angle = angle - static_ref[f"{side}_foot"]
    else:
        why.append((usable, "foot-strike angle not corrected by a static trial", ()))
    col["foot_strike_angle_deg"] = np.where(usable, angle, np.nan)
    return col


def _shank(km, side, ic, usable, why):
    rate = km.rate
    x, y = km.progression[:, 0], km.progression[:, 1]
    if side not in km.ajc:
        why.append((usable, f"{side} shank angle and knee flexion at IC need the {side} knee and ankle", KNEE[1:]))
        return {}
    kjc, ajc = sample_at(km.kjc[side], rate, ic), sample_at(km.ajc[side], rate, ic)
    return {"shank_angle_deg": np.where(usable, np.degrees(np.arctan2((ajc - kjc) @ x, (kjc - ajc) @ y)), np.nan),
            "knee_flexion_ic_deg": np.where(usable, sample_at(km.angles[f"{side}_knee"][:, 0], rate, ic), np.nan)}


# ---- kinetic metrics ----------------------------------------------------------------------

def _side_kinetics(trial, km, side, ic, to, mass, mass_reason):
    """Loading rates and impulses of one side's stances from the plate that recorded each whole:
    force alone (and the direction of travel for the impulses)."""
    if not trial.plates:
        return {}, [(np.ones(len(ic), dtype=bool), "no force data", KINETIC)]
    km = km if km is not None else _ForceOnly(trial)
    plate_of, first, last = _plates_for_stances(trial, km, side, ic, to)
    why = [(plate_of < 0, "no force plate recorded this whole stance", KINETIC)]
    if not math.isfinite(mass):
        return {}, why + [(plate_of >= 0, mass_reason, KINETIC)]
    col = {name: np.full(len(ic), np.nan) for name in KINETIC}
    col["loading_rate_method"] = np.full(len(ic), "", dtype=object)
    for j in np.unique(plate_of[plate_of >= 0]):
        on_plate = plate_of == j
        for name, values in _plate_kinetics(km, trial.plates[j], first[on_plate], last[on_plate], mass).items():
            col[name][on_plate] = values
    fallback = (plate_of >= 0) & (col["loading_rate_method"] != "impact peak 20-80%")
    why.append((fallback, "no impact peak: loading rate from the mean slope over 3-12 % of stance", LOADING))
    if km.progression is None:
        why.append((plate_of >= 0, "impulses need the direction of travel (no pelvis markers)", IMPULSES))
        for name in IMPULSES:
            col[name] = np.full(len(ic), np.nan)
    return col, why


class _ForceOnly:
    """What the kinetic metrics need when no kinematic model could be built: a cache, and the
    direction of travel of the markers' centroid when it travels (else None)."""

    def __init__(self, trial):
        self.rate = float(trial.marker_rate) if trial.marker_rate else 1.0
        self.landmarks = resolve_landmarks(trial) if trial.markers else None
        self.progression = _centroid_progression(trial)


def _centroid_progression(trial):
    """The progression frame of the markers' centroid travelling overground (the kinematic
    model's definition, gaitcore.kinematics); None on a treadmill, where without a pelvis the
    facing direction is unknown."""
    if not trial.markers:
        return None
    # frames without any marker: NaN (nan_reduce, not catch_warnings: batches run trials in threads)
    centroid = nan_reduce(np.nanmean, np.stack([np.asarray(v, float) for v in trial.markers.values()]), axis=0)
    no_frames = np.full(centroid.shape[:1] + (3, 3), np.nan)  # no segment frame: no facing direction
    try:
        prog, treadmill = _progression(np.ascontiguousarray(centroid), no_frames,
                                       tuple(float(v) for v in np.eye(3)[UP_AXIS]), "auto")
    except ValueError:
        return None
    return None if treadmill else prog


def _plates_for_stances(trial, km, side, ic, to):
    """Per stance: the index of the first plate that recorded it whole (-1: none) and the first
    and last loaded sample of that plate."""
    plate_of = np.full(len(ic), -1)
    first, last = np.zeros(len(ic), dtype=np.intp), np.zeros(len(ic), dtype=np.intp)
    for j, plate in enumerate(trial.plates):
        if plate.side and plate.side != side:
            continue
        ok, a, b = _recorded_whole(km, plate, side, ic, to)
        take = ok & (plate_of < 0)
        plate_of[take], first[take], last[take] = j, a[take], b[take]
    return plate_of, first, last


def _recorded_whole(km, plate, side, ic, to):
    """Stances a plate recorded whole: side-assigned (treadmill belts), or a physical plate whose
    loaded interval matches IC-TO and whose COP sits under this foot at midstance."""
    i0, i1 = np.rint(ic * plate.rate).astype(np.intp), np.rint(to * plate.rate).astype(np.intp)
    ok = (i0 >= 0) & (i1 < plate.fz.shape[0]) & (i1 > i0)
    loaded, starts, ends = _cached(km, ("loaded runs", id(plate)), lambda: loaded_runs(plate))
    mid = np.where(ok, (i0 + i1) // 2, 0)
    ok &= loaded[mid]
    if not ok.any():
        return ok, i0, i1
    # the loaded run containing midstance must start and end at IC and TO
    run = np.maximum(np.searchsorted(starts, mid, side="right") - 1, 0)
    a, b = starts[run], ends[run]
    tolerance = PLATE_EVENT_TOLERANCE_S
    ok &= (np.abs(a / plate.rate - ic) <= tolerance) & (np.abs(b / plate.rate - to) <= tolerance)
    if not plate.side:
        ok &= _cop_under_foot(km, plate, side, mid)
    return ok, a, b


def _cop_under_foot(km, plate, side, mid):
    lm = km.landmarks
    foot = lm.get("foot_centre", side) if lm is not None else None
    if foot is None:
        return np.zeros(len(mid), dtype=bool)
    d = plate.cop[mid] - sample_at(foot, km.rate, mid / plate.rate)
    up = np.eye(3)[UP_AXIS]
    horizontal = d - (d @ up)[:, None] * up
    return np.isfinite(horizontal).all(axis=1) & (np.linalg.norm(horizontal, axis=1) <= FOOT_ON_PLATE_MM)


def _plate_kinetics(km, plate, first, last, mass):
    """Loading rates and impulses of the stances a plate loaded from sample first[i] to last[i]."""
    fz = _cached(km, ("fz_lowpass", id(plate)), lambda: plate_fz(plate, LOADING_RATE_CUTOFF_HZ))
    x = km.progression[:, 0] if km.progression is not None else np.full(3, np.nan)
    fap = _cached(km, ("anteroposterior", id(plate)), lambda: plate.force @ x)
    dt = 1.0 / plate.rate
    col = _loading_rates(fz, first, last, dt, mass * G)
    stance = _Windows(first, last + 1)
    col["braking_impulse_ns_per_kg"] = stance.sum(np.minimum(fap, 0.0)) * dt / mass
    col["propulsive_impulse_ns_per_kg"] = stance.sum(np.maximum(fap, 0.0)) * dt / mass
    return col


def _loading_rates(fz, first, last, dt, bw):
    """VALR and VILR (BW/s) of the stances loading fz from sample first[i] to last[i], and the
    method used for each (docs/methods.md C 5)."""
    m = last - first + 1
    seg = _Windows(first, last + 1).padded(fz, np.nan)
    seg = np.pad(seg, ((0, 0), (0, 1)), constant_values=np.nan)  # index m is NaN, never out of range
    rows, cols = np.arange(len(m)), np.arange(seg.shape[1])
    # the impact peak: the first local maximum in the first 25 % of stance
    early = np.minimum(m, np.maximum(3, (0.25 * m).astype(np.intp)))
    is_peak = (seg[:, 1:-1] > seg[:, :-2]) & (seg[:, 1:-1] >= seg[:, 2:]) & (cols[2:] < early[:, None])
    ip = is_peak.argmax(axis=1) + 1
    peak = seg[rows, ip]
    t20, t80 = _crossing(seg, 0.2 * peak, ip), _crossing(seg, 0.8 * peak, ip)
    impact = is_peak.any(axis=1) & (t80 > t20)
    # without one: the mean slope over 3-12 % of stance
    i0 = np.rint(0.03 * m).astype(np.intp)
    i1 = np.maximum(np.rint(0.12 * m).astype(np.intp), i0 + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        valr = np.where(impact, 0.6 * peak / ((t80 - t20) * dt),
                        (seg[rows, i1] - seg[rows, i0]) / ((i1 - i0) * dt)) / bw
    lo = np.where(impact, np.floor(np.nan_to_num(t20)), i0)
    hi = np.where(impact, np.ceil(np.nan_to_num(t80)), i1)
    rise = np.diff(seg, axis=1)
    inside = (cols[:-1] >= lo[:, None]) & (cols[:-1] < hi[:, None])
    vilr = np.where(inside, rise, -np.inf).max(axis=1, initial=-np.inf) / dt / bw
    method = np.where(impact, "impact peak 20-80%", "no impact peak: mean slope 3-12% of stance").astype(object)
    return {"valr_bw_per_s": valr, "vilr_bw_per_s": vilr, "loading_rate_method": method}


def _crossing(seg, level, last):
    """Per row, the fractional index where seg first rises through level at or before index last."""
    above = (seg >= level[:, None]) & (np.arange(seg.shape[1]) <= last[:, None])
    k = above.argmax(axis=1)
    before = np.maximum(k - 1, 0)
    x0, x1 = seg[np.arange(len(k)), before], seg[np.arange(len(k)), k]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = before + (level - x0) / (x1 - x0)
    return np.where(~above.any(axis=1), np.nan, np.where(k == 0, 0.0, frac))
