"""Plug-in Gait static offsets derived from a static trial (gaitcore.pig_static_calibration).

References: (1) a standing subject built from known offsets (the feet, shanks and knees placed
from chosen frames, so the truth is set, not computed by gaitcore); (2) walk.c3d, a Vicon Nexus
CGM2.1 walk whose PROCESSING group stores the lab's offsets and whose model outputs store the
lab's foot frames (LFOO/LFOP ...) and joint angles; walk.c3d has no static trial; (3) Dorn's
static (unlicensed, read from $GAITCORE_EXTRA_DATA only) for plausibility.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import gaitcore
from gaitcore import InputError, MissingMarkersError, pig_static_calibration
from gaitcore.kinematics import build_model, file_calibration
from extra_data import extra_file

KEYS = ("static_plantar_flexion_deg", "static_rotation_offset_deg", "tibial_torsion_deg")
#: the truth of the simulated static: walk.c3d's lab values, rounded
TRUTH = {"L_static_plantar_flexion_deg": 17.0, "L_static_rotation_offset_deg": -2.2, "L_tibial_torsion_deg": -17.5,
         "R_static_plantar_flexion_deg": 18.0, "R_static_rotation_offset_deg": -0.9, "R_tibial_torsion_deg": -33.3}
UP = np.array([0.0, 0.0, 1.0])


def _rot(axis, deg):
    """Right-handed rotation matrix about a frame axis (0 x, 1 y, 2 z)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    r = np.eye(3)
    r[i, i] = r[j, j] = c
    r[i, j], r[j, i] = -s, s
    return r


def _axis_angle(axis, deg):
    """Rotation by deg about a unit lab vector (Rodrigues)."""
    k = np.asarray(axis, float) / np.linalg.norm(axis)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    a = math.radians(deg)
    return np.eye(3) + math.sin(a) * kx + (1 - math.cos(a)) * kx @ kx


def standing_static(truth=TRUTH, heading_deg=25.0, heel_above_toe_mm=12.0, frames=1, noise_mm=0.0, seed=0):
    """A standing subject (Plug-in Gait names, z up, mm) whose static offsets are ``truth``.

    Per side: the foot's anatomical frame F has its long axis horizontal (the heading plus a
    toe-out); the uncorrected foot U = F (Rz(p) Ry(s r))^T; the toe lies on U's x axis from the
    ankle centre, the heel behind the toe on F's x axis, raised by ``heel_above_toe_mm`` (the
    flat-foot option ignores it); the proximal shank's medio-lateral axis is U's z, its long axis
    tilted 6 deg forward; the distal (malleolar) shank is the proximal one turned by s T about
    the long axis, the malleoli +-35 mm along it; the thigh continues the shank (straight knee) with
    the epicondyles +-50 mm along the knee axis; the joint centres are stored (LHJC, LKJC, LAJC)."""
    rng = np.random.default_rng(seed)
    m = {}
    forward = _rot(2, heading_deg)[:, 0]
    right = np.cross(forward, UP)
    for side, s in (("L", -1), ("R", 1)):
        p, r, t = (truth[f"{side}_{k}"] for k in KEYS)
        toe_out = s * 7.0
        fx = _rot(2, heading_deg - toe_out)[:, 0]
        F = np.column_stack([fx, UP, np.cross(fx, UP)])
        U = F @ (_rot(2, p) @ _rot(1, s * r)).T
        ajc = np.array([0.0, 0.0, 80.0]) + s * 100.0 * right
        toe = ajc + 160.0 * U[:, 0]
        heel = toe - 200.0 * F[:, 0] + heel_above_toe_mm * UP
        z_knee = U[:, 2]
        y = _axis_angle(z_knee, 6.0) @ (UP - (UP @ z_knee) * z_knee)
        y /= np.linalg.norm(y)
        z_ankle = _axis_angle(y, s * t) @ z_knee
        kjc, hjc = ajc + 400.0 * y, ajc + 800.0 * y
        m.update({f"{side}AJC": ajc, f"{side}KJC": kjc, f"{side}HJC": hjc, f"{side}TOE": toe, f"{side}HEE": heel,
                  f"{side}ANK": ajc + s * 35.0 * z_ankle, f"{side}MED": ajc - s * 35.0 * z_ankle,
                  f"{side}KNE": kjc + s * 50.0 * z_knee, f"{side}KNM": kjc - s * 50.0 * z_knee,
                  f"{side}ASI": hjc + 60.0 * forward + s * 40.0 * right + 80.0 * UP,
                  f"{side}PSI": hjc - 90.0 * forward - s * 40.0 * right + 110.0 * UP})
    markers = {k: np.repeat(v[None, :], frames, axis=0) + rng.normal(0.0, noise_mm, (frames, 3)) for k, v in m.items()}
    return gaitcore.Trial(markers=markers, marker_rate=100.0, source="simulated static")


