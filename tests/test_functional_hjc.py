"""Functional hip joint centre (SCoRE, Ehrig et al. 2006): a simulated hip turning about a
known centre, degenerate one-axis motion, and the glue's refusals."""
import numpy as np
import pytest

import gaitcore
from gaitcore import InputError, Trial, _core
from gaitcore.kinematics import build_model

RATE = 100.0
# pelvis markers and hip centres in a pelvis-fixed frame (x forward, y left, z up; mm)
PELVIS = {"LASI": (0, 120, 1000), "RASI": (0, -120, 1000), "LPSI": (-160, 45, 1020), "RPSI": (-160, -45, 1020)}
HIP = {"L": np.array([-40.0, 85.0, 920.0]), "R": np.array([-40.0, -85.0, 920.0])}
# thigh markers relative to the hip centre (wand, lateral and medial knee)
THIGH = {"THI": (15, 70, -220), "KNE": (0, 55, -420), "KNM": (0, -45, -420)}


def _rot(axis, angle):
    c, s = np.cos(angle), np.sin(angle)
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    r = np.tile(np.eye(3), (angle.size, 1, 1))
    r[:, i, i], r[:, i, j], r[:, j, i], r[:, j, j] = c, -s, s, c
    return r


def _functional_trial(flex_deg=30.0, abd_deg=20.0, rot_deg=15.0, noise_mm=0.5, seed=0, seconds=12.0):
    """Hips turning about HIP (flexion about y, abduction about x, rotation about z), the
    pelvis turning +-10 deg and swaying; Gaussian marker noise of ``noise_mm``."""
    t = np.arange(int(seconds * RATE)) / RATE
    pelvis_rot = _rot(2, np.radians(10) * np.sin(2 * np.pi * 0.2 * t))
    pelvis_pos = np.stack([30 * np.sin(2 * np.pi * 0.3 * t), 20 * np.cos(2 * np.pi * 0.25 * t), 0 * t], 1)
    rng = np.random.default_rng(seed)
    lab = lambda local: np.einsum("nij,nj->ni", pelvis_rot, local) + pelvis_pos  # noqa: E731
    markers = {name: lab(np.tile(p, (t.size, 1)).astype(float)) for name, p in PELVIS.items()}
    truth = {}
    for k, (side, s) in enumerate((("L", 1), ("R", -1))):
        hip_rot = (_rot(1, np.radians(flex_deg) * np.sin(2 * np.pi * 0.5 * t + k))
                   @ _rot(0, s * np.radians(abd_deg) * np.sin(2 * np.pi * 0.35 * t + k))
                   @ _rot(2, np.radians(rot_deg) * np.sin(2 * np.pi * 0.27 * t + k)))
        for name, p in THIGH.items():
            rel = np.array(p, float) * (1, s, 1)
            markers[side + name] = lab(HIP[side] + np.einsum("nij,j->ni", hip_rot, rel))
        truth[side] = lab(np.tile(HIP[side], (t.size, 1)))
    markers = {n: v + rng.normal(0, noise_mm, v.shape) for n, v in markers.items()}
    return Trial(markers=markers, marker_rate=RATE, source="simulated hip ROM"), truth


def _true_local(side):
    """The simulated centre in gaitcore's pelvis frame (built from noise-free markers)."""
    clean, truth = _functional_trial(noise_mm=0.0, seconds=1)
    km = build_model(clean, cutoff_hz=None)
    return km.pelvis[0].T @ (truth[side][0] - km.pelvis_origin[0])


def test_simulated_hip_centre_within_2_mm():
    trial, truth = _functional_trial()
    km = build_model(trial, functional=trial, cutoff_hz=None)
    for side in "LR":
        fit = gaitcore.functional_hjc(trial, side)
        assert np.linalg.norm(fit.centre_mm - _true_local(side)) < 2.0
        assert fit.rms_mm < 2.0 and fit.conditioning > 0.1
        # per frame the pelvis frame of the unfiltered noisy markers adds its own noise
        err = np.linalg.norm(km.hjc[side] - truth[side], axis=1)
        assert np.median(err) < 2.0, (side, np.median(err))
        assert km.sources[f"{side}_hjc"].startswith("functional (SCoRE)")


def test_functional_centre_carried_into_another_trial():
    rom, _ = _functional_trial(seed=1)
    run, truth = _functional_trial(flex_deg=40, abd_deg=5, rot_deg=5, seed=2, seconds=4)
    angles_model = build_model(run, functional=rom, cutoff_hz=None)
    for side in "LR":
        assert np.median(np.linalg.norm(angles_model.hjc[side] - truth[side], axis=1)) < 2.0
    assert np.isfinite(gaitcore.joint_angles(run, functional=rom)["L_hip"]).all()


def test_one_axis_motion_is_refused():
    trial, _ = _functional_trial(abd_deg=0.0, rot_deg=0.0)
    with pytest.raises(InputError, match="does not determine the centre"):
        gaitcore.functional_hjc(trial, "L")


def test_bad_arguments():
    trial, _ = _functional_trial(seconds=1)
    with pytest.raises(InputError, match="side"):
        gaitcore.functional_hjc(trial, "X")
    with pytest.raises(TypeError):
        gaitcore.functional_hjc(42, "L")
    eye, o = np.tile(np.eye(3), (5, 1, 1)), np.zeros((5, 3))
    with pytest.raises(InputError, match="rot_p"):
        _core.kin_score(np.zeros((5, 3)), o, eye, o)
    with pytest.raises(InputError, match="org_t"):
        _core.kin_score(eye, o, eye, np.zeros((4, 3)))
    with pytest.raises(InputError):
        _core.kin_score(eye[:2], o[:2], eye[:2], o[:2])  # 2 frames: too few
    with pytest.raises(InputError):
        _core.kin_score(eye, o, eye, np.full((5, 3), np.inf))


def test_analyze_trial_uses_the_functional_centre():
    from gaitcore.simulate import simulate_runner

    rom, _ = _functional_trial(seconds=4)
    run, _ = simulate_runner()
    report = gaitcore.analyze_trial(run, functional=rom)
    assert report.provenance["model"]["L_hjc"].startswith("functional (SCoRE)")
    assert report.provenance["options"]["functional"] == "simulated hip ROM"
    plain = gaitcore.analyze_trial(run)
    assert plain.provenance["model"]["L_hjc"] == "harrington"
