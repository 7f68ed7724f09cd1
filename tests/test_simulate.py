"""The simulated-runner generator plants what it says, measured here independently of the
analysis code (marker geometry only), so the cohort and notebook checks stand on a known truth."""
import numpy as np
import pandas as pd
import pytest

from gaitcore import datasets
from gaitcore.simulate import _hip_centre


def _obliquity_deg(m):
    u = m["RASI"] - m["LASI"]
    return np.degrees(np.arcsin(u[:, 2] / np.linalg.norm(u, axis=1)))


def _lean_deg(m):
    e = m["C7"] - (m["LASI"] + m["RASI"] + m["LPSI"] + m["RPSI"]) / 4
    return np.degrees(np.arctan2(e[:, 0], e[:, 2]))


def _peak_thigh_extension_deg(m, side):
    v = m[side + "TH2"] - _hip_centre(m, side)
    return np.degrees(np.arctan2(-v[:, 0], -v[:, 2])).max()


@pytest.fixture(scope="module")
def base():
    return datasets.simulate_runner()[0]


def test_no_change_is_the_real_trial(base):
    from gaitcore import read_trial
    real = read_trial(datasets.path("Rajagopal_motion_capture_run.trc"))
    np.testing.assert_array_equal(base.markers["LASI"], real.markers["LASI"])


def test_trunk_lean_is_planted(base):
    sim, truth = datasets.simulate_runner(trunk_lean_deg=-3.0)
    assert truth["trunk_lean_deg"] == -3.0
    diff = _lean_deg(sim.markers).mean() - _lean_deg(base.markers).mean()
    assert diff == pytest.approx(-3.0, abs=0.05)  # rotation about the pelvis centre itself


def test_pelvic_drop_lowers_the_swing_side(base):
    sim, _ = datasets.simulate_runner(pelvic_drop_deg=3.0)
    d = _obliquity_deg(sim.markers) - _obliquity_deg(base.markers)
    right = base.plates[0] if base.plates[0].side == "R" else base.plates[1]
    loaded = right.fz[:: int(right.rate / base.marker_rate)][: d.size] > 300  # mid right stance
    assert d[loaded].mean() > 1.5  # RASI up relative to LASI: left (swing) side low


def test_hip_extension_is_reduced(base):
    sim, _ = datasets.simulate_runner(hip_extension_deg=-4.0)
    for side in "LR":
        change = _peak_thigh_extension_deg(sim.markers, side) - _peak_thigh_extension_deg(base.markers, side)
        assert -4.5 < change < -1.5, side


def test_cadence_scale_compresses_time(base):
    sim, _ = datasets.simulate_runner(cadence_scale=1.1)
    assert sim.duration_s == pytest.approx(base.duration_s / 1.1, abs=0.02)
    assert sim.plates[0].force.shape[0] == pytest.approx(base.plates[0].force.shape[0] / 1.1, abs=2)


def test_bad_parameters():
    with pytest.raises(ValueError, match="cadence_scale"):
        datasets.simulate_runner(cadence_scale=0)
    with pytest.raises(ValueError, match="noise_mm"):
        datasets.simulate_runner(noise_mm=-1)


def test_simulate_cohort_writes_files_and_manifest(tmp_path):
    manifest = datasets.simulate_cohort(tmp_path, n_per_group=2, seed=3)
    assert list(manifest["group"]) == ["control"] * 2 + ["back_pain"] * 2
    assert (tmp_path / "manifest.csv").exists()
    assert all((tmp_path / p).exists() for p in pd.concat([manifest["path"], manifest["grf"]]))
    bp = manifest[manifest.group == "back_pain"]
    assert (bp["planted_cadence_scale"] < 1.05).all()
