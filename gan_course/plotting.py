"""Figures from tensors and histories: image grids and rows, film strips of snapshots through training, 2-D
samples over their modes, training curves, confusion matrices, a run's symptoms in one row. The live figure of a run is ``board``.

Every function returns a matplotlib Figure and draws nothing else; a notebook displays what it gets.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torchvision.utils import make_grid

from gan_course.data import check_images
from gan_course.health.gradients import total_norm
from gan_course.training.history import History


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


def captioned_rows(rows: Sequence[torch.Tensor], labels: Sequence[str], captions: Sequence[Sequence[str] | None],
                   title: str | None = None) -> Figure:
    """Image rows (each (N_i, C, H, W) in [-1, 1], N_i may differ) with a label on the left of each row and, where
    a row's ``captions`` entry is a list, one caption under each of its images (e.g. what a classifier read)."""
    if not len(rows) == len(labels) == len(captions):
        raise ValueError(f"expected one label and one caption list (or None) per row, got {len(rows)} rows, "
                         f"{len(labels)} labels and {len(captions)} caption lists")
    rows = [check_images(row, f"row {i}") for i, row in enumerate(rows)]
    for i, (row, caps) in enumerate(zip(rows, captions)):
        if caps is not None and len(caps) != len(row):
            raise ValueError(f"expected one caption per image in row {i}, got {len(caps)} for {len(row)} images")
    n = max(len(row) for row in rows)
    # each image gets its own axes, so a caption sits under its image, not in a long string beside the row
    fig, axes = plt.subplots(len(rows), n, figsize=(0.8 * n + 2.2, 1.05 * len(rows) + 0.5), squeeze=False)
    for ax_row, row, label, caps in zip(axes, rows, labels, captions):
        for j, ax in enumerate(ax_row):
            if j >= len(row):
                ax.set_axis_off()
                continue
            image = (row[j].permute(1, 2, 0).squeeze(-1).numpy() + 1) / 2  # (H, W) or (H, W, 3) in [0, 1]
            ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            if caps is not None:
                ax.set_xlabel(caps[j], fontsize=10, labelpad=2)
        ax_row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=10, labelpad=8)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout(h_pad=0.3, w_pad=0.2)
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


