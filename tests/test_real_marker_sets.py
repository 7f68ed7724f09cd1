"""Real recordings from other labs' marker sets, with their static trials (issue 12).

- RIC treadmill run (datasets/, CC BY 4.0): clusters only; every landmark comes from the static.
  Its data support pelvic drop, hip extension (absolute and vs standing), knee flexion, shank
  angle, overstride and foot-strike angle (from virtual heel/toe points of the foot cluster);
  not trunk lean (no trunk markers) nor loading rates or impulses (no force data).
- Dorn et al. (2012) sprint (unlicensed: read only from $GAITCORE_EXTRA_DATA, never copied):
  every factor.
Plausible ranges for running (docs/methods.md C and the cited literature) are written per test.
"""
import os
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import gaitcore
from gaitcore import datasets
from gaitcore.analysis import SPATIOTEMPORAL_FACTORS, STANCE_FACTORS
from gaitcore.markersets import resolve_landmarks

RIC_RUN, RIC_STATIC = "20141003T073938_run.c3d", "20141003T073938_static.c3d"
NO_TRUNK = {"trunk_lean_deg", "trunk_lean_ic_deg", "trunk_lean_midstance_deg"}
NO_FORCE = {"valr_bw_per_s", "vilr_bw_per_s", "braking_impulse_ns_per_kg", "propulsive_impulse_ns_per_kg"}


@pytest.fixture(scope="module")
def ric():
    run = gaitcore.read_trial(datasets.path(RIC_RUN))
    static = gaitcore.read_trial(datasets.path(RIC_STATIC))
    # events (issue 13) read foot points through the roles API; until then the virtual heel and
    # toe of the foot clusters are handed to detect_events under Plug-in-Gait names
    lm = resolve_landmarks(run, static=static)
    markers = dict(run.markers)
    for side in "LR":
        markers[f"{side}HEE"], markers[f"{side}TOE"] = lm.get("heel", side), lm.get("toe", side)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gaitcore.analyze_trial(replace(run, markers=markers), static=static)


def test_ric_factors_its_data_support(ric):
    f = ric.factors
    assert ric.provenance["marker_set"].startswith("ric (auto; 7 of 8 segments)")
    assert ric.provenance["model"]["pelvis"].startswith("standing frame of the static")
    assert f["n_stances"] >= 20
    for name in set(STANCE_FACTORS) - NO_TRUNK - NO_FORCE:
        assert np.isfinite(f[name]), name
    for name in NO_TRUNK:
        assert np.isnan(f[name]) and f"{name}: trunk lean needs C7" in f["flags"]
    for name in NO_FORCE:
        assert np.isnan(f[name]) and f"{name}: no force data" in f["flags"]
    # plausible treadmill running (Bramah 2018: CPD ~3-8 deg; hip extension 0-25 deg; knee flexion
    # at IC 5-30 deg and peak in stance 30-55 deg; overstride 0-350 mm; foot strike -20..30 deg)
    for side in "LR":
        assert 0 < f[f"pelvic_drop_deg_{side}"] < 10
        assert -5 < f[f"peak_hip_extension_deg_{side}"] < 25
        assert -5 < f[f"peak_hip_extension_vs_static_deg_{side}"] < 25
    assert 5 < f["knee_flexion_ic_deg"] < 30 and 30 < f["peak_knee_flexion_stance_deg"] < 55
    assert 0 < f["overstride_mm"] < 350 and -20 < f["foot_strike_angle_deg"] < 30
    assert -5 < f["shank_angle_ic_deg"] < 20


def test_ric_joint_angles_plausible(ric):
    for side in "LR":
        knee = ric.angles[f"{side}_knee"][:, 0]
        assert np.isfinite(knee).mean() > 0.99
        assert -10 < np.nanpercentile(knee, 1) < 25 and 60 < np.nanpercentile(knee, 99) < 130  # swing peak
        hip = ric.angles[f"{side}_hip"][:, 0]
        assert 20 < np.nanmax(hip) - np.nanmin(hip) < 80                                # hip range


EXTRA = os.environ.get("GAITCORE_EXTRA_DATA")


