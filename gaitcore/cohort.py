"""From a folder or manifest of trials to one table of back-pain factors.

``analyze_cohort`` runs :func:`gaitcore.analyze_trial` over every trial of a manifest on a
local process pool (default), any ``concurrent.futures.Executor``, or an existing Dask
cluster, and returns one row per trial.  A failing trial never stops the batch: its row
carries the error.  The table is the same whatever runs it: rows follow the manifest's
order and every value comes from the same deterministic per-trial computation.
"""
from __future__ import annotations

import concurrent.futures as cf
import errno
import hashlib
import json
import os
import stat
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import _atomic, _pool, _validate
from ._errors import InputError, InputTypeError, TrialTimeoutError
from ._sampling import nan_reduce
from .io.static import is_static_name, pair_in_folder
from .writers import unescape_formula, write_csv

TRIAL_SUFFIXES = (".c3d", ".trc")
MANIFEST_COLUMNS = ("path", "subject", "group", "grf", "static")


# ---- manifest -------------------------------------------------------------------

def load_manifest(manifest) -> pd.DataFrame:
    """Normalise a manifest into a DataFrame with at least path, subject, group, grf, static.

    ``manifest`` is a DataFrame; a CSV file (columns ``path`` and optionally ``subject``,
    ``group``, ``grf``, ``static`` and any covariates; relative paths are relative to the
    CSV); a folder, whose C3D and TRC files are taken in name order (a TRC's forces are
    taken from ``<stem>.mot``, ``<stem>_grf.mot`` or ``<stem>_forces.mot`` beside it, and files
    named ``*static*`` or ``*cal*`` are the static trial of the others, see
    :mod:`gaitcore.io.static`); a single C3D or TRC file; or a list
    of any of these (their rows in order, a trial listed twice kept once).

    The ``trial_id`` column identifies each trial by its file stem and a hash of the paths
    as the user wrote them (relative to the CSV or folder that lists them), so the same
    folder gives the same ids from any working directory or absolute location.
    """
    if isinstance(manifest, (list, tuple)):
        if not manifest:
            raise InputError("no trials given (an empty list of paths)")
        table = pd.concat([load_manifest(m) for m in manifest], ignore_index=True)
        return table.drop_duplicates("trial_id", ignore_index=True)
    if isinstance(manifest, pd.DataFrame):
        table, base = manifest.copy(), Path.cwd()
    elif not isinstance(manifest, (str, os.PathLike)):
        raise InputTypeError(f"manifest must be a DataFrame, a path or a list of them, got {type(manifest).__name__}")
    else:
        table, base = _read_source(Path(manifest))
    if "path" not in table.columns:
        raise InputError(f"manifest must have a 'path' column (columns: {list(table.columns)})")
    if not len(table):
        raise InputError("the manifest lists no trials")
    table = table.reset_index(drop=True)
    ids = [_id_part(p) for p in table["path"]]
    grf_ids = [_id_part(g) if _given(g) else "" for g in table["grf"]] if "grf" in table else [""] * len(table)
    table["path"] = [str(_resolve(p, base)) for p in table["path"]]
    for col in ("grf", "static"):
        if col in table.columns:
            table[col] = [str(_resolve(g, base)) if _given(g) else "" for g in table[col]]
    for col in MANIFEST_COLUMNS:
        if col not in table.columns:
            table[col] = ""
    table["subject"] = [str(s) if _given(s) else Path(p).stem for s, p in zip(table["subject"], table["path"])]
    table["group"] = [str(g) if _given(g) else "" for g in table["group"]]
    table.insert(0, "trial_id", [trial_id(p, g) for p, g in zip(ids, grf_ids)])
    return table


def _read_source(src: Path) -> tuple[pd.DataFrame, Path]:
    """(rows, base folder of their relative paths) of a folder, a trial file or a CSV."""
    if src.is_dir():
        return _folder_manifest(src), src
    problem = entry_problem(src)
    if problem == "no such file":
        raise FileNotFoundError(f"{src}: no such file or folder")
    if problem:
        raise InputError(f"{src}: {problem}")
    if src.suffix.lower() in TRIAL_SUFFIXES:
        return pd.DataFrame([_trial_row(src.name, src.parent)]), src.parent
    if src.suffix.lower() != ".csv":
        raise InputError(f"{src}: not a trial (.c3d, .trc), a folder or a manifest (.csv)")
    try:
        table = pd.read_csv(src, dtype={"subject": str, "group": str}, keep_default_na=False,
                            na_values=[""])
    except pd.errors.EmptyDataError:
        raise InputError(f"manifest {src} is empty (it needs a header with a 'path' column)") from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"manifest {src} is not a readable CSV file ({type(exc).__name__})") from None
    if "path" not in table.columns:
        raise InputError(f"manifest {src} has no 'path' column (columns: {list(table.columns)})")
    if not len(table):
        raise InputError(f"manifest {src} lists no trials")
    return table, src.parent


