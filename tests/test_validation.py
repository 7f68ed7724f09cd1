"""Each defect of input validation that the issue listed, reproduced: a Trial validates itself,
public functions validate their scalars, refuse complex input, and raise only the hierarchy."""
import numpy as np
import pandas as pd
import pytest

import gaitcore


@pytest.fixture(scope="module")
def walk():
    return gaitcore.read_trial(gaitcore.datasets.path("walk.c3d"))


@pytest.mark.parametrize("rate", [0, -100, 0.0, float("nan"), float("inf"), 1e-308, "100", None])
def test_trial_refuses_a_bad_marker_rate(walk, rate):
    # marker_rate=0 gave a step length of -285.9 mm, -100 negative event frames
    with pytest.raises(gaitcore.InputError, match="marker_rate"):
        gaitcore.Trial(markers=walk.markers, marker_rate=rate)


def test_trial_checks_lengths_units_and_dtypes(walk):
    lasi = walk.markers["LASI"]
    with pytest.raises(gaitcore.InputError, match=r"marker 'B' must have shape \(%d, 3\)" % len(lasi)):
        gaitcore.Trial(markers={"LASI": lasi, "B": lasi[:-1]}, marker_rate=100.0)
    with pytest.raises(gaitcore.InputTypeError, match="complex"):
        gaitcore.Trial(markers={"LASI": lasi + 0j}, marker_rate=100.0)
    with pytest.raises(gaitcore.InputError, match="axes"):
        gaitcore.Trial(markers={"LASI": lasi}, marker_rate=100.0, axes="y-up, m")
    plate = walk.plates[0]
    with pytest.raises(gaitcore.InputError, match="cop"):
        gaitcore.ForcePlate(force=plate.force, cop=plate.cop[:-1], free_moment=plate.free_moment, rate=plate.rate)
    with pytest.raises(gaitcore.InputError, match="rate"):
        gaitcore.ForcePlate(force=plate.force, cop=plate.cop, free_moment=plate.free_moment, rate=0.0)
    # a trial without markers (forces only) keeps NaN as its marker rate
    assert np.isnan(gaitcore.Trial(markers={}, marker_rate=float("nan"), plates=[plate]).marker_rate)


def test_a_trial_edited_after_construction_is_checked_again(walk):
    trial = gaitcore.Trial(markers=dict(walk.markers), marker_rate=walk.marker_rate, plates=walk.plates,
                           metadata=walk.metadata)
    trial.marker_rate = 0.0
    with pytest.raises(gaitcore.InputError, match="marker_rate"):
        gaitcore.analyze_trial(trial)


def test_detect_contacts_refuses_a_rate_that_overflows_times():
    fz = np.where(np.sin(np.arange(2000) / 40.0) > 0, 800.0, 0.0)
    with pytest.raises(gaitcore.InputError, match="rate"):  # gave infinite times
        gaitcore.detect_contacts(fz, rate=1e-308)


def test_canonical_marker_name_refuses_non_strings():
    with pytest.raises(gaitcore.InputTypeError, match="name must be a str"):  # returned None
        gaitcore.canonical_marker_name(None)
    assert gaitcore.canonical_marker_name("L.ASIS") == "LASI"


@pytest.mark.parametrize("func, args", [
    ("lowpass", (100.0, 10.0)), ("fill_gaps", (100.0,)), ("cadence", (100.0,)), ("detect_contacts", (1000.0,)),
    ("symmetry_index", "pair"), ("symmetry_angle", "pair"), ("compare", "pair"), ("curve_stats", "2d"),
    ("spm_ttest", "2d")])
def test_complex_input_refused(func, args):
    # the imaginary part used to be dropped without a word
    x = np.random.default_rng(0).standard_normal(1000) * 100 + 1j
    f = getattr(gaitcore, func)
    with pytest.raises(gaitcore.InputTypeError, match="complex"):
        if args == "pair":
            f(x[:10], x[10:20])
        elif args == "2d":
            f(x[:606].reshape(6, 101))
        else:
            f(x, *args)


@pytest.mark.parametrize("call", [
    lambda: gaitcore.butter(2, 10.0, 100.0, output=np.ones(3)),             # ValueError (ambiguous truth)
    lambda: gaitcore.symmetry_index(np.ones(3), np.ones(4)),               # ValueError (broadcast)
    lambda: gaitcore.symmetry_angle(np.array(["1", "2"]), np.ones(2)),     # ValueError (str to float)
    lambda: gaitcore.rft_t_threshold(0.05, 9, 2),                         # TypeError
    lambda: gaitcore.lowpass([[1.0, 2.0], [3.0]], 100.0, 10.0),            # ragged list
    lambda: gaitcore.factor_summary(None),                                 # AttributeError
    lambda: gaitcore.factor_summary(pd.DataFrame({"x": [1.0]})),           # KeyError 'side'
    lambda: gaitcore.subject_means(None),                                  # TypeError
    lambda: gaitcore.canonical_marker_name("LASI", aliases=3),             # AttributeError
    lambda: gaitcore.write_trc(3, "x.trc"),                                # AttributeError
    lambda: gaitcore.analyze_cohort(3),                                    # TypeError from Path(3)
    lambda: gaitcore.compare_curves(pd.DataFrame()),                       # KeyError 'report'
    lambda: gaitcore.analyze_trial(np.ones(2)),                            # TypeError from Path(array)
], ids=lambda f: "")
def test_only_the_hierarchy_escapes(call):
    with pytest.raises(gaitcore.GaitcoreError):
        call()


def test_huge_windows_are_capped_not_overflowed():
    # OverflowError: cannot convert float infinity to integer
    filled, mask = gaitcore.fill_gaps(np.r_[np.ones(50), np.nan, np.ones(49)], 100.0, max_gap_s=1e308)
    assert mask.sum() == 1
    x = np.sin(2 * np.pi * 2.9 * np.arange(1000) / 100.0)
    assert np.isfinite(gaitcore.cadence(x, 100.0, window_s=1e308).steps_per_min)
