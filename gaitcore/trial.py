"""The in-memory trial model every reader returns and every analysis consumes.

Axes convention (the lab frame of a :class:`Trial`): **z is up**, positions are in
**millimetres**, forces in newtons, as in C3D files.  Readers of files with another
convention (OpenSim's y-up metres) convert on reading.  Horizontal axes are kept as
the lab recorded them; the direction of travel is found by the analyses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _validate
from ._errors import InputError, InputTypeError
from ._quiet import warn

UP_AXIS = 2  #: index of the vertical axis in every (n, 3) array of a Trial
AXES = "z-up, mm"  #: the only lab frame and length unit a Trial holds (readers convert to it)
EVENT_COLUMNS = ("side", "event", "time_s")


def _array(value, name: str, shape: tuple) -> np.ndarray:
    """``value`` as a real array of ``shape`` (None = any length), else InputError naming it."""
    if not isinstance(value, np.ndarray):
        raise InputTypeError(f"{name} must be a NumPy array, got {type(value).__name__}")
    if value.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must hold real numbers, got dtype {value.dtype}")
    if value.ndim != len(shape) or any(want is not None and got != want
                                       for got, want in zip(value.shape, shape)):
        want = "(" + ", ".join("n" if w is None else str(w) for w in shape) + ("," if len(shape) == 1 else "") + ")"
        raise InputError(f"{name} must have shape {want}, got {value.shape}")
    return value


#: A coordinate beyond this (mm, or a model output's unit) is no position in a lab: C3D writers
#: put inf or float32's ~3.4e38 in the frames where a marker was not seen.
MAX_COORDINATE = 1e9


def sentinel_gaps(points: dict) -> tuple[dict, str]:
    """``points`` (name -> (n, 3)) with every frame that holds an infinite or impossibly large
    coordinate (``|x| > MAX_COORDINATE``) set to NaN, i.e. a gap, and a description such as
    ``"LHEE 10 frames, RTOE 1 frame"`` ("" when there were none).  Arrays with such frames are
    copied, the others returned as they are; 0 and NaN are left alone (0 is a position)."""
    out, found = dict(points), []
    for name, xyz in points.items():
        if not isinstance(xyz, np.ndarray) or xyz.dtype.kind != "f" or xyz.ndim != 2:
            continue  # shapes and dtypes are checked by Trial.validate
        with np.errstate(invalid="ignore"):
            bad = np.any(np.abs(xyz) > MAX_COORDINATE, axis=1)  # True for inf, False for NaN
        if bad.any():
            out[name] = np.where(bad[:, None], np.nan, xyz)
            found.append(f"{name} {int(bad.sum())} frame{'s' if bad.sum() > 1 else ''}")
    return out, ", ".join(found)


def _finite_samples(arr: np.ndarray, name: str) -> None:
    """Refuse inf (NaN is allowed: an unloaded plate's COP, a missing sample)."""
    if arr.dtype.kind == "f" and np.isinf(arr).any():
        first = int(np.flatnonzero(np.isinf(arr).reshape(arr.shape[0], -1).any(axis=1))[0])
        raise InputError(f"{name} holds infinite values (first at sample {first}): a broken channel or "
                         "an overflow in the file, not a measurement")


def _rate_or_nan(value, name: str, required: bool) -> None:
    """A sampling rate, or NaN where nothing is sampled at it."""
    if not required and isinstance(value, (int, float, np.floating)) and math.isnan(value):
        return
    _validate.rate(value, name)


@dataclass
class ForcePlate:
    """One force plate (or one belt of an instrumented treadmill) in the lab frame.

    Attributes
    ----------
    force : ndarray, (m, 3) float64, N
        Ground reaction force acting on the body (vertical component positive
        when loaded).
    cop : ndarray, (m, 3) float64, mm
        Centre of pressure; NaN where the plate is unloaded.
    free_moment : ndarray, (m,) float64, N mm
        Vertical free moment about the centre of pressure.
    rate : float, Hz
    corners : ndarray (4, 3) mm or None
    name : str
    side : str
        "L" or "R" when the source already assigns this force to one foot
        (OpenSim GRF files), "" for a physical plate.
    """

    force: np.ndarray
    cop: np.ndarray
    free_moment: np.ndarray
    rate: float
    corners: np.ndarray | None = None
    name: str = ""
    side: str = ""  #: "L"/"R" when the file already splits force by foot (OpenSim GRF), else ""

    def __post_init__(self):
        self.validate()

    def validate(self) -> "ForcePlate":
        """Check rates, shapes and dtypes; raise InputError naming the field.  Returns self."""
        name = f"plate {self.name!r}" if self.name else "plate"
        _validate.rate(self.rate, f"{name} rate")
        m = _array(self.force, f"{name} force", (None, 3)).shape[0]
        _array(self.cop, f"{name} cop", (m, 3))
        _array(self.free_moment, f"{name} free_moment", (m,))
        for label in ("force", "cop", "free_moment"):  # forces have no gap convention: inf is an error
            _finite_samples(getattr(self, label), f"{name} {label}")
        if self.corners is not None:
            _array(self.corners, f"{name} corners", (4, 3))
        if self.side not in ("", "L", "R"):
            raise InputError(f"{name} side must be 'L', 'R' or '', got {self.side!r}")
        return self

    @property
    def fz(self) -> np.ndarray:
        """Vertical force (N), positive when loaded."""
        return self.force[:, UP_AXIS]

    @property
    def time_s(self) -> np.ndarray:
        return np.arange(self.force.shape[0]) / self.rate


@dataclass
class Trial:
    """A recorded trial: markers, force plates, analog channels, stored events, metadata.

    Attributes
    ----------
    markers : dict[str, ndarray]
        Canonical marker name -> (n, 3) float64 positions in mm, NaN where missing.
    marker_rate : float, Hz
    plates : list[ForcePlate]
    analogs : dict[str, ndarray]
        Other analog channels (name -> (m,) float64, in the file's units).
    analog_rate : float, Hz (NaN when there are no analog channels)
    events : pandas.DataFrame
        Events stored in the file: columns ``side`` ("L"/"R"/""), ``event``
        ("IC"/"TO" or the file's label), ``time_s``.
    metadata : dict
        Subject data the file carries, e.g. ``body_mass_kg``, ``leg_length_mm_L``,
        ``leg_length_mm_R``, ``height_mm``, ``knee_width_mm_L`` ...
    model_outputs : dict[str, ndarray]
        Angles and other model outputs stored as points in the file (e.g. Vicon's
        ``LHipAngles``), (n, 3) float64, kept out of ``markers``.
    source : str
        Path of the file read, or "" for a trial built in memory.
    """

    markers: dict[str, np.ndarray]
    marker_rate: float
    plates: list[ForcePlate] = field(default_factory=list)
    analogs: dict[str, np.ndarray] = field(default_factory=dict)
    analog_rate: float = float("nan")
    events: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    model_outputs: dict[str, np.ndarray] = field(default_factory=dict)
    source: str = ""
    axes: str = "z-up, mm"

    def __post_init__(self):
        self.validate()

    def validate(self) -> "Trial":
        """Check the trial: rates finite and > 0 (NaN only where nothing is sampled), every
        marker and model output (n, 3) with one n, analog channels of one length, plates
        valid, events with side/event/time_s, axes ``"z-up, mm"``.  Raises InputError (or
        InputTypeError) naming the field; returns self.  The analyses call it, so a trial
        edited after construction is checked again.

        Infinite or impossibly large marker (and model output) coordinates, which some C3D
        writers put in gaps, become NaN gaps with a warning naming the markers and frame
        counts, also listed in ``metadata["quirks"]`` (the readers do this themselves, without
        a warning); inf in force plates or analog channels is an InputError (no gap convention
        exists for continuously sampled forces: an inf is a broken channel or an overflow).
        """
        if self.axes != AXES:
            raise InputError(f"axes must be {AXES!r} (readers convert to it), got {self.axes!r}")
        for field_name in ("markers", "analogs", "model_outputs", "metadata"):
            if not isinstance(getattr(self, field_name), dict):
                raise InputTypeError(f"{field_name} must be a dict, got {type(getattr(self, field_name)).__name__}")
        _rate_or_nan(self.marker_rate, "marker_rate", required=bool(self.markers))
        n = None
        for label, arr in self.markers.items():
            n = _array(arr, f"marker {label!r}", (n, 3)).shape[0]
        for label, arr in self.model_outputs.items():
            _array(arr, f"model output {label!r}", (n, 3) if n is not None else (None, 3))
        self._infinite_coordinates_to_gaps()
        _rate_or_nan(self.analog_rate, "analog_rate", required=bool(self.analogs))
        m = None
        for label, arr in self.analogs.items():
            m = _array(arr, f"analog channel {label!r}", (m,)).shape[0]
            _finite_samples(arr, f"analog channel {label!r}")
        if not isinstance(self.plates, list) or not all(isinstance(p, ForcePlate) for p in self.plates):
            raise InputTypeError("plates must be a list of ForcePlate")
        for plate in self.plates:
            plate.validate()
        if self.events is not None:
            self._check_events()
        return self

    def _check_events(self) -> None:
        if not all(c in getattr(self.events, "columns", ()) for c in EVENT_COLUMNS):
            raise InputError(f"events must be a DataFrame with columns {list(EVENT_COLUMNS)}")
        try:
            times = np.asarray(self.events["time_s"], dtype=float)
        except (TypeError, ValueError):
            raise InputTypeError(f"events time_s must hold numbers (s), got dtype {self.events['time_s'].dtype}") from None
        if not np.isfinite(times).all():  # a NaN/inf event would be dropped silently downstream
            rows = np.flatnonzero(~np.isfinite(times)).tolist()
            raise InputError(f"events time_s must be finite: rows {rows[:10]} hold {times[rows[0]]}")

    def _infinite_coordinates_to_gaps(self) -> None:
        for field_name, kind in (("markers", "marker"), ("model_outputs", "model_output")):
            cleaned, detail = sentinel_gaps(getattr(self, field_name))
            if detail:
                setattr(self, field_name, cleaned)  # a new dict: the caller's arrays are not modified
                self.metadata = {**self.metadata, "quirks": [*self.metadata.get("quirks", []),
                                                             f"{kind}_gaps_as_inf: {detail}"]}
                warn(f"{self.source or 'trial'}: infinite or > {MAX_COORDINATE:g} {kind} coordinates "
                     f"taken as gaps (NaN): {detail}", stacklevel=5)

    @property
    def n_frames(self) -> int:
        if not self.markers:
            return 0
        return next(iter(self.markers.values())).shape[0]

    @property
    def duration_s(self) -> float:
        if self.markers:
            return self.n_frames / self.marker_rate
        if self.plates:
            return self.plates[0].force.shape[0] / self.plates[0].rate
        return 0.0

    @property
    def time_s(self) -> np.ndarray:
        """Marker frame times in seconds (frame 0 at t = 0)."""
        return np.arange(self.n_frames) / self.marker_rate

    def summary(self) -> str:
        """A short human-readable description (markers, plates, rates, events)."""
        lines = [f"{self.source or '<in memory>'}: {self.duration_s:.3f} s"]
        lines.append(f"  markers: {len(self.markers)} at {self.marker_rate:g} Hz")
        for p in self.plates:
            peak = np.nanmax(p.fz) if p.fz.size and np.isfinite(p.fz).any() else float("nan")
            lines.append(f"  plate {p.name}: {p.force.shape[0]} samples at {p.rate:g} Hz, peak Fz {peak:.0f} N")
        n_ev = 0 if self.events is None else len(self.events)
        lines.append(f"  stored events: {n_ev}")
        if self.metadata:
            lines.append("  metadata: " + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                                   for k, v in self.metadata.items()))
        return "\n".join(lines)
