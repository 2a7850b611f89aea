"""GAN losses as pure functions of discriminator logits (raw scores, before any sigmoid).

``binary_cross_entropy_with_logits`` fuses the sigmoid and the log, which is stable where D is confident.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


BCE_EQUILIBRIUM = {"loss_D": 2 * math.log(2), "loss_G": math.log(2)}  # the BCE losses when D says 1/2 everywhere


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


def wasserstein_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """WGAN critic loss (Arjovsky et al. 2017): minimise E[D(G(z))] - E[D(x)]."""
    return fake_scores.mean() - real_scores.mean()


def wasserstein_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """WGAN generator loss: raise the critic's score of the fakes."""
    return -fake_scores.mean()


def gradient_penalty(D, real: torch.Tensor, fake: torch.Tensor, weight: float = 10.0,
                     event_dims: int | None = None) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017): weight * E[(||grad D(x_hat)|| - 1)^2] at random points x_hat between
    real and fake samples. ``create_graph=True`` lets the critic's update differentiate through the penalty.

    ``event_dims``: how many trailing dimensions make one sample (default: all but the first, e.g. (B, C, H, W));
    an ensemble's (S, B, 2) points use 1.
    """
    event_dims = real.dim() - 1 if event_dims is None else event_dims
    batch_shape = real.shape[: real.dim() - event_dims]
    alpha = torch.rand(*batch_shape, *[1] * event_dims, device=real.device)  # one mix per real-fake pair
    mixed = (alpha * real + (1 - alpha) * fake.detach()).requires_grad_(True)
    (grads,) = torch.autograd.grad(D(mixed).sum(), mixed, create_graph=True)
    norms = grads.flatten(start_dim=len(batch_shape)).norm(dim=-1)  # (*batch_shape,)
    return weight * (norms - 1).square().mean()


def discriminator_lsgan_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """Least-squares GAN (Mao et al. 2017), as CycleGAN uses it: (D(x) - 1)^2 + D(G(z))^2, halved so D learns
    at half G's rate (Zhu et al. 2017, §7.1)."""
    return 0.5 * ((real_scores - 1).square().mean() + fake_scores.square().mean())


def generator_lsgan_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """The generator's least-squares loss (D(G(z)) - 1)^2: a gradient that grows with the distance from 'real'."""
    return (fake_scores - 1).square().mean()


def cycle_loss(real: torch.Tensor, reconstructed: torch.Tensor) -> torch.Tensor:
    """L1 between an image and its round trip, F(G(x)) for x: what the cycle keeps, content must survive."""
    return (reconstructed - real).abs().mean()


def identity_loss(target_images: torch.Tensor, translated: torch.Tensor) -> torch.Tensor:
    """L1 between target-domain images and G applied to them: G should leave an image already in its output
    domain unchanged (Zhu et al. 2017, §5.2; Taigman et al. 2017)."""
    return (translated - target_images).abs().mean()
