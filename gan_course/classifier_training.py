"""Train the metrics' digit classifier on the embedded MNIST training split (``gan-course train-classifier``).

Small random shifts and rotations (torchvision's RandomAffine, per image) make it robust to the
slightly-off strokes generators produce; the held-out 500 digits measure it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torchvision.transforms import v2

from gan_course import data
from gan_course.metrics import CLASSIFIER_CARD, CLASSIFIER_WEIGHTS, DigitClassifier, _asset, predict
from gan_course.seeding import set_seed

AUGMENT = v2.RandomAffine(degrees=10, translate=(0.08, 0.08), scale=(0.9, 1.1), fill=-1.0)
# A second reader's augmentation: adds a horizontal shear of up to 20 degrees, so slant alone cannot change its answer.
SHEAR_AUGMENT = v2.RandomAffine(degrees=10, translate=(0.08, 0.08), scale=(0.9, 1.1), shear=(-20, 20, -5, 5), fill=-1.0)


def accuracy(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of ``images`` (N, 1, 28, 28) in [-1, 1] that ``model`` labels correctly."""
    predictions = predict(images, model.eval()).argmax(1)
    return float((predictions == labels).float().mean())


def fit_classifier(images: torch.Tensor, labels: torch.Tensor, steps: int, seed: int = 0, batch_size: int = 64,
                   augment: bool | Callable[[torch.Tensor], torch.Tensor] = True, progress: bool = False,
                   channels: int = 16) -> DigitClassifier:
    """Train a fresh DigitClassifier (``channels`` wide) on ``images`` (N, 1, 28, 28) in [-1, 1] with ``labels``
    (N,) for ``steps`` steps (AdamW, one-cycle schedule); ``augment``: True applies ``AUGMENT``, a different small
    affine, to every image; a callable (one image (1, 28, 28) -> one image) is applied instead. Eval mode."""
    from tqdm.auto import tqdm

    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"expected steps to be a positive integer, got {steps!r}")
    if labels.dim() != 1 or len(labels) != len(images):
        raise ValueError(f"expected one label per image, shape ({len(images)},), got {tuple(labels.shape)}")
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


def train_classifier(epochs: int = 15, seed: int = 0, batch_size: int = 64, n_train: int | None = None,
                     progress: bool = True) -> tuple[DigitClassifier, float]:
    """Train the metrics' DigitClassifier on the embedded training split; return it (eval mode) and its held-out accuracy."""
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"expected epochs to be a positive integer, got {epochs!r}")
    images, labels = data.load_mnist("train")
    if n_train is not None:
        images, labels = images[:n_train], labels[:n_train]
    per_epoch = data.Batches(images, labels, batch_size=batch_size, seed=seed).per_epoch
    model = fit_classifier(images, labels, epochs * per_epoch, seed, batch_size, augment=True, progress=progress)
    return model, accuracy(model, *data.load_mnist("test"))


def save_classifier(model: DigitClassifier, epochs: int, seed: int, folder: Path | None = None) -> tuple[Path, float]:
    """Write the weights (float16: half the size, same predictions) and their card into the package assets.

    The held-out accuracy on the card is measured on the weights exactly as saved; returns (path, accuracy).
    """
    weights = (folder / CLASSIFIER_WEIGHTS) if folder else _asset(CLASSIFIER_WEIGHTS)
    weights.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save(state, weights)
    shipped = DigitClassifier()
    shipped.load_state_dict(torch.load(weights, weights_only=True))  # float16 values copied into float32 layers
    held_out_accuracy = accuracy(shipped, *data.load_mnist("test"))
    card = {"held_out_accuracy": round(held_out_accuracy, 4), "held_out_images": 500, "epochs": epochs, "seed": seed,
            "trained_on": "embedded MNIST training split (4,500 digits)", "stored_as": "float16",
            "torch": torch.__version__, "date": time.strftime("%Y-%m-%d")}
    weights.with_name(CLASSIFIER_CARD).write_text(json.dumps(card, indent=2) + "\n")
    return weights, held_out_accuracy
