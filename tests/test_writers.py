"""TRC/MOT writers: a written trial reads back equal (markers to the 1e-6 mm printed, forces exactly)."""
import numpy as np
import pandas as pd
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


def test_formula_column_names_escaped_and_read_back(tmp_path):
    """A manifest's covariate column may be named anything: its header cell is escaped too."""
    from gaitcore.cohort import read_factor_table

    table = pd.DataFrame({"trial_id": ["t1"], "=HYPERLINK(\"x\")": [1.5], "error": [""]})
    path = gaitcore.writers.write_csv(table, tmp_path / "t.csv")
    assert path.read_text().splitlines()[0] == "trial_id,\"'=HYPERLINK(\"\"x\"\")\",error"
    assert list(read_factor_table(path).columns) == list(table.columns)


#: Files that may write tables/text without writers.write_csv / _atomic: the writers themselves,
#: and simulate.py's manifest of generated names (simrigid owns simulate.py this session).
_RAW_WRITERS_ALLOWED = {"writers.py", "_atomic.py"}


def test_every_csv_and_text_writer_goes_through_write_csv_or_atomic():
    """demo.py wrote its CSVs with DataFrame.to_csv (formula cells unescaped, not atomic): no
    module of the package may call to_csv/savetxt/write_text/open(..., "w") itself."""
    import ast
    from pathlib import Path

    offenders = []
    for source in Path(gaitcore.__file__).parent.rglob("*.py"):
        if source.name in _RAW_WRITERS_ALLOWED:
            continue
        tree = ast.parse(source.read_text())
        atomic_temporaries = {item.optional_vars.id for node in ast.walk(tree) if isinstance(node, ast.With)
                              for item in node.items if isinstance(item.optional_vars, ast.Name)
                              and "atomic_path" in ast.unparse(item.context_expr)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            is_owner_atomic = isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "_atomic"
            to_temporary = bool(node.args) and ast.unparse(node.args[0]) in atomic_temporaries
            writes_mode = name == "open" and not to_temporary and any(
                isinstance(a, ast.Constant) and isinstance(a.value, str) and "w" in a.value for a in node.args[1:2])
            if (name in ("to_csv", "savetxt", "write_text", "write_bytes") and not is_owner_atomic) or writes_mode:
                offenders.append(f"{source.name}:{node.lineno} {name}")
    assert offenders == []
