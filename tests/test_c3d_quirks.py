"""C3D quirks labs' files carry, each written by tests/c3d_writer.py: the values read equal the values written."""
from __future__ import annotations

import time

import numpy as np
import pytest

from c3d_writer import DEC, INTEL, MIPS, write_c3d
from gaitcore._errors import FormatError
from gaitcore.io import read_c3d
from gaitcore.io.c3d import map_event_label

RNG = np.random.default_rng(11)


def _points(n=50, p=3):
    pts = RNG.uniform(-900, 1500, size=(n, p, 3)).round(1)
    pts[3, -1] = np.nan  # one invalid sample
    return pts


@pytest.mark.parametrize("processor", [INTEL, DEC, MIPS])
@pytest.mark.parametrize("integer", [False, True])
def test_processors_and_storage(tmp_path, processor, integer):
    pts = _points()
    analog = RNG.uniform(-5, 5, size=(100, 2)).round(3)
    path = write_c3d(tmp_path / "p.c3d", pts, 100.0, analog=analog, analog_per_frame=2, processor=processor,
                     integer=integer, point_scale=0.1, analog_scale=[0.001, 0.002])
    t = read_c3d(path)
    tol = 0.05 + 1e-9 if integer else 1e-3  # half a POINT:SCALE step; float32 rounding of 1500 mm
    for j in range(3):
        np.testing.assert_allclose(t.markers[f"M{j + 1}"], pts[:, j], atol=tol)
    assert np.isnan(t.markers["M3"][3]).all()
    np.testing.assert_allclose(t.analogs["A1"], analog[:, 0], atol=0.0005 + 1e-9 if integer else 1e-6)
    np.testing.assert_allclose(t.analogs["A2"], analog[:, 1], atol=0.001 + 1e-9 if integer else 1e-6)
    assert t.metadata["processor"] == {INTEL: "Intel", DEC: "DEC", MIPS: "MIPS"}[processor]
    assert t.metadata["storage"] == ("integer" if integer else "float") and t.analog_rate == 200


def test_unsigned_analog_with_offsets(tmp_path):
    analog = RNG.uniform(-2, 2, size=(60, 3)).round(3)
    path = write_c3d(tmp_path / "u.c3d", _points(30), 50.0, analog=analog, analog_per_frame=2, integer=True,
                     analog_scale=[0.001, 0.001, 0.002], analog_offset=[2048, 32768, 40000], unsigned=True)
    t = read_c3d(path)
    for i in range(3):
        np.testing.assert_allclose(t.analogs[f"A{i + 1}"], analog[:, i], atol=0.001 + 1e-9)
    assert any(q.startswith("unsigned_analog") for q in t.metadata["quirks"])


def test_duplicated_parameter_first_copy_wins(tmp_path):
    params = [("PROCESSING", "Bodymass", np.array([61.5], "f4")), ("PROCESSING", "Height", np.array([1700.0], "f4")),
              ("PROCESSING", "Bodymass", np.array([99.0], "f4"))]
    t = read_c3d(write_c3d(tmp_path / "dup.c3d", _points(5), 100.0, params=params))
    assert t.metadata["body_mass_kg"] == pytest.approx(61.5) and t.metadata["height_mm"] == 1700
    assert "duplicated_parameter: PROCESSING:BODYMASS (first copy wins)" in t.metadata["quirks"]


@pytest.mark.parametrize("units,factor", [("mm\x00\x00", 1.0), ("m\x00\x00\x00", 1000.0), ("cm  ", 10.0),
                                          ("\x00\x00\x00\x00", 1.0)])
def test_padded_units_and_labels(tmp_path, units, factor):
    pts = _points(5, 2)
    path = write_c3d(tmp_path / "pad.c3d", pts, 100.0, units=units, labels=["LASI", "RASI\x00\x00"], pad=b"\x00")
    t = read_c3d(path)
    assert set(t.markers) == {"LASI", "RASI"}
    np.testing.assert_allclose(t.markers["LASI"], pts[:, 0] * factor, rtol=1e-6)