def _trial_row(name: str, folder: Path) -> dict:
    """A manifest row for one trial file (a TRC's forces from ``<stem>.mot`` beside it)."""
    grf = Path(name).with_suffix(".mot") if name.lower().endswith(".trc") else None
    return {"path": name, "grf": str(grf) if grf is not None and (folder / grf).exists() else ""}


def _folder_manifest(folder: Path) -> pd.DataFrame:
    """The trials of a folder and of its subfolders (a lab's ``lab/S01/run01.c3d`` layout), each
    with the forces and the static trial found in its own folder; a trial in a subfolder takes
    the subfolder's name as its subject."""
    rows, n_statics = [], 0
    for here, dirs, files in _walk_once(folder):
        here = Path(here)
        # entries that are not regular files (directories named x.c3d, FIFOs, broken links) are
        # kept: analyze_cohort reports each with its reason instead of dropping it silently
        entries = [here / n for n in sorted(dirs + files) if Path(n).suffix.lower() in TRIAL_SUFFIXES]
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and Path(d).suffix.lower() not in TRIAL_SUFFIXES)
        statics = [p for p in entries if p.is_file() and is_static_name(p)]  # *static*, *cal*: the static of the trials beside them
        n_statics += len(statics)
        rel = here.relative_to(folder)
        for p in entries:
            if p in statics:
                continue
            row = {k: (rel / v).as_posix() if v else "" for k, v in pair_in_folder(p, statics).items()}
            row["path"] = (rel / p.name).as_posix()
            if rel != Path("."):
                row["subject"] = rel.name
            rows.append(row)
    if not rows:
        raise InputError(f"no C3D or TRC files in {folder}" + (" (only static trials)" if n_statics else ""))
    return pd.DataFrame(rows)


def _walk_once(folder: Path):
    """os.walk following links to folders (labs link subject folders in from other disks), each
    real folder once: a link loop or a second link to a visited folder is not entered.  A
    folder that cannot be listed is an InputError naming it (its trials would go missing)."""
    def unreadable(exc: OSError):
        raise InputError(f"{folder}: subfolder {exc.filename} cannot be read ({exc.strerror or exc}); "
                         "fix its permissions or list the trials in a manifest")

    seen = set()
    for here, dirs, files in os.walk(folder, onerror=unreadable, followlinks=True):
        st = os.stat(here)
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        yield here, dirs, files


