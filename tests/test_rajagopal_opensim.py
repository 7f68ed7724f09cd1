"""Rajagopal treadmill run: gaitcore's joint angles against OpenSim's own inverse kinematics of it.

Reference: ``datasets/Rajagopal_ik_run.mot``, OpenSim's IK of ``Rajagopal_motion_capture_run.trc``
(opensim-models, an extract: see datasets/README.md).  OpenSim fits one scaled whole-body model
to all markers at once (weighted least squares; its own marker errors are 11-18 mm RMS per frame
and up to 55 mm, ``run_ik_marker_errors.sto``), gaitcore builds each segment from its landmarks,
the knee and ankle ones carried from the static trial by a least-squares rigid fit of each
cluster (CAST).  The two models draw the segment axes differently, so each angle differs by a
constant offset (measured: knee -3.9/-2.7 deg L/R, hip +2.4/+4.4, ankle -9.5/-9.4): the shapes
are compared with that offset removed, and the offsets must agree between the sides (the axes
are defined alike on both, so a side-specific offset is a carriage error).

Tolerances: 15 mm of marker error over a ~400 mm segment is ~2 deg, the resolution of the
reference; 2.5 deg for knee and hip, 3.5 deg for the ankle (OpenSim's foot is its calcaneus
frame with the subtalar joint locked, gaitcore's the ankle-centre-to-toe line).  Measured with
the least-squares fit: knee 2.1/2.0 deg RMS L/R, hip 1.3/2.1, ankle 2.6/2.7, knee offsets 1.2 deg
apart, hip 2.0; with the 3-marker frame (origin at cluster marker 1) that carried the landmarks
before, knee 2.4/3.5, hip 1.7/2.6, ankle 2.8/4.1, offsets 6.6 and 5.2 deg apart: it fails.
"""
import warnings

import numpy as np
import pytest

import gaitcore
from gaitcore import datasets
from gaitcore.kinematics import build_model

TOLERANCE_DEG = {"knee": 2.5, "hip": 2.5, "ankle": 3.5}
IK_COLUMN = {"knee": "knee_angle_{s}", "hip": "hip_flexion_{s}", "ankle": "ankle_angle_{s}"}


@pytest.fixture(scope="module")
def run():
    return gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
                               grf=datasets.path("Rajagopal_grf_run.mot"))


@pytest.fixture(scope="module")
def static():
    return gaitcore.read_trial(datasets.path("Rajagopal_static_run.trc"))


@pytest.fixture(scope="module")
def ik():
    return gaitcore.read_trial(datasets.path("Rajagopal_ik_run.mot"))


@pytest.fixture(scope="module")
def model(run, static):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_model(run, static=static)


def _pair(model, ik, joint, side):
    """gaitcore's and OpenSim's flexion (deg) over the IK's frames (frame i of both = TRC frame i)."""
    ref = ik.analogs[IK_COLUMN[joint].format(s=side.lower())]
    return model.angles[f"{side}_{joint}"][: len(ref), 0], ref


def _offset(model, ik, joint, side):
    ours, ref = _pair(model, ik, joint, side)
    return float(np.nanmedian(ours - ref))


def test_reference_shares_the_trial_time_base(run, ik, model):
    assert ik.metadata["first_time_s"] == pytest.approx(run.metadata["first_time_s"])
    assert ik.analog_rate == run.marker_rate and len(ik.analogs["knee_angle_r"]) <= run.n_frames
    for side in "LR":
        ours, ref = _pair(model, ik, "knee", side)

        def correlation(lag):
            a, b = (ours[lag:], ref[: len(ref) - lag]) if lag >= 0 else (ours[:lag], ref[-lag:])
            return np.corrcoef(a, b)[0, 1]
        assert correlation(0) > 0.99
        assert correlation(0) > max(correlation(-1), correlation(1))   # no frame shift


@pytest.mark.parametrize("joint", sorted(TOLERANCE_DEG))
@pytest.mark.parametrize("side", ["L", "R"])
def test_flexion_shape_matches_opensim(model, ik, joint, side):
    ours, ref = _pair(model, ik, joint, side)
    diff = ours - ref
    assert np.isfinite(diff).all()
    rms = np.sqrt(np.mean((diff - np.median(diff)) ** 2))
    assert rms <= TOLERANCE_DEG[joint], (joint, side, rms)


@pytest.mark.parametrize("joint", ["knee", "hip"])
def test_offsets_agree_between_sides(model, ik, joint):
    gap = abs(_offset(model, ik, joint, "R") - _offset(model, ik, joint, "L"))
    assert gap <= 2.5, (joint, gap)


def test_stance_events_match_opensim(run, static, ik, model):
    """Knee flexion at initial contact and peak hip extension of each stance the reference covers,
    offset removed: within 2 deg (measured: knee -0.2/0.9 deg L/R mean, hip 1.4/0.7; the 3-marker
    frame put the right knee 3.7 deg too flexed at contact)."""
    stances = gaitcore.analyze_trial(run, static=static).stances
    n = len(ik.analogs["knee_angle_r"])
    for side in "LR":
        knee_ours, knee_ref = _pair(model, ik, "knee", side)
        hip_ours, hip_ref = _pair(model, ik, "hip", side)
        knee_off, hip_off = _offset(model, ik, "knee", side), _offset(model, ik, "hip", side)
        knee, hip = [], []
        for _, st in stances[stances["side"] == side].iterrows():
            ic, to = int(round(st.ic_s * run.marker_rate)), int(round(st.to_s * run.marker_rate))
            if to >= n:
                continue
            knee.append(knee_ours[ic] - knee_off - knee_ref[ic])
            hip.append(np.min(hip_ref[ic:to + 1]) - np.min(hip_ours[ic:to + 1] - hip_off))
        assert len(knee) >= 6
        assert abs(np.mean(knee)) <= 2.0 and abs(np.mean(hip)) <= 2.0, (side, np.mean(knee), np.mean(hip))


def test_rajagopal_carriage_factors_pinned(run, static):
    """Issue 12 asked that the least-squares cluster fit change no factor beyond 0.1 deg (trunk
    lean apart).  It could not: the 3-marker frame it replaced put the right knee landmarks 23 mm
    off (median; the right thigh cluster shrinks from 167 to 147-161 mm between RTH1 and RTH2 in
    the run) and gave 15.13 deg knee flexion at contact, 8.73 shank angle, -1.73/3.33 peak hip
    extension R/L, 9.18 R vs static, 41.79 peak knee flexion; against OpenSim's IK above those
    were the wrong ones.  These are the least-squares values, pinned to 0.1 deg."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        factors = gaitcore.analyze_trial(run, static=static).factors
    pinned = {"knee_flexion_ic_deg": 12.28, "shank_angle_ic_deg": 10.10, "peak_hip_extension_deg_L": 3.40,
              "peak_hip_extension_deg_R": 2.62, "peak_hip_extension_vs_static_deg_L": 14.69,
              "peak_hip_extension_vs_static_deg_R": 13.53, "peak_knee_flexion_stance_deg": 41.25}
    for name, value in pinned.items():
        assert factors[name] == pytest.approx(value, abs=0.1), name