def test_unknown_units_refused(tmp_path):
    with pytest.raises(FormatError, match="inch.c3d.*POINT:UNITS"):
        read_c3d(write_c3d(tmp_path / "inch.c3d", _points(5), 100.0, units="in"))


@pytest.mark.parametrize("how", ["trial_fields", "long_frames_float", "frames_float"])
def test_files_longer_than_65535_frames(tmp_path, how):
    n = 70_000
    pts = np.zeros((n, 1, 3))
    pts[:, 0, 0] = np.arange(n) % 1000
    pts[:, 0, 2] = 1000.0
    params = {"trial_fields": [("TRIAL", "ACTUAL_START_FIELD", np.array([1, 0])),
                               ("TRIAL", "ACTUAL_END_FIELD", np.array([n % 65536, n // 65536]))],
              "long_frames_float": [("POINT", "LONG_FRAMES", np.array([n], "f4"))],
              "frames_float": [("POINT", "FRAMES", np.array([n], "f4"))]}[how]  # as ezc3d writes it
    path = write_c3d(tmp_path / "long.c3d", pts, 200.0, params=params, header_frames=65535)
    t = read_c3d(path)
    assert t.n_frames == n
    np.testing.assert_array_equal(t.markers["M1"][:, 0], pts[:, 0, 0])


def test_huge_frame_count_refused_without_allocating(tmp_path):
    params = [("TRIAL", "ACTUAL_START_FIELD", np.array([1, 0])), ("TRIAL", "ACTUAL_END_FIELD", np.array([0, 32768]))]
    path = write_c3d(tmp_path / "huge.c3d", _points(5), 100.0, params=params, header_frames=65535)
    start = time.process_time()
    with pytest.raises(FormatError, match="huge.c3d.*truncated"):
        read_c3d(path)
    assert time.process_time() - start < 5  # CPU seconds, generous: reading 2^31 frames would take hours


def test_zero_byte_frames_with_huge_count_do_not_hang(tmp_path):
    params = [("TRIAL", "ACTUAL_START_FIELD", np.array([1, 0])), ("TRIAL", "ACTUAL_END_FIELD", np.array([0, 32768]))]
    path = write_c3d(tmp_path / "empty.c3d", np.zeros((0, 0, 3)), 100.0, params=params, header_frames=65535)
    t = read_c3d(path)
    assert t.markers == {} and t.plates == []


def _type4_file(tmp_path, cal, wrench, by_row=False):
    """A type-4 plate whose 6 channels are volts: V = inv(CAL) @ wrench."""
    volts = np.linalg.solve(cal, wrench.T).T
    corners = np.array([[300, -200, 0], [-300, -200, 0], [-300, 200, 0], [300, 200, 0]], "f4")
    stored = cal if by_row else cal.T  # C3D arrays are Fortran order: column by column unless BYROW
    params = [("FORCE_PLATFORM", "USED", np.array([1])), ("FORCE_PLATFORM", "TYPE", np.array([4])),
              ("FORCE_PLATFORM", "CHANNEL", np.arange(1, 7).reshape(1, 6)),
              ("FORCE_PLATFORM", "CORNERS", corners.reshape(1, 4, 3)),
              ("FORCE_PLATFORM", "ORIGIN", np.array([[0.0, 0.0, -40.0]], "f4")),
              ("FORCE_PLATFORM", "CAL_MATRIX", stored.astype("f4").reshape(1, 6, 6))]
    if by_row:
        params.append(("FORCE_PLATFORM", "MATRIX_STORE", "BYROW"))
    return write_c3d(tmp_path / "t4.c3d", _points(len(volts) // 10, 1), 100.0, analog=volts, analog_per_frame=10,
                     params=params)


@pytest.mark.parametrize("by_row", [False, True])
def test_type4_plate_in_volts_with_calibration_matrix(tmp_path, by_row):
    cal = np.diag([500.0, 500.0, 1000.0, 800.0, 800.0, 400.0])  # N/V, N m/V ... as a treadmill's sheet
    cal[0, 1], cal[2, 0], cal[4, 3] = 4.0, -7.5, 12.0  # cross-talk terms
    n = 200
    fz_plate = -np.concatenate([np.zeros(50), 1800 * np.sin(np.linspace(0, np.pi, 100)), np.zeros(50)])
    wrench = np.column_stack([0.1 * fz_plate, 0.05 * fz_plate, fz_plate, 20 * fz_plate, -30 * fz_plate,
                              np.zeros(n)])
    t = read_c3d(_type4_file(tmp_path, cal, wrench, by_row))
    plate = t.plates[0]
    np.testing.assert_allclose(plate.fz, -fz_plate, atol=0.05)  # plate z down: Fz on the body = -Fz plate
    np.testing.assert_allclose(plate.force[:, 0], 0.1 * fz_plate, atol=0.05)
    assert plate.fz.max() == pytest.approx(1800, abs=1)
    assert any("CAL_MATRIX" in q for q in t.metadata["quirks"])


def test_zero_range_applied_only_when_unloaded(tmp_path):
    n = 300
    fz = np.concatenate([np.zeros(100), -900 * np.sin(np.linspace(0, np.pi, 100)), np.zeros(100)])
    for offset, expect_zeroed in ((-25.0, True), (-700.0, False)):  # amplifier drift vs a body on the plate
        channels = np.column_stack([np.zeros(n), np.zeros(n), fz + offset, np.zeros(n), np.zeros(n), np.zeros(n)])
        corners = np.array([[300, -200, 0], [-300, -200, 0], [-300, 200, 0], [300, 200, 0]], "f4")
        params = [("FORCE_PLATFORM", "USED", np.array([1])), ("FORCE_PLATFORM", "TYPE", np.array([2])),
                  ("FORCE_PLATFORM", "CHANNEL", np.arange(1, 7).reshape(1, 6)),
                  ("FORCE_PLATFORM", "CORNERS", corners.reshape(1, 4, 3)),
                  ("FORCE_PLATFORM", "ORIGIN", np.array([[0.0, 0.0, -40.0]], "f4")),
                  ("FORCE_PLATFORM", "ZERO", np.array([1, 10]))]
        t = read_c3d(write_c3d(tmp_path / "z.c3d", _points(n // 10, 1), 100.0, analog=channels,
                               analog_per_frame=10, params=params))
        want = -fz if expect_zeroed else -(fz + offset)
        np.testing.assert_allclose(t.plates[0].fz, want, atol=1e-3)
        assert any(q.startswith("plate_zeroed") for q in t.metadata["quirks"]) == expect_zeroed


@pytest.mark.parametrize("label,context,want", [
    ("Foot Strike", "Left", ("L", "IC")), ("Foot Off", "Right", ("R", "TO")), ("LHS", "", ("L", "IC")),
    ("RTO", "", ("R", "TO")), ("Left Foot Strike", "", ("L", "IC")), ("Right Foot Off", "", ("R", "TO")),
    ("R_FS", "", ("R", "IC")), ("LFO", "", ("L", "TO")), ("Heel Strike Left", "", ("L", "IC")),
    ("Event", "General", ("", "Event")), ("RIC", "", ("R", "IC")), ("Foot Strike", "", ("", "IC")),
])
def test_event_labels_mapped(label, context, want):
    assert map_event_label(label, context) == want


def test_events_without_contexts_and_header_events(tmp_path):
    params = [("EVENT", "USED", np.array([2])), ("EVENT", "LABELS", ["LHS", "RTO"]),
              ("EVENT", "TIMES", np.array([[0.0, 0.25], [0.0, 0.4]], "f4"))]
    t = read_c3d(write_c3d(tmp_path / "ev.c3d", _points(60), 100.0, params=params))
    assert t.events.values.tolist() == [["L", "IC", pytest.approx(0.25)], ["R", "TO", pytest.approx(0.4)]]
    t = read_c3d(write_c3d(tmp_path / "hev.c3d", _points(60), 100.0, header_events=[("RHS", 0.3), ("LTO", 0.1)]))
    assert t.events.values.tolist() == [["L", "TO", pytest.approx(0.1)], ["R", "IC", pytest.approx(0.3)]]


def _plate_file(tmp_path, name, ptype, channels, cal=None, origin=(200.0, 300.0, -40.0)):
    corners = np.array([[300, -200, 0], [-300, -200, 0], [-300, 200, 0], [300, 200, 0]], "f4")
    params = [("FORCE_PLATFORM", "USED", np.array([1])), ("FORCE_PLATFORM", "TYPE", np.array([ptype])),
              ("FORCE_PLATFORM", "CHANNEL", np.arange(1, channels.shape[1] + 1).reshape(1, -1)),
              ("FORCE_PLATFORM", "CORNERS", corners.reshape(1, 4, 3)),
              ("FORCE_PLATFORM", "ORIGIN", np.array([origin], "f4"))]
    if cal is not None:
        params.append(("FORCE_PLATFORM", "CAL_MATRIX", cal.T.astype("f4")[None]))
    return read_c3d(write_c3d(tmp_path / name, _points(len(channels) // 10, 1), 100.0, analog=channels,
                              analog_per_frame=10, params=params))


def _kistler_channels(n=200):
    """fx12 fx34 fy14 fy23 fz1..fz4 of a load moving over the plate (force on the body, z down)."""
    fz = -np.concatenate([np.zeros(50), 1500 * np.sin(np.linspace(0, np.pi, 100)), np.zeros(50)])
    w = np.linspace(0.1, 0.4, n)
    return np.column_stack([0.05 * fz, 0.03 * fz, 0.02 * fz, -0.01 * fz, w * fz, (0.5 - w) * fz,
                            0.3 * fz, 0.2 * fz])


def test_type7_is_type3_through_its_calibration(tmp_path):
    raw = _kistler_channels()
    gains = np.diag(np.linspace(1.5, 2.5, 8))
    t3 = _plate_file(tmp_path, "t3.c3d", 3, raw)
    t7 = _plate_file(tmp_path, "t7.c3d", 7, raw @ np.linalg.inv(gains).T, cal=gains)
    np.testing.assert_allclose(t7.plates[0].force, t3.plates[0].force, atol=1e-3)
    loaded = t3.plates[0].fz > 100
    np.testing.assert_allclose(t7.plates[0].cop[loaded], t3.plates[0].cop[loaded], atol=1e-3)


def test_type5_is_type4_with_eight_channels(tmp_path):
    fz = _kistler_channels()[:, 4:8].sum(axis=1)  # negative when loaded (plate z down)
    wrench = np.column_stack([np.full(200, 20.0), np.full(200, -10.0), fz, np.full(200, 3000.0),
                              np.full(200, -4000.0), np.zeros(200)])
    cal8 = np.hstack([np.eye(6), np.zeros((6, 2))])  # two spare channels the calibration ignores
    channels = np.hstack([wrench, np.full((200, 2), 7.0)])
    t5 = _plate_file(tmp_path, "t5.c3d", 5, channels, cal=cal8, origin=(0.0, 0.0, -40.0))
    t2 = _plate_file(tmp_path, "t2.c3d", 2, wrench, origin=(0.0, 0.0, -40.0))
    np.testing.assert_allclose(t5.plates[0].force, t2.plates[0].force, atol=1e-3)


def test_type6_cop_at_the_loaded_sensor(tmp_path):
    n = 100
    channels = np.zeros((n, 12))
    channels[:, 2] = -np.linspace(100, 900, n)  # only sensor 1 (at +a, +b) carries the load
    t6 = _plate_file(tmp_path, "t6.c3d", 6, channels, cal=np.eye(12))
    plate = t6.plates[0]
    np.testing.assert_allclose(plate.fz, np.linspace(100, 900, n), atol=1e-3)
    # plate frame (x, y) = (a, b) = (200, 300) mm; the plate's y points along -y of the lab here
    np.testing.assert_allclose(plate.cop[:, :2], np.tile([200.0, -300.0], (n, 1)), atol=1e-3)
