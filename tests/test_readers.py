"""Readers on the bundled real recordings (datasets/), format variants and the marker alias map."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import DEC, INTEL, MIPS, convert_c3d
from gaitcore import datasets
from gaitcore.io import COP_MIN_FZ_N, read_c3d, read_c3d_parameters, read_mot, read_trc, read_trial
from gaitcore.markers import MARKER_ALIASES, canonical_marker_name, rename_markers

PELVIS = ("LASI", "RASI", "LPSI", "RPSI")


@pytest.fixture(scope="module")
def walk(walk_c3d):
    return read_c3d(walk_c3d)


@pytest.fixture(scope="module")
def running(running_c3d):
    return read_c3d(running_c3d)


@pytest.fixture(scope="module")
def rajagopal(rajagopal_trc, rajagopal_grf):
    return read_trial(rajagopal_trc, grf=rajagopal_grf)


def crossings(plate, threshold=10.0):
    """(kind, time_s) where the vertical force crosses ``threshold``, linearly interpolated."""
    fz, out = plate.fz, []
    above = fz >= threshold
    for i in np.flatnonzero(above[1:] != above[:-1]):
        t = (i + (threshold - fz[i]) / (fz[i + 1] - fz[i])) / plate.rate
        out.append(("on" if above[i + 1] else "off", t))
    return out


def complete_contacts(plate):
    """(t_on, t_off) of contacts that begin and end inside the recording."""
    c = crossings(plate)
    return [(c[i][1], c[i + 1][1]) for i in range(len(c) - 1) if c[i][0] == "on" and c[i + 1][0] == "off"]


# ----------------------------------------------------------------------------- datasets

def test_datasets_list_has_all_files():
    assert {"walk.c3d", "Running_0002.c3d", "walking2.c3d", "Rajagopal_grf_run.mot",
            "Rajagopal_motion_capture_run.trc", "Rajagopal_static_run.trc", "Dorn2012.npz"} <= set(datasets.list())


def test_datasets_path_points_into_the_repo(data_dir):
    assert datasets.path("walk.c3d") == data_dir / "walk.c3d"


def test_datasets_unknown_name_lists_available():
    with pytest.raises(ValueError, match="walk.c3d"):
        datasets.path("nope.c3d")


def test_datasets_env_var_wins(tmp_path, monkeypatch):
    (tmp_path / "mine.c3d").write_bytes(b"x")
    monkeypatch.setenv("GAITCORE_DATA", str(tmp_path))
    assert datasets.list() == ["mine.c3d"]
    assert datasets.path("mine.c3d") == tmp_path / "mine.c3d"


# ----------------------------------------------------------------------------- walk.c3d

def test_walk_events_match_10N_crossings(walk):
    """Each complete single-plate contact starts with a Foot Strike and ends with a Foot Off within 2 ms."""
    ev = walk.events
    matched = 0
    for plate in walk.plates:
        for t_on, t_off in complete_contacts(plate):
            strike = ev[ev.event == "IC"].time_s.sub(t_on).abs().min()
            off = ev[ev.event == "TO"].time_s.sub(t_off).abs().min()
            assert strike < 0.002 and off < 0.002, (plate.name, t_on, t_off)
            matched += 2
    assert matched == 4


def test_walk_events_table(walk):
    ev = walk.events
    assert list(ev.columns) == ["side", "event", "time_s"]
    assert len(ev) == 8 and set(ev.event) == {"IC", "TO"} and set(ev.side) == {"L", "R"}
    assert ev.time_s.is_monotonic_increasing
    assert 0 <= ev.time_s.min() and ev.time_s.max() <= walk.duration_s


def test_walk_pelvis_marker_heights(walk):
    for name in PELVIS:
        z = walk.markers[name][:, 2]
        assert 800 <= np.nanmedian(z) <= 1100, name


def test_walk_body_mass_and_subject_metadata(walk):
    meta = walk.metadata
    assert meta["body_mass_kg"] == pytest.approx(73.4, abs=1e-4)
    assert meta["height_mm"] == pytest.approx(1639)
    assert meta["leg_length_mm_L"] == pytest.approx(886) and meta["leg_length_mm_R"] == pytest.approx(884)
    assert meta["inter_asis_mm"] == pytest.approx(227)


def test_walk_model_outputs_are_not_markers(walk):
    assert "LHipAngles" in walk.model_outputs and "RAnklePower" in walk.model_outputs
    assert not any(k.endswith(("Angles", "Power", "Moment", "Force")) for k in walk.markers)
    assert "LKJC" in walk.markers  # modelled joint centres are positions


def test_walk_plates_and_rates(walk):
    assert walk.marker_rate == 100 and walk.n_frames == 221
    assert len(walk.plates) == 4 and all(p.rate == 2000 for p in walk.plates)
    assert all(p.force.shape == (4420, 3) and p.corners.shape == (4, 3) for p in walk.plates)
    assert "Force.Fz1" not in walk.analogs and len(walk.analogs) == 248 - 24


@pytest.mark.parametrize("name", ["walk.c3d", "Running_0002.c3d", "walking2.c3d"])
def test_loaded_vertical_force_is_positive(name):
    for plate in read_c3d(datasets.path(name)).plates:
        assert plate.fz.min() > -5 * COP_MIN_FZ_N, plate.name
    assert max(p.fz.max() for p in read_c3d(datasets.path(name)).plates) > 500


@pytest.mark.parametrize("name", ["walk.c3d", "Running_0002.c3d", "walking2.c3d"])
def test_cop_inside_plate_when_loaded(name):
    for plate in read_c3d(datasets.path(name)).plates:
        loaded = plate.fz > max(0.3 * plate.fz.max(), 100)  # the onset is noisy on un-zeroed plates
        if plate.fz.max() < 100:
            continue
        lo, hi = plate.corners.min(axis=0) - 20, plate.corners.max(axis=0) + 20
        cop = plate.cop[loaded]
        assert np.all((cop[:, :2] >= lo[:2]) & (cop[:, :2] <= hi[:2])), plate.name
        assert np.isnan(plate.cop[plate.fz < COP_MIN_FZ_N]).all()


# ----------------------------------------------------------------------------- Running_0002.c3d

def test_running_one_stance_on_plate_1(running):
    contacts = complete_contacts(running.plates[0])
    assert len(contacts) == 1
    t_on, t_off = contacts[0]
    assert t_off - t_on == pytest.approx(0.285, abs=0.015)
    assert running.plates[0].fz.max() > 1000


def test_running_marker_names_mapped(running):
    for name in ("LASI", "RASI", "LPSI", "RPSI", "C7", "CLAV", "STRN", "T10", "LKNE", "RANK", "LHEE", "RMT1", "LMT5"):
        assert name in running.markers, name


# ----------------------------------------------------------------------------- walking2.c3d

def test_walking2_markers_and_plates(walking2_c3d):
    t = read_c3d(walking2_c3d)
    assert {"LASI", "LMED", "RKNM", "LHEE", "LTOE", "STRN"} <= set(t.markers)
    assert t.marker_rate == 250 and len(t.plates) == 2 and t.events.empty


# ----------------------------------------------------------------------------- Rajagopal TRC + MOT

def test_rajagopal_left_and_right_force(rajagopal):
    sides = [p.side for p in rajagopal.plates]
    assert sides == ["R", "L"]
    r, l = rajagopal.plates
    assert not np.allclose(r.force, l.force)
    both = (r.fz > 50) & (l.fz > 50)
    assert both.mean() < 0.05  # running: almost no double support


def test_rajagopal_vertical_force_up_and_in_body_weights(rajagopal):
    total = rajagopal.plates[0].fz + rajagopal.plates[1].fz
    body_weight = total.mean()  # over whole strides the mean vertical GRF equals body weight
    assert 500 < body_weight < 1100
    for plate in rajagopal.plates:
        assert plate.fz.min() >= -1
        assert 1.5 <= plate.fz.max() / body_weight <= 3.5


def test_rajagopal_markers_z_up_mm(rajagopal):
    z = np.nanmedian(rajagopal.markers["LASI"][:, 2])
    assert 800 <= z <= 1200
    # right-handed, z up, x forward: the left pelvis is at larger y than the right one
    assert np.nanmedian(rajagopal.markers["LASI"][:, 1] - rajagopal.markers["RASI"][:, 1]) > 150


def test_rajagopal_cop_in_mm_and_rates(rajagopal):
    r = rajagopal.plates[0]
    loaded = r.fz > 100
    cop = r.cop[loaded]
    assert np.ptp(cop[:, 0]) > 100  # metres would span < 2
    assert np.allclose(cop[:, 2], 0.0, atol=1.0)
    assert rajagopal.marker_rate == 100 and r.rate == 1000
    assert r.force.shape[0] / r.rate == pytest.approx(rajagopal.duration_s, abs=0.02)


def test_read_mot_alone(rajagopal_grf):
    t = read_mot(rajagopal_grf)
    assert t.markers == {} and len(t.plates) == 2 and t.plates[0].rate == 1000
    assert [p.name for p in t.plates] == ["R_ground", "L_ground"]


def test_read_mot_joint_angles_go_to_analogs(tmp_path):
    f = tmp_path / "angles.mot"
    rows = "\n".join(f"{i / 100:.2f}\t{i}\t{-i}" for i in range(10))
    f.write_text(f"Coordinates\nversion=1\nnRows=10\nnColumns=3\ninDegrees=yes\nendheader\n"
                 f"time\thip_flexion_r\tknee_angle_r\n{rows}\n")
    t = read_mot(f)
    assert t.plates == [] and set(t.analogs) == {"hip_flexion_r", "knee_angle_r"}
    assert t.analog_rate == pytest.approx(100) and t.metadata["in_degrees"] is True


def test_static_trc_markers_mapped(rajagopal_static):
    t = read_trc(rajagopal_static)
    assert {"LKNE", "LKNM", "LANK", "LMED", "RHEE", "LHJC"} <= set(t.markers)


# ----------------------------------------------------------------------------- format variants

def _same_trial(a, b, marker_tol=0.0, force_tol=0.0):
    assert list(a.markers) == list(b.markers)
    for k in a.markers:
        np.testing.assert_array_equal(np.isnan(a.markers[k]), np.isnan(b.markers[k]), err_msg=k)
        np.testing.assert_allclose(b.markers[k], a.markers[k], atol=marker_tol, rtol=0, err_msg=k)
    assert len(a.plates) == len(b.plates)
    for p, q in zip(a.plates, b.plates):
        np.testing.assert_allclose(q.force, p.force, atol=force_tol, rtol=0)
        strong = p.fz > 100
        np.testing.assert_allclose(q.cop[strong], p.cop[strong], atol=max(1e-9, force_tol), rtol=0)
    assert a.events.equals(b.events)
    encoding = ("processor", "storage", "quirks")  # how the file was written, not what it holds
    assert {k: v for k, v in a.metadata.items() if k not in encoding} == \
        {k: v for k, v in b.metadata.items() if k not in encoding}


@pytest.mark.parametrize("name", ["walk.c3d", "Running_0002.c3d"])
@pytest.mark.parametrize("processor,label", [(DEC, "DEC"), (MIPS, "MIPS"), (INTEL, "Intel")])
def test_processor_types_read_the_same(tmp_path, name, processor, label):
    original = read_c3d(datasets.path(name))
    path = convert_c3d(datasets.path(name), tmp_path / name, processor=processor)
    assert path.read_bytes()[512 * (path.read_bytes()[0] - 1) + 3] == processor
    converted = read_c3d(path)
    assert converted.metadata["processor"] == label
    _same_trial(original, converted)


@pytest.mark.parametrize("name", ["walk.c3d", "Running_0002.c3d"])
def test_unsigned_integer_analog_reads_the_same(tmp_path, name):
    original = read_c3d(datasets.path(name))
    path = convert_c3d(datasets.path(name), tmp_path / name, unsigned_analog=True)
    raw = path.read_bytes()
    assert b"UNSIGNED" in raw and np.frombuffer(raw[12:16], "<f4")[0] > 0  # integer storage
    converted = read_c3d(path)
    _same_trial(original, converted, marker_tol=0.1, force_tol=0.1)


def test_plate_type_4_with_identity_calibration(tmp_path, walk_c3d, walk):
    edits = [("FORCE_PLATFORM", "TYPE", 2, np.full(4, 4, "<i2").tobytes(), [4]),
             ("FORCE_PLATFORM", "CAL_MATRIX", 4, np.tile(np.eye(6, dtype="<f4"), (4, 1, 1)).tobytes(), [6, 6, 4])]
    converted = read_c3d(convert_c3d(walk_c3d, tmp_path / "t4.c3d", edits=edits))
    _same_trial(walk, converted)


def test_plate_that_pulls_is_flipped_and_listed(tmp_path, running_c3d, running):
    """A file whose channels hold the force ON the plate (opposite convention) still gives Fz > 0;
    a clear case is a quirk, not a warning (tests/test_plate_sign.py)."""
    scale = read_c3d_parameters(running_c3d)[1].numbers("ANALOG:SCALE")
    edits = [("ANALOG", "SCALE", 4, (-scale).astype("<f4").tobytes(), [len(scale)])]
    path = convert_c3d(running_c3d, tmp_path / "flipped.c3d", edits=edits)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flipped = read_c3d(path)
    assert [q.split(":")[1].strip() for q in flipped.metadata["quirks"] if q.startswith("plate_sign_reversed")] == ["FP1"]
    # plate 1 carries the stance; plate 2 (never loaded) cannot tell its sign and is left as stored
    np.testing.assert_allclose(flipped.plates[0].force, running.plates[0].force, atol=1e-6)
    np.testing.assert_allclose(flipped.plates[0].free_moment, running.plates[0].free_moment, atol=1e-3)
    np.testing.assert_array_equal(flipped.plates[0].cop, running.plates[0].cop)


# ----------------------------------------------------------------------------- marker aliases

@pytest.mark.parametrize("spelling,canonical", [
    ("LASIS", "LASI"), ("L.ASIS", "LASI"), ("L_ASIS", "LASI"), ("L_ASI", "LASI"), ("lasi", "LASI"),
    ("RASIS", "RASI"), ("R.ASIS", "RASI"), ("LPSIS", "LPSI"), ("L.PSIS", "LPSI"), ("LBackAsis", "LPSI"),
    ("RBackAsis", "RPSI"), ("Sacrum", "SACR"), ("Clav", "CLAV"), ("Sternum", "STRN"), ("C7", "C7"),
    ("LKneeLat", "LKNE"), ("L.Knee.Lat", "LKNE"), ("LKNEL", "LKNE"), ("LKneeMed", "LKNM"),
    ("LAnkleLat", "LANK"), ("L.Ankle", "LANK"), ("RMMAL", "RMED"), ("LHeel", "LHEE"), ("LCAL", "LHEE"),
    ("L.Heel", "LHEE"), ("LTOE", "LTOE"), ("LMT2", "LTOE"), ("L.Toe", "LTOE"), ("LMT1", "LMT1"),
    ("L_MT5", "LMT5"), ("LThigh", "LTHI"), ("RTibia", "RTIB"), ("Subject01:L.ASIS", "LASI"),
    ("r-knee lat", "RKNE"),
])
def test_alias_spellings(spelling, canonical):
    assert canonical_marker_name(spelling) == canonical


def test_alias_table_lists_lab_spellings():
    assert "LBackAsis" in MARKER_ALIASES["LPSI"] and "L.ASIS" in MARKER_ALIASES["LASI"]


def test_unknown_marker_kept():
    assert canonical_marker_name("LThighUpperC") == "LThighUpperC"


def test_user_aliases_extend_and_override():
    mine = {"LHEEL_X": ("LHeel",), "PELVIS_FRONT": ("PELA",)}
    assert canonical_marker_name("LHeel", aliases=mine) == "LHEEL_X"
    assert canonical_marker_name("PELA", aliases=mine) == "PELVIS_FRONT"
    assert canonical_marker_name("LASIS", aliases=mine) == "LASI"


def test_rename_keeps_both_on_collision():
    out = rename_markers({"LMT2": 1, "LTOE": 2, "L.ASIS": 3})
    assert out == {"LMT2": 1, "LTOE": 2, "LASI": 3}


def test_reader_aliases_argument(running_c3d):
    t = read_c3d(running_c3d, aliases={"HEEL_LEFT": ("LHeel",)})
    assert "HEEL_LEFT" in t.markers and "LHEE" not in t.markers


def test_grf_cropped_to_the_marker_window(tmp_path, rajagopal_trc, rajagopal_grf):
    lines = rajagopal_trc.read_text().splitlines()
    head = 6 if not lines[5].strip() else 5
    late = tmp_path / "late.trc"
    late.write_text("\n".join(lines[:head] + lines[head + 50:]) + "\n")
    trial = read_trial(late, grf=rajagopal_grf)
    full = read_mot(rajagopal_grf)
    assert trial.metadata["first_time_s"] == pytest.approx(0.73)
    first = int(round((0.73 - 0.23) * 1000))
    np.testing.assert_array_equal(trial.plates[0].force[0], full.plates[0].force[first])
    assert trial.plates[0].force.shape[0] / 1000 == pytest.approx(trial.duration_s, abs=0.011)


def test_trc_blank_cells_are_nan(tmp_path):
    f = tmp_path / "gaps.trc"
    f.write_text("PathFileType\t4\t(X/Y/Z)\tgaps.trc\n"
                 "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames\n"
                 "100\t100\t3\t2\tm\t100\t1\t3\n"
                 "Frame#\tTime\tL.ASIS\t\t\tfoo\t\t\n"
                 "\t\tX1\tY1\tZ1\tX2\tY2\tZ2\n\n"
                 "1\t0.00\t0.1\t1.0\t-0.2\t1\t2\t3\n"
                 "2\t0.01\t\t\t\t1\t2\t3\n"
                 "3\t0.02\t0.1\t1.0\t-0.2\t1\t2\t3\n")
    t = read_trc(f)
    assert list(t.markers) == ["LASI", "foo"]
    np.testing.assert_allclose(t.markers["LASI"][0], [100.0, 200.0, 1000.0])  # m -> mm, y up -> z up
    assert np.isnan(t.markers["LASI"][1]).all() and t.marker_rate == 100
