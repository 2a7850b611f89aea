"""Compute mode, per-lesson budgets, seeds and paths: the only module that reads the environment.

Modes (``GAN_COURSE_MODE``):
  quick  seconds per notebook; proves every code path runs (CI, nbval); says nothing about quality.
  class  the default; minutes on 2 CPU cores, no GPU, no network; the lessons' quality bars hold here.
  full   longer runs and full datasets, for a GPU and a network.

Budgets are step counts and data sizes, never wall-clock limits, so a seed always gives the same run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping

MODES = ("quick", "class", "full")
DEFAULT_MODE = "class"

# The one place the repository's address lives: Colab badges and setup cells must use it (a test checks).
REPO_URL = "https://github.com/gan-course/gan-course"
REPO_BRANCH = "main"


def colab_url(notebook: str) -> str:
    """The Colab link of a student notebook, e.g. ``colab_url("01_vanilla_gan.ipynb")``."""
    path = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{path}/blob/{REPO_BRANCH}/notebooks/{notebook}"


def pip_install_target() -> str:
    """What a Colab setup cell installs: the package straight from the repository."""
    return f"gan-course @ git+{REPO_URL}@{REPO_BRANCH}"

# Per-lesson budgets. Each mode lists the same keys so a notebook never branches on the mode.
BUDGETS: dict[str, dict[str, dict[str, int | float]]] = {
    "00_gans_in_context": {
        "quick": {},
        "class": {},
        "full": {},
    },
    "01_vanilla_gan": {
        # toy_steps: the 1-D warm-up GAN; steps/batch_size: the MNIST MLP GAN; every: live-figure period.
        "quick": {"toy_steps": 60, "steps": 30, "batch_size": 64, "every": 10, "n_train": 512},
        "class": {"toy_steps": 1500, "steps": 5000, "batch_size": 64, "every": 500, "n_train": 4500},
        "full": {"toy_steps": 3000, "steps": 30000, "batch_size": 128, "every": 2000, "n_train": 60000},
    },
    "02_dcgan": {
        # steps: the main run and the plain DCGAN's long run; ablation_steps: each rung of the fixes ladder (the
        # plain DCGAN's and the main run's snapshots, and four short runs); mlp_steps: the lesson 01 MLP at about
        # the plain rung's cost; n_eval: samples behind each metric. Class mode: batch 128 because at 32 a CPU step
        # is mostly overhead (benchmarks/throughput.py: 25 % more images per second at 128 on 2 cores); the main
        # recipe at 128 x 3,000 reached FID 50 where batch 32 x 3,800 reached 90 (benchmarks/dcgan_recipes.json);
        # 2,800 steps and rungs of 500 keep the lesson near 7 minutes (at 3,000 and 600 it took 460-477 s).
        "quick": {"steps": 30, "ablation_steps": 10, "mlp_steps": 10, "batch_size": 32, "every": 10, "n_eval": 200},
        "class": {"steps": 2800, "ablation_steps": 500, "mlp_steps": 1200, "batch_size": 128, "every": 200,
                  "n_eval": 2000},
        "full": {"steps": 12000, "ablation_steps": 3000, "mlp_steps": 6000, "batch_size": 128, "every": 1000,
                 "n_eval": 2000},  # at most 2,000: FID's floor needs as many real digits kept out of its reference
    },
    "03_mode_collapse": {
        # n_seeds: models per table row, trained together; ring_steps/grid_steps: discriminator updates per table
        # cell; n_eval: 2-D samples behind each metric (2,500, as in PacGAN and VEEGAN); mnist_steps: each MNIST run.
        # full: batch 512 because at 256 the best recipe stopped at 24.6/25 grid modes, 88 % high quality (5 seeds);
        # at 512 it reached 25/25, 90.0 %. Full mode is sized for a GPU: on 2 CPU cores expect roughly 45 minutes.
        "quick": {"n_seeds": 2, "ring_steps": 20, "grid_steps": 20, "batch_size": 256, "n_eval": 2500,
                  "mnist_steps": 10, "mnist_eval": 200},
        "class": {"n_seeds": 3, "ring_steps": 1500, "grid_steps": 5000, "batch_size": 256, "n_eval": 2500,
                  "mnist_steps": 3000, "mnist_eval": 2000},
        "full": {"n_seeds": 5, "ring_steps": 6000, "grid_steps": 20000, "batch_size": 512, "n_eval": 2500,
                 "mnist_steps": 6000, "mnist_eval": 2000},
    },
    "04_conditional_gan": {
        # steps: the main run (projection D, EMA of G); ablation_steps: the concatenation D, compared with the main
        # run at the same step (a multiple of every, the period of the main run's callback); n_eval: samples behind each metric (a multiple of 10: the same number per digit);
        # few_*: the augmentation study (per_class labelled digits, seeds, its cGAN's and classifiers' steps,
        # generated digits per class added to the real ones).
        "quick": {"steps": 20, "ablation_steps": 10, "batch_size": 16, "every": 10, "n_eval": 200,
                  "few_per_class": 20, "few_seeds": 3, "few_batch_size": 16, "few_gan_steps": 5, "few_classifier_steps": 5,
                  "few_synthetic_per_class": 10},
        "class": {"steps": 4000, "ablation_steps": 700, "batch_size": 64, "every": 100, "n_eval": 2000,
                  "few_per_class": 20, "few_seeds": 3, "few_batch_size": 32, "few_gan_steps": 600, "few_classifier_steps": 250,
                  "few_synthetic_per_class": 100},
        # full: n_eval at most 2,000, the real digits FID's floor is measured on
        "full": {"steps": 15000, "ablation_steps": 3000, "batch_size": 64, "every": 1000, "n_eval": 2000,
                 "few_per_class": 20, "few_seeds": 5, "few_batch_size": 32, "few_gan_steps": 3000, "few_classifier_steps": 1000,
                 "few_synthetic_per_class": 200},
    },
    "05_cyclegan": {
        # steps/batch_size: the main run (a batch of A and one of B per step); ablation_steps: each ablation run, and
        # the step at which the main run is measured beside them; channels/n_blocks: both generators' width and
        # residual blocks and stride-2 steps (D uses the same width); reader_steps: the UCI-digits classifier;
        # second_reader_steps: each independent second reader (one per domain, 32 channels, slant-robust augmentation);
        # n_a2b/n_b2a: MNIST and UCI digits translated and judged; photo_steps/photo_limit: the optional horse2zebra run (full mode, needs a network).
        "quick": {"steps": 10, "ablation_steps": 5, "batch_size": 8, "every": 5, "channels": 4, "n_blocks": 1, "n_down": 1,
                  "cycle_weight": 10.0, "identity_weight": 5.0, "reader_steps": 10, "second_reader_steps": 10, "n_a2b": 200, "n_b2a": 200,
                  "photo_steps": 0, "photo_limit": 0},
        "class": {"steps": 800, "ablation_steps": 200, "batch_size": 32, "every": 100, "channels": 16, "n_blocks": 2, "n_down": 1,
                  "cycle_weight": 10.0, "identity_weight": 5.0, "reader_steps": 1500, "second_reader_steps": 1000, "n_a2b": 2000, "n_b2a": 1797,
                  "photo_steps": 0, "photo_limit": 0},
        "full": {"steps": 6000, "ablation_steps": 2000, "batch_size": 32, "every": 500, "channels": 32, "n_blocks": 3, "n_down": 2,
                 "cycle_weight": 10.0, "identity_weight": 5.0, "reader_steps": 3000, "second_reader_steps": 3000, "n_a2b": 2000, "n_b2a": 1797,
                 "photo_steps": 3000, "photo_limit": 400},
    },
    "06_gan_clinic": {
        # warm_steps: the healthy patient every drill starts from (lesson 01's MLP GAN); drill_steps: each broken and
        # each fixed run, from the patient's weights; every: live-figure period; n_eval: samples behind coverage.
        "quick": {"warm_steps": 40, "drill_steps": 20, "batch_size": 64, "every": 20, "n_eval": 200},
        "class": {"warm_steps": 3000, "drill_steps": 1000, "batch_size": 64, "every": 500, "n_eval": 2000},
        "full": {"warm_steps": 10000, "drill_steps": 3000, "batch_size": 64, "every": 1000, "n_eval": 5000},
    },
}


class ConfigError(ValueError):
    """A setting (environment variable or argument) has a value the course does not accept."""


def mode() -> str:
    """The compute mode from ``GAN_COURSE_MODE`` (default ``class``)."""
    value = os.environ.get("GAN_COURSE_MODE", DEFAULT_MODE).strip().lower() or DEFAULT_MODE
    if value not in MODES:
        raise ConfigError(f"expected GAN_COURSE_MODE to be one of {', '.join(MODES)}, got {value!r}")
    return value


def seed() -> int:
    """The run's seed from ``GAN_COURSE_SEED`` (default 0); the benchmark sets it to repeat a lesson."""
    raw = os.environ.get("GAN_COURSE_SEED", "0")
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"expected GAN_COURSE_SEED to be a non-negative integer, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"expected GAN_COURSE_SEED to be a non-negative integer, got {value}")
    return value


