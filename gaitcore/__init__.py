"""gaitcore: running biomechanics in C.

Step segmentation, spectral cadence, joint angles and curve statistics over force-plate
and marker arrays, and the low-back-pain factor profile of each trial.

Lab frame of every :class:`Trial`: z up, millimetres, newtons (see ``gaitcore.trial``).
"""
from . import datasets
from ._errors import FormatError
from .cadence import Cadence, cadence, cadence_track, trial_cadence
from .filters import butter, fill_gaps, lowpass
from .io import read_c3d, read_mot, read_trc, read_trial
from .markers import MARKER_ALIASES, canonical_marker_name
from .trial import ForcePlate, Trial
from .writers import write_mot, write_trc

__version__ = "0.1.0"

__all__ = [
    "Cadence", "FormatError", "ForcePlate", "MARKER_ALIASES", "Trial",
    "butter", "cadence", "cadence_track", "canonical_marker_name", "datasets", "fill_gaps",
    "lowpass", "read_c3d", "read_mot", "read_trc", "read_trial", "trial_cadence",
    "write_mot", "write_trc",
]
