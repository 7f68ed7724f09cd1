"""Force plates of C3D files: analog channels -> force, moment and centre of pressure.

One function per FORCE_PLATFORM:TYPE (C3D User Guide, "Force platforms"):

- type 1: Fx Fy Fz, COPx COPy (plate frame, from the surface centre), Tz;
- type 2: Fx Fy Fz Mx My Mz about the transducer origin (AMTI, Bertec);
- type 3: Kistler 8 channels fx12 fx34 fy14 fy23 fz1 fz2 fz3 fz4, ORIGIN = (a, b, az0);
- type 4: as type 2 but the 6 channels are raw (volts, counts) and CAL_MATRIX (6x6)
  turns them into Fx..Mz;
- type 5: 8 raw channels and a 6x8 CAL_MATRIX giving Fx..Mz;
- type 6: 12 raw channels (fx fy fz of the 4 Kistler sensors) and a 12x12 CAL_MATRIX;
- type 7: 8 raw Kistler channels and an 8x8 CAL_MATRIX, then as type 3.

Conventions owned here: the channels hold the force the plate exerts on the body in the
plate frame (z pointing down into the plate), so the reaction on the body in the lab is
``R @ F`` with ``R`` the plate-to-lab rotation from CORNERS.  Forces in N, moments in
N mm (channels in N m are converted), COP in mm, NaN where Fz < ``COP_MIN_FZ_N``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._quiet import warn
from ..trial import ForcePlate
from ._common import turn

#: Vertical force (N) below which a plate counts as unloaded and its COP is NaN.
COP_MIN_FZ_N = 10.0

#: Analog channels each plate type uses.
N_CHANNELS = {1: 6, 2: 6, 3: 8, 4: 6, 5: 8, 6: 12, 7: 8}
#: Calibration matrix shape (rows, columns) of the types that need one.
CAL_SHAPE = {4: (6, 6), 5: (6, 8), 6: (12, 12), 7: (8, 8)}
_LENGTH_TO_MM = {"mm": 1.0, "m": 1000.0, "cm": 10.0}


class PlateError(ValueError):
    """The parameters of one plate are inconsistent (the caller names the file)."""


# ----------------------------------------------------------------------------- one function per type

def wrench_type1(ch, origin, moment_scale, cop_scale):
    """Type 1: the plate reports its COP (plate frame, from the surface centre) and Tz."""
    force = ch[:, 0:3]
    cop = np.column_stack([ch[:, 3] * cop_scale, ch[:, 4] * cop_scale, np.zeros(len(ch))])
    return force, cop, ch[:, 5] * moment_scale


def wrench_type2(ch, origin, moment_scale, cop_scale=1.0):
    """Type 2: Fx Fy Fz Mx My Mz about the transducer origin."""
    force, moment = ch[:, 0:3], ch[:, 3:6] * moment_scale
    # ORIGIN is the vector between the surface centre and the transducer origin; writers
    # store either direction, the surface always lies above the origin (z down: s_z <= 0).
    surface = -origin if origin[2] > 0 else origin
    return (force,) + _cop_from_moments(force, moment, surface)


def wrench_type3(ch, origin, moment_scale=1.0, cop_scale=1.0):
    """Type 3 (Kistler): 8 channels; ORIGIN = (a, b, az0) sensor offsets from the centre."""
    a, b, az0 = origin
    force = np.column_stack([ch[:, 0] + ch[:, 1], ch[:, 2] + ch[:, 3], ch[:, 4:8].sum(axis=1)])
    moment = np.column_stack([b * (ch[:, 4] + ch[:, 5] - ch[:, 6] - ch[:, 7]),
                              a * (-ch[:, 4] + ch[:, 5] + ch[:, 6] - ch[:, 7]),
                              b * (-ch[:, 0] + ch[:, 1]) + a * (ch[:, 2] - ch[:, 3])])
    return (force,) + _cop_from_moments(force, moment, np.array([0.0, 0.0, -abs(az0)]))


def wrench_type6(ch, origin, moment_scale=1.0, cop_scale=1.0):
    """Type 6 (calibrated): fx fy fz of sensors 1-4 at (a, b), (-a, b), (-a, -b), (a, -b)."""
    a, b, az0 = origin
    fx, fy, fz = ch[:, 0::3], ch[:, 1::3], ch[:, 2::3]
    xs, ys = np.array([a, -a, -a, a]), np.array([b, b, -b, -b])
    force = np.column_stack([fx.sum(1), fy.sum(1), fz.sum(1)])
    h = abs(az0)  # sensors lie h below the surface: moments taken about the point below the centre
    moment = np.column_stack([fz @ ys, -(fz @ xs), fy @ xs - fx @ ys])
    return (force,) + _cop_from_moments(force, moment, np.array([0.0, 0.0, -h]))


def _cop_from_moments(force, moment, surface):
    """COP (plate frame, from the surface centre, mm) and free moment Tz (N mm).

    ``surface``: vector from the moment reference point to the surface centre (z down)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        px = (surface[2] * force[:, 0] - moment[:, 1]) / force[:, 2]
        py = (moment[:, 0] + surface[2] * force[:, 1]) / force[:, 2]
    tz = moment[:, 2] - px * force[:, 1] + py * force[:, 0]
    cop = np.column_stack([px - surface[0], py - surface[1], np.zeros_like(px)])
    return cop, tz


