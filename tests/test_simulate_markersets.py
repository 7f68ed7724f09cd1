"""The same simulated runner written in every preset marker set, with its static trial
(gaitcore.simulate.simulate_marker_set), gives the same factors and joint angles as the
runner in its own (OpenSim/Rajagopal) names -- the simulated truth -- in four conditions:
clean, 0.5 mm of marker noise, 10 % of the frames of one thigh marker dropped (a cluster
marker; plug-in-gait, without a thigh cluster, its knee marker), and both.  The generator
makes every segment rigid (the static's shape fitted to each frame), so every preset,
however it carries its landmarks, describes the same rigid-body motion as the truth; the
base trial has no sternum or T10, so it adds them fixed in the thorax.  Seeded: deterministic.

Tolerances (issue 12): 0.5 deg for every angle metric per stance, 1 mm for overstride (0.2 %
of leg length).  Joint-angle curves, every component of every angle joint_angles returns
(thorax included) over the whole record: within 0.5 deg RMS in every condition; clean, within
CLEAN_FRAME_DEG in every frame: a landmark the preset records as a marker is low-passed as a
point, the truth carries the same landmark by its low-passed cluster, and the two differ
where the segment turns fast (plug-in-gait: up to 0.62 deg in the ankle, 0.21 in the knee at
10 Hz; 0.10 at 20 Hz; 0 without the filter).  With noise or dropped frames no per-frame bound
of 0.5 deg holds (thigh axial rotation from a knee marker ~50 mm off the thigh axis: ~0.25
deg SD after the 10 Hz filter, ~1 deg extremes over 510 frames; spline-filled frames of a
3-marker cluster up to 1 deg), so those curves are held to the RMS.  Stances whose inputs
were gap-filled at IC or TO are rejected by design (docs/methods.md E), so the per-stance
comparison covers the stances both analyses kept, and at least half of the truth's must be
kept (9 of 14 with a 3-marker thigh cluster or a knee marker hidden in 10 % of frames)."""
import warnings
from dataclasses import replace

import numpy as np
import pytest

import gaitcore
from gaitcore._sampling import sample_at
from gaitcore.factors import CPD, HIP, KINEMATIC, KINETIC, KNEE, stance_factors
from gaitcore.kinematics import build_model
from gaitcore.markersets import PRESETS, load_marker_set
from gaitcore.simulate import simulate_marker_set

LANDMARK_SETS = [p for p in PRESETS if p != "ric"]
TOLERANCE = {"overstride_mm": 1.0, "overstride_pct_leg_length": 0.2}  # mm, % of leg length; others deg
CONDITIONS = {"clean": {}, "noise": {"noise_mm": 0.5}, "drop": {"drop_share": 0.1},
              "noise+drop": {"noise_mm": 0.5, "drop_share": 0.1}}
CURVE_RMS_DEG = 0.5
CLEAN_FRAME_DEG = 0.65
CUTOFF_HZ = 10.0  # analyze_trial's default


def simulate(preset, **kw):
    return simulate_marker_set(preset, seed=3, **kw)


def analyse(trial, static):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gaitcore.analyze_trial(trial, static=static)


@pytest.fixture(scope="module")
def truth_trials():
    trial, static, _ = simulate("opensim")
    return trial, static


@pytest.fixture(scope="module")
def truth(truth_trials):
    return analyse(*truth_trials)


def compare_stances(a, b, columns, tolerance=0.5):
    assert list(a["ic_s"]) == list(b["ic_s"])            # events from the same forces
    for col in columns:
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        both = np.isfinite(x) & np.isfinite(y)
        assert both.sum() >= 0.5 * np.isfinite(x).sum() and both.any(), col
        worst = np.abs(x[both] - y[both]).max()
        assert worst <= TOLERANCE.get(col, tolerance), (col, worst)


def compare_curves(truth_angles, angles, keys, clean):
    for key in keys:
        d = np.asarray(truth_angles[key], float) - np.asarray(angles[key], float)
        d = d.reshape(len(d), -1)
        assert np.isfinite(d).all(axis=1).mean() >= 0.9, key           # dropped frames gap-filled
        rms = np.sqrt(np.nanmean(d ** 2, axis=0))
        assert (rms <= CURVE_RMS_DEG).all(), (key, rms)
        if clean:
            assert np.nanmax(np.abs(d)) <= CLEAN_FRAME_DEG, (key, np.nanmax(np.abs(d), axis=0))


