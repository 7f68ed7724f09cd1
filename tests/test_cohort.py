"""From files to a cohort table: executors, failures, atomic output, reruns, group comparisons.

The 200-trial cohort is simulated (gaitcore.datasets.simulate_cohort: the real Rajagopal
running trial with planted group differences and between-runner variation, written as
TRC/MOT files), so that the comparisons have a known truth.
"""
import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitcore
from gaitcore import datasets
from gaitcore.cli import main as cli_main


@pytest.fixture(scope="module")
def cohort200(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort200")
    datasets.simulate_cohort(folder, n_per_group=100, seed=7)
    return folder / "manifest.csv"


@pytest.fixture(scope="module")
def table200(cohort200):
    return gaitcore.analyze_cohort(cohort200, progress=False)


@pytest.mark.slow
def test_200_trials_all_analysed(table200):
    assert len(table200) == 200 and (table200["error"] == "").all()
    # 174 steps/min x the planted time scale (between-runner SD 5.3 %, cadence -4 % in back_pain)
    expected = 174.3 * table200["planted_cadence_scale"]
    np.testing.assert_allclose(table200["cadence_steps_per_min"], expected, rtol=0.01)


@pytest.mark.slow
def test_same_table_with_threads(cohort200, table200):
    with ThreadPoolExecutor(2) as ex:
        threaded = gaitcore.analyze_cohort(cohort200, executor=ex, progress=False)
    pd.testing.assert_frame_equal(threaded, table200)


@pytest.mark.slow
def test_same_table_on_dask(cohort200, table200):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = gaitcore.analyze_cohort(cohort200, dask=client, progress=False)
    pd.testing.assert_frame_equal(on_dask, table200)


@pytest.mark.slow
def test_planted_differences_recovered(table200):
    result = gaitcore.compare_groups(table200, by="group").set_index("metric")
    assert set(result["reference"]) == {"control"} and set(result["group"]) == {"back_pain"}
    expected_sign = {"cadence_steps_per_min": -1, "pelvic_drop_deg_L": +1, "pelvic_drop_deg_R": +1,
                     "trunk_lean_deg": -1, "peak_hip_extension_deg_L": -1, "peak_hip_extension_deg_R": -1}
    for metric, sign in expected_sign.items():
        row = result.loc[metric]
        assert np.sign(row["diff"]) == sign and row["p"] < 0.01, (metric, row["diff"], row["p"])
        assert row["ci_low"] < row["diff"] < row["ci_high"]
    # cadence: the planted time scales of the two samples (-4 % on average) on ~174 steps/min
    scale = table200.groupby("group")["planted_cadence_scale"].mean()
    assert result.loc["cadence_steps_per_min", "diff"] == pytest.approx(
        174.3 * (scale["back_pain"] - scale["control"]), rel=0.02)


# ---- failures, output folder, reruns ------------------------------------------------

@pytest.fixture()
def mixed_manifest(tmp_path):
    """A good simulated trial, a truncated C3D, a missing file and a trial without plates."""
    sim = datasets.simulate_cohort(tmp_path / "sim", n_per_group=1, seed=1)
    good = {"path": str(tmp_path / "sim" / sim.path[0]), "grf": str(tmp_path / "sim" / sim.grf[0]),
            "static": str(tmp_path / "sim" / sim.static[0]), "subject": "good", "group": "a"}
    raw = datasets.path("walk.c3d").read_bytes()
    (tmp_path / "truncated.c3d").write_bytes(raw[: len(raw) // 2])
    no_plates = gaitcore.read_trial(good["path"])
    gaitcore.write_trc(no_plates, tmp_path / "no_plates.trc")
    rows = [good,
            {"path": str(tmp_path / "truncated.c3d"), "subject": "trunc", "group": "a"},
            {"path": str(tmp_path / "missing.c3d"), "subject": "missing", "group": "b"},
            {"path": str(tmp_path / "no_plates.trc"), "static": good["static"], "subject": "noplates", "group": "b"}]
    manifest = tmp_path / "manifest.csv"
    pd.DataFrame(rows).to_csv(manifest, index=False)
    return manifest


def test_failing_files_do_not_stop_the_batch(mixed_manifest, tmp_path):
    with ThreadPoolExecutor(2) as ex:
        table = gaitcore.analyze_cohort(mixed_manifest, executor=ex, progress=False, out=tmp_path / "out")
    by_subject = table.set_index("subject")
    assert by_subject.loc["good", "error"] == ""
    assert by_subject.loc["good", "cadence_steps_per_min"] == pytest.approx(174, abs=8)
    assert "FormatError" in by_subject.loc["trunc", "error"] and "truncated.c3d" in by_subject.loc["trunc", "error"]
    assert "FileNotFoundError" in by_subject.loc["missing", "error"]
    # markers only: events from the markers, no force metrics, flagged
    noplates = by_subject.loc["noplates"]
    assert noplates["error"] == "" and np.isnan(noplates["valr_bw_per_s"]) and "valr_bw_per_s" in noplates["flags"]
    assert np.isfinite(noplates["cadence_steps_per_min"])
    out = tmp_path / "out"
    assert (out / "factors.csv").exists() and (out / "factors.parquet").exists() and (out / "run.log").exists()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "factors.parquet"), table, check_dtype=False)


def test_cli_exit_codes(mixed_manifest, tmp_path, capsys):
    assert cli_main(["analyze", str(mixed_manifest), "--out", str(tmp_path / "cli"), "--workers", "1",
                     "--no-progress"]) == 1
    assert "failed" in capsys.readouterr().err
    assert cli_main(["compare", str(tmp_path / "cli"), "--by", "group"]) == 0
    with pytest.raises(SystemExit) as exc:
        cli_main(["analyze"])
    assert exc.value.code == 2
    assert cli_main(["compare", str(tmp_path / "nothing")]) == 2


def test_cli_help():
    for args in (["--help"], ["analyze", "--help"], ["compare", "--help"], ["info", "--help"], ["demo", "--help"]):
        with pytest.raises(SystemExit) as exc:
            cli_main(args)
        assert exc.value.code == 0


def test_rerun_skips_done_trials(tmp_path):
    datasets.simulate_cohort(tmp_path / "sim", n_per_group=2, seed=2)
    first = gaitcore.analyze_cohort(tmp_path / "sim" / "manifest.csv", out=tmp_path / "out",
                                    executor=ThreadPoolExecutor(1), progress=False)
    stamp = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out" / "trials").iterdir()}
    again = gaitcore.analyze_cohort(tmp_path / "sim" / "manifest.csv", out=tmp_path / "out",
                                    executor=ThreadPoolExecutor(1), progress=False)
    pd.testing.assert_frame_equal(first, again)
    assert stamp == {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out" / "trials").iterdir()}
    assert "4 already done" in (tmp_path / "out" / "run.log").read_text()


@pytest.mark.slow
def test_sigterm_leaves_no_half_written_file(tmp_path):
    datasets.simulate_cohort(tmp_path / "sim", n_per_group=15, seed=3)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "gaitcore", "analyze", str(tmp_path / "sim" / "manifest.csv"),
           "--out", str(out), "--workers", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    def finished():  # pathlib's glob also matches the hidden ".tmp-*.json" being written
        return [p for p in (out / "trials").glob("*.json") if not p.name.startswith(".tmp-")]

    deadline = time.time() + 120
    while time.time() < deadline and len(finished()) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    assert proc.returncode != 0
    done = finished()
    assert 3 <= len(done) < 30, "stopped midway"
    assert not list(out.rglob(".tmp-*"))
    for p in done:
        json.loads(p.read_text())
    for p in (out / "curves").glob("*.npz"):
        with np.load(p) as npz:
            assert npz.files
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    table = pd.read_csv(out / "factors.csv")
    assert len(table) == 30 and (table["error"].isna() | (table["error"] == "")).all()
    assert f"{len(done)} already done" in (out / "run.log").read_text()


def test_compare_curves_from_out_dir(tmp_path):
    # the plumbing from the out folder to SPM, not statistical power: no posture variation
    datasets.simulate_cohort(tmp_path / "sim", n_per_group=6, seed=4,
                             effects={"hip_extension_deg": -8.0, "cadence_scale": 0.0},
                             sd={"leg_pitch_deg": 0.0, "knee_flexion_deg": 0.0})
    gaitcore.analyze_cohort(tmp_path / "sim" / "manifest.csv", out=tmp_path / "out",
                            executor=ThreadPoolExecutor(2), progress=False)
    spm = gaitcore.compare_curves(tmp_path / "out", by="group").set_index("curve")
    assert {"L_hip_flexion", "R_knee_flexion", "L_pelvis_obliquity_right_up"} <= set(spm.index)
    hip = spm.loc["L_hip_flexion"]
    assert hip["n"] == 6 and hip["n_reference"] == 6
    assert hip["significant"], hip["clusters"]   # 8 deg less extension in late stance
    assert ("L_hip_flexion", "back_pain") in spm.attrs["spm"]


def test_manifest_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        gaitcore.analyze_cohort(tmp_path / "nope.csv")
    (tmp_path / "bad.csv").write_text("file,group\nx.c3d,a\n")
    with pytest.raises(ValueError, match="'path' column"):
        gaitcore.analyze_cohort(tmp_path / "bad.csv")
    with pytest.raises(ValueError, match="not both"):
        gaitcore.analyze_cohort(tmp_path / "bad.csv", executor=ThreadPoolExecutor(1), dask="tcp://x:1")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no C3D or TRC files"):
        gaitcore.analyze_cohort(empty)


def test_threaded_batch_never_swaps_the_warning_filters(tmp_path, monkeypatch):
    """warnings.catch_warnings swaps the process-wide filter list and is not thread-safe, so
    gaitcore's own code never enters one during a threaded batch (it silences its warnings per
    thread).  Checked at the entry itself, not by comparing the filters afterwards: pandas
    enters catch_warnings in threads too (pandas_dtype), and when two of its calls interleave
    they leave a DeprecationWarning filter behind, so the filters alone decide nothing."""
    import sys
    import warnings
    package = str(Path(gaitcore.__file__).parent)
    callers = []
    enter = warnings.catch_warnings.__enter__

    def recording_enter(self):
        callers.append(sys._getframe(1).f_code.co_filename)
        return enter(self)

    monkeypatch.setattr(warnings.catch_warnings, "__enter__", recording_enter)
    with warnings.catch_warnings():  # the recorder itself works
        pass
    assert callers == [__file__]
    datasets.simulate_cohort(tmp_path, n_per_group=3, seed=5)
    with ThreadPoolExecutor(3) as ex:
        table = gaitcore.analyze_cohort(tmp_path / "manifest.csv", executor=ex, progress=False)
    assert (table["error"].fillna("") == "").all()
    assert not [c for c in callers if c.startswith(package)]
