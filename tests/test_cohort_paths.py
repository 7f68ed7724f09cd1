"""Broken paths given to analyze_cohort: clear errors naming the argument or path, never a
traceback from pathlib (Path.resolve raises RuntimeError on a symbolic-link loop)."""
from __future__ import annotations

import os
import shutil

import pytest

import gaitcore
from gaitcore import cohort
from gaitcore._errors import InputError, InputTypeError

WALK = gaitcore.datasets.path("walk.c3d")


@pytest.fixture
def loop(tmp_path):
    link = tmp_path / "loop.trc"
    os.symlink(link, link)  # points at itself: Path.resolve() raises RuntimeError
    return link


@pytest.fixture
def one_trial(tmp_path):
    folder = tmp_path / "lab"
    folder.mkdir()
    shutil.copy(WALK, folder / "run.c3d")
    return folder


@pytest.mark.parametrize("argument", ["static", "grf"])
def test_default_file_that_is_a_link_loop_is_an_error_naming_the_argument(one_trial, loop, argument):
    with pytest.raises(InputError, match=rf"{argument}={str(loop)!r}: symbolic link loop"):
        gaitcore.analyze_cohort(one_trial, progress=False, **{argument: loop})


def test_default_file_broken_or_missing_or_not_a_path(one_trial, tmp_path):
    dangling = tmp_path / "gone.trc"
    os.symlink(tmp_path / "nowhere.trc", dangling)
    with pytest.raises(InputError, match=r"static=.*gone.trc.*dangling symbolic link"):
        gaitcore.analyze_cohort(one_trial, progress=False, static=dangling)
    with pytest.raises(FileNotFoundError, match=r"static=.*missing.trc.*no such file"):
        gaitcore.analyze_cohort(one_trial, progress=False, static=tmp_path / "missing.trc")
    with pytest.raises(InputError, match=r"grf=.*a directory"):
        gaitcore.analyze_cohort(one_trial, progress=False, grf=tmp_path)
    with pytest.raises(InputTypeError, match="static must be a path .*got int"):
        gaitcore.analyze_cohort(one_trial, progress=False, static=5)


def test_manifest_that_is_a_link_loop_is_named(loop):
    with pytest.raises(InputError, match=r"loop.trc: symbolic link loop"):
        cohort.load_manifest(loop)


def test_link_loop_in_a_lab_folder_gets_its_row(one_trial):
    os.symlink(one_trial / "self.c3d", one_trial / "self.c3d")
    table = cohort.load_manifest(one_trial)
    assert sorted(os.path.basename(p) for p in table["path"]) == ["run.c3d", "self.c3d"]
    problems = cohort._unreadable_entries(table)
    assert [r["error"] for r in problems.values()] == [
        f"InputError: not analysed: path {one_trial / 'self.c3d'}: symbolic link loop"]


def test_linked_subject_folders_are_scanned_once_and_link_loops_not_followed(tmp_path, one_trial):
    elsewhere = tmp_path / "storage" / "S02"
    elsewhere.mkdir(parents=True)
    shutil.copy(WALK, elsewhere / "run.c3d")
    os.symlink(elsewhere, one_trial / "S02")  # labs link subjects in from other disks
    os.symlink(one_trial, elsewhere / "back_to_lab")  # a loop through the link
    os.symlink(elsewhere, one_trial / "S02_again")  # the same folder twice: scanned once
    table = cohort.load_manifest(one_trial)
    assert [os.path.relpath(p, one_trial) for p in table["path"]] == ["run.c3d", "S02/run.c3d"]
    assert list(table["subject"]) == ["run", "S02"]


def test_unreadable_subfolder_is_an_error_naming_it(one_trial, monkeypatch):
    (one_trial / "S03").mkdir()
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "S03":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)  # the tests run as root: chmod 000 would not stop it
    with pytest.raises(InputError, match=r"S03 cannot be read \(Permission denied\)"):
        cohort.load_manifest(one_trial)


def test_cli_static_link_loop_is_a_one_line_usage_error(one_trial, loop, tmp_path, capsys):
    from gaitcore.cli import main

    code = main(["analyze", str(one_trial), "--out", str(tmp_path / "out"), "--static", str(loop)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"--static {loop}: symbolic link loop" in err


def test_out_folder_that_is_a_link_loop_or_a_file_is_named(one_trial, tmp_path):
    loop = tmp_path / "results"
    os.symlink(loop, loop)
    with pytest.raises(InputError, match=r"out=.*results.*: symbolic link loop"):
        gaitcore.analyze_cohort(one_trial, progress=False, out=loop)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(InputError, match=r"out=.*file.txt.*: not a folder"):
        gaitcore.analyze_cohort(one_trial, progress=False, out=tmp_path / "file.txt")


def test_path_with_a_nul_byte_is_named_not_a_bare_valueerror(one_trial):
    """os.stat raises ValueError (not OSError) for a NUL byte: one bad manifest cell must not stop the batch."""
    table = gaitcore.analyze_cohort(cohort.pd.DataFrame({"path": ["a\x00b.c3d"]}), progress=False)
    assert table["error"][0].startswith("InputError: not analysed: path") and "NUL byte" in table["error"][0]
    with pytest.raises(InputError, match=r"static='x\\x00.trc': not a valid path \(it holds a NUL byte\)"):
        gaitcore.analyze_cohort(one_trial, progress=False, static="x\x00.trc")
    with pytest.raises(InputError, match=r"out=.*: not a valid path"):
        gaitcore.analyze_cohort(one_trial, progress=False, out="res\x00ults")


def test_readers_name_link_loops_dangling_links_and_nul_bytes(loop, tmp_path):
    """Path.exists() is False for all three: the reader said "no such file" for each."""
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        gaitcore.read_trial(loop)
    dangling = tmp_path / "gone.c3d"
    os.symlink(tmp_path / "nowhere.c3d", dangling)
    with pytest.raises(FileNotFoundError, match="gone.c3d: dangling symbolic link"):
        gaitcore.read_trial(dangling)
    with pytest.raises(InputError, match=r"'a\\x00b.c3d': not a valid path"):
        gaitcore.read_trial("a\x00b.c3d")
