"""Reruns of analyze_cohort with out=: a trial is recomputed exactly when one of its inputs
changed (a manifest column, a file's size or modification time, an option, gaitcore's
version), trial ids do not depend on the working directory, and --force redoes all."""
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

import gaitcore
import gaitcore.cohort
from gaitcore import datasets

RUN, GRF, STATIC = "Rajagopal_motion_capture_run.trc", "Rajagopal_grf_run.mot", "Rajagopal_static_run.trc"


@pytest.fixture()
def study(tmp_path):
    """Two trials (the Rajagopal run and walk.c3d) listed with relative paths."""
    folder = tmp_path / "study"
    folder.mkdir()
    for name in (RUN, GRF, STATIC, "walk.c3d"):
        shutil.copy(datasets.path(name), folder / name)
    manifest = pd.DataFrame({"path": [RUN, "walk.c3d"], "grf": [GRF, ""], "static": ["", ""],
                             "subject": ["s1", "s2"], "group": ["a", "b"], "age": [30, 40]})
    manifest.to_csv(folder / "manifest.csv", index=False)
    return folder


def analyse(source, out, **options):
    with ThreadPoolExecutor(1) as ex:
        return gaitcore.analyze_cohort(source, out=out, executor=ex, progress=False, **options)


def recomputed(table) -> int:
    return len(table) - table.attrs["reused"]


def stamps(out):
    return {p.name: p.stat().st_mtime_ns for p in (out / "trials").glob("*.json")}


def test_unchanged_rerun_is_skipped(study, tmp_path):
    first = analyse(study / "manifest.csv", tmp_path / "out")
    before = stamps(tmp_path / "out")
    again = analyse(study / "manifest.csv", tmp_path / "out")
    assert recomputed(first) == 2 and recomputed(again) == 0
    assert stamps(tmp_path / "out") == before
    pd.testing.assert_frame_equal(first, again)


@pytest.mark.parametrize("column, value", [("static", STATIC), ("group", "c"), ("subject", "s9"), ("age", 31),
                                           ("grf", "")])
def test_changing_a_manifest_column_recomputes_that_trial(study, tmp_path, column, value):
    analyse(study / "manifest.csv", tmp_path / "out")
    manifest = pd.read_csv(study / "manifest.csv", keep_default_na=False)
    manifest.loc[0, column] = value
    manifest.to_csv(study / "manifest.csv", index=False)
    again = analyse(study / "manifest.csv", tmp_path / "out")
    assert recomputed(again) == 1
    if column == "static":  # the case: the static trial gives the static-referenced metrics
        assert pd.notna(again.loc[0, "peak_hip_extension_vs_static_deg_L"])


def test_a_new_covariate_column_recomputes(study, tmp_path):
    analyse(study / "manifest.csv", tmp_path / "out")
    manifest = pd.read_csv(study / "manifest.csv", keep_default_na=False)
    manifest["speed_m_per_s"] = [3.5, 1.2]
    manifest.to_csv(study / "manifest.csv", index=False)
    assert recomputed(analyse(study / "manifest.csv", tmp_path / "out")) == 2


@pytest.mark.parametrize("name", [RUN, GRF])
def test_touching_a_file_recomputes(study, tmp_path, name):
    analyse(study / "manifest.csv", tmp_path / "out")
    st = os.stat(study / name)
    os.utime(study / name, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert recomputed(analyse(study / "manifest.csv", tmp_path / "out")) == 1


def test_a_static_file_changed_recomputes(study, tmp_path):
    manifest = pd.read_csv(study / "manifest.csv", keep_default_na=False)
    manifest.loc[0, "static"] = STATIC
    manifest.to_csv(study / "manifest.csv", index=False)
    analyse(study / "manifest.csv", tmp_path / "out")
    with open(study / STATIC, "a") as f:  # same name, different size
        f.write("\n")
    assert recomputed(analyse(study / "manifest.csv", tmp_path / "out")) == 1


@pytest.mark.parametrize("options", [{"cutoff_hz": 8.0}, {"hjc": "davis"}, {"event_method": "force"},
                                     {"static": datasets.path(STATIC)}])
def test_changing_an_option_recomputes(study, tmp_path, options):
    analyse(study / "manifest.csv", tmp_path / "out")
    assert recomputed(analyse(study / "manifest.csv", tmp_path / "out", **options)) == 2


def test_another_gaitcore_version_recomputes(study, tmp_path, monkeypatch):
    analyse(study / "manifest.csv", tmp_path / "out")
    monkeypatch.setattr(gaitcore, "__version__", "999.0")
    assert recomputed(analyse(study / "manifest.csv", tmp_path / "out")) == 2


def test_force_recomputes_everything(study, tmp_path):
    analyse(study / "manifest.csv", tmp_path / "out")
    assert recomputed(analyse(study / "manifest.csv", tmp_path / "out", force=True)) == 2


def test_ids_do_not_depend_on_the_working_directory(study, tmp_path, monkeypatch):
    monkeypatch.chdir(study)
    from_inside = gaitcore.cohort.load_manifest("manifest.csv")["trial_id"].tolist()
    folder_inside = gaitcore.cohort.load_manifest(".")["trial_id"].tolist()
    monkeypatch.chdir(tmp_path)
    from_outside = gaitcore.cohort.load_manifest(study / "manifest.csv")["trial_id"].tolist()
    folder_outside = gaitcore.cohort.load_manifest("study")["trial_id"].tolist()
    moved = shutil.copytree(study, tmp_path / "elsewhere" / "copy")
    from_copy = gaitcore.cohort.load_manifest(moved / "manifest.csv")["trial_id"].tolist()
    assert from_inside == from_outside == from_copy
    assert folder_inside == folder_outside
    single = gaitcore.cohort.load_manifest(study / "walk.c3d")["trial_id"].tolist()
    assert single[0] in folder_outside  # a file alone has the id it has in its folder


def test_a_rerun_in_a_new_temporary_copy_leaves_no_stale_files(study, tmp_path):
    """The demo's case: the same manifest in a fresh folder keeps the same ids, so curve
    files are replaced, not accumulated."""
    analyse(study / "manifest.csv", tmp_path / "out")
    copy = shutil.copytree(study, tmp_path / "copy")
    analyse(copy / "manifest.csv", tmp_path / "out")
    assert len(list((tmp_path / "out" / "trials").glob("*.json"))) == 2
    assert len(list((tmp_path / "out" / "curves").glob("*.npz"))) <= 2


def test_trials_dropped_from_the_manifest_are_left_alone_but_not_reported(study, tmp_path):
    analyse(study / "manifest.csv", tmp_path / "out")
    dropped = {p.name for p in (tmp_path / "out" / "trials").glob("*.json")}
    manifest = pd.read_csv(study / "manifest.csv", keep_default_na=False)
    manifest.iloc[:1].to_csv(study / "manifest.csv", index=False)
    table = analyse(study / "manifest.csv", tmp_path / "out")
    assert len(table) == 1 and recomputed(table) == 0
    assert {p.name for p in (tmp_path / "out" / "trials").glob("*.json")} == dropped
    assert len(pd.read_csv(tmp_path / "out" / "factors.csv")) == 1


def test_a_damaged_result_file_is_recomputed(study, tmp_path):
    analyse(study / "manifest.csv", tmp_path / "out")
    victim = sorted((tmp_path / "out" / "trials").glob("*.json"))[0]
    victim.write_text("{not json")
    assert recomputed(analyse(study / "manifest.csv", tmp_path / "out")) == 1
    json.loads(victim.read_text())
