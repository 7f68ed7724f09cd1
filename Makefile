# gaitcore -- developer entry points.  Quick start: `make demo`, `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CC     ?= cc
CSTD   := -std=c11 -Wall -Wextra -Werror -pthread
CORE_SRC  := $(sort $(wildcard csrc/core/*.c))
CORE_HDR  := $(wildcard csrc/core/*.h)
CTEST_SRC := $(sort $(wildcard csrc/tests/test_*.c))
GSL_CFLAGS = $(shell pkg-config --cflags gsl 2>/dev/null || gsl-config --cflags)
GSL_LIBS   = $(shell pkg-config --libs gsl 2>/dev/null || gsl-config --libs)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g -O1

.PHONY: all demo test pytest ctest sanitize bench notebooks gsl chromium clean sdist-check fuzz
all: $(VENV)/.installed

# GSL's development files: apt-get when neither pkg-config nor gsl-config finds them.
gsl:
	@if pkg-config --exists gsl 2>/dev/null || command -v gsl-config >/dev/null 2>&1; then :; \
	else \
	  echo "GSL development files not found: installing libgsl-dev with apt-get"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO="sudo -n"; \
	  if command -v apt-get >/dev/null 2>&1 && $$SUDO true 2>/dev/null; then \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libgsl-dev pkg-config; \
	  else \
	    echo "Cannot run apt-get here. Install GSL yourself, then rerun make:"; \
	    echo "  conda install -c conda-forge gsl    (then: export PKG_CONFIG_PATH=\$$CONDA_PREFIX/lib/pkgconfig)"; \
	    echo "  brew install gsl                    (macOS)"; \
	    echo "  sudo dnf install gsl-devel          (Fedora)"; \
	    exit 1; \
	  fi; \
	fi

# Debian's chromium, the headless browser tests/test_report.py opens the HTML report with:
# apt-get when it is missing and apt-get can run; otherwise that one test is skipped.
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	else \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO="sudo -n"; \
	  if command -v apt-get >/dev/null 2>&1 && $$SUDO true 2>/dev/null; then \
	    echo "chromium not found: installing Debian's chromium with apt-get (for the HTML report test)"; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; \
	  else \
	    echo "chromium not found and apt-get cannot run: the browser test of the HTML report will be skipped"; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml setup.py | gsl
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "gaitcore needs Python >= 3.10")'
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip "setuptools>=77" wheel "numpy>=2"
	$(PY) -m pip install -q -e ".[test]"
	touch $@

# Rebuild the extension in place whenever the C sources change.
build/.ext: $(VENV)/.installed $(CORE_SRC) $(CORE_HDR) csrc/_coremodule.c csrc/_glm_glue.c csrc/_glue.h
	$(PY) setup.py -q build_ext --inplace
	@$(PY) -c 'import gaitcore._core'
	@mkdir -p build && touch $@

demo: build/.ext
	$(PY) -m gaitcore demo

test: build/.ext ctest | chromium
	$(PY) -m pytest -q

pytest: build/.ext
	$(PY) -m pytest -q

# ---- the C core alone: libgaitcore.a and the C unit tests (no Python) --------
build/c/%.o: csrc/core/%.c $(CORE_HDR) | gsl
	@mkdir -p build/c
	$(CC) $(CSTD) -O2 $(GSL_CFLAGS) -c $< -o $@

build/libgaitcore.a: $(patsubst csrc/core/%.c,build/c/%.o,$(CORE_SRC))
	ar rcs $@ $^

build/ctest/%: csrc/tests/%.c build/libgaitcore.a csrc/tests/gc_test.h
	@mkdir -p build/ctest
	$(CC) $(CSTD) -O2 -Icsrc $(GSL_CFLAGS) $< build/libgaitcore.a $(GSL_LIBS) -lm -o $@

ctest: $(patsubst csrc/tests/%.c,build/ctest/%,$(CTEST_SRC))
	@set -e; for t in $^; do ./$$t; done

# ---- AddressSanitizer + UBSan: the C tests and the pytest suite ---------------
build/asan/ctest/%: csrc/tests/%.c $(CORE_SRC) $(CORE_HDR) csrc/tests/gc_test.h | gsl
	@mkdir -p build/asan/ctest
	$(CC) $(CSTD) $(SAN_FLAGS) -Icsrc $(GSL_CFLAGS) $< $(CORE_SRC) $(GSL_LIBS) -lm -o $@

sanitize: $(patsubst csrc/tests/%.c,build/asan/ctest/%,$(CTEST_SRC)) $(VENV)/.installed
	@set -e; for t in $(patsubst csrc/tests/%.c,build/asan/ctest/%,$(CTEST_SRC)); do ./$$t; done
	rm -rf build/asan/lib && mkdir -p build/asan/lib
	GAITCORE_SANITIZE=1 $(PY) setup.py -q build_ext --build-lib build/asan/lib --build-temp build/asan/tmp --force
	tar -C gaitcore --exclude='*.so' --exclude=__pycache__ -cf - . | tar -C build/asan/lib/gaitcore -xf -
	@# alloc_dealloc_mismatch=0: ezc3d 1.7.2 (a test reference, C++) frees new[] blocks with free() when it
	@# hands arrays to NumPy; gaitcore is C only (malloc/free), so the check can only ever see ezc3d's bug.
	PYTHONPATH=$(CURDIR)/build/asan/lib GAITCORE_DATA=$(CURDIR)/datasets GAITCORE_EXPECT_SANITIZED=1 \
	LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:alloc_dealloc_mismatch=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(VENV)/bin/pytest -q -p no:cacheprovider -m "not slow"

# Executed copies of the notebooks (outputs and figures) in notebooks/executed/ (git-ignored).
notebooks: build/.ext
	@mkdir -p notebooks/executed
	@MPLBACKEND=Agg $(PY) -c 'import sys, nbformat, nbclient; \
	[nbformat.write(nbclient.NotebookClient(nbformat.read(p, as_version=4), timeout=600, kernel_name="python3", \
	  resources={"metadata": {"path": "notebooks"}}).execute(), "notebooks/executed/" + p.split("/")[-1]) \
	 or print("executed", p) for p in sys.argv[1:]]' $(sort $(wildcard notebooks/*.ipynb))

# The source distribution builds, installs into a fresh venv (dependencies from PyPI) and imports,
# from outside the source tree, with its data; run by CI (.ci/run).
SDIST_DIR := build/sdist
sdist-check: $(VENV)/.installed
	rm -rf $(SDIST_DIR) && mkdir -p $(SDIST_DIR)
	$(PY) -m build --sdist --no-isolation --outdir $(SDIST_DIR) . > $(SDIST_DIR)/build.log
	$(PYTHON) -m venv $(SDIST_DIR)/venv
	$(SDIST_DIR)/venv/bin/python -m pip install -q $(SDIST_DIR)/gaitcore-*.tar.gz
	cd $(SDIST_DIR) && venv/bin/python -c 'import gaitcore, gaitcore._core, gaitcore.markersets; \
	  from gaitcore import datasets; assert "site-packages" in gaitcore.__file__, gaitcore.__file__; \
	  r = gaitcore.analyze_trial(datasets.path("Rajagopal_motion_capture_run.trc"), grf=datasets.path("Rajagopal_grf_run.mot")); \
	  print("sdist installed:", gaitcore.__file__, "cadence", round(r.factors["cadence_steps_per_min"], 1))'
	$(SDIST_DIR)/venv/bin/gaitcore --version

# Fuzzing: mutated bundled files through the public readers and bad arguments through the public
# functions, each case in a worker process with a time limit (tests/fuzz/).  A short run with a
# fixed seed is part of `make test` (tests/test_fuzz.py); failing cases are saved, minimised,
# to tests/fuzz/corpus/ and replayed by the tests.
FUZZ_CASES ?= 100000
FUZZ_SEED  ?= 1
FUZZ_JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
fuzz: build/.ext
	$(PY) tests/fuzz/run.py --cases $(FUZZ_CASES) --seed $(FUZZ_SEED) --jobs $(FUZZ_JOBS)

bench: build/.ext
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b; done

clean:
	rm -rf build gaitcore/_core*.so *.egg-info