def test_truth_has_every_joint_angle(truth):
    assert all(np.isfinite(v).all() for v in truth.angles.values())


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("preset", LANDMARK_SETS)
def test_every_preset_gives_the_simulated_truth(truth, preset, condition):
    report = analyse(*simulate(preset, **CONDITIONS[condition])[:2])
    assert report.provenance["marker_set"].startswith(f"{preset} (auto; 8 of 8 segments)")
    compare_stances(truth.stances, report.stances, KINEMATIC + KINETIC)
    compare_curves(truth.angles, report.angles, list(truth.angles), condition == "clean")


# ---- the cluster-only (RIC-style) set ------------------------------------------------------

def standing_angles(static):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        angles = gaitcore.joint_angles(static, static=static, cutoff_hz=None, max_gap_s=0, progression="lab_axis")
    return {k: np.mean(v, axis=0) for k, v in angles.items() if k != "thorax"}


def relative_to_standing(angles, static, keys):
    stand = standing_angles(static)
    return {k: angles[k] - stand[k] for k in keys}


@pytest.fixture(scope="module")
def truth_in_cluster_definitions(truth_trials, truth):
    """The truth with the cluster-only set's own foot and pelvis points: the virtual heel and
    toe (defined in the static below the ankle centre, carried by the foot markers) instead
    of the heel and toe markers, and the mid hip centre (= mid-trochanter of the cluster set)
    instead of the ASIS/PSIS pelvis centre.  Returns (stance table, ankle angles)."""
    trial, static = truth_trials
    ms = load_marker_set("opensim")
    no_foot_points = replace(ms, segments={**ms.segments, "foot": replace(ms.segments["foot"], landmarks={})})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km = build_model(trial, static=static, cutoff_hz=CUTOFF_HZ, marker_set=no_foot_points)
        table = stance_factors(trial, truth.events, static=static, kinematic_model=km, cutoff_hz=CUTOFF_HZ,
                               marker_set=no_foot_points)
    assert km.landmarks.source("heel", "L").startswith("virtual")
    mid_hjc = 0.5 * (km.hjc["L"] + km.hjc["R"])
    for side in ("L", "R"):
        rows = table["side"] == side
        ic = table.loc[rows, "ic_s"].to_numpy(float)
        heel = sample_at(km.landmarks.get("heel", side), km.rate, ic)
        over = (heel - sample_at(mid_hjc, km.rate, ic)) @ km.progression[:, 0]
        table.loc[rows, "overstride_mm"] = np.where(np.isfinite(table.loc[rows, "overstride_mm"]), over, np.nan)
    return table, {k: km.angles[k] for k in ("L_ankle", "R_ankle")}


@pytest.mark.parametrize("condition", CONDITIONS)
def test_cluster_only_set_gives_the_simulated_truth(truth_trials, truth, truth_in_cluster_definitions, condition):
    """RIC-style: clusters only, landmarks in the static.  Every factor its markers support
    equals the truth within the issue's 0.5 deg / 1 mm: knee, pelvic drop, hip extension
    relative to standing and the force metrics directly; hip extension and pelvic tilt less the
    standing pelvic tilt (the cluster set's pelvis is a standing frame, tilt 0 in the static);
    overstride and foot-strike angle against the truth's virtual heel and toe and mid hip centre
    (the points the cluster set has).  No trunk markers: no trunk lean."""
    trial, static, _ = simulate("ric", **CONDITIONS[condition])
    report = analyse(trial, static)
    assert report.provenance["marker_set"].startswith("ric (auto; 7 of 8 segments)")
    assert np.isnan(report.factors["trunk_lean_deg"]) and "trunk_lean_deg" in report.factors["flags"]
    assert np.isnan(report.angles["thorax"]).all()
    compare_stances(truth.stances, report.stances, CPD + KNEE + KINETIC)
    tilt = standing_angles(truth_trials[1])["pelvis"][0] - standing_angles(static)["pelvis"][0]
    shifted = report.stances.copy()
    for col, sign in (("peak_hip_extension_deg", -1), ("hip_extension_to_deg", -1),
                      ("pelvic_tilt_at_peak_hip_ext_deg", 1)):
        shifted[col] = report.stances[col] + sign * tilt
    compare_stances(truth.stances, shifted, HIP)  # thigh extension and hip extension vs static: unshifted
    table, ankle = truth_in_cluster_definitions
    compare_stances(table, report.stances, ("overstride_mm", "foot_strike_angle_deg"))
    clean = condition == "clean"
    compare_curves(truth.angles, report.angles, ("L_knee", "R_knee"), clean)
    compare_curves(ankle, report.angles, ("L_ankle", "R_ankle"), clean)
    keys = ("pelvis", "L_hip", "R_hip")
    compare_curves(relative_to_standing(truth.angles, truth_trials[1], keys),
                   relative_to_standing(report.angles, static, keys), keys, clean)


