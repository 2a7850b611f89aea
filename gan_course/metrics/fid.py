"""FID (Heusel et al. 2017) for 28x28 digits: the Fréchet distance between Gaussians fitted to the features of
real and generated images, computed by torchmetrics in the penultimate layer of the shipped digit classifier
(Inception's features mean little for MNIST), and read against a floor: the FID of
as many real digits, disjoint from the reference, as were generated.

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


FLOOR_PER_CLASS = 200  # 2,000 real digits kept out of the reference: the largest sample a floor can be matched to


@functools.lru_cache(maxsize=1)
def _split() -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = data.load_mnist("all")
    reference_idx, floor_idx = data.stratified_split(labels, FLOOR_PER_CLASS, seed=0)
    return images[reference_idx], images[floor_idx]  # (3000, 1, 28, 28), (2000, 1, 28, 28), both shuffled


def fid_split() -> tuple[torch.Tensor, torch.Tensor]:
    """(reference, floor_images): the 5,000 embedded digits split once, 300 and 200 of each digit. Every FID is
    measured against the 3,000 reference digits; the floor is the FID of as many of the 2,000 others as were scored."""
    reference, floor_images = _split()
    return reference.clone(), floor_images.clone()  # copies: the cached split must never change in place


@functools.lru_cache(maxsize=1)
def _embedded_reference_metric():
    return _fid_metric(load_classifier(), _split()[0])


def floor_images(n: int) -> torch.Tensor:
    """The first ``n`` of the 2,000 real digits kept out of the reference (N, 1, 28, 28): the real sample a floor is
    measured on, as large as the generated one (a copy)."""
    available = len(_split()[1])
    if not 2 <= n <= available:
        raise ValueError(f"expected between 2 and {available:,} samples, the real digits the floor is measured on, "
                         f"got {n:,}")
    return _split()[1][:n].clone()


@functools.lru_cache(maxsize=8)
def fid_floor(n: int = 2000) -> float:
    """The FID of ``n`` real digits the reference never saw: what a perfect generator scores with a sample of ``n``
    (FID shrinks as the sample grows, so a floor is only comparable at the same ``n``)."""
    return _fid_against(_embedded_reference_metric(), floor_images(n))


@functools.lru_cache(maxsize=8)
def fid_reference_points(n: int = 2000) -> dict[str, float]:
    """The scale FID is read on, at a sample of ``n``: the floor (real digits, see ``fid_floor``) and what ``n``
    images of uniform noise score, both against the 3,000 reference digits of ``fid_report``."""
    floor = fid_floor(n)  # checks n
    noise = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    return {"floor": floor, "ceiling": _fid_against(_embedded_reference_metric(), noise)}


def fid_report(samples: torch.Tensor) -> dict[str, float]:
    """FID of ``samples`` against the 3,000 reference digits, the floor at the same sample size, and their ratio
    (1.0 is as good as real digits; each lesson scores 2,000 samples in class mode)."""
    samples = check_digit_images(samples, "samples")
    floor = fid_floor(len(samples))
    value = _fid_against(_embedded_reference_metric(), samples)
    return {"fid": value, "fid_floor": floor, "fid_vs_floor": value / floor, "fid_n": len(samples)}
