"""Static (standing) trials: recognised from the data, and from their names in folders.

A locomotion trial either travels (overground) or moves its feet cyclically (treadmill);
a static calibration trial does neither.  :func:`static_trial_reason` says why a trial
looks static, or None; ``analyze_trial`` refuses such a trial, and folder scans use files
named ``*static*`` or ``*cal*`` as the static trial of the trials beside them.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..trial import UP_AXIS, Trial
from .._sampling import nan_reduce

#: A trial whose pelvis (or body) travels less than this (mm) horizontally ...
MAX_STATIC_TRAVEL_MM = 200.0
#: ... and whose foot markers each move less than this (mm, 5th-95th percentile range) is static.
MAX_STATIC_FOOT_RANGE_MM = 60.0
#: Records shorter than this (s) cannot hold a step: a one-frame calibration, say.
MIN_LOCOMOTION_S = 0.1

_PELVIS = ("LASI", "RASI", "LPSI", "RPSI", "SACR")
_FOOT = ("LHEE", "RHEE", "LTOE", "RTOE", "LANK", "RANK", "LMT1", "RMT1", "LMT5", "RMT5")
_FOOT_WORDS = ("foot", "heel", "toe")
_STATIC_NAME = re.compile(r"(static|(^|[^a-z])cal(ib\w*)?([^a-z]|$))", re.IGNORECASE)


def _stack(trial: Trial, names: tuple, words: tuple = ()) -> np.ndarray | None:
    picked = [v for k, v in trial.markers.items() if k in names or any(w in k.lower() for w in words)]
    return np.stack(picked) if picked else None


def _quiet_percentile(x, q, axis):
    return nan_reduce(np.nanpercentile, x, axis=axis, q=q)


def static_trial_reason(trial: Trial) -> str | None:
    """Why ``trial`` looks like a static standing trial (no travel and no cyclic foot motion),
    or None when it may be locomotion (or the markers cannot tell).

    Example: ``static_trial_reason(read_trial("subject_static.c3d"))`` -> ``"1 frame"``.
    """
    if not trial.markers:
        return None
    if trial.n_frames < 2 or trial.duration_s < MIN_LOCOMOTION_S:
        return f"{trial.n_frames} frame{'s' if trial.n_frames != 1 else ''} ({trial.duration_s:.3f} s)"
    body = _stack(trial, _PELVIS, ("pelvis", "sacr"))
    if body is None:
        body = np.stack(list(trial.markers.values()))
    centre = nan_reduce(np.nanmean, body, axis=0)
    horizontal = [a for a in range(3) if a != UP_AXIS]
    ends = _quiet_percentile(centre[:, horizontal], [5, 95], axis=0)
    travel = float(np.linalg.norm(ends[1] - ends[0])) if np.all(np.isfinite(ends)) else np.nan
    feet = _stack(trial, _FOOT, _FOOT_WORDS)
    if feet is None or not np.isfinite(travel):
        return None
    spread = _quiet_percentile(feet, 95, axis=1) - _quiet_percentile(feet, 5, axis=1)
    foot_range = float(np.nanmax(spread)) if np.isfinite(spread).any() else np.nan
    if travel < MAX_STATIC_TRAVEL_MM and foot_range < MAX_STATIC_FOOT_RANGE_MM:
        return (f"no travel ({travel:.0f} mm) and no cyclic foot motion (feet move within "
                f"{foot_range:.0f} mm)")
    return None


def is_static_name(path) -> bool:
    """True for file names that say static or calibration: ``*static*``, ``*_cal*``, ``Cal 01``."""
    return bool(_STATIC_NAME.search(Path(path).stem))


#: Words that name what a file holds rather than which trial it is (``run_grf.mot`` and
#: ``run_markers.trc``, OpenSim's ``X_grf_run.mot`` beside ``X_motion_capture_run.trc``).
_CONTENT_WORDS = {"grf", "grfs", "force", "forces", "forceplate", "fp", "mocap", "motion", "capture", "markers",
                  "marker", "kinematics", "trc", "mot", "external", "loads"}


def _trial_words(stem: str) -> list[str]:
    return sorted(w for w in re.split(r"[\s._\-]+", stem.lower()) if w and w not in _CONTENT_WORDS)


def grf_beside(path: Path) -> Path | None:
    """The GRF ``.mot`` of a TRC trial: ``<stem>.mot``, ``<stem>_grf.mot`` or ``<stem>_forces.mot``;
    else the ``.mot`` whose name is the trial's but for content words (``grf``, ``forces``,
    ``motion_capture`` ...: OpenSim ships ``X_grf_run.mot`` beside ``X_motion_capture_run.trc``).
    Other ``.mot`` files (inverse-kinematics results, ``X_ik_run.mot``) are never taken."""
    for name in (f"{path.stem}.mot", f"{path.stem}_grf.mot", f"{path.stem}_forces.mot"):
        candidate = path.with_name(name)
        if candidate.is_file():
            return candidate
    try:
        mots = [p for p in path.parent.iterdir() if p.suffix.lower() == ".mot" and p.is_file()]
    except OSError:
        return None
    same = [m for m in mots if _trial_words(m.stem) == _trial_words(path.stem)]
    return same[0] if len(same) == 1 else None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n].lower() == b[n].lower():
        n += 1
    return n


def pair_in_folder(path: Path, statics: list[Path]) -> dict:
    """The GRF and static files of a trial found beside it, as names relative to its folder:
    ``grf`` by :func:`grf_beside` (TRC only), ``static`` the static-named file whose name shares
    the longest start with the trial's (the first in name order on a tie)."""
    grf = grf_beside(path) if path.suffix.lower() == ".trc" else None
    static = max(statics, key=lambda s: _common_prefix(s.stem, path.stem), default=None)
    return {"grf": grf.name if grf else "", "static": static.name if static else ""}
