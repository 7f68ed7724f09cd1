"""The exception hierarchy: one base class, each error also the built-in type older code caught."""
import pickle

import numpy as np
import pytest

import gaitcore
from gaitcore import _core


def test_hierarchy_and_compatibility():
    assert issubclass(gaitcore.InputError, gaitcore.GaitcoreError)
    assert issubclass(gaitcore.InputError, ValueError)
    assert issubclass(gaitcore.InputTypeError, gaitcore.InputError)
    assert issubclass(gaitcore.InputTypeError, TypeError)
    assert issubclass(gaitcore.FormatError, gaitcore.GaitcoreError)
    assert issubclass(gaitcore.FormatError, ValueError)
    assert issubclass(gaitcore.MissingMarkersError, gaitcore.InputError)
    assert issubclass(gaitcore.NotEnoughDataError, gaitcore.InputError)
    assert issubclass(gaitcore.ComputationError, RuntimeError)
    assert issubclass(gaitcore.TrialTimeoutError, TimeoutError)
    for name in ("GaitcoreError", "InputError", "InputTypeError", "FormatError", "MissingMarkersError",
                 "NotEnoughDataError", "ComputationError", "TrialTimeoutError"):
        assert name in gaitcore.__all__ and issubclass(getattr(gaitcore, name), gaitcore.GaitcoreError)


def test_missing_markers_error_still_importable_from_kinematics():
    from gaitcore.kinematics import MissingMarkersError

    assert MissingMarkersError is gaitcore.MissingMarkersError


def test_format_error_keeps_path_and_pickles():
    err = gaitcore.FormatError("/tmp/x.c3d", "truncated")
    assert str(err) == "/tmp/x.c3d: truncated" and err.path == "/tmp/x.c3d" and err.problem == "truncated"
    back = pickle.loads(pickle.dumps(err))  # batch workers send it to the parent
    assert type(back) is gaitcore.FormatError and str(back) == str(err)


def test_validation_raises_the_hierarchy():
    with pytest.raises(gaitcore.InputTypeError):
        gaitcore.lowpass(np.ones(50, complex), 100.0, 10.0)
    with pytest.raises(gaitcore.InputError, match="rate"):
        gaitcore.lowpass(np.ones(50), float("nan"), 10.0)


def test_c_core_statuses_raise_the_hierarchy():
    x = np.ones(50)
    x[3] = np.inf
    with pytest.raises(gaitcore.InputError, match="infinite"):
        _core.lowpass(x, 0.2, 2, 0)
    with pytest.raises(gaitcore.InputError):
        _core.butter(0, 0.2)
