"""analyze_trial on every bundled trial: it finishes, and every factor is finite or NaN with a flag."""
import numpy as np
import pandas as pd
import pytest

import gaitcore
from gaitcore import datasets
from gaitcore.analysis import SPATIOTEMPORAL_FACTORS, STANCE_FACTORS

RAJAGOPAL = dict(grf=datasets.path("Rajagopal_grf_run.mot"), static=datasets.path("Rajagopal_static_run.trc"))
TRIALS = {
    "walk.c3d": {},
    "walking2.c3d": {},
    "Running_0002.c3d": {},
    "Rajagopal_motion_capture_run.trc": RAJAGOPAL,
    "20141003T073938_run.c3d": {"static": datasets.path("20141003T073938_static.c3d")},
}
FACTORS = ["cadence_steps_per_min", "cadence_spectral_steps_per_min", *SPATIOTEMPORAL_FACTORS, *STANCE_FACTORS]


@pytest.fixture(scope="module")
def reports():
    return {name: gaitcore.analyze_trial(datasets.path(name), **opts) for name, opts in TRIALS.items()}


def test_every_bundled_trial_covered():
    trials = {n for n in datasets.list() if n.endswith((".c3d", ".trc")) and "static" not in n}
    assert trials == set(TRIALS)


@pytest.mark.parametrize("name", sorted(TRIALS))
def test_factors_finite_or_flagged(reports, name):
    factors = reports[name].factors
    assert list(factors.index[: len(FACTORS)]) == FACTORS
    flagged = {item.split(":")[0] for item in factors["flags"].split("; ") if item}
    for metric in FACTORS:
        assert np.isfinite(factors[metric]) != (metric in flagged), (name, metric, factors[metric])


def test_rajagopal_profile(reports):
    f = reports["Rajagopal_motion_capture_run.trc"].factors
    assert f["cadence_steps_per_min"] == pytest.approx(174.3, abs=0.5)       # counted from the plates
    assert f["cadence_spectral_steps_per_min"] == pytest.approx(f["cadence_steps_per_min"], abs=1.0)
    assert 230 <= f["contact_time_ms"] <= 260
    assert 0.30 <= f["duty_factor"] <= 0.42                                    # docs/methods.md A: 0.31-0.42
    assert f["n_stances"] == 14
    assert 0 < f["pelvic_drop_deg_L"] < 10 and 0 < f["pelvic_drop_deg_R"] < 10
    assert 0 <= f["trunk_lean_deg"] <= 20
    assert np.isfinite(f["valr_bw_per_s"]) and f["braking_impulse_ns_per_kg"] < 0
    assert "estimated from the mean vertical force" in f["flags"]


def test_rajagopal_curves(reports):
    rep = reports["Rajagopal_motion_capture_run.trc"]
    hip = rep.curves["L_hip_flexion"]
    assert hip.shape == (6, 101)                       # 7 left strikes -> 6 strides
    knee = rep.curves["R_knee_flexion"]
    assert 35 <= np.nanmax(knee[:, :40].mean(axis=0)) <= 60   # stance knee flexion peak
    assert rep.quality["event_source"][("L", "IC")] == "force"


def test_provenance(reports):
    prov = reports["walk.c3d"].provenance
    assert prov["gaitcore_version"] == gaitcore.__version__ and prov["options"]["hjc"] == "harrington"


def test_trial_object_and_path_agree():
    trial = gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"), grf=RAJAGOPAL["grf"])
    a = gaitcore.analyze_trial(trial, static=RAJAGOPAL["static"]).factors.drop("flags")
    b = gaitcore.analyze_trial(datasets.path("Rajagopal_motion_capture_run.trc"), **RAJAGOPAL).factors.drop("flags")
    pd.testing.assert_series_equal(a, b)


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        gaitcore.analyze_trial("no/such/trial.c3d")
