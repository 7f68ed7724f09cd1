"""Units encoded in gaitcore's unit-suffixed metric names (``cadence_steps_per_min`` ...)."""
from __future__ import annotations

_UNITS = {"_steps_per_min": "steps/min", "_deg": "deg", "_ms": "ms", "_mm": "mm", "_bw_per_s": "BW/s",
          "_ns_per_kg": "N s/kg", "_pct_leg_length": "% leg length", "_kg": "kg", "_m_per_s": "m/s",
          "_hz": "Hz", "_s": "s"}


def unit_of(metric: str) -> str:
    """The unit of a unit-suffixed factor name ("" for ratios such as duty_factor).

    >>> unit_of("pelvic_drop_deg_L"), unit_of("duty_factor")
    ('deg', '')
    """
    base = metric[:-2] if metric.endswith(("_L", "_R")) else metric
    for suffix, unit in _UNITS.items():
        if base.endswith(suffix):
            return unit
    return ""
