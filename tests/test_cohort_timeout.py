"""timeout_s on a user's executor and on Dask: a trial that never returns gets a
TrialTimeoutError row and the batch goes on.

Deterministic: the hanging trial blocks on an Event that the test sets at its end (the 60-s
wait inside it only keeps a broken run from hanging the suite); the other trials return at
once (microseconds against a 10-s limit, wide so that a loaded machine's scheduling cannot
reach it), so only the hanging one can.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

import gaitcore
from gaitcore import cohort

RELEASE = threading.Event()


def fake_run_one(path, grf, static, options):
    """A trial that returns at once, except ``hang*`` ones, which block until released."""
    if "hang" in path:
        RELEASE.wait(60)
        return {"factors": {"x": -1.0}, "curves": {}, "error": "", "elapsed_s": 0.0}
    return {"factors": {"x": float(len(path))}, "curves": {}, "error": "", "elapsed_s": 0.0}


@pytest.fixture
def manifest(tmp_path, monkeypatch):
    names = ["a.c3d", "hang.c3d", "bb.c3d", "ccc.c3d", "dddd.c3d"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setattr(cohort, "run_one", fake_run_one)
    RELEASE.clear()
    yield pd.DataFrame({"path": [str(tmp_path / n) for n in names]})
    RELEASE.set()  # frees the blocked worker thread before its executor or cluster closes


def _check(table):
    errors = list(table["error"])
    assert errors[1].startswith("TrialTimeoutError: ") and "timeout_s=10" in errors[1]
    assert errors[:1] + errors[2:] == [""] * 4
    assert table["x"].isna().tolist() == [False, True, False, False, False]


def test_timeout_on_a_user_executor(manifest):
    with ThreadPoolExecutor(2) as ex:
        table = gaitcore.analyze_cohort(manifest, executor=ex, timeout_s=10.0, progress=False)
        RELEASE.set()
    _check(table)


def test_timeout_on_dask(manifest):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as lc, \
            distributed.Client(lc) as client:
        table = gaitcore.analyze_cohort(manifest, dask=client, timeout_s=10.0, progress=False)
        RELEASE.set()
    _check(table)


def test_no_timeout_waits_for_every_trial(manifest):
    RELEASE.set()  # nothing hangs: every trial has its result
    with ThreadPoolExecutor(2) as ex:
        table = gaitcore.analyze_cohort(manifest, executor=ex, timeout_s=None, progress=False)
    assert list(table["error"]) == [""] * 5 and table["x"].notna().all()
