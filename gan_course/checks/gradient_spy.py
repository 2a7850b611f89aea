"""The gradient spy: catches, at the gradient level, the training-step bugs whose losses look right, a missing
``.detach()``, a forgotten ``zero_grad()``, the wrong loss reaching a network.

It records, at every ``optimizer.step()``, the gradients the parameters hold and those the backward passes since
the previous step contributed, and asks the check for the reference gradients at that moment.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import torch
from torch import nn


class FixedNoiseGenerator(nn.Module):
    """Wraps G so every call uses the same z bank: the check can recompute exactly what the step saw."""

    def __init__(self, G: nn.Module, z_bank: torch.Tensor):
        super().__init__()
        self.G, self.z_bank = G, z_bank

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.G(self.z_bank[: len(z)])


class GradientSpy:
    """Records, for each optimizer.step(), the gradients its parameters hold and the gradients that the
    backward passes since the previous step() contributed, and whether the other network got any."""

    def __init__(self, named: Mapping[str, tuple[nn.Module, torch.optim.Optimizer]], on_step: Callable):
        self.nets = {name: list(net.parameters()) for name, (net, _) in named.items()}
        self.window = {name: [torch.zeros_like(p) for p in ps] for name, ps in self.nets.items()}
        self.events: list[tuple] = []
        self.recording = True  # off while the check computes its own reference gradients
        for name, params in self.nets.items():
            for i, p in enumerate(params):
                p.register_hook(self._hook(name, i))
        for name, (_, opt) in named.items():
            opt.step = self._spy(name, opt.step, on_step)

    def _hook(self, name: str, i: int):
        def hook(grad):
            if self.recording:
                self.window[name][i] += grad
        return hook

    def _spy(self, name: str, step: Callable, on_step: Callable):
        def spied(*args, **kwargs):
            grads = [None if p.grad is None else p.grad.detach().clone() for p in self.nets[name]]
            window = {n: [g.clone() for g in gs] for n, gs in self.window.items()}
            self.recording = False
            try:
                reference = on_step(name)
            finally:
                self.recording = True
            self.events.append((name, grads, window, reference))
            for gs in self.window.values():
                for g in gs:
                    g.zero_()
            return step(*args, **kwargs)
        return spied


def flatten_grads(tensors: Sequence[torch.Tensor | None], like: Sequence[torch.Tensor]) -> torch.Tensor:
    """One flat vector of gradients, zeros where a parameter got none (None)."""
    return torch.cat([(torch.zeros_like(p) if t is None else t).flatten() for t, p in zip(tensors, like)])


def grads_of(loss: torch.Tensor, params: Sequence[torch.Tensor]) -> torch.Tensor:
    """The flat gradient of ``loss`` with respect to ``params``, leaving every .grad untouched."""
    grads = torch.autograd.grad(loss, params, allow_unused=True, retain_graph=True)  # several losses share a graph
    return flatten_grads(grads, params)


def grads_match(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True if gradient ``a`` equals ``b`` to 0.1 % of b's norm."""
    scale = max(b.norm().item(), 1e-12)
    return (a - b).norm().item() / scale < 1e-3
