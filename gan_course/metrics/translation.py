"""Measuring digit-to-digit translation (lesson 05): label preservation, cycle error, and hand-made baselines.

Domain A is the embedded MNIST, domain B scikit-learn's 8x8 digits in MNIST's frame (``data.load_sklearn_digits``).
Labels are only ever read here, to judge: a translation keeps the label if a classifier trained on the target
domain alone still reads the source digit.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_course.data import check_images, check_labels
from gan_course.metrics.digits import predict


def label_preservation(translated: torch.Tensor, source_labels: torch.Tensor, target_classifier: nn.Module) -> float:
    """The share of translated images (N, 1, 28, 28) that the target domain's classifier reads as their source label."""
    source_labels = check_labels(source_labels, len(translated), "source label")
    return float((predict(translated, target_classifier).argmax(1) == source_labels).float().mean())


def mnist_as_8x8_digits(images: torch.Tensor) -> torch.Tensor:
    """Hand-made A -> B: an MNIST digit (N, 1, 28, 28) taken through the digits' own pipeline: its 20x20 box
    averaged down to 8x8, quantised to the 17 grey levels of the UCI scans, then bilinear back to 20x20 and padded."""
    images = check_images(images)
    box = (images[:, :, 4:24, 4:24] + 1) / 2  # (N, 1, 20, 20) in [0, 1]
    small = torch.round(F.adaptive_avg_pool2d(box, 8) * 16) / 16  # (N, 1, 8, 8), 17 levels
    big = F.interpolate(small, size=(20, 20), mode="bilinear", align_corners=False)
    return F.pad(big, (4, 4, 4, 4)).clamp(0, 1) * 2 - 1


def sharpened_digits(images: torch.Tensor, threshold: float = 0.35, width: float = 0.3) -> torch.Tensor:
    """Hand-made B -> A: the blurry upsampled digits made MNIST-like by a contrast ramp, which thins the strokes
    and sharpens their edges: intensity p in [0, 1] -> clamp((p - threshold) / width, 0, 1)."""
    p = (check_images(images) + 1) / 2
    return ((p - threshold) / width).clamp(0, 1) * 2 - 1


def lean(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(slope, cy), each (N,): how far a digit's ink drifts in x per row down, cov(x, y) / var(y) (0 when upright;
    negative when it leans right), and the row of its centre of mass, for images (N, 1, H, W) in [-1, 1]."""
    ink = (check_images(images) + 1) / 2  # (N, 1, H, W) in [0, 1]
    ys, xs = torch.meshgrid(torch.arange(ink.shape[-2], dtype=ink.dtype), torch.arange(ink.shape[-1], dtype=ink.dtype),
                            indexing="ij")
    mass = ink.sum((1, 2, 3)).clamp_min(1e-6)  # (N,)
    cy = (ink * ys).sum((1, 2, 3)) / mass
    cx = (ink * xs).sum((1, 2, 3)) / mass
    dy, dx = ys - cy.view(-1, 1, 1, 1), xs - cx.view(-1, 1, 1, 1)  # (N, 1, H, W)
    return (ink * dx * dy).sum((1, 2, 3)) / (ink * dy * dy).sum((1, 2, 3)).clamp_min(1e-6), cy


def deskewed(images: torch.Tensor) -> torch.Tensor:
    """A hand-made baseline, the classic MNIST deskew: each digit (N, 1, 28, 28) is sheared about its centre of
    mass by its ``lean``, so that its main axis stands vertical."""
    ink = (check_images(images) + 1) / 2  # (N, 1, 28, 28) in [0, 1]
    size = ink.shape[-1]
    slope, cy = lean(images)
    # affine_grid maps each output pixel to where it is read from: x_in = x_out + slope * (y_out - cy), in the
    # normalised [-1, 1] coordinates where one pixel is 2 / size on both axes.
    theta = torch.zeros(len(ink), 2, 3, dtype=ink.dtype)
    theta[:, 0, 0] = theta[:, 1, 1] = 1
    theta[:, 0, 1] = slope
    theta[:, 0, 2] = -slope * (cy - (size - 1) / 2) * 2 / size
    grid = F.affine_grid(theta, list(ink.shape), align_corners=False)
    return F.grid_sample(ink, grid, align_corners=False).clamp(0, 1) * 2 - 1


def cycle_error(originals: torch.Tensor, reconstructed: torch.Tensor) -> float:
    """Mean absolute pixel error of the round trip, on the [-1, 1] scale (0 is perfect; 2 the largest possible)."""
    if originals.shape != reconstructed.shape:
        raise ValueError(f"expected reconstructions of shape {tuple(originals.shape)}, got {tuple(reconstructed.shape)}")
    return float((reconstructed - originals).abs().mean())
