"""Every bundled C3D from other writers: points and analogs equal ezc3d's (an independent reader),
plate forces equal an independent computation from the analog channels and the plate parameters."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA
from gaitcore.io import read_c3d, read_c3d_parameters
from gaitcore.io._common import parse_axis, rotation_to_zup
from gaitcore.io.plates import plate_rotation

if os.environ.get("GAITCORE_EXPECT_SANITIZED"):
    # ezc3d 1.7.2 frees an operator new[] block with free() when it hands arrays to NumPy:
    # AddressSanitizer aborts the process on reading any file (its bug, not gaitcore's).
    pytest.skip("ezc3d aborts under AddressSanitizer (alloc-dealloc mismatch)", allow_module_level=True)
ezc3d = pytest.importorskip("ezc3d")

# Unlicensed recordings (Dorn 2012's Vicon sprint) are read only from $GAITCORE_EXTRA_DATA, never copied.
EXTRA = sorted(str(p) for p in Path(os.environ["GAITCORE_EXTRA_DATA"]).rglob("*.c3d")) \
    if os.environ.get("GAITCORE_EXTRA_DATA") else []
FILES = sorted(str(p.relative_to(DATA)) for p in DATA.rglob("*.c3d")) + EXTRA  # DATA / absolute = absolute
UNITS = {"mm": 1.0, "m": 1000.0, "cm": 10.0}


def _read(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_c3d(DATA / name)


@pytest.mark.parametrize("name", FILES)
def test_points_equal_ezc3d(name):
    trial = _read(name)
    ref = ezc3d.c3d(str(DATA / name))
    pts = ref["data"]["points"]  # (4, P, n), NaN where invalid
    labels = ref["parameters"]["POINT"]["LABELS"]["value"]
    assert pts.shape[2] == (trial.n_frames if trial.markers else pts.shape[2])
    units = (ref["parameters"]["POINT"].get("UNITS", {}).get("value") or ["mm"])[0].strip("\x00 ") or "mm"
    together = {**trial.markers, **trial.model_outputs}
    assert len(together) == len(labels)
    values = list(trial.markers.values()) + list(trial.model_outputs.values())
    names = list(trial.markers) + list(trial.model_outputs)
    for j, label in enumerate(labels):
        ours = values[names.index(label)] if label in names else None
        if ours is None:  # renamed marker: find it by its position among markers
            continue
        if label in trial.model_outputs:
            want = pts[:3, j, :].T
        else:  # y-up labs are turned to z up
            want = pts[:3, j, :].T * UNITS[units] @ _lab(trial).T
        both = np.isfinite(ours).all(axis=1) & np.isfinite(want).all(axis=1)
        np.testing.assert_allclose(ours[both], want[both], rtol=1e-6, atol=1e-3, err_msg=label)


@pytest.mark.parametrize("name", FILES)
def test_analogs_equal_ezc3d(name):
    trial = _read(name)
    ref = ezc3d.c3d(str(DATA / name))
    analogs = ref["data"]["analogs"][0]  # (A, m), scaled
    labels = ref["parameters"]["ANALOG"].get("LABELS", {}).get("value", [])
    for i, label in enumerate(labels):
        label = label.strip("\x00 ")
        if label in trial.analogs:
            np.testing.assert_allclose(trial.analogs[label], analogs[i], rtol=1e-6, atol=1e-6, err_msg=label)


def _lab(trial):
    return rotation_to_zup(parse_axis(trial.metadata["up_axis"]))


def _expected_fz(name, k, ptype, channels, params, lab):
    """Vertical force on the body from the raw channel sum and the plate's corners, computed here."""
    ref = ezc3d.c3d(str(DATA / name))
    analogs = ref["data"]["analogs"][0]
    ch = analogs[channels[k] - 1].T
    if ptype == 3:
        f_plate = np.column_stack([ch[:, 0] + ch[:, 1], ch[:, 2] + ch[:, 3], ch[:, 4:8].sum(axis=1)])
    else:
        f_plate = ch[:, :3]
    corners = params.numbers("FORCE_PLATFORM:CORNERS").reshape(-1, 4, 3)[k] @ lab.T
    rot = plate_rotation(corners)
    rot = np.diag([1.0, -1.0, -1.0]) if rot is None else rot
    return f_plate @ rot[2]


