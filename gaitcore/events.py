"""Gait events: foot contacts from force plates, kinematic events from markers, and
spatiotemporal parameters (docs/methods.md part A).  Contact detection runs in the C core."""
from __future__ import annotations


import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ._errors import InputError, InputTypeError
from . import _core, _quiet
from ._sampling import nan_reduce, next_after, sample_at
from ._validate import non_negative, positive, real_array
from ._validate import rate as sampling_rate
from .filters import lowpass
from .markersets import resolve_landmarks
from .trial import UP_AXIS, ForcePlate, Trial

# flag bits of gc_contact (csrc/core/gaitcore.h)
_PARTIAL_START, _PARTIAL_END, _TOUCHES_NAN, _MERGED = 1, 2, 4, 8
_CONTACT_COLUMNS = ["on_s", "off_s", "contact_s", "partial", "touches_nan", "merged"]
_DRIFT_ITERATIONS = 3
#: The one loaded-force threshold of the package (N): a plate is loaded at or above it
#: (docs/methods.md A.3: overground 20/20 N).  Events, factors, cadence and the simulator use it.
LOADED_N = 20.0
#: Low-pass of a plate's vertical force before contacts are found (Hz, docs/methods.md A.1).
FORCE_CUTOFF_HZ = 50.0


def detect_contacts(fz, rate: float, threshold: float = LOADED_N, off_threshold: float | None = None,
                    min_contact_s: float = 0.1, min_flight_s: float = 0.02,
                    drift_correction: bool = False, max_contact_s: float | None = None) -> pd.DataFrame:
    """Foot contacts in a vertical ground reaction force, with hysteresis (C core).

    A contact starts when ``fz`` rises to ``threshold`` and ends when it falls below
    ``off_threshold`` (docs/methods.md A.2-A.3: overground 20/20 N; instrumented treadmill
    e.g. 50 N on / 20 N off).  On and off times are placed between the two samples
    bracketing each crossing by linear interpolation (sub-sample precision).  Filter
    ``fz`` first (30-50 Hz, :func:`gaitcore.lowpass`); this function does not.

    - A flight shorter than ``min_flight_s`` (the plate still loaded in the
      ``min_flight_s`` before an IC, docs/methods.md A.4) is threshold chatter inside one
      contact: the two pieces are joined into one contact, flagged ``merged``.
    - A contact shorter than ``min_contact_s`` (both ends known) is dropped, and so is
      one longer than ``max_contact_s`` when given (docs/methods.md A.4 uses 0.60 s for
      running; leave it None for walking, whose stance lasts 0.6-0.8 s).
    - A contact already loaded at the first sample or still loaded at the last is
      ``partial``: its unknown end is NaN and ``contact_s`` is NaN, never a full stance.
    - NaN samples are gaps: a contact with a NaN sample inside it or across one of its
      crossings is flagged ``touches_nan``; a crossing that falls in a gap is NaN (it is
      not invented).  Infinite values raise ValueError.

    All zero or all NaN input gives an empty DataFrame (no contact); a constantly loaded
    record gives one partial contact with ``on_s`` and ``off_s`` NaN.

    Parameters
    ----------
    fz : array_like, 1-D, N, vertical force (positive when loaded)
    rate : float, Hz, sampling rate; sample k is at time k / rate
    threshold : float, N, > 0, loading threshold (IC)
    off_threshold : float, N, 0 < off_threshold <= threshold (TO); default ``threshold``
    min_contact_s : float, s, >= 0, shortest contact kept (docs/methods.md A.4: 0.10 s)
    min_flight_s : float, s, >= 0, shortest flight that separates two contacts
    max_contact_s : float or None, s, > min_contact_s, longest contact kept
    drift_correction : bool
        Treadmill drift (docs/methods.md A.5, after dryft, Alcantara 2019): the mean force in
        the middle third of each flight is splined (GSL natural cubic), subtracted, and the
        contacts detected again (3 iterations).  Needs at least one flight.

    Returns
    -------
    pandas.DataFrame, one row per contact in time order, columns
    ``on_s``, ``off_s`` (s, NaN where unknown), ``contact_s`` (s, NaN unless both ends
    are known), ``partial``, ``touches_nan``, ``merged`` (bool).  With drift correction,
    ``df.attrs["baseline_n"]`` holds the subtracted baseline (N, one value per sample).

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> fz = np.zeros(100); fz[20:50] = 800.0
    >>> c = gaitcore.detect_contacts(fz, rate=100.0)
    >>> c[["on_s", "off_s"]].round(5).values.tolist()
    [[0.19025, 0.49975]]
    """
    arr = real_array(fz, "fz", max_ndim=1)
    rate = sampling_rate(rate, "rate")
    threshold = positive(threshold, "threshold")
    off = threshold if off_threshold is None else positive(off_threshold, "off_threshold")
    if off > threshold:
        raise InputError(f"off_threshold ({off:g} N) must not exceed threshold ({threshold:g} N)")
    min_contact_s = non_negative(min_contact_s, "min_contact_s")
    min_flight_s = non_negative(min_flight_s, "min_flight_s")
    if max_contact_s is not None:
        max_contact_s = positive(max_contact_s, "max_contact_s")
        if max_contact_s <= min_contact_s:
            raise InputError(f"max_contact_s ({max_contact_s:g} s) must exceed min_contact_s ({min_contact_s:g} s)")
    args = (rate, threshold, off, min_contact_s, min_flight_s)
    on_s, off_s, flags = _core_contacts(arr, args)
    baseline = None
    if drift_correction:
        signal = np.asarray(arr, dtype=float)
        for _ in range(_DRIFT_ITERATIONS):
            try:
                baseline = _core.flight_baseline(signal, rate, on_s, off_s)
            except ValueError:
                raise InputError("drift_correction needs at least one flight phase with finite "
                                 "force; none was found") from None
            on_s, off_s, flags = _core_contacts(signal - baseline, args)
    out = _contact_frame(on_s, off_s, flags)
    if max_contact_s is not None:
        out = out[~(out["contact_s"] > max_contact_s)].reset_index(drop=True)
    if baseline is not None:
        out.attrs["baseline_n"] = baseline
    return out


def _core_contacts(fz, args):
    try:
        return _core.detect_contacts(fz, *args)
    except ValueError as exc:
        if "infinite" in str(exc):  # the C core checks inf in its single pass
            raise InputError("fz contains infinite values (NaN marks a gap; inf is an error)") from None
        raise


def _contact_frame(on_s, off_s, flags) -> pd.DataFrame:
    return pd.DataFrame({
        "on_s": on_s, "off_s": off_s, "contact_s": off_s - on_s,
        "partial": (flags & (_PARTIAL_START | _PARTIAL_END)) != 0,
        "touches_nan": (flags & _TOUCHES_NAN) != 0,
        "merged": (flags & _MERGED) != 0,
    }, copy=False)


# ----------------------------------------------------------------------------- detect_events

KINEMATIC_METHODS = ("clearance", "hreljac", "velocity", "zeni")
DEFAULT_KINEMATIC = "auto"
METHODS = ("auto", "force", "file") + KINEMATIC_METHODS
EVENT_COLUMNS = ["side", "event", "time_s", "frame", "method", "source", "order_ok"]
_SIDES = ("L", "R")
_OTHER = {"L": "R", "R": "L"}
_STANCE_WINDOW_S = 0.25   # Zeni's extremum half-window when the stride is unknown
_SAME_EVENT_S = 0.15      # a marker event this close to a plate event of the same kind is a duplicate
_MATCH_S = 0.1            # events of two methods further apart than this do not match


