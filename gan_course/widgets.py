"""Interactive explorers (ipywidgets). Lessons always draw the static figure first and offer these below it,
so a headless run (CI, nbconvert, a benchmark) keeps the figure; without ipywidgets they return None."""

from __future__ import annotations

from typing import Callable

import matplotlib.pyplot as plt
import torch

from gan_course import plotting
from gan_course.latent import interpolate


def latent_explorer(sample: Callable[[torch.Tensor], torch.Tensor], z_bank: torch.Tensor, steps: int = 9):
    """Pick two generated samples A and B (rows of ``z_bank``, (K, z_dim)) and walk between them.

    ``sample`` maps noise (N, z_dim) to images (N, 1, 28, 28) in [-1, 1]. Returns the widget, or None.
    """
    try:
        import ipywidgets as w
        from IPython.display import display
    except ImportError:
        return None
    last = len(z_bank) - 1
    pick_a = w.IntSlider(value=0, min=0, max=last, description="sample A")
    pick_b = w.IntSlider(value=min(1, last), min=0, max=last, description="sample B")
    linear = w.Checkbox(value=False, description="straight line (not slerp)")
    out = w.Output()

    def render(*_):
        path = interpolate(z_bank[pick_a.value], z_bank[pick_b.value], steps, spherical=not linear.value)
        with out:
            out.clear_output(wait=True)
            fig = plotting.image_grid(sample(path), nrow=steps, title="A → B")
            display(fig)
            plt.close(fig)

    for control in (pick_a, pick_b, linear):
        control.observe(render, names="value")
    render()
    return w.VBox([w.HBox([pick_a, pick_b, linear]), out])


def digit_picker(sample: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], z_dim: int, n_classes: int = 10,
                 n_show: int = 8):
    """Choose a digit, a seed and a style for a conditional generator; returns the widget, or None.

    ``sample`` maps (z (N, z_dim), labels (N,)) to images (N, 1, 28, 28) in [-1, 1]. The seed draws ``n_show``
    noise vectors and the next seed another ``n_show``; the style slider walks each from the first to the second.
    """
    try:
        import ipywidgets as w
        from IPython.display import display
    except ImportError:
        return None
    digit = w.ToggleButtons(options=list(range(n_classes)), value=0, description="digit",
                            style={"button_width": "32px"})
    seed = w.IntSlider(value=0, min=0, max=99, description="seed")
    style = w.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.1, description="style")
    out = w.Output()

    def render(*_):
        z_a, z_b = (torch.randn(n_show, z_dim, generator=torch.Generator().manual_seed(s))
                    for s in (seed.value, seed.value + 1))
        z = torch.stack([interpolate(a, b, 11)[round(10 * style.value)] for a, b in zip(z_a, z_b)])  # (n_show, z_dim)
        with out:
            out.clear_output(wait=True)
            fig = plotting.image_grid(sample(z, torch.full((n_show,), digit.value)), nrow=n_show,
                                      title=f"digit {digit.value}, seed {seed.value}, style {style.value:.1f}")
            display(fig)
            plt.close(fig)

    for control in (digit, seed, style):
        control.observe(render, names="value")
    render()
    return w.VBox([digit, w.HBox([seed, style]), out])
