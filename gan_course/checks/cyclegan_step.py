"""Lesson 05's train-step check: the CycleGAN step runs twice on small translators and critics whose optimizers
are spied on (see ``gradient_spy``).

When the generators' optimizer steps, their gradients must be those of the full objective with the weights the
step was given; when the critics' optimizer steps, theirs must be those of the least-squares loss on the real
images and on what each history buffer answered, and nothing left over from the generators' update.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from gan_course import losses
from gan_course.checks.core import call, exercise_check, fail, passed
from gan_course.checks.gradient_spy import GradientSpy, grads_match, grads_of, judge_steps
from gan_course.checks.probes import random_images
from gan_course.checks.step_report import judge_report
from gan_course.models.cyclegan import CycleGenerator, PatchDiscriminator
from gan_course.training.update_steps import cyclegan_generator_loss


class _SpyBuffer:
    """A history buffer that records the fakes it is given and answers with earlier fakes of its own, so the check
    sees which fakes went to which buffer, and whether D judged the buffer's answer."""

    def __init__(self, name: str, earlier: torch.Tensor):
        self.name, self.earlier, self.given = name, earlier, []

    def query(self, fakes: torch.Tensor) -> torch.Tensor:
        self.given.append(fakes.detach().clone())
        return self.earlier[: len(fakes)].clone()


def _objectives(G_ab, G_ba, D_a, D_b, real_a, real_b, cw: float, iw: float) -> dict[str, torch.Tensor]:
    """The right generator objective and the realistic wrong ones."""
    right, parts, _, _ = cyclegan_generator_loss(G_ab, G_ba, D_a, D_b, real_a, real_b, cw, iw)
    adv, cyc, idt = parts["adversarial"], parts["cycle"], parts["identity"]
    default = cyclegan_generator_loss(G_ab, G_ba, D_a, D_b, real_a, real_b)[0]
    return {"right": right, "parts": parts, "away": -right, "no_cycle": adv + iw * idt, "no_identity": adv + cw * cyc,
            "adversarial_only": adv, "swapped_weights": adv + iw * cyc + cw * idt, "default_weights": default}


_WRONG_G = {
    "away": ("the generators' update climbs their objective instead of descending it: the sign is flipped",
             "minimise the total that generator_objective returns, as it is"),
    "no_cycle": ("the generators were trained without the cycle term", "train on the total, which weighs in every part"),
    "no_identity": ("the generators were trained without the identity term", "train on the total, which weighs in every part"),
    "adversarial_only": ("the generators were trained on the adversarial term alone: nothing ties a translation to its "
                         "input", "train on the total that generator_objective returns"),
    "swapped_weights": ("the cycle and identity weights were swapped", "pass cycle_weight and identity_weight on in "
                        "the order generator_objective takes them"),
    "default_weights": ("the generators were trained with the default weights 10 and 5, not the cycle_weight and "
                        "identity_weight the step was given", "pass the step's own weights on to generator_objective"),
}
_WRONG_D = {
    "fresh": ("the discriminators judged the fresh fakes, not the history buffers' answers",
              "score what each buffer's query returns: that mix of new and earlier fakes is the point of the buffer"),
    "crossed": ("each discriminator judged the other domain's buffer", "D_a judges A images (history_a's answers), "
                "D_b judges B images"),
    "swapped": ("the discriminators' loss has the real and fake scores swapped", "the real scores come first"),
    "away": ("the discriminators' update climbs their loss instead of descending it", "minimise the least-squares loss as it is"),
}


_D_LEFTOVERS = ("the discriminators were updated with the generator's loss as well as their own: when their optimizer "
                "stepped, their gradients still held what the generators' backward pass (or an earlier step) left",
                "freeze both discriminators during the generators' update, and zero their gradients right before "
                "their own backward pass")


