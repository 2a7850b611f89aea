"""The gradient spy: catches, at the gradient level, the training-step bugs whose losses look right, a missing
``.detach()``, a forgotten ``zero_grad()``, the wrong loss reaching a network.

It records, at every ``optimizer.step()``, the gradients the parameters hold and those the backward passes since
the previous step contributed, and asks the check for the reference gradients at that moment.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import torch
from torch import nn

from gan_course.checks.core import fail


class FixedNoiseGenerator(nn.Module):
    """Wraps G so every call uses the same z bank: the check can recompute exactly what the step saw."""

    def __init__(self, G: nn.Module, z_bank: torch.Tensor):
        super().__init__()
        self.G, self.z_bank, self.given = G, z_bank, []

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        self.given.append(z.detach().clone())  # what the step drew, for checks.probes.expect_standard_normal
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


def judge_steps(events, attempt: int, params: Mapping[str, Sequence[torch.Tensor]], order: Sequence[str],
                diagnose: Callable[[str, torch.Tensor, dict], None], detach_from: Mapping[str, str] | None = None,
                leftovers: Mapping[str, tuple[str, str]] | None = None) -> None:
    """Judge one call's optimizer steps, as the spy recorded them: each network stepped once, in ``order``; its
    gradients zeroed before its backward pass; none leaking into the network ``detach_from[name]`` while ``name``
    trains; then ``diagnose(name, contributed, reference)`` compares the gradient with the right loss's.
    ``leftovers[name]``: the (problem, hint) to report when ``name``'s gradients hold an earlier pass's."""
    names = [e[0] for e in events]
    for net in order:
        if names.count(net) != 1:
            fail(f"{net}'s optimizer stepped {names.count(net)} times in one call of the step, expected once",
                 f"each call updates {net} once: zero its gradients, back-propagate its loss, then step its optimizer")
    for name, grads, window, ref in events:
        held, contributed = flatten_grads(grads, params[name]), flatten_grads(window[name], params[name])
        other = (detach_from or {}).get(name)
        if other is not None and flatten_grads(window[other], params[other]).abs().sum() > 0:
            fail(f"the {name} update back-propagated into {other}: {name}'s loss gave {other} gradients",
                 f"while {name} learns, score {other}'s output detached from {other}'s graph (.detach()): only "
                 f"{other}'s own loss should reach {other}")
        if held.abs().sum() == 0 and contributed.abs().sum() > 0:
            fail(f"{name}'s optimizer stepped with all-zero gradients: its zero_grad() came after the backward pass",
                 f"order for {name}: zero the gradients, back-propagate the loss, then step")
        if contributed.abs().sum() == 0:
            fail(f"no gradient reached {name} before its optimizer stepped",
                 f"back-propagate {name}'s loss (.backward()) before stepping"
                 + (": G's loss must come from D's scores of G's own fakes, kept on G's graph (not detached, not the "
                    "real images)" if name.startswith("G") else ""))
        if not grads_match(held, contributed) and name in (leftovers or {}):
            fail(*leftovers[name])
        if not grads_match(held, contributed):
            fail(f"{name}'s gradients when its optimizer stepped include leftovers from earlier backward passes "
                 f"(seen on call {attempt + 1}): a zero_grad() is missing",
                 f"zero {name}'s gradients before its backward pass: PyTorch adds gradients up otherwise")
        diagnose(name, contributed, ref)
    if names != list(order):
        fail(f"the networks were stepped in the order {names}, expected {list(order)}",
             "update D on the current fakes first, then update G against the improved D")
