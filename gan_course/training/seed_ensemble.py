"""The 2-D seed-ensemble trainer of lesson 03: one GAN recipe trained on a 2-D mixture for several seeds at once.

The seeds of a table row are independent models stacked into one batched forward pass
(``models.ensemble``), so three seeds cost little more than one. Every recipe uses the same generator;
a recipe changes only the discriminator, the loss or the training schedule.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import nn

from gan_course import losses
from gan_course.data import GaussianMixture2D
from gan_course.models.ensemble import ensemble_mlp
from gan_course.packing import pack

Z_DIM, HIDDEN = 32, 128  # the one generator: z (32) -> 128 -> 128 -> 2, tanh; see Recipe for what may change


@dataclass(frozen=True)
class Recipe:
    """How a method trains. Defaults are the collapse-prone setup of the Unrolled GAN paper (Metz et al. 2016):
    tanh discriminator, non-saturating BCE loss, Adam(beta1=0.5), D learning rate 1e-4, G learning rate 1e-3."""

    label: str
    d_activation: str = "tanh"  # "tanh" or "relu"
    loss: str = "gan"  # "gan": non-saturating BCE; "wgan-gp": Wasserstein critic with a gradient penalty
    pack: int = 1  # PacGAN: D judges `pack` samples at once
    lr_g: float = 1e-3
    lr_d: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1  # D updates per G update
    gp_weight: float = 0.1  # WGAN-GP's lambda; 0.1 suits 2-D toy data (Gulrajani et al.'s toy code), 10 suits images
    decay: bool = False  # both learning rates fall linearly to 0 over the run

    def __post_init__(self):
        if self.d_activation not in ("tanh", "relu"):
            raise ValueError(f"expected d_activation 'tanh' or 'relu', got {self.d_activation!r}")
        if self.loss not in ("gan", "wgan-gp"):
            raise ValueError(f"expected loss 'gan' or 'wgan-gp', got {self.loss!r}")
        if self.pack < 1 or self.n_critic < 1:
            raise ValueError(f"expected pack >= 1 and n_critic >= 1, got {self.pack} and {self.n_critic}")


def toy_generator(n_models: int, seed: int) -> nn.Sequential:
    """``n_models`` generators, (S, B, Z_DIM) -> (S, B, 2): the same MLP for every recipe."""
    return ensemble_mlp(n_models, [Z_DIM, HIDDEN, HIDDEN, 2], nn.Tanh, seed=seed)


def toy_discriminator(n_models: int, recipe: Recipe, seed: int) -> nn.Sequential:
    """``n_models`` discriminators, (S, B', 2 * pack) -> (S, B', 1)."""
    activation = nn.Tanh if recipe.d_activation == "tanh" else nn.ReLU
    return ensemble_mlp(n_models, [2 * recipe.pack, HIDDEN, HIDDEN, 1], activation, seed=seed)


@dataclass
class ToyRun:
    """What one recipe produced on one mixture, for every seed s of the row."""

    recipe: Recipe
    mixture: GaussianMixture2D
    snapshot_steps: list[int]
    snapshots: torch.Tensor  # (T, S, n_eval, 2): samples on the same noise through training
    seconds: float

    @property
    def samples(self) -> torch.Tensor:
        """(S, n_eval, 2): the final samples, i.e. the last snapshot."""
        return self.snapshots[-1]

    def snapshots_of(self, seed: int) -> dict[int, torch.Tensor]:
        """{step: (n_eval, 2) samples} of model ``seed`` of the row: what ``plotting.film_strip`` draws."""
        return {step: self.snapshots[t, seed] for t, step in enumerate(self.snapshot_steps)}


def _scores(D: nn.Module, x: torch.Tensor, m: int) -> torch.Tensor:
    """D's scores for (S, B, 2) points; with packing, for (S, B // m) packs of m real or m fake points."""
    return D(pack(x, m, batch_dims=2)).squeeze(-1)  # m = 1 leaves (S, B, 2) as it is


