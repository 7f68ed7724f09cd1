"""gaitcore's fuzzing harness: mutated bundled files through the public readers, and bad
arguments through the public functions.

A case is fully determined by ``(seed, index)``: ``describe(seed, index)`` gives a JSON-able
spec, ``run_spec(spec)`` runs it and returns its outcome:

- ``ok``: the call returned;
- ``refused``: it raised a :class:`gaitcore.GaitcoreError` (or, for a file or a function
  that takes paths, an ``OSError``), the documented way to refuse bad input;
- ``undocumented``: any other exception (a bare ValueError, KeyError, IndexError ...);
and, seen from the parent process (``run.py``), ``crash`` (the worker process died) and
``hang`` (past the per-case time limit).  Only ``ok`` and ``refused`` pass.

A fifth of the files that still read are analysed further (force events, or the cadence
of the markers).  File mutations are lists of operations on the original bytes (bit flips, byte and 16/32-bit
word overwrites with boundary values, truncation, chunk duplication or deletion, random
insertion) so that a failing case can be minimised by dropping operations (``minimise``).
The readers are reached through the public ``read_*`` functions only, so the harness keeps
working whatever their internals become.
"""
from __future__ import annotations

import json
import math
import os
import random
import struct
import tempfile
import warnings
from pathlib import Path

import numpy as np

import gaitcore

DATA = Path(__file__).resolve().parents[2] / "datasets"
FILES = {  # bundled file -> the public readers to call on its mutants
    "Running_0002.c3d": ("read_c3d", "read_trial"),
    "walking2.c3d": ("read_c3d",),
    "20141003T073938_static.c3d": ("read_c3d",),
    "Rajagopal_motion_capture_run.trc": ("read_trc", "read_trial"),
    "Rajagopal_grf_run.mot": ("read_mot",),
}
BOUNDARY_WORDS = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000)
WEIRD_TEXT = (b"nan", b"inf", b"-inf", b"1e308", b"-0", b"", b"\t\t", b"\x00", b"999999999999999999999",
              b"endheader", b"DataRate", b"\xff\xfe", b"-1", b"0")


# ---- files --------------------------------------------------------------------------------

def _file_ops(rng: random.Random, size: int, text: bool) -> list:
    ops = []
    head = min(size, 2048)  # headers and parameters: where most structure lives
    for _ in range(rng.choice((1, 1, 2, 3, 5, 8))):
        kind = rng.choice(("flip", "byte", "word16", "word32", "truncate", "dup", "delete", "insert")
                          + (("text",) * 3 if text else ()))
        pos = rng.randrange(head) if rng.random() < 0.7 else rng.randrange(size)
        if kind == "flip":
            ops.append(["flip", pos, rng.randrange(8)])
        elif kind == "byte":
            ops.append(["byte", pos, rng.choice((0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)))])
        elif kind in ("word16", "word32"):
            ops.append([kind, pos, rng.choice(BOUNDARY_WORDS) & (0xFFFF if kind == "word16" else 0xFFFFFFFF),
                        rng.choice("<>")])
        elif kind == "truncate":
            ops.append(["truncate", rng.randrange(size)])
        elif kind in ("dup", "delete"):
            ops.append([kind, pos, rng.choice((1, 2, 4, 16, 512, 4096))])
        elif kind == "insert":
            ops.append(["insert", pos, rng.randbytes(rng.choice((1, 4, 64))).hex()])
        else:
            ops.append(["text", pos, rng.choice(WEIRD_TEXT).hex()])
    return ops


def apply_ops(raw: bytes, ops: list) -> bytes:
    data = bytearray(raw)
    for op in ops:
        if not data:
            break
        kind, pos = op[0], op[1] % max(len(data), 1)
        if kind == "flip":
            data[pos] ^= 1 << op[2]
        elif kind == "byte":
            data[pos] = op[2]
        elif kind in ("word16", "word32"):
            fmt = op[3] + ("H" if kind == "word16" else "I")
            width = struct.calcsize(fmt)
            if pos + width <= len(data):
                data[pos:pos + width] = struct.pack(fmt, op[2])
        elif kind == "truncate":
            del data[op[1] % (len(data) + 1):]
        elif kind == "dup":
            data[pos:pos] = data[pos:pos + op[2]]
        elif kind == "delete":
            del data[pos:pos + op[2]]
        elif kind in ("insert", "text"):
            data[pos:pos] = bytes.fromhex(op[2])
    return bytes(data)


_RAW: dict[str, bytes] = {}


def _raw(name: str) -> bytes:
    if name not in _RAW:
        _RAW[name] = (DATA / name).read_bytes()
    return _RAW[name]


