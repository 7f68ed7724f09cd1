"""Argument checks shared by the public functions: clear messages naming the argument."""
from __future__ import annotations

import math
import numbers

import numpy as np

from ._errors import InputError, InputTypeError


def real_array(x, name: str = "x", *, min_ndim: int = 1, max_ndim: int | None = None,
               allow_empty: bool = False) -> np.ndarray:
    """Return ``x`` as a NumPy array of a real numeric dtype, or raise InputTypeError/InputError.

    Integer, unsigned, float16/32/64 and non-native byte orders are accepted (the C glue
    converts them to native float64); bool, complex, object and string dtypes are not.
    """
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError, OverflowError) as exc:  # ragged lists, huge ints ...
        raise InputTypeError(f"{name} must be a real numeric array ({exc})") from exc
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim < min_ndim:
        raise InputError(f"{name} must have at least {min_ndim} dimension(s), got {arr.ndim}")
    if max_ndim is not None and arr.ndim > max_ndim:
        raise InputError(f"{name} must have at most {max_ndim} dimension(s), got shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise InputError(f"{name} is empty (shape {arr.shape})")
    return arr


def _real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def positive(value, name: str) -> float:
    """A finite, strictly positive real number."""
    value = _real(value, name)
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{name} must be finite and > 0, got {value}")
    return value


def non_negative(value, name: str) -> float:
    """A finite real number >= 0."""
    value = _real(value, name)
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{name} must be finite and >= 0, got {value}")
    return value


def integer(value, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputTypeError(f"{name} must be an integer, got {type(value).__name__}")
    as_int = int(value)
    if not lo <= as_int <= hi:
        raise InputError(f"{name} must be between {lo} and {hi}, got {value}")
    return as_int


def axis_index(axis, ndim: int, name: str = "axis") -> int:
    axis = integer(axis, name, -ndim, ndim - 1)
    return axis % ndim


#: Sampling rates outside this range are refused: below it, sample times overflow or a
#: 10-minute trial has no sample; above it, no motion-capture or force system records.
MIN_RATE_HZ = 1e-3
MAX_RATE_HZ = 1e7


def rate(value, name: str = "rate") -> float:
    """A sampling rate in Hz: finite, > 0 and between MIN_RATE_HZ and MAX_RATE_HZ."""
    value = positive(value, name)
    if not MIN_RATE_HZ <= value <= MAX_RATE_HZ:
        raise InputError(f"{name} must be between {MIN_RATE_HZ:g} and {MAX_RATE_HZ:g} Hz, got {value:g}")
    return value


def finite(value, name: str) -> float:
    """A finite real number."""
    value = _real(value, name)
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {value}")
    return value


def in_range(value, name: str, lo: float, hi: float) -> float:
    """A finite real number with lo <= value <= hi."""
    value = finite(value, name)
    if not lo <= value <= hi:
        raise InputError(f"{name} must be between {lo:g} and {hi:g}, got {value:g}")
    return value
