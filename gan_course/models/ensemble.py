"""Several small, independent MLPs trained in one batched forward pass: lesson 03 trains the seeds of a table
row together this way. Model s sees only its own slice (s, :, :), so the models never interact; Adam is
elementwise, so one optimizer over the stacked weights equals one optimizer per model."""

from __future__ import annotations

import math

import torch
from torch import nn


class EnsembleLinear(nn.Module):
    """``n_models`` independent linear layers: (S, B, in) -> (S, B, out), one batched matmul."""

    def __init__(self, n_models: int, in_features: int, out_features: int, generator: torch.Generator | None = None):
        super().__init__()
        bound = 1 / math.sqrt(in_features)  # nn.Linear's default init range, per model
        self.weight = nn.Parameter(torch.empty(n_models, in_features, out_features).uniform_(-bound, bound, generator=generator))
        self.bias = nn.Parameter(torch.empty(n_models, 1, out_features).uniform_(-bound, bound, generator=generator))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[0] != self.weight.shape[0] or x.shape[2] != self.weight.shape[1]:
            raise ValueError(f"expected input (S={self.weight.shape[0]}, B, {self.weight.shape[1]}), got {tuple(x.shape)}")
        return torch.baddbmm(self.bias, x, self.weight)  # (S, B, out)


def ensemble_mlp(n_models: int, sizes: list[int], activation: type[nn.Module] = nn.Tanh, seed: int = 0) -> nn.Sequential:
    """``n_models`` MLPs with layer sizes ``sizes`` (e.g. [256, 128, 128, 2]) and ``activation`` between layers."""
    if len(sizes) < 2:
        raise ValueError(f"expected at least an input and an output size, got {sizes}")
    generator = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(EnsembleLinear(n_models, a, b, generator))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)
