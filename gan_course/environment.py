"""Lesson 00's environment check: library versions, the device, and whether the embedded data load."""

from __future__ import annotations

import platform
import warnings
from importlib import metadata

import torch

from gan_course import config, data
from gan_course.device import describe_device, get_device

LIBRARIES = ("torch", "torchvision", "numpy", "matplotlib", "ipywidgets", "tqdm", "mlxtend", "scikit-learn",
             "torchmetrics", "gan-course")


class EnvironmentProblem(RuntimeError):
    """Something the course needs is missing or broken on this machine."""


def versions() -> dict[str, str]:
    """Installed version of Python and of each library the course uses ("missing" if absent)."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def check_embedded_data() -> str:
    """Load the offline datasets and verify their shapes and ranges; one deterministic summary line."""
    with warnings.catch_warnings():  # a library's deprecation notice must not change this line's output
        warnings.simplefilter("ignore")
        train, train_labels = data.load_mnist("train")
        test, test_labels = data.load_mnist("test")
    problems = []
    if tuple(train.shape) != (4500, 1, 28, 28) or tuple(test.shape) != (500, 1, 28, 28):
        problems.append(f"expected MNIST splits (4500, 1, 28, 28) and (500, 1, 28, 28), got {tuple(train.shape)} and {tuple(test.shape)}")
    if train.min() < -1 or train.max() > 1:
        problems.append(f"expected MNIST pixels in [-1, 1], got [{train.min():.2f}, {train.max():.2f}]")
    if torch.bincount(test_labels, minlength=10).tolist() != [50] * 10:
        problems.append(f"expected 50 held-out images per digit, got {torch.bincount(test_labels).tolist()}")
    ring, grid = data.ring(), data.grid()
    if problems:
        raise EnvironmentProblem("; ".join(problems) + ". Reinstall with `make lab` (or pip install -r requirements.txt).")
    return (f"embedded MNIST: {len(train)} training + {len(test)} held-out digits, "
            f"{len(torch.unique(train_labels))} classes, pixels in [-1, 1]; "
            f"2-D mixtures: {ring.n_modes}-mode ring, {grid.n_modes}-mode grid")


def report() -> dict[str, object]:
    """Everything lesson 00 prints: versions, device, mode and the data check."""
    found = versions()
    missing = [name for name, version in found.items() if version == "missing"]
    return {"versions": found, "device": describe_device(get_device()), "mode": config.mode(),
            "missing": missing, "data": check_embedded_data()}
