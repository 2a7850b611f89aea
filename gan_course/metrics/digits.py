"""Reading generated digits with the shipped classifier (``models.classifier``): class coverage, label fidelity,
the spread within a class, a reader's accuracy, and a nearest-neighbour memorisation check.

All functions take images (N, 1, 28, 28) in [-1, 1]; labels are integer tensors (N,).
"""

from __future__ import annotations

import torch
from torch import nn

from gan_course import data
from gan_course.models.classifier import DigitClassifier, load_classifier


def check_digit_images(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """``images`` as float on the CPU, or an error unless they are (N, 1, 28, 28) in [-1, 1]."""
    images = data.check_images(images, name)
    if tuple(images.shape[1:]) != (1, 28, 28):
        raise ValueError(f"expected {name} of shape (N, 1, 28, 28) in [-1, 1], got {tuple(images.shape)}")
    return images


@torch.no_grad()
def predict(images: torch.Tensor, classifier: nn.Module | None = None, batch_size: int = 500) -> torch.Tensor:
    """Class probabilities (N, 10) of images (N, 1, 28, 28) in [-1, 1]."""
    images = check_digit_images(images)
    classifier = classifier or load_classifier()
    device = next(classifier.parameters()).device
    return torch.cat([classifier(b.to(device)).softmax(1).cpu() for b in images.split(batch_size)])


def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of ``images`` (N, 1, 28, 28) in [-1, 1] that ``model`` (put in eval mode) labels correctly."""
    labels = data.check_labels(labels, len(images))
    predictions = predict(images, model.eval()).argmax(1)
    return float((predictions == labels).float().mean())


def class_coverage(samples: torch.Tensor, classifier: nn.Module | None = None) -> dict[str, object]:
    """How the classifier labels the samples: the share of each digit, the rarest share, the mean confidence."""
    probs = predict(samples, classifier)
    shares = torch.bincount(probs.argmax(1), minlength=10).float() / len(probs)
    return {
        "shares": [round(v, 4) for v in shares.tolist()],
        "min_share": float(shares.min()),
        "rarest_digit": int(shares.argmin()),
        "mean_confidence": float(probs.max(1).values.mean()),
    }


def nearest_training_images(samples: torch.Tensor, train: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For each sample, the index of its nearest training image (pixel L2) and that distance: a memorisation check."""
    samples, train = check_digit_images(samples, "samples"), check_digit_images(train, "training images")
    distances = torch.cdist(samples.flatten(1), train.flatten(1))  # (N, M)
    best = distances.min(dim=1)
    return best.indices, best.values


def label_fidelity(samples: torch.Tensor, requested: torch.Tensor, classifier: nn.Module | None = None,
                   n_classes: int = 10) -> dict[str, object]:
    """How well a conditional generator obeys its labels: the classifier's accuracy against the ``requested``
    labels (N,), the accuracy per requested class, and the confusion matrix (rows requested, columns seen)."""
    requested = data.check_labels(requested, len(samples), "requested label")
    seen = predict(samples, classifier).argmax(1)
    confusion = torch.bincount(requested * n_classes + seen, minlength=n_classes * n_classes).view(n_classes, n_classes)
    per_class = confusion.diag().float() / confusion.sum(1).clamp(min=1)
    return {"accuracy": float((seen == requested).float().mean()), "per_class": [round(v, 4) for v in per_class.tolist()],
            "confusion": confusion.tolist()}


@torch.no_grad()
def within_class_spread(images: torch.Tensor, labels: torch.Tensor, classifier: DigitClassifier | None = None,
                        n_classes: int = 10) -> torch.Tensor:
    """(n_classes,): the mean pairwise distance between the classifier features of the images of each class.

    Read against real digits of the same class: a ratio near 1 is real variety, near 0 is one image per label."""
    images = check_digit_images(images)
    labels = data.check_labels(labels, len(images))
    classifier = classifier or load_classifier()
    device = next(classifier.parameters()).device
    features = torch.cat([classifier.features(b.to(device)).cpu() for b in images.split(500)])  # (N, F)
    spread = torch.full((n_classes,), float("nan"))
    for c in range(n_classes):
        members = features[labels == c]
        if len(members) >= 2:
            spread[c] = torch.pdist(members).mean()
    return spread
