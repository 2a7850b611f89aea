"""Hand a notebook's measured results to the benchmark harness (a no-op outside a benchmark run).

``benchmarks/run.py`` sets ``GAN_COURSE_RESULTS``; ``config.results_dir()`` reads it. The notebook computes
every number itself and calls ``record``; the harness adds the wall time and the machine.
"""

from __future__ import annotations

import json
import math
from typing import Mapping

import numpy as np
import torch

from gan_course import config
from gan_course.data import check_images, check_labels


def record(lesson: str, metrics: Mapping[str, object], images: torch.Tensor | None = None,
           labels: torch.Tensor | None = None) -> bool:
    """Save ``metrics`` (JSON-able) and optional samples (N, 1, 28, 28) in [-1, 1] with labels (N,).

    Returns True if a benchmark run collected them, False in an ordinary session (nothing is written).
    """
    _check_jsonable(metrics)
    if images is not None:
        images = check_images(images, "samples")
        if labels is not None:
            labels = check_labels(labels, len(images))
    folder = config.results_dir()
    if folder is None:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{lesson}.metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    if images is not None:
        arrays = {"images": images} if labels is None else {"images": images, "labels": labels.long()}
        record_arrays(lesson, arrays)  # images as float32, labels as int64
    return True


def record_arrays(name: str, arrays: Mapping[str, "np.ndarray | torch.Tensor"]) -> bool:
    """Save named arrays (e.g. the 2-D samples behind a table) as ``name.npz`` in a benchmark run.

    Returns True if a benchmark run collected them, False in an ordinary session (nothing is written).
    """
    if not arrays:
        raise ValueError(f"expected at least one array for {name!r}, got none")
    clean = {}
    for key, value in arrays.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise ValueError(f"expected array names like 'vanilla_ring_seed0', got {key!r}")
        value = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        if not np.issubdtype(value.dtype, np.number) or not np.isfinite(value).all():
            raise ValueError(f"expected finite numbers in array {key!r}, got dtype {value.dtype} or NaN/inf")
        clean[key] = value.astype(np.float32) if np.issubdtype(value.dtype, np.floating) else value
    folder = config.results_dir()
    if folder is None:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(folder / f"{name}.npz", **clean)
    return True


def _check_jsonable(value, path: str = "metrics") -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"expected string keys in {path}, got {key!r}")
            _check_jsonable(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_jsonable(item, f"{path}[{i}]")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number at {path}, got {value}")
    elif not isinstance(value, (str, int, bool, type(None))):
        raise TypeError(f"expected plain numbers and strings at {path}, got {type(value).__name__}; use .item()")