def calibrated(ptype: int, ch: np.ndarray, cal: np.ndarray) -> tuple[int, np.ndarray]:
    """Types 4-7: raw channels through CAL_MATRIX, and the type whose formula follows."""
    out = turn(ch, cal)  # ch @ cal.T
    return {4: 2, 5: 2, 6: 6, 7: 3}[ptype], out


WRENCH = {1: wrench_type1, 2: wrench_type2, 3: wrench_type3, 6: wrench_type6}


# ----------------------------------------------------------------------------- geometry

def plate_rotation(corners: np.ndarray) -> np.ndarray | None:
    """Plate-to-lab rotation from the 4 corners (1: +x+y, 2: -x+y, 3: -x-y, 4: +x-y), or
    None when the corners are not a plausible rectangle (non-finite, degenerate, or sides
    of unequal length: writers leave garbage there for plates they do not describe)."""
    if not np.all(np.isfinite(corners)):
        return None
    c1, c2, c3, c4 = corners
    x = (c1 - c2) + (c4 - c3)
    y = (c1 - c4) + (c2 - c3)
    sides = np.linalg.norm([c1 - c2, c4 - c3, c1 - c4, c2 - c3], axis=1)
    if sides.min() < 1e-6 or abs(sides[0] - sides[1]) > 0.05 * sides[0] or abs(sides[2] - sides[3]) > 0.05 * sides[2]:
        return None
    x = x / np.linalg.norm(x)
    z = np.cross(x, y)
    if np.linalg.norm(z) < 1e-9:
        return None
    z = z / np.linalg.norm(z)
    return np.column_stack([x, np.cross(z, x), z])


#: Plate frame (z down) to a z-up lab when CORNERS cannot be used: x kept, y and z reversed.
DEFAULT_ROTATION = np.diag([1.0, -1.0, -1.0])


def moment_scale_of(unit: str) -> float:
    """N mm per unit of a moment channel (N m -> 1000; N mm, unknown -> 1)."""
    u = unit.lower().replace(".", "").replace(" ", "").replace("*", "")
    return 1000.0 if u in ("nm", "newtonmeter", "newtonmetre") else 1.0


def length_scale_of(unit: str) -> float:
    """mm per unit of a COP channel (type 1)."""
    return _LENGTH_TO_MM.get(unit.strip().lower(), 1.0)


# ----------------------------------------------------------------------------- zero offsets

def zero_baseline(ch: np.ndarray, frames: tuple[int, int], per_frame: int, vertical) -> tuple[np.ndarray, bool]:
    """FORCE_PLATFORM:ZERO: subtract each channel's mean over 3D frames ``first..last``
    (1-based) when the plate is unloaded there.

    Unloaded means the vertical force over the range is flat (peak-to-peak at most
    COP_MIN_FZ_N) and small (|mean| below ``ZERO_MAX_OFFSET_N``, less than anyone's weight):
    a subject already standing on the plate is never subtracted as an amplifier offset.
    ``vertical(ch) -> Fz`` gives the plate's vertical force from channels.  Returns the
    channels and whether they were zeroed."""
    first, last = frames
    lo, hi = (first - 1) * per_frame, last * per_frame
    if first < 1 or last < first or hi > ch.shape[0] or hi - lo < 1:
        return ch, False
    fz = vertical(ch[lo:hi])
    if np.ptp(fz) > COP_MIN_FZ_N or abs(float(np.mean(fz))) > ZERO_MAX_OFFSET_N:
        return ch, False
    return ch - ch[lo:hi].mean(axis=0), True


#: Largest vertical offset (N) a ZERO range may remove: an amplifier drift, never a body weight.
ZERO_MAX_OFFSET_N = 100.0


# ----------------------------------------------------------------------------- the plate

