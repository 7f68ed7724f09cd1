"""Spectral cadence: steps per minute from any periodic gait signal (C core, GSL FFT).

The method of docs/methods.md part B: linear detrend, Welch PSD (periodic Hann window,
50% overlap, FFT zero-padded to the power of two >= 4x the segment), the largest local
maximum of the PSD in ``band_hz``, refined by a parabola through log power at the three
bins around it (J. O. Smith, *Spectral Audio Signal Processing*, "Quadratic Interpolation
of Spectral Peaks"), then the step/stride reading:

- ``kind="step"``: the peak is the step frequency (vertical GRF summed over both feet,
  sacrum or pelvis height, trunk acceleration);
- ``kind="stride"``: the peak is the stride frequency (a one-leg signal): doubled;
- ``kind="auto"``: a peak below 2.0 Hz whose second harmonic (within +-5%) holds at least
  0.3 of its power is taken for the stride frequency, and the step frequency is that
  harmonic's refined peak; otherwise the peak is the step frequency.

Cadence is in **steps per minute** (``60 * step_hz``).

Limitation of the auto reading: a stride peak at or above 2.0 Hz is never doubled, so a
signal dominated by its stride component at steps of 4 Hz or more (e.g. 30% left/right
step-time asymmetry while sprinting; amplitude asymmetry of 30% is fine) reads as the
stride rate; pass ``kind="stride"`` or raise ``band_hz[0]`` above the stride frequency.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._errors import InputError, InputTypeError
from . import _core
from .filters import fill_gaps
from ._validate import positive, real_array
from ._validate import rate as sampling_rate
from .events import is_belt
from .markersets import resolve_landmarks
from .trial import Trial

__all__ = ["Cadence", "cadence", "cadence_track", "trial_cadence", "MAX_GAP_S"]

_KINDS = {"auto": 0, "step": 1, "stride": 2}
#: Longest NaN gap (s) bridged by a cubic spline before the spectral analysis.
MAX_GAP_S = 0.25
#: A column with less than this share of finite samples is "mostly missing".
MIN_FINITE_SHARE = 0.5
#: The record must hold at least this many steps.
MIN_STEPS = 3.0
_PELVIS_MARKERS = ("LASI", "RASI", "LPSI", "RPSI")


@dataclass(frozen=True)
class Cadence:
    """A spectral cadence estimate.

    For a 1-D input the estimate attributes are floats (``harmonic`` an int); for an
    ``(n, k)`` input they are arrays of length ``k``, one per column, and ``psd`` is
    ``(nfreq, k)``.

    Attributes
    ----------
    steps_per_min : float or ndarray, steps/min (``60 * step_hz``)
    step_hz : float or ndarray, Hz, step frequency
    harmonic : int or ndarray
        1 when the PSD peak is the step frequency, 2 when it is the stride frequency
        and the step frequency is its second harmonic.
    quality : float or ndarray, 0..1
        Share of the band's power within the step peak's main lobe (+-2 / segment
        duration): 1 for a pure tone, small for a flat or multi-peaked spectrum.
    peak_hz : float or ndarray, Hz, refined frequency of the largest in-band peak
    freqs : ndarray, Hz, frequencies of ``psd``: from 0 to just above
        ``2.1 * band_hz[1] + 4 / segment duration`` (only these low bins are computed)
    psd : ndarray, (signal units)^2/Hz, Welch power spectral density at ``freqs``
    signal : str, the signal analysed (set by :func:`trial_cadence`)
    """

    steps_per_min: float | np.ndarray
    step_hz: float | np.ndarray
    harmonic: int | np.ndarray
    quality: float | np.ndarray
    peak_hz: float | np.ndarray
    freqs: np.ndarray = field(repr=False)
    psd: np.ndarray = field(repr=False)
    signal: str = ""


def cadence(x, rate: float, *, kind: str = "auto", band_hz=(1.0, 5.0), window_s: float | None = None) -> Cadence:
    """Cadence (steps/min) from the Welch spectrum of a gait signal.

    Parameters
    ----------
    x : array_like, (n,) or (n, k), real
        Vertical GRF (N), sacrum/pelvis height (mm), trunk acceleration ... sampled at
        ``rate``; each column of a 2-D array is analysed on its own.  NaN gaps of at most
        ``MAX_GAP_S`` (0.25 s) are bridged by a cubic spline; leading and trailing NaN are
        cropped (to the span finite in every column).
    rate : float, Hz, sampling rate (50 Hz to 2 kHz are typical)
    kind : "auto", "step" or "stride", how the spectral peak is read (module docstring)
    band_hz : (lo, hi), Hz, band searched for the peak, 0 < lo < hi < rate / 2
    window_s : float or None, s, Welch segment duration (a shorter record is one segment).
        None (default) chooses it from the record's length so that the 50%-overlapping
        segments tile the whole record: at least four segments of at least 2 s, at most
        8 s each (docs/methods.md B.2), so no tail of
        the record is left out and a short record still averages several segments
        (a record under 5 s: fewer segments of 2 s or more; under 3 s: one)

    Returns
    -------
    Cadence

    References
    ----------
    docs/methods.md part B; Welch (1967) IEEE Trans Audio Electroacoust 15:70; J. O. Smith,
    *Spectral Audio Signal Processing*, quadratic interpolation of spectral peaks.
    Accuracy: within 0.1 steps/min of the force-plate step count on the Rajagopal
    running trial (5.1 s), <= 0.5 steps/min on 30-s synthetic records (tests).

    Raises
    ------
    ValueError
        mostly-missing input (< 50% finite), a gap longer than 0.25 s, +-inf, a record
        too short for three steps, no spectral peak in the band (e.g. a constant).

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> t = np.arange(0, 30, 0.01)
    >>> c = gaitcore.cadence(np.sin(2 * np.pi * 2.9 * t), rate=100.0)
    >>> round(float(c.steps_per_min), 1), c.harmonic
    (174.0, 1)
    """
    arr = real_array(x, "x", max_ndim=2)
    rate = sampling_rate(rate, "rate")
    code = _kind_code(kind)
    lo, hi = _band(band_hz, rate)
    if window_s is not None:
        window_s = positive(window_s, "window_s")
    cols = np.array(arr, dtype=np.float64).reshape(arr.shape[0], -1)
    cols = _clean_columns(cols, rate)
    n = cols.shape[0]
    duration_s = n / rate
    if duration_s * hi < MIN_STEPS or n < 8:
        raise InputError(f"x is too short: {duration_s:.3g} s holds fewer than {MIN_STEPS:g} steps "
                         f"even at band_hz[1] = {hi:g} Hz")
    nperseg = (_segment_length(n, rate) if window_s is None  # min first: 1e308 s is finite
               else min(max(int(round(min(window_s * rate, n))), 4), n))
    psd, step_hz, peak_hz, harmonic, quality = _core.cadence(np.ascontiguousarray(cols), nperseg, rate,
                                                              code, lo, hi, _fmax_hz(hi, rate, nperseg))
    _check_estimates(step_hz, duration_s, lo, hi)
    freqs = np.arange(psd.shape[1]) * rate / _nfft(nperseg)
    if arr.ndim == 1:
        return Cadence(float(60.0 * step_hz[0]), float(step_hz[0]), int(harmonic[0]), float(quality[0]),
                       float(peak_hz[0]), freqs, psd[0])
    return Cadence(60.0 * step_hz, step_hz, harmonic.astype(int), quality, peak_hz, freqs, psd.T.copy())


def cadence_track(x, rate: float, window_s: float = 8.0, hop_s: float = 1.0, *, kind: str = "auto",
                  band_hz=(1.0, 5.0)) -> pd.DataFrame:
    """Sliding spectral cadence over a long recording (docs/methods.md B.6: 8-s windows, 1-s hop).

    Every window is one Hann segment analysed as in :func:`cadence`; the whole track runs
    in C with one FFT plan and the GIL released.  NaN gaps of at most 0.25 s are bridged by
    a cubic spline; a window still holding NaN gets NaN cadence and quality.

    Parameters
    ----------
    x : array_like, (n,), real
    rate : float, Hz
    window_s : float, s, window duration (the record must be at least this long)
    hop_s : float, s, step between window starts
    kind, band_hz : as in :func:`cadence`

    Returns
    -------
    pandas.DataFrame with columns ``time_s`` (window centre, s from the first sample),
    ``steps_per_min`` and ``quality``; the median of ``steps_per_min`` is the
    recording's cadence.

    Example
    -------
    >>> import numpy as np, gaitcore
    >>> t = np.arange(0, 60, 0.01)
    >>> track = gaitcore.cadence_track(np.sin(2 * np.pi * 2.8 * t), rate=100.0)
    >>> len(track), round(float(track.steps_per_min.median()), 1)
    (53, 168.0)
    """
    arr = real_array(x, "x", max_ndim=1)
    rate = sampling_rate(rate, "rate")
    window_s = positive(window_s, "window_s")
    hop_s = positive(hop_s, "hop_s")
    code = _kind_code(kind)
    lo, hi = _band(band_hz, rate)
    sig = np.array(arr, dtype=np.float64)
    if np.isinf(sig).any():
        raise InputError("x contains infinite values")
    _check_missing(sig, "x")
    if np.isnan(sig).any():
        sig, _ = fill_gaps(sig, rate, max_gap_s=MAX_GAP_S)
    nperseg = int(round(min(window_s * rate, sig.shape[0] + 1.0)))  # capped: 1e308 s is finite
    if nperseg > sig.shape[0]:
        raise InputError(f"x is too short: {sig.shape[0] / rate:.3g} s is shorter than one window_s = {window_s:g} s")
    if window_s * hi < MIN_STEPS or nperseg < 8:
        raise InputError(f"window_s = {window_s:g} s holds fewer than {MIN_STEPS:g} steps even at {hi:g} Hz")
    hop = max(1, int(round(min(hop_s * rate, sig.shape[0]))))
    time_s, step_hz, quality = _core.cadence_track(sig, nperseg, hop, rate, code, lo, hi,
                                                   _fmax_hz(hi, rate, nperseg))
    return pd.DataFrame({"time_s": time_s, "steps_per_min": 60.0 * step_hz, "quality": quality})


def trial_cadence(trial: Trial, *, kind: str = "auto", band_hz=(1.0, 5.0), window_s: float | None = None) -> Cadence:
    """Cadence of a :class:`Trial` from the best signal it holds; ``result.signal`` names it.

    1. The vertical force summed over the plates that carry the subject through the record
       (loaded > 20 N for >= 30% of it, with >= 2 contacts or loaded >= 90% of the time:
       instrumented-treadmill belts; overground plates, one contact each, are skipped);
    2. else the height (z) of the sacrum marker ``SACR``;
    3. else the height of the pelvis centre, the mean of those of ``LASI``, ``RASI``,
       ``LPSI``, ``RPSI`` that the trial has.

    Parameters and result as in :func:`cadence`.

    Example
    -------
    >>> import gaitcore
    >>> from gaitcore import datasets
    >>> run = gaitcore.read_trial(datasets.path("Rajagopal_motion_capture_run.trc"),
    ...                           grf=datasets.path("Rajagopal_grf_run.mot"))
    >>> c = gaitcore.trial_cadence(run)
    >>> c.signal, round(float(c.steps_per_min))
    ('vertical force summed over plates R_ground, L_ground', 174)
    """
    if not isinstance(trial, Trial):
        raise InputTypeError(f"trial must be a gaitcore.Trial, got {type(trial).__name__}")
    sig, rate, name = _trial_signal(trial)
    c = cadence(sig, rate, kind=kind, band_hz=band_hz, window_s=window_s)
    return Cadence(c.steps_per_min, c.step_hz, c.harmonic, c.quality, c.peak_hz, c.freqs, c.psd, name)


# ----------------------------------------------------------------------------- helpers

#: Automatic Welch segments: at least this many, each at least _MIN_SEGMENT_S and at most
#: _MAX_SEGMENT_S long (docs/methods.md B.2: 8-10 s segments on long records).
_MIN_SEGMENTS, _MIN_SEGMENT_S, _MAX_SEGMENT_S = 4, 2.0, 8.0


def _segment_length(n: int, rate: float) -> int:
    """Samples per Welch segment such that K segments overlapping by half tile the n
    samples (n = (K + 1) L / 2), with K >= 4 unless that makes them shorter than 2 s,
    and L <= 8 s.  Measured on synthetic runs with 1% step-to-step variation (mean |error|
    against the true mean rate): 5-s records 0.17 steps/min (one segment: 0.66), 10-s
    records 0.20 (one 8-s segment, which left the last 2 s out: 0.51); the Rajagopal run
    resampled to 150-260 steps/min: at most 0.35 from the plate count (one segment: 0.10)."""
    duration = n / rate
    at_most_8_s = int(np.ceil(2.0 * duration / _MAX_SEGMENT_S - 1.0 - 1e-9))
    fitting = int(np.floor(2.0 * duration / _MIN_SEGMENT_S - 1.0 + 1e-9))  # segments of >= 2 s
    k = max(1, at_most_8_s, min(_MIN_SEGMENTS, fitting))
    return max(4, min(n, int(round(2.0 * n / (k + 1)))))


def _nfft(nperseg: int) -> int:
    """FFT length: the power of two >= 4 x the segment (as gc_cadence_nfft)."""
    return 1 << (4 * nperseg - 1).bit_length()


def _fmax_hz(hi: float, rate: float, nperseg: int) -> float:
    """Highest frequency the PSD must cover: the second harmonic of a band-top peak
    (+5%) and the quality's main lobe (2 / segment duration) around a doubled peak."""
    return 2.1 * hi + 4.0 * rate / nperseg


