"""Lesson 01's train-step check: the step runs twice on small networks whose optimizers are spied on, and every
gradient is compared with the one the right losses give (see ``gradient_spy``)."""

from __future__ import annotations

from typing import Callable

import torch

from gan_course.checks.core import call, exercise_check, fail, passed
from gan_course.checks.gradient_spy import FixedNoiseGenerator, GradientSpy, grads_match, grads_of, judge_steps
from gan_course.checks.probes import bce, expect_standard_normal, random_images
from gan_course.checks.step_report import judge_report
from gan_course.models.mlp import MLPDiscriminator, MLPGenerator


@exercise_check
def check_train_step(train_step: Callable, z_dim: int = 8) -> None:
    """Lesson 01: ``train_step(G, D, opt_G, opt_D, real, z_dim)`` updates D then G and returns the four metrics.

    The check runs the step twice on small networks with spied optimizers and compares every gradient
    with the one the right losses give.
    """
    judge_train_step(train_step, "train_step", z_dim)
    passed("train_step", "D then G updated with the right gradients; detach and zero_grad in place")


def judge_train_step(train_step: Callable, what: str, z_dim: int = 8) -> None:
    """Fail unless ``train_step(G, D, opt_G, opt_D, real, z_dim)`` is lesson 01's step: the gradient spy's verdict
    on two calls, and the numbers it reports (lesson 01's check, and the clinic's fixed steps)."""
    torch.manual_seed(0)
    G_net = MLPGenerator(z_dim=z_dim, hidden=16)
    D = MLPDiscriminator(hidden=16, dropout=0.0)  # no dropout: the check must recompute D exactly
    z_bank = torch.randn(64, z_dim, generator=torch.Generator().manual_seed(1))
    G = FixedNoiseGenerator(G_net, z_bank)
    real = random_images(16, 2)
    opt_G = torch.optim.SGD(G_net.parameters(), lr=0.05)
    opt_D = torch.optim.SGD(D.parameters(), lr=0.05)
    G_params, D_params = list(G_net.parameters()), list(D.parameters())

    def reference(name: str) -> dict[str, torch.Tensor]:
        """Gradients of the right loss and of its usual mistakes, at the parameters about to be stepped."""
        fake = G_net(z_bank[: len(real)])
        if name == "D":
            r, f = D(real), D(fake.detach())
            sig = torch.sigmoid
            return {
                "right": grads_of(bce(r, 1) + bce(f, 0), D_params),
                "swapped": grads_of(bce(r, 0) + bce(f, 1), D_params),
                "sigmoid": grads_of(bce(sig(r), 1) + bce(sig(f), 0), D_params),
                "loss_D": (bce(r, 1) + bce(f, 0)).detach(),
                "D_x": sig(r).mean().detach(),
                "D_G_z": sig(f).mean().detach(),
            }
        g = D(fake)
        return {
            "right": grads_of(bce(g, 1), G_params),
            "minimax": grads_of(-bce(g, 0), G_params),
            "d_loss": grads_of(bce(g, 0), G_params),  # G pushed the way D's loss wants: towards "fake"
            "sigmoid": grads_of(bce(torch.sigmoid(g), 1), G_params),
            "loss_G": bce(g, 1).detach(),
            "D_G_z": torch.sigmoid(g).mean().detach(),
        }

    spy = GradientSpy({"G": (G_net, opt_G), "D": (D, opt_D)}, on_step=reference)
    results = []
    for attempt in range(2):  # twice: a forgotten zero_grad only shows on the second call
        results.append(call(
            train_step, G, D, opt_G, opt_D, real, z_dim, what=f"{what} (call {attempt + 1})",
        ))
        for z in G.given:
            expect_standard_normal(z, len(real), z_dim)
        G.given.clear()
        judge_steps(spy.events, attempt, {"G": G_params, "D": D_params}, ["D", "G"], _diagnose, {"D": "G"})
        d_ref, g_ref = spy.events[0][3], spy.events[1][3]
        spy.events.clear()
        # D(G(z)) may be reported before D's update (as the D step saw it) or after (as the G step saw it).
        judge_report(results[-1], {"loss_D": [d_ref["loss_D"], d_ref["loss_D"] / 2], "loss_G": [g_ref["loss_G"]],
                                   "D_x": [d_ref["D_x"]], "D_G_z": [d_ref["D_G_z"], g_ref["D_G_z"]]}, what,
                     {"loss_D": "the value of the loss D was trained on", "loss_G": "the value of the loss G was trained on",
                      "D_x": "the mean probability D gave the real batch (a probability, after the sigmoid, not a logit)",
                      "D_G_z": "the mean probability D gave the fakes (after the sigmoid)"})


_WRONG = {
    "D": {"swapped": ("D's loss has the real/fake labels swapped", "real images -> 1, fakes -> 0 in the D step"),
          "sigmoid": ("D's logits went through a sigmoid before BCEWithLogits (a double sigmoid)",
                      "pass raw logits to discriminator_loss")},
    "G": {"d_loss": ("G was trained on D's objective: its update pushes the fakes towards 'fake'",
                     "G's update uses generator_loss on D's scores of the fakes, which labels them 1, not D's loss"),
          "minimax": ("G used the saturating minimax loss log(1 - D(G(z)))",
                      "use generator_loss, the non-saturating -log D(G(z)), on D's scores of the fakes"),
          "sigmoid": ("G's logits went through a sigmoid before BCEWithLogits (a double sigmoid)",
                      "pass raw logits to generator_loss")},
}


def _diagnose(name: str, contributed: torch.Tensor, ref: dict) -> None:
    """Compare one network's gradient with the right loss's, then with its usual mistakes'."""
    if grads_match(contributed, ref["right"]) or (name == "D" and grads_match(contributed, ref["right"] / 2)):
        return
    for key, (problem, hint) in _WRONG[name].items():
        if grads_match(contributed, ref[key]):
            fail(problem, hint)
    fail(f"{name}'s gradients do not match those of {'discriminator_loss' if name == 'D' else 'generator_loss'}",
         "D's update scores the real batch and the detached fakes with discriminator_loss; G's update scores the "
         "fakes (not detached) with generator_loss")
