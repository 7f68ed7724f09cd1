"""The ``gaitcore`` command line.

    gaitcore info FILE [FILE ...]                  markers, plates, rates and stored events
    gaitcore analyze PATH [PATH ...] --out DIR     trials, folders and manifests -> factor tables
    gaitcore compare DIR [--by group]              group comparison of an analysed cohort
    gaitcore report DIR [--by group]               self-contained HTML report of an analysed cohort
    gaitcore demo [--out DIR]                      the main job on the bundled datasets

Exit codes: 0 success, 1 when some trials or files failed (data), 2 on bad usage.  Every
error is one line on stderr; set GAITCORE_DEBUG=1 to see the Python traceback as well.
"""
from __future__ import annotations

import argparse
import inspect
import os
import signal
import sys
from pathlib import Path

from . import __version__

EXAMPLES_ANALYZE = """examples:
  gaitcore analyze run.c3d --out results                  one trial
  gaitcore analyze lab/session1 lab/session2 --out results   every C3D/TRC in two folders
  gaitcore analyze study/manifest.csv --out results --workers 8
  gaitcore analyze walk.c3d --gait walking --events zeni --out results
  gaitcore analyze run.trc --static static.trc --body-mass-kg 72.5 --out results
  gaitcore analyze study/manifest.csv --out results --dask tcp://scheduler:8786

A manifest CSV has a 'path' column (relative to the CSV) and optionally subject, group,
grf (forces for a TRC), static (a standing trial) and covariates.  A rerun recomputes only
trials whose files, manifest row, options or gaitcore version changed (--force: all).
"""
EXAMPLES_TOP = """examples:
  gaitcore info walk.c3d
  gaitcore analyze run.c3d --out results
  gaitcore compare results --by group
  gaitcore report results                  results/report.html, opens in any browser
  gaitcore demo

Methods and references: docs/methods.md in the source distribution.
"""


class UsageError(Exception):
    """Bad command-line input: reported in one line, exit status 2."""


class DataError(Exception):
    """The input was well formed but could not be analysed: one line, exit status 1."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``prog: error: message (see --help)``), exit 2."""

    def error(self, message):
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


# ---- info -----------------------------------------------------------------------------

def _info(args) -> int:
    from .io import read_trial
    from .io.info import describe_reading

    failed = 0
    for path in args.files:
        if not Path(path).exists():
            raise UsageError(f"{path}: no such file")
        try:
            trial = read_trial(path)
        except (OSError, ValueError) as exc:
            print(f"gaitcore info: {path}: {_one_line(exc)}", file=sys.stderr)
            failed += 1
            continue
        print(trial.summary())
        print("\n".join(describe_reading(path, trial)))  # what the reader found and assumed (io helper)
        if trial.markers:
            print("  marker names: " + " ".join(sorted(trial.markers)))
        if trial.events is not None and len(trial.events):
            for row in trial.events.itertuples():
                print(f"    {row.side or '-'} {row.event:<4} {row.time_s:8.4f} s")
    return 1 if failed else 0


# ---- analyze ----------------------------------------------------------------------------