def _kind_code(kind) -> int:
    if not isinstance(kind, str):
        raise InputTypeError(f"kind must be one of 'auto', 'step', 'stride', got {type(kind).__name__}")
    if kind not in _KINDS:
        raise InputError(f"kind must be one of 'auto', 'step', 'stride', got {kind!r}")
    return _KINDS[kind]


def _band(band_hz, rate: float) -> tuple[float, float]:
    try:
        lo, hi = band_hz
    except (TypeError, ValueError):
        raise InputTypeError(f"band_hz must be a pair (lo, hi) of frequencies in Hz, got {band_hz!r}") from None
    for v in (lo, hi):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise InputTypeError(f"band_hz must hold real numbers, got {band_hz!r}")
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
        raise InputError(f"band_hz must satisfy 0 < lo < hi (finite), got {band_hz!r}")
    if hi >= rate / 2:
        raise InputError(f"band_hz[1] = {hi:g} Hz must be below the Nyquist frequency rate/2 = {rate / 2:g} Hz")
    return lo, hi


def _check_missing(col: np.ndarray, name: str) -> None:
    """Refuse a signal mostly missing between its first and last finite samples (leading
    and trailing NaN are cropped: a marker seen only in the middle of a walkway is fine)."""
    finite = np.isfinite(col)
    if finite.any():
        finite = finite[int(np.argmax(finite)):len(finite) - int(np.argmax(finite[::-1]))]
    share = finite.mean() if finite.size else 0.0
    if share < MIN_FINITE_SHARE:
        raise InputError(f"{name} is mostly missing: {100 * (1 - share):.0f}% of its samples are NaN "
                         f"(at least {100 * MIN_FINITE_SHARE:.0f}% must be finite)")


