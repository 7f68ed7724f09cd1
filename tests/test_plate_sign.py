"""Plates whose channels give the force ON the plate (Kistler's software writes type-3 plates
so): a recognised convention, handled and listed in ``metadata["quirks"]`` and ``gaitcore
info``; a warning only when the evidence for the sign is ambiguous."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from gaitcore import datasets
from gaitcore.io import read_c3d, read_trial
from gaitcore.io.info import describe_reading
from test_c3d_quirks import _kistler_channels, _plate_file

KISTLER = Path(__file__).parents[1] / "datasets" / "c3d-formats" / "ezc3d_Kistler.c3d"


def _read_without_warnings(read, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read(*args)


def test_bundled_kistler_file_is_read_without_a_warning_and_says_so():
    trial = _read_without_warnings(read_c3d, KISTLER)
    reversed_ = [q for q in trial.metadata["quirks"] if q.startswith("plate_sign_reversed")]
    assert [q.split(":")[1].strip() for q in reversed_] == ["FP1", "FP2"]
    assert all("force on the plate (as Kistler software writes them)" in q and "100 % of the loaded" in q
               for q in reversed_)
    assert trial.plates[1].fz.max() == pytest.approx(826, abs=2)  # the flip itself is kept
    text = "\n".join(describe_reading(KISTLER, trial))
    assert "plate_sign_reversed: FP2" in text


@pytest.mark.parametrize("name", ["Running_0002.c3d", "walk.c3d", "walking2.c3d"])
def test_plates_in_the_c3d_convention_are_not_reversed(name):
    trial = _read_without_warnings(read_trial, datasets.path(name))
    assert not any(q.startswith("plate_sign_reversed") for q in trial.metadata["quirks"])


def test_synthetic_kistler_plate_on_the_plate_convention_is_quietly_reversed(tmp_path):
    body = _plate_file(tmp_path, "body.c3d", 3, _kistler_channels())
    plate = _read_without_warnings(_plate_file, tmp_path, "plate.c3d", 3, -_kistler_channels())
    np.testing.assert_allclose(plate.plates[0].force, body.plates[0].force, atol=1e-3)
    assert any(q.startswith("plate_sign_reversed: FP1") for q in plate.metadata["quirks"])
    assert not any(q.startswith("plate_sign_reversed") for q in body.metadata["quirks"])


def test_ambiguous_sign_is_reversed_with_a_warning(tmp_path):
    channels = -_kistler_channels()  # the stance (on the plate: 1500 N peak) ...
    channels[150:200, 4:8] = -channels[50:100, 4:8] * 0.6  # ... then a 900 N pull: a broken or unzeroed plate
    with pytest.warns(UserWarning, match=r"FP1: .*ambiguous \(77 % of the loaded vertical impulse downward over"):
        trial = _plate_file(tmp_path, "mixed.c3d", 3, channels)
    assert any(q.startswith("plate_sign_reversed: FP1") for q in trial.metadata["quirks"])
    assert trial.plates[0].fz.max() == pytest.approx(1500, abs=1)  # the stance, reversed


def test_too_few_loaded_samples_to_tell_the_sign_warns(tmp_path):
    channels = np.zeros((200, 8))
    channels[100:105, 4:8] = 100.0  # 5 samples at 400 N, on the plate
    with pytest.warns(UserWarning, match=r"FP1: .*ambiguous \(100 % .* over 5 loaded samples\); reversed"):
        _plate_file(tmp_path, "short.c3d", 3, channels)
