"""The batch's local worker processes: a time limit per job, and workers that never outlive
the run.

``concurrent.futures.ProcessPoolExecutor`` cannot stop one job, and its workers (and the
forkserver) keep running when the main process is killed.  This pool starts its own
``spawn`` workers, direct children of the main process, each running one job at a time:

- a job running past ``timeout_s`` gets its worker killed and replaced, and is reported
  through ``failed(job, message)`` (the other jobs go on);
- a worker that dies (a crash in a C library, the OOM killer) is replaced the same way;
- each worker watches its parent: when the main process dies, even by SIGKILL, the
  worker exits within ``WATCH_INTERVAL_S``; SIGINT is left to the main process, which
  kills its workers when it stops for any reason (exception, SIGTERM turned into
  SystemExit, Ctrl-C).
The clock of a job starts when a worker that has finished starting takes it, so the
start-up of a worker (importing NumPy and gaitcore) never counts against a trial.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import wait

from ._errors import ComputationError, TrialTimeoutError

WATCH_INTERVAL_S = 0.5
MAX_FAILED_STARTS = 3  #: workers dying before they are ready: the pool gives up after this many
_READY = "ready"


def _exit_when_orphaned(parent_pid: int) -> None:
    while True:
        time.sleep(WATCH_INTERVAL_S)
        if os.getppid() != parent_pid:
            os._exit(70)


def _worker_main(conn, parent_pid: int, func) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    conn.send((_READY, None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        key, args = job
        result = func(*args)
        try:
            conn.send((key, result))
        except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
            conn.send((key, RuntimeError(f"the result could not be sent back: {type(exc).__name__}: {exc}")))


class _Worker:
    def __init__(self, ctx, func):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, os.getpid(), func), daemon=True,
                                name="gaitcore-worker")
        self.proc.start()
        child.close()
        self.ready = False
        self.job = None
        self.started = 0.0

    def take(self, key, args) -> None:
        self.conn.send((key, args))
        self.job = key
        self.started = time.monotonic()

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def run_jobs(jobs, func, *, workers: int, timeout_s: float | None, failed):
    """Run ``func(*args)`` for each ``(key, args)`` of ``jobs`` on ``workers`` processes;
    yield ``(key, result)`` as jobs finish, ``result = failed(key, error)`` for a job that
    timed out (``error`` a TrialTimeoutError), whose worker died or whose result could not be
    sent back (a ComputationError).  ``func`` and its arguments must be picklable
    (top-level functions).  Every worker is killed when the generator is closed.
    """
    pending = list(jobs)[::-1]
    if not pending:
        return
    ctx = multiprocessing.get_context("spawn")
    pool = [_Worker(ctx, func) for _ in range(max(1, min(workers, len(pending))))]
    failed_starts = 0
    try:
        while pending or any(w.job is not None for w in pool):
            _wait_for_news(pool, timeout_s)
            for i, w in enumerate(pool):
                done, problem = _collect(w, timeout_s)
                if done is not None:
                    key, result = done
                    yield key, (failed(key, ComputationError(str(result))) if isinstance(result, Exception)
                                else result)
                if problem is not None:  # timed out, or died: replace the worker
                    if not w.ready:
                        failed_starts += 1
                        if failed_starts > MAX_FAILED_STARTS:
                            raise ComputationError(
                                f"batch workers die while starting ({problem}); a script that runs a "
                                "batch must do so under `if __name__ == \"__main__\":`")
                    key = w.job
                    w.stop()
                    pool[i] = w = _Worker(ctx, func)
                    if key is not None:
                        yield key, failed(key, problem)
                if w.ready and w.job is None and pending:
                    w.take(*pending.pop())
    finally:
        for w in pool:
            w.stop()


def _wait_for_news(pool, timeout_s) -> None:
    """Block until a worker sends something, dies, or the earliest time limit passes."""
    waits = [w.conn for w in pool] + [w.proc.sentinel for w in pool]
    limit = None
    if timeout_s is not None:
        deadlines = [w.started + timeout_s for w in pool if w.job is not None]
        if deadlines:
            limit = max(0.0, min(deadlines) - time.monotonic())
    wait(waits, timeout=limit)


def _collect(w: _Worker, timeout_s):
    """((key, result) or None, problem or None) for one worker after a wait."""
    try:
        has_message = w.conn.poll()
    except (OSError, EOFError):
        has_message = False
    if has_message:
        try:
            key, result = w.conn.recv()
        except (EOFError, OSError):
            pass  # died mid-message: handled as a dead worker below
        else:
            if key == _READY:
                w.ready = True
                return None, None
            w.job = None
            return (key, result), None
    if not w.proc.is_alive():
        return None, ComputationError(f"the worker process died (exit code {w.proc.exitcode})")
    if w.job is not None and timeout_s is not None and time.monotonic() - w.started >= timeout_s:
        return None, TrialTimeoutError(f"stopped after the time limit of {timeout_s:g} s")
    return None, None
