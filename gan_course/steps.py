"""Train steps: one update of each network on one batch, as a function of (models, optimizers, batch).

Each returns plain floats for the history: losses, and the mean D outputs D(x) and D(G(z)) as probabilities.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from gan_course import losses

LossD = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LossG = Callable[[torch.Tensor], torch.Tensor]


def gan_step(
    G: nn.Module,
    D: nn.Module,
    opt_G: torch.optim.Optimizer,
    opt_D: torch.optim.Optimizer,
    real: torch.Tensor,
    z_dim: int,
    d_loss: LossD = losses.discriminator_loss,
    g_loss: LossG = losses.generator_loss,
    ema: torch.optim.swa_utils.AveragedModel | None = None,
) -> dict[str, float]:
    """One D update and one G update (Goodfellow et al. 2014); by default BCE with the non-saturating G loss.

    ``d_loss``/``g_loss`` swap in other losses (e.g. hinge); ``ema`` (an AveragedModel of G) is updated after G.
    """
    z = torch.randn(len(real), z_dim, device=real.device)  # (B, z_dim)
    fake = G(z)  # (B, C, H, W)

    # (1) Update D: maximize log D(x) + log(1 - D(G(z))). detach(): this loss must not reach G.
    opt_D.zero_grad()
    real_logits, fake_logits = D(real), D(fake.detach())
    loss_D = d_loss(real_logits, fake_logits)
    loss_D.backward()
    opt_D.step()

    # (2) Update G: maximize log D(G(z)), scored by the D just updated.
    opt_G.zero_grad()
    gen_logits = D(fake)
    loss_G = g_loss(gen_logits)
    loss_G.backward()
    opt_G.step()
    if ema is not None:
        ema.update_parameters(G)

    return {
        "loss_D": loss_D.item(),
        "loss_G": loss_G.item(),
        "D_x": torch.sigmoid(real_logits).mean().item(),
        "D_G_z": torch.sigmoid(fake_logits).mean().item(),
    }


def conditional_gan_step(
    G: nn.Module,
    D: nn.Module,
    opt_G: torch.optim.Optimizer,
    opt_D: torch.optim.Optimizer,
    real: torch.Tensor,
    labels: torch.Tensor,
    z_dim: int,
    n_classes: int,
    d_loss: LossD = losses.discriminator_hinge_loss,
    g_loss: LossG = losses.generator_hinge_loss,
    ema: torch.optim.swa_utils.AveragedModel | None = None,
) -> dict[str, float]:
    """One update of a conditional pair G(z, y), D(x, y) on real images (B, C, H, W) with their labels (B,).

    Fakes are drawn for labels sampled uniformly, and D always judges a fake against the label G drew it for.
    By default the hinge losses of lesson 02's modern recipe.
    """
    B = len(real)
    z = torch.randn(B, z_dim, device=real.device)  # (B, z_dim)
    fake_labels = torch.randint(0, n_classes, (B,), device=real.device)  # (B,): every class, whatever the batch holds
    fake = G(z, fake_labels)  # (B, C, H, W)

    # (1) Update D: real images with their own labels, fakes with the labels they were drawn for.
    opt_D.zero_grad()
    real_logits, fake_logits = D(real, labels), D(fake.detach(), fake_labels)
    loss_D = d_loss(real_logits, fake_logits)
    loss_D.backward()
    opt_D.step()

    # (2) Update G: make D believe each fake is a real example of its label.
    opt_G.zero_grad()
    loss_G = g_loss(D(fake, fake_labels))
    loss_G.backward()
    opt_G.step()
    if ema is not None:
        ema.update_parameters(G)

    return {
        "loss_D": loss_D.item(),
        "loss_G": loss_G.item(),
        "D_x": torch.sigmoid(real_logits).mean().item(),
        "D_G_z": torch.sigmoid(fake_logits).mean().item(),
    }
