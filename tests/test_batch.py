"""Batch robustness: time limits, entries that cannot be read, owned temporaries, the output
lock, workers that never outlive the run, output modes and spreadsheet-safe CSV.

Every test here reproduces a defect of the batch as it was (each failed before the fix), and
asserts outcomes only, never durations: a job that must time out sleeps an hour against a
limit of seconds, and the kill tests only bound how long dead workers may
linger (10 s, the issue's contract; they exit within 0.5 s of their parent).
"""
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import gaitcore
from gaitcore import _atomic, _pool, cohort, datasets


# ---- helpers run in spawned workers (importable top-level functions) --------------------

def work(i):
    if i == "sleep":
        time.sleep(3600)
    if i == "die":
        os._exit(3)
    return f"done {i}"


def _failed(key, error):
    return f"{type(error).__name__}: {error}"


# ---- the local pool ---------------------------------------------------------------------

def test_pool_time_limit_and_dead_worker_replaced():
    jobs = [(k, (k,)) for k in ("a", "sleep", "b", "die", "c", "d")]
    # 5 s: a quick job must return within it even on a loaded machine (it takes milliseconds)
    results = dict(_pool.run_jobs(jobs, work, workers=2, timeout_s=5.0, failed=_failed))
    assert results["sleep"] == "TrialTimeoutError: stopped after the time limit of 5 s"
    assert results["die"].startswith("ComputationError: the worker process died (exit code 3)")
    assert {results[k] for k in "abcd"} == {f"done {k}" for k in "abcd"}


def test_analyze_cohort_records_a_trial_past_its_time_limit(walk_c3d, tmp_path):
    # a real trial cannot be read and analysed in a millisecond: it is stopped, recorded
    table = gaitcore.analyze_cohort([str(walk_c3d)], out=tmp_path / "out", workers=1, timeout_s=1e-3,
                                    progress=False)
    assert table.loc[0, "error"] == "TrialTimeoutError: stopped after the time limit of 0.001 s"
    assert "TrialTimeoutError" in (tmp_path / "out" / "run.log").read_text()


# ---- entries that are not trial files -------------------------------------------------------

def _odd_entries(folder: Path, walk_c3d: Path) -> dict:
    folder.mkdir()
    shutil.copy(walk_c3d, folder / "good.c3d")
    (folder / "dir.c3d").mkdir()
    os.mkfifo(folder / "fifo.c3d")
    os.symlink(folder / "nowhere.c3d", folder / "dangling.c3d")
    os.symlink(folder / "loop.c3d", folder / "loop.c3d")
    return {"dir": "a directory", "fifo": "FIFO", "dangling": "dangling symbolic link",
            "loop": "symbolic link loop"}


@pytest.mark.parametrize("mode", ["folder", "manifest"])
def test_every_entry_is_in_the_table_and_log_with_its_reason(walk_c3d, tmp_path, mode):
    reasons = _odd_entries(tmp_path / "trials", walk_c3d)
    source = tmp_path / "trials"
    if mode == "manifest":  # a symbolic-link loop aborted the whole batch before any trial ran
        source = tmp_path / "manifest.csv"
        names = ["good", *reasons, "missing"]
        pd.DataFrame({"path": [f"trials/{n}.c3d" for n in names]}).to_csv(source, index=False)
        reasons["missing"] = "no such file"
    table = gaitcore.analyze_cohort(source, out=tmp_path / "out", executor=ThreadPoolExecutor(1),
                                    progress=False)
    by_stem = {Path(p).stem: e for p, e in zip(table["path"], table["error"])}
    assert set(by_stem) == {"good", *reasons}
    assert by_stem["good"] == ""
    log = (tmp_path / "out" / "run.log").read_text()
    for stem, reason in reasons.items():
        kind = "FileNotFoundError" if stem == "missing" else "InputError"
        assert by_stem[stem].startswith(f"{kind}: not analysed") and reason in by_stem[stem]
        tid = table.loc[table["path"].str.endswith(f"{stem}.c3d"), "trial_id"].item()
        assert f"{tid}: 0.000 s, {kind}: not analysed" in log and reason in log


def test_entry_problem_names_each_kind(tmp_path):
    reasons = _odd_entries(tmp_path / "t", Path(gaitcore.datasets.path("walk.c3d")))
    for stem, reason in reasons.items():
        assert reason in cohort.entry_problem(str(tmp_path / "t" / f"{stem}.c3d"))
    assert cohort.entry_problem(str(tmp_path / "t" / "good.c3d")) == ""


# ---- temporaries and the lock ---------------------------------------------------------------

