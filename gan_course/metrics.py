"""Measuring generated digits: a small MNIST classifier, FID in its feature space (torchmetrics), class coverage,
and a nearest-neighbour memorisation check.

The classifier ships with the package (``assets/digit_classifier.pt``) and is trained by ``gan-course
train-classifier``; nothing is downloaded. All functions take images (N, 1, 28, 28) in [-1, 1].
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path

import torch
from torch import nn

from gan_course import data

CLASSIFIER_WEIGHTS = "digit_classifier.pt"
CLASSIFIER_CARD = "digit_classifier.json"


class DigitClassifier(nn.Module):
    """images (B, 1, 28, 28) in [-1, 1] -> logits (B, 10); ``features`` gives the penultimate layer (B, 128).

    The classic MNIST shape (two conv blocks, a fully connected feature layer), kept small enough to ship.
    """

    def __init__(self, channels: int = 16, feature_dim: int = 128, dropout: float = 0.3):
        super().__init__()
        c = channels
        self.body = nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2),  # (B, c, 14, 14)
            nn.Conv2d(c, 2 * c, 3, padding=1), nn.BatchNorm2d(2 * c), nn.ReLU(), nn.MaxPool2d(2),  # (B, 2c, 7, 7)
            nn.Flatten(),  # (B, 2c * 49)
            nn.Linear(2 * c * 49, feature_dim), nn.ReLU(),  # (B, feature_dim): the features FID compares
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(feature_dim, 10))
        self.num_features = feature_dim

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def check_digit_images(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """``images`` as float on the CPU, or an error unless they are (N, 1, 28, 28) in [-1, 1]."""
    images = data.check_images(images, name)
    if tuple(images.shape[1:]) != (1, 28, 28):
        raise ValueError(f"expected {name} of shape (N, 1, 28, 28) in [-1, 1], got {tuple(images.shape)}")
    return images


def _asset(name: str) -> Path:
    return Path(str(resources.files("gan_course") / "assets" / name))


@functools.lru_cache(maxsize=4)
def load_classifier(device: str = "cpu") -> DigitClassifier:
    """The shipped classifier, in eval mode (loaded with ``weights_only=True``)."""
    path = _asset(CLASSIFIER_WEIGHTS)
    if not path.exists():
        raise FileNotFoundError(f"expected the classifier weights at {path}; run `gan-course train-classifier` to make them")
    model = DigitClassifier()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval().to(device)


def classifier_card() -> dict:
    """What ``train-classifier`` recorded about the shipped weights (held-out accuracy, epochs, seed)."""
    return json.loads(_asset(CLASSIFIER_CARD).read_text())


@torch.no_grad()
def predict(images: torch.Tensor, classifier: nn.Module | None = None, batch_size: int = 500) -> torch.Tensor:
    """Class probabilities (N, 10) of images (N, 1, 28, 28) in [-1, 1]."""
    images = check_digit_images(images)
    classifier = classifier or load_classifier()
    device = next(classifier.parameters()).device
    return torch.cat([classifier(b.to(device)).softmax(1).cpu() for b in images.split(batch_size)])


class _FeaturesFromUnitRange(nn.Module):
    """torchmetrics feeds [0, 1] floats (``normalize=True``); the classifier expects [-1, 1]."""

    def __init__(self, classifier: DigitClassifier):
        super().__init__()
        self.classifier = classifier
        self.num_features = classifier.num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier.features(x * 2 - 1)  # (B, num_features)


def _fid_metric(classifier: DigitClassifier, reference: torch.Tensor, batch_size: int = 500):
    """A torchmetrics FID holding ``reference``'s features; ``reset()`` then clears only the generated side."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    metric = FrechetInceptionDistance(feature=_FeaturesFromUnitRange(classifier), normalize=True,
                                      input_img_size=(1, 28, 28), reset_real_features=False)
    for batch in reference.split(batch_size):
        metric.update((batch + 1) / 2, real=True)  # [-1, 1] -> [0, 1], what normalize=True expects
    return metric


def _fid_against(metric, samples: torch.Tensor, batch_size: int = 500) -> float:
    if len(samples) < 2:
        raise ValueError(f"expected at least 2 samples for FID, got {len(samples)}")
    metric.reset()
    for batch in samples.split(batch_size):
        metric.update((batch + 1) / 2, real=False)
    return float(metric.compute())


def fid(samples: torch.Tensor, reference: torch.Tensor, classifier: DigitClassifier | None = None) -> float:
    """Fréchet distance between ``samples`` and ``reference`` in the classifier's penultimate features."""
    samples, reference = check_digit_images(samples, "samples"), check_digit_images(reference, "reference")
    if len(reference) < 2:
        raise ValueError(f"expected at least 2 reference images for FID, got {len(reference)}")
    return _fid_against(_fid_metric(classifier or load_classifier(), reference), samples)


@functools.lru_cache(maxsize=1)
def _embedded_reference_metric():
    return _fid_metric(load_classifier(), data.load_mnist("all")[0])


@functools.lru_cache(maxsize=1)
def fid_reference_points() -> dict[str, float]:
    """The scale FID is read on: the floor (the 500 held-out real digits) and the ceiling (2,000 uniform-noise
    images), both against all 5,000 embedded digits, the reference set of ``fid_report``."""
    held_out, _ = data.load_mnist("test")
    noise = torch.rand(2000, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    metric = _embedded_reference_metric()
    return {"floor": _fid_against(metric, held_out), "ceiling": _fid_against(metric, noise)}


def fid_report(samples: torch.Tensor) -> dict[str, float]:
    """FID of ``samples`` against all 5,000 embedded digits, with the floor, the ceiling and the % of the ceiling."""
    value = _fid_against(_embedded_reference_metric(), check_digit_images(samples, "samples"))
    points = fid_reference_points()
    return {"fid": value, **{f"fid_{k}": v for k, v in points.items()},
            "fid_pct_of_ceiling": 100 * value / points["ceiling"]}


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
    if requested.dim() != 1 or len(requested) != len(samples):
        raise ValueError(f"expected one requested label per sample, shape ({len(samples)},), got {tuple(requested.shape)}")
    seen = predict(samples, classifier).argmax(1)
    confusion = torch.bincount(requested.cpu() * n_classes + seen, minlength=n_classes * n_classes).view(n_classes, n_classes)
    per_class = confusion.diag().float() / confusion.sum(1).clamp(min=1)
    return {"accuracy": float((seen == requested.cpu()).float().mean()), "per_class": [round(v, 4) for v in per_class.tolist()],
            "confusion": confusion.tolist()}


@torch.no_grad()
def within_class_spread(images: torch.Tensor, labels: torch.Tensor, classifier: DigitClassifier | None = None,
                        n_classes: int = 10) -> torch.Tensor:
    """(n_classes,): the mean pairwise distance between the classifier features of the images of each class.

    Read against real digits of the same class: a ratio near 1 is real variety, near 0 is one image per label."""
    images = check_digit_images(images)
    if labels.dim() != 1 or len(labels) != len(images):
        raise ValueError(f"expected one label per image, shape ({len(images)},), got {tuple(labels.shape)}")
    classifier = classifier or load_classifier()
    device = next(classifier.parameters()).device
    features = torch.cat([classifier.features(b.to(device)).cpu() for b in images.split(500)])  # (N, F)
    spread = torch.full((n_classes,), float("nan"))
    for c in range(n_classes):
        members = features[labels.cpu() == c]
        if len(members) >= 2:
            spread[c] = torch.pdist(members).mean()
    return spread
