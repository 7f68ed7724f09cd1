"""What a reader found in a file and what it assumed: the lines ``gaitcore info`` prints."""
from __future__ import annotations

from pathlib import Path

from ..trial import Trial
from . import plates as plate_types
from .c3d import event_mapping, read_c3d_parameters


def describe_reading(path, trial: Trial) -> list[str]:
    """Lines on how ``trial`` was read from ``path``: processor, storage, units, up axis,
    plate types and calibration, event labels and how they were mapped, duplicated
    parameters and every other quirk met.

    Example: ``print("\\n".join(describe_reading(p, read_trial(p))))``."""
    meta = trial.metadata
    encoding = [f"{k} {meta[k]}" for k in ("processor", "storage", "units") if k in meta]
    if "up_axis" in meta:
        encoding.append(f"up axis {meta['up_axis']} (turned to z up)" if meta["up_axis"] != "+z" else "up axis +z")
    lines = ["  read as: " + ", ".join(encoding)] if encoding else []
    if Path(path).suffix.lower() == ".c3d":
        lines += _c3d_lines(path)
    quirks = meta.get("quirks", [])
    lines += ["  quirks handled:"] + [f"    {q}" for q in quirks] if quirks else ["  quirks handled: none"]
    return lines


def _c3d_lines(path) -> list[str]:
    header, params = read_c3d_parameters(path)
    lines = []
    n_plates = params.counts("FORCE_PLATFORM:USED")
    types = params.numbers("FORCE_PLATFORM:TYPE")
    if n_plates is not None and n_plates.size and n_plates.ravel()[0] > 0 and types is not None:
        described = []
        for k, t in enumerate(types.ravel()[: int(n_plates.ravel()[0])].astype(int)):
            cal = f", CAL_MATRIX {'x'.join(map(str, plate_types.CAL_SHAPE[t]))}" if t in plate_types.CAL_SHAPE else ""
            known = "" if t in plate_types.N_CHANNELS else " (unsupported: channels kept as analogs)"
            described.append(f"FP{k + 1} type {t}{cal}{known}")
        lines.append("  plates: " + "; ".join(described))
        zero = params.counts("FORCE_PLATFORM:ZERO")
        if zero is not None and zero.size >= 2 and 1 <= zero.ravel()[0] <= zero.ravel()[1]:
            lines.append(f"  FORCE_PLATFORM:ZERO frames {zero.ravel()[0]}-{zero.ravel()[1]} "
                         "(subtracted only where the plate is unloaded)")
    mapping = event_mapping(params, header)
    if mapping:
        lines.append("  event labels:")
        lines += [f"    {label!r}{f' / {context}' if context else ''} -> {side or '-'} {event}"
                  for label, context, side, event in mapping]
    lines.append("  duplicated parameters: " + (", ".join(params.duplicated) + " (first copy wins)"
                                                if params.duplicated else "none"))
    return lines
