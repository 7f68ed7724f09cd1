"""Build gaitcore._core from the pure-C core (csrc/core) and its Python glue.

GSL is found through pkg-config, else gsl-config.  Set GAITCORE_SANITIZE=1 to build
with AddressSanitizer and UndefinedBehaviorSanitizer (used by `make sanitize`).
"""
import glob
import os
import shutil
import subprocess
import sys

import numpy
from setuptools import Extension, setup


def _run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()


def gsl_flags():
    """(cflags, libs) for GSL, or a clear stop naming the package to install."""
    if shutil.which("pkg-config"):
        try:
            return _run(["pkg-config", "--cflags", "gsl"]), _run(["pkg-config", "--libs", "gsl"])
        except subprocess.CalledProcessError:
            pass
    if shutil.which("gsl-config"):
        return _run(["gsl-config", "--cflags"]), _run(["gsl-config", "--libs"])
    sys.exit(
        "gaitcore needs the GNU Scientific Library (GSL) development files, and neither\n"
        "`pkg-config gsl` nor `gsl-config` found them. Install them first:\n"
        "  Debian/Ubuntu: sudo apt-get install libgsl-dev pkg-config\n"
        "  Fedora:        sudo dnf install gsl-devel\n"
        "  macOS:         brew install gsl\n"
        "  conda:         conda install -c conda-forge gsl"
    )


cflags, libs = gsl_flags()
compile_args = ["-std=c11", "-O3", "-Wall", "-Wextra", "-pthread"] + cflags  # pthread: gc_glm permutations
link_args = list(libs) + ["-pthread"]
if os.environ.get("GAITCORE_SANITIZE") == "1":
    san = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g", "-O1"]
    compile_args += san
    link_args += san

core = Extension(
    "gaitcore._core",
    sources=sorted(glob.glob("csrc/core/*.c")) + ["csrc/_coremodule.c", "csrc/_glm_glue.c"],
    depends=sorted(glob.glob("csrc/core/*.h")) + ["csrc/_glue.h"],
    include_dirs=["csrc", numpy.get_include()],
    extra_compile_args=compile_args,
    extra_link_args=link_args,
)

setup(
    ext_modules=[core],
    data_files=[("share/gaitcore/datasets",
                 sorted(f for f in glob.glob("datasets/*") if os.path.isfile(f)))],
)
