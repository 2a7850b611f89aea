"""Fitting a digit classifier: the metrics' reader (``gan-course train-classifier``), lesson 04's few-label study
and lesson 05's readers of each domain.

Small random shifts and rotations (torchvision's RandomAffine, per image) make a reader robust to the
slightly-off strokes generators produce.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torchvision.transforms import v2
from tqdm.auto import tqdm

from gan_course import data
from gan_course.models.classifier import DigitClassifier
from gan_course.seeding import set_seed

AUGMENT = v2.RandomAffine(degrees=10, translate=(0.08, 0.08), scale=(0.9, 1.1), fill=-1.0)
# A second reader's augmentation: adds a horizontal shear of up to 20 degrees, so that slant alone matters less to it.
SHEAR_AUGMENT = v2.RandomAffine(degrees=10, translate=(0.08, 0.08), scale=(0.9, 1.1), shear=(-20, 20, -5, 5), fill=-1.0)


def fit_classifier(images: torch.Tensor, labels: torch.Tensor, steps: int, seed: int = 0, batch_size: int = 64,
                   augment: bool | Callable[[torch.Tensor], torch.Tensor] = True, progress: bool = False,
                   channels: int = 16) -> DigitClassifier:
    """Train a fresh DigitClassifier (``channels`` wide) on ``images`` (N, 1, 28, 28) in [-1, 1] with ``labels``
    (N,) for ``steps`` steps (AdamW, one-cycle schedule); ``augment``: True applies ``AUGMENT``, a different small
    affine, to every image; a callable (one image (1, 28, 28) -> one image) is applied instead. Eval mode."""
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"expected steps to be a positive integer, got {steps!r}")
    data.check_labels(labels, len(images))
    transform = AUGMENT if augment is True else augment or None
    set_seed(seed)
    model = DigitClassifier(channels=channels)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    batches = data.Batches(images, labels, batch_size=batch_size, seed=seed)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    model.train()
    for step in tqdm(range(steps), desc="classifier", disable=not progress, mininterval=0.5):
        x, y = batches[step]
        if transform is not None:
            x = torch.stack([transform(img) for img in x])  # a different random transform per image
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        schedule.step()
    return model.eval()
