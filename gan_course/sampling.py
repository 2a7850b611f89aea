"""Drawing from a network: in evaluation mode, in chunks, back on the CPU.

Evaluation mode matters for what the lessons sample from: BatchNorm then uses its running statistics (so an
image depends on its own z only) and dropout is off. The network goes back to the mode it was in.
"""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def sample(model: nn.Module, *inputs: torch.Tensor, chunk: int = 500) -> torch.Tensor:
    """``model(*inputs)`` in eval mode, ``chunk`` rows at a time on the model's device, returned on the CPU.

    E.g. ``sample(G, z)`` for z (N, z_dim) -> images (N, 1, 28, 28); ``sample(G, z, labels)`` for a conditional G;
    ``sample(G_ab, images)`` for a translator. Every input has the same length N.
    """
    if not inputs or not all(isinstance(x, torch.Tensor) for x in inputs):
        raise ValueError(f"expected one or more input tensors of equal length, got {[type(x).__name__ for x in inputs]}")
    if len({len(x) for x in inputs}) != 1:
        raise ValueError(f"expected inputs of equal length, got lengths {[len(x) for x in inputs]}")
    if not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"expected chunk to be a positive integer, got {chunk!r}")
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    was_training = model.training
    model.eval()
    try:
        pieces = zip(*(x.split(chunk) for x in inputs))
        return torch.cat([model(*(x.to(device) for x in piece)).cpu() for piece in pieces])
    finally:
        model.train(was_training)
