"""gaitcore: running biomechanics in C.

Step segmentation, spectral cadence, joint angles and curve statistics over force-plate
and marker arrays, and the low-back-pain factor profile of each trial.

Lab frame of every :class:`Trial`: z up, millimetres, newtons (see ``gaitcore.trial``).
"""
from . import datasets
from ._errors import FormatError
from .events import detect_contacts, detect_events, spatiotemporal
from .filters import butter, fill_gaps, lowpass
from .io import read_c3d, read_mot, read_trc, read_trial
from .markers import MARKER_ALIASES, canonical_marker_name
from .trial import ForcePlate, Trial

__version__ = "0.1.0"

__all__ = [
    "FormatError", "ForcePlate", "MARKER_ALIASES", "Trial", "butter", "canonical_marker_name",
    "datasets", "detect_contacts", "detect_events", "fill_gaps", "lowpass", "read_c3d", "read_mot", "read_trc", "read_trial",
    "spatiotemporal",
]
