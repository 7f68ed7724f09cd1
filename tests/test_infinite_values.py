"""inf and float32's ~1e38 in trials: gaps in markers (listed), errors in forces and analogs.

Some C3D writers store inf or a huge number in the frames where a marker was not seen.  A
marker gap is normal motion-capture data (the analyses fill or skip it), so such frames
become NaN gaps, named in ``metadata["quirks"]`` (and with a warning for a trial built in
memory).  A force plate samples continuously and has no gap convention: an inf there is a
broken channel or an overflow and is refused with the plate and channel named.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import gaitcore
from c3d_writer import write_c3d
from gaitcore._errors import FormatError, InputError
from gaitcore.io import read_c3d, read_mot, read_trc
from test_text_readers import standing_body_zup, write_mot, write_trc


def _plate(force):
    m = force.shape[0]
    return gaitcore.ForcePlate(force=force, cop=np.zeros((m, 3)), free_moment=np.zeros(m), rate=1000.0, name="FP1")


def test_user_built_trial_turns_infinite_marker_frames_into_listed_gaps():
    lhee = np.tile([100.0, 50.0, 0.0], (20, 1))  # z = 0 is a position, never a gap
    lhee[3:5, 1] = np.inf
    lhee[7, 0] = -3.4e38  # float32's largest magnitude, as some writers store gaps
    mine = lhee.copy()
    with pytest.warns(UserWarning, match=r"LHEE 3 frames"):
        trial = gaitcore.Trial(markers={"LHEE": mine, "RHEE": np.zeros((20, 3))}, marker_rate=100.0)
    got = trial.markers["LHEE"]
    assert np.isnan(got[[3, 4, 7]]).all()
    assert np.isfinite(np.delete(got, [3, 4, 7], axis=0)).all()
    assert (trial.markers["RHEE"] == 0).all()  # zeros stay positions
    assert np.isinf(mine).sum() == 2  # the caller's array is not modified
    assert trial.metadata["quirks"] == ["marker_gaps_as_inf: LHEE 3 frames"]


def test_finite_trial_has_no_warning_and_no_quirk():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trial = gaitcore.Trial(markers={"LHEE": np.ones((5, 3))}, marker_rate=100.0)
    assert "quirks" not in trial.metadata


def test_trial_edited_after_construction_is_cleaned_by_validate():
    trial = gaitcore.Trial(markers={"LASI": np.ones((5, 3))}, marker_rate=100.0)
    trial.markers["LASI"][2, 2] = np.inf
    with pytest.warns(UserWarning, match="LASI 1 frame"):
        trial.validate()
    assert np.isnan(trial.markers["LASI"][2]).all()


def test_infinite_force_is_an_error_naming_the_plate():
    force = np.zeros((10, 3))
    force[4, 2] = np.inf
    with pytest.raises(InputError, match=r"plate 'FP1' force holds infinite values \(first at sample 4\)"):
        _plate(force)
    cop = np.zeros((10, 3))
    cop[1] = -np.inf
    with pytest.raises(InputError, match="plate 'FP1' cop"):
        gaitcore.ForcePlate(force=np.zeros((10, 3)), cop=cop, free_moment=np.zeros(10), rate=1000.0, name="FP1")
    nan_cop = np.full((10, 3), np.nan)  # NaN is an unloaded plate's COP: allowed
    gaitcore.ForcePlate(force=np.zeros((10, 3)), cop=nan_cop, free_moment=np.full(10, np.nan), rate=1000.0)


def test_infinite_analog_is_an_error_naming_the_channel():
    emg = np.zeros(30)
    emg[5] = np.inf
    with pytest.raises(InputError, match="analog channel 'EMG1' holds infinite values"):
        gaitcore.Trial(markers={}, marker_rate=float("nan"), analogs={"EMG1": emg}, analog_rate=1000.0)


def test_analysis_of_inf_gaps_equals_analysis_of_nan_gaps():
    walk = gaitcore.read_trial(gaitcore.datasets.path("walk.c3d"))
    with_nan = {k: v.copy() for k, v in walk.markers.items()}
    with_nan["LHEE"][40:45] = np.nan
    with_inf = {k: v.copy() for k, v in walk.markers.items()}
    with_inf["LHEE"][40:45] = np.inf
    reports = []
    for markers in (with_nan, with_inf):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trial = gaitcore.Trial(markers=markers, marker_rate=walk.marker_rate, plates=walk.plates,
                                   events=walk.events, metadata=dict(walk.metadata))
            reports.append(gaitcore.analyze_trial(trial).factors)
    numbers = [pd.to_numeric(r, errors="coerce").to_numpy(float) for r in reports]
    assert np.isfinite(numbers[0]).sum() >= 10
    np.testing.assert_array_equal(numbers[0], numbers[1])


# ----------------------------------------------------------------------------- readers

def _c3d_with_sentinels(path):
    """A float C3D whose marker M1 holds inf in frame 2 and 3e38 in frame 5 (valid residual:
    the writer stores them as data, not as gaps), and 0.0 in frame 7 (a position)."""
    pts = np.full((10, 2, 3), 500.0)
    pts[:, 1] = [100.0, 200.0, 1400.0]
    pts[2, 0, 0], pts[5, 0, 1], pts[7, 0, 2] = 4321.0, 8765.0, 0.0
    write_c3d(path, pts, 100.0)
    raw = path.read_bytes()
    for marker, value in ((4321.0, np.inf), (8765.0, 3e38)):
        old = np.array([marker], "<f4").tobytes()
        assert raw.count(old) == 1
        raw = raw.replace(old, np.array([value], "<f4").tobytes())
    path.write_bytes(raw)
    return path


def test_c3d_inf_and_huge_marker_values_are_listed_gaps(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a reader records a handled convention, it does not warn
        trial = read_c3d(_c3d_with_sentinels(tmp_path / "gaps.c3d"))
    m1 = trial.markers["M1"]
    assert np.isnan(m1[[2, 5]]).all() and np.isfinite(np.delete(m1, [2, 5], axis=0)).all()
    assert np.isfinite(trial.markers["M2"]).all() and m1[7, 2] == 0.0
    assert "marker_gaps_as_inf: M1 2 frames (inf or > 1e+09: NaN gaps)" in trial.metadata["quirks"]


def test_c3d_inf_in_a_plate_channel_is_an_error_and_in_another_channel_a_listed_nan(tmp_path):
    n = 10
    channels = np.zeros((n, 7))
    channels[:, 2] = -600.0
    channels[3, 6] = 4321.0  # A7: not a plate channel
    corners = np.array([[300, -200, 0], [-300, -200, 0], [-300, 200, 0], [300, 200, 0]], "f4")
    params = [("FORCE_PLATFORM", "USED", np.array([1])), ("FORCE_PLATFORM", "TYPE", np.array([2])),
              ("FORCE_PLATFORM", "CHANNEL", np.arange(1, 7).reshape(1, 6)),
              ("FORCE_PLATFORM", "CORNERS", corners.reshape(1, 4, 3)),
              ("FORCE_PLATFORM", "ORIGIN", np.array([[0.0, 0.0, -40.0]], "f4"))]
    path = write_c3d(tmp_path / "a.c3d", np.full((n, 1, 3), 500.0), 100.0, analog=channels, params=params)
    raw = path.read_bytes()
    inf = np.array([np.inf], "<f4").tobytes()
    path.write_bytes(raw.replace(np.array([4321.0], "<f4").tobytes(), inf))
    trial = read_c3d(path)
    assert np.isnan(trial.analogs["A7"][3]) and np.isfinite(np.delete(trial.analogs["A7"], 3)).all()
    assert "analog_inf: A7 1 samples -> NaN" in trial.metadata["quirks"]
    path.write_bytes(raw.replace(np.array([-600.0], "<f4").tobytes(), inf, 1))
    with pytest.raises(FormatError, match=r"a.c3d.*force plate FP1: analog channel\(s\) \[3\] hold infinite"):
        read_c3d(path)


def test_trc_inf_cell_is_a_listed_gap_and_inf_time_an_error(tmp_path):
    path = write_trc(tmp_path / "g.trc", standing_body_zup())
    text = path.read_text()
    path.write_text(text.replace("950.0000", "inf", 1))
    trial = read_trc(path)
    assert int(np.isnan(trial.markers["LASI"]).any(axis=1).sum()) == 1
    assert any(q.startswith("marker_gaps_as_inf: LASI 1 frame") for q in trial.metadata["quirks"])
    path.write_text(text.replace("0.01000", "inf", 1))
    with pytest.raises(FormatError, match="g.trc.*infinite values in the Time column"):
        read_trc(path)


def test_mot_inf_force_is_refused(tmp_path):
    cols = [f"ground_force_v{a}" for a in "xyz"]
    vals = np.column_stack([np.zeros(20), np.full(20, 700.0), np.zeros(20)])
    path = write_mot(tmp_path / "f.mot", [f"{i / 100:.2f}" for i in range(20)], cols, vals)
    path.write_text(path.read_text().replace("700.000000", "inf", 1))
    with pytest.raises(FormatError, match="f.mot.*beyond float64"):
        read_mot(path)


def test_event_times_must_be_finite(tmp_path):
    events = pd.DataFrame({"side": ["L", "R"], "event": ["IC", "IC"], "time_s": [0.2, np.inf]})
    with pytest.raises(InputError, match=r"events time_s must be finite: rows \[1\] hold inf"):
        gaitcore.Trial(markers={"LHEE": np.ones((5, 3))}, marker_rate=100.0, events=events)
    params = [("EVENT", "USED", np.array([2])), ("EVENT", "LABELS", ["LHS", "RTO"]),
              ("EVENT", "CONTEXTS", ["Left", "Right"]),
              ("EVENT", "TIMES", np.array([[0.0, 0.25], [0.0, np.nan]], "f4"))]
    trial = read_c3d(write_c3d(tmp_path / "ev.c3d", np.full((60, 1, 3), 500.0), 100.0, params=params))
    assert trial.events.values.tolist() == [["L", "IC", pytest.approx(0.25)]]
    assert "event_time_invalid: 1 events without a finite time dropped" in trial.metadata["quirks"]
    text = pd.DataFrame({"side": ["L"], "event": ["IC"], "time_s": ["soon"]})
    with pytest.raises(gaitcore.InputTypeError, match="events time_s must hold numbers"):
        gaitcore.Trial(markers={}, marker_rate=float("nan"), events=text)
