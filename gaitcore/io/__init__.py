"""Readers of motion-capture trials: C3D, OpenSim TRC (markers) and MOT (forces, angles).

Every reader returns a :class:`gaitcore.trial.Trial` in gaitcore's lab frame:
**z up**, positions in **mm**, forces in **N** acting **on the body** (vertical
force positive when loaded), moments in **N mm**, times in **s** from the first
frame of the file.  Marker labels are renamed to Plug-in-Gait names through
:mod:`gaitcore.markers` (pass ``aliases=`` to extend or override the map).

Example
-------
>>> from gaitcore import datasets
>>> from gaitcore.io import read_trial
>>> trial = read_trial(datasets.path("walk.c3d"))
>>> trial.marker_rate, round(trial.metadata["body_mass_kg"], 1)
(100.0, 73.4)
>>> run = read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
...                  grf=datasets.path("Rajagopal_grf_run.mot"))
>>> [p.side for p in run.plates]
['R', 'L']

Modules: :mod:`.c3d` (C3D: header and parameters parsed in Python, the data section
decoded by the C core, ``csrc/core/gc_c3d.c``), :mod:`.c3d_params`, :mod:`.plates`
(one function per force-plate type), :mod:`.trc`, :mod:`.mot` and :mod:`.vsk` (Vicon subject
files: measurements and static offsets).  Each irregularity
of a file that a reader handles is listed in ``trial.metadata["quirks"]``.
"""
from __future__ import annotations

import numpy as np

from .._errors import InputError
from ..trial import Trial
from ._common import existing_file
from .c3d import read_c3d, read_c3d_parameters
from .mot import read_mot
from .plates import COP_MIN_FZ_N
from .trc import read_trc
from .vsk import read_vsk

__all__ = ["read_c3d", "read_trc", "read_mot", "read_trial", "read_c3d_parameters", "read_vsk", "COP_MIN_FZ_N"]


def read_trial(path, grf=None, aliases=None, up_axis=None) -> Trial:
    """Read a trial, choosing the reader from the extension (``.c3d``, ``.trc``, ``.mot``).

    Parameters
    ----------
    path : str or Path
        The trial file.
    grf : str or Path, optional
        An OpenSim ``.mot`` of ground reaction forces whose force sets become
        ``trial.plates`` (at the .mot rate) of a ``.trc`` trial.  The plates are
        cropped to start at the first marker frame; the GRF file must cover the
        marker time span.
    aliases : mapping canonical -> spellings, optional
        Extra marker aliases (see :mod:`gaitcore.markers`).
    up_axis : "x", "y" or "z" (optionally signed), optional
        The vertical of ``path`` when its header and markers would mislead the reader (see
        :func:`read_c3d`, :func:`read_trc`, :func:`read_mot`); the GRF file keeps its own.

    Raises
    ------
    FileNotFoundError, ValueError (unsupported extension, GRF not covering the
    markers), gaitcore._errors.FormatError (unreadable file).

    Example: ``read_trial("run.trc", grf="run_grf.mot")``.
    """
    path = existing_file(path)
    suffix = path.suffix.lower()
    readers = {".c3d": read_c3d, ".trc": read_trc}
    if suffix == ".mot":
        trial = read_mot(path, up_axis=up_axis)
    elif suffix in readers:
        trial = readers[suffix](path, aliases=aliases, up_axis=up_axis)
    else:
        raise InputError(f"{path}: unsupported extension {path.suffix!r} (expected .c3d, .trc or .mot)")
    if grf is not None:
        _attach_grf(trial, read_mot(grf))
    return trial


def _attach_grf(trial: Trial, forces: Trial) -> None:
    """Attach the plates of ``forces`` (a read .mot) to ``trial``, aligned on its first frame."""
    if not forces.plates:
        raise InputError(f"{forces.source}: no force columns (…force_vx/vy/vz) to attach as plates")
    t0 = trial.metadata.get("first_time_s", 0.0)
    t_end = t0 + (trial.n_frames - 1) / trial.marker_rate
    f0 = forces.metadata.get("first_time_s", 0.0)
    rate = forces.plates[0].rate
    f_end = f0 + (forces.plates[0].force.shape[0] - 1) / rate
    tol = 0.5 / rate
    if f0 > t0 + tol or f_end < t_end - tol:
        raise InputError(f"{forces.source}: forces cover {f0:.4f}-{f_end:.4f} s but the markers of "
                         f"{trial.source} cover {t0:.4f}-{t_end:.4f} s")
    first = int(round((t0 - f0) * rate))
    last = first + int(np.floor((t_end + 1.0 / trial.marker_rate - t0) * rate + 1e-6))
    for plate in forces.plates:
        plate.force, plate.cop = plate.force[first:last], plate.cop[first:last]
        plate.free_moment = plate.free_moment[first:last]
        trial.plates.append(plate)
    trial.metadata["grf_source"] = forces.source
