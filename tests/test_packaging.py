"""The source distribution holds everything a build from it needs (issue 14: the sdist did not
build because csrc/core/gaitcore.h was not packaged).  The full check -- build, install into a
fresh venv, import -- is `make sdist-check`, run by CI (.ci/run)."""
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("build")


@pytest.fixture(scope="module")
def sdist_names(tmp_path_factory):
    out = tmp_path_factory.mktemp("sdist")
    proc = subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (archive,) = out.glob("gaitcore-*.tar.gz")
    with tarfile.open(archive) as tar:
        return {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}


def test_sdist_has_every_c_source_and_header(sdist_names):
    wanted = {p.relative_to(ROOT).as_posix() for p in (ROOT / "csrc").rglob("*") if p.suffix in (".c", ".h")}
    assert "csrc/core/gaitcore.h" in wanted
    assert wanted <= sdist_names, sorted(wanted - sdist_names)


def test_sdist_has_package_data_docs_and_datasets(sdist_names):
    package = {p.relative_to(ROOT).as_posix() for p in (ROOT / "gaitcore").rglob("*")
               if p.suffix in (".py", ".pyi", ".toml") or p.name == "py.typed"}
    package = {p for p in package if "__pycache__" not in p}
    assert package <= sdist_names, sorted(package - sdist_names)
    data = {p.relative_to(ROOT).as_posix() for p in (ROOT / "datasets").iterdir() if p.is_file()}
    assert data <= sdist_names
    assert {"docs/methods.md", "README.md", "LICENSE", "setup.py", "pyproject.toml"} <= sdist_names
    assert not any(name.endswith((".so", ".o")) for name in sdist_names)
