"""Conditional DCGANs for 28x28 digits: a generator that takes a label, and two ways for D to use one.

- concatenation (Mirza & Osindero 2014): the label joins the input, as one-hot maps beside the image;
- projection (Miyato & Koyama 2018): D's score is an unconditional term plus <embed(label), features(image)>.

Lesson 04 writes these in its own cells; this is the reference the checks and the benchmark import, and a test
proves that both build the same networks. The bodies are lesson 02's DCGAN pieces.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from gan_course.models.dcgan import DCGANGenerator, dcgan_init


class ConditionalGenerator(nn.Module):
    """(z (B, z_dim), labels (B,)) -> images (B, 1, 28, 28) in [-1, 1]: a learned label embedding joins z."""

    def __init__(self, z_dim: int = 64, n_classes: int = 10, embed_dim: int = 16, channels: int = 32):
        super().__init__()
        self.z_dim, self.n_classes = z_dim, n_classes
        self.embed = nn.Embedding(n_classes, embed_dim)  # (B,) -> (B, embed_dim)
        self.body = DCGANGenerator(z_dim + embed_dim, channels)  # (B, z_dim + embed_dim) -> (B, 1, 28, 28)
        self.body.apply(dcgan_init)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([z, self.embed(labels)], dim=1))  # join along features, never along the batch


def label_maps(labels: torch.Tensor, n_classes: int, size: int = 28) -> torch.Tensor:
    """(B,) -> (B, n_classes, size, size): one constant one-hot plane per class, to stack beside an image."""
    return F.one_hot(labels, n_classes).float()[:, :, None, None].expand(-1, -1, size, size)


def _features(in_channels: int, c: int) -> nn.Sequential:
    """(B, in, 28, 28) -> (B, 2c * 49): lesson 02's spectrally normalised D body, flattened."""
    return nn.Sequential(
        spectral_norm(nn.Conv2d(in_channels, c, 4, 2, 1)), nn.LeakyReLU(0.2),  # (B, c, 14, 14)
        spectral_norm(nn.Conv2d(c, 2 * c, 4, 2, 1)), nn.LeakyReLU(0.2),  # (B, 2c, 7, 7)
        nn.Flatten(),  # (B, 2c * 49)
    )


class ConcatDiscriminator(nn.Module):
    """(images (B, 1, 28, 28), labels (B,)) -> logits (B,): the label enters as 10 one-hot planes beside the image."""

    def __init__(self, n_classes: int = 10, channels: int = 32):
        super().__init__()
        self.n_classes = n_classes
        self.features = _features(1 + n_classes, channels)
        self.out = spectral_norm(nn.Linear(2 * channels * 49, 1))

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = torch.cat([x, label_maps(labels, self.n_classes, x.shape[-1])], dim=1)  # (B, 1 + n_classes, 28, 28)
        return self.out(self.features(x)).squeeze(1)


class ProjectionDiscriminator(nn.Module):
    """(images (B, 1, 28, 28), labels (B,)) -> logits (B,) = psi(phi(x)) + <embed(y), phi(x)>."""

    def __init__(self, n_classes: int = 10, channels: int = 32):
        super().__init__()
        self.n_classes = n_classes
        self.features = _features(1, channels)  # phi: the label plays no part in what D sees
        self.out = spectral_norm(nn.Linear(2 * channels * 49, 1))  # psi: "is this a real digit at all?"
        # "is it this digit?": e_y starts at zero, so D begins unconditional. Miyato & Koyama also spectrally
        # normalise it; on 28x28 digits that kept the class term too weak to enforce the label (lesson 04).
        self.embed = nn.Embedding(n_classes, 2 * channels * 49)
        nn.init.zeros_(self.embed.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = self.features(x)  # (B, F)
        return self.out(h).squeeze(1) + (self.embed(labels) * h).sum(dim=1)