def _clean_columns(cols: np.ndarray, rate: float) -> np.ndarray:
    """Crop to the span finite in every column, bridge short gaps, refuse long ones."""
    if np.isinf(cols).any():
        raise InputError("x contains infinite values")
    k = cols.shape[1]
    for j in range(k):
        _check_missing(cols[:, j], "x" if k == 1 else f"x column {j}")
    if not np.isnan(cols).any():
        return cols
    first = max(int(np.argmax(np.isfinite(cols[:, j]))) for j in range(k))
    last = min(cols.shape[0] - 1 - int(np.argmax(np.isfinite(cols[::-1, j]))) for j in range(k))
    cols = cols[first:last + 1]
    filled, _ = fill_gaps(cols, rate, max_gap_s=MAX_GAP_S, axis=0)
    bad = np.isnan(filled)
    if bad.any():
        j = int(np.argmax(bad.any(axis=0)))
        col = bad[:, j]
        start = int(np.argmax(col))
        length = int(np.argmax(~col[start:])) if (~col[start:]).any() else col.size - start
        raise InputError(f"x{'' if k == 1 else f' column {j}'} has a gap of {length / rate:.3g} s at "
                         f"t = {(first + start) / rate:.3g} s, longer than the {MAX_GAP_S:g} s that are "
                         "interpolated; cut the record around it or use cadence_track")
    return filled


