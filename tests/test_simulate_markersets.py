"""The same simulated runner written in every preset marker set, with its static trial
(gaitcore.simulate.simulate_marker_set), gives the same factors and joint angles as the
runner in its own (OpenSim/Rajagopal) names -- the simulated truth -- with and without 0.5 mm
of marker noise and with 10 % of the frames of one thigh-cluster marker dropped.

Tolerances: 0.5 deg for every angle metric per stance and 1 mm for overstride (issue 12);
joint-angle curves within 0.5 deg RMS.  Stances whose inputs were gap-filled at IC or TO are
rejected by design (docs/methods.md E), so the per-stance comparison covers the stances both
analyses kept, and at least half of the truth's must be kept (with 10 % of one marker's frames
hidden at random, 9 of 14 stances keep their leg metrics)."""
import warnings

import numpy as np
import pytest

import gaitcore
from gaitcore.factors import CPD, KINEMATIC, KINETIC, KNEE
from gaitcore.markersets import PRESETS
from gaitcore.simulate import simulate_marker_set

LANDMARK_SETS = [p for p in PRESETS if p != "ric"]
TOLERANCE = {"overstride_mm": 1.0, "overstride_pct_leg_length": 0.2}  # mm, % of leg length; others deg
CONDITIONS = {"clean": {}, "noise+drop": {"noise_mm": 0.5, "drop_share": 0.1}}
ANGLES = ["pelvis", "L_hip", "R_hip", "L_knee", "R_knee", "L_ankle", "R_ankle", "trunk_lean"]


def analyse(preset, **kw):
    trial, static, truth = simulate_marker_set(preset, seed=3, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gaitcore.analyze_trial(trial, static=static)


@pytest.fixture(scope="module")
def truth():
    return analyse("opensim")


def rms(a, b):
    d = np.asarray(a, float) - np.asarray(b, float)
    return float(np.sqrt(np.nanmean(d ** 2)))


def compare_stances(truth, report, columns, tolerance=0.5):
    a, b = truth.stances, report.stances
    assert list(a["ic_s"]) == list(b["ic_s"])            # events from the same forces
    for col in columns:
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        both = np.isfinite(x) & np.isfinite(y)
        assert both.sum() >= 0.5 * np.isfinite(x).sum() and both.any(), col
        worst = np.abs(x[both] - y[both]).max()
        assert worst <= TOLERANCE.get(col, tolerance), (col, worst)


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("preset", LANDMARK_SETS)
def test_every_preset_gives_the_simulated_truth(truth, preset, condition):
    report = analyse(preset, **CONDITIONS[condition])
    assert report.provenance["marker_set"].startswith(f"{preset} (auto; 8 of 8 segments)")
    compare_stances(truth, report, KINEMATIC + KINETIC)
    for key in ANGLES:
        assert rms(truth.angles[key], report.angles[key]) <= 0.5, key


@pytest.mark.parametrize("condition", CONDITIONS)
def test_cluster_only_set_gives_what_its_markers_support(truth, condition):
    """RIC-style: clusters only, landmarks in the static.  Knee angles, hip extension relative
    to standing and the force metrics equal the truth within 1 deg, pelvic drop within 1.5 deg:
    the hip centres and the pelvis come from the trochanters carried by the four pelvis markers,
    which in the real base trial are far from rigid (inter-ASIS distance 234-294 mm over the
    run); the rigid fit averages that, the truth follows the ASIS of each frame.  The pelvis is a standing frame (tilt 0 in the static), so
    absolute hip flexion is offset by the static pelvic tilt; no trunk markers: no trunk lean;
    overstride uses a virtual heel below the ankle centre and is not compared."""
    report = analyse("ric", **CONDITIONS[condition])
    assert report.provenance["marker_set"].startswith("ric (auto; 7 of 8 segments)")
    compare_stances(truth, report, KNEE + ("peak_hip_extension_vs_static_deg",) + KINETIC, tolerance=1.0)
    compare_stances(truth, report, CPD[:1], tolerance=1.5)
    assert np.isnan(report.factors["trunk_lean_deg"]) and "trunk_lean_deg" in report.factors["flags"]
    for key in ("L_knee", "R_knee"):
        assert rms(truth.angles[key][:, 0], report.angles[key][:, 0]) <= 1.0, key
    for key in ("L_hip", "R_hip"):  # flexion: the same curve shifted by the standing pelvic tilt
        shift = truth.angles[key][:, 0] - report.angles[key][:, 0]
        assert np.nanstd(shift) <= 1.0, key
