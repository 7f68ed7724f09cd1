"""TRC and MOT as labs write them: up axis, units, rounded time columns, force-set names, fuzz defects."""
from __future__ import annotations

import time

import numpy as np
import pytest

from gaitcore._errors import FormatError
from gaitcore.io import read_mot, read_trc, read_trial

NAMES = ["LASI", "RASI", "C7", "LHEE", "RTOE"]


def write_trc(path, xyz, rate=100.0, names=NAMES, units="mm", extra_header=None, first_row_extra=0):
    """xyz (n, M, 3) in the file's axes and units."""
    keys = ["DataRate", "CameraRate", "NumFrames", "NumMarkers", "Units"]
    values = [f"{rate:g}", f"{rate:g}", str(len(xyz)), str(len(names)), units]
    for k, v in (extra_header or {}).items():
        keys.append(k)
        values.append(v)
    head = ["PathFileType\t4\t(X/Y/Z)\tt.trc", "\t".join(keys), "\t".join(values),
            "Frame#\tTime\t" + "\t\t\t".join(names), "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, len(names) + 1)),
            ""]
    rows = []
    for i, frame in enumerate(xyz):
        cells = [str(i + 1), f"{i / rate:.5f}"] + [f"{v:.4f}" for v in frame.ravel()]
        if i == 0 and first_row_extra:
            cells += ["7.5"] * first_row_extra
        rows.append("\t".join(cells))
    path.write_text("\n".join(head + rows) + "\n")
    return path


def standing_body_zup(n=50):
    """A body in z-up mm: pelvis ~950, C7 ~1450, feet ~50; walking along +x."""
    base = np.array([[100, 120, 950], [100, -120, 950], [0, 0, 1450], [-50, 90, 60], [150, -90, 40]], float)
    xyz = np.repeat(base[None], n, axis=0)
    xyz[:, :, 0] += 10.0 * np.arange(n)[:, None]  # whole mm: exact in the 4-decimal text
    return xyz


def test_zup_trc_read_upright(tmp_path):
    zup = standing_body_zup()
    t = read_trc(write_trc(tmp_path / "zup.trc", zup))
    np.testing.assert_allclose(t.markers["LASI"], zup[:, 0], atol=1e-9)
    assert t.metadata["up_axis"] == "+z" and any(q.startswith("up_axis") for q in t.metadata["quirks"])


def test_yup_trc_is_turned_as_opensim(tmp_path):
    zup = standing_body_zup()
    yup = np.stack([zup[..., 0], zup[..., 2], -zup[..., 1]], axis=-1)  # OpenSim: (x, y, z) = (x, z_lab, -y_lab)
    t = read_trc(write_trc(tmp_path / "yup.trc", yup / 1000.0, units="m"))
    np.testing.assert_allclose(t.markers["LASI"], zup[:, 0], atol=1e-6)
    assert t.metadata["up_axis"] == "+y" and t.metadata["quirks"] == []


def test_up_axis_override_and_header_disagreeing(tmp_path):
    zup = standing_body_zup()
    path = write_trc(tmp_path / "hdr.trc", zup, extra_header={"UpAxis": "Y"})
    with pytest.warns(UserWarning, match="header says \\+y.*markers.*\\+z"):
        t = read_trc(path)
    assert t.metadata["up_axis"] == "+y"
    t = read_trc(path, up_axis="z")
    np.testing.assert_allclose(t.markers["C7"], zup[:, 2], atol=1e-9)
    with pytest.raises(ValueError, match="up_axis"):
        read_trc(path, up_axis="up")


def test_first_row_extra_cells_refused(tmp_path):
    path = write_trc(tmp_path / "extra.trc", standing_body_zup(), first_row_extra=3)
    with pytest.raises(FormatError, match="extra.trc.*row 1"):
        read_trc(path)


def test_100000_extra_cells_refused_quickly(tmp_path):
    path = write_trc(tmp_path / "wide.trc", standing_body_zup(), first_row_extra=100_000)
    start = time.process_time()
    with pytest.raises(FormatError, match="wide.trc"):
        read_trc(path)
    assert time.process_time() - start < 20  # CPU seconds (the Python engine took minutes)


@pytest.mark.parametrize("key,value", [("DataRate", "inf"), ("DataRate", "1e400"), ("DataRate", "1e-320"),
                                       ("NumMarkers", "inf"), ("NumMarkers", "1e400"), ("DataRate", "nan"),
                                       ("NumMarkers", "1e-320")])
def test_bad_header_numbers_refused(tmp_path, key, value):
    path = write_trc(tmp_path / "num.trc", standing_body_zup())
    lines = path.read_text().splitlines()
    keys, values = lines[1].split("\t"), lines[2].split("\t")
    values[keys.index(key)] = value
    lines[2] = "\t".join(values)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError, match=f"num.trc.*{key}"):
        read_trc(path)


def test_huge_numbers_in_marker_cells_are_listed_gaps(tmp_path):
    """1e400 (beyond float64) in a marker cell is a gap, as inf in a C3D is (test_infinite_values)."""
    path = write_trc(tmp_path / "big.trc", standing_body_zup())
    text = path.read_text().replace("950.0000", "1e400", 1)
    path.write_text(text)
    t = read_trc(path)
    assert np.isnan(t.markers["LASI"][0]).all() and np.isfinite(t.markers["LASI"][1:]).all()
    assert any(q.startswith("marker_gaps_as_inf: LASI 1 frame") for q in t.metadata["quirks"])


