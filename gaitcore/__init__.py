"""gaitcore: running biomechanics in C.

Step segmentation, spectral cadence, joint angles and curve statistics over force-plate
and marker arrays, and the low-back-pain factor profile of each trial.

Lab frame of every :class:`Trial`: z up, millimetres, newtons (see ``gaitcore.trial``).
"""
__version__ = "0.1.0"

from . import datasets
from ._errors import (ComputationError, FormatError, GaitcoreError, InputError, InputTypeError,
                      MissingMarkersError, NotEnoughDataError, OutputLockedError, TrialTimeoutError)
from .cadence import Cadence, cadence, cadence_track, trial_cadence
from .events import compare_events, detect_contacts, detect_events, event_quality, gait_mode, spatiotemporal
from .factors import factor_summary, stance_factors
from .filters import butter, fill_gaps, lowpass
from .io import read_c3d, read_mot, read_trc, read_trial, read_vsk
from .kinematics import ANGLE_COMPONENTS, FunctionalHJC, functional_hjc, joint_angles
from .pig_static import pig_static_calibration
from .markers import MARKER_ALIASES, canonical_marker_name
from .stats import (Cluster, Comparison, CurveStats, SPMResult, SPMTest, compare, curve_stats,
                    normalize_cycles, rft_t_threshold, spm_ttest, spm_ttest2, spm_ttest_paired,
                    subject_means, symmetry_angle, symmetry_index)
from .glm import (GLMCluster, GLMResult, GLMTest, hedges_g_curve, spm_ancova, spm_anova1, spm_anova1rm,
                  spm_anova2, spm_glm, spm_posthoc, spm_regress)
from .trial import ForcePlate, Trial
from .writers import write_mot, write_trc
from .analysis import TrialReport, analyze_trial  # noqa: E402 - needs the modules above
from .cohort import analyze_cohort, compare_curves, compare_groups  # noqa: E402



def __getattr__(name):
    """``gaitcore.plot`` on first use: matplotlib is imported only by who plots."""
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'gaitcore' has no attribute {name!r}")


__all__ = [
    # errors
    "ComputationError", "FormatError", "GaitcoreError", "InputError", "InputTypeError", "MissingMarkersError",
    "NotEnoughDataError", "OutputLockedError", "TrialTimeoutError",
    # data
    "ForcePlate", "MARKER_ALIASES", "Trial", "canonical_marker_name", "datasets",
    "read_c3d", "read_mot", "read_trc", "read_trial", "read_vsk", "write_mot", "write_trc",
    # signal processing
    "butter", "fill_gaps", "lowpass",
    # events and cadence
    "Cadence", "cadence", "cadence_track", "compare_events", "detect_contacts", "detect_events", "event_quality",
    "gait_mode", "spatiotemporal", "trial_cadence",
    # kinematics and factors
    "ANGLE_COMPONENTS", "FunctionalHJC", "factor_summary", "functional_hjc", "joint_angles", "pig_static_calibration",
    "stance_factors",
    # statistics
    "Cluster", "Comparison", "CurveStats", "SPMResult", "SPMTest", "compare", "curve_stats",
    "normalize_cycles", "rft_t_threshold", "spm_ttest", "spm_ttest2", "spm_ttest_paired",
    "subject_means", "symmetry_angle", "symmetry_index",
    "GLMCluster", "GLMResult", "GLMTest", "hedges_g_curve", "spm_ancova", "spm_anova1", "spm_anova1rm",
    "spm_anova2", "spm_glm", "spm_posthoc", "spm_regress",
    # trials to cohorts
    "TrialReport", "analyze_cohort", "analyze_trial", "compare_curves", "compare_groups",
]
