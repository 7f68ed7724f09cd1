"""Per-stance back-pain factor metrics (METHODS.md C, "Factor metrics").

One row per stance (initial contact IC to toe-off TO of the same foot) with the four
running factors linked to low-back pain -- contralateral pelvic drop, trunk lean, hip
extension, over-striding -- plus vertical loading rates and braking/propulsive impulses
where a force plate (or an instrumented-treadmill belt) recorded that stance.  A metric
the data cannot support is NaN and the ``reason`` column says why; nothing is guessed.

Stances whose markers were gap-filled at IC or TO, or over more than 20 % of the stance,
give no kinematic metric (METHODS.md E); their force metrics are kept.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from ._quiet import quiet
from .filters import lowpass
from .kinematics import build_model
from .trial import UP_AXIS, Trial

__all__ = ["stance_factors", "factor_summary"]

G = 9.80665
CONTACT_THRESHOLD_N = 20.0
LOADING_RATE_CUTOFF_HZ = 50.0    # METHODS.md E: >= 50 Hz for loading rates
MAX_FILLED_FRACTION = 0.2       # METHODS.md E: reject a stance > 20 % gap-filled ...
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
      tilt at that instant.  With a static trial, ``peak_hip_extension_vs_static_deg`` and
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
        raise TypeError(f"trial must be a gaitcore.Trial, got {type(trial).__name__}")
    stances = _stances(events)
    km = kinematic_model
    if km is None:
        with quiet():
            km = build_model(trial, static=static, **kinematics)
    mass, mass_reason = _body_mass(trial, body_mass_kg)
    static_ref = _static_reference(static, kinematics) if static is not None else None
    rows = [_stance_row(trial, km, side, ic, to, mass, mass_reason, static_ref) for side, ic, to in stances]
    return pd.DataFrame(rows, columns=COLUMNS)


def factor_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean of every numeric metric per side (the per-limb values of METHODS.md C)."""
    numeric = table.select_dtypes("number").drop(columns=["ic_s", "to_s"], errors="ignore")
    return numeric.groupby(table["side"]).mean()


# ---- stances and body mass ---------------------------------------------------------------

def _stances(events):
    if not isinstance(events, pd.DataFrame):
        raise TypeError(f"events must be a pandas DataFrame, got {type(events).__name__}")
    missing = [c for c in ("side", "event", "time_s") if c not in events.columns]
    if missing:
        raise ValueError(f"events is missing columns {missing} (needs side, event, time_s)")
    out = []
    for side in ("L", "R"):
        ev = events[events["side"] == side]
        ics = np.sort(ev.loc[ev["event"] == "IC", "time_s"].to_numpy(float))
        tos = np.sort(ev.loc[ev["event"] == "TO", "time_s"].to_numpy(float))
        if not (np.isfinite(ics).all() and np.isfinite(tos).all()):
            raise ValueError("events: time_s must be finite")
        for k, ic in enumerate(ics):
            nxt = ics[k + 1] if k + 1 < len(ics) else np.inf
            after = tos[(tos > ic) & (tos < nxt)]
            if after.size:
                out.append((side, float(ic), float(after[0])))
    return sorted(out, key=lambda s: s[1])


def _body_mass(trial, body_mass_kg):
    if isinstance(body_mass_kg, str):
        if body_mass_kg != "from_grf":
            raise ValueError(f"body_mass_kg must be a number, None or 'from_grf', got {body_mass_kg!r}")
        if not trial.plates:
            return float("nan"), "no force data for body mass"
        total = sum(np.nan_to_num(p.fz) for p in trial.plates if p.fz.shape == trial.plates[0].fz.shape)
        return float(np.mean(total)) / G, ""
    if body_mass_kg is not None:
        if isinstance(body_mass_kg, bool) or not isinstance(body_mass_kg, numbers.Real) or not body_mass_kg > 0:
            raise ValueError(f"body_mass_kg must be > 0, got {body_mass_kg!r}")
        return float(body_mass_kg), ""
    mass = trial.metadata.get("body_mass_kg")
    if mass and mass > 0:
        return float(mass), ""
    return float("nan"), "no body mass (metadata body_mass_kg or body_mass_kg=)"


# ---- kinematic metrics -----------------------------------------------------------------------

def _at(x, rate, t):
    """Linear interpolation of a frame-sampled signal at time t (NaN outside or in a gap)."""
    pos = t * rate
    i = int(math.floor(pos))
    if i < 0 or i + 1 >= len(x):
        return np.nan * np.ones(np.shape(x)[1:]) if np.ndim(x) > 1 else float("nan")
    f = pos - i
    return (1 - f) * x[i] + f * x[i + 1]


