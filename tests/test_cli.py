"""The command line as a researcher uses it: one trial, folders, manifests, bad input.

Every bad input gets one line on stderr, no traceback, exit 2 for usage and 1 for data.
"""
import functools
import shutil
import subprocess
import sys

import pandas as pd
import pytest

import gaitcore
from gaitcore import datasets
from gaitcore.cli import main as cli_main

RUN, GRF, STATIC = "Rajagopal_motion_capture_run.trc", "Rajagopal_grf_run.mot", "Rajagopal_static_run.trc"


def run_cli(args, capsys):
    """(exit status, stdout, stderr) of ``gaitcore ARGS`` run in this process."""
    try:
        code = cli_main([str(a) for a in args])
    except SystemExit as exc:  # argparse's own exits (usage, --help, --version)
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, want_code, *words):
    assert code == want_code, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err


@pytest.fixture()
def lab(tmp_path):
    """A lab folder: the Rajagopal running trial (TRC + its forces + static) and walk.c3d."""
    folder = tmp_path / "lab"
    folder.mkdir()
    for name in (RUN, GRF, STATIC, "walk.c3d"):
        shutil.copy(datasets.path(name), folder / name)
    return folder


# ---- what works -------------------------------------------------------------------------

def test_version(capsys):
    code, out, _ = run_cli(["--version"], capsys)
    assert code == 0 and out.strip() == f"gaitcore {gaitcore.__version__}"


def test_help_has_examples_and_every_option(capsys):
    code, out, _ = run_cli(["analyze", "--help"], capsys)
    assert code == 0 and "examples:" in out and "gaitcore analyze run.c3d --out results" in out
    for flag in ("--events", "--gait", "--static", "--hjc", "--cutoff-hz", "--body-mass-kg", "--force",
                 "--pelvis-sequence", "--points"):
        assert flag in out, flag


@pytest.mark.parametrize("name", ["walk.c3d", RUN])
def test_a_single_trial_file(lab, tmp_path, capsys, name):
    code, out, err = run_cli(["analyze", lab / name, "--out", tmp_path / "out", "--workers", "1",
                              "--no-progress"], capsys)
    assert code == 0, err
    assert "1 trials: 1 analysed, 0 skipped (up to date), 0 failed" in out
    assert f"results in {tmp_path / 'out'}/" in out
    table = pd.read_csv(tmp_path / "out" / "factors.csv")
    assert len(table) == 1 and table["path"][0] == str(lab / name)