def derive(static, **kw):
    """The simulated static's offsets; TRUTH is the flat-foot one (its heel sits 12 mm above the toe)."""
    kw.setdefault("flat_foot", True)
    return pig_static_calibration(static, stored_joint_centres=True, **kw)


def test_offsets_of_a_simulated_static_recovered_exactly():
    """Clean markers: the three offsets of each side come back to 1e-6 deg, with the heel 12 mm
    above the toe (with the flat-foot option) or level with it (either option)."""
    got = derive(standing_static(), flat_foot=True)
    assert set(got) == set(TRUTH)
    for key, value in TRUTH.items():
        assert abs(got[key] - value) <= 1e-6, key
    level = standing_static(heel_above_toe_mm=0.0, heading_deg=-140.0)
    for flat in (True, False):
        got = derive(level, flat_foot=flat)
        assert max(abs(got[k] - v) for k, v in TRUTH.items()) <= 1e-6
    # without the flat-foot option the raised heel tilts the foot's long axis by atan(12/200)
    raw = derive(standing_static(), flat_foot=False)
    assert raw["R_static_plantar_flexion_deg"] < TRUTH["R_static_plantar_flexion_deg"] - 3.0


def test_calibrated_static_has_its_foot_flat_and_its_knee_axis_aligned():
    """End to end through joint_angles: with the derived offsets the standing model's foot long axis
    is horizontal along the heel-toe line (foot turned by the offsets in kinematics.py, not in
    pig_static), and the knee reads 0 deg of axial rotation (the torsion aligns the shank's knee
    frame with the knee axis)."""
    static = standing_static()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km = build_model(static, calibration=derive(static), stored_joint_centres=True, cutoff_hz=None, max_gap_s=0)
        plain = build_model(static, calibration=None, stored_joint_centres=True, cutoff_hz=None, max_gap_s=0)
    for side in "LR":
        foot_x = km.frames[f"{side}_foot"][0][:, 0]
        line = static.markers[f"{side}TOE"][0] - static.markers[f"{side}HEE"][0]
        line[2] = 0.0
        assert abs(foot_x @ UP) < 1e-9
        assert np.degrees(np.arccos(min(1.0, foot_x @ line / np.linalg.norm(line)))) < 1e-6
        assert abs(km.angles[f"{side}_knee"][0, 2]) < 1e-6
        assert abs(plain.angles[f"{side}_knee"][0, 2]) > 15.0   # the torsion, uncorrected


def test_offsets_with_half_a_millimetre_of_marker_noise():
    """0.5 mm of independent noise per marker and frame, 2 s of static at 100 Hz (the markers are
    averaged first: 0.5 / sqrt(200) = 0.035 mm).  Expected error: heel-toe (200 mm apart) and
    AJC-toe (160 mm) directions move by ~0.035 * sqrt(2) / 160 rad = 0.02 deg; the malleolar
    axis (70 mm, projected) by ~0.04 deg.  Measured over 20 seeds: worst 0.045 deg (plantar
    flexion and rotation), 0.17 deg (torsion).  Bounds: 0.1 and 0.3 deg."""
    worst = {"foot": 0.0, "torsion": 0.0}
    for seed in range(20):
        got = derive(standing_static(frames=200, noise_mm=0.5, seed=seed))
        for key, value in TRUTH.items():
            kind = "torsion" if "torsion" in key else "foot"
            worst[kind] = max(worst[kind], abs(got[key] - value))
    print(f"worst error over 20 noisy statics (deg): {worst}")
    assert worst["foot"] <= 0.1 and worst["torsion"] <= 0.3