def train_toy(recipe: Recipe, mixture: GaussianMixture2D, n_seeds: int, steps: int, seed: int = 0,
              batch_size: int = 256, n_snapshots: int = 8, n_eval: int = 2500) -> ToyRun:
    """Train ``n_seeds`` GANs with ``recipe`` for ``steps`` discriminator updates each (so WGAN-GP, with
    ``n_critic`` D updates per G update, gets ``steps // n_critic`` generator updates: equal D work).

    Returns every seed's final samples and ``n_snapshots`` snapshots on fixed noise (``metrics.modes`` measures them).
    """
    if batch_size % recipe.pack:
        raise ValueError(f"expected a batch size divisible by pack={recipe.pack}, got {batch_size}")
    if steps < recipe.n_critic:
        raise ValueError(f"expected at least n_critic={recipe.n_critic} steps, got {steps}")
    S = n_seeds
    G = toy_generator(S, seed=1000 * seed + 1)
    D = toy_discriminator(S, recipe, seed=1000 * seed + 2)
    opt_g = torch.optim.Adam(G.parameters(), recipe.lr_g, betas=recipe.betas)
    opt_d = torch.optim.Adam(D.parameters(), recipe.lr_d, betas=recipe.betas)
    g_steps = steps // recipe.n_critic
    # linear decay towards 0 (or a constant rate): the game settles instead of circling, and modes sharpen at the end
    decay = recipe.decay
    schedule_g = torch.optim.lr_scheduler.LambdaLR(opt_g, lambda t: 1 - t / g_steps if decay else 1.0)
    schedule_d = torch.optim.lr_scheduler.LambdaLR(opt_d, lambda t: 1 - t / steps if decay else 1.0)
    rng = torch.Generator().manual_seed(1000 * seed + 3)
    eval_z = torch.randn(S, n_eval, Z_DIM, generator=torch.Generator().manual_seed(1000 * seed + 4))
    snapshot_at = sorted({max(1, round(g_steps * (i + 1) / n_snapshots)) for i in range(n_snapshots)})
    snapshots, m = [], recipe.pack

    def real_batch() -> torch.Tensor:  # (S, B, 2): an independent batch for every seed
        return mixture.sample(S * batch_size, generator=rng).view(S, batch_size, 2)

    start = time.perf_counter()
    for g_step in range(1, g_steps + 1):
        for _ in range(recipe.n_critic):
            real = real_batch()
            fake = G(torch.randn(S, batch_size, Z_DIM, generator=rng)).detach()
            real_scores, fake_scores = _scores(D, real, m), _scores(D, fake, m)  # (S, B // m) each
            if recipe.loss == "wgan-gp":
                # event_dims=1: each (x, y) point is one sample of the (S, B) batch
                d_loss = (losses.wasserstein_critic_loss(real_scores, fake_scores)
                          + losses.gradient_penalty(lambda x: _scores(D, x, m), real, fake, recipe.gp_weight, event_dims=1))
            else:
                d_loss = losses.discriminator_loss(real_scores, fake_scores)
            opt_d.zero_grad(set_to_none=True)
            (S * d_loss).backward()  # the mean over seeds would shrink each model's gradient by 1/S
            opt_d.step()
            schedule_d.step()
        fake_scores = _scores(D, G(torch.randn(S, batch_size, Z_DIM, generator=rng)), m)
        g_loss = (losses.wasserstein_generator_loss(fake_scores) if recipe.loss == "wgan-gp"
                  else losses.generator_loss(fake_scores))
        opt_g.zero_grad(set_to_none=True)
        (S * g_loss).backward()
        opt_g.step()
        schedule_g.step()
        if g_step in snapshot_at:
            with torch.no_grad():
                snapshots.append(G(eval_z))
    seconds = time.perf_counter() - start
    return ToyRun(recipe, mixture, [s * recipe.n_critic for s in snapshot_at], torch.stack(snapshots), seconds)
