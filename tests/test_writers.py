"""TRC/MOT writers: a written trial reads back equal (markers to the 1e-6 mm printed, forces exactly)."""
import numpy as np
import pytest

import gaitcore


@pytest.fixture(scope="module")
def rajagopal():
    return gaitcore.read_trial(gaitcore.datasets.path("Rajagopal_motion_capture_run.trc"),
                               grf=gaitcore.datasets.path("Rajagopal_grf_run.mot"))


def test_round_trip(rajagopal, tmp_path):
    trc = gaitcore.write_trc(rajagopal, tmp_path / "copy.trc")
    mot = gaitcore.write_mot(rajagopal, tmp_path / "copy.mot")
    back = gaitcore.read_trial(trc, grf=mot)
    assert set(back.markers) == set(rajagopal.markers) and back.marker_rate == rajagopal.marker_rate
    for name, xyz in rajagopal.markers.items():
        np.testing.assert_allclose(back.markers[name], xyz, atol=1e-6, equal_nan=True)
    for a, b in zip(rajagopal.plates, back.plates):
        assert a.side == b.side
        np.testing.assert_allclose(b.force, a.force, atol=1e-6)
        np.testing.assert_allclose(b.cop, a.cop, atol=1e-3, equal_nan=True)


def test_nan_markers_written_as_empty_cells(rajagopal, tmp_path):
    markers = {k: v.copy() for k, v in rajagopal.markers.items()}
    markers["LASI"][10:20] = np.nan
    trial = gaitcore.Trial(markers=markers, marker_rate=rajagopal.marker_rate)
    back = gaitcore.read_trc(gaitcore.write_trc(trial, tmp_path / "gap.trc"))
    assert np.isnan(back.markers["LASI"][10:20]).all() and np.isfinite(back.markers["LASI"][20:]).all()


def test_nothing_to_write(tmp_path):
    with pytest.raises(ValueError, match="no markers"):
        gaitcore.write_trc(gaitcore.Trial(markers={}, marker_rate=100.0), tmp_path / "x.trc")
    with pytest.raises(ValueError, match="no force plates"):
        gaitcore.write_mot(gaitcore.Trial(markers={}, marker_rate=100.0), tmp_path / "x.mot")