def test_a_run_keeps_the_in_flight_temporaries_of_live_runs(tmp_path):
    # _OutDir used to delete every .tmp-* under out/, an in-flight one included, whose rename
    # then failed; and a user's own ".tmp-notes.txt"
    out = tmp_path / "out"
    out.mkdir()
    (out / ".tmp-notes.txt").write_text("mine")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = _atomic._host()
        alive = out / f".tmp-{host}-{other.pid}-0123abcd.json"
        alive.write_text("{}")
        dead_pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                                  capture_output=True, text=True).stdout.strip()
        dead = out / f".tmp-{host}-{dead_pid}-0123abcd.json"
        dead.write_text("{}")
        with _atomic.atomic_path(out / "factors.csv") as tmp:
            tmp.write_text("a\n1\n")
            outdir = cohort._OutDir(out)  # a run starting while this one writes
            outdir.close()
        assert (out / "factors.csv").read_text() == "a\n1\n"
        assert alive.exists() and (out / ".tmp-notes.txt").exists() and not dead.exists()
    finally:
        other.kill()
        other.wait()


def test_second_run_on_the_same_out_stops_with_a_clear_message(tmp_path):
    first = cohort._OutDir(tmp_path / "out")
    try:
        with pytest.raises(gaitcore.OutputLockedError, match=rf"another gaitcore run \(pid {os.getpid()} on"):
            cohort._OutDir(tmp_path / "out", lock_wait_s=0.3)
        with pytest.raises(gaitcore.OutputLockedError, match="write to another output folder"):
            gaitcore.analyze_cohort([str(gaitcore.datasets.path("walk.c3d"))], out=tmp_path / "out",
                                    progress=False)
    finally:
        first.close()
    cohort._OutDir(tmp_path / "out").close()  # free again once the first run is over


# ---- workers never outlive the run ---------------------------------------------------------

def _children(pid: int) -> set[int]:
    kids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.add(int(entry.name))
    return kids


def _alive(pids) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("kill", ["main process alone", "process group", "Ctrl-C to the group"])
def test_killing_the_batch_leaves_no_worker(tmp_path, kill):
    datasets.simulate_cohort(tmp_path / "sim", n_per_group=15, seed=3)
    cmd = [sys.executable, "-m", "gaitcore", "analyze", str(tmp_path / "sim" / "manifest.csv"),
           "--out", str(tmp_path / "out"), "--workers", "2", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        workers: set[int] = set()
        while time.monotonic() < deadline and not list((tmp_path / "out" / "trials").glob("[!.]*.json")):
            workers |= _children(proc.pid)
            time.sleep(0.05)
        workers |= _children(proc.pid)
        assert len(workers) >= 2 and proc.poll() is None, "the batch must be running with its workers"
        if kill == "main process alone":
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGTERM if kill == "process group" else signal.SIGINT)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 10
        while _alive(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(workers), f"left running: {_alive(workers)}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


# ---- output files ------------------------------------------------------------------------------

def test_outputs_follow_the_umask(tmp_path, rajagopal_trc):
    old = os.umask(0o022)
    try:
        trial = gaitcore.read_trial(rajagopal_trc)
        gaitcore.write_trc(trial, tmp_path / "a.trc")
        table = pd.DataFrame({"subject": ["s1"], "x": [1.0]})
        gaitcore.writers.write_csv(table, tmp_path / "t.csv")
        os.umask(0o077)
        gaitcore.write_trc(trial, tmp_path / "private.trc")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.trc").stat().st_mode) == 0o644  # was 0600 whatever the umask
    assert stat.S_IMODE((tmp_path / "t.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "private.trc").stat().st_mode) == 0o600


def test_formula_cells_escaped_in_csv_not_in_parquet(tmp_path):
    texts = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "plain", "O'Neil"]
    table = pd.DataFrame({"subject": texts, "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0]})
    outdir = cohort._OutDir(tmp_path / "out")
    try:
        outdir.save_table(table, ["log"])
    finally:
        outdir.close()
    raw = pd.read_csv(tmp_path / "out" / "factors.csv", keep_default_na=False)
    assert list(raw["subject"]) == ["'" + t for t in texts[:5]] + ["plain", "O'Neil"]
    assert list(raw["value"]) == [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0]  # numbers stay numbers
    assert list(pd.read_parquet(tmp_path / "out" / "factors.parquet")["subject"]) == texts
    assert list(cohort.read_factor_table(tmp_path / "out" / "factors.csv")["subject"]) == texts


def test_save_trial_json_round_trip(tmp_path):
    outdir = cohort._OutDir(tmp_path / "out")
    try:
        outdir.save_trial("t1", {"factors": {"a": 1.0}, "curves": {}, "error": "", "elapsed_s": 0.1}, "key")
    finally:
        outdir.close()
    record = json.loads((tmp_path / "out" / "trials" / "t1.json").read_text())
    assert record["factors"] == {"a": 1.0}
    assert socket.gethostname()  # temporaries are named after the host; it must have one
