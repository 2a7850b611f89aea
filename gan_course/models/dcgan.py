"""DCGAN for 28x28 digits (Radford et al. 2016), and the discriminator of its modern variant (spectral norm).

Lesson 02 writes these blocks in its own cells; this is the reference that later lessons and the checks import,
and a test proves that both build the same networks.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def generator_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """(B, in, H, W) -> (B, out, 2H, 2W): a strided transposed convolution learns the upsampling."""
    return nn.Sequential(
        nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),  # the bias would be cancelled by BatchNorm's mean anyway
        nn.ReLU(),
    )


def discriminator_block(in_channels: int, out_channels: int, batchnorm: bool = True) -> nn.Sequential:
    """(B, in, H, W) -> (B, out, H/2, W/2): a strided convolution learns the downsampling (no pooling)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1, bias=not batchnorm),
        *([nn.BatchNorm2d(out_channels)] if batchnorm else []),
        nn.LeakyReLU(0.2),
    )


class DCGANGenerator(nn.Module):
    """z (B, z_dim) -> images (B, 1, 28, 28) in [-1, 1]."""

    def __init__(self, z_dim: int = 64, channels: int = 32):
        super().__init__()
        c = channels
        self.z_dim = z_dim
        self.net = nn.Sequential(
            nn.ConvTranspose2d(z_dim, 4 * c, kernel_size=7, stride=1, padding=0, bias=False),  # (B, 4c, 7, 7)
            nn.BatchNorm2d(4 * c),
            nn.ReLU(),
            generator_block(4 * c, 2 * c),  # (B, 2c, 14, 14)
            nn.ConvTranspose2d(2 * c, 1, kernel_size=4, stride=2, padding=1),  # (B, 1, 28, 28)
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(len(z), -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    """images (B, 1, 28, 28) -> logits (B,)."""

    def __init__(self, channels: int = 32):
        super().__init__()
        c = channels
        self.net = nn.Sequential(
            discriminator_block(1, c, batchnorm=False),  # (B, c, 14, 14); no BatchNorm on the input layer
            discriminator_block(c, 2 * c),  # (B, 2c, 7, 7)
            nn.Conv2d(2 * c, 1, kernel_size=7),  # (B, 1, 1, 1)
            nn.Flatten(0),  # (B,)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SNDiscriminator(nn.Module):
    """The plain D with spectral norm on every layer instead of BatchNorm: images (B, 1, 28, 28) -> logits (B,)."""

    def __init__(self, channels: int = 32):
        super().__init__()
        c = channels
        self.net = nn.Sequential(
            spectral_norm(nn.Conv2d(1, c, 4, 2, 1)), nn.LeakyReLU(0.2),  # (B, c, 14, 14)
            spectral_norm(nn.Conv2d(c, 2 * c, 4, 2, 1)), nn.LeakyReLU(0.2),  # (B, 2c, 7, 7)
            spectral_norm(nn.Conv2d(2 * c, 1, 7)), nn.Flatten(0),  # (B,)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def dcgan_init(module: nn.Module) -> None:
    """Radford et al.'s init: conv weights ~ N(0, 0.02), BatchNorm scale ~ N(1, 0.02), shift 0. Use ``net.apply``."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