def plate_from_channels(ptype: int, ch: np.ndarray, corners: np.ndarray | None, origin: np.ndarray,
                        cal: np.ndarray | None, moment_scale: float, cop_scale: float, rate: float,
                        name: str, quirks: list) -> ForcePlate:
    """A ForcePlate in the lab frame from the plate's analog channels (already scaled)."""
    formula = ptype
    if ptype in CAL_SHAPE:
        formula, ch = calibrated(ptype, ch, cal)
    force, cop, tz = WRENCH[formula](ch, origin, moment_scale, cop_scale)
    rot = plate_rotation(corners) if corners is not None else None
    if rot is None:
        quirks.append(("plate_corners_invalid", f"{name}: CORNERS unusable; plate axes taken as x lab, "
                                                "y and z reversed (z down); COP unknown"))
        warn(f"force plate {name}: FORCE_PLATFORM:CORNERS are not a rectangle; its COP is unknown "
                      "and its axes are assumed to be the lab's with z down", stacklevel=4)
    lab_rot = DEFAULT_ROTATION if rot is None else rot
    force_lab = turn(force, lab_rot)
    free_moment = tz * lab_rot[2, 2]
    sign = sign_evidence(force_lab[:, 2])
    if sign.pulls:
        quirks.append(("plate_sign_reversed", f"{name}: the channels give the force on the plate"
                                              f"{' (as Kistler software writes them)' if ptype in KISTLER_TYPES else ''}, "
                                              f"not on the body: {sign}; sign reversed"))
        force_lab, free_moment = -force_lab, -free_moment
    if not sign.clear:
        warn(f"force plate {name}: the sign of its vertical force is ambiguous ({sign}); "
             + ("reversed so that the ground pushes on the body" if sign.pulls else "kept as stored"), stacklevel=4)
    if rot is None:
        cop_lab = np.full_like(force_lab, np.nan)
    else:
        cop_lab = corners.mean(axis=0) + turn(cop, rot)
    unloaded = ~(force_lab[:, 2] >= COP_MIN_FZ_N)
    cop_lab[unloaded] = np.nan
    free_moment = np.where(unloaded, np.nan, free_moment)
    return ForcePlate(force=force_lab, cop=cop_lab, free_moment=free_moment, rate=rate,
                      corners=None if rot is None else corners.copy(), name=name)


def vertical_force(ptype: int, cal: np.ndarray | None):
    """Fz in the plate frame from a block of channels (for the ZERO test)."""
    def fz(ch):
        formula = ptype
        if ptype in CAL_SHAPE:
            formula, ch = calibrated(ptype, ch, cal)
        if formula == 3:
            return ch[:, 4:8].sum(axis=1)
        if formula == 6:
            return ch[:, 2::3].sum(axis=1)
        return ch[:, 2]
    return fz


#: Plate types of Kistler's 8/12-channel layout (their software stores the force on the plate).
KISTLER_TYPES = (3, 6, 7)
#: The sign of a plate is clear when the opposite sign holds at most this share of its loaded
#: vertical impulse (every plate of the bundled and shared real files: 0 %), over at least
#: SIGN_MIN_LOADED samples.
SIGN_MAX_MINORITY = 0.1
SIGN_MIN_LOADED = 10


@dataclass(frozen=True)
class SignEvidence:
    """How the loaded samples (|Fz| >= 5 COP_MIN_FZ_N) of a plate push the body."""
    n_loaded: int
    down_share: float  #: share of the loaded vertical impulse pushing the body down (NaN: unloaded)

    @property
    def pulls(self) -> bool:
        """Most of the load pulls the body down: impossible for a plate, so its sign is reversed."""
        return self.n_loaded > 0 and self.down_share > 0.5

    @property
    def clear(self) -> bool:
        """An unloaded plate, or a sign nobody could doubt (the minority below SIGN_MAX_MINORITY)."""
        if self.n_loaded == 0:
            return True
        return self.n_loaded >= SIGN_MIN_LOADED and min(self.down_share, 1 - self.down_share) <= SIGN_MAX_MINORITY

    def __str__(self) -> str:
        return (f"{100 * self.down_share:.0f} % of the loaded vertical impulse downward over "
                f"{self.n_loaded} loaded samples")


def sign_evidence(fz: np.ndarray) -> SignEvidence:
    """The plate's loaded samples and the share of their vertical impulse pulling the body down."""
    loaded = np.abs(fz) >= 5 * COP_MIN_FZ_N
    impulse = np.abs(fz[loaded]).sum()
    down = -fz[loaded & (fz < 0)].sum() / impulse if impulse > 0 else float("nan")
    return SignEvidence(int(loaded.sum()), float(down))
