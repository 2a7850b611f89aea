"""What a training run records: per-step metrics (losses, D's outputs), in the order they came."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


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
        """Plain lists, for a checkpoint."""
        return {"steps": list(self.steps), "values": {k: list(v) for k, v in self.values.items()}}

    @classmethod
    def from_state_dict(cls, state: Mapping[str, Any]) -> "History":
        """The history ``state_dict`` saved."""
        return cls(list(state["steps"]), {k: list(v) for k, v in state["values"].items()})
