"""Figures from tensors and histories: image grids, training curves, 1-D densities, a throttled live figure.

Every function returns a matplotlib Figure and draws nothing else; a notebook displays what it gets.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torchvision.utils import make_grid

from gan_course.data import check_images
from gan_course.training import History


def image_grid(images: torch.Tensor, nrow: int | None = None, title: str | None = None, ax=None) -> Figure:
    """Images (N, C, H, W) in [-1, 1] as one grid, ``nrow`` per row (default: square)."""
    images = check_images(images)
    nrow = nrow or max(1, int(np.ceil(np.sqrt(len(images)))))
    grid = make_grid(images, nrow=nrow, padding=2, pad_value=1.0, value_range=(-1, 1), normalize=True)
    fig, ax = _figure_and_axes(ax, size=(0.45 * nrow + 0.5, 0.45 * np.ceil(len(images) / nrow) + 0.6))
    ax.imshow(grid.permute(1, 2, 0).numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def image_rows(rows: Sequence[torch.Tensor], labels: Sequence[str], title: str | None = None) -> Figure:
    """Several equal-length image rows (each (N, C, H, W) in [-1, 1]) stacked, each labelled on the left."""
    if len(rows) != len(labels):
        raise ValueError(f"expected one label per row, got {len(rows)} rows and {len(labels)} labels")
    n = len(rows[0])
    fig, axes = plt.subplots(len(rows), 1, figsize=(0.5 * n + 1.2, 0.6 * len(rows) + 0.4), squeeze=False)
    for ax, row, label in zip(axes[:, 0], rows, labels):
        image_grid(row, nrow=n, ax=ax)
        ax.set_axis_on()
        ax.set_xticks([]), ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(counts: Sequence[Sequence[int]], title: str | None = None, ax=None) -> Figure:
    """A (K, K) count matrix (rows: requested class, columns: class seen) as a heat map with counts written in."""
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"expected a square (K, K) matrix of counts, got shape {counts.shape}")
    fig, ax = _figure_and_axes(ax, size=(4.6, 4.2))
    ax.imshow(counts, cmap="Blues")
    for (i, j), n in np.ndenumerate(counts):
        if n:
            ax.text(j, i, str(n), ha="center", va="center", fontsize=7, color="white" if n > counts.max() / 2 else "black")
    ax.set_xticks(range(len(counts))), ax.set_yticks(range(len(counts)))
    ax.set_xlabel("digit the classifier sees"), ax.set_ylabel("digit requested")
    if title:
        ax.set_title(title)
    return fig


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Moving average over ``window`` steps (valid part only), so noisy per-step curves become readable."""
    values = np.asarray(values, dtype=float)
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def plot_history(history: History, window: int | None = None, axes=None) -> Figure:
    """Two panels: the losses, and the mean D outputs D(x) and D(G(z)) with the 0.5 equilibrium line."""
    if len(history) == 0:
        raise ValueError("expected a history with at least one step, got an empty one")
    window = window or max(1, len(history) // 50)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    else:
        fig = axes[0].figure
    steps = np.asarray(history.steps)[window - 1 :]
    panels = [
        (axes[0], [k for k in history.values if k.startswith("loss")], "loss"),
        (axes[1], [k for k in history.values if k.startswith("D_")], "mean D output"),
    ]
    names = {"D_x": "D(x), real", "D_G_z": "D(G(z)), fake"}
    for ax, keys, ylabel in panels:
        for key in keys:
            ax.plot(steps, smooth(history[key], window), label=names.get(key, key))
        ax.set_xlabel("step")
        ax.set_ylabel(ylabel)
        if keys:
            ax.legend(loc="best", fontsize=8)
    if panels[1][1]:
        axes[1].axhline(0.5, color="gray", lw=0.8, ls="--")
        axes[1].set_ylim(0, 1)
    axes[0].set_title(f"losses (moving average over {window} steps)", fontsize=9)
    axes[1].set_title("what D believes", fontsize=9)
    fig.tight_layout()
    return fig


def _figure_and_axes(ax, size):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size)
    return fig, ax


class LiveFigure:
    """A figure redrawn in place during training, at most once per ``min_seconds`` (and always at the end).

    Use it as the training callback: ``train(..., every=N, callback=LiveFigure(draw))`` where
    ``draw(fig, step, history)`` fills a fresh figure. Outside IPython it does nothing.
    """

    def __init__(self, draw: Callable[[Figure, int, History], None], total_steps: int, min_seconds: float = 2.0,
                 figsize: tuple[float, float] = (10, 3.2)):
        self.draw, self.total_steps, self.min_seconds, self.figsize = draw, total_steps, min_seconds, figsize
        self._handle, self._last = None, -float("inf")

    def __call__(self, step: int, history: History) -> None:
        if step < self.total_steps and time.monotonic() - self._last < self.min_seconds:
            return  # the wall-clock throttle only skips redraws; training itself never depends on time
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is None:  # a plain script or a test: nowhere to draw
            return
        fig = plt.figure(figsize=self.figsize)
        self.draw(fig, step, history)
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        plt.close(fig)
        self._last = time.monotonic()