def _spy_reference(nets, real_a, real_b, G_params, D_params, seen):
    """The spy's callback; ``seen`` holds this call's buffers and weights, and collects the fakes G drew."""
    G_ab, G_ba, D_a, D_b = nets

    def reference(name: str) -> dict:
        history_a, history_b = seen["buffers"]
        weights = seen["weights"]
        if name == "G":
            candidates = _objectives(G_ab, G_ba, D_a, D_b, real_a, real_b, *weights)
            with torch.no_grad():
                seen["fake_b"], seen["fake_a"] = G_ab(real_a), G_ba(real_b)
            ref = {k: grads_of(v, G_params) for k, v in candidates.items() if k != "parts"}
            # With identity_weight 0 the identity part may be reported as 0 (not computed) or as its value.
            identity = _objectives(G_ab, G_ba, D_a, D_b, real_a, real_b, weights[0], 1.0)["parts"]["identity"]
            return ref | {"loss_G": candidates["right"].detach(), "identity_anyway": identity.detach(),
                          **{f"loss_{k}": v.detach() for k, v in candidates["parts"].items()}}
        if "fake_a" not in seen:
            fail("the discriminators' optimizer stepped before the generators' optimizer did",
                 "first the generators' update (zero, backward, step), then the discriminators'")
        frozen = [n for n, D in (("D_a", D_a), ("D_b", D_b)) if not all(p.requires_grad for p in D.parameters())]
        if frozen:
            fail(f"{' and '.join(frozen)} still had frozen weights (requires_grad False) when the discriminators' "
                 "optimizer stepped", "unfreeze both discriminators after the generators' update")
        old_a, old_b = history_a.earlier[: len(real_a)], history_b.earlier[: len(real_b)]
        d_a = losses.discriminator_lsgan_loss(D_a(real_a), D_a(old_a))
        d_b = losses.discriminator_lsgan_loss(D_b(real_b), D_b(old_b))
        fresh = (losses.discriminator_lsgan_loss(D_a(real_a), D_a(seen["fake_a"]))
                 + losses.discriminator_lsgan_loss(D_b(real_b), D_b(seen["fake_b"])))
        crossed = (losses.discriminator_lsgan_loss(D_a(real_a), D_a(old_b))
                   + losses.discriminator_lsgan_loss(D_b(real_b), D_b(old_a)))
        swapped = (losses.discriminator_lsgan_loss(D_a(old_a), D_a(real_a))
                   + losses.discriminator_lsgan_loss(D_b(old_b), D_b(real_b)))
        return {"right": grads_of(d_a + d_b, D_params), "right_mean": grads_of((d_a + d_b) / 2, D_params),
                "fresh": grads_of(fresh, D_params), "crossed": grads_of(crossed, D_params),
                "swapped": grads_of(swapped, D_params), "away": grads_of(-(d_a + d_b), D_params),
                "loss_D_a": d_a.detach(), "loss_D_b": d_b.detach()}
    return reference


def _diagnose(name: str, contributed: torch.Tensor, ref: dict) -> None:
    if grads_match(contributed, ref["right"]) or (name == "D" and grads_match(contributed, ref["right_mean"])):
        return
    for key, (problem, hint) in (_WRONG_G if name == "G" else _WRONG_D).items():
        if grads_match(contributed, ref[key]):
            fail(problem, hint)
    if name == "G":
        fail("the generators' gradients are not those of the objective generator_objective returns",
             "back-propagate the total, computed once on this batch with the step's weights")
    fail("the discriminators' gradients are not those of the least-squares loss on the real images and the buffers' "
         "answers", "each D scores its own domain's real batch and its own buffer's answer; add the two losses")


