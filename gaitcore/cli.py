"""The ``gaitcore`` command line.

    gaitcore info FILE [FILE ...]            markers, plates, rates and stored events
    gaitcore analyze PATH|MANIFEST --out DIR [--workers N] [--dask ADDRESS] [--force]
    gaitcore compare DIR [--by group]        group comparison of an analysed cohort
    gaitcore demo [--out DIR]                the main job on the bundled datasets

Exit codes: 0 success, 1 when some trials or files failed, 2 on bad usage.
"""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from .io import read_trial


def _info(args) -> int:
    failed = 0
    for path in args.files:
        try:
            trial = read_trial(path)
        except (OSError, ValueError) as exc:
            print(f"{path}: error: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(trial.summary())
        if trial.markers:
            print("  marker names: " + " ".join(sorted(trial.markers)))
        if trial.events is not None and len(trial.events):
            for row in trial.events.itertuples():
                print(f"    {row.side or '-'} {row.event:<4} {row.time_s:8.4f} s")
    return 1 if failed else 0


def _stop_on_sigterm():
    """Turn SIGTERM into SystemExit so that pending atomic writes clean up."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


def _analyze(args) -> int:
    from .cohort import analyze_cohort

    if args.workers is not None and args.dask:
        print("gaitcore analyze: give --workers or --dask, not both", file=sys.stderr)
        return 2
    _stop_on_sigterm()
    table = analyze_cohort(args.path, out=args.out, workers=args.workers, dask=args.dask,
                           force=args.force, progress=not args.no_progress)
    failed = table[table["error"] != ""]
    print(f"{len(table) - len(failed)} of {len(table)} trials analysed; results in {args.out}")
    for row in failed.itertuples():
        print(f"  failed: {row.path}: {row.error}", file=sys.stderr)
    return 1 if len(failed) else 0


def _compare(args) -> int:
    import pandas as pd

    from .cohort import compare_groups

    table_path = Path(args.dir) / "factors.csv"
    if not table_path.exists():
        print(f"gaitcore compare: {table_path} not found (run `gaitcore analyze` first)", file=sys.stderr)
        return 2
    table = pd.read_csv(table_path, keep_default_na=True, dtype={args.by: str})
    result = compare_groups(table, by=args.by)
    out = Path(args.dir) / f"compare_{args.by}.csv"
    result.to_csv(out, index=False)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(result.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"written to {out}")
    return 0


def _demo(args) -> int:
    from .demo import run_demo

    return run_demo(Path(args.out))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gaitcore", description="Running biomechanics: "
                                     "events, cadence, joint angles and back-pain factors.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("info", help="describe trial files (markers, plates, rates, events)")
    p.add_argument("files", nargs="+", help="C3D, TRC or MOT files")
    p.set_defaults(run=_info)

    p = sub.add_parser("analyze", help="analyse a trial, a folder of trials or a manifest CSV")
    p.add_argument("path", help="a trial file, a folder, or a manifest CSV (path, subject, group, grf)")
    p.add_argument("--out", required=True, help="output folder (factors.csv/.parquet, curves/, run.log)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per CPU)")
    p.add_argument("--dask", default=None, metavar="ADDRESS", help="run on an existing Dask scheduler")
    p.add_argument("--force", action="store_true", help="recompute trials already done in --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=_analyze)

    p = sub.add_parser("compare", help="compare groups of an analysed cohort folder")
    p.add_argument("dir", help="the --out folder of `gaitcore analyze`")
    p.add_argument("--by", default="group", help="manifest column holding the groups (default: group)")
    p.set_defaults(run=_compare)

    p = sub.add_parser("demo", help="analyse the bundled datasets; tables and figures to out/demo")
    p.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    p.set_defaults(run=_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)  # exits with 2 on bad usage
    if getattr(args, "workers", None) is not None and args.workers < 1:
        print("gaitcore: --workers must be >= 1", file=sys.stderr)
        return 2
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
