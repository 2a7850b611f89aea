"""FID (Heusel et al. 2017) for 28x28 digits: the Fréchet distance between Gaussians fitted to the features of
real and generated images, computed by torchmetrics in the penultimate layer of the shipped digit classifier
(Inception's features mean little for MNIST), and read between a floor and a ceiling.

All functions take images (N, 1, 28, 28) in [-1, 1].
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from gan_course import data
from gan_course.metrics.digits import check_digit_images
from gan_course.models.classifier import DigitClassifier, load_classifier


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
