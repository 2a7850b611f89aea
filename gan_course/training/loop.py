"""The training loop: runs a step function for a budget of steps, records a history, checkpoints atomically.

It never plots and never prints: it owns one tqdm progress bar and calls ``callback(step, history)`` every
``every`` steps (and after the last), which is where a notebook hangs its live figure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping

from tqdm.auto import tqdm

from gan_course.training.checkpoints import load_checkpoint, save_checkpoint
from gan_course.training.history import History


def train(
    step_fn: Callable[[Any], Mapping[str, float]],
    batches: Any,
    steps: int,
    *,
    state: Mapping[str, Any] | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 500,
    every: int = 0,
    callback: Callable[[int, History], None] | None = None,
    desc: str = "training",
    progress: bool = True,
) -> History:
    """Run ``step_fn(batches[step])`` for steps 0..steps-1 and return the history.

    With ``checkpoint`` (a path) and ``state`` ({name: model or optimizer}), the run saves every
    ``checkpoint_every`` steps and at the end; after an interruption, the same call resumes from the last save.
    """
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"expected steps to be a non-negative integer, got {steps!r}")
    if checkpoint is not None and not state:
        raise ValueError("expected state={name: module or optimizer} to go with checkpoint=, got none")
    start, history = 0, History()
    if checkpoint is not None and Path(checkpoint).exists():
        start, history = load_checkpoint(checkpoint, state)
    get_batch = batches if callable(batches) else batches.__getitem__
    bar = tqdm(total=steps, initial=min(start, steps), desc=desc, disable=not progress, mininterval=0.5)
    try:
        for step in range(start, steps):
            history.append(step + 1, step_fn(get_batch(step)))
            bar.update(1)
            done = step + 1
            if done % 50 == 0 or done == steps:
                bar.set_postfix({k: f"{v[-1]:.3f}" for k, v in history.values.items()}, refresh=False)
            # Saved only between steps: an interrupted run resumes exactly as if it had never stopped.
            if checkpoint is not None and (done % checkpoint_every == 0 or done == steps):
                save_checkpoint(checkpoint, done, history, state)
            if callback is not None and ((every and done % every == 0) or done == steps):
                callback(done, history)
    finally:
        bar.close()
    return history
