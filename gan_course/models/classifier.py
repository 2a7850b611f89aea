"""The digit classifier behind the metrics (FID features, class coverage, label fidelity), and its shipped weights.

The weights ship with the package (``assets/digit_classifier.pt``, float16) beside a card that records how they
were made; ``gan-course train-classifier`` (``course.classifier_asset``) trains them anew. Nothing is downloaded.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path

import torch
from torch import nn

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
        """The penultimate layer, (B, feature_dim): what FID and the spread within a class compare."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def asset_path(name: str) -> Path:
    """Where package data file ``name`` lives (``gan_course/assets/``), installed or editable alike."""
    return Path(str(resources.files("gan_course") / "assets" / name))


@functools.lru_cache(maxsize=4)
def load_classifier(device: str = "cpu") -> DigitClassifier:
    """The shipped classifier, in eval mode (loaded with ``weights_only=True``)."""
    path = asset_path(CLASSIFIER_WEIGHTS)
    if not path.exists():
        raise FileNotFoundError(f"expected the classifier weights at {path}; run `gan-course train-classifier` to make them")
    model = DigitClassifier()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval().to(device)


def classifier_card() -> dict:
    """What ``train-classifier`` recorded about the shipped weights (held-out accuracy, epochs, seed)."""
    return json.loads(asset_path(CLASSIFIER_CARD).read_text())