def detect_events(trial: Trial, method: str = "auto", threshold: float | None = None,
                  off_threshold: float | None = None, force_cutoff_hz: float | None = FORCE_CUTOFF_HZ,
                  marker_cutoff_hz: float = 12.0, min_contact_s: float = 0.1,
                  min_flight_s: float = 0.02, drift_correction: bool | str = "auto",
                  kinematic: str = DEFAULT_KINEMATIC, cop_on_plate: bool = True,
                  kinematic_offset_s: tuple[float, float] = (0.0, 0.0), static: Trial | None = None) -> pd.DataFrame:
    """Initial contacts (IC) and toe-offs (TO) of both feet (docs/methods.md part A).

    The gait mode is decided first (:func:`gait_mode`: static, walking or running, from
    flight phases and speed) and reported in ``events.attrs``.  A static trial (no foot
    rises more than 30 mm) gives no event, with the reason in ``attrs["no_events_reason"]``.

    Methods
    -------
    ``"force"``
        Each plate's vertical force is low-passed at ``force_cutoff_hz`` (zero lag) and its
        contacts found by :func:`detect_contacts` (threshold ``LOADED_N`` = 20 N; a belt
        carrying the subject through the record is drift-corrected when
        ``drift_correction="auto"``).  A plate whose force the file already assigns to one
        foot (``ForcePlate.side``: OpenSim GRF, a treadmill split per foot) gives that
        foot's events.  A physical plate (overground, or one belt under both feet) gives the
        known ends of each contact free of NaN, assigned to the one foot with a marker
        (heel, toe, metatarsal or foot-cluster marker) over the plate at IC, else to the
        foot nearest the centre of pressure in early stance, else (no CoP) to the foot that
        is lower.  With ``cop_on_plate`` a contact whose CoP leaves the plate (more than
        ``COP_MARGIN_MM`` = 25 mm outside its corners) while loaded over ``COP_LOAD_SHARE``
        = 20% of body weight is rejected: the foot is partly off the plate (the CoP of a
        lightly loaded plate is not defined well enough to test).
    ``"clearance"`` (running)
        Windows from each foot's own stride, no fixed durations: stances are the runs
        where the mean height of the foot's markers (each above its own floor level) is
        low; IC = when the first marker to land comes within 5 mm of its lowest point in
        that stance, or earlier when its descent stops there (downward speed below 10% of
        its fastest descent, within 20 mm of that point: a heel-counter cluster settles
        after landing); TO = when the last marker to leave rises 20 mm above it.  Any foot
        markers work (heel, toe, metatarsals, a rigid foot cluster), so rearfoot and
        forefoot strikes alike, treadmill or overground.
    ``"hreljac"`` (running)
        As ``"clearance"``, then, after Hreljac & Marshall 2000, IC moves to the landing
        marker's vertical jerk peak and TO to the leaving marker's vertical acceleration
        peak within the 10% of the stride before.
    ``"velocity"`` (walking)
        IC = the first foot marker to stop: its horizontal speed relative to its stance
        velocity (zero overground, the belt's on a treadmill) falls below 15% of its swing
        peak; TO = the last marker to rise 10 mm above its floor.
    ``"zeni"``
        Zeni 2008 (walking): IC = maximum of (heel - sacrum), TO = minimum of (toe - sacrum)
        along the direction of travel.  The sacrum is ``SACR`` or the mean of ``LPSI`` and
        ``RPSI`` (markers NaN in every frame are ignored).
    ``"file"``
        The IC and TO events stored in the file (``trial.events``).
    ``"auto"``
        Plate events where plates are loaded; the ``kinematic`` marker method elsewhere: a
        marker event is kept unless a plate event of the same foot and kind lies within
        0.15 s of it.  ``kinematic="auto"`` picks ``"clearance"`` for running and
        ``"velocity"`` for walking.  How plate, marker and stored events agree is reported
        in ``attrs["agreement"]`` (see :func:`compare_events`).  When per-foot force covers
        the whole marker recording for both feet, markers are not searched.

    Accuracy of the marker methods, mean |error| (ms) against the plates (Rajagopal's
    treadmill run, Running_0002.c3d) or the lab's stored events (walk.c3d), as
    tests/test_events_real.py measures and checks it:

    ==========  ================  ==========  ==========
    method      trial             IC          TO
    ==========  ================  ==========  ==========
    clearance   Rajagopal run     8.1         6.2
    clearance   Running_0002.c3d  7.7         13.1
    hreljac     Rajagopal run     2.0         4.5
    hreljac     Running_0002.c3d  10.9        19.7
    velocity    walk.c3d          2.7         9.2
    zeni        walk.c3d          36.8        19.8
    ==========  ================  ==========  ==========

    Feet seen only through a heel-counter cluster (the Running Injury Clinic protocol;
    tests/test_events_cluster_feet.py hides the heel, toe and metatarsal markers of the plate
    trials behind a rigid cluster): IC from the cluster; TO from the toe that ``static``
    defines and the cluster carries (no TO without ``static``: the cluster leaves the ground
    at heel-off, 75-95 ms early), mean |error| (ms):

    ==========  ================  ==========  ==========
    method      trial             IC          TO
    ==========  ================  ==========  ==========
    clearance   Rajagopal run     2.4         3.3
    hreljac     Rajagopal run     3.4         3.5
    velocity    walk.c3d          2.4         -
    ==========  ================  ==========  ==========

    Zeni's ICs are early (all of them) and on the 2.2-s walk.c3d it misses the events whose
    extremum lies too near the record's ends (1 of 4 ICs, 2 of 4 TOs): ``"velocity"`` is
    the walking default for that reason.

    Event order: on each foot events must alternate IC, TO, IC ...; and consecutive ICs
    must alternate feet.  An event breaking either order gets ``order_ok = False``; it
    is kept, flagged, so that the caller decides (see :func:`event_quality`).

    Parameters
    ----------
    trial : Trial
    method : "auto", "force", "file", "clearance", "hreljac", "velocity" or "zeni"
    threshold, off_threshold : float, N, contact thresholds (default ``LOADED_N``; see
        :func:`detect_contacts`)
    force_cutoff_hz : float or None, Hz, low-pass of Fz before detection (docs/methods.md A.1:
        30-50 Hz); None detects on the raw force (as lab software placing events does)
    marker_cutoff_hz : float, Hz, low-pass of the markers for kinematic methods
    min_contact_s, min_flight_s : see :func:`detect_contacts`
    drift_correction : True, False or "auto" (belts and per-foot treadmill force only)
    kinematic : "auto" or a marker method, the one ``"auto"`` uses
    cop_on_plate : bool, reject contacts whose loaded CoP leaves a physical plate
    kinematic_offset_s : (float, float), s
        Per-lab offsets added to marker IC and TO times, calibrated on plate trials as the
        mean (force - marker) time difference (docs/methods.md A: "allow a per-lab offset").
    static : Trial or None
        The subject's static trial: a foot seen only through its marker cluster gets the toe
        defined in the static (marker-set roles API, virtual toe) and carried by the cluster,
        which gives its TO; IC stays the cluster's (a virtual heel defined in the static
        landed 28-40 ms late when it sat below the ankle centre; not re-measured with the
        posterior-heel estimate).  Without it such a foot gets no TO
        (``attrs["no_toe_off_reason"]``).  Feet with heel/toe/metatarsal markers ignore it.

    Returns
    -------
    pandas.DataFrame sorted by time, columns ``side`` ("L"/"R"), ``event`` ("IC"/"TO"),
    ``time_s`` (s, sub-sample, from the first marker frame), ``frame`` (nearest marker
    frame; the plate sample when the trial has no markers), ``method`` ("force", "file",
    or the marker method), ``source`` (plate name, or the markers used),
    ``order_ok`` (bool).  ``attrs``: ``gait_mode``, ``gait_mode_reason``,
    ``no_events_reason`` (when empty), ``no_toe_off_reason`` (a cluster-only foot without
    ``static``), ``agreement`` (method "auto").

    Example
    -------
    >>> import gaitcore
    >>> from gaitcore import datasets
    >>> trial = gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
    ...                             grf=datasets.path("Rajagopal_grf_run.mot"))
    >>> ev = gaitcore.detect_events(trial, method="force")
    >>> int(((ev.side == "R") & (ev.event == "IC")).sum()), ev.attrs["gait_mode"]
    (7, 'running')
    """
    if not isinstance(trial, Trial):
        raise InputTypeError(f"trial must be a gaitcore.Trial, got {type(trial).__name__}")
    if static is not None and not isinstance(static, Trial):
        raise InputTypeError(f"static must be a gaitcore.Trial or None, got {type(static).__name__}")
    as_recorded = trial  # its gait mode: the static's toe hides short flights (RIC: 28% of frames -> 3%)
    if static is not None:
        trial = _with_static_feet(trial, static)
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, got {method!r}")
    if kinematic not in ("auto",) + KINEMATIC_METHODS:
        raise InputError(f"kinematic must be one of {('auto',) + KINEMATIC_METHODS}, got {kinematic!r}")
    if force_cutoff_hz is not None:
        force_cutoff_hz = positive(force_cutoff_hz, "force_cutoff_hz")
    marker_cutoff_hz = positive(marker_cutoff_hz, "marker_cutoff_hz")
    if drift_correction not in (True, False, "auto"):
        raise InputError(f"drift_correction must be True, False or 'auto', got {drift_correction!r}")
    contact_args = dict(threshold=LOADED_N if threshold is None else threshold, off_threshold=off_threshold,
                        min_contact_s=min_contact_s, min_flight_s=min_flight_s, drift_correction=drift_correction)
    offsets = _offsets(kinematic_offset_s)
    if method in KINEMATIC_METHODS and method != "zeni" and not _has_foot_markers(trial):
        raise InputError(f"method={method!r} needs foot markers (heel, toe, metatarsal or foot-cluster "
                         "markers) on both feet; the trial has none on " +
                         " and ".join(s for s in _SIDES if not foot_points(trial.markers, s)))
    mode, why = gait_mode(as_recorded, marker_cutoff_hz)
    attrs = {"gait_mode": mode, "gait_mode_reason": why}
    if mode == "static" and method != "file":
        return _finish(trial, [], {**attrs, "no_events_reason": f"static trial: {why}"})
    if method == "file":
        return _finish(trial, _file_events(trial), attrs)
    rows: list[tuple] = []
    if method in ("force", "auto"):
        if method == "force" and not trial.plates:
            raise InputError("method='force' needs force plates; the trial has none")
        rows = _force_events(trial, force_cutoff_hz, contact_args, bool(cop_on_plate))
    kin = kinematic if method == "auto" else method
    if kin == "auto":
        kin = "velocity" if mode == "walking" else "clearance"
    if method in KINEMATIC_METHODS or (method == "auto" and _has_foot_markers(trial)
                                       and not _force_covers_both_feet(trial, rows)):
        kin_rows = [(side, kind, t + offsets[kind], m, src)
                    for side, kind, t, m, src in _marker_events(trial, kin, mode, marker_cutoff_hz)]
        blind = _toe_off_blind_reason(trial)
        if blind:
            attrs["no_toe_off_reason"] = blind
        if method == "auto":
            attrs["agreement"] = _agreement(trial, rows, kin_rows)
            kin_rows = _drop_near_force_events(kin_rows, rows)
        rows += kin_rows
    elif method == "auto":
        attrs["agreement"] = _agreement(trial, rows, [])
    ev = _finish(trial, rows, attrs)
    if not len(ev):
        ev.attrs["no_events_reason"] = _no_events_reason(trial, method)
    return ev


def _force_events(trial: Trial, cutoff_hz, contact_args: dict, cop_check: bool) -> list[tuple]:
    mass = trial.metadata.get("body_mass_kg")
    body_weight_n = G * float(mass) if isinstance(mass, (int, float)) and mass > 0 else None
    skipped: list[str] = []
    rows = []
    for plate in trial.plates:
        rows += _plate_events(trial, plate, cutoff_hz, contact_args, cop_check, body_weight_n, skipped)
    if skipped:
        _quiet.warn(f"no events from {len(skipped)} plate contact(s): " + "; ".join(skipped), stacklevel=3)
    return rows


