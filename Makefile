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

.PHONY: help install lab test test-latest exercises benchmark mutants lock clean

help:
	@echo "make lab          install (first time) and open the course in JupyterLab"
	@echo "make test         install (first time) and run all tests (unit, checks, sync, nbval in quick mode)"
	@echo "make exercises    regenerate notebooks/ from solutions/ (never overwrites your edits)"
	@echo "make benchmark    run every solution in class mode, refresh solutions' outputs and benchmarks/RESULTS.md"
	@echo "                  (MODE=full, SEEDS=0,1,2, LESSONS=01,02 to choose; a run replaces only its seeds' rows;"
	@echo "                  BENCH_OUT=/tmp/run writes everything there instead, for benchmarks/compare.py)"
	@echo "make mutants      run the mutation harness on every exercise's check, record the catch rates in benchmarks/"
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

test: $(STAMP)
	GAN_COURSE_MODE=quick $(BIN)/python -m pytest

exercises: $(STAMP)
	$(BIN)/gan-course exercises

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py --mode "$(MODE)" --seeds "$(SEEDS)" --lessons "$(LESSONS)" --out "$(BENCH_OUT)"
	$(BIN)/gan-course exercises  # the run rewrote the solutions' outputs and Time lines: keep the student versions in step

mutants: $(STAMP)
	$(BIN)/python benchmarks/mutation.py

test-latest:
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
