"""gaitcore: running biomechanics in C.

Step segmentation, spectral cadence, joint angles and curve statistics over force-plate
and marker arrays, and the low-back-pain factor profile of each trial.

Lab frame of every :class:`Trial`: z up, millimetres, newtons (see ``gaitcore.trial``).
"""
from . import datasets
from ._errors import FormatError
from .cadence import Cadence, cadence, cadence_track, trial_cadence
from .events import detect_contacts, detect_events, spatiotemporal
from .filters import butter, fill_gaps, lowpass
from .io import read_c3d, read_mot, read_trc, read_trial
from .markers import MARKER_ALIASES, canonical_marker_name
from .stats import (Cluster, Comparison, CurveStats, SPMResult, SPMTest, compare, curve_stats,
                    normalize_cycles, rft_t_threshold, spm_ttest, spm_ttest2, spm_ttest_paired,
                    subject_means, symmetry_angle, symmetry_index)
from .trial import ForcePlate, Trial
from .writers import write_mot, write_trc

__version__ = "0.1.0"

__all__ = [
    "Cadence", "Cluster", "Comparison", "CurveStats", "FormatError", "ForcePlate", "MARKER_ALIASES",
    "SPMResult", "SPMTest", "Trial",
    "butter", "cadence", "cadence_track", "canonical_marker_name", "compare", "curve_stats", "datasets",
    "fill_gaps", "lowpass", "normalize_cycles", "read_c3d", "read_mot", "read_trc", "read_trial",
    "rft_t_threshold", "spm_ttest", "spm_ttest2", "spm_ttest_paired", "subject_means", "symmetry_angle",
    "symmetry_index", "trial_cadence", "write_mot", "write_trc",
    "detect_contacts", "detect_events", "spatiotemporal",
]
