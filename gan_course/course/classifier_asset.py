"""Making the metrics' digit classifier that ships in ``gan_course/assets`` (``gan-course train-classifier``):
train it on the embedded MNIST training split, measure it on the 500 held-out digits, save it with its card."""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from gan_course import data
from gan_course.metrics import accuracy
from gan_course.models.classifier import CLASSIFIER_CARD, CLASSIFIER_WEIGHTS, DigitClassifier, asset_path
from gan_course.training import fit_classifier


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
    weights = (folder / CLASSIFIER_WEIGHTS) if folder else asset_path(CLASSIFIER_WEIGHTS)
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
