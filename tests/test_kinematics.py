"""Tests of gaitcore.joint_angles and the kinematics core (_core.kin_*).

References: (1) walk.c3d's own Plug-in-Gait/CGM outputs (LPelvisAngles ... RAnkleAngles),
(2) synthetic markers placed from known rotations, (3) scipy.spatial.transform.Rotation
for the Cardan decompositions, (4) plausibility of Rajagopal running.
"""
from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import gaitcore
from gaitcore import _core, io
from gaitcore.kinematics import ANGLE_COMPONENTS, MissingMarkersError, build_model, joint_angles

WALK_REF = {"hip": "HipAngles", "knee": "KneeAngles", "ankle": "AnkleAngles"}


@pytest.fixture(scope="module")
def walk():
    return gaitcore.read_trial(gaitcore.datasets.path("walk.c3d"))


def walk_calibration() -> dict:
    """The lab's static-calibration offsets stored in walk.c3d's PROCESSING group (radians there)."""
    path = Path(gaitcore.datasets.path("walk.c3d"))
    _, params = io.read_c3d_parameters(path)
    names = {"tibial_torsion_deg": "TibialTorsion", "static_plantar_flexion_deg": "StaticPlantFlex",
             "static_rotation_offset_deg": "StaticRotOff"}
    return {f"{s}_{k}": math.degrees(params.number(f"PROCESSING:{s}{v}"))
            for s in "LR" for k, v in names.items()}


def rms_table(trial, angles):
    """RMS (deg) of ours vs the stored PiG angles, per key and component; printed."""
    out = {}
    for side in "LR":
        ours = angles["pelvis"] * ([1, 1, 1] if side == "R" else [1, -1, -1])  # PiG left: obliquity, rotation mirrored
        out[f"{side}_pelvis"] = _rms(ours, trial.model_outputs[f"{side}PelvisAngles"])
        for joint, ref in WALK_REF.items():
            out[f"{side}_{joint}"] = _rms(angles[f"{side}_{joint}"], trial.model_outputs[f"{side}{ref}"])
    for key, r in out.items():
        print(f"  {key:9s} RMS (deg): " + ", ".join(f"{c}={v:.2f}" for c, v in
                                                    zip(ANGLE_COMPONENTS["pelvis" if "pelvis" in key else key], r)))
    return out


def _rms(a, b):
    ok = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    assert ok.sum() > 150
    return np.sqrt(np.mean((a[ok] - b[ok]) ** 2, axis=0))


def test_walk_matches_plug_in_gait_with_lab_calibration(walk):
    """PiG parity.  The file carries the lab's calibration: marker diameter 9.5 mm (|AJC - ANK| =
    width/2 + 4.75 mm in the file's own joint centres), tibial torsion and static plantar-flexion /
    rotation offsets (PROCESSING group), and the static-calibrated knee and ankle centres as virtual
    markers LKJC/RKJC/LAJC/RAJC (their thigh-rotation offset cannot be recomputed from the
    markers: no static trial).  Plug-in Gait's ankle order is flexion-rotation-inversion
    (ankle_sequence="pig"); with the ISB order the inversion differs by up to 8 deg."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        angles = joint_angles(walk, hjc="davis", pelvis_sequence="pig", progression="lab_axis",
                              marker_radius_mm=4.75, calibration=walk_calibration(), stored_joint_centres=True,
                              ankle_sequence="pig")
    rms = rms_table(walk, angles)
    for side in "LR":
        assert (rms[f"{side}_pelvis"] <= 1.0).all()
        assert rms[f"{side}_hip"][0] <= 3.0 and rms[f"{side}_knee"][0] <= 3.0
        assert (rms[f"{side}_hip"][1:] <= 5.0).all() and (rms[f"{side}_knee"][1:] <= 5.0).all()
        assert (rms[f"{side}_ankle"] <= 5.0).all()
        # everything but the filter's effect is reproduced: far inside the limits
        assert max(r.max() for r in rms.values()) < 0.5


def test_walk_uncalibrated_chord_model(walk):
    """The marker-only CGM (chord knee/ankle centres from the file's knee/ankle widths, no static
    offsets).  Missing calibration: the thigh-rotation offset of the lab's static trial (its
    LKJC lies ~43 deg about the KNE-HJC line from the THI plane), tibial torsion and foot offsets.
    Pelvis is unaffected (<= 1 deg); the legs differ by those offsets, bounded loosely here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        angles = joint_angles(walk, hjc="davis", pelvis_sequence="pig", progression="lab_axis",
                              marker_radius_mm=4.75, ankle_sequence="pig", calibration=None)
    rms = rms_table(walk, angles)
    for side in "LR":
        assert (rms[f"{side}_pelvis"] <= 1.0).all()
        assert rms[f"{side}_hip"][0] <= 8.0 and rms[f"{side}_knee"][0] <= 8.0
        assert rms[f"{side}_ankle"][0] <= 15.0


