"""Packing (PacGAN, Lin et al. 2018): the discriminator judges m samples at once, so a generator that repeats
itself is easy to spot. Real samples are packed with real ones, fakes with fakes."""

from __future__ import annotations

import torch


def pack(samples: torch.Tensor, m: int, batch_dims: int = 1) -> torch.Tensor:
    """(B, *shape) -> (B // m, m * prod(shape)): each row is m consecutive samples side by side.

    ``batch_dims=2`` packs an ensemble's (S, B, *shape) along B: (S, B // m, m * prod(shape)).
    """
    if not isinstance(m, int) or m < 1:
        raise ValueError(f"expected the packing degree m to be a positive integer, got {m!r}")
    if samples.dim() <= batch_dims:
        raise ValueError(f"expected samples with {batch_dims} batch dimension(s) and a sample shape, got {tuple(samples.shape)}")
    lead, n = samples.shape[: batch_dims - 1], samples.shape[batch_dims - 1]
    if n % m:
        raise ValueError(f"expected a batch size divisible by m={m}, got {n}")
    return samples.reshape(*lead, n // m, -1)
