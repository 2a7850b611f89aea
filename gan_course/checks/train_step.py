"""Lesson 01's train-step check: the step runs twice on small networks whose optimizers are spied on, and every
gradient is compared with the one the right losses give (see ``gradient_spy``)."""

from __future__ import annotations

from typing import Callable, Mapping

import torch

from gan_course.checks.core import call, exercise_check, fail, passed
from gan_course.checks.gradient_spy import FixedNoiseGenerator, GradientSpy, flatten_grads, grads_of, grads_match
from gan_course.checks.probes import bce, close, random_images
from gan_course.models.mlp import MLPDiscriminator, MLPGenerator


@exercise_check
def check_train_step(train_step: Callable, z_dim: int = 8) -> None:
    """Lesson 01: ``train_step(G, D, opt_G, opt_D, real, z_dim)`` updates D then G and returns the four metrics.

    The check runs the step twice on small networks with spied optimizers and compares every gradient
    with the one the right losses give.
    """
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
            train_step, G, D, opt_G, opt_D, real, z_dim, what=f"train_step (call {attempt + 1})",
            hint=_hint_for_runtime_error(),
        ))
        expected = _check_step_events(spy.events, attempt, G_params, D_params)
        spy.events.clear()
        _check_step_result(results[-1], expected)
    passed("train_step", "D then G updated with the right gradients; detach and zero_grad in place")


def _hint_for_runtime_error() -> str:
    return ("'Trying to backward through the graph a second time' means the D step back-propagated into G: "
            "score the fakes with D(fake.detach()) in the D step")


def _check_step_events(events, attempt: int, G_params, D_params) -> dict:
    """Diagnose one call's optimizer steps; return the values the step should report."""
    names = [e[0] for e in events]
    for net in ("D", "G"):
        if names.count(net) != 1:
            fail(f"opt_{net}.step() was called {names.count(net)} times in one train_step, expected once",
                 f"each step updates each network once: opt_{net}.zero_grad(); loss_{net}.backward(); opt_{net}.step()")
    for name, grads, window, ref in events:
        params = D_params if name == "D" else G_params
        held, contributed = flatten_grads(grads, params), flatten_grads(window[name], params)
        if name == "D" and flatten_grads(window["G"], G_params).abs().sum() > 0:
            fail("the D step back-propagated into G: D's loss gave G gradients",
                 "score the fakes with D(fake.detach()) when training D; only G's own loss should reach G")
        if held.abs().sum() == 0 and contributed.abs().sum() > 0:
            fail(f"opt_{name}.step() ran with all-zero gradients: zero_grad() was called after backward()",
                 f"order: opt_{name}.zero_grad(), then loss_{name}.backward(), then opt_{name}.step()")
        if contributed.abs().sum() == 0:
            fail(f"no gradient reached {name} before opt_{name}.step()",
                 f"call loss_{name}.backward() before opt_{name}.step()"
                 + (", and don't detach the fakes in the G step" if name == "G" else ""))
        if not grads_match(held, contributed):
            fail(f"{name}'s gradients at opt_{name}.step() include leftovers from earlier backward passes "
                 f"(seen on call {attempt + 1}): zero_grad() is missing",
                 f"call opt_{name}.zero_grad() before loss_{name}.backward(); PyTorch adds gradients up otherwise")
        if name == "G" and grads_match(contributed, ref["d_loss"]):
            fail("G was trained on D's objective: its update pushes the fakes towards 'fake'",
                 "in the G step use generator_loss(D(fake)), which labels the fakes 1, not D's loss")
        if grads_match(contributed, ref["right"]) or (name == "D" and grads_match(contributed, ref["right"] / 2)):
            continue
        wrong = {
            "D": {"swapped": ("D's loss has the real/fake labels swapped",
                              "real images -> 1, fakes -> 0 in the D step"),
                  "sigmoid": ("D's logits went through a sigmoid before BCEWithLogits (a double sigmoid)",
                              "pass raw logits to discriminator_loss")},
            "G": {"minimax": ("G used the saturating minimax loss log(1 - D(G(z)))",
                              "use generator_loss(D(fake)), the non-saturating -log D(G(z))"),
                  "sigmoid": ("G's logits went through a sigmoid before BCEWithLogits (a double sigmoid)",
                              "pass raw logits to generator_loss")},
        }[name]
        for key, (problem, hint) in wrong.items():
            if grads_match(contributed, ref[key]):
                fail(problem, hint)
        fail(f"{name}'s gradients do not match those of {'discriminator_loss' if name == 'D' else 'generator_loss'}",
             f"the {name} step should be: opt_{name}.zero_grad(); "
             + ("loss_D = discriminator_loss(D(real), D(fake.detach()))" if name == "D"
                else "loss_G = generator_loss(D(fake))") + f"; loss_{name}.backward(); opt_{name}.step()")
    if names != ["D", "G"]:
        fail(f"the networks were stepped in the order {names}, expected D first, then G",
             "update D on the current fakes, then update G against the improved D")
    d_ref, g_ref = events[0][3], events[1][3]
    # D(G(z)) may be reported before D's update (as the D step saw it) or after (as the G step saw it).
    return {"loss_D": d_ref["loss_D"], "D_x": d_ref["D_x"], "loss_G": g_ref["loss_G"],
            "D_G_z": (d_ref["D_G_z"], g_ref["D_G_z"])}


def _check_step_result(result, exp: Mapping) -> None:
    keys = {"loss_D", "loss_G", "D_x", "D_G_z"}
    if not isinstance(result, dict) or set(result) != keys:
        got = sorted(result) if isinstance(result, dict) else type(result).__name__
        fail(f"train_step returned {got}, expected a dict with keys {sorted(keys)}",
             "return {'loss_D': loss_D.item(), 'loss_G': loss_G.item(), 'D_x': ..., 'D_G_z': ...}")
    for key in ("loss_D", "loss_G", "D_x", "D_G_z"):
        if not isinstance(result[key], (float, int)) or isinstance(result[key], bool):
            fail(f"train_step returned {key} as {type(result[key]).__name__}, expected a Python float",
                 "use .item() on the tensor so the history stores plain numbers")
    if not (close(result["loss_D"], exp["loss_D"], rtol=1e-3) or close(result["loss_D"], exp["loss_D"] / 2, rtol=1e-3)):
        fail(f"train_step reported loss_D={result['loss_D']:.4f}, but the loss D was trained on is {exp['loss_D'].item():.4f}",
             "report loss_D.item() of the loss you called backward() on")
    if not close(result["loss_G"], exp["loss_G"], rtol=1e-3):
        fail(f"train_step reported loss_G={result['loss_G']:.4f}, but the loss G was trained on is {exp['loss_G'].item():.4f}",
             "report loss_G.item() of the loss you called backward() on")
    if not close(result["D_x"], exp["D_x"], rtol=1e-3):
        fail(f"train_step reported D_x={result['D_x']:.4f}, expected the mean probability D gave the real batch, "
             f"{exp['D_x'].item():.4f}", "D_x = torch.sigmoid(real_logits).mean().item(): a probability, not a logit")
    if not any(close(result["D_G_z"], v, rtol=1e-3) for v in exp["D_G_z"]):
        fail(f"train_step reported D_G_z={result['D_G_z']:.4f}, expected the mean probability D gave the fakes, "
             f"{exp['D_G_z'][0].item():.4f}", "D_G_z = torch.sigmoid(fake_logits).mean().item()")