@pytest.mark.skipif(not EXTRA, reason="GAITCORE_EXTRA_DATA not set (Dorn 2012 sprint, unlicensed)")
def test_dorn_sprint_every_factor():
    folder = Path(EXTRA)
    run = next(folder.rglob("JA1Gait35.c3d"), None)
    static = next(folder.rglob("JA1Static05.c3d"), None)
    if run is None or static is None:
        pytest.skip("JA1Gait35.c3d / JA1Static05.c3d not under GAITCORE_EXTRA_DATA")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = gaitcore.analyze_trial(run, static=static)
    f = report.factors
    assert report.provenance["marker_set"].startswith("vicon-clusters")
    for name in [*SPATIOTEMPORAL_FACTORS, *STANCE_FACTORS]:
        assert np.isfinite(f[name]), (name, f["flags"])
    # a sprint at ~9 m/s: short contacts, high cadence, forward trunk, large hip extension
    assert 220 < f["cadence_steps_per_min"] < 300 and 80 < f["contact_time_ms"] < 160
    assert 4 < f["trunk_lean_deg"] < 20
    assert 10 < f["peak_hip_extension_deg_L"] < 35 and 10 < f["peak_hip_extension_deg_R"] < 35
    assert 50 < f["valr_bw_per_s"] < 250 and f["braking_impulse_ns_per_kg"] < 0 < f["propulsive_impulse_ns_per_kg"]
    # skin-mounted thigh clusters deform in the sprint (measured 2.9/2.8 deg orientation uncertainty L/R,
    # 4.6/4.2 mm fit RMS), the 3-marker shank clusters less (2.2/2.3 deg); the foot cluster bends (9 deg)
    clusters = report.quality["clusters"]
    for side in "LR":
        thigh, shank = clusters[f"thigh_{side}"], clusters[f"shank_{side}"]
        assert thigh["deforms"] and shank["orientation_uncertainty_deg"] < thigh["orientation_uncertainty_deg"]
        assert 2 < thigh["fit_rms_mm_median"] < 8


def plate_events(trial, threshold_n=20.0):
    """IC/TO of each plate's loaded intervals, the side from the foot centre nearest the COP."""
    lm = resolve_landmarks(trial)
    rows = []
    for plate in trial.plates:
        on = np.flatnonzero(plate.fz > threshold_n)
        if on.size < 2:
            continue
        mid = on[on.size // 2]
        k = min(int(round(mid / plate.rate * trial.marker_rate)), trial.n_frames - 1)
        side = min("LR", key=lambda s: np.linalg.norm((lm.get("foot_centre", s)[k] - plate.cop[mid])[:2]))
        rows += [(side, "IC", on[0] / plate.rate), (side, "TO", on[-1] / plate.rate)]
    import pandas as pd
    return pd.DataFrame(rows, columns=["side", "event", "time_s"])


def test_running_0002_every_factor_its_one_stance_supports():
    """Qualisys running set, one stance on plate 1, no static, no body mass in the file: every
    kinematic metric of that stance; the force metrics with a body mass given; the static-
    referenced ones cannot be (no static trial)."""
    trial = gaitcore.read_trial(datasets.path("Running_0002.c3d"))
    events = plate_events(trial)
    assert len(events) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = gaitcore.stance_factors(trial, events)
        with_mass = gaitcore.stance_factors(trial, events, body_mass_kg=70.0)
    row = table.iloc[0]
    static_only = {"cpd_peak_vs_static_deg", "peak_hip_extension_vs_static_deg", "trunk_lean_mean_vs_static_deg"}
    from gaitcore.factors import KINEMATIC, KINETIC
    for col in set(KINEMATIC) - static_only:
        assert np.isfinite(row[col]), col
    assert all(np.isnan(row[c]) for c in KINETIC) and "no body mass" in row["reason"]
    assert all(np.isfinite(with_mass.iloc[0][c]) for c in KINETIC)
    # plausible for running at ~3.1 m/s
    assert 0.2 < row["contact_time_s"] < 0.35 and 0 < row["trunk_lean_mean_deg"] < 20
    assert -5 < row["cpd_peak_deg"] < 12 and 0 < row["peak_knee_flexion_stance_deg"] < 60
    assert 0 < row["overstride_mm"] < 350
