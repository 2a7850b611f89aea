"""Checkpoints of a training run: models, optimizers, the history and the random state, written atomically and
read back with ``weights_only=True``, so a resumed run continues exactly as if it had never stopped."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import torch

from gan_course.training.history import History


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
