# gan-course: `make lab` opens the course, `make test` runs every test. Both install what they need into .venv,
# with the versions pinned in constraints.txt (the ones CI passed with).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODE   ?= class
SEEDS  ?= 0
LESSONS ?=
BENCH_OUT ?=
LAB_ARGS ?=
# Optional: a PyTorch wheel index, e.g. https://download.pytorch.org/whl/cpu for a small CPU-only install.
TORCH_INDEX ?=
# JupyterLab refuses to run as root (containers, Colab-like VMs) unless told it may.
ROOT_FLAG := $(shell [ "$$(id -u 2>/dev/null)" = "0" ] && echo --allow-root)

.PHONY: help install lab test test-browser chromium test-latest exercises benchmark mutants site lock clean

help:
	@echo "make lab          install (first time) and open the course in JupyterLab"
	@echo "make test         install (first time) and run all tests (unit, checks, sync, nbval in quick mode, browser)"
	@echo "make test-browser every lesson in JupyterLab in headless Chromium: opened, run in quick mode, screenshots"
	@echo "                  in tests/browser/screenshots/ (needs the system's Chromium: 'make chromium' as root)"
	@echo "make exercises    regenerate notebooks/ from solutions/ (never overwrites your edits)"
	@echo "make benchmark    run every solution in class mode, refresh solutions' outputs and benchmarks/RESULTS.md"
	@echo "                  (MODE=full, SEEDS=0,1,2, LESSONS=01,02 to choose; a run replaces only its seeds' rows;"
	@echo "                  BENCH_OUT=/tmp/run writes everything there instead, for benchmarks/compare.py)"
	@echo "make mutants      run the mutation harness on every exercise's check, record the catch rates in benchmarks/"
	@echo "make site         the course as a static website in _site/ (from solutions/ and their outputs; offline)"
	@echo "make test-latest  run the tests against the newest releases (in .venv-latest)"
	@echo "make lock         re-resolve requirements.txt and rewrite constraints.txt (on purpose only)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "the pinned versions in constraints.txt need Python 3.11 or newer, got " + sys.version.split()[0])'
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "error: '$(PYTHON) -m venv' failed: Python's venv module is missing."; \
	  echo "  On Debian/Ubuntu: sudo apt install python3-venv   (then run make again)"; exit 1; }

$(STAMP): $(BIN)/python requirements.txt constraints.txt pyproject.toml
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install --quiet -c constraints.txt torch torchvision --index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements.txt -e .
	@touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks $(ROOT_FLAG) $(LAB_ARGS)

test: $(STAMP) chromium
	GAN_COURSE_MODE=quick $(BIN)/python -m pytest

test-browser: $(STAMP) chromium
	GAN_COURSE_MODE=quick $(BIN)/python -m pytest tests/browser

# The browser tests drive the system's Chromium through Playwright, never a downloaded browser build. Install it where
# we can (root with apt-get: CI, containers); else say how. Without it the browser tests are skipped (they fail in CI).
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing the system's Chromium for the browser tests: apt-get install -y chromium"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	    || echo "warning: apt-get could not install chromium; the browser tests will be skipped (they fail in CI)"; \
	else echo "note: no Chromium, so the browser tests will be skipped: install it with 'sudo apt-get install chromium' (Debian/Ubuntu) or your system's chromium package"; fi

exercises: $(STAMP)
	$(BIN)/gan-course exercises

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py --mode "$(MODE)" --seeds "$(SEEDS)" --lessons "$(LESSONS)" --out "$(BENCH_OUT)"
	$(BIN)/gan-course exercises  # the run rewrote the solutions' outputs and Time lines: keep the student versions in step

mutants: $(STAMP)
	$(BIN)/python benchmarks/mutation.py

# The course as a website, from solutions/ and their stored outputs: nothing runs, nothing is downloaded.
site: $(STAMP)
	$(BIN)/python -m gan_course.course.site --out _site

test-latest: chromium
	@[ -x .venv-latest/bin/python ] || $(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade -r requirements.txt -e .
	GAN_COURSE_MODE=quick .venv-latest/bin/python -m pytest

lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet -r requirements.txt
	{ echo "# Pinned versions that CI passed with; refresh on purpose with 'make lock', then run 'make test'."; \
	  .venv-lock/bin/python -m pip freeze --all --exclude-editable | grep -v -e '^gan-course' -e '^pip=='; } > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .venv-latest .venv-lock *.egg-info