def run_file_case(spec: dict):
    data = apply_ops(_raw(spec["file"]), spec["ops"])
    suffix = Path(spec["file"]).suffix
    fd, path = tempfile.mkstemp(suffix=suffix, prefix="gcfuzz-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        trial = getattr(gaitcore, spec["reader"])(path)
        trial.summary()
        if spec.get("analyse") and trial.plates:
            gaitcore.detect_events(trial, method="force")
        elif spec.get("analyse") and trial.markers:
            gaitcore.trial_cadence(trial)
        return trial
    finally:
        os.unlink(path)


# ---- arguments ------------------------------------------------------------------------------

SCALARS = [0, 1, -1, 2, 0.5, 100.0, -100.0, 1e-308, 5e-324, 1e308, "inf", "-inf", "nan", 2**63, -2**63 - 1,
           2**31, True, None, "text", "complex", "list", "np.float32", "np.int64"]
SHAPES = [[], [0], [1], [2], [5], [200], [200, 3], [3, 200], [0, 3], [50, 0], [6, 101], [2, 101],
          [1, 1, 1], [40, 2, 3], [1000]]
DTYPES = ["float64", "float64", "float32", "int16", "int64", "uint8", "bool", "complex128", "object", "<U3", ">f8"]
FILLS = ["normal", "zeros", "const", "nan_some", "all_nan", "inf_some", "huge", "tiny", "steps"]


def _scalar_spec(rng):
    if rng.random() < 0.3:
        return {"t": "val", "v": rng.choice((-1, 1)) * 10 ** rng.uniform(-320, 308)}
    return {"t": "val", "v": rng.choice(SCALARS)}


def _array_spec(rng):
    return {"t": "arr", "shape": rng.choice(SHAPES), "dtype": rng.choice(DTYPES), "fill": rng.choice(FILLS)}


_TRIALS: dict = {}


def _trial(name: str):
    """A real trial, read once per worker: "run" (Running_0002, 0.4 s with two plates) or
    "walk" (walk.c3d cut to its first 300 frames, Plug-in Gait markers)."""
    if name not in _TRIALS:
        if name == "run":
            _TRIALS[name] = gaitcore.read_trial(DATA / "Running_0002.c3d")
        else:
            full = gaitcore.read_trial(DATA / "walk.c3d")
            _TRIALS[name] = gaitcore.Trial(markers={k: v[:300] for k, v in full.markers.items()},
                                           marker_rate=full.marker_rate, metadata=dict(full.metadata))
    return _TRIALS[name]


def build(spec, rng_seed: int = 0):
    """The Python value of an argument spec."""
    if spec["t"] == "trial":
        return _trial(spec["v"])
    if spec["t"] == "val":
        v = spec["v"]
        special = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan, "complex": 1 + 2j, "list": [1.0, 2.0],
                   "np.float32": np.float32(3.5), "np.int64": np.int64(7)}
        return special.get(v, v) if isinstance(v, str) else v
    if spec["t"] == "lit":
        return spec["v"]
    if spec["t"] == "tuple":
        return tuple(build(s) for s in spec["v"])
    rng = np.random.default_rng(rng_seed)
    shape = tuple(spec["shape"])
    base = {"normal": lambda: rng.standard_normal(shape) * 100, "zeros": lambda: np.zeros(shape),
            "const": lambda: np.full(shape, 5.0), "huge": lambda: np.full(shape, 1e300),
            "tiny": lambda: np.full(shape, 1e-310),
            "steps": lambda: np.where(np.sin(np.arange(int(np.prod(shape))) / 30.0) > 0, 800.0, 0.0).reshape(shape),
            }.get(spec["fill"], lambda: rng.standard_normal(shape))()
    if spec["fill"] in ("nan_some", "inf_some") and base.size:
        flat = base.reshape(-1)
        flat[rng.integers(0, flat.size, max(1, flat.size // 10))] = np.nan if spec["fill"] == "nan_some" else np.inf
    if spec["fill"] == "all_nan":
        base = np.full(shape, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec["dtype"] == "object":
            return base.astype(object)
        if spec["dtype"] == "<U3":
            return base.astype("<U3")
        if spec["dtype"] in ("complex128",):
            return base + 1j
        return base.astype(spec["dtype"])


def _good(shape, fill="normal"):
    return {"t": "arr", "shape": shape, "dtype": "float64", "fill": fill}


def _v(value):
    return {"t": "val", "v": value}


#: public function -> (positional argument specs, keyword argument specs) of a valid call;
#: each case replaces one to three of them by random scalars or arrays.
CALLS = {
    "lowpass": ([_good([200, 3]), _v(100.0), _v(10.0)], {"order": _v(2), "axis": _v(0)}),
    "fill_gaps": ([_good([200, 3], "nan_some"), _v(100.0)], {"max_gap_s": _v(0.1), "axis": _v(0)}),
    "butter": ([_v(2), _v(10.0), _v(100.0)], {"output": {"t": "lit", "v": "sos"}}),
    "cadence": ([_good([1000]), _v(100.0)], {"kind": {"t": "lit", "v": "auto"}, "window_s": _v(8.0)}),
    "cadence_track": ([_good([1000]), _v(100.0)], {"window_s": _v(4.0), "hop_s": _v(1.0)}),
    "detect_contacts": ([_good([1000], "steps"), _v(1000.0)],
                        {"threshold": _v(20.0), "min_contact_s": _v(0.1), "min_flight_s": _v(0.02)}),
    "normalize_cycles": ([_good([200, 3]), _v(100.0), _good([2], "const"), _good([2], "const")],
                         {"points": _v(101), "nan_tolerance": _v(0.05)}),
    "curve_stats": ([_good([6, 101])], {"confidence": _v(0.95)}),
    "spm_ttest": ([_good([6, 101])], {"mu": _v(0.0)}),
    "spm_ttest2": ([_good([6, 101]), _good([6, 101])], {}),
    "spm_ttest_paired": ([_good([6, 101]), _good([6, 101])], {}),
    "rft_t_threshold": ([_v(0.05), _v(9), {"t": "tuple", "v": [_v(1), _v(8.8)]}], {"nodes": _v(101)}),
    "compare": ([_good([10]), _good([12])], {"confidence": _v(0.95)}),
    "symmetry_index": ([_good([10]), _good([10])], {}),
    "symmetry_angle": ([_good([10]), _good([10])], {}),
    "canonical_marker_name": ([{"t": "lit", "v": "L.ASIS"}], {}),
    "Trial": ([], {"markers": {"t": "lit", "v": {}}, "marker_rate": _v(100.0)}),
    "detect_events": ([{"t": "trial", "v": "run"}],
                      {"threshold": _v(20.0), "force_cutoff_hz": _v(50.0), "marker_cutoff_hz": _v(12.0),
                       "min_contact_s": _v(0.1), "min_flight_s": _v(0.02)}),
    "joint_angles": ([{"t": "trial", "v": "walk"}],
                     {"cutoff_hz": _v(10.0), "filter_order": _v(2), "max_gap_s": _v(0.1),
                      "marker_radius_mm": _v(7.0)}),
    "functional_hjc": ([{"t": "trial", "v": "walk"}, {"t": "lit", "v": "L"}], {"cutoff_hz": _v(10.0)}),
    "pig_static_calibration": ([{"t": "trial", "v": "walk"}], {"flat_foot": _v(True), "marker_radius_mm": _v(7.0)}),
    "trial_cadence": ([{"t": "trial", "v": "run"}], {"window_s": _v(8.0)}),
    "analyze_trial": ([{"t": "trial", "v": "run"}], {"cutoff_hz": _v(10.0), "points": _v(101),
                                                     "body_mass_kg": _v(70.0)}),
    "ForcePlate": ([_good([100, 3]), _good([100, 3]), _good([100])], {"rate": _v(1000.0)}),
}


#: functions that take a file path (a str argument may name a missing file: OSError, documented)
TAKES_PATHS = {"analyze_trial", "pig_static_calibration"}


def _arg_case(rng: random.Random) -> dict:
    name = rng.choice(sorted(CALLS))
    args, kwargs = CALLS[name]
    args, kwargs = [dict(a) for a in args], {k: dict(v) for k, v in kwargs.items()}
    slots = [("a", i) for i in range(len(args))] + [("k", k) for k in kwargs]
    for _ in range(rng.choice((1, 1, 2, 3))):
        if not slots:
            break
        where, i = rng.choice(slots)
        new = _array_spec(rng) if rng.random() < 0.5 else _scalar_spec(rng)
        if where == "a":
            args[i] = new
        else:
            kwargs[i] = new
    return {"kind": "call", "func": name, "args": args, "kwargs": kwargs}


# ---- cases ----------------------------------------------------------------------------------------

def describe(seed: int, index: int) -> dict:
    rng = random.Random(f"{seed}:{index}")
    if rng.random() < 0.5:
        name = rng.choice(sorted(FILES))
        return {"kind": "file", "file": name, "reader": rng.choice(FILES[name]),
                "ops": _file_ops(rng, len(_raw(name)), name.endswith((".trc", ".mot"))),
                "analyse": rng.random() < 0.2}  # then events or cadence of what was read
    return _arg_case(rng)


def run_spec(spec: dict) -> tuple[str, str]:
    """(outcome, detail) of one case, run in this process."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if spec["kind"] == "file":
                run_file_case(spec)
            else:
                func = getattr(gaitcore, spec["func"])
                func(*[build(a, i) for i, a in enumerate(spec["args"])],
                     **{k: build(v, 10 + i) for i, (k, v) in enumerate(sorted(spec["kwargs"].items()))})
    except gaitcore.GaitcoreError as exc:
        return "refused", type(exc).__name__
    except OSError as exc:  # documented for a path that is not a readable file
        if spec["kind"] == "file" or spec.get("func") in TAKES_PATHS:
            return "refused", type(exc).__name__
        return "undocumented", f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - what the harness looks for
        return "undocumented", f"{type(exc).__name__}: {str(exc)[:200]}"
    return "ok", ""


def run_case(seed: int, index: int) -> tuple[str, str]:
    """Entry point of the worker processes."""
    return run_spec(describe(seed, index))


def minimise(spec: dict, still_fails) -> dict:
    """Drop mutation operations (or restore fuzzed arguments) while ``still_fails(spec)``."""
    if spec["kind"] != "file":
        return spec
    ops = list(spec["ops"])
    i = 0
    while i < len(ops):
        trial = dict(spec, ops=ops[:i] + ops[i + 1:])
        if still_fails(trial):
            ops = trial["ops"]
        else:
            i += 1
    return dict(spec, ops=ops)


def spec_json(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True)
