"""One trial in, its back-pain factor profile out: :func:`analyze_trial`.

The pipeline: events (plates where loaded, markers elsewhere) -> spatiotemporal
parameters -> cadence (counted from events and spectral) -> joint angles -> per-stance
factors -> per-side means -> stride-normalised curves, with quality flags and provenance.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from ._quiet import quiet
from .cadence import trial_cadence
from .events import detect_events, event_quality, is_belt, spatiotemporal
from .factors import stance_factors
from .filters import fill_gaps
from ._errors import InputError
from .io import read_trial
from .io.static import static_trial_reason
from .kinematics import ANGLE_COMPONENTS, build_model, functional_centres
from .markersets import resolve_landmarks
from .stats import normalize_cycles
from .trial import Trial

#: factor name -> (stance_factors column, how it is summarised: "all" = mean over
#: every stance, "L"/"R" = mean over that side's stances)
STANCE_FACTORS = {
    "overstride_mm": ("overstride_mm", "all"),
    "overstride_pct_leg_length": ("overstride_pct_leg_length", "all"),
    "shank_angle_ic_deg": ("shank_angle_deg", "all"),
    "knee_flexion_ic_deg": ("knee_flexion_ic_deg", "all"),
    "foot_strike_angle_deg": ("foot_strike_angle_deg", "all"),
    "pelvic_drop_deg_L": ("cpd_peak_deg", "L"),
    "pelvic_drop_deg_R": ("cpd_peak_deg", "R"),
    "pelvic_drop_excursion_deg_L": ("cpd_excursion_deg", "L"),
    "pelvic_drop_excursion_deg_R": ("cpd_excursion_deg", "R"),
    "trunk_lean_deg": ("trunk_lean_mean_deg", "all"),
    "trunk_lean_ic_deg": ("trunk_lean_ic_deg", "all"),
    "trunk_lean_midstance_deg": ("trunk_lean_midstance_deg", "all"),
    "peak_hip_extension_deg_L": ("peak_hip_extension_deg", "L"),
    "peak_hip_extension_deg_R": ("peak_hip_extension_deg", "R"),
    "peak_hip_extension_vs_static_deg_L": ("peak_hip_extension_vs_static_deg", "L"),
    "peak_hip_extension_vs_static_deg_R": ("peak_hip_extension_vs_static_deg", "R"),
    "peak_knee_flexion_stance_deg": ("peak_knee_flexion_stance_deg", "all"),
    "valr_bw_per_s": ("valr_bw_per_s", "all"),
    "vilr_bw_per_s": ("vilr_bw_per_s", "all"),
    "braking_impulse_ns_per_kg": ("braking_impulse_ns_per_kg", "all"),
    "propulsive_impulse_ns_per_kg": ("propulsive_impulse_ns_per_kg", "all"),
}
SPATIOTEMPORAL_FACTORS = {
    "contact_time_ms": "contact_ms",
    "flight_time_ms": "flight_ms",
    "step_time_ms": "step_ms",
    "stride_time_ms": "stride_ms",
    "duty_factor": "duty_factor",
}
#: angles normalised per stride for each side: (angle key, side-specific?)
CURVE_ANGLES = ("pelvis", "thorax", "hip", "knee", "ankle")


@dataclass
class TrialReport:
    """Everything :func:`analyze_trial` found in one trial.

    Attributes
    ----------
    factors : pandas.Series
        The one-row summary with unit-suffixed names (``cadence_steps_per_min``,
        ``contact_time_ms``, ``overstride_mm``, ``pelvic_drop_deg_L`` ...), NaN where the
        data cannot support a metric; ``flags`` (str) says why, ``metric: reason; ...``.
    events, spatiotemporal, stances : pandas.DataFrame
        Gait events, per-step parameters and per-stance factor metrics.
    cadence : gaitcore.Cadence or None (spectral estimate; None when it failed)
    angles : dict of str -> ndarray (degrees), as from :func:`gaitcore.joint_angles`
    cycles : dict "L"/"R" -> dict angle name -> ndarray (n_strides, points, components)
        Each angle normalised over that side's strides (IC to next IC of the same foot).
    quality : dict (gap-filled share, strides rejected and why, event source per stance;
        ``clusters``: per cluster that carried a static landmark, its rigid-fit residual per
        frame and whether it deforms, see :meth:`gaitcore.markersets.Landmarks.cluster_fit`)
    provenance : dict (gaitcore version, options, methods)
    """

    source: str
    factors: pd.Series
    events: pd.DataFrame
    spatiotemporal: pd.DataFrame
    stances: pd.DataFrame
    cadence: object
    angles: dict
    cycles: dict
    quality: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    @property
    def curves(self) -> dict[str, np.ndarray]:
        """Flat dict ``"{side}_{angle}_{component}"`` -> (n_strides, points) degrees."""
        out = {}
        for side, by_angle in self.cycles.items():
            for angle, arr in by_angle.items():
                key = angle if angle in ANGLE_COMPONENTS else f"{side}_{angle}"
                names = ANGLE_COMPONENTS.get(key, ("value",))
                for j, comp in enumerate(names[: arr.shape[2]]):
                    out[f"{side}_{angle}_{comp}"] = arr[:, :, j]
        return out


class _Flags:
    def __init__(self):
        self.items: dict[str, str] = {}

    def add(self, metric: str, reason: str) -> None:
        self.items.setdefault(metric, reason)

    def __str__(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.items.items())


def _refuse_static(trial: Trial) -> None:
    """A static standing trial has no steps to analyse: say so, naming the file."""
    reason = static_trial_reason(trial)
    if reason:
        raise InputError(f"{trial.source or 'trial'}: a static standing trial ({reason}), not a locomotion "
                         "trial; pass it as static= of a running trial")


def analyze_trial(trial_or_path, *, grf=None, static=None, event_method: str = "auto",
                  kinematic: str = "auto", hjc: str = "harrington", pelvis_sequence: str = "baker",
                  cutoff_hz: float = 10.0, points: int = 101, body_mass_kg=None, functional=None,
                  calibration="auto") -> TrialReport:
    """Analyse one running trial: events, cadence, joint angles, factors, curves.

    Parameters
    ----------
    trial_or_path : Trial or path of a C3D/TRC file
    grf : path of an OpenSim GRF .mot to attach to a TRC trial
    static : Trial or path of a static standing trial: knee and ankle landmarks missing from
        the running trial are rebuilt through the thigh and shank clusters, and static-referenced
        angles are reported
    event_method : "auto" (plates where loaded, markers elsewhere), "force", "file" (the
        events stored in the file), or a kinematic method of :func:`gaitcore.detect_events`
    kinematic : the marker method "auto" uses where no plate is loaded ("auto": by the
        trial's gait mode: "clearance" for running, "velocity" for walking), or one of
        :data:`gaitcore.events.KINEMATIC_METHODS`
    hjc, pelvis_sequence, cutoff_hz : passed to :func:`gaitcore.joint_angles`
    points : nodes per normalised stride (101 = every 1 %)
    body_mass_kg : overrides the file's body mass (for BW and N s/kg units); "from_grf"
        takes it from the mean vertical force.  Default: the file's body mass, else, when
        every plate is a per-foot force of a treadmill (``side`` set), the mean vertical
        force (flagged)
    functional : Trial or path of a functional hip (range-of-motion) trial: the hip centres
        are its SCoRE centres (:func:`gaitcore.functional_hjc`) instead of Harrington's;
        ``provenance["model"]["L_hjc"]`` then starts with "functional (SCoRE)"
    calibration : Plug-in Gait static offsets, as :func:`gaitcore.joint_angles`: "auto" (the
        file's PROCESSING offsets, else the static's file's, else derived from ``static`` by
        :func:`gaitcore.pig_static_calibration`), "file", "static", a dict, or None;
        ``provenance["model"]["calibration"]`` says which was used

    Returns
    -------
    TrialReport; ``report.factors`` is the one-row summary.

    Example
    -------
    >>> import gaitcore
    >>> from gaitcore import datasets
    >>> report = gaitcore.analyze_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
    ...                                 grf=datasets.path("Rajagopal_grf_run.mot"),
    ...                                 static=datasets.path("Rajagopal_static_run.trc"))
    >>> round(report.factors["cadence_steps_per_min"])
    174
    """
    trial = trial_or_path.validate() if isinstance(trial_or_path, Trial) else read_trial(trial_or_path, grf=grf)
    _refuse_static(trial)
    if static is not None and not isinstance(static, Trial):
        static = read_trial(static)
    flags = _Flags()
    body_mass_kg = _body_mass(trial, body_mass_kg, flags)
    kin_options = {"hjc": hjc, "pelvis_sequence": pelvis_sequence, "cutoff_hz": cutoff_hz,
                   "calibration": calibration}
    if functional is not None:  # computed once here, so a bad functional trial is the caller's error
        kin_options["functional"] = functional_centres(functional, static=static)
    with quiet():  # skipped contacts are reported in quality
        events = detect_events(trial, method=event_method, kinematic=kinematic, static=static)
    good_events = events[events["order_ok"]] if "order_ok" in events else events
    st = spatiotemporal(events, trial)
    spectral = _spectral_cadence(trial, flags)
    model = _model(trial, kin_options, static, flags)
    angles = model.angles if model is not None else {}
    stances = _stances(trial, good_events, model, kin_options, static, body_mass_kg, flags)
    cycles, rejected = _cycles(trial, good_events, angles, points)
    factors = _factor_row(st, spectral, stances, flags)
    factors["flags"] = str(flags)
    quality = {
        "gap_filled_share": _gap_filled_share(trial, model),
        "events_out_of_order": int((~events["order_ok"]).sum()) if "order_ok" in events else 0,
        "strides_rejected": rejected,
        "event_source": events.groupby(["side", "event"])["method"].agg(lambda m: ",".join(sorted(set(m))))
                        .to_dict() if len(events) else {},
        "events": event_quality(events),  # order violations, implausible contacts, rejected strides, why
        "clusters": model.landmarks.cluster_fit() if model is not None else {},  # CAST fit residuals
    }
    factors["gap_filled_share"] = quality["gap_filled_share"]
    provenance = {"gaitcore_version": __version__, "source": trial.source,
                  "options": {"event_method": event_method, "kinematic": kinematic, **kin_options, "points": points,
                              "functional": _functional_source(functional),
                              "body_mass_kg": body_mass_kg, "static": static is not None},
                  "marker_set": _marker_set(trial, model, static),
                  "model": _model_provenance(model),
                  "methods": sorted(set(events["method"])) if len(events) else []}
    return TrialReport(source=trial.source, factors=factors, events=events, spatiotemporal=st,
                       stances=stances, cadence=spectral, angles=angles, cycles=cycles,
                       quality=quality, provenance=provenance)


def _functional_source(functional):
    if functional is None or isinstance(functional, (str, Path)):
        return None if functional is None else str(functional)
    return getattr(functional, "source", None) or "given"


def _body_mass(trial, body_mass_kg, flags):
    if body_mass_kg is not None or trial.metadata.get("body_mass_kg"):
        return body_mass_kg
    # treadmill belts (per-foot force sets with or without a side): over whole strides the mean
    # total vertical force is the weight; overground plates, one contact each, cannot tell it
    if trial.plates and all(is_belt(p.fz, p.rate) for p in trial.plates):
        flags.add("body_mass_kg", "estimated from the mean vertical force of the treadmill")
        return "from_grf"
    return None


def _marker_set(trial, model, static) -> str:
    """The marker set used (preset name, segments covered, ties)."""
    if model is not None:
        return model.landmarks.choice.describe()
    if not trial.markers:
        return "none (no markers)"
    return resolve_landmarks(trial, static=static).choice.describe()


def _spectral_cadence(trial, flags):
    try:
        return trial_cadence(trial)
    except ValueError as exc:
        flags.add("cadence_spectral_steps_per_min", str(exc))
        return None


def _model(trial, kin_options, static, flags):
    """Segment frames and joint angles (built once, shared with the stance factors)."""
    try:
        with quiet():
            return build_model(trial, static=static, **kin_options)
    except ValueError as exc:  # MissingMarkersError is a ValueError
        flags.add("joint_angles", str(exc))
        return None


def _stances(trial, events, model, kin_options, static, body_mass_kg, flags) -> pd.DataFrame:
    if model is None and not trial.plates:
        return pd.DataFrame(columns=["side"])
    try:  # without a kinematic model the force metrics are still computed
        return stance_factors(trial, events, static=static, body_mass_kg=body_mass_kg,
                              kinematic_model=model, **kin_options)
    except ValueError as exc:
        flags.add("stance_factors", str(exc))
        return pd.DataFrame(columns=["side"])


def _strides(events: pd.DataFrame, side: str) -> tuple[np.ndarray, np.ndarray]:
    ics = np.sort(events.loc[(events["side"] == side) & (events["event"] == "IC"), "time_s"].to_numpy(float))
    return ics[:-1], ics[1:]


def _cycles(trial, events, angles, points):
    cycles, rejected = {}, {}
    if not angles or not trial.markers:
        return cycles, rejected
    last_t = (trial.n_frames - 1) / trial.marker_rate
    for side in ("L", "R"):
        starts, ends = _strides(events, side)
        keep = (starts >= 0) & (ends <= last_t)
        rejected[side] = int((~keep).sum())
        starts, ends = starts[keep], ends[keep]
        if starts.size == 0:
            continue
        by_angle = {}
        for name in CURVE_ANGLES:
            key = name if name in ("pelvis", "thorax") else f"{side}_{name}"
            if key in angles:
                by_angle[name] = normalize_cycles(angles[key], trial.marker_rate, starts, ends, points=points)
        if "trunk_lean" in angles:
            by_angle["trunk_lean"] = normalize_cycles(angles["trunk_lean"][:, None], trial.marker_rate,
                                                      starts, ends, points=points)
        cycles[side] = by_angle
    return cycles, rejected


def _factor_row(st, spectral, stances, flags) -> pd.Series:
    row = {"cadence_steps_per_min": st.attrs.get("cadence_steps_per_min", np.nan),
           "cadence_spectral_steps_per_min": spectral.steps_per_min if spectral is not None else np.nan}
    if not np.isfinite(row["cadence_steps_per_min"]):
        flags.add("cadence_steps_per_min", "fewer than two initial contacts")
    for name, col in SPATIOTEMPORAL_FACTORS.items():
        row[name] = _mean(st[col].to_numpy()) if len(st) else np.nan
        if not np.isfinite(row[name]):
            flags.add(name, "no step with the events it needs (IC and TO of one foot, IC of the other, "
                            "or the next IC of the same foot)")
    sides = stances["side"].to_numpy(object) if "side" in stances else np.array([], dtype=object)
    for name, (col, which) in STANCE_FACTORS.items():
        values = stances[col].to_numpy() if col in stances else np.array([])
        row[name] = _mean(values if which == "all" else values[sides == which])
        if not np.isfinite(row[name]):
            flags.add(name, _reason(stances, which, col))
    row["n_stances"] = len(stances)
    return pd.Series(row, dtype=object)


def _model_provenance(model) -> dict:
    """The model's sources, plus each estimated (virtual) heel, which the overstride comes from."""
    if model is None:
        return {}
    sources = dict(model.sources)
    for side in ("L", "R"):
        heel = model.landmarks.source("heel", side) if model.landmarks is not None else ""
        if heel.startswith("virtual"):
            sources[f"{side}_heel"] = heel
    return sources


