"""gaitcore: running biomechanics in C.

Step segmentation, spectral cadence, joint angles and curve statistics over force-plate
and marker arrays, and the low-back-pain factor profile of each trial.

Lab frame of every :class:`Trial`: z up, millimetres, newtons (see ``gaitcore.trial``).
"""
from . import datasets
from ._errors import FormatError
from .factors import factor_summary, stance_factors
from .filters import butter, fill_gaps, lowpass
from .io import read_c3d, read_mot, read_trc, read_trial
from .kinematics import ANGLE_COMPONENTS, MissingMarkersError, joint_angles
from .markers import MARKER_ALIASES, canonical_marker_name
from .trial import ForcePlate, Trial

__version__ = "0.1.0"

__all__ = [
    "ANGLE_COMPONENTS", "FormatError", "ForcePlate", "MARKER_ALIASES", "MissingMarkersError", "Trial", "butter",
    "canonical_marker_name", "datasets", "factor_summary", "fill_gaps", "joint_angles", "lowpass", "read_c3d",
    "read_mot", "read_trc", "read_trial", "stance_factors",
]