def test_one_sided_static_and_bad_input():
    static = standing_static()
    one_foot = replace(static, markers={k: v for k, v in static.markers.items() if k not in ("LHEE",)})
    with pytest.warns(UserWarning, match="L: no heel"):
        got = derive(one_foot)
    assert not any(k.startswith("L_static") for k in got) and "R_static_plantar_flexion_deg" in got
    no_feet = replace(static, markers={k: v for k, v in static.markers.items() if k[1:] not in ("HEE", "TOE")})
    with pytest.raises(MissingMarkersError, match="no heel, toe"):
        derive(no_feet)
    with pytest.raises(InputError, match="tibial_torsion_deg"):
        derive(static, tibial_torsion_deg={"L": float("nan")})
    with pytest.raises(TypeError, match="tibial_torsion_deg"):
        derive(static, tibial_torsion_deg=-20.0)
    with pytest.raises(InputError, match="calibration='static' needs a static"):
        gaitcore.joint_angles(static, calibration="static")
    with pytest.raises(InputError, match="calibration must be"):
        gaitcore.joint_angles(static, calibration="lab")


def test_auto_falls_back_to_none_when_the_static_gives_no_offsets():
    """"auto" with a static that has no feet: the run is analysed uncalibrated and says why;
    "static" refuses."""
    static = standing_static()
    no_feet = replace(static, markers={k: v for k, v in static.markers.items() if k[1:] not in ("HEE", "TOE")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km = build_model(static, static=no_feet, stored_joint_centres=True, cutoff_hz=None, max_gap_s=0)
        with pytest.raises(MissingMarkersError):
            build_model(static, static=no_feet, calibration="static", stored_joint_centres=True, cutoff_hz=None,
                        max_gap_s=0)
    assert km.sources["calibration"].startswith("none (no PROCESSING offsets; none derived from the static")


def test_measured_torsion_used_without_a_medial_malleolus():
    static = standing_static()
    lateral_only = replace(static, markers={k: v for k, v in static.markers.items() if not k.endswith("MED")})
    got = derive(lateral_only, tibial_torsion_deg={"L": -17.5, "R": -33.3})
    for key, value in TRUTH.items():
        assert abs(got[key] - value) <= 1e-6, key     # the foot offsets need the right torsion
    assert "L_tibial_torsion_deg" not in derive(lateral_only)


# ----------------------------------------------------------------------------- walk.c3d (the lab's CGM2.1)

@pytest.fixture(scope="module")
def walk():
    return gaitcore.read_trial(gaitcore.datasets.path("walk.c3d"))


#: the lab's model: Davis HJC, 9.5 mm markers, its calibrated knee/ankle centres (LKJC/LAJC)
LAB_MODEL = dict(hjc="davis", marker_radius_mm=4.75, stored_joint_centres=True)


def _frame(trial, i, markers=None):
    """Frame i of a trial as a one-frame 'static'."""
    markers = markers or trial.markers
    return replace(trial, markers={k: v[i:i + 1] for k, v in markers.items()}, plates=[], analogs={},
                   events=None, model_outputs={})


def test_offsets_are_plug_in_gaits_on_the_labs_own_foot_frames(walk):
    """The definition, checked against the lab's model: walk.c3d stores the lab's (calibrated) foot
    frame of every frame (LFOO origin, LFOP a point on its long axis, behind).  A heel placed on that
    axis, 150 mm behind the toe, makes pig_static_calibration (flat_foot=False, the lab's torsion as
    the measured value: walk.c3d has no medial malleolus) return the PROCESSING offsets in any
    frame: the same uncorrected foot, the same decomposition, the same signs.  Measured: within
    4e-5 deg in frames 30, 90, 150, 200.  Bound 1e-3 deg (the stored points are float32)."""
    lab = file_calibration(walk)
    torsion = {s: lab[f"{s}_tibial_torsion_deg"] for s in "LR"}
    for i in (30, 90, 150, 200):
        markers = dict(walk.markers)
        for s in "LR":
            axis = walk.markers[f"{s}FOO"] - walk.markers[f"{s}FOP"]
            markers[f"{s}HEE"] = markers[f"{s}TOE"] - 150.0 * axis / np.linalg.norm(axis, axis=1)[:, None]
        got = pig_static_calibration(_frame(walk, i, markers), flat_foot=False, tibial_torsion_deg=torsion,
                                     **LAB_MODEL)
        assert max(abs(got[k] - lab[k]) for k in got) <= 1e-3, i


def _foot_flat_frames(trial, side, speed_mm_s=30.0):
    """Frames where the heel and toe markers both move slower than speed_mm_s (the foot on the floor)."""
    speed = [np.linalg.norm(np.gradient(trial.markers[f"{side}{m}"], axis=0), axis=1) * trial.marker_rate
             for m in ("HEE", "TOE")]
    return np.flatnonzero((speed[0] < speed_mm_s) & (speed[1] < speed_mm_s))


def walk_foot_flat_offsets(walk, flat_foot):
    """The offsets derived from walk.c3d's own foot-flat frames (each frame a one-frame static; the
    offsets averaged), the lab's torsion as the measured value."""
    lab = file_calibration(walk)
    torsion = {s: lab[f"{s}_tibial_torsion_deg"] for s in "LR"}
    out = {}
    for side in "LR":
        frames = _foot_flat_frames(walk, side)
        assert len(frames) >= 30    # two foot-flat periods of each foot
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            per_frame = [pig_static_calibration(_frame(walk, i), flat_foot=flat_foot, tibial_torsion_deg=torsion,
                                                **LAB_MODEL) for i in frames]
        for key in KEYS:
            out[f"{side}_{key}"] = float(np.mean([d[f"{side}_{key}"] for d in per_frame]))
    return out


def test_offsets_derived_from_the_walks_foot_flat_frames(walk):
    """walk.c3d has no static trial.  The offsets are rigid-foot quantities (AJC, heel and toe are
    fixed in the foot), so the frames where the foot is flat on the floor stand in for standing.
    Compared: offsets derived from those frames (36 left, 38 right) vs the lab's PROCESSING offsets.

    Measured (derived - lab, deg), heel-toe line as marked (flat_foot=False): plantar flexion
    -0.59 L, -0.69 R; rotation +0.15 L, -2.36 R; the angle between the AJC-toe line and the foot's
    long axis (independent of the shank) -0.60 L, -0.42 R.  With the flat-foot option the plantar
    flexion is +1.37 L, -1.07 R: it depends on the foot's pitch on the floor, which in walking
    foot-flat is not the standing one (1 deg = 3.5 mm of heel height).  The right rotation offset
    is 2.4 deg off because its split from the plantar flexion depends on the shank's axial
    rotation relative to the foot, which in stance differs from standing (the lab's own right ankle
    rotation is 13-19 deg in these frames, 8-10 on the left).  So the walk reproduces the lab's
    calibration to 0.7 deg of plantar flexion and of total foot offset, not to 0.5: a static trial
    is needed for that, and walk.c3d has none.  Bounds: the measured values + 0.15 deg."""
    lab = file_calibration(walk)
    got = walk_foot_flat_offsets(walk, flat_foot=False)
    diff = {k: got[k] - lab[k] for k in got if "torsion" not in k}
    print("derived - lab (deg):", {k: round(v, 2) for k, v in diff.items()})
    for s in "LR":
        assert abs(diff[f"{s}_static_plantar_flexion_deg"]) <= 0.85
        assert abs(_total(got, s) - _total(lab, s)) <= 0.75
    assert abs(diff["L_static_rotation_offset_deg"]) <= 0.4
    assert abs(diff["R_static_rotation_offset_deg"]) <= 2.55


def _total(offsets, side):
    """Angle (deg) between the AJC-toe line and the foot's long axis: cos = cos p cos r."""
    p, r = (math.radians(offsets[f"{side}_{k}"]) for k in KEYS[:2])
    return math.degrees(math.acos(math.cos(p) * math.cos(r)))


def test_walk_angles_with_the_derived_offsets(walk):
    """The lab's angles vs ours with the offsets derived from the walk's foot-flat frames (lab's
    torsion): ankle RMS measured L (0.62, 0.22, 0.18), R (0.74, 0.25, 2.36) deg (flexion, rotation,
    inversion in Plug-in Gait's order) -- the offset errors above carried into the angles -- against
    (0.03, 0.01, 0.02) and (0.06, 0.03, 0.03) with the file's own offsets (the default).  Hip, knee
    and pelvis do not depend on the foot offsets and stay at the default's values."""
    derived = {**walk_foot_flat_offsets(walk, flat_foot=False)}
    options = dict(hjc="davis", pelvis_sequence="pig", progression="lab_axis", marker_radius_mm=4.75,
                   stored_joint_centres=True, ankle_sequence="pig")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = build_model(walk, calibration=derived, **options)
        default = build_model(walk, **options)
    assert default.sources["calibration"] == "PROCESSING group of the file"
    for side in "LR":
        ref = walk.model_outputs[f"{side}AnkleAngles"]
        rms = _rms(ours.angles[f"{side}_ankle"], ref)
        print(side, "ankle RMS (deg) derived", rms.round(2), "file", _rms(default.angles[f"{side}_ankle"], ref).round(2))
        assert rms[0] <= 0.85 and rms[1] <= 0.4 and rms[2] <= (0.35 if side == "L" else 2.55)
        assert (_rms(default.angles[f"{side}_ankle"], ref) <= 0.1).all()
        for joint in ("hip", "knee"):
            np.testing.assert_allclose(ours.angles[f"{side}_{joint}"], default.angles[f"{side}_{joint}"], atol=1e-9)


def _rms(a, b):
    ok = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    return np.sqrt(np.mean((a[ok] - b[ok]) ** 2, axis=0))


# ----------------------------------------------------------------------------- wiring

def test_static_offsets_used_when_the_file_has_none(rajagopal_static):
    """A run without PROCESSING offsets and a static: "auto" derives them from the static, and
    says so; "file" leaves the model uncalibrated; a dict wins."""
    run = gaitcore.read_trial(gaitcore.datasets.path("Rajagopal_motion_capture_run.trc"))
    static = gaitcore.read_trial(rajagopal_static)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auto = build_model(run, static=static)
        file_only = build_model(run, static=static, calibration="file")
        offsets = pig_static_calibration(static)
        given = build_model(run, static=static, calibration=offsets)
    assert auto.sources["calibration"].startswith("derived from the static trial")
    assert file_only.sources["calibration"].startswith("none")
    assert given.sources["calibration"] == "given"
    np.testing.assert_allclose(auto.angles["L_ankle"], given.angles["L_ankle"], atol=1e-9)
    # the foot turned up by the plantar-flexion offset: that much more dorsiflexion, about
    shift = np.nanmean(auto.angles["R_ankle"][:, 0] - file_only.angles["R_ankle"][:, 0])
    assert abs(shift - offsets["R_static_plantar_flexion_deg"]) < 1.0


def test_analyze_trial_reports_the_calibration_used(rajagopal_trc, rajagopal_grf, rajagopal_static):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = gaitcore.analyze_trial(rajagopal_trc, grf=rajagopal_grf, static=rajagopal_static)
        plain = gaitcore.analyze_trial(rajagopal_trc, grf=rajagopal_grf, static=rajagopal_static, calibration=None)
    assert report.provenance["model"]["calibration"].startswith("derived from the static trial")
    assert plain.provenance["model"]["calibration"] == "none"
    assert report.provenance["options"]["calibration"] == "auto"


def test_derived_offsets_plausible_on_real_statics(rajagopal_static, data_dir):
    """Rajagopal's static (CAL/TOE on the shoe, medial malleoli) and RIC's (virtual heel/toe under
    the foot cluster, medial malleoli): plantar flexion 10-30 deg, rotation within 10 deg, tibial
    torsion external (negative) within 40 deg.  Measured: Rajagopal p 17.0/16.4, r -4.8/-2.9,
    T -17.8/-7.0; RIC p 23.3/25.5, r -2.2/-1.8, T -12.0/-17.6 (L/R)."""
    for path in (rajagopal_static, data_dir / "20141003T073938_static.c3d"):
        got = pig_static_calibration(path)
        _plausible(got)


def _plausible(got):
    for side in "LR":
        assert 10.0 <= got[f"{side}_static_plantar_flexion_deg"] <= 30.0
        assert abs(got[f"{side}_static_rotation_offset_deg"]) <= 10.0
        assert -40.0 <= got[f"{side}_tibial_torsion_deg"] < 0.0


def test_dorn_static_offsets_plausible():
    """Dorn 2012's Vicon static (LKNM/LMED present, no PROCESSING group), when GAITCORE_EXTRA_DATA
    names its folder.  Measured (default, no flat foot): p 13.75/13.96, r 0.17/-0.11, T -12.1/-20.4
    deg (L/R); with flat foot p 14.27/14.03 (its heel and toe markers nearly level)."""
    static = extra_file("JA1Static05.c3d")
    got = pig_static_calibration(static)
    print({k: round(v, 2) for k, v in got.items()})
    _plausible(got)
    assert file_calibration(gaitcore.read_trial(static)) == {}


# ----------------------------------------------------------------------------- a real Vicon static + its VSK

#: Vicon Nexus Plug-in Gait processing of pyCGM's sample subject: the static (an extract of its CSV
#: export: frames 1, 2 and 275 of 275) and the subject file holding the offsets Nexus derived from it
PYCGM_STATIC, PYCGM_VSK = "pyCGM_Sample_Static_extract.csv", "pyCGM_Sample_SM.vsk"
OFFSET_KEYS = [f"{side}_static_{k}_deg" for side in "LR" for k in ("plantar_flexion", "rotation_offset")]


def read_vicon_csv(path):
    """A Vicon CSV export's TRAJECTORIES section: (rate_hz, {name: (n, 3) array}); markers and model
    outputs (e.g. LAnkleAngles) alike.  The rows after the rate: names, "Field #"/"Frame" row, data."""
    rows = [line.rstrip("\n").split(",") for line in Path(path).read_text().splitlines()]
    start = next(i for i, row in enumerate(rows) if row[0] == "TRAJECTORIES")
    rate, names = float(rows[start + 1][0]), rows[start + 2]
    data = np.array([[float(v) if v else np.nan for v in row] for row in rows[start + 4:] if row[0]])
    return rate, {name: data[:, i:i + 3] for i, name in enumerate(names) if name}


@pytest.fixture(scope="module")
def pycgm_sample(data_dir):
    """(static Trial with the VSK's measurements, its stored model outputs, the VSK's offsets)."""
    rate, columns = read_vicon_csv(data_dir / PYCGM_STATIC)
    vsk = gaitcore.read_vsk(data_dir / PYCGM_VSK)
    names = list(columns)
    # the export lists the labelled markers (head ... RTOE), then the model's virtual points and angles
    markers = {k: columns[k] for k in names[:names.index("RTOE") + 1]}
    outputs = {k: v for k, v in columns.items() if k.endswith("Angles")}
    static = gaitcore.Trial(markers=markers, marker_rate=rate, metadata=vsk["metadata"], model_outputs=outputs,
                            source=str(data_dir / PYCGM_STATIC))
    return static, vsk["calibration"]


def _derived(static, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a static without upper body / thorax: notes only
        return pig_static_calibration(static, **options)


@pytest.mark.parametrize("hjc", ["davis", "harrington"])
def test_real_static_reproduces_the_labs_stored_offsets(pycgm_sample, hjc):
    """Issue 12: "the offsets derived from a static trial reproduce that calibration within 0.5 deg".
    Vicon Nexus's offsets (the VSK, written when the static was processed) vs ours from the static's
    markers, with the VSK's measurements, Plug-in Gait's 14 mm markers and no flat foot (Vicon's
    default; the VSK's TibialTorsion is 0 and the static has no medial malleolus).  Measured |diff|
    <= 0.008 deg with Davis's hip centre (as Plug-in Gait), 0.052 with Harrington's (the hip centre
    moves the knee centre only a little); a single frame of the extract: <= 0.025 deg.  The bound,
    0.1 deg, is a fifth of the issue's limit and well above that frame-to-frame spread."""
    static, stored = pycgm_sample
    got = _derived(static, flat_foot=False, hjc=hjc, marker_radius_mm=7.0)
    diffs = {k: got[k] - stored[k] for k in OFFSET_KEYS}
    print(hjc, {k: round(v, 3) for k, v in diffs.items()})
    assert max(abs(v) for v in diffs.values()) <= 0.1
    assert "L_tibial_torsion_deg" not in got and stored["L_tibial_torsion_deg"] == 0.0


def test_real_static_settings_that_miss(pycgm_sample):
    """The comparison can fail, and says which settings the lab used: the flat-foot option moves the
    plantar flexion by 1.10 (L) / 1.55 (R) deg (the heel marker sits above the toe marker), the
    9.5 mm markers of walk.c3d's lab (radius 4.75 mm, not 7) the rotation offsets by -0.67 / -0.77 deg,
    a 10 mm larger ankle width by +1.68 / +1.89 deg (all measured)."""
    static, stored = pycgm_sample
    flat = _derived(static, flat_foot=True, hjc="davis", marker_radius_mm=7.0)
    small_markers = _derived(static, flat_foot=False, hjc="davis", marker_radius_mm=4.75)
    wide = _derived(replace(static, metadata={**static.metadata, "ankle_width_mm_L": 80.0, "ankle_width_mm_R": 80.0}),
                    flat_foot=False, hjc="davis", marker_radius_mm=7.0)
    for side in "LR":
        assert flat[f"{side}_static_plantar_flexion_deg"] - stored[f"{side}_static_plantar_flexion_deg"] > 0.9
        for got in (small_markers, wide):
            assert abs(got[f"{side}_static_rotation_offset_deg"] - stored[f"{side}_static_rotation_offset_deg"]) > 0.5


def test_real_static_angles_with_the_derived_offsets(pycgm_sample):
    """The static's own Plug-in Gait angles (stored by Nexus in the same export) against gaitcore's on
    the same frames with the derived offsets: hip and knee <= 0.01 deg (measured < 0.001); the ankle's
    flexion and rotation (the direction of the foot's long axis, which the offsets set) <= 0.05 deg
    (measured <= 0.017), 11.6 / 17.8 deg of flexion off without offsets.  The ankle's inversion (roll about
    the long axis) is left out: in the static Nexus writes 0 (a foot whose medio-lateral axis is the
    shank's), whereas runs turn the whole uncorrected foot by the offsets, as gaitcore does (walk.c3d
    parity <= 0.03 deg RMS, tests/test_kinematics.py); the two differ by about p sin(rotation)."""
    static, _ = pycgm_sample
    derived = _derived(static, flat_foot=False, hjc="davis", marker_radius_mm=7.0)
    options = dict(hjc="davis", pelvis_sequence="pig", progression="lab_axis", marker_radius_mm=7.0,
                   ankle_sequence="pig", cutoff_hz=None, max_gap_s=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = build_model(static, calibration=derived, **options).angles
        bare = build_model(static, calibration=None, **options).angles
    for side in "LR":
        for joint in ("hip", "knee"):
            np.testing.assert_allclose(ours[f"{side}_{joint}"], static.model_outputs[f"{side}{joint.title()}Angles"],
                                       atol=0.01)
        ref = static.model_outputs[f"{side}AnkleAngles"]
        np.testing.assert_allclose(ours[f"{side}_ankle"][:, [0, 2]], ref[:, [0, 2]], atol=0.05)
        assert np.abs(bare[f"{side}_ankle"][:, 0] - ref[:, 0]).min() > 10.0


def test_read_vsk(data_dir, tmp_path):
    vsk = gaitcore.read_vsk(data_dir / PYCGM_VSK)
    assert vsk["metadata"] == {"body_mass_kg": 75.0, "height_mm": 1760.0, "inter_asis_mm": 215.908996582031,
                               "leg_length_mm_L": 940.0, "knee_width_mm_L": 105.0, "ankle_width_mm_L": 70.0,
                               "leg_length_mm_R": 940.0, "knee_width_mm_R": 105.0, "ankle_width_mm_R": 70.0}
    # the file's radians in degrees; AsisTrocanterDistance (an expression, no value) is left out
    assert vsk["calibration"]["R_static_plantar_flexion_deg"] == pytest.approx(math.degrees(0.270241528749466))
    assert vsk["calibration"]["L_static_rotation_offset_deg"] == pytest.approx(math.degrees(0.00940290931612253))
    assert sorted(vsk["calibration"]) == sorted(f"{s}_{k}" for s in "LR" for k in KEYS)
    unprocessed = tmp_path / "new.vsk"
    unprocessed.write_text('<KinematicModel xmlns="urn:x"><Parameters><StaticParameter NAME="Bodymass" VALUE="60"/>'
                           '<StaticParameter NAME="LeftKneeWidth" VALUE="nan"/></Parameters></KinematicModel>')
    assert gaitcore.read_vsk(unprocessed) == {"metadata": {"body_mass_kg": 60.0}, "calibration": {}}
    # Nexus 2's layout (lines of pyCGM's SampleData/Test_Files/Test.vsk, MIT): VALUE first, "true"/"false",
    # a torsion never entered has no VALUE
    nexus2 = tmp_path / "nexus2.vsk"
    nexus2.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<KinematicModel MODEL="PlugInGait FullBody Ai" '
        'VERSION="3.2">\n\t<Parameters>\n'
        '\t\t<StaticParameter NAME="LeftKneeWidth" VALUE="144" PRIOR="120" HIDDEN="false" ADVANCED="false" '
        'READONLY="false" REQUIRED="true" QUANTITY="length"/>\n'
        '\t\t<StaticParameter NAME="LeftTibialTorsion" PRIOR="0" HIDDEN="false" ADVANCED="false" READONLY="false" '
        'REQUIRED="false" QUANTITY="angle"/>\n'
        '\t\t<StaticParameter NAME="LeftStaticPlantFlex" VALUE="0.25269871950149536" PRIOR="0" HIDDEN="false" '
        'ADVANCED="true" READONLY="true" REQUIRED="false" QUANTITY="angle"/>\n'
        '\t\t<Parameter NAME="HipWidth" VALUE="123.81272125244141" PRIOR="98.438751220703125" SD="0" '
        'HIDDEN="false"/>\n\t</Parameters>\n</KinematicModel>\n')
    got = gaitcore.read_vsk(nexus2)
    assert got["metadata"] == {"knee_width_mm_L": 144.0}
    assert got["calibration"] == {"L_static_plantar_flexion_deg": pytest.approx(math.degrees(0.25269871950149536))}
    for text in ("not xml <", "<KinematicModel/>"):
        unprocessed.write_text(text)
        with pytest.raises(gaitcore.FormatError, match="new.vsk"):
            gaitcore.read_vsk(unprocessed)
    with pytest.raises(FileNotFoundError):
        gaitcore.read_vsk(tmp_path / "missing.vsk")
