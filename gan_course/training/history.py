"""What a training run records: per-step metrics (losses, D's outputs), in the order they came, and how the run began
(resumed from a saved run with the same setup, or started fresh, and why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping


@dataclass(frozen=True)
class RunStatus:
    """How ``train`` began: ``resumed`` a saved run with the same setup at step ``start``, or started fresh at
    step 0 for ``reason``; ``checkpoint`` is this setup's file (None without ``checkpoint=``)."""

    resumed: bool
    start: int
    reason: str = ""  # why it started fresh: "no saved run", "the optimizer settings changed since the saved run (...)"
    checkpoint: Path | None = None
    desc: str = ""  # the run's name (train's desc), which the board puts before the line

    def line(self) -> str:
        """The one line the training board prints."""
        if self.resumed:
            return f"resumed from step {self.start} of a saved run with the same setup"
        return f"started fresh: {self.reason}"

    def __str__(self) -> str:
        return self.line()


@dataclass
class History:
    """Per-step metrics: ``steps[i]`` is the step at which ``values[name][i]`` was recorded."""

    steps: list[int] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)
    status: RunStatus | None = field(default=None, compare=False)  # set by train
    # {step: {module name: state_dict}} kept by a run without a checkpoint (with one, snapshots are files)
    snapshots: dict[int, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)
    # Wall seconds the training loop has run, summed over every session of a resumed run, and that sum at each
    # snapshot step: a table's "seconds" stays the cost of the run, not of the last session.
    seconds: float = field(default=0.0, compare=False)
    seconds_at: dict[int, float] = field(default_factory=dict, compare=False)

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
        """Plain lists, for a checkpoint."""
        return {"steps": list(self.steps), "values": {k: list(v) for k, v in self.values.items()},
                "seconds": self.seconds, "seconds_at": dict(self.seconds_at)}

    @classmethod
    def from_state_dict(cls, state: Mapping[str, Any]) -> "History":
        """The history ``state_dict`` saved."""
        return cls(list(state["steps"]), {k: list(v) for k, v in state["values"].items()},
                   seconds=float(state.get("seconds", 0.0)),
                   seconds_at={int(k): float(v) for k, v in state.get("seconds_at", {}).items()})