def _file_events(trial: Trial) -> list[tuple]:
    """The IC/TO events stored in the file, as event rows."""
    stored = trial.events
    if stored is None or not len(stored):
        return []
    keep = stored[stored["side"].isin(_SIDES) & stored["event"].isin(("IC", "TO"))]
    return [(r.side, r.event, float(r.time_s), "file", "file") for r in keep.itertuples()]


def _no_events_reason(trial: Trial, method: str) -> str:
    if method == "force" or (method == "auto" and not _has_foot_markers(trial)):
        return "no plate contact could be attributed to a foot" if trial.plates else \
            "no force plates and no foot markers"
    return "no stance found in the foot markers"


def compare_events(found: pd.DataFrame, reference: pd.DataFrame, tolerance_s: float = _MATCH_S) -> pd.DataFrame:
    """How events agree with reference events (plates, or those stored in the file).

    Each reference event is matched to the nearest found event of the same side and kind
    within ``tolerance_s`` (each found event used once).  One row per kind ("IC", "TO"):
    ``n_reference``, ``matched``, ``missed`` (reference events without a match),
    ``extra`` (found events inside the reference's time span without a match),
    ``mean_error_ms`` (found - reference, signed), ``mean_abs_error_ms``,
    ``max_abs_error_ms`` (NaN when nothing matched).

    Example
    -------
    >>> import pandas as pd, gaitcore
    >>> a = pd.DataFrame({"side": ["L", "L"], "event": ["IC", "TO"], "time_s": [1.000, 1.250]})
    >>> b = pd.DataFrame({"side": ["L", "L"], "event": ["IC", "TO"], "time_s": [1.004, 1.240]})
    >>> gaitcore.compare_events(b, a)[["event", "matched", "mean_error_ms"]].round(1).values.tolist()
    [['IC', 1, 4.0], ['TO', 1, -10.0]]
    """
    rows = []
    for kind in ("IC", "TO"):
        errors, n_ref, extra = [], 0, 0
        for side in _SIDES:
            ref = np.sort(_times(reference, side, kind))
            got = np.sort(_times(found, side, kind))
            n_ref += len(ref)
            used = np.zeros(len(got), dtype=bool)
            for t in ref:
                d = np.where(used, np.inf, np.abs(got - t))
                if len(d) and d.min() <= tolerance_s:
                    j = int(np.argmin(d))
                    used[j] = True
                    errors.append(got[j] - t)
            if len(ref):
                span = (got >= ref[0] - tolerance_s) & (got <= ref[-1] + tolerance_s)
                extra += int((span & ~used).sum())
        e = 1000 * np.array(errors)
        rows.append({"event": kind, "n_reference": n_ref, "matched": len(e), "missed": n_ref - len(e),
                     "extra": extra, "mean_error_ms": e.mean() if len(e) else np.nan,
                     "mean_abs_error_ms": np.abs(e).mean() if len(e) else np.nan,
                     "max_abs_error_ms": np.abs(e).max() if len(e) else np.nan})
    return pd.DataFrame(rows)


def _times(ev: pd.DataFrame, side: str, kind: str) -> np.ndarray:
    return ev.loc[(ev["side"] == side) & (ev["event"] == kind), "time_s"].to_numpy(float)


def _agreement(trial: Trial, force_rows: list[tuple], marker_rows: list[tuple]) -> dict[str, pd.DataFrame]:
    """compare_events tables between plate, marker and stored events (those that exist)."""
    cols = ["side", "event", "time_s", "method", "source"]
    sets = {"force": pd.DataFrame(force_rows, columns=cols), "markers": pd.DataFrame(marker_rows, columns=cols)}
    if trial.events is not None and len(trial.events):
        sets["file"] = trial.events
    out = {}
    for found, ref in (("force", "file"), ("markers", "file"), ("markers", "force")):
        if ref in sets and len(sets[ref]) and len(sets[found]):
            out[f"{found} vs {ref}"] = compare_events(sets[found], sets[ref])
    return out


def _offsets(value) -> dict[str, float]:
    try:
        ic, to = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InputTypeError(f"kinematic_offset_s must be a pair of numbers (IC, TO) in s, got {value!r}") from None
    if not (np.isfinite(ic) and np.isfinite(to)):
        raise InputError(f"kinematic_offset_s must be finite, got {value!r}")
    return {"IC": ic, "TO": to}


def _finish(trial: Trial, rows: list[tuple], attrs: dict) -> pd.DataFrame:
    ev = pd.DataFrame(rows, columns=["side", "event", "time_s", "method", "source"])
    ev = ev.sort_values("time_s", kind="stable").reset_index(drop=True)
    rate = trial.marker_rate if trial.markers else (trial.plates[0].rate if trial.plates else 1.0)
    ev["frame"] = np.round(ev["time_s"].to_numpy(float) * rate).astype(np.int64)
    ev["order_ok"] = _order_ok(ev)
    ev = ev[EVENT_COLUMNS]
    ev.attrs.update(attrs)
    return ev


def _order_ok(ev: pd.DataFrame) -> np.ndarray:
    """False where a foot repeats IC or TO, or two consecutive ICs are on the same foot."""
    return np.array([not r for r in _order_problems(ev)], dtype=bool)


def _order_problems(ev: pd.DataFrame) -> list[str]:
    """Per event (in time order), why it breaks the event order, or "".  A foot without any
    TO (seen only through a cluster, no static: see detect_events) has only its ICs' order."""
    out = []
    last_kind: dict[str, str] = {}
    last_ic_side = None
    with_to = set(ev["side"][ev["event"] == "TO"])
    for side, kind in zip(ev["side"], ev["event"]):
        problem = ""
        if last_kind.get(side) == kind and (kind == "TO" or side in with_to):
            problem = f"a second {kind} of foot {side} without its {'TO' if kind == 'IC' else 'IC'} between"
        last_kind[side] = kind
        if kind == "IC":
            if last_ic_side == side and not problem:
                problem = f"two ICs of foot {side} in a row (the other foot's IC is missing)"
            last_ic_side = side
        out.append(problem)
    return out


#: Plausible contact times (s) per gait mode: docs/methods.md A.4 (0.10-0.60 s running;
#: sprints reach 0.08 s), walking stance 0.35-1.5 s.
PLAUSIBLE_CONTACT_S = {"running": (0.08, 0.60), "walking": (0.35, 1.5), "unknown": (0.08, 1.5)}
_LONG_STRIDE = 1.5  # a stride this many times the foot's median stride hides a missed contact


def event_quality(events: pd.DataFrame) -> dict:
    """Quality report of detected events (what :func:`gaitcore.analyze_trial` puts in
    ``report.quality["events"]``).

    Returns a dict: ``gait_mode`` and its reason; ``no_events_reason`` when there is none;
    ``order_violations``: events breaking the IC/TO alternation of a foot or the L/R
    alternation of ICs, each ``{side, event, time_s, reason}``; ``implausible_contacts``:
    IC-TO pairs of one foot outside ``PLAUSIBLE_CONTACT_S`` for the gait mode, each
    ``{side, ic_s, contact_s, reason}``; ``strides``: per side the number of strides (IC to
    the next IC of the same foot) accepted; ``strides_rejected``: each ``{side, start_s,
    end_s, reason}`` (an out-of-order event inside, an implausible contact, or a stride over
    1.5 x the foot's median: a contact was missed).

    Example
    -------
    >>> import pandas as pd, gaitcore
    >>> ev = pd.DataFrame({"side": ["L", "L", "L"], "event": ["IC", "IC", "TO"],
    ...                    "time_s": [0.0, 0.7, 0.95]})
    >>> [v["reason"] for v in gaitcore.event_quality(ev)["order_violations"]]
    ['a second IC of foot L without its TO between']
    """
    ev = events.sort_values("time_s", kind="stable").reset_index(drop=True)
    mode = events.attrs.get("gait_mode", "unknown")
    problems = _order_problems(ev)
    out: dict = {"gait_mode": mode, "gait_mode_reason": events.attrs.get("gait_mode_reason", "")}
    if "no_events_reason" in events.attrs:
        out["no_events_reason"] = events.attrs["no_events_reason"]
    out["order_violations"] = [{"side": r.side, "event": r.event, "time_s": float(r.time_s), "reason": p}
                               for r, p in zip(ev.itertuples(), problems) if p]
    lo, hi = PLAUSIBLE_CONTACT_S.get(mode, PLAUSIBLE_CONTACT_S["unknown"])
    bad_times = {side: np.sort([float(r.time_s) for r, p in zip(ev.itertuples(), problems) if p and r.side == side])
                 for side in _SIDES}
    out["implausible_contacts"], out["strides"], out["strides_rejected"] = [], {}, []
    for side in _SIDES:
        ic, to = _times(ev, side, "IC"), _times(ev, side, "TO")
        contact = next_after(to, ic) - ic
        nxt = np.r_[ic[1:], np.nan]
        contact[contact > nxt - ic] = np.nan  # that TO belongs to a later stance
        implausible = (contact < lo) | (contact > hi)
        out["implausible_contacts"] += [
            {"side": side, "ic_s": float(t), "contact_s": float(c),
             "reason": f"contact {1000 * c:.0f} ms outside {1000 * lo:.0f}-{1000 * hi:.0f} ms for {mode}"}
            for t, c in zip(ic[implausible], contact[implausible])]
        stride = np.diff(ic)
        median = np.median(stride) if len(stride) else np.nan
        accepted = 0
        for k, (a, b) in enumerate(zip(ic[:-1], ic[1:])):
            reason = _stride_problem(bad_times[side], a, b, implausible[k], stride[k], median)
            if reason:
                out["strides_rejected"].append({"side": side, "start_s": float(a), "end_s": float(b), "reason": reason})
            else:
                accepted += 1
        out["strides"][side] = accepted
    return out


