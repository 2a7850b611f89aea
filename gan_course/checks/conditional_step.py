"""Lesson 04's train-step check: the conditional step runs twice on small networks whose optimizers are spied on.

Every gradient is compared with the hinge losses' at the moment its optimizer steps (see ``gradient_spy``); what
D saw is matched row by row with the real batch and with the fakes G drew, so a label that went to the wrong
image is named; the moving average ``ema`` must follow G's new weights once per step.
"""

from __future__ import annotations

import functools
from typing import Callable

import torch
from torch import nn

from gan_course import losses
from gan_course.checks.conditional_gan import N_CLASSES, fixed_labels
from gan_course.checks.core import call, exercise_check, fail, passed
from gan_course.checks.gradient_spy import GradientSpy, grads_match, grads_of, judge_steps
from gan_course.checks.probes import expect_standard_normal, random_images
from gan_course.checks.step_report import judge_report


class _Recorder(nn.Module):
    """Wraps a network and records every call's inputs and output, so the check can see which label went where."""

    def __init__(self, net: nn.Module, name: str):
        super().__init__()
        self.net, self.name, self.calls = net, name, []

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is None:
            fail(f"{self.name} was called without labels: the label was not given to the "
                 f"{'discriminator' if self.name == 'D' else 'generator'}",
                 f"call {self.name}(x, labels) every time; a conditional network needs to know which digit is meant")
        out = self.net(x, labels)
        self.calls.append((x.detach().clone(), labels.detach().clone(), out.detach().clone()))
        return out


def _match_rows(x: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
    """For each row of x (N, ...), the index of the identical row in ``known`` (M, ...), or -1."""
    distance = torch.cdist(x.flatten(1).double(), known.flatten(1).double())  # (N, M)
    best = distance.min(dim=1)
    return torch.where(best.values < 1e-6, best.indices, torch.full_like(best.indices, -1))


class _TinyConditionalG(nn.Module):
    """(z (B, z_dim), labels (B,)) -> (B, 1, 28, 28): no BatchNorm, so the check can recompute it exactly."""

    def __init__(self, z_dim: int):
        super().__init__()
        self.embed, self.net = nn.Embedding(N_CLASSES, 4), nn.Linear(z_dim + 4, 28 * 28)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.net(torch.cat([z, self.embed(labels)], dim=1))).view(len(z), 1, 28, 28)


class _TinyProjectionD(nn.Module):
    """A projection discriminator without spectral norm (whose power iteration would change D at every call)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 16), nn.LeakyReLU(0.2))
        self.out, self.embed = nn.Linear(16, 1), nn.Embedding(N_CLASSES, 16)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = self.features(x)  # (B, 16)
        return self.out(h).squeeze(1) + (self.embed(labels) * h).sum(dim=1)


def _step_reference(G: _Recorder, D: _Recorder, real, labels, G_params, D_params):
    """The spy's callback: the right gradients (and the usual wrong ones) at the moment an optimizer steps."""
    def reference(name: str) -> dict:
        if not G.calls:
            fail("the step never called G before stepping an optimizer", "draw the fakes from G with their labels first")
        z, fake_labels, _ = G.calls[-1]
        fake = G.net(z, fake_labels)
        if name == "D":
            r, f = D.net(real, labels), D.net(fake.detach(), fake_labels)
            right = losses.discriminator_hinge_loss(r, f)
            return {"right": grads_of(right, D_params), "away": grads_of(-right, D_params),
                    "swapped": grads_of(losses.discriminator_hinge_loss(f, r), D_params),
                    "generator": grads_of(losses.generator_hinge_loss(f), D_params),
                    "loss_D": right.detach(), "D_x": torch.sigmoid(r).mean().detach(),
                    "D_G_z": torch.sigmoid(f).mean().detach()}
        g = D.net(fake, fake_labels)
        right = losses.generator_hinge_loss(g)
        return {"right": grads_of(right, G_params), "away": grads_of(-right, G_params),
                "d_loss": grads_of(torch.relu(1 + g).mean(), G_params),
                "loss_G": right.detach(), "D_G_z": torch.sigmoid(g).mean().detach()}
    return reference