def test_cluster_only_pelvic_drop_is_relative_to_the_static_trochanter_line(truth):
    """The standing pelvis frame's medio-lateral axis is the static trochanter line: lowering
    one static trochanter marker by 20.4 mm (the real RIC static: R_hip 20.4 mm below L_hip
    over 366 mm) tilts it by about 3.2 deg, which the raw pelvic drop of every stance inherits
    (+ on one side, - on the other) while the drop relative to standing stays the truth's
    (within 0.05 deg)."""
    def elevation_deg(v):
        return np.degrees(np.arcsin(v[2] / np.linalg.norm(v)))

    trial, static, _ = simulate("ric")
    lowered = 20.4 * np.eye(3)[2]
    markers = {**static.markers, "R_hip": static.markers["R_hip"] - lowered}
    line = static.markers["R_hip"].mean(axis=0) - static.markers["L_hip"].mean(axis=0)
    tilt = elevation_deg(line) - elevation_deg(line - lowered)
    report = analyse(trial, replace(static, markers=markers))
    a, b = truth.stances, report.stances
    for side, sign in (("L", 1), ("R", -1)):
        rows = a["side"] == side
        np.testing.assert_allclose(b.loc[rows, "cpd_peak_deg"] - a.loc[rows, "cpd_peak_deg"], sign * tilt, atol=0.05)
        np.testing.assert_allclose(b.loc[rows, "cpd_peak_vs_static_deg"], a.loc[rows, "cpd_peak_vs_static_deg"],
                                   atol=0.05)
    assert 3.0 < tilt < 3.4


def test_generator_segments_are_rigid(truth_trials):
    """The base trial's inter-ASIS distance spans 234-294 mm over the run; the generator's is
    constant and the static's (the static's mean of its rigidly swaying frames: within 0.01 mm)."""
    trial, static = truth_trials
    for segment in (("LASI", "RASI", "LPSI", "RPSI"), ("LTH1", "LTH2", "LTH3"), ("RHEE", "RTOE", "RMT5")):
        for a, b in zip(segment, segment[1:]):
            run = np.linalg.norm(trial.markers[a] - trial.markers[b], axis=1)
            stand = np.linalg.norm(static.markers[a] - static.markers[b], axis=1)
            assert np.ptp(run) < 1e-6 and abs(run[0] - stand.mean()) < 0.01, (a, b)


PLANTED = {"cadence_scale": 1.05, "pelvic_drop_deg": 2.0, "trunk_lean_deg": -3.0, "hip_extension_deg": -4.0,
           "leg_pitch_deg": 2.0, "knee_flexion_deg": 4.0}


@pytest.mark.parametrize("preset", ["plug-in-gait", "cast", "ric"])
def test_planted_runner_in_another_set(preset):
    """A runner with every planted change, noisy and with a hidden marker, in landmark sets and
    the cluster-only set: the factors both support equal the planted truth's within 0.5 deg / 1 mm.
    (plug-in-gait at seed 5 caught the pelvic tilt at peak hip extension sampled at the lowest
    frame of a flat minimum: 0.58 deg off when noise moved it one frame; now refined between frames.)"""
    truth = analyse(*simulate_marker_set("opensim", seed=5, **PLANTED)[:2])
    report = analyse(*simulate_marker_set(preset, seed=5, noise_mm=0.5, drop_share=0.1, **PLANTED)[:2])
    columns = KINEMATIC + KINETIC if preset != "ric" else CPD + KNEE + ("peak_hip_extension_vs_static_deg",) + KINETIC
    compare_stances(truth.stances, report.stances, columns)
