"""Run a bounded fuzzing campaign: ``python tests/fuzz/run.py --cases N [--seed S] [--jobs J]``.

Cases run in worker processes (gaitcore's batch pool), each with a time limit: a crash of
the interpreter or a hang costs that case only.  Prints the count of each outcome; exits 1
if any case crashed, hung or raised an undocumented exception, after saving each failing
case, minimised, to tests/fuzz/corpus/ (the regression cases of tests/test_fuzz.py).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402

from gaitcore import _pool  # noqa: E402

PASSING = ("ok", "refused")
CORPUS = HERE / "corpus"


def _failed(_key, error):
    name = type(error).__name__
    return ("hang" if name == "TrialTimeoutError" else "crash"), str(error)


def run_campaign(cases: int, seed: int, jobs: int, timeout_s: float, first: int = 0):
    """{outcome: count} and the failing [(index, outcome, detail)] of cases first..first+cases-1."""
    counts = collections.Counter()
    failures = []
    work = ((i, (seed, i)) for i in range(first, first + cases))
    for index, (outcome, detail) in _pool.run_jobs(list(work), harness.run_case, workers=jobs,
                                                    timeout_s=timeout_s, failed=_failed):
        counts[outcome] += 1
        if outcome not in PASSING:
            failures.append((index, outcome, detail))
    return counts, failures


def _fails_in_subprocess(spec: dict, timeout_s: float) -> bool:
    code = ("import json, sys; sys.path.insert(0, %r); import harness; "
            "o, d = harness.run_spec(json.loads(sys.argv[1])); sys.exit(0 if o in ('ok', 'refused') else 3)"
            % str(HERE))
    try:
        done = subprocess.run([sys.executable, "-c", code, harness.spec_json(spec)], capture_output=True,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return True
    return done.returncode != 0


def save_regression(seed: int, index: int, outcome: str, detail: str, timeout_s: float) -> Path:
    """Minimise a failing case and store it under tests/fuzz/corpus/."""
    spec = harness.describe(seed, index)
    spec = harness.minimise(spec, lambda s: _fails_in_subprocess(s, timeout_s))
    CORPUS.mkdir(exist_ok=True)
    stem = f"{outcome}-{seed}-{index}"
    if spec["kind"] == "file":
        data = harness.apply_ops(harness._raw(spec["file"]), spec["ops"])
        target = CORPUS / f"{stem}{Path(spec['file']).suffix}"
        target.write_bytes(data)
        (CORPUS / f"{stem}.json").write_text(json.dumps({"reader": spec["reader"], "file": target.name,
                                                          "found": detail}, indent=1) + "\n")
    else:
        target = CORPUS / f"{stem}.json"
        target.write_text(json.dumps({"call": spec, "found": detail}, indent=1) + "\n")
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=0, help="index of the first case (to continue a campaign)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    parser.add_argument("--no-save", action="store_true", help="do not write failing cases to the corpus")
    args = parser.parse_args(argv)
    t0 = time.monotonic()
    counts, failures = run_campaign(args.cases, args.seed, args.jobs, args.timeout, first=args.first)
    elapsed = time.monotonic() - t0
    print(f"fuzz: {sum(counts.values())} cases ({args.first}..{args.first + args.cases - 1}), seed {args.seed}, "
          f"{elapsed:.0f} s")
    for outcome in ("ok", "refused", "undocumented", "crash", "hang"):
        print(f"  {outcome:13s} {counts.get(outcome, 0)}")
    for index, outcome, detail in failures[:50]:
        print(f"  FAIL case {args.seed}:{index} {outcome}: {detail}")
        if not args.no_save:
            print(f"       saved to {save_regression(args.seed, index, outcome, detail, args.timeout)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