_WRONG_STEP = {
    "D": {"away": ("D's update climbs its loss instead of descending it: the sign is flipped, so D learns to call "
                   "real images fake", "minimise the hinge loss as it is; it is already the quantity to make small"),
          "swapped": ("D's loss has the real and fake scores swapped", "the real scores come first, the fakes' second"),
          "generator": ("D was trained on the generator's loss", "D's update uses the discriminator's hinge loss")},
    "G": {"away": ("G's update pushes its fakes towards 'fake': the sign of G's loss is flipped",
                   "G wants D to score its fakes high: minimise the generator's hinge loss, -mean D(G(z), y)"),
          "d_loss": ("G was trained on D's objective: its update pushes the fakes towards 'fake'",
                     "G's update uses the generator's hinge loss, which rewards high scores for the fakes")},
}


def _diagnose_cgan(name: str, contributed: torch.Tensor, ref: dict) -> None:
    if grads_match(contributed, ref["right"]):
        return
    for key, (problem, hint) in _WRONG_STEP[name].items():
        if grads_match(contributed, ref[key]):
            fail(problem, hint)
    fail(f"{name}'s gradients do not match those of the {'discriminator' if name == 'D' else 'generator'}'s hinge "
         "loss on the scores the lesson lists", "check which scores go into the loss, with which labels, and its sign")


def _check_labels_seen(G: _Recorder, D: _Recorder, real: torch.Tensor, labels: torch.Tensor) -> None:
    """Which images D scored, with which labels: reals with theirs, each fake with the label G drew it for."""
    if not G.calls:
        fail("cgan_step never called G", "draw the fakes from G, giving it the labels they should show")
    fakes = torch.cat([out for _, _, out in G.calls])  # (K, 1, 28, 28)
    fake_labels = torch.cat([y for _, y, _ in G.calls])  # (K,)
    judged = {"real": 0, "fake": 0}
    for x, y, _ in D.calls:
        for kind, known, known_labels in (("real", real, labels), ("fake", fakes, fake_labels)):
            idx = _match_rows(x, known)
            rows = idx >= 0
            if not rows.any():
                continue
            judged[kind] += int(rows.sum())
            wrong = rows & (y != known_labels[idx.clamp(min=0)])
            if not wrong.any():
                continue
            if kind == "fake" and len(y) == len(labels) and bool((y == labels).all()):
                fail("fake samples were scored with the real labels: G drew each fake for one label, and D judged it "
                     "against the label of the real image in the same position",
                     "give D, with each fake, the label that fake was drawn for, in both updates")
            if kind == "real" and any(torch.equal(y, f) for f in (fake_labels[i:i + len(y)] for i in range(0, len(fake_labels), len(labels)))):
                fail("D scored the real batch with the fake labels: the real images went where G's fakes belong (or "
                     "the two label batches were swapped)", "D scores G's fakes with the labels they were drawn for, "
                     "and the real images with their own labels")
            fail(f"{int(wrong.sum())} {kind} images were scored with a label that is not theirs",
                 "real images go with labels; each fake goes with the label it was generated for")
    if not judged["real"]:
        fail("D never scored the real batch", "D's update scores the real images with their labels")
    if not judged["fake"]:
        fail("D never scored the fakes G drew", "D's update scores the (detached) fakes, and G's update scores them again")


def _check_fake_label_range(drawn: torch.Tensor) -> None:
    missing = sorted(set(range(N_CLASSES)) - set(drawn.tolist()))
    if missing:
        fail(f"in {len(drawn)} fake labels, the class(es) {missing} never came up: the fakes are drawn from the "
             "wrong range, so G never practises them",
             "draw each fake label uniformly from 0 to n_classes - 1 inclusive; torch.randint's upper bound is "
             "exclusive")