@pytest.mark.parametrize("name", [f for f in FILES if "formats" in f or f in EXTRA
                                  or f in ("walk.c3d", "Running_0002.c3d", "walking2.c3d")])
def test_plate_vertical_force_from_channels(name):
    trial = _read(name)
    header, params = read_c3d_parameters(DATA / name)
    if not trial.plates:
        return
    types = params.numbers("FORCE_PLATFORM:TYPE").ravel().astype(int)
    channels = params.counts("FORCE_PLATFORM:CHANNEL").reshape(len(types), -1)
    zero = params.counts("FORCE_PLATFORM:ZERO").ravel()
    per_frame = round(trial.analog_rate / trial.marker_rate) if trial.markers else int(
        trial.analog_rate / params.number("POINT:RATE", header.frame_rate))
    for k, plate in enumerate(trial.plates):
        want = _expected_fz(name, k, types[k], channels, params, _lab(trial))
        if any(q.startswith(f"plate_zeroed: {plate.name}:") for q in trial.metadata["quirks"]):
            want = want - want[(zero[0] - 1) * per_frame:zero[1] * per_frame].mean()
        if any(q.startswith(f"plate_sign_reversed: {plate.name}:") for q in trial.metadata["quirks"]):
            want = -want
        np.testing.assert_allclose(plate.fz, want, rtol=1e-6, atol=1e-6, err_msg=f"{name} {plate.name}")


def test_kistler_and_fp_type1_against_the_channels():
    """The two files where gaitcore and ezc3d disagreed: the channel sums decide.

    Kistler: both plates' CORNERS lie in the x-z plane (y = 50 mm): the lab is y up.  The
    vertical force is the sum of the four fz channels (peak 826 N on plate 2, a foot landing);
    the 80 N (gaitcore before) and 26 N (ezc3d) were the horizontal fx12 + fx34 read along z.
    FP_Type1: plates 2-4 carry garbage CORNERS (1e10 to 1e24), so no rotation can be taken from
    them; Fz on the body is minus the FZ channel (plate z down), as ezc3d's peak 7.55 N."""
    kistler = _read("c3d-formats/ezc3d_Kistler.c3d")
    ref = ezc3d.c3d(str(DATA / "c3d-formats/ezc3d_Kistler.c3d"))["data"]["analogs"][0]
    assert kistler.metadata["up_axis"] == "+y"
    np.testing.assert_allclose(kistler.plates[1].fz, ref[12:16].sum(axis=0) - ref[12:16, :100].sum(axis=0).mean(),
                               atol=1e-9)  # ZERO range: frames 1-10 (100 samples), plate unloaded there
    assert kistler.plates[1].fz.max() == pytest.approx(826, abs=2)
    fp1 = _read("c3d-formats/ezc3d_FP_Type1.c3d")
    ref = ezc3d.c3d(str(DATA / "c3d-formats/ezc3d_FP_Type1.c3d"))["data"]["analogs"][0]
    np.testing.assert_allclose(fp1.plates[1].fz, -ref[10], atol=1e-9)
    assert fp1.plates[1].fz.max() == pytest.approx(7.55, abs=0.01)
    assert fp1.plates[1].corners is None and np.isnan(fp1.plates[1].cop).all()


def test_formerly_refused_files_read():
    rot = _read("c3d-formats/ezc3d_C3DRotationExample.c3d")
    assert rot.markers == {} and rot.marker_rate == 85
    opto = _read("c3d-formats/ezc3d_Optotrak.c3d")
    assert opto.n_frames == 29 and any(q.startswith("frame_count_overstated") for q in opto.metadata["quirks"])
    dec = _read("c3d-formats/ezc3d_read_NOTworking2.c3d")
    assert dec.metadata["processor"] == "DEC" and dec.metadata["storage"] == "integer" and dec.n_frames == 670


def test_vicon_events_and_ric_units():
    walk = _read("walk.c3d")
    assert set(walk.events.event) == {"IC", "TO"}
    run = _read("20141003T073938_run.c3d")
    assert run.n_frames == 5000 and any(q.startswith("units_missing") for q in run.metadata["quirks"])
    assert run.metadata["up_axis"] == "+y"  # written y up by ezc3d: the pelvis ~1 m above the feet along y
    assert 800 < np.nanmedian(run.markers["pelvis_1"][:, 2]) < 1200
