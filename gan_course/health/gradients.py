"""Per-layer gradient norms of G and D, recorded at the moment each network's optimizer steps, and the
``vanishing_generator_gradient`` check that reads them.

Why a step pre-hook: a GAN step calls backward twice, and G's loss backpropagates through D, so after the step
function returns, D's ``.grad`` holds gradients of G's loss, not the ones D was updated with. The only moment a
network's ``.grad`` is the one its update used is just before its own ``optimizer.step()``.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import torch
from torch import nn

from gan_course.health import thresholds as th
from gan_course.health.series import tail


def layer_of(parameter_name: str) -> str:
    """The layer a parameter belongs to: its module's name ("net.0.weight" -> "net.0"; "bias" -> "bias")."""
    return parameter_name.rpartition(".")[0] or parameter_name


class GradientNorms:
    """Records, at each step of each named optimizer, the L2 norm of each layer's gradient (weight and bias
    together) of that optimizer's network.

    ``GradientNorms(named={"G": (G, opt_G), "D": (D, opt_D)})``; ``.norms`` is
    ``{"G": {layer: [norm per step of opt_G]}, "D": {...}}``, the format ``diagnose(grad_norms=...)`` takes;
    ``.remove()`` takes the hooks off. Per step it costs one ``vector_norm`` per parameter and a scatter into layers,
    kept on the device: nothing is copied to the CPU until ``.norms`` is read."""

    def __init__(self, named: dict[str, tuple[nn.Module, torch.optim.Optimizer]]):
        self._params: dict[str, list[nn.Parameter]] = {}
        self._layer_index: dict[str, torch.Tensor] = {}  # name -> (P,) layer number of each parameter
        self._layers: dict[str, list[str]] = {}
        self._records: dict[str, list[torch.Tensor]] = defaultdict(list)  # name -> per step (L,) norms
        self._handles = []
        for name, (module, optimizer) in named.items():
            if not isinstance(module, nn.Module) or not isinstance(optimizer, torch.optim.Optimizer):
                raise TypeError(f"expected {name!r}: (nn.Module, torch.optim.Optimizer), got "
                                f"({type(module).__name__}, {type(optimizer).__name__})")
            params = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
            layers = list(dict.fromkeys(layer_of(n) for n, _ in params))
            self._params[name] = [p for _, p in params]
            self._layers[name] = layers
            self._layer_index[name] = torch.tensor([layers.index(layer_of(n)) for n, _ in params])
            self._handles.append(optimizer.register_step_pre_hook(self._hook_for(name)))

    def _hook_for(self, name: str):
        def hook(optimizer, args, kwargs):
            self._record(name)
        return hook

    @torch.no_grad()
    def _record(self, name: str) -> None:
        params = self._params[name]
        if not params:
            return
        device = params[0].device
        squares = torch.stack([torch.linalg.vector_norm(p.grad).to(device).square() if p.grad is not None
                               else torch.zeros((), device=device) for p in params])  # (P,)
        index = self._layer_index[name]
        if index.device != device:  # moved once, then kept on the parameters' device
            index = self._layer_index[name] = index.to(device)
        per_layer = torch.zeros(len(self._layers[name]), device=device).index_add_(0, index, squares.float())
        self._records[name].append(per_layer.sqrt())  # (L,)

    @property
    def norms(self) -> dict[str, dict[str, list[float]]]:
        """{network: {layer: [norm at each of its optimizer's steps]}} as plain floats (one copy per network)."""
        out = {}
        for name, layers in self._layers.items():
            steps = torch.stack(self._records[name]).cpu().T.tolist() if self._records[name] else [[]] * len(layers)
            out[name] = dict(zip(layers, steps))
        return out

    def remove(self) -> None:
        """Take the hooks off the optimizers (the recorded norms stay)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()


def total_norm(per_layer: dict[str, list[float]]) -> np.ndarray:
    """The whole network's gradient norm at each step, (T,), from its per-layer norms."""
    rows = [np.asarray(v, dtype=np.float64) for v in per_layer.values()]
    if not rows or not len(rows[0]):
        raise ValueError(f"expected per-layer norms with at least one step, got {len(rows)} layers and no steps")
    return np.sqrt(np.sum(np.stack(rows) ** 2, axis=0))


def vanishing_generator_gradient(g_norms: dict[str, list[float]]) -> dict | None:
    """G's total gradient norm over the tail is tiny: absolutely, or against its own largest value in the run.
    (Whether D is confident is for the caller to check: it needs the history.)"""
    total = total_norm(g_norms)
    end, peak = float(np.median(tail(total))), float(total.max())
    if end < th.VANISH_ABSOLUTE or end < th.VANISH_RELATIVE * peak:
        return {"G_grad_norm_tail_median": end, "G_grad_norm_max": peak, "absolute_threshold": th.VANISH_ABSOLUTE,
                "relative_threshold": th.VANISH_RELATIVE * peak}  # it fired under either
    return None
