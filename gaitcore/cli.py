"""The ``gaitcore`` command line.

    gaitcore info FILE [FILE ...]   markers, plates, rates and stored events of trial files
    gaitcore demo                   the main job on the bundled datasets

Exit codes: 0 success, 1 when some files failed, 2 on bad usage.
"""
from __future__ import annotations

import argparse
import sys

from . import datasets
from .io import read_trial

TRIAL_SUFFIXES = (".c3d", ".trc", ".mot")


def _info(paths) -> int:
    failed = 0
    for path in paths:
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


def _demo(_args) -> int:
    names = [n for n in datasets.list() if n.lower().endswith(TRIAL_SUFFIXES)]
    print(f"gaitcore demo: {len(names)} trial files in {datasets.data_dir()}")
    return _info([datasets.path(n) for n in names])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gaitcore", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_info = sub.add_parser("info", help="describe trial files (markers, plates, rates, events)")
    p_info.add_argument("files", nargs="+", help="C3D, TRC or MOT files")
    p_info.set_defaults(run=lambda a: _info(a.files))
    p_demo = sub.add_parser("demo", help="run the main job on the bundled datasets")
    p_demo.set_defaults(run=_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)  # exits with 2 on bad usage
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
