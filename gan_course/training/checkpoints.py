"""Checkpoints of a training run: models, optimizers, the history and the random state, written atomically and
read back with ``weights_only=True``, so a resumed run continues exactly as if it had never stopped.

``train(checkpoint="runs/x.pt")`` keeps one file per setup beside that path, named by the setup's fingerprint
(``runs/x.<digest>.pt``), so a changed setup never loads another's run and switching back finds the earlier one;
snapshots of the networks at chosen steps go beside it (``runs/x.<digest>.step800.pt``). The newest ``KEEP_RUNS``
setups of a path are kept.
"""

from __future__ import annotations

import os
import tempfile
import pickle
import re
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

from gan_course.training.history import History

KEEP_RUNS = 4  # setups kept per checkpoint path: enough to switch back and forth while trying a change


def save_checkpoint(path: str | os.PathLike, step: int, history: History, state: Mapping[str, Any],
                    setup: Mapping[str, Any] | None = None) -> None:
    """Write models/optimizers, the history, the RNG state and ``setup`` (the run's fingerprint); atomic, so a
    crash never leaves half a file."""
    _atomic_save(Path(path), {
        "step": step,
        "history": history.state_dict(),
        "state": {name: obj.state_dict() for name, obj in state.items()},
        "rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "setup": dict(setup or {}),
    })


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The saved payload, on the CPU, without touching any model."""
    return torch.load(path, map_location="cpu", weights_only=True)


def restore_checkpoint(payload: Mapping[str, Any], state: Mapping[str, Any], path: Any = "") -> tuple[int, History]:
    """Load a payload into ``state`` (models/optimizers) and the RNG; return (step, history)."""
    missing = set(state) - set(payload["state"])
    if missing:
        raise ValueError(f"expected checkpoint {path} to hold {sorted(state)}, got {sorted(payload['state'])}")
    for name, obj in state.items():
        obj.load_state_dict(payload["state"][name])
    torch.set_rng_state(payload["rng"])
    if torch.cuda.is_available() and payload["cuda_rng"]:
        torch.cuda.set_rng_state_all(payload["cuda_rng"])
    return int(payload["step"]), History.from_state_dict(payload["history"])


def load_checkpoint(path: str | os.PathLike, state: Mapping[str, Any]) -> tuple[int, History]:
    """Restore ``state`` (models/optimizers) and the RNG from ``path``; return (step, history)."""
    return restore_checkpoint(read_checkpoint(path), state, path)


def run_path(checkpoint: str | os.PathLike, digest: str) -> Path:
    """The file of one setup's run: ``x.pt`` -> ``x.<digest>.pt``."""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(f"{checkpoint.stem}.{digest}{checkpoint.suffix}")


def snapshot_path(run_file: str | os.PathLike, step: int) -> Path:
    """The networks of run ``x.<digest>.pt`` at ``step``: ``x.<digest>.step<step>.pt``."""
    run_file = Path(run_file)
    return run_file.with_name(f"{run_file.stem}.step{step}{run_file.suffix}")


def earlier_runs(checkpoint: str | os.PathLike) -> list[Path]:
    """Every setup's run file of ``checkpoint``, the most recently saved first."""
    checkpoint = Path(checkpoint)
    pattern = re.compile(re.escape(checkpoint.stem) + r"\.[0-9a-f]{16}" + re.escape(checkpoint.suffix))
    found = [p for p in _listing(checkpoint.parent) if pattern.fullmatch(p.name)]
    return sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True)


def read_saved(path: str | os.PathLike) -> dict[str, Any] | None:
    """The payload at ``path``, or None where there is none or it cannot be read (a file of an older format)."""
    try:
        return read_checkpoint(path)
    except (OSError, RuntimeError, EOFError, ValueError, KeyError, pickle.UnpicklingError):
        return None


def prune_runs(checkpoint: str | os.PathLike, current: Path, keep: int = KEEP_RUNS) -> None:
    """Delete the run files (and their snapshots) of all but the ``keep`` newest setups, ``current`` included."""
    for run_file in [p for p in earlier_runs(checkpoint) if p != current][keep - 1:]:
        for path in [run_file, *_snapshots(run_file).values()]:
            path.unlink(missing_ok=True)


def save_snapshot(path: str | os.PathLike, step: int, modules: Mapping[str, nn.Module]) -> None:
    """Write the modules' weights at ``step`` (not the optimizers: a snapshot is for measuring, not resuming)."""
    _atomic_save(Path(path), {"step": step, "state": {name: m.state_dict() for name, m in modules.items()}})


def load_snapshot(history: History, step: int, modules: Mapping[str, nn.Module]) -> None:
    """Load the weights a run saved at ``step`` (``train(..., snapshot_at=(step,))``) into ``modules`` {name: module},
    e.g. ``load_snapshot(history, 800, {"G": G_at_800})``; the run may have been fresh or resumed."""
    if not isinstance(history, History):
        raise TypeError(f"expected the History that train returned, got {type(history).__name__}")
    saved = history.snapshots.get(step)
    run_file = history.status.checkpoint if history.status is not None else None
    on_disk = _snapshots(run_file) if run_file is not None else {}
    if saved is None and step in on_disk:
        saved = torch.load(on_disk[step], map_location="cpu", weights_only=True)["state"]
    if saved is None:
        kept = sorted(history.snapshots) or sorted(on_disk)
        raise ValueError(f"expected a snapshot of step {step}, got snapshots of steps {kept}: "
                         f"pass snapshot_at=({step},) to train and run it again")
    unknown = set(modules) - set(saved)
    if unknown:
        raise ValueError(f"expected module names among {sorted(saved)}, got {sorted(unknown)}")
    for name, module in modules.items():
        module.load_state_dict(saved[name])


def _snapshots(run_file: Path) -> dict[int, Path]:
    """{step: path} of the snapshot files beside ``run_file``."""
    pattern = re.compile(re.escape(run_file.stem) + r"\.step(\d+)" + re.escape(run_file.suffix))
    return {int(m.group(1)): p for p in _listing(run_file.parent) if (m := pattern.fullmatch(p.name))}


def _listing(folder: Path) -> list[Path]:
    return list(folder.iterdir()) if folder.is_dir() else []


def _atomic_save(path: Path, payload: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary name of its own (two kernels may save at once), removed if the save is interrupted.
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX and Windows
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