def _given(value) -> bool:
    """False for the empty cells of a manifest (None, NaN, "")."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    return str(value) != ""


def _resolve(p, base: Path) -> Path:
    p = Path(str(p))
    return p if p.is_absolute() else (base / p)


def _id_part(p) -> str:
    """A path as the user wrote it, normalised (``./a//b.c3d`` and ``a/b.c3d`` are one trial)."""
    return Path(str(p)).as_posix() if _given(p) else ""


def trial_id(path: str, grf: str = "") -> str:
    """A stable identifier: the file stem and a short hash of the paths as written in the
    manifest (relative to it), independent of the working directory."""
    digest = hashlib.sha1(f"{_id_part(path)}|{_id_part(grf)}".encode()).hexdigest()[:10]
    return f"{Path(str(path)).stem}-{digest}"


# ---- what a result depends on ---------------------------------------------------

RESUME_KEY_VERSION = 1


def resume_key(row: dict, options: dict) -> str:
    """A digest of every input of one trial: each manifest column of its row, the size and
    modification time of each file it names (path, grf, static), every analysis option and
    gaitcore's version.  A result saved under another key is recomputed."""
    from . import __version__

    files = {col: _file_stamp(row.get(col, "")) for col in ("path", "grf", "static")}
    content = {"row": {k: _plain(v) for k, v in sorted(row.items()) if k != "trial_id"},
               "files": files, "options": {k: _plain(v) for k, v in sorted(options.items())},
               "gaitcore": __version__, "key_version": RESUME_KEY_VERSION}
    return hashlib.sha1(json.dumps(content, sort_keys=True, default=repr).encode()).hexdigest()


def _file_stamp(path) -> list | None:
    if not _given(path):
        return None
    try:
        st = os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL byte in the path (entry_problem names it)
        return None
    return [st.st_size, st.st_mtime_ns]


def _plain(value):
    """JSON-able form of a manifest cell or option (NaN and "" both mean empty)."""
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return ""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


# ---- one trial (runs in a worker) -----------------------------------------------

def run_one(path: str, grf: str, static: str, options: dict) -> dict:
    """Analyse one trial; never raises. Returns plain, picklable data."""
    from .analysis import analyze_trial  # imported in the worker

    t0 = time.perf_counter()
    try:
        report = analyze_trial(path, grf=grf or None, static=static or None, **options)
        return {"factors": report.factors.to_dict(), "curves": report.curves, "qc": event_qc(report),
                "error": "", "elapsed_s": time.perf_counter() - t0}
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
        return {"factors": {}, "curves": {}, "error": f"{type(exc).__name__}: {exc}",
                "elapsed_s": time.perf_counter() - t0}


def event_qc(report) -> dict:
    """Plain-data event quality of one trial (for the cohort report): events per foot, where
    they came from, the gait mode, and the events and strides the quality checks rejected
    (``report.quality["events"]``, :func:`gaitcore.event_quality`)."""
    events = report.events
    counts = {f"{e} {side}": int(((events["event"] == e) & (events["side"] == side)).sum())
              for e in ("IC", "TO") for side in ("L", "R")} if len(events) else {}
    methods = sorted(set(events["method"].astype(str))) if "method" in events and len(events) else []
    quality = (report.quality or {}).get("events") or {}
    return {"events": counts, "event_methods": ", ".join(methods), "gait_mode": quality.get("gait_mode", ""),
            "events_out_of_order": len(quality.get("order_violations", [])),
            "implausible_contacts": len(quality.get("implausible_contacts", [])),
            "strides_rejected": len(quality.get("strides_rejected", []))}


def _failed(_key, error: Exception, elapsed_s: float = 0.0) -> dict:
    """The result of a trial that produced none (timed out, worker died, not analysed)."""
    return {"factors": {}, "curves": {}, "error": f"{type(error).__name__}: {error}", "elapsed_s": elapsed_s}


# ---- entries that cannot be analysed ------------------------------------------------

def entry_problem(path: str) -> str:
    """Why a manifest entry cannot be read as a trial file ("" when it can).

    Checked before any work, without opening the file: a FIFO would block its reader
    forever, a directory named ``x.c3d`` or a symbolic-link loop would fail obscurely.
    """
    try:
        mode = os.stat(path).st_mode
    except ValueError:  # os.stat refuses NUL bytes before asking the file system
        return "not a valid path (it holds a NUL byte)"
    except FileNotFoundError:
        return "dangling symbolic link" if os.path.islink(path) else "no such file"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return "a directory, not a trial file"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a trial file"
    if not stat.S_ISREG(mode):
        return "not a regular file (socket or device)"
    if not os.access(path, os.R_OK):
        return "permission denied"
    return ""


def _unreadable_entries(table: pd.DataFrame) -> dict[int, dict]:
    """{row: result} for the rows naming a file (path, grf, static) that cannot be read."""
    out = {}
    for i, row in enumerate(table.itertuples()):
        for col in ("path", "grf", "static"):
            value = getattr(row, col)
            problem = entry_problem(value) if _given(value) else ""
            if problem:
                kind = FileNotFoundError if problem == "no such file" else InputError
                out[i] = _failed(i, kind(f"not analysed: {col} {value}: {problem}"))
                break
    return out


# ---- executors --------------------------------------------------------------------

DEFAULT_TIMEOUT_S = 900.0  #: per-trial time limit (a 10-min trial takes ~10 s)


def _default_executor(workers: int | None):
    """The executor used when none is given: None, i.e. gaitcore's own pool (gaitcore._pool),
    which alone can stop one trial at its time limit and never leaves orphan workers.
    (Tests replace it by a thread pool to watch the calls in-process.)"""
    return None


def _dask_client(dask):
    from distributed import Client

    return (Client(dask), True) if isinstance(dask, str) else (dask, False)


def _submit_all(jobs, executor, dask, workers, timeout_s):
    """Yield (index, result) as trials finish, on the chosen backend.  ``timeout_s`` is enforced
    on each: by the default local pool (which replaces the worker), and on a user's executor or
    Dask by :func:`_run_on_executor` (the trial's row gets its error; see analyze_cohort)."""
    if dask is not None:
        client, owned = _dask_client(dask)
        try:
            yield from _run_on_executor(jobs, client.get_executor(pure=False), timeout_s,
                                        lambda: sum(client.nthreads().values()))
        finally:
            if owned:
                client.close()
        return
    if executor is None:
        executor = _default_executor(workers)
    if executor is None:
        yield from _pool.run_jobs(jobs, run_one, workers=workers or os.cpu_count() or 1,
                                  timeout_s=timeout_s, failed=_failed)
        return
    yield from _run_on_executor(jobs, executor, timeout_s, lambda: getattr(executor, "_max_workers", None))


def _run_on_executor(jobs, executor, timeout_s, slots):
    """Run ``jobs`` on a concurrent.futures executor, yielding (index, result) as they finish.

    Without a time limit every job is submitted at once.  With one, at most ``slots()`` jobs
    (the executor's workers, re-read as a Dask cluster grows) are in flight, so that a job
    starts when it is submitted and its clock can start there; a job not finished
    ``timeout_s`` after submission is cancelled and reported as a TrialTimeoutError.  A job
    already running cannot be stopped (a thread cannot be killed): it keeps its worker until it
    returns, and the jobs after it wait for the other workers."""
    pending = iter(jobs)
    running: dict = {}  # future -> (index, deadline)

    def fill():
        capacity = len(jobs) if timeout_s is None else max(slots() or os.cpu_count() or 1, 1)
        while len(running) < capacity:
            job = next(pending, None)
            if job is None:
                return
            i, args = job
            deadline = float("inf") if timeout_s is None else time.monotonic() + timeout_s
            running[executor.submit(run_one, *args)] = (i, deadline)

    try:
        fill()
        while running:
            soonest = min(deadline for _, deadline in running.values())
            wait_s = None if soonest == float("inf") else max(soonest - time.monotonic(), 0.0)
            done, _ = cf.wait(list(running), timeout=wait_s, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                yield running.pop(fut)[0], _result_or_failure(fut)
            now = time.monotonic()
            for fut, (i, deadline) in list(running.items()):
                if deadline <= now:
                    del running[fut]
                    fut.cancel()
                    yield i, _failed(i, TrialTimeoutError(
                        f"not finished {timeout_s:g} s after it was submitted (timeout_s={timeout_s:g}); "
                        "a running trial cannot be stopped on this executor and keeps its worker"), timeout_s)
            fill()
    finally:
        for fut in running:  # the batch stopped early: drop what has not started
            fut.cancel()


def _result_or_failure(fut) -> dict:
    """A future's result; an executor's own failure (e.g. a broken pool) becomes that trial's error."""
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001 - one entry must not stop the batch
        return _failed(None, exc)


# ---- output folder ----------------------------------------------------------------

class _OutDir:
    """Per-trial results (JSON + curves NPZ), factor tables and the run log, all atomic."""

    def __init__(self, root, lock_wait_s: float = 0.0):
        self.root = Path(root)
        self.trials = self.root / "trials"
        self.curves = self.root / "curves"
        self.trials.mkdir(parents=True, exist_ok=True)
        self.curves.mkdir(parents=True, exist_ok=True)
        self.lock = _atomic.FolderLock(self.root, wait_s=lock_wait_s)  # one run per folder
        _atomic.remove_stale_temporaries(self.root)

    def close(self) -> None:
        self.lock.release()

    def done(self, tid: str, key: str) -> dict | None:
        """The saved result of a trial if it was computed from the same inputs (``key``)."""
        p = self.trials / f"{tid}.json"
        try:
            record = json.loads(p.read_text())
        except (OSError, ValueError):
            return None
        if record.get("resume_key") != key:
            return None
        if record.get("has_curves") and not (self.curves / f"{tid}.npz").exists():
            return None
        return record

    def save_trial(self, tid: str, result: dict, key: str) -> None:
        if result["curves"]:
            with _atomic.atomic_path(self.curves / f"{tid}.npz") as tmp:
                with open(tmp, "wb") as f:
                    np.savez_compressed(f, **result["curves"])
        else:  # a curve file of an earlier run of this trial would be stale
            (self.curves / f"{tid}.npz").unlink(missing_ok=True)
        record = {k: v for k, v in result.items() if k != "curves"}
        record.update(resume_key=key, has_curves=bool(result["curves"]))
        _atomic.write_text(self.trials / f"{tid}.json", json.dumps(record, default=_json_default))

    def save_table(self, table: pd.DataFrame, log_lines: list[str]) -> None:
        write_csv(table, self.root / "factors.csv")  # text cells escaped for spreadsheets
        with _atomic.atomic_path(self.root / "factors.parquet") as tmp:
            table.to_parquet(tmp, index=False)
        _atomic.write_text(self.root / "run.log", "\n".join(log_lines) + "\n")


def _json_default(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


# ---- the batch --------------------------------------------------------------------

def analyze_cohort(manifest, *, executor=None, dask=None, progress=True, out=None, force=False,
                   workers=None, timeout_s=DEFAULT_TIMEOUT_S, lock_wait_s=0.0, report: bool = False,
                   **options) -> pd.DataFrame:
    """Analyse every trial of a manifest; one row of factors per trial.

    Parameters
    ----------
    manifest : DataFrame, CSV path or folder (see :func:`load_manifest`)
    executor : concurrent.futures.Executor, optional
        Runs the trials (e.g. ``ThreadPoolExecutor(4)``).  Default: a local process pool
        with ``workers`` processes (default: one per CPU).
    dask : distributed.Client or str, optional
        An existing Dask cluster (a client, or a scheduler address such as
        ``"tcp://10.0.0.5:8786"``) to run the trials on instead.
    progress : bool
        Show a tqdm progress bar.
    out : path, optional
        Folder for ``factors.csv``, ``factors.parquet``, ``curves/<trial_id>.npz``,
        ``trials/<trial_id>.json``, ``provenance.json`` (versions, options) and ``run.log``,
        each written atomically (modes follow the umask).  A rerun recomputes only the trials
        whose inputs changed (:func:`resume_key`: manifest row, files' size and time, options,
        gaitcore's version), or every trial with ``force=True``.  One run at a time writes a
        folder: another run on it raises :class:`~gaitcore.OutputLockedError` after waiting up
        to ``lock_wait_s`` seconds.
    timeout_s : float or None
        Time limit of each trial (default 900 s); ``None``: no limit.  A trial past it has a
        ``TrialTimeoutError`` in its row and the batch goes on.  On the default local pool the
        clock starts when a worker takes the trial and the worker process is replaced.  On
        ``executor=`` or ``dask=`` at most one trial per worker (thread) is submitted at a
        time (an executor without ``_max_workers``, the standard executors' worker count, is
        taken to have one per CPU), the clock starts at submission and the trial's future is
        cancelled; a trial
        already running there cannot be stopped (Python cannot kill a thread; a process
        pool's worker is not ours to kill) and keeps its worker busy until it returns, so
        the trials after it share the remaining workers.
    report : bool
        Also write ``report.html`` in ``out``: the self-contained cohort report of
        :func:`gaitcore.report.write_report` (groups from the ``group`` column).
    **options
        Passed to :func:`gaitcore.analyze_trial`.  ``static=`` and ``grf=`` name a file for every
        row whose manifest names none; each is checked once, before any work: a missing file,
        a directory, a dangling link or a link loop is an error naming the argument.

    Returns
    -------
    DataFrame: the manifest columns, ``trial_id``, one column per factor (unit-suffixed
    names, see :class:`gaitcore.TrialReport`) and ``error`` ("" when the trial succeeded).
    Every entry has its row: one that cannot be read as a file (missing, a directory, a
    FIFO, a dangling link or a link loop) is not analysed and its ``error`` says why.
    Timings go to the run log, not the table, so that the table does not depend on the
    executor.

    Example
    -------
    >>> table = gaitcore.analyze_cohort("lab/cohort.csv", out="results/")  # doctest: +SKIP
    >>> from distributed import Client                                      # doctest: +SKIP
    >>> table = gaitcore.analyze_cohort("lab/cohort.csv", dask=Client("tcp://scheduler:8786"))  # doctest: +SKIP
    """
    if executor is not None and dask is not None:
        raise InputError("give either executor= or dask=, not both")
    if timeout_s is not None:
        timeout_s = _validate.positive(timeout_s, "timeout_s")
    lock_wait_s = _validate.non_negative(lock_wait_s, "lock_wait_s")
    if report and out is None:
        raise InputError("report=True needs out= (the report is written in the results folder)")
    table = _with_default_files(load_manifest(manifest), options)
    outdir = _OutDir(_out_folder(out), lock_wait_s) if out is not None else None
    try:
        factors = _run_batch(table, outdir, options, executor, dask, workers, timeout_s, force, progress)
        if report:
            from .report import write_report

            write_report(outdir.root)
        return factors
    finally:
        if outdir is not None:
            outdir.close()


def _run_batch(table, outdir, options, executor, dask, workers, timeout_s, force, progress) -> pd.DataFrame:
    keys = [resume_key(row, options) for row in table.to_dict("records")]
    results: dict[int, dict] = {}
    if outdir is not None and not force:
        for i, tid in enumerate(table["trial_id"]):
            previous = outdir.done(tid, keys[i])
            if previous is not None:
                results[i] = previous
    reused = len(results)
    results.update({i: r for i, r in _unreadable_entries(table).items() if i not in results})
    jobs = [(i, (row.path, row.grf, row.static, options)) for i, row in enumerate(table.itertuples())
            if i not in results]
    log = [f"gaitcore analyze_cohort: {len(table)} trials, {reused} already done"]
    bar = _progress_bar(len(jobs), progress)
    finished = _submit_all(jobs, executor, dask, workers, timeout_s)
    try:
        for i, result in finished:
            results[i] = result
            if outdir is not None:
                outdir.save_trial(table.at[i, "trial_id"], result, keys[i])
            bar.update(1)
    finally:
        finished.close()  # stops the local workers now, whatever stopped the loop
        bar.close()
    factors = _assemble(table, results)
    log += [f"{table.at[i, 'trial_id']}: {results[i]['elapsed_s']:.3f} s, {results[i]['error'] or 'ok'}"
            for i in range(len(table))]
    if outdir is not None:
        outdir.save_table(factors, log)
        _write_provenance(outdir.root, options)
    factors.attrs["reused"] = reused  # trials whose saved result was up to date (not recomputed)
    return factors


def _write_provenance(root: Path, options: dict) -> None:
    """``provenance.json``: what produced the results (read by the cohort report)."""
    import datetime
    import platform

    from . import __version__

    record = {"gaitcore": __version__, "created": datetime.datetime.now().isoformat(timespec="seconds"),
              "options": {k: _plain(v) for k, v in sorted(options.items())}, "python": platform.python_version(),
              "numpy": np.__version__, "pandas": pd.__version__}
    _atomic.write_text(root / "provenance.json", json.dumps(record, indent=1))


def _with_default_files(table: pd.DataFrame, options: dict) -> pd.DataFrame:
    """``static=``/``grf=`` given as options apply to the rows whose manifest names none.
    Each is checked once here (an argument wrong for every row is an error of the call)."""
    for col in ("static", "grf"):
        default = options.pop(col, None)
        if default is not None:
            default = _default_file(default, col)
            table[col] = [v if v else default for v in table[col]]
    return table


def _out_folder(out):
    """``out=`` as given, or an error naming it when it exists and is no folder (a file, a link loop)."""
    if not isinstance(out, (str, os.PathLike)):
        raise InputTypeError(f"out must be a path (str or os.PathLike), got {type(out).__name__}")
    problem = entry_problem(out)
    if problem and problem != "no such file" and not problem.startswith("a directory"):
        raise InputError(f"out={os.fspath(out)!r}: {problem}")
    if not problem:  # a regular file
        raise InputError(f"out={os.fspath(out)!r}: not a folder")
    return out


def _default_file(value, name: str) -> str:
    """The absolute path of a ``static=``/``grf=`` argument, or an error naming it.  No
    Path.resolve: it raises RuntimeError on a link loop; links are left for the reader."""
    if not isinstance(value, (str, os.PathLike)):
        raise InputTypeError(f"{name} must be a path (str or os.PathLike), got {type(value).__name__}")
    problem = entry_problem(value)
    if problem:
        kind = FileNotFoundError if problem == "no such file" else InputError
        raise kind(f"{name}={os.fspath(value)!r}: {problem}")
    return os.path.abspath(value)


def _assemble(table: pd.DataFrame, results: dict[int, dict]) -> pd.DataFrame:
    rows = [results[i]["factors"] for i in range(len(table))]
    factor_table = pd.DataFrame(rows, index=table.index)
    out = pd.concat([table, factor_table], axis=1)
    out["error"] = [results[i]["error"] for i in range(len(table))]
    return out


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress_bar(total: int, enabled: bool):
    if not enabled or total == 0:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="trial", desc="gaitcore")


# ---- group comparisons -------------------------------------------------------------

NON_METRIC_COLUMNS = {"n_stances", "gap_filled_share"}
#: columns of a cohort table that hold text, never metrics (however a CSV reader types them)
TEXT_COLUMNS = set(MANIFEST_COLUMNS) | {"trial_id", "error", "flags"}


def read_factor_table(path) -> pd.DataFrame:
    """A ``factors.csv`` written by :func:`analyze_cohort`, with its text columns as text
    (an all-empty ``grf`` or ``error`` column is "" rather than NaN)."""
    head = pd.read_csv(path, nrows=0).columns
    text = {c: str for c in head if c in TEXT_COLUMNS}
    table = pd.read_csv(path, dtype=text, keep_default_na=True)
    table.columns = [unescape_formula(c) for c in table.columns]
    for col in text:
        table[col] = [unescape_formula(v) for v in table[col].fillna("")]
    if "error" not in table.columns:
        table["error"] = ""
    return table


def _groups(table: pd.DataFrame, by: str, reference) -> tuple[str, list[str]]:
    if by not in table.columns:
        raise InputError(f"no column {by!r} in the table (columns: {list(table.columns)})")
    levels = [g for g in pd.unique(table[by].astype(str)) if g not in ("", "nan")]
    if len(levels) < 2:
        raise InputError(f"column {by!r} needs at least two groups, found {levels}")
    reference = levels[0] if reference is None else str(reference)
    if reference not in levels:
        raise InputError(f"reference group {reference!r} not in {levels}")
    return reference, [g for g in levels if g != reference]


def compare_groups(table: pd.DataFrame, by: str = "group", metrics=None, reference=None,
                   equal_var: bool = False) -> pd.DataFrame:
    """Compare each factor between groups: one row per metric and group pair.

    Each group is compared with the ``reference`` group (default: the first group in the
    table's order), per metric (docs/methods.md F):

    - ``n``, ``mean``, ``sd`` of the group and of the reference;
    - ``diff`` = mean(group) - mean(reference) in the metric's ``unit``, with its 95 % CI
      (``ci_low``, ``ci_high``), and Hedges' g beside it;
    - ``test``: Welch's t test (default) or Student's (``equal_var=True``), chosen once and
      used for ``t``, ``df``, ``p`` and the CI alike;
    - ``p_holm`` (Holm, family-wise error) and ``q_fdr`` (Benjamini-Hochberg, false discovery
      rate): p adjusted over the ``family`` = every metric tested for that group against the
      reference (e.g. "back_pain vs control: 28 metrics").  With ~30 metrics about 1.5
      unadjusted p values fall below 0.05 by chance alone.

    Trials with an error and NaN values are left out per metric; a metric that cannot be
    tested has a ``note`` and NaN statistics, and is not part of the family.

    Example
    -------
    >>> table = gaitcore.analyze_cohort("cohort/manifest.csv")          # doctest: +SKIP
    >>> gaitcore.compare_groups(table, by="group")[["metric", "diff", "unit", "p", "p_holm"]]  # doctest: +SKIP
    """
    reference, others = _groups(table, by, reference)
    ok = table[table["error"].fillna("") == ""] if "error" in table.columns else table
    if metrics is None:
        metrics = [c for c in ok.select_dtypes("number").columns
                   if c not in NON_METRIC_COLUMNS | TEXT_COLUMNS and not c.startswith("planted_")]
    families = [_compare_family(ok, by, group, reference, metrics, equal_var) for group in others]
    columns = ["metric", "group", "reference", "n", "n_reference", "mean", "sd", "mean_reference",
               "sd_reference", "diff", "unit", "ci_low", "ci_high", "hedges_g", "test", "t", "df", "p",
               "p_holm", "q_fdr", "family", "note"]  # the absolute difference and its unit side by side
    result = pd.concat(families, ignore_index=True) if families else pd.DataFrame()
    return result.reindex(columns=columns)


def _compare_family(ok: pd.DataFrame, by: str, group: str, reference: str, metrics, equal_var: bool) -> pd.DataFrame:
    """One group against the reference over every metric, with the family's adjusted p."""
    from ._units import unit_of
    from .stats import adjust_pvalues, compare

    rows = []
    in_group, in_reference = ok[by].astype(str) == group, ok[by].astype(str) == reference
    for metric in metrics:
        a = pd.to_numeric(ok.loc[in_group, metric], errors="coerce").to_numpy(float)
        b = pd.to_numeric(ok.loc[in_reference, metric], errors="coerce").to_numpy(float)
        row = {"metric": metric, "unit": unit_of(metric), "group": group, "reference": reference, "note": ""}
        try:
            c = compare(a, b, equal_var=equal_var)
            row.update(n=c.n_a, n_reference=c.n_b, mean=c.mean_a, sd=c.sd_a, mean_reference=c.mean_b,
                       sd_reference=c.sd_b, diff=c.diff, ci_low=c.diff_ci_low, ci_high=c.diff_ci_high,
                       hedges_g=c.hedges_g, test=c.test, t=c.t, df=c.df, p=c.p)
        except (ValueError, TypeError) as exc:
            row["note"] = str(exc)
        rows.append(row)
    family = pd.DataFrame(rows)
    p = family["p"].to_numpy(float) if "p" in family else np.full(len(family), np.nan)
    family["p_holm"] = adjust_pvalues(p, "holm")
    family["q_fdr"] = adjust_pvalues(p, "fdr_bh")
    family["family"] = f"{group} vs {reference}: {int(np.isfinite(p).sum())} metrics"
    return family


def _curves_from_dir(folder) -> tuple[pd.DataFrame, dict]:
    folder = Path(folder)
    table = pd.read_csv(folder / "factors.csv", dtype={"subject": str, "group": str}, keep_default_na=False)
    curves = {}
    for tid in table["trial_id"]:
        p = folder / "curves" / f"{tid}.npz"
        if p.exists():
            with np.load(p) as npz:
                curves[tid] = {k: npz[k] for k in npz.files}
    return table, curves


def _ancova(y, n_group, covariates: pd.DataFrame, alpha):
    """Group (the first n_group rows) - reference adjusted for the covariates, two-tailed."""
    from .glm import spm_ancova

    codes = np.r_[np.zeros(n_group, int), np.ones(len(y) - n_group, int)]  # t = group - reference
    cov = {str(c): covariates[c].to_numpy(float) for c in covariates.columns}
    return spm_ancova(y, codes, cov).inference(alpha, two_tailed=True)


def subject_curves(table: pd.DataFrame, curves: dict, by: str, subjects_out: dict | None = None) -> dict:
    """{group: {curve name: (n_subjects, points)}}: each subject's mean over its strides and trials.
    ``subjects_out``, when given, receives the subject of each row: {group: {curve name: [subject]}}."""
    per_subject: dict = {}
    for row in table.itertuples():
        trial_curves = curves.get(row.trial_id, {})
        for name, arr in trial_curves.items():
            per_subject.setdefault((str(getattr(row, by)), row.subject), {}).setdefault(name, []).append(arr)
    out: dict = {}
    for (group, subject), by_name in per_subject.items():
        for name, arrays in by_name.items():
            strides = np.concatenate(arrays, axis=0)
            # all-NaN nodes stay NaN
            out.setdefault(group, {}).setdefault(name, []).append(nan_reduce(np.nanmean, strides, axis=0))
            if subjects_out is not None:
                subjects_out.setdefault(group, {}).setdefault(name, []).append(subject)
    return {g: {n: np.vstack(v) for n, v in d.items()} for g, d in out.items()}


def compare_curves(reports_or_dir, by: str = "group", *, alpha: float = 0.05, reference=None,
                   design: str = "ttest2", covariates=None) -> pd.DataFrame:
    """SPM two-sample t test per normalised angle curve between groups.

    Subjects are the units: each subject's curve is the mean over its strides (and trials),
    then :func:`gaitcore.spm_ttest2` compares each group with the ``reference`` group
    (default: the first in the table), two-tailed at ``alpha``.

    ``design="ancova"`` adjusts the group difference for ``covariates`` (names of numeric
    columns of the table, e.g. ``["speed_m_per_s"]`` from the manifest, each subject's mean over
    its trials) with :func:`gaitcore.spm_ancova`: the SPM{t} of group - reference at every node
    of curve = group + covariates (docs/methods.md H); subjects with a NaN covariate are left out.

    Parameters
    ----------
    reports_or_dir : the ``out`` folder of :func:`analyze_cohort` (factors.csv + curves/),
        or a DataFrame with columns ``subject``, ``by`` and ``report`` (TrialReport objects)

    Returns
    -------
    DataFrame, one row per curve and group: ``curve``, ``group``, ``reference``, ``n``,
    ``n_reference``, ``t_star``, ``clusters`` (e.g. "62.1-88.0 (p=0.004)"), ``p_min``,
    ``significant`` and ``note`` (why a curve could not be tested).  The SPM results are in
    ``df.attrs["spm"][(curve, group)]`` for plotting (``result.plot()``).
    """
    from .stats import spm_ttest2

    if design not in ("ttest2", "ancova"):
        raise InputError(f"design must be 'ttest2' or 'ancova', got {design!r}")
    if design == "ancova" and not covariates:
        raise InputError("design='ancova' needs covariates, e.g. covariates=['speed_m_per_s']")
    if isinstance(reports_or_dir, pd.DataFrame):
        missing = {"subject", by, "report"} - set(reports_or_dir.columns)
        if missing:
            raise InputError(f"reports_or_dir needs the columns subject, {by!r} and report; missing {sorted(missing)}")
        table = reports_or_dir.assign(trial_id=[f"t{i}" for i in range(len(reports_or_dir))])
        curves = {tid: rep.curves for tid, rep in zip(table["trial_id"], table["report"])}
    else:
        table, curves = _curves_from_dir(reports_or_dir)
    reference, others = _groups(table, by, reference)
    ids: dict = {}
    grouped = subject_curves(table, curves, by, subjects_out=ids)
    if design == "ancova":
        missing = [c for c in covariates if c not in table.columns]
        if missing:
            raise InputError(f"covariates {missing} are not columns of the cohort table")
        per_subject = table.assign(**{by: table[by].astype(str)}).groupby([by, "subject"])[list(covariates)].mean()
    rows, results = [], {}
    ref_curves = grouped.get(reference, {})
    for group in others:
        for name in sorted(grouped.get(group, {})):
            ya, yb = grouped[group][name], ref_curves.get(name)
            row = {"curve": name, "group": group, "reference": reference, "n": len(ya),
                   "n_reference": 0 if yb is None else len(yb), "note": ""}
            try:
                if yb is None:
                    raise InputError(f"no {name} curves in the reference group")
                keep_a, keep_b = np.isfinite(ya).all(axis=1), np.isfinite(yb).all(axis=1)
                if min(keep_a.sum(), keep_b.sum()) < 3:
                    raise InputError(f"fewer than 3 subjects with a complete {name} curve "
                                     f"({int(keep_a.sum())} in {group}, {int(keep_b.sum())} in {reference})")
                if design == "ancova":
                    keys = [(group, s) for s in np.asarray(ids[group][name])[keep_a]] + \
                           [(reference, s) for s in np.asarray(ids[reference][name])[keep_b]]
                    res = _ancova(np.vstack([ya[keep_a], yb[keep_b]]), int(keep_a.sum()),
                                  per_subject.loc[keys], alpha)
                else:
                    res = spm_ttest2(ya[keep_a], yb[keep_b]).inference(alpha=alpha, two_tailed=True)
                results[(name, group)] = res
                row.update(n=int(keep_a.sum()), n_reference=int(keep_b.sum()), t_star=res.t_star,
                           clusters="; ".join(f"{c.start:.1f}-{c.end:.1f} (p={c.p:.3g})" for c in res.clusters),
                           p_min=min((c.p for c in res.clusters), default=np.nan),
                           significant=bool(res.clusters))
            except ValueError as exc:
                row["note"] = str(exc)
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["spm"] = results
    return out