def _check_buffers(buffers, seen) -> None:
    for buffer, own, other in ((buffers[0], "fake_a", "fake_b"), (buffers[1], "fake_b", "fake_a")):
        if len(buffer.given) != 1:
            fail(f"{buffer.name}.query was called {len(buffer.given)} times in one step, expected once",
                 f"give {buffer.name} this step's fakes of its domain once, and let D judge its answer")
        if torch.allclose(buffer.given[0], seen[other]) and not torch.allclose(buffer.given[0], seen[own]):
            fail(f"{buffer.name} was given {other}: each buffer keeps its own domain's fakes",
                 f"{buffer.name} collects {own}, the fakes of its own domain")
        if not torch.allclose(buffer.given[0], seen[own], atol=1e-6):
            fail(f"{buffer.name} was not given this step's {own}", f"query {buffer.name} with {own}, the fakes "
                 "generator_objective returned in this step")


@exercise_check
def check_cyclegan_step(cyclegan_step: Callable) -> None:
    """Lesson 05: ``cyclegan_step(G_ab, G_ba, D_a, D_b, opt_G, opt_D, real_a, real_b, history_a, history_b,
    cycle_weight, identity_weight)`` updates both generators on their objective, then both discriminators on the
    real images and the history buffers' answers; returns the losses as floats."""
    torch.manual_seed(0)
    G_ab, G_ba = CycleGenerator(channels=4, n_blocks=1), CycleGenerator(channels=4, n_blocks=1)
    D_a, D_b = PatchDiscriminator(channels=4), PatchDiscriminator(channels=4)
    Gs, Ds = nn.ModuleList([G_ab, G_ba]), nn.ModuleList([D_a, D_b])
    opt_G, opt_D = torch.optim.Adam(Gs.parameters(), lr=1e-3), torch.optim.Adam(Ds.parameters(), lr=1e-3)
    real_a, real_b = random_images(4, 7), random_images(4, 8)
    G_params, D_params = list(Gs.parameters()), list(Ds.parameters())
    seen: dict = {}
    spy = GradientSpy({"G": (Gs, opt_G), "D": (Ds, opt_D)},
                      on_step=_spy_reference((G_ab, G_ba, D_a, D_b), real_a, real_b, G_params, D_params, seen))
    for attempt, weights in enumerate(((7.0, 3.0), (7.0, 0.0))):  # twice: leftovers show on the second call
        buffers = (_SpyBuffer("history_a", random_images(4, 20 + attempt)),
                   _SpyBuffer("history_b", random_images(4, 30 + attempt)))
        seen.update(buffers=buffers, weights=weights)
        seen.pop("fake_a", None), seen.pop("fake_b", None)  # set when the generators' optimizer steps
        result = call(cyclegan_step, G_ab, G_ba, D_a, D_b, opt_G, opt_D, real_a, real_b, *buffers, *weights,
                      what=f"cyclegan_step(G_ab, G_ba, D_a, D_b, opt_G, opt_D, real_a, real_b, history_a, history_b, "
                           f"cycle_weight={weights[0]}, identity_weight={weights[1]})")
        judge_steps(spy.events, attempt, {"G": G_params, "D": D_params}, ["G", "D"], _diagnose, {"D": "G"},
                    leftovers={"D": _D_LEFTOVERS})
        _check_buffers(buffers, seen)
        g_ref, d_ref = spy.events[0][3], spy.events[1][3]
        spy.events.clear()
        judge_report(result, {k: [g_ref[k]] for k in ("loss_G", "loss_adversarial", "loss_cycle")}
                     | {"loss_identity": [g_ref["loss_identity"]] + ([g_ref["identity_anyway"]] if not weights[1] else [])}
                     | {"loss_D_a": [d_ref["loss_D_a"]], "loss_D_b": [d_ref["loss_D_b"]]}, "cyclegan_step",
                     {"loss_G": "the total the generators were trained on", "loss_adversarial": "the adversarial part",
                      "loss_cycle": "the cycle part, before its weight", "loss_identity": "the identity part, before its weight",
                      "loss_D_a": "D_a's least-squares loss", "loss_D_b": "D_b's least-squares loss"})
    passed("cyclegan_step", "G updated on its weighted objective, then D on real images and the buffers' answers; "
                            "gradients zeroed, nothing leaks between the two updates")
