"""GAN losses as pure functions of discriminator logits (raw scores, before any sigmoid).

``binary_cross_entropy_with_logits`` fuses the sigmoid and the log, which is stable where D is confident.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-[log D(x) + log(1 - D(G(z)))]: real images labelled 1, fakes labelled 0."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating loss -log D(G(z)): fakes labelled 1; strong gradients while D rejects them."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def generator_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """The original minimax loss log(1 - D(G(z))); it saturates when D confidently rejects the fakes."""
    return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def discriminator_hinge_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018): D stops pushing once a score is past the margin 1."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def generator_hinge_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The generator's side of the hinge loss: raise D's score of the fakes."""
    return -fake_logits.mean()