def _check_estimates(step_hz: np.ndarray, duration_s: float, lo: float, hi: float) -> None:
    for j, f in enumerate(step_hz):
        where = "" if step_hz.size == 1 else f" (column {j})"
        if np.isnan(f):
            raise InputError(f"no spectral peak in band_hz = ({lo:g}, {hi:g}) Hz{where}: "
                             "is the signal constant or not periodic?")
        if f * duration_s < MIN_STEPS:
            raise InputError(f"x is too short: {duration_s:.3g} s holds fewer than {MIN_STEPS:g} steps "
                             f"at the estimated {f:.3g} Hz{where}")


def _trial_signal(trial: Trial) -> tuple[np.ndarray, float, str]:
    belts = [(i, p) for i, p in enumerate(trial.plates) if p.force.shape[0] > 0 and is_belt(p.fz, p.rate)]
    if belts:
        rate = belts[0][1].rate
        belts = [(i, p) for i, p in belts if p.rate == rate]
        m = min(p.force.shape[0] for _, p in belts)
        total = np.sum([p.fz[:m] for _, p in belts], axis=0)
        names = ", ".join(p.name or f"#{i}" for i, p in belts)
        return total, rate, f"vertical force summed over plates {names}"
    seen = {m: xyz for m, xyz in trial.markers.items() if np.isfinite(xyz).any()}  # NaN throughout: absent
    if "SACR" in seen:
        return seen["SACR"][:, 2], trial.marker_rate, "vertical position of marker SACR"
    pelvis = [m for m in _PELVIS_MARKERS if m in seen]
    if pelvis:
        z = np.mean([seen[m][:, 2] for m in pelvis], axis=0)
        return z, trial.marker_rate, f"vertical position of the pelvis centre (mean of {', '.join(pelvis)})"
    if seen:  # any other marker set: the pelvis centre by role (e.g. a pelvis cluster's centroid)
        lm = resolve_landmarks(seen)
        for role in ("pelvis_centre", "sacrum"):
            xyz = lm.get(role)
            if xyz is not None and np.isfinite(xyz).any():
                return xyz[:, 2], trial.marker_rate, f"vertical position of the {role} ({lm.source(role)})"
    raise InputError("trial has neither treadmill force plates (loaded for >= 30% of the record) nor "
                     "pelvis markers (SACR, LASI, RASI, LPSI, RPSI, or a pelvis cluster of a known marker "
                     "set) with data to estimate cadence from")