def budget(lesson: str, mode_name: str | None = None) -> dict[str, int | float]:
    """The step counts and data sizes lesson ``lesson`` (e.g. ``"01_vanilla_gan"``) uses in a mode."""
    if lesson not in BUDGETS:
        raise ConfigError(f"expected a lesson in {sorted(BUDGETS)}, got {lesson!r}")
    mode_name = mode() if mode_name is None else mode_name
    if mode_name not in MODES:
        raise ConfigError(f"expected a mode in {MODES}, got {mode_name!r}")
    return dict(BUDGETS[lesson][mode_name])


def describe(lesson: str) -> str:
    """One line a notebook prints so a reader knows which mode and budget produced its figures."""
    items = ", ".join(f"{k}={v}" for k, v in budget(lesson).items()) or "no training"
    return f"mode={mode()} seed={seed()} | budget: {items}"


def cache_dir() -> Path:
    """Where checkpoints and downloads go (``GAN_COURSE_CACHE``, default ``~/.cache/gan-course``)."""
    path = os.environ.get("GAN_COURSE_CACHE") or Path.home() / ".cache" / "gan-course"
    return Path(path).expanduser()


def results_dir() -> Path | None:
    """Where a benchmark run collects a notebook's metrics and samples (``GAN_COURSE_RESULTS``); None otherwise."""
    path = os.environ.get("GAN_COURSE_RESULTS")
    return Path(path) if path else None


def checkpoint_path(name: str) -> Path:
    """A checkpoint file for run ``name``, keyed by mode and seed so modes never resume each other."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")  # run names are prose; file names must be portable
    return cache_dir() / "checkpoints" / f"{safe}-{mode()}-seed{seed()}.pt"


def child_environment(mode: str | None = None, seed: int | None = None, cache: str | os.PathLike | None = None,
                      results: str | os.PathLike | None = None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process that runs the course (a notebook kernel, a grader's or a benchmark's):
    ``base`` (default: this process's environment) with the given settings; the others are inherited."""
    if mode is not None and mode not in MODES:
        raise ConfigError(f"expected a mode in {MODES}, got {mode!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ConfigError(f"expected the seed to be a non-negative integer, got {seed!r}")
    settings = {"GAN_COURSE_MODE": mode, "GAN_COURSE_SEED": seed, "GAN_COURSE_CACHE": cache,
                "GAN_COURSE_RESULTS": results}
    env = dict(os.environ if base is None else base)
    env.update({name: str(value) for name, value in settings.items() if value is not None})
    return env