def _mean(values: np.ndarray) -> float:
    """Mean of the finite values (NaN when none); a non-numeric entry counts as missing."""
    if values.dtype.kind not in "fiub":
        values = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(float)
    v = values.astype(float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else float("nan")


def _reason(stances: pd.DataFrame, which: str, column: str) -> str:
    """Why a factor is NaN: the reasons recorded for its own column in the stances of that side."""
    if not len(stances):
        return "no complete stance with kinematics (see joint_angles)"
    sel = np.ones(len(stances), dtype=bool) if which == "all" else (stances["side"] == which).to_numpy()
    if not sel.any():
        return f"no complete stance of side {which}"
    per_column = stances.attrs.get("reasons", {}).get(column)
    texts = per_column[sel] if per_column is not None else stances["reason"].to_numpy(object)[sel]
    reasons = sorted({r for text in texts if text for r in str(text).split("; ")})
    return " | ".join(reasons) or "not computable"


def _gap_filled_share(trial, model) -> float:
    """Share of marker frames that were spline-filled before the kinematics."""
    if model is not None and model.filled:
        return float(np.mean([mask.mean() for mask in model.filled.values()]))
    if not trial.markers:
        return float("nan")
    stacked = np.stack(list(trial.markers.values()), axis=1)
    _, mask = fill_gaps(stacked, trial.marker_rate)
    return float(mask.any(axis=2).mean())
