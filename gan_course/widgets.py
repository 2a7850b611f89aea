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
