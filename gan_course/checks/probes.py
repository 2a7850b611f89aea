"""Probes the checks share: fixed inputs, tolerant comparisons, and tests of a network's wiring (does a
gradient reach its parameters? does it end in a sigmoid?)."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from gan_course.checks.core import fail


def shape_of(t) -> str:
    """A tensor's shape as text, or the type of something that is not a tensor: for "got ..." messages."""
    return str(tuple(t.shape)) if isinstance(t, torch.Tensor) else type(t).__name__


def close(a: torch.Tensor | float, b: torch.Tensor | float, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    """Same shape and values within tolerance, compared in float64."""
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=rtol, atol=atol))


def bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    """BCE with logits against a constant target (1 real, 0 fake): the formulas the checks compare with."""
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def random_images(n: int, seed: int) -> torch.Tensor:
    """(n, 1, 28, 28) uniform in [-1, 1], seeded: inputs a check can recompute."""
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def assert_trainable(module: nn.Module, name: str, loss: torch.Tensor) -> None:
    """Fail unless ``module`` has parameters and ``loss`` (computed from its output) sends a gradient into them."""
    params = list(module.parameters())
    if not params:
        fail(f"{name} has no parameters", "build the layers in __init__ and assign them to self (e.g. self.net = ...)")
    if not any(p.requires_grad for p in params):
        fail(f"{name}'s weights are frozen (requires_grad False), so training can never change them",
             "leave the layers trainable: don't switch off requires_grad when you build them")
    module.zero_grad()
    if not loss.requires_grad:
        fail(f"{name}'s output is cut off from its parameters: no gradient reaches {name}",
             "don't use .detach(), torch.no_grad() or .data in forward: the output must stay on the graph")
    loss.backward()
    dead = [n for n, p in module.named_parameters() if p.grad is None or not torch.any(p.grad != 0)]
    if len(dead) == len(params):
        fail(f"no gradient reaches {name}'s parameters",
             "don't use .detach(), torch.no_grad() or .data in forward: the output must stay on the graph")


def ends_in_sigmoid(D: nn.Module, x: torch.Tensor) -> bool:
    """Scale the last weighted layer by 1000: raw logits then leave [0, 1]; a squashed output cannot."""
    probe = copy.deepcopy(D).eval()
    last = [m for m in probe.modules() if isinstance(getattr(m, "weight", None), torch.Tensor)][-1]
    with torch.no_grad():
        last.weight.mul_(1000)
        if getattr(last, "bias", None) is not None:
            last.bias.mul_(1000)
        out = probe(x)
    return bool(out.min() >= 0 and out.max() <= 1)


def expect_standard_normal(z, batch: int, z_dim: int, what: str = "G") -> None:
    """Fail unless ``z`` looks like the standard normal noise the lessons draw: (batch, z_dim), mean ~0, std ~1.

    With batch * z_dim >= 100 values, a standard normal's sample std lies in [0.7, 1.3] (it is ~1 +- 0.07), and
    uniform noise in [0, 1) (std 0.29, never negative) or images in [-1, 1] (std ~0.58) do not."""
    if not isinstance(z, torch.Tensor) or tuple(z.shape) != (batch, z_dim):
        fail(f"{what} was given noise of shape {shape_of(z)}, expected ({batch}, {z_dim}): one z_dim-vector per image "
             "of the batch", "draw the noise with the batch's length and z_dim")
    # 5 standard errors for the mean: seeded draws of correct code stay far inside, uniform noise (mean 0.5) does not
    if z.min() >= 0 or not 0.7 < z.std().item() < 1.3 or abs(z.mean().item()) > 5 / z.numel() ** 0.5:
        fail(f"{what}'s noise has mean {z.mean().item():.2f}, std {z.std().item():.2f} and minimum {z.min().item():.2f}: "
             "not standard normal noise", "draw z from N(0, 1) (torch.randn), not uniform noise or data")
