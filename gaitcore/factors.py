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

from ._quiet import quiet
from ._sampling import next_after, sample_at
from .events import foot_centre, loaded_runs, plate_fz
from .kinematics import build_model
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
    sides, ic, to = _stances(events)
    km = kinematic_model
    if km is None:
        with quiet():
            km = build_model(trial, static=static, **kinematics)
    mass, mass_reason = _body_mass(trial, body_mass_kg)
    static_ref = _static_reference(static, kinematics) if static is not None else None
    return _stance_table(trial, km, sides, ic, to, mass, mass_reason, static_ref)


def factor_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean of every numeric metric per side (the per-limb values of docs/methods.md C)."""
    numeric = table.select_dtypes("number").drop(columns=["ic_s", "to_s"], errors="ignore")
    return numeric.groupby(table["side"]).mean()


# ---- stances and body mass ---------------------------------------------------------------

def _stances(events):
    """Side, IC and TO (s) of every complete stance, in IC order."""
    if not isinstance(events, pd.DataFrame):
        raise TypeError(f"events must be a pandas DataFrame, got {type(events).__name__}")
    missing = [c for c in ("side", "event", "time_s") if c not in events.columns]
    if missing:
        raise ValueError(f"events is missing columns {missing} (needs side, event, time_s)")
    side = events["side"].to_numpy(object)
    kind = events["event"].to_numpy(object)
    time_s = events["time_s"].to_numpy(float)
    if not np.isfinite(time_s[np.isin(side, ["L", "R"]) & np.isin(kind, ["IC", "TO"])]).all():
        raise ValueError("events: time_s must be finite")
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


# ---- the table -----------------------------------------------------------------------------
# Every metric is computed for all stances of one side at once (arrays indexed by stance):
# a 60-s treadmill trial has 175 stances, and a loop of small NumPy calls per stance cost
# more than the joint angles themselves.

def _stance_table(trial, km, sides, ic, to, mass, mass_reason, static_ref) -> pd.DataFrame:
    table = {name: np.full(len(ic), np.nan) for name in COLUMNS}
    table.update(side=sides, ic_s=ic, to_s=to, contact_time_s=to - ic,
                 upright_or_backward=np.zeros(len(ic), dtype=bool),
                 loading_rate_method=np.full(len(ic), "", dtype=object))
    reasons: list[list[str]] = [[] for _ in ic]
    for side in ("L", "R"):
        rows = np.flatnonzero(sides == side)
        if not rows.size:
            continue
        for columns, why in (_side_kinematics(km, side, ic[rows], to[rows], static_ref),
                             _side_kinetics(trial, km, side, ic[rows], to[rows], mass, mass_reason)):
            for name, values in columns.items():
                table[name][rows] = values
            for mask, message in why:  # in the order they apply, as a reader of one row expects
                for r in rows[mask]:
                    reasons[r].append(message)
    table["reason"] = np.array(["; ".join(r) for r in reasons], dtype=object)
    return pd.DataFrame(table, columns=COLUMNS)


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


def _side_kinematics(km, side, ic, to, static_ref):
    """Kinematic columns of one side's stances (NaN where not computable) and the reasons, as
    (stance mask, message) pairs."""
    rate, n = km.rate, km.pelvis.shape[0]
    stance = _Windows(*_frames(rate, n, ic, to))
    at_event, too_filled = _fill_rejected(km, side, ic, to, stance)
    why = [(at_event, "kinematics rejected: a marker was gap-filled at IC or TO"),
           (too_filled, f"kinematics rejected: over {MAX_FILLED_FRACTION:.0%} of stance gap-filled")]
    usable = ~(at_event | too_filled)  # docs/methods.md E: no kinematic metric from interpolated markers
    col = {}
    # contralateral pelvic drop
    cpd = _cpd(km, side)
    ok = usable & (stance.length > 2) & stance.all_finite(cpd)
    col["cpd_peak_deg"] = np.where(ok, stance.max(cpd), np.nan)
    col["cpd_excursion_deg"] = col["cpd_peak_deg"] - sample_at(cpd, rate, ic)
    why.append((usable & ~ok, "pelvis markers missing in stance"))
    # trunk lean
    lean = km.angles["trunk_lean"]
    ok = usable & (stance.length > 0) & stance.all_finite(lean)
    col["trunk_lean_mean_deg"] = np.where(ok, stance.mean(lean), np.nan)
    col["trunk_lean_ic_deg"] = np.where(ok, sample_at(lean, rate, ic), np.nan)
    col["trunk_lean_midstance_deg"] = np.where(ok, sample_at(lean, rate, ic + 0.5 * (to - ic)), np.nan)
    col["upright_or_backward"] = ok & (col["trunk_lean_mean_deg"] < 4.0)
    why.append((usable & ~ok, "trunk lean needs C7 (or a thorax) through stance"))
    knee = km.angles[f"{side}_knee"][:, 0]
    ok = usable & (stance.length > 0) & stance.all_finite(knee)
    col["peak_knee_flexion_stance_deg"] = np.where(ok, stance.max(knee), np.nan)
    col.update(_hip_extension(km, side, ic, to, usable, why))
    col.update(_overstride(km, side, ic, usable, why, static_ref))
    if static_ref:
        col["peak_hip_extension_vs_static_deg"] = col["peak_hip_extension_deg"] + static_ref.get(f"{side}_hip", np.nan)
        col["trunk_lean_mean_vs_static_deg"] = col["trunk_lean_mean_deg"] - static_ref.get("trunk_lean", np.nan)
        col["cpd_peak_vs_static_deg"] = col["cpd_peak_deg"] - static_ref.get(f"{side}_cpd", np.nan)
    else:
        why.append((usable, "no static trial: no static-referenced values"))
    return col, why


def _fill_rejected(km, side, ic, to, stance):
    """Stances whose markers were gap-filled at IC or TO, and the others filled over more than
    MAX_FILLED_FRACTION of stance."""
    names = ["LASI", "RASI", "LPSI", "RPSI", "SACR", "C7"] + [side + k for k in ("THI", "KNE", "TIB", "ANK", "TOE",
                                                                                  "HEE")]
    masks = [km.filled[k] for k in names if k in km.filled]
    if not masks:
        none = np.zeros(len(ic), dtype=bool)
        return none, none
    filled = _cached(km, ("filled", side), lambda: np.any(masks, axis=0))

    def at(t):
        return filled[np.clip(np.rint(t * km.rate).astype(np.intp), 0, len(filled) - 1)]
    at_event = at(ic) | at(to)
    too_filled = ~at_event & (stance.length > 0) & (stance.mean(filled.astype(float)) > MAX_FILLED_FRACTION)
    return at_event, too_filled


def _hip_extension(km, side, ic, to, usable, why):
    rate, n = km.rate, km.pelvis.shape[0]
    late = _Windows(*_frames(rate, n, ic + 0.5 * (to - ic), to + 0.05))
    flex = km.angles[f"{side}_hip"][:, 0]
    ok = usable & (late.length >= 2) & late.all_finite(flex)
    why.append((usable & ~ok, "hip flexion missing in late stance"))
    k = np.where(ok, late.argmin(flex), 0)
    # knee behind the hip = hip centre ahead of the knee along the travel direction = extension +
    thigh_up = km.hjc[side][k] - km.kjc[side][k]
    return {"peak_hip_extension_deg": np.where(ok, -flex[k], np.nan),
            "hip_extension_to_deg": np.where(ok, -sample_at(flex, rate, to), np.nan),
            "thigh_extension_deg": np.where(ok, _sagittal_angle(thigh_up, km, vertical=True), np.nan),
            "pelvic_tilt_at_peak_hip_ext_deg": np.where(ok, km.angles["pelvis"][k, 0], np.nan)}


def _overstride(km, side, ic, usable, why, static_ref):
    rate, m = km.rate, km.markers
    x, y = km.progression[:, 0], km.progression[:, 1]
    col = {}
    heel_name = side + "HEE"
    if heel_name in m:
        back = ("LPSI", "RPSI") if "LPSI" in m and "RPSI" in m else ("SACR", "SACR")
        centre = _cached(km, "pelvis_centre", lambda: 0.25 * (m["LASI"] + m["RASI"] + m[back[0]] + m[back[1]]))
        heel = sample_at(m[heel_name], rate, ic)
        col["overstride_mm"] = (heel - sample_at(centre, rate, ic)) @ x
        ll = km.leg_length_mm.get(side, float("nan"))
        col["overstride_pct_leg_length"] = 100.0 * col["overstride_mm"] / ll if ll and ll > 0 else np.nan
        angle = _sagittal_angle(sample_at(m[side + "TOE"], rate, ic) - heel, km)
        if static_ref and f"{side}_foot" in static_ref:
            angle = angle - static_ref[f"{side}_foot"]
        else:
            why.append((usable, "foot-strike angle not corrected by a static trial"))
        col["foot_strike_angle_deg"] = angle
    else:
        why.append((usable, f"overstride and foot-strike angle need {heel_name}"))
    kjc, ajc = sample_at(km.kjc[side], rate, ic), sample_at(km.ajc[side], rate, ic)
    col["shank_angle_deg"] = np.degrees(np.arctan2((ajc - kjc) @ x, (kjc - ajc) @ y))
    col["knee_flexion_ic_deg"] = sample_at(km.angles[f"{side}_knee"][:, 0], rate, ic)
    return {name: np.where(usable, values, np.nan) for name, values in col.items()}


# ---- kinetic metrics ----------------------------------------------------------------------

def _side_kinetics(trial, km, side, ic, to, mass, mass_reason):
    """Loading rates and impulses of one side's stances from the plate that recorded each whole."""
    if not trial.plates:
        return {}, [(np.ones(len(ic), dtype=bool), "no force data")]
    plate_of, first, last = _plates_for_stances(trial, km, side, ic, to)
    why = [(plate_of < 0, "no force plate recorded this whole stance")]
    if not math.isfinite(mass):
        return {}, why + [(plate_of >= 0, mass_reason)]
    col = {name: np.full(len(ic), np.nan) for name in ("valr_bw_per_s", "vilr_bw_per_s", "braking_impulse_ns_per_kg",
                                                       "propulsive_impulse_ns_per_kg")}
    col["loading_rate_method"] = np.full(len(ic), "", dtype=object)
    for j in np.unique(plate_of[plate_of >= 0]):
        on_plate = plate_of == j
        for name, values in _plate_kinetics(km, trial.plates[j], first[on_plate], last[on_plate], mass).items():
            col[name][on_plate] = values
    return col, why


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
    foot = _cached(km, ("foot", side), lambda: foot_centre(km.markers, side))
    if foot is None:
        return np.zeros(len(mid), dtype=bool)
    d = plate.cop[mid] - sample_at(foot, km.rate, mid / plate.rate)
    up = np.eye(3)[UP_AXIS]
    horizontal = d - (d @ up)[:, None] * up
    return np.isfinite(horizontal).all(axis=1) & (np.linalg.norm(horizontal, axis=1) <= FOOT_ON_PLATE_MM)


def _plate_kinetics(km, plate, first, last, mass):
    """Loading rates and impulses of the stances a plate loaded from sample first[i] to last[i]."""
    fz = _cached(km, ("fz_lowpass", id(plate)), lambda: plate_fz(plate, LOADING_RATE_CUTOFF_HZ))
    fap = _cached(km, ("anteroposterior", id(plate)), lambda: plate.force @ km.progression[:, 0])
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
