"""`gaitcore demo` (what `make demo` runs) analyses the bundled data and writes tables and figures."""
import pandas as pd

from gaitcore.cli import main as cli_main


def test_demo_writes_tables_and_figures(tmp_path, capsys):
    out = tmp_path / "demo"
    assert cli_main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "walk.c3d" in printed and "SIMULATED cohort" in printed
    factors = pd.read_csv(out / "factors.csv", index_col="trial")
    assert factors.loc["Rajagopal_motion_capture_run.trc", "cadence_steps_per_min"] > 170
    pngs = {p.name for p in out.glob("*.png")}
    assert {"Rajagopal_motion_capture_run_angles.png", "Rajagopal_motion_capture_run_cadence_spectrum.png",
            "walk_force_contacts.png", "cohort_forest.png", "cohort_spm_L_hip_flexion.png"} <= pngs
    assert all((out / p).stat().st_size > 10_000 for p in pngs)
    assert (out / "cohort" / "compare_group.csv").exists()
