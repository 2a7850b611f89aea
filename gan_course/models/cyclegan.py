"""CycleGAN for 28x28 images (Zhu et al. 2017), sized for a CPU: a ResNet generator that works at 14x14 and a
PatchGAN discriminator that scores 7x7 overlapping patches.

The layout follows Zhu et al.'s (c7s1, a stride-2 downsampling, residual blocks, a stride-2 upsampling, c7s1 to the
output, instance norm throughout), with fewer channels and blocks: their 256-pixel photos need 9 blocks at 64
channels, a 28-pixel digit does not. Constructors take plain sizes.
"""

from __future__ import annotations

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """(B, C, H, W) -> (B, C, H, W): x + F(x), F = [reflect-pad, conv3x3, instance norm, ReLU] x 2 (no final ReLU).

    The skip makes the identity easy to represent: a block learns only what must change (style, not content)."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels), nn.ReLU(),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class CycleGenerator(nn.Module):
    """images (B, in, 28, 28) in [-1, 1] -> images (B, out, 28, 28) in [-1, 1].

    ``n_down`` stride-2 steps (1: blocks at 14x14; 2: at 7x7, where each block sees most of the digit and can
    change its shape, not only its strokes); the width doubles at each step."""

    def __init__(self, in_channels: int = 1, out_channels: int = 1, channels: int = 32, n_blocks: int = 3,
                 n_down: int = 1):
        super().__init__()
        c = channels
        down = [m for i in range(n_down) for m in (  # (B, c * 2^i, H, W) -> (B, c * 2^(i+1), H/2, W/2)
            nn.Conv2d(c * 2**i, c * 2 ** (i + 1), 3, stride=2, padding=1), nn.InstanceNorm2d(c * 2 ** (i + 1)), nn.ReLU())]
        up = [m for i in reversed(range(n_down)) for m in (  # the mirror image: (H, W) -> (2H, 2W)
            nn.ConvTranspose2d(c * 2 ** (i + 1), c * 2**i, 3, stride=2, padding=1, output_padding=1),
            nn.InstanceNorm2d(c * 2**i), nn.ReLU())]
        self.net = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(in_channels, c, 7), nn.InstanceNorm2d(c), nn.ReLU(),  # (B, c, 28, 28)
            *down,  # (B, c * 2^n_down, 28 / 2^n_down, ...)
            *[ResidualBlock(c * 2**n_down) for _ in range(n_blocks)],
            *up,  # (B, c, 28, 28)
            nn.ReflectionPad2d(3), nn.Conv2d(c, out_channels, 7), nn.Tanh(),  # (B, out, 28, 28)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class PatchDiscriminator(nn.Module):
    """images (B, in, 28, 28) -> scores (B, 1, 7, 7): one raw score per overlapping 18x18 patch.

    Judging patches, not the whole image, asks "does every local piece look like the target domain?", which is
    what a change of style is; the cycle loss, not D, keeps the global content (Isola et al. 2017; Zhu et al. 2017)."""

    def __init__(self, in_channels: int = 1, channels: int = 32):
        super().__init__()
        c = channels
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, c, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # (B, c, 14, 14); no norm on the input
            nn.Conv2d(c, 2 * c, 4, stride=2, padding=1), nn.InstanceNorm2d(2 * c), nn.LeakyReLU(0.2),  # (B, 2c, 7, 7)
            nn.Conv2d(2 * c, 1, 3, stride=1, padding=1),  # (B, 1, 7, 7)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
