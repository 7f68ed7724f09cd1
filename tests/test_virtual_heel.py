"""The virtual heel of a cluster-only foot (gaitcore.markersets.estimated_heel) against real heel
markers: the heel marker's position relative to the ankle centre of a standing foot, on every
real recording that has both (docs/methods.md B).

Feet (heel marker minus ankle centre; behind = along the subject's forward direction):
- Rajagopal static (datasets/, TRC): CAL heel, malleoli L/R; ankle centre = mid-malleoli.
- pyCGM's Vicon Nexus static (datasets/, CSV extract): HEE; ankle centre = Nexus's own (tibia origin).
- walk.c3d (CGM2.1 walk): HEE vs the stored LAJC/RAJC, median over foot-flat frames.
- Running_0002.c3d: HEE vs the lateral malleolus (no medial one), median over the right foot's
  foot-flat frames, moved to mid-malleoli by the lateral malleolus' mean offset behind the
  mid-malleoli on the statics that have both (Rajagopal, RIC: 8 mm).
- Dorn's static (unlicensed, only via $GAITCORE_EXTRA_DATA): malleoli L/R.
Measured (mm, behind / below): Rajagopal 80.4/30.2, 80.3/27.5; pyCGM 36.6/34.7 (left foot turned
out 29 deg), 69.9/37.8; walk 59.0/36.0, 60.4/38.5; Running_0002 R 72.5/39.9; Dorn 73.3/46.7,
75.7/48.6. Mean of the 9 feet 67.6/37.8 (the rule: 68/38); leave-one-subject-out RMS error
15.5 mm behind (max 35.1, pyCGM left), 8.3 below; scaled by leg length 14.6 (max 38.7): no better.
Without Dorn (4 subjects, each predicted from 3) the leave-one-subject-out RMS is 17.8 mm.
Limits: each foot within 35 mm behind and 15 mm below (the largest leave-one-out errors), RMS
within VIRTUAL_HEEL_UNCERTAINTY_MM (16 mm) behind and 9 mm below; leave-one-out RMS 15.5 mm with
Dorn, <= 18 mm without.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from test_pig_static import PYCGM_STATIC, read_vicon_csv

import gaitcore
from gaitcore import datasets
from gaitcore.markersets import (VIRTUAL_HEEL_BEHIND_MM, VIRTUAL_HEEL_BELOW_MM, VIRTUAL_HEEL_UNCERTAINTY_MM,
                                 estimated_heel, resolve_landmarks, static_forward)

UP = np.array([0.0, 0.0, 1.0])
EXTRA = os.environ.get("GAITCORE_EXTRA_DATA")
FOOT_FLAT_MM_PER_S = {"walk.c3d": 150.0, "Running_0002.c3d": 300.0}  # heel and toe both slower


def _horizontal(v):
    v = v - (v @ UP) * UP
    return v / np.linalg.norm(v)


def _offset(heel, centre, forward):
    """(behind, below) mm of the heel marker from the ankle centre."""
    d = np.asarray(heel) - np.asarray(centre)
    return float(-(d @ forward)), float(-(d @ UP))


def _static_feet(static, centre_of=None):
    """{side: (behind, below)} of a standing trial, and the lateral malleolus' offset ahead of the
    ankle centre (mm, per side)."""
    lm = resolve_landmarks(static, static=static)
    forward = static_forward(lm)
    out, lateral = {}, {}
    for side in "LR":
        lat, med = lm.static_point("ankle_lat", side), lm.static_point("ankle_med", side)
        centre = centre_of(side) if centre_of else 0.5 * (lat + med)
        out[side] = _offset(lm.static_point("heel", side), centre, forward)
        lateral[side] = float((lat - centre) @ forward) if med is not None else np.nan
    return out, lateral


def _foot_flat(trial, name, ankle, lateral_ahead_mm=0.0):
    """{side: (behind, below)}: medians over the frames where heel and toe are both still."""
    m, rate = trial.markers, trial.marker_rate
    forward = _horizontal(np.nanmean(np.diff(0.5 * (m["LASI"] + m["RASI"]), axis=0), axis=0))
    out = {}
    for side in "LR":
        heel, toe = m[f"{side}HEE"], m[f"{side}TOE"] if f"{side}TOE" in m else m[f"{side}MT1"]
        still = [np.linalg.norm(np.gradient(x, axis=0), axis=1) * rate < FOOT_FLAT_MM_PER_S[name]
                 for x in (heel, toe)]
        flat = still[0] & still[1]
        if flat.sum() < 5:
            continue
        centre = ankle(m, side)[flat] - lateral_ahead_mm * forward
        behind, below = zip(*(_offset(h, c, forward) for h, c in zip(heel[flat], centre)))
        out[side] = (float(np.median(behind)), float(np.median(below)))
    return out


@pytest.fixture(scope="module")
def feet():
    """{(subject, side): (behind, below)} of every real foot available."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rajagopal, lat_raj = _static_feet(gaitcore.read_trial(datasets.path("Rajagopal_static_run.trc")))
        ric = gaitcore.read_trial(datasets.path("20141003T073938_static.c3d"))
        lm = resolve_landmarks(ric, static=ric)
        lat_ric = [float((lm.static_point("ankle_lat", s) - 0.5 * (lm.static_point("ankle_lat", s) +
                          lm.static_point("ankle_med", s))) @ static_forward(lm)) for s in "LR"]
        lateral_ahead = float(np.mean([*lat_raj.values(), *lat_ric]))
        rate, columns = read_vicon_csv(datasets.path(PYCGM_STATIC))
        pycgm = gaitcore.Trial(markers={k: v for k, v in columns.items() if v.shape[1] == 3 and "Angle" not in k},
                               marker_rate=rate)
        nexus, _ = _static_feet(pycgm, centre_of=lambda side: np.nanmean(columns[f"{side}TIO"], axis=0))
        walk = _foot_flat(gaitcore.read_trial(datasets.path("walk.c3d")), "walk.c3d", lambda m, s: m[f"{s}AJC"])
        running = _foot_flat(gaitcore.read_trial(datasets.path("Running_0002.c3d")), "Running_0002.c3d",
                             lambda m, s: m[f"{s}ANK"], lateral_ahead)
        by_subject = {"rajagopal": rajagopal, "pycgm": nexus, "walk": walk, "running_0002": running}
        if EXTRA and (Path(EXTRA) / "JA1Static05.c3d").exists():
            by_subject["dorn"] = _static_feet(gaitcore.read_trial(Path(EXTRA) / "JA1Static05.c3d"))[0]
    assert -12 < lateral_ahead < -4  # the lateral malleolus lies behind the medial one
    return {(subject, side): v for subject, sides in by_subject.items() for side, v in sides.items()}