def test_duplicate_marker_names_refused(tmp_path):
    path = write_trc(tmp_path / "dup.trc", standing_body_zup(), names=["LASI", "RASI", "LASI", "LHEE", "RTOE"])
    with pytest.raises(FormatError, match="dup.trc.*LASI"):
        read_trc(path)


# ----------------------------------------------------------------------------- MOT

def write_mot(path, time_cells, columns, values):
    rows = "\n".join("\t".join([t] + [f"{v:.6f}" for v in row]) for t, row in zip(time_cells, values))
    path.write_text(f"grf\nversion=1\nnRows={len(time_cells)}\nnColumns={len(columns) + 1}\ninDegrees=no\n"
                    f"endheader\ntime\t" + "\t".join(columns) + "\n" + rows + "\n")
    return path


def _stance(n, rate):
    t = np.arange(n) / rate
    return np.clip(1500 * np.sin(2 * np.pi * 1.4 * t), 0, None)


def test_mot_rounded_to_1ms_at_60hz(tmp_path):
    n, rate = 120, 60.0
    cells = [f"{i / rate:.3f}" for i in range(n)]  # 0.016 / 0.017 s steps
    fz = _stance(n, rate)
    cols = [f"ground_force_v{a}" for a in "xyz"] + [f"ground_force_p{a}" for a in "xyz"]
    vals = np.column_stack([np.zeros(n), fz, np.zeros(n), np.full(n, 0.5), np.zeros(n), np.full(n, 0.1)])
    t = read_mot(write_mot(tmp_path / "r60.mot", cells, cols, vals))
    assert t.plates[0].rate == 60.0
    assert any(q.startswith("rounded_time_column") for q in t.metadata["quirks"])
    np.testing.assert_allclose(t.plates[0].fz, fz, atol=1e-6)


def test_mot_irregular_times_still_refused(tmp_path):
    cells = [f"{t:.3f}" for t in (0.0, 0.01, 0.02, 0.05, 0.06, 0.07)]
    with pytest.raises(FormatError, match="irr.mot.*uniformly"):
        read_mot(write_mot(tmp_path / "irr.mot", cells, ["x"], np.zeros((6, 1))))


@pytest.mark.parametrize("prefixes,sides", [
    (["ground_"], [""]), (["ground_", "1_ground_"], ["", ""]), (["r_ground_", "l_ground_"], ["R", "L"]),
    (["R_ground_", "L_ground_"], ["R", "L"]), (["calcn_r_", "calcn_l_"], ["R", "L"]),
    (["right_", "left_"], ["R", "L"]),
])
def test_mot_force_set_conventions(tmp_path, prefixes, sides):
    n = 200
    cols, blocks = [], []
    for k, p in enumerate(prefixes):
        fz = _stance(n, 1000.0) * (k + 1)
        cols += [f"{p}force_v{a}" for a in "xyz"] + [f"{p}force_p{a}" for a in "xyz"] + \
                [f"{p}torque_{a}" for a in "xyz"]
        blocks.append(np.column_stack([np.full(n, 10.0), fz, np.full(n, -5.0), np.full(n, 0.3), np.zeros(n),
                                       np.full(n, 0.05), np.zeros(n), np.full(n, 1.5), np.zeros(n)]))
    t = read_mot(write_mot(tmp_path / "sets.mot", [f"{i / 1000:.3f}" for i in range(n)], cols, np.hstack(blocks)))
    assert [p.side for p in t.plates] == sides and t.analogs == {}
    for k, plate in enumerate(t.plates):
        np.testing.assert_allclose(plate.fz, _stance(n, 1000.0) * (k + 1), atol=1e-6)
        np.testing.assert_allclose(plate.force[:, 1], 5.0)  # y_lab = -z_file
        loaded = plate.fz > 50
        np.testing.assert_allclose(plate.cop[loaded], [[300.0, -50.0, 0.0]] * int(loaded.sum()), atol=1e-6)
        np.testing.assert_allclose(plate.free_moment[loaded], 1500.0)


def test_mot_repeated_column_names_are_two_plates(tmp_path):
    n = 100
    cols = [f"ground_force_v{a}" for a in "xyz"] * 2
    vals = np.column_stack([np.zeros(n), _stance(n, 100.0), np.zeros(n), np.zeros(n), 2 * _stance(n, 100.0),
                            np.zeros(n)])
    t = read_mot(write_mot(tmp_path / "rep.mot", [f"{i / 100:.2f}" for i in range(n)], cols, vals))
    assert len(t.plates) == 2 and t.plates[1].fz.max() == pytest.approx(2 * t.plates[0].fz.max())


def test_rajagopal_pair_unchanged(rajagopal_trc, rajagopal_grf):
    t = read_trial(rajagopal_trc, grf=rajagopal_grf)
    assert t.metadata["up_axis"] == "+y" and [p.side for p in t.plates] == ["R", "L"]
    assert 800 <= np.nanmedian(t.markers["LASI"][:, 2]) <= 1200
