"""Update steps: one update of each network on one batch, as a function of (models, optimizers, batch).

Each returns plain floats for the history: losses, and the mean D outputs D(x) and D(G(z)) as probabilities.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from gan_course import losses

LossD = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LossG = Callable[[torch.Tensor], torch.Tensor]


def _adversarial_updates(
    G: nn.Module, fake: torch.Tensor, *, score_real: Callable[[], torch.Tensor],
    score_fake: Callable[[torch.Tensor], torch.Tensor], opt_G: torch.optim.Optimizer, opt_D: torch.optim.Optimizer,
    d_loss: LossD, g_loss: LossG, ema: torch.optim.swa_utils.AveragedModel | None,
) -> dict[str, float]:
    """The two updates every GAN step shares, once G has drawn ``fake``: D scores the real batch with
    ``score_real()`` and a batch of fakes with ``score_fake(images)``. Returns both losses and D's mean outputs as
    probabilities, for the history."""
    # (1) Update D: tell the real batch from the fakes (with BCE: maximise log D(x) + log(1 - D(G(z)))).
    # detach(): this loss must not reach G.
    opt_D.zero_grad()
    real_logits, fake_logits = score_real(), score_fake(fake.detach())
    loss_D = d_loss(real_logits, fake_logits)
    loss_D.backward()
    opt_D.step()

    # (2) Update G: make the D just updated score the fakes as real (with BCE: maximise log D(G(z))).
    opt_G.zero_grad()
    loss_G = g_loss(score_fake(fake))
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
    return _adversarial_updates(G, fake, score_real=lambda: D(real), score_fake=D, opt_G=opt_G, opt_D=opt_D,
                                d_loss=d_loss, g_loss=g_loss, ema=ema)


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

    Fakes are drawn for labels sampled uniformly, and D always judges a fake against the label G drew it for:
    real images with their own labels, fakes with theirs. By default the hinge losses of lesson 02's modern recipe.
    """
    B = len(real)
    z = torch.randn(B, z_dim, device=real.device)  # (B, z_dim)
    fake_labels = torch.randint(0, n_classes, (B,), device=real.device)  # (B,): every class, whatever the batch holds
    fake = G(z, fake_labels)  # (B, C, H, W)
    return _adversarial_updates(G, fake, score_real=lambda: D(real, labels), score_fake=lambda x: D(x, fake_labels),
                                opt_G=opt_G, opt_D=opt_D, d_loss=d_loss, g_loss=g_loss, ema=ema)


def cyclegan_generator_loss(
    G_ab: nn.Module, G_ba: nn.Module, D_a: nn.Module, D_b: nn.Module, real_a: torch.Tensor, real_b: torch.Tensor,
    cycle_weight: float = 10.0, identity_weight: float = 5.0,
) -> tuple[torch.Tensor, dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    """CycleGAN's generator objective (Zhu et al. 2017, eq. 3 plus the identity term of §5.2) for batches of
    both domains; returns (total, its parts, fake_b = G_ab(real_a), fake_a = G_ba(real_b))."""
    fake_b, fake_a = G_ab(real_a), G_ba(real_b)
    parts = {
        "adversarial": losses.generator_lsgan_loss(D_b(fake_b)) + losses.generator_lsgan_loss(D_a(fake_a)),
        "cycle": losses.cycle_loss(real_a, G_ba(fake_b)) + losses.cycle_loss(real_b, G_ab(fake_a)),
    }
    # identity: a B image given to the A->B translator should come back unchanged, and vice versa
    parts["identity"] = (losses.identity_loss(real_b, G_ab(real_b)) + losses.identity_loss(real_a, G_ba(real_a))
                         if identity_weight else torch.zeros((), device=real_a.device))
    total = parts["adversarial"] + cycle_weight * parts["cycle"] + identity_weight * parts["identity"]
    return total, parts, fake_b, fake_a


def cyclegan_step(
    G_ab: nn.Module, G_ba: nn.Module, D_a: nn.Module, D_b: nn.Module,
    opt_G: torch.optim.Optimizer, opt_D: torch.optim.Optimizer, real_a: torch.Tensor, real_b: torch.Tensor,
    history_a, history_b, cycle_weight: float = 10.0, identity_weight: float = 5.0,
) -> dict[str, float]:
    """One CycleGAN update: both generators on the full objective, then both discriminators (least squares) on
    real images against fakes from the history buffers (``models.ImagePool``). ``opt_G`` holds both G's
    parameters, ``opt_D`` both D's."""
    # (1) Update G_ab and G_ba. The Ds are frozen: their weights get no gradient from the generators' loss.
    for D in (D_a, D_b):
        D.requires_grad_(False)
    opt_G.zero_grad()
    loss_G, parts, fake_b, fake_a = cyclegan_generator_loss(G_ab, G_ba, D_a, D_b, real_a, real_b,
                                                            cycle_weight, identity_weight)
    loss_G.backward()
    opt_G.step()
    for D in (D_a, D_b):
        D.requires_grad_(True)

    # (2) Update D_a and D_b on real images and on a mix of new and earlier fakes (detached by the buffer).
    opt_D.zero_grad()
    loss_D_a = losses.discriminator_lsgan_loss(D_a(real_a), D_a(history_a.query(fake_a)))
    loss_D_b = losses.discriminator_lsgan_loss(D_b(real_b), D_b(history_b.query(fake_b)))
    (loss_D_a + loss_D_b).backward()
    opt_D.step()
    return {"loss_G": loss_G.item(), **{f"loss_{k}": v.item() for k, v in parts.items()},
            "loss_D_a": loss_D_a.item(), "loss_D_b": loss_D_b.item()}
