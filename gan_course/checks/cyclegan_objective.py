"""Lesson 05's generator-objective check: the objective computed on translators and critics with known answers
(x -> a x + b, a scaled average pool), compared with the reference and with the realistic wrong objectives: a
cycle loss against the wrong image, an identity loss fed the wrong domain, critics crossed, a term missing."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from gan_course import losses
from gan_course.checks.core import call, exercise_check, fail, passed
from gan_course.checks.probes import close, random_images, shape_of
from gan_course.training.update_steps import cyclegan_generator_loss


class _Constant(nn.Module):
    """A translator with a known answer: x -> a * x + b (differentiable, so losses can flow through it)."""

    def __init__(self, a: float, b: float):
        super().__init__()
        self.a, self.b = nn.Parameter(torch.tensor(a)), nn.Parameter(torch.tensor(b))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a * x + self.b


class _Critic(nn.Module):
    def __init__(self, w: float):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w * nn.functional.avg_pool2d(x, 4)  # (B, 1, 7, 7)


def _objective_candidates(G_ab, G_ba, D_a, D_b, real_a, real_b, cw, iw) -> dict[str, torch.Tensor]:
    """The right objective (the package's) and the realistic wrong ones, for the same networks and batches."""
    right, parts, fake_b, fake_a = cyclegan_generator_loss(G_ab, G_ba, D_a, D_b, real_a, real_b, cw, iw)
    adv, cyc, idt = parts["adversarial"], parts["cycle"], parts["identity"]
    return {
        "right": right,
        "the cycle loss compares the reconstruction with the translated image, not with the original":
            adv + cw * (losses.cycle_loss(fake_b, G_ba(fake_b)) + losses.cycle_loss(fake_a, G_ab(fake_a))) + iw * idt,
        "the cycle loss compares the reconstruction with an image of the other domain":
            adv + cw * (losses.cycle_loss(real_b, G_ba(fake_b)) + losses.cycle_loss(real_a, G_ab(fake_a))) + iw * idt,
        "the identity loss feeds each generator its own input domain (G_ab(real_a)) instead of its output domain":
            adv + cw * cyc + iw * (losses.identity_loss(real_a, G_ab(real_a)) + losses.identity_loss(real_b, G_ba(real_b))),
        "the adversarial terms ask D_a about fake_b and D_b about fake_a":
            losses.generator_lsgan_loss(D_a(fake_b)) + losses.generator_lsgan_loss(D_b(fake_a)) + cw * cyc + iw * idt,
        "the identity loss is missing": adv + cw * cyc,
        "the cycle loss is missing": adv + iw * idt,
    }


_PART_HINTS = {
    "the adversarial terms ask D_a about fake_b and D_b about fake_a":
        "D_b judges B images, so it scores fake_b = G_ab(real_a); D_a scores fake_a",
    "the identity loss is missing": "add the identity part, times identity_weight",
    "the cycle loss is missing": "add the cycle part, times cycle_weight",
}


def _wrong_part(parts, G_ab, G_ba, D_a, D_b, real_a, real_b) -> str:
    """Which of the returned parts differs from the reference's, in words (or that the parts are right)."""
    if not isinstance(parts, dict):
        return f"and the parts are {type(parts).__name__}, expected a dict"
    expected = cyclegan_generator_loss(G_ab, G_ba, D_a, D_b, real_a, real_b, 10.0, 5.0)[1]
    for key, value in expected.items():
        got = parts.get(key)
        if not isinstance(got, torch.Tensor) or not close(got, value, rtol=1e-4):
            shown = f"{got.item():.4f}" if isinstance(got, torch.Tensor) and got.dim() == 0 else shape_of(got)
            return f"parts['{key}'] is {shown}, expected {value.item():.4f}"
    return "every part is right, so the total combines them wrongly: adversarial + cycle_weight * cycle + " \
           "identity_weight * identity"


@exercise_check
def check_generator_objective(generator_objective: Callable) -> None:
    """Lesson 05: ``generator_objective(G_ab, G_ba, D_a, D_b, real_a, real_b, cycle_weight, identity_weight)``
    returns (total, parts, fake_b, fake_a) with total = adversarial + cw * cycle + iw * identity."""
    G_ab, G_ba, D_a, D_b = _Constant(0.8, 0.1), _Constant(1.2, -0.2), _Critic(0.7), _Critic(1.3)
    real_a, real_b = random_images(3, 5), random_images(3, 6)
    result = call(generator_objective, G_ab, G_ba, D_a, D_b, real_a, real_b, 10.0, 5.0,
                  what="generator_objective(G_ab, G_ba, D_a, D_b, real_a, real_b, 10.0, 5.0)")
    if not isinstance(result, tuple) or len(result) != 4:
        fail(f"generator_objective returned {type(result).__name__}, expected a 4-tuple (the total, its parts, the B fakes, the A fakes)",
             "return a 4-tuple: the total, the dict of parts (adversarial, cycle, identity), the B fakes and the A fakes")
    total = result[0]
    candidates = _objective_candidates(G_ab, G_ba, D_a, D_b, real_a, real_b, 10.0, 5.0)
    if not isinstance(total, torch.Tensor) or total.dim() != 0:
        fail(f"the total is {shape_of(total)}, expected one number", "add the three parts, each a mean")
    if not close(total, candidates["right"], rtol=1e-4):
        found = next((why for why, value in candidates.items() if why != "right" and close(total, value, rtol=1e-4)), None)
        fail(f"the total is {total.item():.4f}, expected {candidates['right'].item():.4f}: "
             + (found or _wrong_part(result[1], G_ab, G_ba, D_a, D_b, real_a, real_b)),
             _PART_HINTS.get(found, "adversarial: each D judges the fakes of its own domain; cycle: each real batch "
                             "against its round trip through both generators; identity: each generator given images of "
                             "its OUTPUT domain, against those same images; total: adversarial + weighted cycle + "
                             "weighted identity"))
    if not total.requires_grad:
        fail("the total carries no gradient", "don't detach the fakes or use torch.no_grad() in the generators' objective")
    params = [*G_ab.parameters(), *G_ba.parameters()]
    got = torch.autograd.grad(total, params, allow_unused=True, retain_graph=True)
    expected = torch.autograd.grad(candidates["right"], params, retain_graph=True)
    if not all(g is not None and close(g, e, rtol=1e-4) for g, e in zip(got, expected)):
        fail("the total has the right value, but the generators' gradients are not the objective's: part of it is cut "
             "off from the graph (a detached fake or reconstruction)", "keep every fake on the graph: G learns "
             "through each term that uses its output")
    with torch.no_grad():
        fakes = G_ab(real_a), G_ba(real_b)
    if not all(isinstance(r, torch.Tensor) and r.shape == f.shape and torch.allclose(r, f) for r, f in zip(result[2:], fakes)):
        swapped = all(isinstance(r, torch.Tensor) and r.shape == f.shape and torch.allclose(r, f)
                      for r, f in zip(result[2:], fakes[::-1]))
        fail("the fakes returned are not the B fakes (real A translated) then the A fakes (real B translated)"
             + (": they are in the other order" if swapped else ""),
             "return the total, the parts, then the B fakes, then the A fakes: the step hands each to its buffer")
    passed("generator_objective", "adversarial + 10 * cycle + 5 * identity, each term against the right image")