def _stride_problem(bad_times, a, b, implausible, stride, median) -> str:
    """Why the stride [a, b) of a foot is rejected ("" when it is not); ``bad_times``: the sorted
    times of that foot's out-of-order events."""
    i = np.searchsorted(bad_times, a)
    if i < len(bad_times) and bad_times[i] < b:
        return "an event of this foot inside breaks the IC/TO order"
    if implausible:
        return "its contact time is implausible for the gait mode"
    if np.isfinite(median) and stride > _LONG_STRIDE * median:
        return f"{1000 * stride:.0f} ms, over {_LONG_STRIDE:g} x the median stride: a contact was missed"
    return ""


def _drop_near_force_events(kin_rows: list[tuple], force_rows: list[tuple]) -> list[tuple]:
    """Marker events minus those within _SAME_EVENT_S of a plate event of the same foot and kind."""
    grouped: dict[tuple, list] = {}
    for side, kind, t, *_ in force_rows:
        grouped.setdefault((side, kind), []).append(t)
    force_times = {k: np.sort(v) for k, v in grouped.items()}
    kept = []
    for row in kin_rows:
        times = force_times.get((row[0], row[1]))
        if times is not None:
            i = np.searchsorted(times, row[2])
            near = [abs(times[j] - row[2]) for j in (i - 1, i) if 0 <= j < len(times)]
            if near and min(near) < _SAME_EVENT_S:
                continue
        kept.append(row)
    return kept


# ---- force plates

#: The centre of pressure is only defined under a fair load: it is checked against the
#: plate's edges where Fz >= this share of body weight (of the contact's peak force when
#: the body mass is unknown) ...
COP_LOAD_SHARE = 0.2
#: ... allowing this margin outside the plate's corners (mm): the CoP of a real plate is
#: noisy near its edges and under light load.
COP_MARGIN_MM = 25.0
#: A plate carrying the subject through the record (a treadmill belt) is loaded for at
#: least this share of it, with at least two contacts.
_BELT_LOADED_SHARE = 0.3
_EARLY_STANCE = 0.2  # share of a contact over which the CoP locates the foot
G = 9.80665


def plate_fz(plate: ForcePlate, cutoff_hz: float | None = FORCE_CUTOFF_HZ) -> np.ndarray:
    """The plate's vertical force low-passed at ``cutoff_hz`` (zero lag, at most 0.45 x the
    plate's rate; NaN gaps stay NaN, each finite run filtered on its own); raw when None.
    Every module that needs a plate's loaded intervals starts from this signal."""
    fz = plate.fz
    if cutoff_hz is None or fz.size == 0 or not np.isfinite(fz).any():
        return fz
    return lowpass(fz, plate.rate, min(cutoff_hz, 0.45 * plate.rate))


def plate_contacts(plate: ForcePlate, cutoff_hz: float | None = FORCE_CUTOFF_HZ, **contact_args) -> pd.DataFrame:
    """Contacts of one plate: :func:`detect_contacts` on :func:`plate_fz` with the package's
    threshold (``LOADED_N``) unless given; with ``drift_correction="auto"`` (default), the
    treadmill drift correction runs on a belt (:func:`is_belt`) that has a flight."""
    fz = plate_fz(plate, cutoff_hz)
    args = {"threshold": LOADED_N, **contact_args}
    drift = args.pop("drift_correction", "auto")
    if fz.size == 0 or not np.isfinite(fz).any():
        return _contact_frame(np.empty(0), np.empty(0), np.empty(0, dtype=np.int64))
    if drift == "auto":
        drift = bool(plate.side) or is_belt(fz, plate.rate)
    if drift:
        try:
            return detect_contacts(fz, plate.rate, drift_correction=True, **args)
        except ValueError as exc:
            if not str(exc).startswith("drift_correction needs"):
                raise  # a plate with no flight (never or always loaded): nothing to correct
    return detect_contacts(fz, plate.rate, **args)


