"""Walking the latent space: interpolation between noise vectors."""

from __future__ import annotations

import torch


def interpolate(z0: torch.Tensor, z1: torch.Tensor, n: int = 10, spherical: bool = True) -> torch.Tensor:
    """``n`` points from z0 to z1 (each (z_dim,)), as (n, z_dim).

    Spherical (slerp) by default: Gaussian noise lives near a sphere, and a straight line between two points
    cuts through its low-probability inside, where samples look washed out (White 2016).
    """
    if z0.shape != z1.shape or z0.dim() != 1:
        raise ValueError(f"expected two vectors of the same shape (z_dim,), got {tuple(z0.shape)} and {tuple(z1.shape)}")
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"expected n to be an integer >= 2, got {n!r}")
    t = torch.linspace(0, 1, n, device=z0.device).unsqueeze(1)  # (n, 1)
    if not spherical:
        return (1 - t) * z0 + t * z1
    cos = torch.dot(z0, z1) / (z0.norm() * z1.norm())
    omega = torch.arccos(cos.clamp(-1 + 1e-7, 1 - 1e-7))
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)