def test_every_available_foot_measured(feet):
    expected = {("rajagopal", "L"), ("rajagopal", "R"), ("pycgm", "L"), ("pycgm", "R"), ("walk", "L"),
                ("walk", "R"), ("running_0002", "R")}
    assert expected <= set(feet)
    assert feet[("rajagopal", "L")] == pytest.approx((80.4, 30.2), abs=0.1)
    assert feet[("walk", "R")] == pytest.approx((60.4, 38.5), abs=0.1)


def test_rule_within_its_stated_uncertainty(feet):
    behind = np.array([v[0] for v in feet.values()]) - VIRTUAL_HEEL_BEHIND_MM
    below = np.array([v[1] for v in feet.values()]) - VIRTUAL_HEEL_BELOW_MM
    assert np.abs(behind).max() <= 35.0 and np.abs(below).max() <= 15.0
    assert np.sqrt(np.mean(behind ** 2)) <= VIRTUAL_HEEL_UNCERTAINTY_MM
    assert np.sqrt(np.mean(below ** 2)) <= 9.0


def test_leave_one_subject_out_error_is_the_stated_uncertainty(feet):
    """Each subject's feet predicted by the mean of the other subjects' feet."""
    errors = []
    for subject in {s for s, _ in feet}:
        others = [v[0] for (s, _), v in feet.items() if s != subject]
        errors += [v[0] - np.mean(others) for (s, _), v in feet.items() if s == subject]
    rms = np.sqrt(np.mean(np.square(errors)))
    if len({s for s, _ in feet}) == 5:  # with Dorn: the measured numbers the rule was set from
        assert rms == pytest.approx(15.5, abs=0.2) and rms <= VIRTUAL_HEEL_UNCERTAINTY_MM
        assert np.mean([v[0] for v in feet.values()]) == pytest.approx(VIRTUAL_HEEL_BEHIND_MM, abs=0.5)
    else:  # 4 subjects, each predicted from 3: measured 17.8 mm
        assert rms <= 18.0


def test_ric_static_virtual_heel_is_the_rule():
    """In the static the carriage is the identity: the virtual heel is exactly the rule's point."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        static = gaitcore.read_trial(datasets.path("20141003T073938_static.c3d"))
        run = gaitcore.read_trial(datasets.path("20141003T073938_run.c3d"))
    lm = resolve_landmarks(static, static=static)
    forward = static_forward(lm)
    for side in "LR":
        centre = 0.5 * (lm.static_point("ankle_lat", side) + lm.static_point("ankle_med", side))
        np.testing.assert_allclose(lm.get("heel", side)[0], estimated_heel(centre, forward), atol=1e-6)
        assert lm.source("heel", side).startswith("virtual heel (estimated, +-16 mm)")
        assert resolve_landmarks(run, static=static).source("heel", side).startswith("virtual heel (estimated")
