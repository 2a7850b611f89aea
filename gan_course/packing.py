"""Packing (PacGAN, Lin et al. 2018): the discriminator judges m samples at once, so a generator that repeats
itself is easy to spot. Real samples are packed with real ones, fakes with fakes."""

from __future__ import annotations

import torch


def pack(samples: torch.Tensor, m: int) -> torch.Tensor:
    """(B, *shape) -> (B // m, m * prod(shape)): each row is m consecutive samples side by side."""
    if not isinstance(m, int) or m < 1:
        raise ValueError(f"expected the packing degree m to be a positive integer, got {m!r}")
    if len(samples) % m:
        raise ValueError(f"expected a batch size divisible by m={m}, got {len(samples)}")
    return samples.reshape(len(samples) // m, -1)