def _stop_on_sigterm():
    """Turn SIGTERM into SystemExit so that pending atomic writes clean up."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


def _trial_keywords() -> set[str]:
    from .analysis import analyze_trial

    return set(inspect.signature(analyze_trial).parameters)


def analysis_options(args) -> dict:
    """The keywords of :func:`gaitcore.analyze_trial` given on the command line."""
    keywords = _trial_keywords()
    options = {}
    for flag, keyword in _OPTION_FLAGS:
        value = getattr(args, flag, None)
        if value is not None and keyword in keywords:
            options[keyword] = value
    if args.gait is not None:
        if "gait" in keywords:
            options["gait"] = args.gait
        else:  # the gait mode chooses the marker event method
            options.setdefault("kinematic", {"running": "hreljac", "walking": "zeni"}[args.gait])
    if args.static is not None:
        from .cohort import entry_problem

        problem = entry_problem(args.static)  # a link loop is named as such (no Path.resolve RuntimeError)
        if problem:
            raise UsageError(f"--static {args.static}: {problem}")
        options["static"] = args.static
    return options


def _body_mass(value: str):
    if value == "from_grf":
        return value
    try:
        mass = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected kilograms or 'from_grf', got {value!r}") from None
    if not 0 < mass < 1000:
        raise argparse.ArgumentTypeError(f"body mass must be in (0, 1000) kg, got {value}")
    return mass


def _positive(kind):
    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {value!r}") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
        return number
    return parse


def _analyze(args) -> int:
    from .cohort import DEFAULT_TIMEOUT_S, analyze_cohort, load_manifest

    if args.workers is not None and args.dask:
        raise UsageError("give --workers or --dask, not both")
    for path in args.paths:
        if not Path(path).exists():
            raise UsageError(f"{path}: no such file or folder")
    options = analysis_options(args)
    try:
        load_manifest(list(args.paths))  # bad manifests are usage errors, found before any work
    except (OSError, ValueError) as exc:
        raise UsageError(_one_line(exc)) from None
    _stop_on_sigterm()
    table = analyze_cohort(list(args.paths), out=args.out, workers=args.workers, dask=args.dask,
                           force=args.force, progress=not args.no_progress, report=args.report,
                           timeout_s=args.timeout or DEFAULT_TIMEOUT_S, **options)
    return _summary(table, args.out)


def _summary(table, out) -> int:
    failed = table[table["error"] != ""]
    reused = int(table.attrs.get("reused", 0))
    done = len(table) - len(failed)
    for row in failed.itertuples():
        print(f"  failed: {row.path}: {_one_line(row.error)}", file=sys.stderr)
    print(f"{len(table)} trials: {done - reused} analysed, {reused} skipped (up to date), "
          f"{len(failed)} failed")
    report = ", report.html" if (Path(out) / "report.html").exists() else ""
    print(f"results in {out}/: factors.csv, factors.parquet, curves/, trials/, run.log{report}")
    return 1 if len(failed) else 0


# ---- compare ----------------------------------------------------------------------------

def _compare(args) -> int:
    import pandas as pd

    from .cohort import compare_groups, read_factor_table
    from .writers import write_csv

    table_path = Path(args.dir) / "factors.csv"
    if not table_path.exists():
        raise UsageError(f"{table_path} not found (run `gaitcore analyze ... --out {args.dir}` first)")
    table = read_factor_table(table_path)
    if args.by not in table.columns:
        raise UsageError(f"--by {args.by}: no such column in {table_path}")
    ok = table["error"] == ""
    if not ok.any():
        raise DataError(f"every trial in {table_path} failed ({len(table)} trials): nothing to compare")
    try:
        result = compare_groups(table, by=args.by)
    except ValueError as exc:  # fewer than two groups in that column
        raise UsageError(f"--by {args.by}: {_one_line(exc)}") from None
    out = Path(args.dir) / f"compare_{args.by}.csv"
    write_csv(result, out)  # group names escaped for spreadsheets
    shown = [c for c in ("metric", "group", "n", "n_reference", "diff", "unit", "ci_low", "ci_high", "p",
                         "p_holm", "q_fdr", "hedges_g") if c in result.columns]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(result[shown].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"written to {out}")
    return 0


def _report(args) -> int:
    from .report import write_report

    if not (Path(args.dir) / "factors.csv").exists():
        raise UsageError(f"{Path(args.dir) / 'factors.csv'} not found (run `gaitcore analyze ... --out {args.dir}` first)")
    try:
        path = write_report(args.dir, by=args.by, reference=args.reference, path=args.out)
    except ValueError as exc:
        raise UsageError(_one_line(exc)) from None
    print(f"report written to {path} (open it in a browser; it needs no server)")
    return 0


def _demo(args) -> int:
    from .demo import run_demo

    return run_demo(Path(args.out))


# ---- the parser -------------------------------------------------------------------------

#: (argparse dest, analyze_trial keyword): a flag is passed only when analyze_trial has it
_OPTION_FLAGS = (
    ("events", "event_method"), ("kinematic", "kinematic"), ("marker_set", "marker_set"),
    ("hjc", "hjc"), ("pelvis_sequence", "pelvis_sequence"), ("cutoff_hz", "cutoff_hz"),
    ("points", "points"), ("body_mass_kg", "body_mass_kg"),
)


def _add_analysis_options(p) -> None:
    from .events import KINEMATIC_METHODS, METHODS

    g = p.add_argument_group("analysis options (defaults: those of gaitcore.analyze_trial)")
    g.add_argument("--events", choices=METHODS,
                   help="gait events: plates where loaded and markers elsewhere (auto), plates only (force), "
                        "or a marker method")
    g.add_argument("--gait", choices=("running", "walking"),
                   help="gait mode: chooses the marker event method (running: hreljac, walking: zeni)")
    g.add_argument("--kinematic", choices=("auto",) + tuple(KINEMATIC_METHODS),
                   help="marker event method used by --events auto")
    if "marker_set" in _trial_keywords():
        g.add_argument("--marker-set", dest="marker_set", help="marker set name (default: recognised from the file)")
    g.add_argument("--static", metavar="FILE", help="static standing trial for every trial without a "
                                                   "'static' column in its manifest")
    g.add_argument("--hjc", choices=("harrington", "davis"), help="hip joint centre regression")
    g.add_argument("--pelvis-sequence", dest="pelvis_sequence", choices=("baker", "pig"),
                   help="pelvis angle sequence")
    g.add_argument("--cutoff-hz", dest="cutoff_hz", type=_positive(float), metavar="HZ",
                   help="marker low-pass cutoff (Hz)")
    g.add_argument("--points", type=_positive(int), help="nodes per normalised stride")
    g.add_argument("--body-mass-kg", dest="body_mass_kg", type=_body_mass, metavar="KG",
                   help="body mass in kg, or 'from_grf' (mean vertical force)")


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(prog="gaitcore", description="Running biomechanics: events, cadence, joint angles "
                     "and back-pain factors.", epilog=EXAMPLES_TOP, formatter_class=fmt)
    parser.add_argument("--version", action="version", version=f"gaitcore {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("info", help="describe trial files (markers, plates, rates, events)")
    p.add_argument("files", nargs="+", help="C3D, TRC or MOT files")
    p.set_defaults(run=_info)

    p = sub.add_parser("analyze", help="analyse trials, folders of trials or manifest CSVs",
                       epilog=EXAMPLES_ANALYZE, formatter_class=fmt)
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="a trial (.c3d, .trc), a folder of trials, or a manifest CSV; several may be given")
    p.add_argument("--out", required=True, help="output folder (factors.csv/.parquet, curves/, trials/, run.log)")
    p.add_argument("--workers", type=_positive(int), default=None,
                   help="local worker processes (default: one per CPU)")
    p.add_argument("--dask", default=None, metavar="ADDRESS", help="run on an existing Dask scheduler")
    p.add_argument("--force", action="store_true", help="recompute every trial, even those up to date in --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--report", action="store_true", help="also write the HTML cohort report (report.html)")
    p.add_argument("--timeout", type=_positive(float), default=None, metavar="S",
                   help="time limit of each trial in seconds (default: 900); a trial running longer is "
                        "recorded as timed out (a local worker is replaced; on --dask the task is cancelled, "
                        "though a running one keeps its thread until it returns)")
    _add_analysis_options(p)
    p.set_defaults(run=_analyze)

    p = sub.add_parser("compare", help="compare groups of an analysed cohort folder")
    p.add_argument("dir", help="the --out folder of `gaitcore analyze`")
    p.add_argument("--by", default="group", help="manifest column holding the groups (default: group)")
    p.set_defaults(run=_compare)

    p = sub.add_parser("report", help="write the self-contained HTML report of an analysed cohort folder")
    p.add_argument("dir", help="the --out folder of `gaitcore analyze`")
    p.add_argument("--by", default="group", help="manifest column holding the groups (default: group)")
    p.add_argument("--reference", default=None, help="reference group (default: the first in the table)")
    p.add_argument("--out", default=None, help="output file (default: DIR/report.html)")
    p.set_defaults(run=_report)

    p = sub.add_parser("demo", help="analyse the bundled datasets; tables and figures to out/demo")
    p.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    p.set_defaults(run=_demo)
    return parser


def _one_line(message) -> str:
    text = " ".join(str(message).split())
    return text if len(text) <= 400 else text[:397] + "..."


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # one-line error and exit 2 on bad usage
    prog = f"gaitcore {args.command}"
    try:
        return args.run(args)
    except UsageError as exc:
        print(f"{prog}: error: {_one_line(exc)} (see {prog} --help)", file=sys.stderr)
        return 2
    except DataError as exc:
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:  # an optional dependency: the message names the extra
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a researcher gets one line, not a traceback
        if os.environ.get("GAITCORE_DEBUG"):
            raise
        print(f"{prog}: error: {type(exc).__name__}: {_one_line(exc)} "
              "(set GAITCORE_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