def test_walk_file_calibration_used_by_default(walk):
    """The PROCESSING offsets of a Vicon file are used unless calibration= says otherwise, and
    the model says where its calibration came from."""
    options = dict(hjc="davis", pelvis_sequence="pig", progression="lab_axis", marker_radius_mm=4.75,
                   stored_joint_centres=True, ankle_sequence="pig", cutoff_hz=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = build_model(walk, **options)
        given = build_model(walk, calibration=walk_calibration(), **options)
        none = build_model(walk, calibration=None, **options)
    assert default.sources["calibration"] == "PROCESSING group of the file"
    assert given.sources["calibration"] == "given" and none.sources["calibration"] == "none"
    for key in ("L_ankle", "R_ankle", "L_knee", "R_knee"):
        np.testing.assert_allclose(default.angles[key], given.angles[key], atol=1e-9)
    assert np.nanmax(np.abs(default.angles["R_ankle"] - none.angles["R_ankle"])) > 5.0
    rms = rms_table(walk, default.angles)
    assert rms["R_ankle"][0] <= 0.5 and rms["L_ankle"][0] <= 0.5   # PiG parity with the file's own offsets


def test_walk_progression_auto_and_baker(walk):
    """Auto progression = the pelvis displacement (walk.c3d walks along +y, a few degrees off the
    lab axis): pelvis rotation then differs from PiG's lab-axis frame by that constant only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km = build_model(walk, hjc="davis", pelvis_sequence="pig")
        baker = joint_angles(walk, hjc="davis")
    assert not km.treadmill
    assert km.progression[1, 0] > 0.99  # travel along +y
    ref = walk.model_outputs["RPelvisAngles"]
    diff = km.angles["pelvis"] - ref
    assert np.nanstd(diff[:, 2]) < 0.2 and abs(np.nanmean(diff[:, 2])) < 3
    # Baker and PiG sequences agree to within a degree at these small angles, but are not identical
    d = np.nanmax(np.abs(baker["pelvis"] - km.angles["pelvis"]), axis=0)
    assert (d < 1.5).all() and d.max() > 1e-6
    # Baker obliquity equals the elevation of RASI - LASI in the progression frame (docs/methods.md C)
    u = km.markers["RASI"] - km.markers["LASI"]
    u /= np.linalg.norm(u, axis=1)[:, None]
    np.testing.assert_allclose(baker["pelvis"][:, 1], np.degrees(np.arcsin(u[:, 2])), atol=1e-9)


# ---- synthetic markers from known rotations ------------------------------------------

def rz(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def rx(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def ry(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def segment_rotation(sequence, tilt, obl, rot):
    """Segment vs progression frame from clinical (tilt, obliquity, rotation) in degrees."""
    a, b, c = np.radians([tilt, obl, rot])
    if sequence == "pig":
        return rz(-a) @ rx(-b) @ ry(c)
    return ry(c) @ rx(-b) @ rz(-a)  # Baker: rotation, obliquity, tilt


def synthetic_trial(rng, n=60, near_lock=False, sequence="pig"):
    """Markers placed from known segment rotations; returns (trial, expected angles in degrees)."""
    prog = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])  # lab z up: x travel, y up, z right = -lab y
    w, d, width_k, width_a, radius = 120.0, 160.0, 100.0, 70.0, 7.0
    want = {k: np.zeros((n, 3)) for k in ("pelvis", "thorax", "L_hip", "R_hip", "L_knee", "R_knee", "L_ankle",
                                          "R_ankle")}
    want["trunk_lean"] = np.zeros(n)
    m = {k: np.zeros((n, 3)) for k in ("LASI", "RASI", "LPSI", "RPSI", "C7", "T10", "CLAV", "STRN")}
    for side in "LR":
        for k in ("THI", "KNE", "TIB", "ANK", "TOE"):
            m[side + k] = np.zeros((n, 3))
    deg = np.radians
    for t in range(n):
        tilt, obl, rot = rng.uniform(-30, 30, 3)
        if near_lock and t % 2:  # obliquity 0.01 deg from the sequence's gimbal lock
            obl = rng.choice([-1, 1]) * 89.99
        want["pelvis"][t] = tilt, obl, rot
        P = prog @ segment_rotation(sequence, tilt, obl, rot)
        o = rng.uniform(-500, 500, 3)
        # thorax: markers symmetric about its y axis so that the CGM construction gives it exactly
        th = rng.uniform(-25, 25, 3)
        want["thorax"][t] = th
        Th = prog @ segment_rotation(sequence, *th)
        top = o + np.array([0, 0, 450.0])
        for name, local in (("C7", (-70, 40, 0)), ("T10", (-70, -200, 0)), ("CLAV", (60, 30, 0)),
                            ("STRN", (60, -150, 0))):
            m[name][t] = top + Th @ np.array(local, float)
        hjcs = []
        X, Z = P[:, 0], P[:, 2]
        m["LASI"][t], m["RASI"][t] = o - w * Z, o + w * Z
        m["LPSI"][t], m["RPSI"][t] = o - d * X - 45 * Z, o - d * X + 45 * Z
        for side, s in (("L", -1), ("R", 1)):
            hjc = o + P @ np.array([-0.24 * d - 9.9, -0.30 * 2 * w - 10.9, s * (0.33 * 2 * w + 7.3)])
            hjcs.append(hjc)
            flex, add, irot = rng.uniform(-60, 60), rng.uniform(-40, 40), rng.uniform(-60, 60)
            want[f"{side}_hip"][t] = flex, add, irot
            T = P @ rz(deg(flex)) @ rx(deg(s * add)) @ ry(deg(s * irot))
            kjc = hjc - 420 * T[:, 1]
            m[side + "KNE"][t] = kjc + s * (width_k / 2 + radius) * T[:, 2]
            m[side + "THI"][t] = kjc + 200 * T[:, 1] + s * 90 * T[:, 2]
            kflex, kadd, krot = rng.uniform(0, 120), rng.uniform(-20, 20), rng.uniform(-30, 30)
            want[f"{side}_knee"][t] = kflex, kadd, krot
            S = T @ rz(-deg(kflex)) @ rx(deg(s * kadd)) @ ry(deg(s * krot))
            ajc = kjc - 400 * S[:, 1]
            m[side + "ANK"][t] = ajc + s * (width_a / 2 + radius) * S[:, 2]
            m[side + "TIB"][t] = ajc + 150 * S[:, 1] + s * 80 * S[:, 2]
            dorsi, arot = rng.uniform(-40, 30), rng.uniform(-30, 30)
            want[f"{side}_ankle"][t] = dorsi, 0.0, arot  # inversion is 0 by the foot's construction
            F = S @ rz(deg(dorsi)) @ ry(deg(s * arot))
            m[side + "TOE"][t] = ajc + 140 * F[:, 0]
        # trunk lean (docs/methods.md C 2): mean of C7 and CLAV over mid-HJC, sagittal plane
        e = 0.5 * (m["C7"][t] + m["CLAV"][t]) - 0.5 * (hjcs[0] + hjcs[1])
        want["trunk_lean"][t] = np.degrees(np.arctan2(e @ prog[:, 0], e @ prog[:, 1]))
    meta = {"leg_length_mm_L": 900.0, "leg_length_mm_R": 900.0, "knee_width_mm_L": width_k, "knee_width_mm_R": width_k, "ankle_width_mm_L": width_a,
            "ankle_width_mm_R": width_a, "inter_asis_mm": 2 * w}
    return gaitcore.Trial(markers=m, marker_rate=100.0, metadata=meta), want


@pytest.mark.parametrize("near_lock, sequence", [(False, "pig"), (True, "pig"), (False, "baker"),
                                                 (True, "baker")])
def test_synthetic_known_rotations(near_lock, sequence):
    """Random poses (and pelvic obliquity 0.01 deg from gimbal lock) recovered to 1e-9 deg; the
    only error is rounding (about 1e-13 deg, 1e-11 deg near lock).  Joint angles near lock are
    covered in csrc/tests/test_kinematics.c (a hip adducted 90 deg has no medial side for the
    chord method to find)."""
    trial, want = synthetic_trial(np.random.default_rng(5 + near_lock), near_lock=near_lock, sequence=sequence)
    got = joint_angles(trial, pelvis_sequence=sequence, progression=(1, 0), cutoff_hz=None, max_gap_s=0)
    worst = max(np.abs(got[k] - v).max() for k, v in want.items())
    print(f"  worst synthetic error ({sequence}, near lock {near_lock}): {worst:.3g} deg")
    assert worst < 1e-9
    # the same trial without T10: thorax from C7, CLAV, STRN (a different but valid frame)
    del trial.markers["T10"]
    no_t10 = joint_angles(trial, pelvis_sequence=sequence, progression=(1, 0), cutoff_hz=None, max_gap_s=0)
    assert np.isfinite(no_t10["thorax"]).all()
    np.testing.assert_allclose(no_t10["R_knee"], got["R_knee"], atol=1e-12)


def test_cardan_against_scipy():
    rng = np.random.default_rng(1)
    prox = Rotation.random(500, random_state=2).as_matrix()
    dist = Rotation.random(500, random_state=3).as_matrix()
    rel = np.einsum("nji,njk->nik", prox, dist)
    for code, seq in ((0, "ZXY"), (1, "YXZ")):
        got = _core.kin_cardan(np.ascontiguousarray(prox), np.ascontiguousarray(dist), code)
        want = Rotation.from_matrix(rel).as_euler(seq)
        np.testing.assert_allclose(got, want, atol=1e-12)
    const = _core.kin_cardan(np.eye(3), np.ascontiguousarray(dist), 0)
    np.testing.assert_allclose(const, Rotation.from_matrix(dist).as_euler("ZXY"), atol=1e-12)
    assert rng is not None


# ---- missing markers, NaN rows, bad arguments --------------------------------------------

def test_missing_markers_error_names_them_and_alternatives(walk):
    markers = dict(walk.markers)
    del markers["RKNE"], markers["LPSI"]
    trial = gaitcore.Trial(markers=markers, marker_rate=walk.marker_rate, metadata=walk.metadata)
    with pytest.raises(MissingMarkersError, match=r"LPSI.*SACR"):
        joint_angles(trial)
    markers["LPSI"] = walk.markers["LPSI"]
    # a missing leg landmark removes only that leg's angles, with a note naming it
    with pytest.warns(UserWarning, match=r"R thigh: no lateral knee marker"):
        a = joint_angles(trial)
    assert np.isnan(a["R_hip"]).all() and np.isnan(a["R_knee"]).all()
    assert np.isfinite(a["L_knee"]).all() and np.isfinite(a["pelvis"]).all()
    assert issubclass(MissingMarkersError, ValueError)


def test_sacrum_replaces_psis(walk):
    markers = {k: v for k, v in walk.markers.items() if k not in ("LPSI", "RPSI")}
    markers["SACR"] = 0.5 * (walk.markers["LPSI"] + walk.markers["RPSI"])
    trial = gaitcore.Trial(markers=markers, marker_rate=walk.marker_rate, metadata=walk.metadata)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = joint_angles(trial), joint_angles(walk)
    np.testing.assert_allclose(a["pelvis"], b["pelvis"], atol=1e-9)


def test_missing_frame_gives_nan_row(walk):
    markers = {k: v.copy() for k, v in walk.markers.items()}
    markers["RKNE"][100:130] = np.nan  # 30 frames: longer than the 10-frame fill
    trial = gaitcore.Trial(markers=markers, marker_rate=walk.marker_rate, metadata=walk.metadata)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = joint_angles(trial)
    for key in ("R_hip", "R_knee", "R_ankle"):
        assert np.isnan(a[key][100:130]).all() and np.isfinite(a[key][:95]).all()
    assert np.isfinite(a["L_knee"]).all() and np.isfinite(a["pelvis"]).all()


def test_bad_arguments(walk):
    with pytest.raises(TypeError, match="trial"):
        joint_angles({"LASI": 1})
    with pytest.raises(ValueError, match="hjc"):
        joint_angles(walk, hjc="bell")
    with pytest.raises(ValueError, match="ankle_sequence"):
        joint_angles(walk, ankle_sequence="zyx")
    with pytest.raises(ValueError, match="pelvis_sequence"):
        joint_angles(walk, pelvis_sequence="xyz")
    with pytest.raises(ValueError, match="model"):
        joint_angles(walk, model="opensim")
    with pytest.raises(ValueError, match="calibration"):
        joint_angles(walk, calibration={"L_torsion": 3})
    with pytest.raises(ValueError, match="progression"):
        joint_angles(walk, progression=(0, 0, 1))
    with pytest.raises(ValueError, match="progression"):
        joint_angles(walk, progression="north")
    with pytest.raises(ValueError, match="marker_radius_mm"):
        joint_angles(walk, marker_radius_mm=float("nan"))
    markers = {k: v.copy() for k, v in walk.markers.items()}
    markers["LASI"][3, 0] = np.inf  # a writer's gap value: a gap in LASI, named (tests/test_infinite_values.py)
    with pytest.warns(UserWarning, match="LASI 1 frame"):
        trial = gaitcore.Trial(markers=markers, marker_rate=100.0, metadata=walk.metadata)
    assert np.isnan(trial.markers["LASI"][3]).all()
    with pytest.raises(ValueError, match="shape"):
        _core.kin_pelvis(np.zeros((4, 3)), np.zeros((4, 3)), np.zeros((5, 3)), np.zeros((4, 3)))


def test_angle_components_cover_every_key(walk):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = joint_angles(walk)
    assert set(a) == set(ANGLE_COMPONENTS)
    assert a["trunk_lean"].shape == (walk.n_frames,)
    assert all(a[k].shape == (walk.n_frames, 3) for k in a if k != "trunk_lean")


def test_harrington_and_davis_hjc_differ_but_close(walk):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = build_model(walk, hjc="harrington")
        d = build_model(walk, hjc="davis")
    dist = np.linalg.norm(h.hjc["R"] - d.hjc["R"], axis=1)
    assert 1.0 < np.median(dist) < 40.0  # two regressions of the same centre


def test_treadmill_progression_and_static_reconstruction():
    """Rajagopal running on a treadmill: the pelvis barely travels, so the progression frame
    follows the direction the pelvis faces; knee and ankle landmarks come from the static trial."""
    run = gaitcore.read_trial(gaitcore.datasets.path("Rajagopal_motion_capture_run.trc"))
    static = gaitcore.read_trial(gaitcore.datasets.path("Rajagopal_static_run.trc"))
    with pytest.warns(UserWarning, match="thigh: no lateral knee marker"):
        assert np.isnan(joint_angles(run)["L_knee"]).all()   # no knee landmark without the static
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km = build_model(run, static=static)
    assert km.landmarks.source("knee_med", "R").startswith("static RKNM via cluster RTH1/RTH2/RTH3")
    assert km.treadmill
    x = km.progression[:, 0]
    assert abs(x[2]) < 1e-12 and abs(np.linalg.norm(x) - 1) < 1e-12
    # pelvis faces x: its mean anterior axis, made horizontal, is the progression axis
    ant = np.nanmean(km.pelvis[:, :, 0], axis=0)
    ant[2] = 0
    assert np.dot(ant / np.linalg.norm(ant), x) > 0.9999
    # the reconstructed KJC in the static trial itself is the static mid-epicondyle point
    skm = build_model(static, static=static)
    want = 0.5 * (static.markers["RKNE"] + static.markers["RKNM"])
    assert np.nanmax(np.linalg.norm(skm.kjc["R"] - want, axis=1)) < 2.0  # filtering only


P3 = np.zeros((4, 3))
F33 = np.tile(np.eye(3), (4, 1, 1))


@pytest.mark.parametrize("call", [
    lambda: _core.kin_pelvis(P3, P3, P3, np.zeros((4, 2))),
    lambda: _core.kin_pelvis(P3, P3, P3, "abc"),
    lambda: _core.kin_hjc(P3, np.zeros((4, 3, 2)), 0, 230.0, 160.0, 900.0, float("nan"), 7.0, 0, 1),
    lambda: _core.kin_hjc(P3, F33, 7, 230.0, 160.0, 900.0, float("nan"), 7.0, 0, 1),
    lambda: _core.kin_hjc(P3, F33, 0, -1.0, 160.0, 900.0, float("nan"), 7.0, 0, 1),
    lambda: _core.kin_hjc(P3, F33, 0, 230.0, 160.0, 900.0, float("nan"), 7.0, 0, 2),
    lambda: _core.kin_chord(P3, P3, P3, np.zeros((3, 3)), 60.0),
    lambda: _core.kin_chord(P3, P3, P3, P3, -1.0),
    lambda: _core.kin_segment(P3, P3, P3, 0),
    lambda: _core.kin_foot(P3, P3, P3),
    lambda: _core.kin_thorax(P3, np.zeros((5, 3)), P3, P3),
    lambda: _core.kin_cluster(P3, P3, None),
    lambda: _core.kin_to_local(P3, F33, np.zeros(3)),
    lambda: _core.kin_to_global(P3, np.eye(3), P3),
    lambda: _core.kin_travel_direction(P3, F33, (0, 0, 0), 300.0),
    lambda: _core.kin_travel_direction(np.full((4, 3), np.nan), np.full((4, 3, 3), np.nan), (0, 0, 1), 300.0),
    lambda: _core.kin_progression_frame((0, 0, 1), (0, 0, 1)),
    lambda: _core.kin_cardan(F33, F33, 9),
    lambda: _core.kin_cardan(np.tile(np.eye(3), (5, 1, 1)), F33, 0),
    lambda: _core.kin_angles(F33, F33, 0, 0),
    lambda: _core.kin_angles(F33, F33, 42, 1),
    lambda: _core.kin_lean(P3, P3, F33),
    lambda: _core.kin_pelvis(np.full((4, 3), np.inf), P3, P3, P3),
])
def test_core_bad_input_raises_not_crashes(call):
    """The glue refuses wrong shapes, codes and infinite values with ValueError/TypeError."""
    with pytest.raises((ValueError, TypeError)):
        call()


def test_core_degenerate_geometry_gives_nan_rows():
    """Coincident markers (zero-length axes) and a chord longer than the segment: NaN, not garbage."""
    origin, frames = _core.kin_pelvis(P3, P3, P3, P3)
    assert np.isnan(origin).all() and np.isnan(frames).all()
    prox = np.array([[0.0, 0, 100]] * 4)
    jc = _core.kin_chord(prox, np.array([[50.0, 0, 50]] * 4), P3, np.array([[1.0, 0, 0]] * 4), 150.0)
    assert np.isnan(jc).all()
    jc = _core.kin_chord(prox, np.array([[50.0, 0, 50]] * 4), P3, np.array([[1.0, 0, 0]] * 4), 40.0)
    assert np.isfinite(jc).all()
    np.testing.assert_allclose(np.linalg.norm(jc, axis=1), 40.0)
    np.testing.assert_allclose(np.sum(jc * (prox - jc), axis=1), 0.0, atol=1e-9)  # right angle at J


def test_harrington_leg_length_variant(walk):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km = build_model(walk, harrington_leg_length=True, cutoff_hz=None)
    local = _core.kin_to_local(km.pelvis_origin, km.pelvis, km.hjc["R"])
    pw = walk.metadata["inter_asis_mm"]
    ll = 0.5 * (walk.metadata["leg_length_mm_L"] + walk.metadata["leg_length_mm_R"])
    np.testing.assert_allclose(local[:, 1], -0.16 * pw - 0.04 * ll - 7.1, atol=1e-9)