def loaded_runs(plate: ForcePlate) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loaded mask of a plate (per sample) and the first and last sample of each contact
    of :func:`plate_contacts` (a contact open at an end of the record runs to that end)."""
    c = plate_contacts(plate)
    n = plate.fz.shape[0]
    first = np.where(np.isfinite(c["on_s"]), np.ceil(c["on_s"].to_numpy(float) * plate.rate), 0)
    last = np.where(np.isfinite(c["off_s"]), np.floor(c["off_s"].to_numpy(float) * plate.rate), n - 1)
    first, last = np.clip(first, 0, n - 1).astype(np.intp), np.clip(last, 0, n - 1).astype(np.intp)
    loaded = np.zeros(n, dtype=bool)
    for a, b in zip(first, last):
        loaded[a:b + 1] = True
    return loaded, first, last


def is_belt(fz: np.ndarray, rate: float) -> bool:
    """A plate that carries the subject through the record: loaded (>= LOADED_N) for >= 30%
    of it and touched at least twice (a treadmill belt under one or both feet), or loaded
    >= 90% of the time (one belt under a walker).  An overground plate sees one contact."""
    loaded = np.nan_to_num(fz) >= LOADED_N
    if loaded.size == 0 or loaded.mean() < _BELT_LOADED_SHARE:
        return False
    touches = int(np.count_nonzero(loaded[1:] & ~loaded[:-1])) + int(loaded[0])
    return touches >= 2 or loaded.mean() >= 0.9


def _plate_events(trial: Trial, plate: ForcePlate, cutoff_hz: float | None, contact_args: dict,
                  cop_check: bool, body_weight_n: float | None, skipped: list[str]) -> list[tuple]:
    """Events of one plate.  Contacts that give no event are described in ``skipped``."""
    fz = plate_fz(plate, cutoff_hz)
    contacts = plate_contacts(plate, cutoff_hz, **contact_args)
    rows = []
    name = plate.name or "plate"
    for c in contacts.itertuples():
        side: str | None = plate.side
        if side not in _SIDES:
            side, why = _physical_contact_side(trial, plate, fz, c, cop_check, body_weight_n)
            if side is None:
                skipped.append(f"plate {name} {_fmt_s(c.on_s)}-{_fmt_s(c.off_s)} s: {why}")
                continue
        if np.isfinite(c.on_s):
            rows.append((side, "IC", float(c.on_s), "force", name))
        if np.isfinite(c.off_s):
            rows.append((side, "TO", float(c.off_s), "force", name))
    return rows


def _physical_contact_side(trial, plate, fz, c, cop_check, body_weight_n) -> tuple[str | None, str]:
    """The foot of a contact on a physical plate (overground plate or a belt under both
    feet), or None and the reason."""
    if c.touches_nan:
        return None, "a NaN gap in the force"
    if not (np.isfinite(c.on_s) or np.isfinite(c.off_s)):
        return None, "loaded through the whole record"
    if cop_check and not _cop_on_plate(plate, fz, c.on_s, c.off_s, body_weight_n):
        return None, "CoP leaves the plate under load"
    side = _foot_on_plate(trial, plate, c.on_s, c.off_s)
    if side is None:
        return None, "no foot marker or CoP to assign it to a foot"
    return side, ""


def _fmt_s(t: float) -> str:
    return "?" if not np.isfinite(t) else f"{t:.3f}"


def _contact_samples(plate: ForcePlate, on_s: float, off_s: float) -> tuple[int, int]:
    n = plate.fz.shape[0]
    i0 = int(np.ceil(on_s * plate.rate)) if np.isfinite(on_s) else 0
    i1 = int(np.floor(off_s * plate.rate)) + 1 if np.isfinite(off_s) else n
    return max(i0, 0), min(i1, n)


def _cop_on_plate(plate: ForcePlate, fz: np.ndarray, on_s: float, off_s: float,
                  body_weight_n: float | None) -> bool:
    """True when every finite CoP sample of the contact loaded over COP_LOAD_SHARE of body
    weight (of the contact's peak when unknown) lies within COP_MARGIN_MM of the plate."""
    if plate.corners is None:
        return True
    i0, i1 = _contact_samples(plate, on_s, off_s)
    seg = fz[i0:i1]
    if not np.isfinite(seg).any():
        return True
    reference = body_weight_n if body_weight_n else float(np.nanmax(seg))
    loaded = seg >= max(LOADED_N, COP_LOAD_SHARE * reference)
    cop = plate.cop[i0:i1, :2][loaded]
    cop = cop[np.isfinite(cop).all(axis=1)]
    corners = np.asarray(plate.corners, float)[:, :2]
    return bool(_inside(cop, corners, COP_MARGIN_MM).all()) if len(cop) else True


def _inside(points_xy: np.ndarray, corners_xy: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """Points inside a convex polygon (corners in order, either winding), or within
    ``margin`` (same unit) outside its edges."""
    dist = []
    for k in range(len(corners_xy)):
        a, b = corners_xy[k], corners_xy[(k + 1) % len(corners_xy)]
        edge, rel = b - a, points_xy - a
        length = np.hypot(*edge) or 1.0
        dist.append((edge[0] * rel[:, 1] - edge[1] * rel[:, 0]) / length)  # signed distance to the edge
    d = np.array(dist).reshape(len(corners_xy), -1)
    return np.all(d >= -margin, axis=0) | np.all(d <= margin, axis=0)


def _foot_on_plate(trial: Trial, plate: ForcePlate, on_s: float, off_s: float) -> str | None:
    """The foot loading a physical plate for the contact [on_s, off_s] (either may be NaN
    for a contact open at an end of the record), or None.

    1. The one foot with a marker over the plate (inside its corners) at the known end.
    2. Else (both, neither, or a belt without corners) the foot nearest the centre of
       pressure averaged over the first (last) 20% of the contact.
    3. Else (no CoP) the foot lower above its own floor level during the contact."""
    feet = {s: foot_points(trial.markers, s) for s in _SIDES}
    feet = {s: pts for s, pts in feet.items() if pts}
    if not feet:
        return None
    t_ref = on_s if np.isfinite(on_s) else off_s
    k = min(max(int(round(t_ref * trial.marker_rate)), 0), trial.n_frames - 1)
    at_ref = {s: np.array([p[k, :2] for p in pts.values()]) for s, pts in feet.items()}
    at_ref = {s: p[np.isfinite(p).all(axis=1)] for s, p in at_ref.items()}
    if plate.corners is not None:
        corners = np.asarray(plate.corners, float)[:, :2]
        on_plate = [s for s, p in at_ref.items() if len(p) and _inside(p, corners).any()]
        if len(on_plate) == 1:
            return on_plate[0]
    cop = _early_cop(plate, on_s, off_s)
    if cop is not None:
        dist = {s: float(np.hypot(*(p.mean(axis=0) - cop))) for s, p in at_ref.items() if len(p)}
        if dist:
            return min(dist, key=lambda s: dist[s])
    return _lower_foot(trial, feet, on_s, off_s)


def _early_cop(plate: ForcePlate, on_s: float, off_s: float) -> np.ndarray | None:
    """Mean horizontal CoP over the first 20% of a contact (the last 20% of one whose start
    is unknown), None when the CoP is not finite there."""
    i0, i1 = _contact_samples(plate, on_s, off_s)
    span = max(1, int(_EARLY_STANCE * (i1 - i0)))
    window = plate.cop[i0:i0 + span, :2] if np.isfinite(on_s) else plate.cop[i1 - span:i1, :2]
    window = window[np.isfinite(window).all(axis=1)]
    return window.mean(axis=0) if len(window) else None


def _lower_foot(trial: Trial, feet: dict, on_s: float, off_s: float) -> str | None:
    """The foot whose markers sit lower above their own floor level (their 5th percentile
    height over the record) during the contact; None when not clear (< 20 mm apart)."""
    t0 = on_s if np.isfinite(on_s) else off_s - 0.1
    t1 = off_s if np.isfinite(off_s) else on_s + 0.1
    k0, k1 = (min(max(int(round(t * trial.marker_rate)), 0), trial.n_frames) for t in (t0, t1))
    height = {}
    for s, pts in feet.items():
        rel = [p[k0:k1 + 1, UP_AXIS] - np.nanpercentile(p[:, UP_AXIS], 5) for p in pts.values()]
        lowest = np.fmin.reduce(np.array(rel), axis=0) if rel else np.empty(0)
        lowest = lowest[np.isfinite(lowest)]
        if lowest.size:
            height[s] = float(lowest.mean())
    if len(height) < 2:
        return None
    low, high = sorted(height, key=lambda s: height[s])
    return low if height[high] - height[low] > 20.0 else None


# ---- foot markers: every lookup of a foot landmark goes through _foot_points

_FOOT_ROLES = ("heel", "toe", "mt1", "mt5")
_ROLE_CACHE: OrderedDict = OrderedDict()
_ROLE_CACHE_SIZE = 8
_ROLE_CACHE_LOCK = threading.Lock()


def foot_points(markers: dict, side: str) -> dict[str, np.ndarray]:
    """Foot landmarks of one side with at least one finite sample: role ("heel", "toe",
    "forefoot:<marker>" for the metatarsal heads, or, for a foot with none of those,
    "cluster:<marker>" for each marker of its rigid cluster) -> (n, 3) positions.

    The one place where events meet marker names: the landmarks come from the marker-set
    roles API (:func:`gaitcore.markersets.resolve_landmarks`, any preset marker set).  A
    marker NaN in every frame is ignored."""
    names = _foot_marker_names(markers).get(side, {})
    return {role: markers[name] for role, name in names.items() if np.isfinite(markers[name]).any()}


def _with_static_feet(trial: Trial, static: Trial) -> Trial:
    """The trial with, for each foot seen only through its cluster, the toe defined in the
    static and carried by the cluster added to the cluster's markers (an extra marker,
    registered as that foot's toe).  The cluster (on the heel counter in the RIC protocol)
    lands with the foot but leaves the ground at heel-off; the toe leaves at toe-off.  The
    static's virtual heel is not added: defined below the ankle centre (the rule before the
    posterior-heel estimate) it landed 28-40 ms after the plates' IC on the validation trials,
    the heel-counter cluster 2-6 ms after (tests/test_events_cluster_feet.py)."""
    names = {s: dict(v) for s, v in _foot_marker_names(trial.markers).items()}
    if not any(_cluster_only(v) for v in names.values()):
        return trial
    lm = resolve_landmarks(trial, static=static)
    extra = {}
    for side in _SIDES:
        if _cluster_only(names[side]) and lm.source("toe", side).startswith("virtual"):
            name = f"{side} toe (from the static)"
            extra[name] = lm.get("toe", side)
            names[side]["toe"] = name
    if not extra:
        return trial
    markers = {**trial.markers, **extra}
    _remember_foot_names(markers, names)
    return replace(trial, markers=markers)


def _cluster_only(roles) -> bool:
    """A foot seen only through the markers of its rigid cluster (no heel, toe, metatarsal)."""
    return bool(roles) and all(role.startswith("cluster:") for role in roles)


def _foot_marker_names(markers: dict) -> dict[str, dict[str, str]]:
    """side -> role -> marker name, resolved once per set of marker arrays (a resolve costs
    10-30 ms; plate assignment asks for every contact).  The cache keeps the arrays it was
    built from alive, so their ids cannot be reused by other arrays."""
    key = tuple((name, id(xyz)) for name, xyz in markers.items())
    with _ROLE_CACHE_LOCK:
        hit = _ROLE_CACHE.get(key)
        if hit is not None:
            _ROLE_CACHE.move_to_end(key)
            return hit[1]
    names: dict[str, dict[str, str]] = {s: {} for s in _SIDES}
    if markers:
        lm = resolve_landmarks(dict(markers))
        for side in _SIDES:
            for role in _FOOT_ROLES:
                used = lm.marker_names(role, side)
                if len(used) == 1 and used[0] in markers:
                    names[side]["forefoot:" + used[0] if role.startswith("mt") else role] = used[0]
            if not names[side]:
                names[side] = {f"cluster:{n}": n for n in lm.clusters.get(("foot", side), ()) if n in markers}
    _remember_foot_names(markers, names)
    return names


def _remember_foot_names(markers: dict, names: dict) -> None:
    key = tuple((name, id(xyz)) for name, xyz in markers.items())
    with _ROLE_CACHE_LOCK:
        _ROLE_CACHE[key] = (dict(markers), names)
        while len(_ROLE_CACHE) > _ROLE_CACHE_SIZE:
            _ROLE_CACHE.popitem(last=False)


# ---- markers

#: A foot is "down" while its lowest marker is within these heights (mm) above that
#: marker's floor level: the landing level places IC, the leaving level TO (running).
_LANDING_MM = 5.0
_LEAVING_MM = 20.0
_WALK_LEAVING_MM = 10.0
#: Running IC also when the landing marker's descent stops: its downward speed falls below
#: this share of its fastest descent.  Shares 0.05 and 0.10 left every IC of the plate trials
#: within 0.3 ms of the 5-mm rule's (heel markers and clusters); 0.15 moved some 1-4 ms
#: earlier.  RIC run L/R median steps: 270/343 ms without, 286/316 (0.05), 289/312 (0.10).
_DESCENT_STOP_SHARE = 0.10
#: Walking IC: the landing marker's horizontal speed (relative to its stance velocity, so
#: that treadmill belts move nothing) falls below this share of its swing peak speed.
_WALK_IC_SPEED_SHARE = 0.15
#: A foot whose markers never rise more than this (mm) above their floor takes no step.
_STATIC_LIFT_MM = 30.0
#: Stance runs: mean foot-marker height below this share of its swing height.
_STANCE_SHARE = 0.3
#: Running: both feet above _LEAVING_MM (flight) for at least this share of the frames.
_FLIGHT_SHARE = 0.03
_RUN_SPEED_MM_S = 2500.0  # overground pelvis speed above which a trial without flights is a run
#: Feet seen only through clusters: "flight" below this speed over the ground is walking's
#: heel-off (the walk-run transition is near 2 m/s).
_WALK_RUN_MM_S = 2000.0
_SAME_CONTACT_S = 0.05  # a dip in the foot height shorter than this does not split a stance
_MIN_STANCE_SHARE = 0.3  # a stance run shorter than this share of the long ones is dropped
_EDGE_S = 0.02  # no marker event this close to the ends of the foot's marker data


@dataclass
class _Foot:
    """One foot's marker signals: per marker its height above its floor level (mm) and its
    horizontal velocity (mm/s), the stance runs (first, end frame) and the stride (frames)."""
    height: dict
    velocity: dict
    runs: list
    stride: float
    lift_mm: float
    mean_height: np.ndarray
    edge_frames: int
    stance_speeds: dict | None = None


def _foot_signals(trial: Trial, side: str, cutoff_hz: float) -> _Foot | None:
    pts = foot_points(trial.markers, side)
    if not pts or trial.n_frames < 8:
        return None
    fs = trial.marker_rate
    height, velocity = {}, {}
    for role, xyz in pts.items():
        smooth = lowpass(xyz, fs, cutoff_hz) if cutoff_hz < fs / 2 else xyz
        z = smooth[:, UP_AXIS]
        height[role] = z - np.nanpercentile(z, 5)
        velocity[role] = np.gradient(np.delete(smooth, UP_AXIS, axis=1), axis=0) * fs
    # NaN unless every foot marker is seen: markers that come and go would move the mean
    mean = np.mean(np.stack(list(height.values())), axis=0)
    lift = float(np.nanpercentile(mean, 95)) if np.isfinite(mean).any() else 0.0
    runs = _runs_below(mean, _STANCE_SHARE * lift, fs) if lift >= _STATIC_LIFT_MM else []
    mids = np.array([(a + b - 1) / 2 for a, b in runs])
    stride = float(np.median(np.diff(mids))) if len(mids) > 1 else np.nan
    return _Foot(height, velocity, runs, stride, lift, mean, int(round(_EDGE_S * fs)))


def _runs_below(x: np.ndarray, level: float, fs: float) -> list[tuple[int, int]]:
    """(first, end) frames of the runs of x below level, joined across rises shorter than
    _SAME_CONTACT_S; NaN frames count as not below."""
    below = np.zeros(len(x) + 2, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        below[1:-1] = x < level
    edges = np.diff(below)
    runs: list[list[int]] = []
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        if runs and (a - runs[-1][1]) / fs < _SAME_CONTACT_S:
            runs[-1][1] = b
        else:
            runs.append([a, b])
    if not runs:
        return []
    # a dip much shorter than the long stances (a swinging foot passing low) is no stance
    # (a run cut by the record's ends or a gap is kept: its length is not known)
    typical = np.percentile([b - a for a, b in runs], 90)
    seen = np.isfinite(x)
    cut = [a == 0 or b == len(x) or not seen[a - 1] or not seen[b] for a, b in runs]
    return [(a, b) for (a, b), c in zip(runs, cut) if c or b - a >= _MIN_STANCE_SHARE * typical]


def gait_mode(trial: Trial, cutoff_hz: float = 12.0) -> tuple[str, str]:
    """Whether a trial is ``"running"``, ``"walking"`` or ``"static"`` (no step), and why.

    - static: no foot's markers rise more than 30 mm above their floor level;
    - running: both feet off the ground (every foot marker more than 20 mm above its
      floor) for at least 3% of the frames (flight phases), else an overground pelvis
      speed above 2.5 m/s; per-foot force with flight phases when there are no foot markers;
      feet seen only through clusters (which rise at heel-off) need a speed over the
      ground of 2 m/s as well;
    - walking otherwise."""
    feet = {s: _foot_signals(trial, s, cutoff_hz) for s in _SIDES}
    feet = {s: f for s, f in feet.items() if f is not None}
    if feet:
        lift = max(f.lift_mm for f in feet.values())
        if lift < _STATIC_LIFT_MM:
            return "static", f"no foot rises more than {_STATIC_LIFT_MM:g} mm (highest {lift:.0f} mm): no step"
        if len(feet) == 2:
            # NaN in frames without any foot marker
            low = [nan_reduce(np.nanmin, np.stack(list(f.height.values())), axis=0) for f in feet.values()]
            both = np.isfinite(low[0]) & np.isfinite(low[1])
            if both.any():
                flight = float(np.mean((low[0][both] > _LEAVING_MM) & (low[1][both] > _LEAVING_MM)))
                if flight >= _FLIGHT_SHARE:
                    return _flight_mode(trial, feet, flight)
        speed = _pelvis_speed(trial)
        if speed > _RUN_SPEED_MM_S:
            return "running", f"pelvis speed {speed / 1000:.1f} m/s"
        return "walking", f"no flight phase, pelvis speed {speed / 1000:.1f} m/s" if np.isfinite(speed) \
            else "no flight phase"
    return _mode_from_force(trial)


def _flight_mode(trial: Trial, feet: dict, flight: float) -> tuple[str, str]:
    """Running, from flight phases; but feet seen only through clusters "fly" also in walking
    (a heel-counter cluster rises at heel-off while the other foot swings: walking2.c3d seen
    through clusters, 33% of the frames): those call running only at a running speed."""
    why = f"flight phases in {100 * flight:.0f}% of the frames"
    if not all(_cluster_only(f.height) for f in feet.values()):
        return "running", why
    speed = _ground_speed(trial, feet)
    if speed < _WALK_RUN_MM_S:
        return "walking", (f"feet seen only through clusters rise together in {100 * flight:.0f}% of the frames "
                           f"(heel-off), at a walking speed of {speed / 1000:.1f} m/s")
    return "running", why + (f", speed {speed / 1000:.1f} m/s" if np.isfinite(speed) else "")


def _ground_speed(trial: Trial, feet: dict) -> float:
    """Speed over the ground (mm/s): the body's horizontal velocity (the pelvis centre, else
    the feet's mean velocity over the record) minus each foot's in mid-stance (zero
    overground, the belt's on a treadmill), median over those frames; NaN when unknown."""
    pelvis = resolve_landmarks(dict(trial.markers)).get("pelvis_centre")
    body = None if pelvis is None else np.gradient(np.delete(pelvis, UP_AXIS, axis=1), axis=0) * trial.marker_rate
    relative = []
    for foot in feet.values():
        v = nan_reduce(np.nanmean, np.stack(list(foot.velocity.values())), axis=0)
        seen = np.isfinite(foot.mean_height)
        mid_stance = np.zeros(len(v), dtype=bool)
        for a, b in foot.runs:  # the middle third of each whole stance (not cut by the record or a gap)
            if a > 0 and b < len(v) and seen[a - 1] and seen[b]:
                mid_stance[a + (b - a) // 3:b - (b - a) // 3] = True
        own = body if body is not None else nan_reduce(np.nanmean, v, axis=0)
        relative.append((own - v)[mid_stance])
    relative = np.concatenate(relative)
    if not np.isfinite(relative).any():
        return float("nan")
    return float(np.hypot(*nan_reduce(np.nanmedian, relative, axis=0)))


def _pelvis_speed(trial: Trial) -> float:
    """Median horizontal speed (mm/s) of the pelvis markers' centre; NaN without them."""
    names = [m for m in ("SACR", "LPSI", "RPSI", "LASI", "RASI") if _finite_marker(trial, m)]
    if not names or trial.n_frames < 3:
        return float("nan")
    centre = nan_reduce(np.nanmean, np.stack([trial.markers[m] for m in names]), axis=0)
    v = np.gradient(np.delete(centre, UP_AXIS, axis=1), axis=0) * trial.marker_rate
    return float(nan_reduce(np.nanmedian, np.hypot(v[:, 0], v[:, 1])))


def _finite_marker(trial: Trial, name: str) -> bool:
    """The marker exists and has at least one finite sample (a marker NaN throughout is absent)."""
    return name in trial.markers and bool(np.isfinite(trial.markers[name]).any())


def _mode_from_force(trial: Trial) -> tuple[str, str]:
    belts = [p for p in trial.plates if p.side in _SIDES]
    if len(belts) == 2:
        loaded = [loaded_runs(p)[0] for p in belts]
        m = min(len(x) for x in loaded)
        flight = float(np.mean(~loaded[0][:m] & ~loaded[1][:m]))
        if flight >= _FLIGHT_SHARE:
            return "running", f"flight phases (both feet unloaded) in {100 * flight:.0f}% of the force samples"
        return "walking", "no flight phase in the per-foot force"
    return "unknown", "no foot markers and no per-foot force"


def _marker_events(trial: Trial, method: str, mode: str, cutoff_hz: float) -> list[tuple]:
    """Marker events of both feet by ``method`` ("hreljac", "velocity" or "zeni")."""
    if method == "zeni":
        return _zeni_events(trial, cutoff_hz)
    rows = []
    for side in _SIDES:
        foot = _foot_signals(trial, side, cutoff_hz)
        if foot is None:
            continue
        src = ",".join(r.split(":")[-1] for r in foot.height)
        for run in foot.runs:
            ic, to = _contact_times(foot, run, method)
            ic, to = _known_ends(foot, run, ic, to)
            if np.isfinite(ic):
                rows.append((side, "IC", ic / trial.marker_rate, method, f"{side}:{src}"))
            if np.isfinite(to) and not _cluster_only(foot.height):
                rows.append((side, "TO", to / trial.marker_rate, method, f"{side}:{src}"))
    return rows


def _toe_off_blind_reason(trial: Trial) -> str | None:
    """Why a marker method gives no TO: feet seen only through a cluster, without the toe."""
    blind = [s for s in _SIDES if _cluster_only(foot_points(trial.markers, s))]
    if not blind:
        return None
    return (f"foot {' and '.join(blind)} seen only through its cluster: a cluster on the heel counter leaves "
            "the ground at heel-off, 75-95 ms before toe-off (tests/test_events_cluster_feet.py); pass the "
            "static trial (static=) to carry the toe from it")


def _known_ends(foot: _Foot, run: tuple[int, int], ic: float, to: float) -> tuple[float, float]:
    """Drop an event within _EDGE_S of the ends of the foot's marker data or of a gap in
    it: the filter's edge and a stance already under way there make the crossing the
    record's, not the foot's."""
    finite = np.isfinite(foot.mean_height)
    edge = foot.edge_frames

    def known(t: float) -> bool:
        if not np.isfinite(t):
            return False
        k0, k1 = int(np.floor(t)) - edge, int(np.ceil(t)) + edge
        return k0 >= 0 and k1 < len(finite) and bool(finite[k0:k1 + 1].all())

    return (ic if known(ic) else np.nan), (to if known(to) else np.nan)


def _windows(foot: _Foot, run: tuple[int, int]) -> tuple[int, int, int, int]:
    """Search windows of one stance run (frames): the IC window [lo, mid] and the TO window
    [mid, hi] reach 30% of the stride beyond the run's ends (twice the run when the stride
    is unknown), short of the neighbouring stances; ``near`` = 10% of the stride."""
    a, b = run
    stride = foot.stride if np.isfinite(foot.stride) else 3.0 * (b - a)
    reach = int(0.3 * stride)
    return a - reach, (a + b - 1) // 2, b + reach, int(0.1 * stride) + 1


def _contact_times(foot: _Foot, run: tuple[int, int], method: str) -> tuple[float, float]:
    return _walking_contact(foot, run) if method == "velocity" else _running_contact(foot, run, method == "hreljac")


def _running_contact(foot: _Foot, run: tuple[int, int], refine: bool) -> tuple[float, float]:
    """Running: IC = when the first marker to land comes within 5 mm of its lowest point in
    this stance; TO = when the last marker to leave rises 20 mm above it.  ``refine``
    (Hreljac & Marshall 2000): IC moves to that marker's vertical jerk peak and TO to its
    vertical acceleration peak within 10% of the stride before.  Frames (sub-sample)."""
    lo, mid, hi, near = _windows(foot, run)
    height = _local_heights(foot, run)
    landing = [(_landing(z, lo, mid, run[1]), r) for r, z in height.items()]
    leaving = [(_crossing(z, _LEAVING_MM, mid, hi, rising=True, last=False), r) for r, z in height.items()]
    ic, to = np.nan, np.nan
    landing = [c for c in landing if np.isfinite(c[0])]
    leaving = [c for c in leaving if np.isfinite(c[0])]
    if landing:
        ic, role = min(landing)
        if refine:
            ic = _refine(_derivative(height[role], 1.0, 3), ic, near)
    if leaving:
        to, role = max(leaving)
        if refine:
            to = _refine(_derivative(height[role], 1.0, 2), to, near)
    return ic, to


def _walking_contact(foot: _Foot, run: tuple[int, int]) -> tuple[float, float]:
    """Walking: IC = the first marker to stop (its horizontal speed relative to its stance
    velocity falls below 15% of its swing peak, coming from above half of it); TO = the
    last marker to leave the floor (rises through 10 mm).  Frames (sub-sample)."""
    lo, mid, hi, _ = _windows(foot, run)
    stops = []
    for speed in _stance_relative_speeds(foot).values():
        peak = np.nanpercentile(speed, 95) if np.isfinite(speed).any() else np.nan
        t = _crossing(speed, _WALK_IC_SPEED_SHARE * peak, lo, mid + 1, rising=False, last=True)
        before = speed[max(lo, 0):int(t) + 1] if np.isfinite(t) else speed[:0]
        if np.isfinite(before).any() and np.nanmax(before) >= 0.5 * peak:
            stops.append(t)
    leaving = [_crossing(z, _WALK_LEAVING_MM, mid, hi, rising=True, last=False)
               for z in _local_heights(foot, run).values()]
    leaving = [t for t in leaving if np.isfinite(t)]
    return (min(stops) if stops else np.nan), (max(leaving) if leaving else np.nan)


def _stance_relative_speeds(foot: _Foot) -> dict[str, np.ndarray]:
    """Each marker's horizontal speed (mm/s) relative to its median velocity over all the
    foot's stances: zero-based overground, the belt's speed removed on a treadmill."""
    if foot.stance_speeds is None:
        in_stance = np.zeros(len(foot.mean_height), dtype=bool)
        for a, b in foot.runs:
            in_stance[a:b] = True
        foot.stance_speeds = {}
        for role, v in foot.velocity.items():
            belt = nan_reduce(np.nanmedian, v[in_stance], axis=0) if in_stance.any() else np.zeros(2)
            foot.stance_speeds[role] = np.hypot(*(v - belt).T)
    return foot.stance_speeds


def _landing(z: np.ndarray, lo: int, mid: int, end: int) -> float:
    """The frame where the marker lands: it comes down through _LANDING_MM after it was last
    at least _LEAVING_MM high before mid (a marker seen coming from the air, not one already
    down at the start of the record), before the stance ends at ``end``; or earlier, when
    its descent stops (:func:`_descent_stop`) before it gets that low.  NaN when none.  (A
    marker on top of the foot may reach its lowest point only late in stance.)"""
    lo = max(lo, 0)
    high = np.flatnonzero(z[lo:mid + 1] >= _LEAVING_MM)
    if not len(high):
        return float("nan")
    down = _crossing(z, _LANDING_MM, lo + int(high[-1]) + 1, end, rising=False, last=False)
    return min(down, _descent_stop(z, lo, down)) if np.isfinite(down) else down


def _descent_stop(z: np.ndarray, lo: int, down: float) -> float:
    """The frame where the marker's downward speed, after its fastest descent in [lo, down],
    falls below _DESCENT_STOP_SHARE of it, when the marker is then within _LEAVING_MM of its
    stance low; NaN otherwise.  A cluster on the heel counter may settle 10-15 mm more over
    60 ms after landing (RIC run, right foot: the 5-mm rule put IC 37 ms after its descent
    stopped and made the L/R step times 270/343 ms)."""
    seg = z[lo:int(np.ceil(down)) + 2]
    if len(seg) < 3 or not np.isfinite(seg).all():
        return float("nan")
    vz = np.gradient(seg)
    fastest = int(np.argmin(vz))
    if vz[fastest] >= 0:
        return float("nan")
    stop = _crossing(vz, _DESCENT_STOP_SHARE * vz[fastest], fastest + 1, len(vz), rising=True, last=False)
    if not np.isfinite(stop) or np.interp(stop, np.arange(len(seg)), seg) > _LEAVING_MM:
        return float("nan")
    return lo + stop


def _local_heights(foot: _Foot, run: tuple[int, int]) -> dict[str, np.ndarray]:
    """Each marker's height above its lowest point in this stance (mm): floors differ by a
    few mm between the stances of an overground trial, which the 5-20 mm levels would feel."""
    a, b = run
    out = {}
    for role, z in foot.height.items():
        seg = z[a:b]
        if np.isfinite(seg).any():
            out[role] = z - np.nanmin(seg)
    return out


def _crossing(x: np.ndarray, level: float, i0: int, i1: int, rising: bool, last: bool) -> float:
    """The first (or last) sub-sample frame in [i0, i1) where x crosses level upwards
    (rising) or downwards, by linear interpolation; NaN when none."""
    i0, i1 = max(i0, 1), min(i1, len(x))
    if i1 <= i0 or not np.isfinite(level):
        return float("nan")
    a, b = x[i0 - 1:i1 - 1], x[i0:i1]
    with np.errstate(invalid="ignore"):
        hit = (a < level) & (b >= level) if rising else (a >= level) & (b < level)
    idx = np.flatnonzero(hit)
    if not len(idx):
        return float("nan")
    k = idx[-1] if last else idx[0]
    return float(i0 - 1 + k + (level - a[k]) / (b[k] - a[k]))


def _refine(signal: np.ndarray, t: float, near: int) -> float:
    """The peak of signal in the `near` frames before frame t (and a few after), else t."""
    peak = _peak_between(signal, 1.0, t - near, t + max(1, near // 2))
    return peak if np.isfinite(peak) else t


def _zeni_events(trial: Trial, cutoff_hz: float) -> list[tuple]:
    """Zeni 2008 (walking): IC = max of (heel - sacrum), TO = min of (toe - sacrum) along
    the direction of travel; windows of 45% of the stride found from the foot markers."""
    fs = trial.marker_rate
    sacrum, sac_name = _sacrum(trial)
    heels = {s: _first_role(trial, s, "heel") for s in _SIDES}
    toes = {s: _first_role(trial, s, ("toe", "forefoot")) for s in _SIDES}
    missing = [f"{s} {what}" for s in _SIDES for what, d in (("heel", heels), ("toe", toes)) if d[s] is None]
    if missing:
        raise InputError(f"kinematic events (zeni) need heel and toe markers; missing: {', '.join(missing)}")
    smooth = lambda x: lowpass(x, fs, cutoff_hz) if cutoff_hz < fs / 2 else x  # noqa: E731
    sacrum = smooth(sacrum)
    fwd = _forward({f"{s}{k}": smooth(d[s]) for s in _SIDES for k, d in (("HEE", heels), ("TOE", toes))})
    rows = []
    for s in _SIDES:
        foot = _foot_signals(trial, s, cutoff_hz)
        half = 0.45 * foot.stride / fs if foot is not None and np.isfinite(foot.stride) else _STANCE_WINDOW_S
        heel, toe = (smooth(heels[s]) - sacrum) @ fwd, (smooth(toes[s]) - sacrum) @ fwd
        src = f"{s}heel,{s}toe,{sac_name}"
        rows += [(s, "IC", t, "zeni", src) for t in _extrema(heel, fs, half)]
        rows += [(s, "TO", t, "zeni", src) for t in _extrema(-toe, fs, half)]
    return rows


def _first_role(trial: Trial, side: str, roles) -> np.ndarray | None:
    roles = (roles,) if isinstance(roles, str) else roles
    pts = foot_points(trial.markers, side)
    for want in roles:
        for role, xyz in pts.items():
            if role.split(":")[0] == want:
                return xyz
    return None


def _force_covers_both_feet(trial: Trial, force_rows: list[tuple]) -> bool:
    """Per-foot force, finite from the first to the last marker frame, with events on each foot."""
    span_s = (trial.n_frames - 1) / trial.marker_rate
    covering = {_plate_foot(p, force_rows) for p in trial.plates
                if (p.force.shape[0] - 1) / p.rate >= span_s and np.isfinite(p.fz).all()}
    with_events = {row[0] for row in force_rows}
    return {"L", "R"} <= covering & with_events


def _plate_foot(plate: ForcePlate, force_rows: list[tuple]) -> str | None:
    """The foot a plate carries: its ``side``, or, for a belt without one (treadmill force sets
    named ``ground_``/``1_ground_``), the one foot all its contacts were assigned to; else None
    (an overground plate, one contact, carries no foot through the record)."""
    if plate.side:
        return plate.side
    if not is_belt(plate.fz, plate.rate):
        return None
    sides = {side for side, _, _, _, source in force_rows if source == (plate.name or "plate")}
    return sides.pop() if len(sides) == 1 else None


def _has_foot_markers(trial: Trial) -> bool:
    return all(foot_points(trial.markers, s) for s in _SIDES)


def _sacrum(trial: Trial) -> tuple[np.ndarray, str]:
    """The sacrum (SACR) or the mid-PSIS, ignoring markers that are NaN throughout."""
    if _finite_marker(trial, "SACR"):
        return trial.markers["SACR"], "SACR"
    if _finite_marker(trial, "LPSI") and _finite_marker(trial, "RPSI"):
        return 0.5 * (trial.markers["LPSI"] + trial.markers["RPSI"]), "LPSI+RPSI"
    raise InputError("kinematic events (zeni) need a sacrum marker SACR or both LPSI and RPSI with data; "
                     "the trial lacks them")


def _forward(markers: dict) -> np.ndarray:
    """Horizontal unit vector of travel: the mean heel-to-toe direction of both feet."""
    d = np.concatenate([markers[f"{s}TOE"] - markers[f"{s}HEE"] for s in _SIDES])
    d = np.nanmean(d, axis=0)
    d[UP_AXIS] = 0.0
    norm = np.linalg.norm(d)
    if not np.isfinite(norm) or norm == 0:
        raise InputError("cannot find the direction of travel from the heel and toe markers")
    return d / norm


def _derivative(x: np.ndarray, fs: float, order: int) -> np.ndarray:
    for _ in range(order):
        x = np.gradient(x) * fs if len(x) > 1 else x * np.nan
    return x


def _parabolic(x: np.ndarray, i: int) -> float:
    """Sub-sample position of the extremum at sample i (parabola through i-1, i, i+1)."""
    if i <= 0 or i >= len(x) - 1:
        return float(i)
    a, b, c = x[i - 1], x[i], x[i + 1]
    d = a - 2 * b + c
    return i + (0.5 * (a - c) / d if d != 0 and np.isfinite(d) else 0.0)


def _extrema(x: np.ndarray, fs: float, half_window_s: float) -> list[float]:
    """Times (s) of samples that are the maximum of x within +-half_window_s (NaN-free windows)."""
    w = max(1, int(round(half_window_s * fs)))
    if len(x) < 2 * w + 1:
        return []
    win = np.lib.stride_tricks.sliding_window_view(x, 2 * w + 1)
    with np.errstate(invalid="ignore"):
        centre = win[:, w]
        is_max = (centre == win.max(axis=1)) & np.isfinite(win).all(axis=1)
    idx = np.flatnonzero(is_max) + w
    # a flat top gives several equal maxima: keep the first of each run
    idx = idx[np.concatenate(([True], np.diff(idx) > w))] if len(idx) else idx
    return [_parabolic(x, int(i)) / fs for i in idx]


def _peak_between(x: np.ndarray, fs: float, t0: float, t1: float) -> float:
    i0 = max(1, int(np.ceil(t0 * fs)))
    i1 = min(len(x) - 2, int(np.floor(t1 * fs)))
    if i1 <= i0 or not np.isfinite(x[i0:i1 + 1]).all():
        return float("nan")
    i = i0 + int(np.argmax(x[i0:i1 + 1]))
    if i in (i0, i1):
        return float("nan")  # the peak is not inside the window: no event
    return _parabolic(x, i) / fs


# ----------------------------------------------------------------------------- spatiotemporal

ST_COLUMNS = ["side", "ic_s", "to_s", "contact_ms", "flight_ms", "step_ms", "stride_ms", "duty_factor",
              "cadence_steps_per_min", "step_length_mm", "step_width_mm"]


def spatiotemporal(events: pd.DataFrame, trial: Trial | None = None) -> pd.DataFrame:
    """Step and stride parameters, one row per initial contact (docs/methods.md A, definitions).

    For the IC of one foot at ``ic_s``: ``to_s`` its TO (the first TO of that foot before
    its next IC); ``contact_ms`` = TO - IC; ``step_ms`` = the next IC of the other foot
    - IC; ``stride_ms`` = the next IC of the same foot - IC; ``flight_ms`` = next IC of
    the other foot - TO (> 0 in running, negative = double support in walking);
    ``duty_factor`` = contact / stride (Lussiana 2019); ``cadence_steps_per_min`` =
    60000 / step_ms.  With a trial holding ``LHEE`` and ``RHEE``: ``step_length_mm`` =
    the distance along the direction of travel from this heel at its IC to the other
    heel at its next IC, and ``step_width_mm`` the mediolateral distance between them
    (overground; on a treadmill the belt moves the feet, so step length there needs the
    belt speed and is not computed: it comes out close to zero).  Unknown values are NaN.

    Events with ``order_ok == False`` (see :func:`detect_events`) are left out.  The
    counted cadence over the whole trial (:func:`counted_cadence`: steps between consecutive
    ICs of opposite feet, count and duration from the same ICs) is in
    ``df.attrs["cadence_steps_per_min"]``.

    Parameters
    ----------
    events : DataFrame with columns side, event, time_s (as from :func:`detect_events`)
    trial : Trial or None, for step length and width

    Returns
    -------
    pandas.DataFrame, columns ``side, ic_s, to_s, contact_ms, flight_ms, step_ms,
    stride_ms, duty_factor, cadence_steps_per_min, step_length_mm, step_width_mm``.

    Example
    -------
    >>> import gaitcore
    >>> from gaitcore import datasets
    >>> trial = gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
    ...                             grf=datasets.path("Rajagopal_grf_run.mot"))
    >>> st = gaitcore.spatiotemporal(gaitcore.detect_events(trial, method="force"))
    >>> round(st.attrs["cadence_steps_per_min"])
    174
    """
    if not isinstance(events, pd.DataFrame):
        raise InputTypeError(f"events must be a pandas DataFrame, got {type(events).__name__}")
    missing = {"side", "event", "time_s"} - set(events.columns)
    if missing:
        raise InputError(f"events lacks the column(s) {sorted(missing)}")
    if trial is not None and not isinstance(trial, Trial):
        raise InputTypeError(f"trial must be a gaitcore.Trial or None, got {type(trial).__name__}")
    ev = events
    if "order_ok" in ev.columns:
        ev = ev[ev["order_ok"].astype(bool)]
    ev = ev.sort_values("time_s", kind="stable")
    ic = ev[ev["event"] == "IC"]
    to = ev[ev["event"] == "TO"]
    heel = _heels(trial)
    sides, t = ic["side"].to_numpy(object), ic["time_s"].to_numpy(float)
    next_same, next_other, t_to = (np.full(len(t), np.nan) for _ in range(3))
    for side in _SIDES:
        other, mine = _OTHER[side], sides == side
        next_same[mine] = next_after(t[mine], t[mine])
        next_other[mine] = next_after(t[sides == other], t[mine])
        t_to[mine] = next_after(to.loc[to["side"] == side, "time_s"].to_numpy(float), t[mine])
    complete = np.isfinite(next_same)
    t_to[complete & (t_to > next_same)] = np.nan  # this stance's TO is missing
    next_other[complete & (next_other > next_same)] = np.nan  # the other foot's IC is missing
    stride, contact = next_same - t, t_to - t
    length, width = _step_geometry(heel, trial, sides, t, next_other)
    out = pd.DataFrame(dict(zip(ST_COLUMNS, (
        sides, t, t_to, 1000 * contact, 1000 * (next_other - t_to), 1000 * (next_other - t), 1000 * stride,
        contact / stride, 60.0 / (next_other - t), length, width))))
    out.attrs["cadence_steps_per_min"] = counted_cadence(sides, t)
    return out


def counted_cadence(sides: np.ndarray, times_s: np.ndarray) -> float:
    """Steps per minute counted from initial contacts: 60 x (number of steps) / (their total
    duration), a step being two consecutive ICs of opposite feet.  With every IC present this
    is 60 (N_IC - 1) / (t_last - t_first) (docs/methods.md A); where an IC is missing or was
    left out (out of order), the same-foot interval around it is neither counted nor timed,
    nor is an interval over 1.5 x the median step (contacts of both feet missed), so count
    and span always come from the same ICs.  NaN without a step.

    Example
    -------
    >>> import numpy as np
    >>> t = np.arange(8) * 0.5
    >>> sides = np.array(["L", "R"] * 4)
    >>> keep = np.array([1, 1, 1, 0, 1, 0, 1, 1], bool)   # two ICs flagged and left out
    >>> float(counted_cadence(sides[keep], t[keep]))
    120.0
    """
    order = np.argsort(times_s, kind="stable")
    sides, times_s = np.asarray(sides, dtype=object)[order], np.asarray(times_s, float)[order]
    step = np.diff(times_s)
    is_step = (sides[1:] != sides[:-1]) & np.isfinite(step) & (step > 0)
    if is_step.any():  # an interval over 1.5 x the median step hides missed contacts of both feet
        is_step &= step <= _LONG_STRIDE * np.median(step[is_step])
    total = float(step[is_step].sum())
    return 60.0 * int(is_step.sum()) / total if total > 0 else float("nan")


def _heels(trial: Trial | None):
    if trial is None:
        return None
    heels = {s: _first_role(trial, s, "heel") for s in _SIDES}
    toes = {s: _first_role(trial, s, ("toe", "forefoot")) for s in _SIDES}
    if any(v is None for v in (*heels.values(), *toes.values())):
        return None
    try:
        fwd = _forward({f"{s}{k}": d[s] for s in _SIDES for k, d in (("HEE", heels), ("TOE", toes))})
    except ValueError:
        return None
    lateral = np.cross(np.eye(3)[UP_AXIS], fwd)
    return heels, fwd, lateral


def _step_geometry(heel, trial, sides, t, t_other) -> tuple[np.ndarray, np.ndarray]:
    """Step length and width (mm) from each heel at its IC (t) to the other heel at its next IC."""
    d = np.full((len(t), 3), np.nan)
    if heel is None:
        return d[:, 0], d[:, 0]
    heels, fwd, lateral = heel
    for side in _SIDES:
        mine = sides == side
        d[mine] = (sample_at(heels[_OTHER[side]], trial.marker_rate, t_other[mine])
                   - sample_at(heels[side], trial.marker_rate, t[mine]))
    return d @ fwd, np.abs(d @ lateral)
