"""The fuzzing campaign's short run (fixed seed, part of `make test`) and its regression corpus.

`make fuzz` runs the long campaign (tests/fuzz/run.py); any case that crashed, hung or raised
an exception outside gaitcore's hierarchy is saved, minimised, to tests/fuzz/corpus/ and
replayed here in a subprocess.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parent / "fuzz"
sys.path.insert(0, str(FUZZ))

import harness  # noqa: E402
import run as fuzz_run  # noqa: E402

SHORT_CASES = 600
SHORT_SEED = 20261129


def test_short_campaign_finds_nothing():
    counts, failures = fuzz_run.run_campaign(SHORT_CASES, SHORT_SEED, jobs=2, timeout_s=60.0)
    assert not failures, failures[:5]
    assert sum(counts.values()) == SHORT_CASES
    assert counts["ok"] > 0 and counts["refused"] > 0  # both valid and refused inputs were reached


def test_cases_are_deterministic():
    assert harness.describe(5, 17) == harness.describe(5, 17)
    assert harness.describe(5, 17) != harness.describe(5, 18)
    spec = harness.describe(3, 1)
    assert json.loads(harness.spec_json(spec)) == spec


def test_minimise_drops_operations_that_do_not_matter():
    spec = {"kind": "file", "file": "walking2.c3d", "reader": "read_c3d",
            "ops": [["byte", 3, 0], ["flip", 700, 1], ["truncate", 10]]}
    small = harness.minimise(spec, lambda s: any(op[0] == "truncate" for op in s["ops"]))
    assert small["ops"] == [["truncate", 10]]


CORPUS = sorted((FUZZ / "corpus").glob("*.json"))


@pytest.mark.parametrize("case", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_case_is_refused_or_handled(case):
    record = json.loads(case.read_text())
    if "reader" in record:
        code = ("import sys, gaitcore\n"
                "try:\n    getattr(gaitcore, sys.argv[1])(sys.argv[2])\n"
                "except (gaitcore.GaitcoreError, OSError):\n    pass\n")
        args = [record["reader"], str(case.parent / record["file"])]
    else:
        code = ("import json, sys; sys.path.insert(0, %r); import harness\n"
                "o, d = harness.run_spec(json.loads(sys.argv[1])); sys.exit(0 if o in ('ok', 'refused') else 3)"
                % str(FUZZ))
        args = [json.dumps(record["call"])]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{case.name} (found: {record['found']}): {done.stderr[-2000:]}"
