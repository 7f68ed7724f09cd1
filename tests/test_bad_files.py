"""Bad input: every case raises the documented exception, naming the path, and never crashes."""
from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from gaitcore._errors import FormatError
from gaitcore.io import read_c3d, read_mot, read_trc, read_trial


@pytest.mark.parametrize("reader", [read_c3d, read_trc, read_mot, read_trial])
def test_missing_file(tmp_path, reader):
    path = tmp_path / "absent.c3d"
    with pytest.raises(FileNotFoundError, match="absent.c3d"):
        reader(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.c3d"
    path.write_bytes(b"")
    with pytest.raises(FormatError, match="empty.c3d"):
        read_trial(path)


@pytest.mark.parametrize("fraction", [0.0005, 0.002, 0.01, 0.5, 0.999])
def test_truncated_c3d(tmp_path, walk_c3d, fraction):
    raw = walk_c3d.read_bytes()
    path = tmp_path / "cut.c3d"
    path.write_bytes(raw[: int(len(raw) * fraction)])
    with pytest.raises(FormatError, match="cut.c3d"):
        read_c3d(path)


def test_corrupt_magic_byte(tmp_path, running_c3d):
    raw = bytearray(running_c3d.read_bytes())
    raw[1] = 0x00
    path = tmp_path / "corrupt.c3d"
    path.write_bytes(bytes(raw))
    with pytest.raises(FormatError, match="corrupt.c3d"):
        read_c3d(path)


def test_corrupt_processor_byte(tmp_path, running_c3d):
    raw = bytearray(running_c3d.read_bytes())
    raw[512 * (raw[0] - 1) + 3] = 99
    path = tmp_path / "proc.c3d"
    path.write_bytes(bytes(raw))
    with pytest.raises(FormatError, match="proc.c3d"):
        read_c3d(path)


def test_wrong_extension(tmp_path):
    path = tmp_path / "trial.xyz"
    path.write_text("hello")
    with pytest.raises(ValueError, match="trial.xyz"):
        read_trial(path)


def test_text_file_named_c3d(tmp_path):
    path = tmp_path / "notes.c3d"
    path.write_text("this is not a C3D file\n" * 100)
    with pytest.raises(FormatError, match="notes.c3d"):
        read_trial(path)


def test_malformed_trc_values(tmp_path, rajagopal_trc):
    lines = rajagopal_trc.read_text().splitlines()
    lines[8] = lines[8].replace("\t", "\tabc", 1)
    path = tmp_path / "bad.trc"
    path.write_text("\n".join(lines))
    with pytest.raises(FormatError, match="bad.trc"):
        read_trc(path)


def test_malformed_trc_header(tmp_path):
    path = tmp_path / "head.trc"
    path.write_text("garbage\n1\t2\n")
    with pytest.raises(FormatError, match="head.trc"):
        read_trial(path)


def test_mot_without_endheader(tmp_path):
    path = tmp_path / "grf.mot"
    path.write_text("time\tx\n0\t1\n")
    with pytest.raises(FormatError, match="grf.mot"):
        read_mot(path)


def test_grf_not_covering_markers(tmp_path, rajagopal_trc):
    path = tmp_path / "short.mot"
    rows = "\n".join(f"{1 + i / 1000:.3f}\t0\t700\t0\t0\t0\t0" for i in range(50))
    path.write_text("name\nendheader\ntime\tground_force_vx\tground_force_vy\tground_force_vz\t"
                    f"ground_force_px\tground_force_py\tground_force_pz\n{rows}\n")
    with pytest.raises(ValueError, match="short.mot"):
        read_trial(rajagopal_trc, grf=path)


_FUZZ = r"""
import sys
from gaitcore._errors import FormatError
from gaitcore.io import read_trial
for p in sys.argv[1:]:
    try:
        read_trial(p)
    except FormatError as e:
        assert p in str(e), e
"""


def _run_fuzz(tmp_path, paths):
    """Read every file in a subprocess: a crash (segfault, abort) fails, not only an exception."""
    repo = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")]),
               PYTHONWARNINGS="ignore")
    done = subprocess.run([sys.executable, "-c", _FUZZ, *paths], capture_output=True, text=True, timeout=600,
                          cwd=repo, env=env)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("name", ["Running_0002.c3d", "c3d-formats/ezc3d_read_NOTworking2.c3d",
                                  "c3d-formats/ezc3d_Kistler.c3d"])
def test_fuzz_truncation_and_flips_never_crash(tmp_path, data_dir, name):
    """Truncations and random byte flips (header, parameters, first data block) of a float, a DEC
    integer and an integer Kistler file: FormatError naming the file or a clean read, never a crash."""
    raw = (data_dir / name).read_bytes()
    rng = random.Random(0)
    paths = []
    for i, n in enumerate(rng.sample(range(len(raw)), 25) + [0, 1, 511, 512, 513, 1024]):
        p = tmp_path / f"t{i}.c3d"
        p.write_bytes(raw[:n])
        paths.append(str(p))
    params_end = 512 * (raw[0] - 1 + raw[512 * (raw[0] - 1) + 2])
    for i in range(40):
        b = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(min(params_end + 512, len(raw)))] = rng.randrange(256)
        p = tmp_path / f"f{i}.c3d"
        p.write_bytes(bytes(b))
        paths.append(str(p))
    _run_fuzz(tmp_path, paths)


@pytest.mark.parametrize("name", ["Rajagopal_motion_capture_run.trc", "Rajagopal_grf_run.mot"])
def test_fuzz_text_files_never_crash(tmp_path, data_dir, name):
    """TRC/MOT truncated, with bytes flipped, tabs and digits inserted: FormatError or a read."""
    raw = (data_dir / name).read_bytes()
    rng = random.Random(1)
    paths = []
    alphabet = b"\t\n\r 0123456789.-+eE\x00\xffnaNinf"
    for i in range(30):
        b = bytearray(raw[: rng.randrange(len(raw))] if i % 3 == 0 else raw)
        for _ in range(rng.randint(1, 20)):
            at = rng.randrange(max(len(b), 1))
            b[at:at + 1] = bytes([alphabet[rng.randrange(len(alphabet))]]) * rng.randint(1, 3)
        p = tmp_path / f"f{i}{Path(name).suffix}"
        p.write_bytes(bytes(b))
        paths.append(str(p))
    _run_fuzz(tmp_path, paths)
