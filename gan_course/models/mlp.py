"""The fully connected GAN of lesson 01 (Goodfellow et al. 2014), for 28x28 images.

This is the reference that later lessons and the exercise checks import; lesson 01 writes the same
networks in its own cells, and a test proves that both build the same thing.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class MLPGenerator(nn.Module):
    """z (B, z_dim) -> images (B, *img_shape) in [-1, 1]."""

    def __init__(self, z_dim: int = 64, hidden: int = 256, img_shape: tuple[int, ...] = (1, 28, 28)):
        super().__init__()
        self.z_dim, self.img_shape = z_dim, tuple(img_shape)
        self.net = nn.Sequential(
            nn.Linear(z_dim, hidden),  # (B, h)
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, 2 * hidden),  # (B, 2h)
            nn.BatchNorm1d(2 * hidden),  # keeps activations on scale: faster, more varied samples early on
            nn.LeakyReLU(0.2),
            nn.Linear(2 * hidden, 4 * hidden),  # (B, 4h)
            nn.BatchNorm1d(4 * hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(4 * hidden, math.prod(self.img_shape)),  # (B, C*H*W)
            nn.Tanh(),  # images live in [-1, 1], like the data
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(len(z), *self.img_shape)  # (B, C, H, W)


class MLPDiscriminator(nn.Module):
    """images (B, *img_shape) -> one real/fake logit per image (B,); no sigmoid, the loss applies it."""

    def __init__(self, hidden: int = 256, img_shape: tuple[int, ...] = (1, 28, 28), dropout: float = 0.3):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),  # (B, C*H*W)
            nn.Linear(math.prod(img_shape), 2 * hidden),  # (B, 2h)
            nn.LeakyReLU(0.2),
            nn.Dropout(dropout),  # D sees only 4,500 digits; dropout slows it memorising them
            nn.Linear(2 * hidden, hidden),  # (B, h)
            nn.LeakyReLU(0.2),
            nn.Dropout(dropout),
            nn.Linear(hidden, 1),  # (B, 1) logit
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (B,)