def _window(rate, n, t0, t1):
    return slice(max(0, int(math.ceil(t0 * rate))), min(n, int(math.floor(t1 * rate)) + 1))


def _cached(km, key, compute):
    """Whole-trial arrays computed once per kinematic model, not once per stance."""
    cache = km.__dict__.setdefault("_factor_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _cpd(km, side):
    def compute():
        u = km.markers["RASI"] - km.markers["LASI"]
        u = u / np.linalg.norm(u, axis=1)[:, None]
        return np.degrees(np.arcsin(np.clip(u @ km.progression[:, 1], -1, 1)))
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
    """Standing values: foot pitch (TOE - HEE), hip flexion and trunk lean, per side."""
    if not isinstance(static, Trial):
        raise TypeError(f"static must be a gaitcore.Trial, got {type(static).__name__}")
    m = static.markers
    ref = {}
    for side in ("L", "R"):
        if side + "TOE" in m and side + "HEE" in m:
            v = np.asarray(m[side + "TOE"], float) - np.asarray(m[side + "HEE"], float)
            ref[f"{side}_foot"] = float(np.nanmean(_pitch_deg(v)))
    kw = {k: v for k, v in kinematics.items() if k != "progression"}
    try:
        with quiet():
            skm = build_model(static, static=static, progression="lab_axis", **kw)
    except ValueError:
        return ref
    for side in ("L", "R"):
        ref[f"{side}_hip"] = float(np.nanmean(skm.angles[f"{side}_hip"][:, 0]))
    ref["trunk_lean"] = float(np.nanmean(skm.angles["trunk_lean"]))
    for side in ("L", "R"):
        ref[f"{side}_cpd"] = float(np.nanmean(_cpd(skm, side)))
    return ref


def _stance_row(trial, km, side, ic, to, mass, mass_reason, static_ref):
    rate, n = km.rate, km.pelvis.shape[0]
    tc = to - ic
    reasons = []
    row = dict.fromkeys(COLUMNS, float("nan"))
    row.update(side=side, ic_s=ic, to_s=to, contact_time_s=tc, loading_rate_method="", upright_or_backward=False)
    stance = _window(rate, n, ic, to)
    problem = _fill_problem(km, side, ic, to, stance)
    if problem:  # METHODS.md E: no kinematic metric from a stance built on interpolated markers
        reasons.append(problem)
        _kinetics(trial, km, side, ic, to, mass, mass_reason, row, reasons)
        row["reason"] = "; ".join(reasons)
        return row
    # contralateral pelvic drop
    cpd = _cpd(km, side)
    if np.isfinite(cpd[stance]).all() and stance.stop - stance.start > 2:
        row["cpd_peak_deg"] = float(np.max(cpd[stance]))
        row["cpd_excursion_deg"] = row["cpd_peak_deg"] - float(_at(cpd, rate, ic))
    else:
        reasons.append("pelvis markers missing in stance")
    # trunk lean
    lean = km.angles["trunk_lean"]
    if np.isfinite(lean[stance]).all() and stance.stop > stance.start:
        row["trunk_lean_mean_deg"] = float(np.mean(lean[stance]))
        row["trunk_lean_ic_deg"] = float(_at(lean, rate, ic))
        row["trunk_lean_midstance_deg"] = float(_at(lean, rate, ic + 0.5 * tc))
        row["upright_or_backward"] = bool(row["trunk_lean_mean_deg"] < 4.0)
    else:
        reasons.append("trunk lean needs C7 (or a thorax) through stance")
    knee = km.angles[f"{side}_knee"][stance, 0]
    if knee.size and np.isfinite(knee).all():
        row["peak_knee_flexion_stance_deg"] = float(np.max(knee))
    _hip_extension(km, side, ic, to, tc, row, reasons)
    _overstride(km, side, ic, row, reasons, static_ref)
    if static_ref:
        row["peak_hip_extension_vs_static_deg"] = row["peak_hip_extension_deg"] + static_ref.get(f"{side}_hip", np.nan)
        row["trunk_lean_mean_vs_static_deg"] = row["trunk_lean_mean_deg"] - static_ref.get("trunk_lean", np.nan)
        row["cpd_peak_vs_static_deg"] = row["cpd_peak_deg"] - static_ref.get(f"{side}_cpd", np.nan)
    else:
        reasons.append("no static trial: no static-referenced values")
    _kinetics(trial, km, side, ic, to, mass, mass_reason, row, reasons)
    row["reason"] = "; ".join(reasons)
    return row


def _fill_problem(km, side, ic, to, stance):
    """Why a stance's markers are too interpolated to use, or ''."""
    names = ["LASI", "RASI", "LPSI", "RPSI", "SACR", "C7"] + [side + k for k in ("THI", "KNE", "TIB", "ANK", "TOE",
                                                                                  "HEE")]
    masks = [km.filled[k] for k in names if k in km.filled]
    if not masks:
        return ""
    filled = _cached(km, ("filled", side), lambda: np.any(masks, axis=0))
    n = len(filled)
    at_event = any(filled[min(n - 1, max(0, int(round(t * km.rate))))] for t in (ic, to))
    if at_event:
        return "kinematics rejected: a marker was gap-filled at IC or TO"
    if stance.stop > stance.start and filled[stance].mean() > MAX_FILLED_FRACTION:
        return f"kinematics rejected: over {MAX_FILLED_FRACTION:.0%} of stance gap-filled"
    return ""


def _hip_extension(km, side, ic, to, tc, row, reasons):
    rate, n = km.rate, km.pelvis.shape[0]
    w = _window(rate, n, ic + 0.5 * tc, to + 0.05)
    flex = km.angles[f"{side}_hip"][:, 0]
    if w.stop - w.start < 2 or not np.isfinite(flex[w]).all():
        reasons.append("hip flexion missing in late stance")
        return
    k = w.start + int(np.argmin(flex[w]))
    row["peak_hip_extension_deg"] = float(-flex[k])
    row["hip_extension_to_deg"] = float(-_at(flex, rate, to))
    thigh_up = km.hjc[side][k] - km.kjc[side][k]
    # knee behind the hip = hip centre ahead of the knee along the travel direction = extension +
    row["thigh_extension_deg"] = float(_sagittal_angle(thigh_up[None, :], km, vertical=True)[0])
    row["pelvic_tilt_at_peak_hip_ext_deg"] = float(km.angles["pelvis"][k, 0])


def _overstride(km, side, ic, row, reasons, static_ref):
    rate, m = km.rate, km.markers
    x, y = km.progression[:, 0], km.progression[:, 1]
    back = ("LPSI", "RPSI") if "LPSI" in m and "RPSI" in m else ("SACR", "SACR")
    centre = _cached(km, "pelvis_centre", lambda: 0.25 * (m["LASI"] + m["RASI"] + m[back[0]] + m[back[1]]))
    heel_name = side + "HEE"
    if heel_name in m:
        d = float((_at(m[heel_name], rate, ic) - _at(centre, rate, ic)) @ x)
        row["overstride_mm"] = d
        ll = km.leg_length_mm.get(side, float("nan"))
        row["overstride_pct_leg_length"] = 100.0 * d / ll if ll and ll > 0 else float("nan")
        toe = side + "TOE"
        v = _at(m[toe], rate, ic) - _at(m[heel_name], rate, ic)
        angle = float(_sagittal_angle(v[None, :], km)[0])
        if static_ref and f"{side}_foot" in static_ref:
            angle -= static_ref[f"{side}_foot"]
        else:
            reasons.append("foot-strike angle not corrected by a static trial")
        row["foot_strike_angle_deg"] = angle
    else:
        reasons.append(f"overstride and foot-strike angle need {heel_name}")
    kjc, ajc = _at(km.kjc[side], rate, ic), _at(km.ajc[side], rate, ic)
    row["shank_angle_deg"] = float(np.degrees(math.atan2((ajc - kjc) @ x, (kjc - ajc) @ y)))
    row["knee_flexion_ic_deg"] = float(_at(km.angles[f"{side}_knee"][:, 0], rate, ic))


# ---- kinetic metrics ----------------------------------------------------------------------

def _plate_for_stance(trial, km, side, ic, to):
    """The plate that recorded exactly this stance: side-assigned (treadmill belts) or the one
    whose loaded interval matches IC-TO and whose COP sits under this foot."""
    foot = None
    if side + "HEE" in km.markers and side + "TOE" in km.markers:
        foot = 0.5 * (km.markers[side + "HEE"] + km.markers[side + "TOE"])
    for plate in trial.plates:
        if plate.side and plate.side != side:
            continue
        n_samples = plate.fz.shape[0]
        i0, i1 = int(round(ic * plate.rate)), int(round(to * plate.rate))
        if i0 < 0 or i1 >= n_samples or i1 <= i0:
            continue
        loaded, starts, ends = _cached(km, ("loaded runs", id(plate)), lambda: _loaded_runs(plate))
        mid = (i0 + i1) // 2
        if not loaded[mid]:
            continue
        # the loaded run containing midstance must start and end at IC and TO
        run = np.searchsorted(starts, mid, side="right") - 1
        a, b = int(starts[run]), int(ends[run])
        if abs(a / plate.rate - ic) > PLATE_EVENT_TOLERANCE_S or abs(b / plate.rate - to) > PLATE_EVENT_TOLERANCE_S:
            continue
        if not plate.side:
            if foot is None:
                continue
            cop = plate.cop[mid]
            f = _at(foot, km.rate, mid / plate.rate)
            up = np.eye(3)[UP_AXIS]
            horiz = (cop - f) - ((cop - f) @ up) * up
            if not np.isfinite(horiz).all() or np.linalg.norm(horiz) > FOOT_ON_PLATE_MM:
                continue
        return plate, a, b
    return None, 0, 0


def _loaded_runs(plate):
    """Loaded mask of a plate and the first and last sample of each loaded run."""
    loaded = plate.fz > CONTACT_THRESHOLD_N
    edges = np.diff(loaded.astype(np.int8))
    starts = np.flatnonzero(edges == 1) + 1
    ends = np.flatnonzero(edges == -1)
    if loaded[0]:
        starts = np.r_[0, starts]
    if loaded[-1]:
        ends = np.r_[ends, loaded.size - 1]
    return loaded, starts, ends


def _kinetics(trial, km, side, ic, to, mass, mass_reason, row, reasons):
    if not trial.plates:
        reasons.append("no force data")
        return
    plate, a, b = _plate_for_stance(trial, km, side, ic, to)
    if plate is None:
        reasons.append("no force plate recorded this whole stance")
        return
    if not math.isfinite(mass):
        reasons.append(mass_reason)
        return
    bw = mass * G
    fz = _cached(km, ("fz_lowpass", id(plate)), lambda: lowpass(
        np.nan_to_num(plate.fz), plate.rate, min(LOADING_RATE_CUTOFF_HZ, 0.45 * plate.rate)))
    seg = fz[a:b + 1]
    dt = 1.0 / plate.rate
    _loading_rates(seg, dt, bw, row)
    fap = plate.force[a:b + 1] @ km.progression[:, 0]
    row["braking_impulse_ns_per_kg"] = float(np.sum(np.minimum(fap, 0.0)) * dt / mass)
    row["propulsive_impulse_ns_per_kg"] = float(np.sum(np.maximum(fap, 0.0)) * dt / mass)


def _loading_rates(seg, dt, bw, row):
    """VALR and VILR (BW/s) of one stance's vertical force, METHODS.md C 5."""
    m = len(seg)
    early = seg[: max(3, int(0.25 * m))]
    peaks = np.flatnonzero((early[1:-1] > early[:-2]) & (early[1:-1] >= early[2:])) + 1
    if peaks.size:
        ip = int(peaks[0])
        peak = seg[ip]
        t20 = _crossing(seg[: ip + 1], 0.2 * peak)
        t80 = _crossing(seg[: ip + 1], 0.8 * peak)
        if t80 > t20:
            row["valr_bw_per_s"] = float(0.6 * peak / ((t80 - t20) * dt) / bw)
            i0, i1 = int(math.floor(t20)), int(math.ceil(t80))
            row["vilr_bw_per_s"] = float(np.max(np.diff(seg[i0:i1 + 1])) / dt / bw)
            row["loading_rate_method"] = "impact peak 20-80%"
            return
    i0, i1 = int(round(0.03 * m)), max(int(round(0.12 * m)), int(round(0.03 * m)) + 1)
    row["valr_bw_per_s"] = float((seg[i1] - seg[i0]) / ((i1 - i0) * dt) / bw)
    row["vilr_bw_per_s"] = float(np.max(np.diff(seg[i0:i1 + 1])) / dt / bw)
    row["loading_rate_method"] = "no impact peak: mean slope 3-12% of stance"


def _crossing(x, level):
    """Fractional index where x first rises through level."""
    above = np.nonzero(x >= level)[0]
    if not above.size:
        return float("nan")
    k = int(above[0])
    if k == 0:
        return 0.0
    return k - 1 + (level - x[k - 1]) / (x[k] - x[k - 1])
