"""Static trials recognised (data and names), GRF paired in folders, and `gaitcore info`'s reading report."""
from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

import gaitcore
from c3d_writer import write_c3d
from conftest import DATA
from gaitcore._errors import InputError
from gaitcore.cohort import load_manifest
from gaitcore.io import read_trial
from gaitcore.io.info import describe_reading
from gaitcore.io.static import is_static_name, static_trial_reason


def _read(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_trial(DATA / name)


@pytest.mark.parametrize("name", ["20141003T073938_static.c3d", "Rajagopal_static_run.trc"])
def test_static_trials_recognised(name):
    assert static_trial_reason(_read(name))


@pytest.mark.parametrize("name", ["20141003T073938_run.c3d", "Rajagopal_motion_capture_run.trc", "walk.c3d",
                                  "walking2.c3d", "Running_0002.c3d"])
def test_locomotion_trials_not_static(name):
    assert static_trial_reason(_read(name)) is None


def test_analyze_trial_refuses_a_static_trial():
    with pytest.raises(InputError, match="Rajagopal_static_run.trc.*static standing trial"):
        gaitcore.analyze_trial(DATA / "Rajagopal_static_run.trc")


@pytest.mark.parametrize("name,static", [("S01_static.c3d", True), ("Static 2.trc", True), ("cal01.c3d", True),
                                         ("S01_Cal.trc", True), ("calibration.c3d", True), ("run_01.c3d", False),
                                         ("vertical_jump.c3d", False), ("S01_calcaneus_run.trc", False)])
def test_static_names(name, static):
    assert is_static_name(name) == static


@pytest.mark.parametrize("grf_name", ["run01.mot", "run01_grf.mot", "run01_forces.mot"])
def test_folder_pairs_grf_and_static(tmp_path, grf_name):
    shutil.copy(DATA / "Rajagopal_motion_capture_run.trc", tmp_path / "run01.trc")
    shutil.copy(DATA / "Rajagopal_grf_run.mot", tmp_path / grf_name)
    shutil.copy(DATA / "Rajagopal_static_run.trc", tmp_path / "run_static.trc")
    table = load_manifest(tmp_path)
    assert list(table["path"]) == [str(tmp_path / "run01.trc")]
    assert table["grf"][0] == str(tmp_path / grf_name) and table["static"][0] == str(tmp_path / "run_static.trc")


def test_info_reports_quirks_plates_and_event_mapping(tmp_path):
    params = [("PROCESSING", "Bodymass", np.array([61.5], "f4")), ("PROCESSING", "Bodymass", np.array([99.0], "f4")),
              ("EVENT", "USED", np.array([2])), ("EVENT", "LABELS", ["LHS", "RTO"]),
              ("EVENT", "TIMES", np.array([[0.0, 0.25], [0.0, 0.4]], "f4"))]
    path = write_c3d(tmp_path / "q.c3d", np.full((60, 1, 3), 500.0), 100.0, params=params, units="mm\x00\x00")
    text = "\n".join(describe_reading(path, read_trial(path)))
    assert "processor Intel, storage float, units mm, up axis +z" in text
    assert "'LHS' -> L IC" in text and "'RTO' -> R TO" in text
    assert "duplicated parameters: PROCESSING:BODYMASS (first copy wins)" in text
    assert "padded_string" in text and "events_without_contexts" in text


def test_info_reports_plates_and_up_axis():
    text = "\n".join(describe_reading(DATA / "c3d-formats/ezc3d_Kistler.c3d", _read("c3d-formats/ezc3d_Kistler.c3d")))
    assert "storage integer" in text and "up axis +y (turned to z up)" in text
    assert "FP1 type 3; FP2 type 3" in text and "ZERO frames 1-10" in text
