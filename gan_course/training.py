"""The training loop: runs a step function for a budget of steps, records a history, checkpoints atomically.

It never plots and never prints: it owns one tqdm progress bar and calls ``callback(step, history)`` every
``every`` steps (and after the last), which is where a notebook hangs its live figure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import torch
from tqdm.auto import tqdm


@dataclass
class History:
    """Per-step metrics: ``steps[i]`` is the step at which ``values[name][i]`` was recorded."""

    steps: list[int] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)

    def append(self, step: int, metrics: Mapping[str, float]) -> None:
        """Record one step's metrics; every step must report the same names."""
        if self.values and set(metrics) != set(self.values):
            raise ValueError(f"expected the step to report {sorted(self.values)}, got {sorted(metrics)}")
        self.steps.append(step)
        for name, value in metrics.items():
            self.values.setdefault(name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        if name not in self.values:
            raise KeyError(f"expected one of {sorted(self.values)}, got {name!r}")
        return self.values[name]

    def __len__(self) -> int:
        return len(self.steps)

    def final(self, window: int = 100) -> dict[str, float]:
        """Each metric averaged over the last ``window`` steps (one step is too noisy to report)."""
        return {name: sum(v[-window:]) / len(v[-window:]) for name, v in self.values.items() if v}

    def state_dict(self) -> dict[str, Any]:
        return {"steps": list(self.steps), "values": {k: list(v) for k, v in self.values.items()}}

    @classmethod
    def from_state_dict(cls, state: Mapping[str, Any]) -> "History":
        return cls(list(state["steps"]), {k: list(v) for k, v in state["values"].items()})


def save_checkpoint(path: str | os.PathLike, step: int, history: History, state: Mapping[str, Any]) -> None:
    """Write models/optimizers, the history and the RNG state; atomic, so a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "step": step,
        "history": history.state_dict(),
        "state": {name: obj.state_dict() for name, obj in state.items()},
        "rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)  # atomic on POSIX and Windows


def load_checkpoint(path: str | os.PathLike, state: Mapping[str, Any]) -> tuple[int, History]:
    """Restore ``state`` (models/optimizers) and the RNG from ``path``; return (step, history)."""
    payload = torch.load(path, map_location="cpu", weights_only=True)
    missing = set(state) - set(payload["state"])
    if missing:
        raise ValueError(f"expected checkpoint {path} to hold {sorted(state)}, got {sorted(payload['state'])}")
    for name, obj in state.items():
        obj.load_state_dict(payload["state"][name])
    torch.set_rng_state(payload["rng"])
    if torch.cuda.is_available() and payload["cuda_rng"]:
        torch.cuda.set_rng_state_all(payload["cuda_rng"])
    return int(payload["step"]), History.from_state_dict(payload["history"])


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