def _ema_spy(ema, G: nn.Module, record: list) -> None:
    original = ema.update_parameters

    def spied(model):
        if model is not G:
            fail("the moving average (ema) was given another network than G: it averages the generator's weights",
                 "pass G to the average's update")
        record.append((model, [p.detach().clone() for p in G.parameters()]))
        return original(model)
    ema.update_parameters = spied


def _check_ema(record: list, G: nn.Module, with_ema: bool) -> None:
    if not with_ema:
        return
    if len(record) != 1:
        fail(f"the average of G's weights (ema) was updated {len(record)} times in one step, expected once; from then "
             "on the 'final model' is " + ("the untrained G" if not record else "a wrongly weighted average"),
             "when ema is given, update it once per step with ema.update_parameters, passing G")
    model, weights = record[0]
    if model is not G:
        fail("ema.update_parameters was given another network than G", "average the generator's weights: pass G")
    if not all(torch.equal(a, p) for a, p in zip(weights, G.parameters())):
        fail("ema was updated before G's optimizer stepped, so it averages the weights G had before this step",
             "update the average after G's update, so it follows the weights G now has")


@exercise_check
def check_cgan_step(cgan_step: Callable, z_dim: int = 8) -> None:
    """Lesson 04: ``cgan_step(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, ema)`` updates D on real images
    with their labels and fakes with the labels G drew them for, then G, then the average ``ema``; returns floats.

    The step runs twice (once without ema, once with) on small networks with spied optimizers; every gradient is
    compared with the hinge losses' at that moment.
    """
    torch.manual_seed(0)
    G, D = _Recorder(_TinyConditionalG(z_dim), "G"), _Recorder(_TinyProjectionD(), "D")
    opt_G, opt_D = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    real, labels = random_images(64, 5), fixed_labels(64, 6)
    G_params, D_params = list(G.net.parameters()), list(D.net.parameters())
    spy = GradientSpy({"G": (G.net, opt_G), "D": (D.net, opt_D)},
                      on_step=_step_reference(G, D, real, labels, G_params, D_params))
    ema = torch.optim.swa_utils.AveragedModel(G, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.9))
    ema_updates, drawn = [], []
    _ema_spy(ema, G, ema_updates)
    for attempt, with_ema in enumerate((False, True)):  # twice: a forgotten zero_grad only shows on the second call
        G.calls.clear(), D.calls.clear(), ema_updates.clear()
        step = functools.partial(cgan_step, ema=ema if with_ema else None)
        result = call(step, G, D, opt_G, opt_D, real, labels, z_dim, N_CLASSES,
                      what=f"cgan_step(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, ema="
                           f"{'an AveragedModel of G' if with_ema else 'None'})")
        for z, _, _ in G.calls:
            expect_standard_normal(z, len(real), z_dim)
        _check_labels_seen(G, D, real, labels)
        judge_steps(spy.events, attempt, {"G": G_params, "D": D_params}, ["D", "G"], _diagnose_cgan, {"D": "G"})
        _check_ema(ema_updates, G, with_ema)
        d_ref, g_ref = spy.events[0][3], spy.events[1][3]
        spy.events.clear()
        judge_report(result, {"loss_D": [d_ref["loss_D"]], "loss_G": [g_ref["loss_G"]], "D_x": [d_ref["D_x"]],
                              "D_G_z": [d_ref["D_G_z"], g_ref["D_G_z"]]}, "cgan_step",
                     {"loss_D": "the hinge loss D was trained on", "loss_G": "the hinge loss G was trained on",
                      "D_x": "the mean of sigmoid(D's scores) over the real batch",
                      "D_G_z": "the mean of sigmoid(D's scores) over the fakes"})
        drawn += [y for _, y, _ in G.calls if not torch.equal(y, labels)]
    if drawn:
        _check_fake_label_range(torch.cat(drawn))
    passed("cgan_step", "real images judged with their labels, fakes with the labels they were drawn for; "
                        "D, G and the average updated with the right gradients")
