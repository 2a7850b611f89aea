"""Lesson 03's exercise checks: the gradient penalty, packed scores (PacGAN) and the mode counts."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from gan_course.checks.core import call, exercise_check, fail, passed
from gan_course.checks.probes import shape_of
from gan_course.data import ring
from gan_course.metrics.modes import mode_histogram, nearest_modes
from gan_course.packing import pack


class _QuadraticCritic(nn.Module):
    """D(x) = s * |x|^2 / 2, so grad D(x) = s * x: the penalty at any point is known in closed form."""

    def __init__(self):
        super().__init__()
        self.s = nn.Parameter(torch.tensor(1.0))

        self.inputs: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inputs.append(x.detach().clone())
        return 0.5 * self.s * x.flatten(1).square().sum(1)


def _penalty_on_segments(n_grid: int = 200_001) -> float:
    """10 * E[(||x_hat|| - 1)^2] for x_hat = a r + (1 - a) f, |r| = 1, |f| = 3, r orthogonal to f, a ~ U(0, 1)."""
    a = torch.linspace(0, 1, n_grid, dtype=torch.float64)
    return float(10 * ((a.square() + 9 * (1 - a).square()).sqrt() - 1).square().mean())


@exercise_check
def check_gradient_penalty(gradient_penalty: Callable) -> None:
    """Lesson 03: ``gradient_penalty(D, real, fake)`` = 10 * E[(||grad D(x_hat)|| - 1)^2] on random mixes x_hat."""
    torch.manual_seed(0)
    D = _QuadraticCritic()
    n = 4096
    direction = F.normalize(torch.randn(n, 2, generator=torch.Generator().manual_seed(1)), dim=1)
    # ||grad D|| = ||x||: 1 on real points, 3 on fakes; each fake at right angles to its real sample, so a mix that
    # leaves the line between the two (a weight per coordinate, or a pair shuffled) shows.
    real, fake = direction * 1.0, direction.flip(1) * torch.tensor([-3.0, 3.0])
    out = call(gradient_penalty, D, real, fake, what="gradient_penalty(D, real, fake)")
    for x_hat in (x for x in D.inputs if x.shape == real.shape):
        a, b = (x_hat * real).sum(1), (x_hat * fake).sum(1) / 9  # the weights of real and fake in x_hat
        if not (torch.allclose(a + b, torch.ones(n), atol=1e-4) and a.min() >= -1e-4 and a.max() <= 1 + 1e-4):
            fail("the points where the penalty is taken are not on the segment between each real sample and its fake",
                 "weigh the real sample by a and the fake by 1 - a (weights that add to 1), with one random a in "
                 "[0, 1] per pair, shared by both coordinates: a has shape (B, 1)")
        if a.std() < 1e-6 and 1e-4 < a.mean() < 1 - 1e-4:  # (a = 0 or 1: the fakes or reals alone, below)
            fail("every pair is mixed with the same weight: one random number was drawn for the whole batch",
                 "draw one weight per real-fake pair, shape (B, 1)")
    if not isinstance(out, torch.Tensor) or out.dim() != 0:
        fail(f"gradient_penalty returned {shape_of(out)}, expected a scalar tensor",
             "average the squared deviations over the batch, then multiply by the weight 10")
    value = out.item()
    expected = _penalty_on_segments()
    if abs(value) < 1e-6:
        fail("gradient_penalty is 0 where the critic's gradient norm is 1: it was computed on the real samples only",
             "penalise at random points between each real sample and its fake, one uniform weight per pair")
    if abs(value - 40) < 2:
        fail("gradient_penalty was computed on the fake samples only",
             "penalise at random points between each real sample and its fake, one uniform weight per pair")
    if abs(value - expected / 10) < 0.1 * expected / 10:
        fail("gradient_penalty is missing its weight of 10", "multiply the mean squared deviation by 10 (Gulrajani et al.)")
    if abs(value - expected) > 0.1 * expected:
        fail(f"gradient_penalty returned {value:.2f} on a critic whose answer is {expected:.2f}",
             "the gradient of D at x_hat (torch.autograd.grad), its norm per sample, the squared deviation from 1, the mean, times 10")
    if not out.requires_grad:
        fail("the penalty does not depend on the critic's weights, so the critic's update ignores it",
             "ask autograd for the gradient with create_graph=True: the penalty must stay differentiable")
    (grad_s,) = torch.autograd.grad(out, D.s)
    if grad_s.abs().item() < 1e-6:
        fail("the penalty has no gradient with respect to the critic's weights",
             "ask autograd for the gradient with create_graph=True, and don't detach it")
    passed("gradient_penalty", "10 * E[(||grad D(x_hat)|| - 1)^2] on real-fake mixes, differentiable for the critic")


class _RecordingCritic(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.linear = nn.Linear(width, 1)
        self.inputs: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inputs.append(x.detach().clone())
        return self.linear(x).squeeze(1)


@exercise_check
def check_packed_scores(packed_scores: Callable, m: int = 4) -> None:
    """Lesson 03: ``packed_scores(D, real, fake, m)`` scores packs of m reals and packs of m fakes, never mixed."""
    n = 32
    real = torch.cat([torch.full((n, 1), 5.0), torch.arange(n).float().unsqueeze(1)], dim=1)  # (n, 2), x = +5
    fake = torch.cat([torch.full((n, 1), -5.0), torch.arange(n).float().unsqueeze(1)], dim=1)  # (n, 2), x = -5
    D = _RecordingCritic(2 * m)
    out = call(packed_scores, D, real, fake, m, what=f"packed_scores(D, real, fake, m={m})",
               hint="pack with gan_course.packing.pack(samples, m): (B, 2) -> (B // m, 2 * m)")
    if not (isinstance(out, tuple) and len(out) == 2):
        fail(f"packed_scores returned {type(out).__name__}, expected a pair (real_scores, fake_scores)",
             "return the pair: the real packs' scores, then the fake packs'")
    shapes = [shape_of(o) for o in out]
    if shapes != [f"({n // m},)"] * 2:
        fail(f"packed_scores returned scores of shapes {shapes}, expected ({n // m},) each: one score per pack of {m}",
             f"pack(real, m) has shape ({n // m}, {2 * m})")
    rows = torch.cat(D.inputs).view(-1, m, 2)[:, :, 0]  # the x coordinate of each sample in each pack
    mixed = ((rows > 0).any(1) & (rows < 0).any(1)).sum().item()
    if mixed:
        fail(f"{mixed} packs mix real and fake samples, so D can no longer tell a real pack from a fake one",
             "pack the real batch and the fake batch separately, then score each")
    real_rows = (rows > 0).all(1).sum().item()
    if real_rows != n // m:
        fail(f"D saw {real_rows} packs of real samples, expected {n // m}", "score every real sample exactly once, in packs of m")
    with torch.no_grad():
        expected = [D.linear(pack(x, m)).squeeze(1) for x in (real, fake)]
    if all(torch.allclose(o, e) for o, e in zip(out, reversed(expected))):
        fail("packed_scores returned the fake packs' scores first: the pair is (real scores, fake scores)",
             "return the real packs' scores first, then the fakes'")
    if not all(torch.allclose(o, e) for o, e in zip(out, expected)):
        fail("packed_scores did not return D's scores of the packs, in the order the samples came",
             "score pack(real, m) and pack(fake, m) with D and return the two score tensors as they are")
    passed("packed_scores", f"packs of {m} real and packs of {m} fake samples, scored separately")


@exercise_check
def check_mode_counts(mode_counts: Callable) -> None:
    """Lesson 03: ``mode_counts(samples, centers, std)`` counts the high-quality samples (within 3 std) per mode."""
    mixture = ring()
    cases = {
        "samples spread over every mode": mixture.sample(800, seed=0),
        "samples all on one mode": mixture.centers[2].repeat(100, 1),
        "samples far from every mode": torch.zeros(100, 2),
        "samples 4 std from their nearest mode": mixture.centers[1] + torch.tensor([[4 * mixture.std, 0.0]]),
    }
    for name, samples in cases.items():
        got = call(mode_counts, samples, mixture.centers, mixture.std, what=f"mode_counts on {name}")
        expected = mode_histogram(samples, mixture)
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != (mixture.n_modes,):
            fail(f"mode_counts returned {shape_of(got)} for {name}, expected one count per mode, shape ({mixture.n_modes},)",
                 "count, per centre, the samples whose nearest centre it is and that lie close enough (torch.bincount with a minimum length)")
        if not torch.equal(got.long(), expected):
            every_sample = torch.bincount(nearest_modes(samples, mixture)[0], minlength=mixture.n_modes)
            far = torch.equal(got.long(), every_sample)
            fail(f"mode_counts on {name} gave {got.tolist()}, expected {expected.tolist()}",
                 "only samples within 3 std of their nearest centre count: a sample far from every mode is not "
                 "evidence that a mode is covered" if far else
                 "distance to the nearest centre <= 3 * std, then count per nearest centre")
    passed("mode_counts", "counts only samples within 3 std of their nearest mode")
