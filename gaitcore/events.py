"""Gait events: foot contacts from force plates, kinematic events from markers, and
spatiotemporal parameters (docs/methods.md part A).  Contact detection runs in the C core."""
from __future__ import annotations


import numpy as np
import pandas as pd

from . import _core, _quiet
from ._sampling import next_after, sample_at
from ._validate import non_negative, positive, real_array
from .filters import lowpass
from .trial import UP_AXIS, ForcePlate, Trial

# flag bits of gc_contact (csrc/core/gaitcore.h)
_PARTIAL_START, _PARTIAL_END, _TOUCHES_NAN, _MERGED = 1, 2, 4, 8
_CONTACT_COLUMNS = ["on_s", "off_s", "contact_s", "partial", "touches_nan", "merged"]
_DRIFT_ITERATIONS = 3


def detect_contacts(fz, rate: float, threshold: float = 20.0, off_threshold: float | None = None,
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
    rate = positive(rate, "rate")
    threshold = positive(threshold, "threshold")
    off = threshold if off_threshold is None else positive(off_threshold, "off_threshold")
    if off > threshold:
        raise ValueError(f"off_threshold ({off:g} N) must not exceed threshold ({threshold:g} N)")
    min_contact_s = non_negative(min_contact_s, "min_contact_s")
    min_flight_s = non_negative(min_flight_s, "min_flight_s")
    if max_contact_s is not None:
        max_contact_s = positive(max_contact_s, "max_contact_s")
        if max_contact_s <= min_contact_s:
            raise ValueError(f"max_contact_s ({max_contact_s:g} s) must exceed min_contact_s ({min_contact_s:g} s)")
    args = (rate, threshold, off, min_contact_s, min_flight_s)
    on_s, off_s, flags = _core_contacts(arr, args)
    baseline = None
    if drift_correction:
        signal = np.asarray(arr, dtype=float)
        for _ in range(_DRIFT_ITERATIONS):
            try:
                baseline = _core.flight_baseline(signal, rate, on_s, off_s)
            except ValueError:
                raise ValueError("drift_correction needs at least one flight phase with finite "
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
            raise ValueError("fz contains infinite values (NaN marks a gap; inf is an error)") from None
        raise


def _contact_frame(on_s, off_s, flags) -> pd.DataFrame:
    return pd.DataFrame({
        "on_s": on_s, "off_s": off_s, "contact_s": off_s - on_s,
        "partial": (flags & (_PARTIAL_START | _PARTIAL_END)) != 0,
        "touches_nan": (flags & _TOUCHES_NAN) != 0,
        "merged": (flags & _MERGED) != 0,
    }, copy=False)


# ----------------------------------------------------------------------------- detect_events

KINEMATIC_METHODS = ("hreljac", "zeni")
DEFAULT_KINEMATIC = "hreljac"
METHODS = ("auto", "force") + KINEMATIC_METHODS
EVENT_COLUMNS = ["side", "event", "time_s", "frame", "method", "source", "order_ok"]
_SIDES = ("L", "R")
_OTHER = {"L": "R", "R": "L"}
_STANCE_WINDOW_S = 0.25   # half-width of the window in which a stance anchor is a minimum
_IC_JERK_WINDOW_S = 0.08  # heel jerk peak searched in this window before the heel's lowest point
_TO_ACC_WINDOW_S = 0.30   # toe acceleration peak searched in this window after midstance
_SAME_EVENT_S = 0.15      # a marker event this close to a plate event of the same kind is a duplicate


def detect_events(trial: Trial, method: str = "auto", threshold: float = 20.0,
                  off_threshold: float | None = None, force_cutoff_hz: float | None = 50.0,
                  marker_cutoff_hz: float = 12.0, min_contact_s: float = 0.1,
                  min_flight_s: float = 0.02, drift_correction: bool = False,
                  kinematic: str = DEFAULT_KINEMATIC, cop_on_plate: bool = True,
                  kinematic_offset_s: tuple[float, float] = (0.0, 0.0)) -> pd.DataFrame:
    """Initial contacts (IC) and toe-offs (TO) of both feet (docs/methods.md part A).

    Methods
    -------
    ``"force"``
        Each plate's vertical force is low-passed at ``force_cutoff_hz`` (zero lag) and
        its contacts found by :func:`detect_contacts`.  A plate whose force the file
        already assigns to one foot (OpenSim GRF, a treadmill force split per foot:
        ``ForcePlate.side``) gives that foot's events, including the known end of a
        partial contact.  A physical plate (overground, or one belt of a treadmill)
        gives events only for complete contacts free of NaN and not merged, each
        assigned to the foot whose heel or toe marker lies on the plate (inside its
        corners) at IC; when both or neither do, to the foot nearest the centre of
        pressure over the first 20% of the contact.  Unassignable contacts are skipped.
    ``"hreljac"`` (the default kinematic method)
        Running, after Hreljac & Marshall 2000 (heel and toe vertical acceleration and
        jerk).  IC = peak heel vertical jerk in the 80 ms before the heel's lowest point
        (the heel's sudden deceleration at touchdown); TO = peak toe vertical
        acceleration in the 0.3 s after midstance (the lowest point of the mean of
        heel and toe).  Markers are low-passed at ``marker_cutoff_hz`` first.
        Chosen as default because on the Rajagopal running trial (100 Hz markers,
        14 IC and 14 TO) its mean |error| vs the force plates is 2.0 ms for IC (max
        4.0) and 4.6 ms for TO (max 11.8), while Zeni's is 23.1 ms (IC, all early) and
        90.7 ms (TO, all late: the toe keeps moving back after toe-off in running; Zeni
        was validated on walking only).  Caveat: the search windows were chosen on that
        same trial, the only running trial with plates and toe markers in datasets/;
        it assumes the heel touches down first (rearfoot strike): check it, or set
        ``kinematic_offset_s``, on plate trials of forefoot strikers.
    ``"zeni"``
        Zeni 2008 (walking): IC = maximum of (heel - sacrum), TO = minimum of
        (toe - sacrum) along the direction of travel (the mean heel-to-toe direction).
        The sacrum is ``SACR`` or the mean of ``LPSI`` and ``RPSI``.
    ``"auto"``
        Plate events where plates are loaded; the ``kinematic`` method elsewhere: a
        marker event is kept unless a plate event of the same foot and kind lies within
        0.15 s of it.  Without markers, plates only; without plates, markers only.  When
        per-foot force (``ForcePlate.side``) is finite over the whole marker recording
        for both feet and gives events on each (an instrumented treadmill split by
        foot), every contact is already seen by the plates and markers are not searched.

    Event order: on each foot events must alternate IC, TO, IC ...; and consecutive ICs
    must alternate feet.  An event breaking either order gets ``order_ok = False``; it
    is kept, flagged, so that the caller decides.

    Parameters
    ----------
    trial : Trial
    method : "auto", "force", "hreljac" or "zeni"
    threshold, off_threshold : float, N, contact thresholds (see :func:`detect_contacts`)
    force_cutoff_hz : float or None, Hz, low-pass of Fz before detection (docs/methods.md A.1:
        30-50 Hz); None detects on the raw force (as lab software placing events does)
    marker_cutoff_hz : float, Hz, low-pass of the markers for kinematic methods
    min_contact_s, min_flight_s, drift_correction : see :func:`detect_contacts`
    kinematic : "hreljac" or "zeni", the marker method used by ``"auto"``
    cop_on_plate : bool
        Reject a physical plate's contact when its centre of pressure (where Fz >=
        threshold) leaves the plate's corners (docs/methods.md A.4: the foot is partly off the
        plate, or another foot touches it).  False keeps such contacts.
    kinematic_offset_s : (float, float), s
        Per-lab offsets added to marker IC and TO times, calibrated on plate trials as the
        mean (force - marker) time difference (docs/methods.md A: "allow a per-lab offset").

    Returns
    -------
    pandas.DataFrame sorted by time, columns ``side`` ("L"/"R"), ``event`` ("IC"/"TO"),
    ``time_s`` (s, sub-sample, from the first marker frame), ``frame`` (nearest marker
    frame; the plate sample when the trial has no markers), ``method`` ("force",
    "hreljac", "zeni"), ``source`` (plate name, or the markers used), ``order_ok`` (bool).

    Example
    -------
    >>> import gaitcore
    >>> from gaitcore import datasets
    >>> trial = gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
    ...                             grf=datasets.path("Rajagopal_grf_run.mot"))
    >>> ev = gaitcore.detect_events(trial, method="force")
    >>> int(((ev.side == "R") & (ev.event == "IC")).sum())
    7
    """
    if not isinstance(trial, Trial):
        raise TypeError(f"trial must be a gaitcore.Trial, got {type(trial).__name__}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if kinematic not in KINEMATIC_METHODS:
        raise ValueError(f"kinematic must be one of {KINEMATIC_METHODS}, got {kinematic!r}")
    if force_cutoff_hz is not None:
        force_cutoff_hz = positive(force_cutoff_hz, "force_cutoff_hz")
    marker_cutoff_hz = positive(marker_cutoff_hz, "marker_cutoff_hz")
    contact_args = dict(threshold=threshold, off_threshold=off_threshold, min_contact_s=min_contact_s,
                        min_flight_s=min_flight_s, drift_correction=drift_correction)
    offsets = _offsets(kinematic_offset_s)
    rows: list[tuple] = []
    if method in ("force", "auto"):
        if method == "force" and not trial.plates:
            raise ValueError("method='force' needs force plates; the trial has none")
        for plate in trial.plates:
            rows += _plate_events(trial, plate, force_cutoff_hz, contact_args, bool(cop_on_plate))
    kin = kinematic if method == "auto" else method
    if method in KINEMATIC_METHODS or (method == "auto" and _has_foot_markers(trial)
                                       and not _force_covers_both_feet(trial, rows)):
        kin_rows = [(side, kind, t + offsets[kind], m, src)
                    for side, kind, t, m, src in _kinematic_events(trial, kin, marker_cutoff_hz)]
        if method == "auto":
            kin_rows = _drop_near_force_events(kin_rows, rows)
        rows += kin_rows
    return _finish(trial, rows)


def _offsets(value) -> dict[str, float]:
    try:
        ic, to = (float(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"kinematic_offset_s must be a pair of numbers (IC, TO) in s, got {value!r}") from None
    if not (np.isfinite(ic) and np.isfinite(to)):
        raise ValueError(f"kinematic_offset_s must be finite, got {value!r}")
    return {"IC": ic, "TO": to}


def _finish(trial: Trial, rows: list[tuple]) -> pd.DataFrame:
    ev = pd.DataFrame(rows, columns=["side", "event", "time_s", "method", "source"])
    ev = ev.sort_values("time_s", kind="stable").reset_index(drop=True)
    rate = trial.marker_rate if trial.markers else (trial.plates[0].rate if trial.plates else 1.0)
    ev["frame"] = np.round(ev["time_s"].to_numpy(float) * rate).astype(np.int64)
    ev["order_ok"] = _order_ok(ev)
    return ev[EVENT_COLUMNS]


def _order_ok(ev: pd.DataFrame) -> np.ndarray:
    """False where a foot repeats IC or TO, or two consecutive ICs are on the same foot."""
    ok = np.ones(len(ev), dtype=bool)
    last_kind: dict[str, str] = {}
    last_ic_side = None
    for i, (side, kind) in enumerate(zip(ev["side"], ev["event"])):
        if last_kind.get(side) == kind:
            ok[i] = False
        last_kind[side] = kind
        if kind == "IC":
            if last_ic_side == side:
                ok[i] = False
            last_ic_side = side
    return ok


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

def _plate_events(trial: Trial, plate: ForcePlate, cutoff_hz: float | None, contact_args: dict,
                  cop_check: bool) -> list[tuple]:
    fz = plate.fz
    if fz.size == 0 or not np.isfinite(fz).any():
        return []
    if cutoff_hz is not None and cutoff_hz < plate.rate / 2:
        fz = lowpass(fz, plate.rate, cutoff_hz)
    try:
        contacts = detect_contacts(fz, plate.rate, **contact_args)
    except ValueError as exc:
        if str(exc).startswith("drift_correction needs"):
            return []  # a plate with no flight (never or always loaded): no contact to correct
        raise
    rows = []
    name = plate.name or "plate"
    skipped = []
    for c in contacts.itertuples():
        side: str | None = plate.side
        if side not in _SIDES:
            # a physical plate: only whole, clean contacts with the CoP on the plate are
            # attributable to one foot (docs/methods.md A.4)
            if c.partial or c.touches_nan or c.merged:
                skipped.append(f"{_fmt_s(c.on_s)}-{_fmt_s(c.off_s)} s partial/NaN/merged")
                continue
            if cop_check and not _cop_on_plate(plate, fz, c.on_s, c.off_s, contact_args["threshold"]):
                skipped.append(f"{c.on_s:.3f}-{c.off_s:.3f} s CoP leaves the plate")
                continue
            side = _foot_on_plate(trial, plate, c.on_s, c.off_s)
            if side is None:
                skipped.append(f"{c.on_s:.3f}-{c.off_s:.3f} s no foot markers to assign it")
                continue
        if np.isfinite(c.on_s):
            rows.append((side, "IC", float(c.on_s), "force", name))
        if np.isfinite(c.off_s):
            rows.append((side, "TO", float(c.off_s), "force", name))
    if skipped:
        _quiet.warn(f"plate {name}: no events from {len(skipped)} contact(s): " + "; ".join(skipped),
                      stacklevel=3)
    return rows


def _fmt_s(t: float) -> str:
    return "?" if not np.isfinite(t) else f"{t:.3f}"


def _cop_on_plate(plate: ForcePlate, fz: np.ndarray, on_s: float, off_s: float, threshold: float) -> bool:
    """True when every finite CoP sample of the contact loaded over threshold is on the plate."""
    if plate.corners is None:
        return True
    i0, i1 = int(np.ceil(on_s * plate.rate)), int(np.floor(off_s * plate.rate)) + 1
    loaded = fz[i0:i1] >= threshold
    cop = plate.cop[i0:i1, :2][loaded]
    cop = cop[np.isfinite(cop).all(axis=1)]
    return bool(_inside(cop, np.asarray(plate.corners, float)[:, :2]).all()) if len(cop) else True


def _inside(points_xy: np.ndarray, corners_xy: np.ndarray) -> np.ndarray:
    """Points inside a convex polygon (corners in order, either winding)."""
    cross = []
    for k in range(len(corners_xy)):
        a, b = corners_xy[k], corners_xy[(k + 1) % len(corners_xy)]
        edge, rel = b - a, points_xy - a
        cross.append(edge[0] * rel[:, 1] - edge[1] * rel[:, 0])
    signs = np.array(cross)
    return np.all(signs >= 0, axis=0) | np.all(signs <= 0, axis=0)


def _foot_on_plate(trial: Trial, plate: ForcePlate, on_s: float, off_s: float) -> str | None:
    """The foot loading the plate for the contact [on_s, off_s], or None."""
    feet = [s for s in _SIDES if f"{s}HEE" in trial.markers and f"{s}TOE" in trial.markers]
    if not feet or not trial.markers:
        return None
    k = min(max(int(round(on_s * trial.marker_rate)), 0), trial.n_frames - 1)
    on_plate = []
    if plate.corners is not None:
        corners = np.asarray(plate.corners, float)[:, :2]
        for s in feet:
            pts = np.array([trial.markers[f"{s}HEE"][k, :2], trial.markers[f"{s}TOE"][k, :2]])
            pts = pts[np.isfinite(pts).all(axis=1)]
            if len(pts) and _inside(pts, corners).any():
                on_plate.append(s)
    if len(on_plate) == 1:
        return on_plate[0]
    # both or neither on the plate: the foot nearest the early-stance centre of pressure
    i0 = int(np.ceil(on_s * plate.rate))
    i1 = max(i0 + 1, int(on_s * plate.rate + 0.2 * (off_s - on_s) * plate.rate))
    cop = np.nanmean(plate.cop[i0:i1, :2], axis=0) if np.isfinite(plate.cop[i0:i1, :2]).any() else None
    if cop is None:
        return None
    dist = {}
    for s in feet:
        foot = 0.5 * (trial.markers[f"{s}HEE"][k, :2] + trial.markers[f"{s}TOE"][k, :2])
        if np.isfinite(foot).all():
            dist[s] = float(np.hypot(*(foot - cop)))
    return min(dist, key=lambda s: dist[s]) if dist else None


# ---- markers

def _force_covers_both_feet(trial: Trial, force_rows: list[tuple]) -> bool:
    """Per-foot force, finite from the first to the last marker frame, with events on each foot."""
    span_s = (trial.n_frames - 1) / trial.marker_rate
    covering = {p.side for p in trial.plates
                if p.side and (p.force.shape[0] - 1) / p.rate >= span_s and np.isfinite(p.fz).all()}
    with_events = {row[0] for row in force_rows}
    return {"L", "R"} <= covering & with_events


def _has_foot_markers(trial: Trial) -> bool:
    return all(f"{s}{m}" in trial.markers for s in _SIDES for m in ("HEE", "TOE"))


def _need(trial: Trial, names) -> None:
    missing = [m for m in names if m not in trial.markers]
    if missing:
        raise ValueError(f"kinematic events need markers {', '.join(missing)}; the trial lacks them")


def _sacrum(trial: Trial, markers: dict) -> tuple[np.ndarray, str]:
    if "SACR" in markers:
        return markers["SACR"], "SACR"
    _need(trial, ["LPSI", "RPSI"])
    return 0.5 * (markers["LPSI"] + markers["RPSI"]), "LPSI+RPSI"


def _forward(markers: dict) -> np.ndarray:
    """Horizontal unit vector of travel: the mean heel-to-toe direction of both feet."""
    d = np.concatenate([markers[f"{s}TOE"] - markers[f"{s}HEE"] for s in _SIDES])
    d = np.nanmean(d, axis=0)
    d[UP_AXIS] = 0.0
    norm = np.linalg.norm(d)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError("cannot find the direction of travel from the heel and toe markers")
    return d / norm


def _kinematic_events(trial: Trial, method: str, cutoff_hz: float) -> list[tuple]:
    names = [f"{s}{m}" for s in _SIDES for m in ("HEE", "TOE")]
    _need(trial, names)
    fs = trial.marker_rate
    if trial.n_frames < 3:
        raise ValueError("kinematic events need at least 3 marker frames")
    needed = names + [m for m in ("SACR", "LPSI", "RPSI") if m in trial.markers]
    smooth = {m: (lowpass(trial.markers[m], fs, cutoff_hz) if cutoff_hz < fs / 2 else trial.markers[m])
              for m in needed}
    rows = []
    if method == "zeni":
        sacrum, sac_name = _sacrum(trial, smooth)
        fwd = _forward(smooth)
        for s in _SIDES:
            heel = (smooth[f"{s}HEE"] - sacrum) @ fwd
            toe = (smooth[f"{s}TOE"] - sacrum) @ fwd
            src = f"{s}HEE,{s}TOE,{sac_name}"
            rows += [(s, "IC", t, "zeni", src) for t in _extrema(heel, fs, _STANCE_WINDOW_S)]
            rows += [(s, "TO", t, "zeni", src) for t in _extrema(-toe, fs, _STANCE_WINDOW_S)]
        return rows
    for s in _SIDES:
        heel_z, toe_z = smooth[f"{s}HEE"][:, UP_AXIS], smooth[f"{s}TOE"][:, UP_AXIS]
        heel_jerk = _derivative(heel_z, fs, 3)
        toe_acc = _derivative(toe_z, fs, 2)
        src = f"{s}HEE,{s}TOE"
        for t in _extrema(-heel_z, fs, _STANCE_WINDOW_S):
            ic = _peak_between(heel_jerk, fs, t - _IC_JERK_WINDOW_S, t + 0.01)
            if np.isfinite(ic):
                rows.append((s, "IC", ic, "hreljac", src))
        for t in _extrema(-(heel_z + toe_z), fs, _STANCE_WINDOW_S):
            to = _peak_between(toe_acc, fs, t, t + _TO_ACC_WINDOW_S)
            if np.isfinite(to):
                rows.append((s, "TO", to, "hreljac", src))
    return rows


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
    counted cadence over the whole trial, 60 (N_IC - 1) / (t_last_IC - t_first_IC)
    pooling both feet, is in ``df.attrs["cadence_steps_per_min"]``.

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
        raise TypeError(f"events must be a pandas DataFrame, got {type(events).__name__}")
    missing = {"side", "event", "time_s"} - set(events.columns)
    if missing:
        raise ValueError(f"events lacks the column(s) {sorted(missing)}")
    if trial is not None and not isinstance(trial, Trial):
        raise TypeError(f"trial must be a gaitcore.Trial or None, got {type(trial).__name__}")
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
    times = ic["time_s"].to_numpy(float)
    span = times[-1] - times[0] if len(times) >= 2 else 0.0
    out.attrs["cadence_steps_per_min"] = 60.0 * (len(times) - 1) / span if span > 0 else float("nan")
    return out


def _heels(trial: Trial | None):
    if trial is None or not all(f"{s}HEE" in trial.markers for s in _SIDES):
        return None
    heels = {s: trial.markers[f"{s}HEE"] for s in _SIDES}
    fwd = None
    if _has_foot_markers(trial):
        try:
            fwd = _forward(trial.markers)
        except ValueError:
            fwd = None
    if fwd is None:
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