def test_files_folders_and_manifests_together(lab, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(datasets.path("walking2.c3d"), other / "walking2.c3d")
    pd.DataFrame({"path": [RUN], "grf": [GRF], "static": [STATIC], "group": ["a"]}).to_csv(
        lab / "manifest.csv", index=False)
    code, out, err = run_cli(["analyze", lab / "manifest.csv", other, lab / "walk.c3d", "--out", tmp_path / "out",
                              "--workers", "1", "--no-progress"], capsys)
    assert code == 0, err
    table = pd.read_csv(tmp_path / "out" / "factors.csv", keep_default_na=False)
    assert [p.rsplit("/", 1)[-1] for p in table["path"]] == [RUN, "walking2.c3d", "walk.c3d"]
    assert table["grf"][0] == str(lab / GRF) and table["static"][0] == str(lab / STATIC)


def test_analysis_options_reach_analyze_trial(lab, tmp_path, capsys, monkeypatch):
    seen = []
    import gaitcore.analysis

    real = gaitcore.analysis.analyze_trial

    @functools.wraps(real)  # the CLI offers the keywords of analyze_trial's signature
    def spy(path, **kw):
        seen.append(kw)
        return real(path, **kw)

    monkeypatch.setattr(gaitcore.analysis, "analyze_trial", spy)
    args = ["analyze", lab / RUN, "--out", tmp_path / "out", "--no-progress", "--workers", "1",
            "--static", lab / STATIC, "--events", "auto", "--gait", "walking", "--hjc", "davis",
            "--pelvis-sequence", "pig", "--cutoff-hz", "8", "--points", "51", "--body-mass-kg", "72.5"]
    # threads, so that the spy sees the call (a process pool would import a fresh module)
    monkeypatch.setattr("gaitcore.cohort._default_executor",
                        lambda workers: __import__("concurrent.futures").futures.ThreadPoolExecutor(1))
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    assert seen == [{"grf": None, "static": str(lab / STATIC), "event_method": "auto", "kinematic": "zeni",
                     "hjc": "davis", "pelvis_sequence": "pig", "cutoff_hz": 8.0, "points": 51,
                     "body_mass_kg": 72.5}]


def test_python_dash_m_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "gaitcore", "analyze", str(tmp_path / "nope.c3d"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert_one_line_error(proc.returncode, proc.stderr, 2, "nope.c3d", "no such file")


# ---- bad input: one line, no traceback, 2 for usage and 1 for data -----------------------

def test_missing_path(tmp_path, capsys):
    code, _, err = run_cli(["analyze", tmp_path / "missing.c3d", "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, 2, "missing.c3d", "no such file")


def test_empty_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli(["analyze", tmp_path / "empty", "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, 2, "no C3D or TRC files")


def test_empty_csv(tmp_path, capsys):
    (tmp_path / "m.csv").write_text("")
    code, _, err = run_cli(["analyze", tmp_path / "m.csv", "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, 2, "m.csv", "empty")


def test_header_only_csv(tmp_path, capsys):
    (tmp_path / "m.csv").write_text("path,group\n")
    code, _, err = run_cli(["analyze", tmp_path / "m.csv", "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, 2, "lists no trials")


def test_manifest_without_path_column(tmp_path, capsys):
    (tmp_path / "m.csv").write_text("file,group\nx.c3d,a\n")
    code, _, err = run_cli(["analyze", tmp_path / "m.csv", "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, 2, "'path' column")


def test_not_a_trial_or_manifest(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    code, _, err = run_cli(["analyze", tmp_path / "notes.txt", "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, 2, "notes.txt", ".csv")


def test_bad_option_values(lab, tmp_path, capsys):
    for args, word in ((["--cutoff-hz", "-1"], "--cutoff-hz"), (["--events", "magic"], "--events"),
                       (["--body-mass-kg", "heavy"], "--body-mass-kg"), (["--workers", "0"], "--workers"),
                       (["--static", tmp_path / "none.trc"], "--static")):
        code, _, err = run_cli(["analyze", lab / "walk.c3d", "--out", tmp_path / "out", *args], capsys)
        assert_one_line_error(code, err, 2, word)


def test_no_arguments(capsys):
    code, _, err = run_cli(["analyze"], capsys)
    assert_one_line_error(code, err, 2, "required")


def test_corrupt_trial_is_a_data_error(lab, tmp_path, capsys):
    raw = (lab / "walk.c3d").read_bytes()
    (lab / "walk.c3d").write_bytes(raw[: len(raw) // 3])
    code, out, err = run_cli(["analyze", lab / "walk.c3d", "--out", tmp_path / "out", "--workers", "1",
                              "--no-progress"], capsys)
    assert code == 1 and "Traceback" not in err
    assert "failed: " in err and "walk.c3d" in err and "1 failed" in out


def test_compare_by_missing_column(lab, tmp_path, capsys):
    run_cli(["analyze", lab / "walk.c3d", "--out", tmp_path / "out", "--workers", "1", "--no-progress"], capsys)
    code, _, err = run_cli(["compare", tmp_path / "out", "--by", "nosuchcol"], capsys)
    assert_one_line_error(code, err, 2, "nosuchcol")


def test_compare_without_analysis(tmp_path, capsys):
    code, _, err = run_cli(["compare", tmp_path / "nothing"], capsys)
    assert_one_line_error(code, err, 2, "factors.csv")


def test_compare_when_every_trial_failed(tmp_path, capsys):
    (tmp_path / "bad").mkdir()
    for name in ("a.c3d", "b.c3d"):
        (tmp_path / "bad" / name).write_bytes(b"not a c3d file")
    pd.DataFrame({"path": ["a.c3d", "b.c3d"], "group": ["x", "y"]}).to_csv(tmp_path / "bad" / "m.csv", index=False)
    code, _, _ = run_cli(["analyze", tmp_path / "bad" / "m.csv", "--out", tmp_path / "out", "--workers", "1",
                          "--no-progress"], capsys)
    assert code == 1
    code, _, err = run_cli(["compare", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, 1, "every trial")


def test_compare_ignores_text_columns(tmp_path, capsys):
    """Empty grf/static/error columns read from CSV are text, never metrics."""
    table = pd.DataFrame({"trial_id": list("abcdef"), "path": [f"{c}.c3d" for c in "abcdef"],
                          "grf": [""] * 6, "static": [""] * 6, "subject": list("abcdef"),
                          "group": ["x"] * 3 + ["y"] * 3, "cadence_steps_per_min": [170.0, 172, 174, 160, 163, 165],
                          "flags": [""] * 6, "error": [""] * 6})
    (tmp_path / "out").mkdir()
    table.to_csv(tmp_path / "out" / "factors.csv", index=False)
    code, out, err = run_cli(["compare", tmp_path / "out"], capsys)
    assert code == 0, err
    result = pd.read_csv(tmp_path / "out" / "compare_group.csv")
    assert list(result["metric"]) == ["cadence_steps_per_min"]


@pytest.mark.parametrize("command", [["demo", "--out", "{tmp}/demo"]])
def test_missing_matplotlib_names_the_extra(tmp_path, command):
    code = ("import sys; sys.modules['matplotlib'] = None; from gaitcore.cli import main; "
            f"sys.exit(main({[c.format(tmp=tmp_path) for c in command]!r}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert_one_line_error(proc.returncode, proc.stderr, 1, 'pip install "gaitcore[plot]"')


def test_plot_without_matplotlib_names_the_extra(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None; import gaitcore.plot as p\n"
            "try:\n    p.angle_curves(None)\nexcept ModuleNotFoundError as e:\n    print(e)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert 'pip install "gaitcore[plot]"' in proc.stdout, proc.stderr