def plot_history(history: History, window: int | None = None, axes=None, loss_keys: Sequence[str] | None = None,
                 log_loss: bool = False, hinge: bool = False, equilibrium: Mapping[str, float] | None = None) -> Figure:
    """The losses (``loss_keys``, default every ``loss*``), and the mean D outputs D(x) and D(G(z)) with the 0.5
    equilibrium line when the run reports them (a second panel). ``hinge``: the run used the hinge losses, whose
    values are not comparable with BCE losses and whose sigmoid of D's score is not a probability, so the panels
    say so and the 0.5 line is left out. ``equilibrium``: {loss key: its value at the game's equilibrium}, drawn as
    dotted lines in the curve's colour (``losses.BCE_EQUILIBRIUM`` for the BCE losses)."""
    if len(history) == 0:
        raise ValueError("expected a history with at least one step, got an empty one")
    window = min(window or max(1, len(history) // 50), len(history))  # a short run: average what there is
    loss_keys = list(loss_keys) if loss_keys is not None else [k for k in history.values if k.startswith("loss")]
    d_keys = [k for k in history.values if k.startswith("D_")]
    if axes is None:
        fig, axes = plt.subplots(1, 1 + bool(d_keys), figsize=(5 + 5 * bool(d_keys), 3.2), squeeze=False)
        axes = axes[0]
    fig = axes[0].figure
    steps = np.asarray(history.steps)[window - 1 :]
    names = {"D_x": "D(x), real", "D_G_z": "D(G(z)), fake"}
    d_label = "mean sigmoid of D's score" if hinge else "mean D output"
    unknown = sorted(set(equilibrium or {}) - set(loss_keys))
    if unknown:
        raise ValueError(f"expected equilibrium values for the plotted losses {loss_keys}, got {unknown}")
    panels = [(axes[0], loss_keys, "loss")] + ([(axes[1], d_keys, d_label)] if d_keys and len(axes) > 1 else [])
    for ax, keys, ylabel in panels:
        for key in keys:
            line, = ax.plot(steps, smooth(history[key], window), label=names.get(key, key.removeprefix("loss_")))
            if ax is axes[0] and key in (equilibrium or {}):
                ax.axhline(equilibrium[key], color=line.get_color(), lw=0.9, ls=":",
                           label=f"{key.removeprefix('loss_')} at equilibrium ({equilibrium[key]:.2f})")
        ax.set_xlabel("step")
        ax.set_ylabel(ylabel)
        if keys:
            ax.legend(loc="best", fontsize=8)
    if log_loss:
        axes[0].set_yscale("log")
    axes[0].set_title(("hinge losses" if hinge else "losses") + f" (moving average over {window} steps)", fontsize=9)
    if len(panels) > 1:
        if not hinge:
            axes[1].axhline(0.5, color="gray", lw=0.8, ls="--")
        axes[1].set_ylim(0, 1)
        axes[1].set_title("sigmoid of D's score: not a probability under the hinge loss" if hinge
                          else "what D believes", fontsize=9)
    fig.tight_layout()
    return fig


def scatter_on_modes(points: torch.Tensor, centers: torch.Tensor, title: str | None = None, ax=None) -> Figure:
    """2-D samples (N, 2) as dots over the mode centres (K, 2) as red crosses, on equal axes that frame the modes."""
    if points.dim() != 2 or points.shape[1] != 2:
        raise ValueError(f"expected 2-D points of shape (N, 2), got {tuple(points.shape)}")
    fig, ax = _figure_and_axes(ax, size=(3, 3))
    lim = centers.abs().max().item() + 1
    ax.scatter(*centers.T, s=12, c="tab:red", marker="x", lw=0.8)
    ax.scatter(*points.detach().cpu().T, s=1, alpha=0.3)
    ax.set_xlim(-lim, lim), ax.set_ylim(-lim, lim), ax.set_aspect("equal"), ax.set_xticks([]), ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)
    return fig


def film_strip(snapshots: Mapping[int, torch.Tensor], max_frames: int = 8, per_frame: int = 12,
               title: str | None = None, centers: torch.Tensor | None = None) -> Figure:
    """Snapshots {step: samples} of the same inputs through training: every k-th from the first, k as small as
    keeps at most ``max_frames``, and the last. Images (N, C, H, W) become one labelled row per step (the first
    ``per_frame``), 2-D points (N, 2) one panel per step over the mode ``centers``."""
    if not snapshots:
        raise ValueError("expected at least one snapshot {step: samples}, got none")
    steps = sorted(snapshots)
    stride = max(1, -(-(len(steps) - 1) // max(1, max_frames - 1)))  # ceil: every stride-th snapshot fits
    picked = steps[::stride] + ([steps[-1]] if (len(steps) - 1) % stride else [])  # and always the last
    if snapshots[steps[0]].dim() == 4:
        return image_rows([snapshots[s][:per_frame] for s in picked], [f"step {s}" for s in picked], title)
    if centers is None:
        raise ValueError("expected the mode centers (K, 2) to draw 2-D snapshots over, got none")
    fig, axes = plt.subplots(1, len(picked), figsize=(2.0 * len(picked), 2.2), squeeze=False)
    for ax, s in zip(axes[0], picked):
        scatter_on_modes(snapshots[s], centers, title=f"step {s}", ax=ax)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_symptoms(history: History, samples: torch.Tensor, grad_norms: Mapping[str, Mapping[str, Sequence[float]]],
                  title: str | None = None, n_images: int = 36) -> Figure:
    """What a run shows, in one row: G's samples, the losses, D's mean outputs, and each network's total gradient
    norm at its optimizer's steps (``health.GradientNorms(...).norms``, log scale)."""
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.2), dpi=64, gridspec_kw={"width_ratios": [0.8, 1, 1, 1]})
    image_grid(samples[:n_images].clamp(-1, 1), nrow=int(np.sqrt(n_images)), ax=axes[0])
    axes[0].set_title("G's samples", fontsize=9)
    plot_history(history, axes=axes[1:3])
    window = max(1, len(history) // 50)
    for name, per_layer in grad_norms.items():
        if not per_layer or not len(next(iter(per_layer.values()))):
            continue
        total = total_norm(per_layer)  # (optimizer steps,)
        label = f"{name} (exactly 0 at every step)" if total.max() == 0 else name  # drawn at 1e-12 on the log axis
        line = smooth(np.maximum(total, 1e-12), window)
        axes[3].plot(np.arange(len(total) - len(line) + 1, len(total) + 1), line, label=label)
    axes[3].set_yscale("log")
    axes[3].set_xlabel("optimizer step")
    axes[3].set_ylabel("gradient norm")
    axes[3].set_title("gradient norms, whole network", fontsize=9)
    axes[3].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def _figure_and_axes(ax, size):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size)
    return fig, ax
