"""Lesson 05's exercise checks: CycleGAN piece by piece.

Each prints one line when it is right and otherwise raises ``checks.ExerciseError`` naming the bug: a residual
block without its skip, a discriminator that scores the whole image, least squares with the wrong targets, a cycle
loss against the wrong image, an identity loss fed the wrong domain, a history buffer that returns only new
images, discriminators updated with the generators' loss.
"""

from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from gan_course import losses
from gan_course.checks.architecture import compare_layers
from gan_course.checks.core import build_from_class, call, exercise_check, fail, passed
from gan_course.checks.probes import close, ends_in_sigmoid, random_images, shape_of
from gan_course.models import cyclegan

# What lesson 05 says each layer is for: the message for a network that differs there.
CYCLEGAN_RULES = {
    "ReflectionPad2d": "pad by reflection (1 pixel) before each 3x3 convolution: the size stays, and the border "
                       "repeats the image instead of adding a dark frame",
    "InstanceNorm2d": "each convolution is followed by instance norm (per image, per channel), except D's first layer",
    "LeakyReLU": "D uses LeakyReLU with slope 0.2 after each hidden convolution",
    "ReLU": "F is pad, conv, norm, ReLU, pad, conv, norm: one ReLU in the middle, none after the sum",
    "Conv2d": "D: two 4x4, stride-2, padding-1 convolutions (28 -> 14 -> 7), then a 3x3, stride-1, padding-1 "
              "convolution to one channel; a residual block keeps C channels with 3x3 kernels",
}


@exercise_check
def check_residual_block(ResidualBlock: type) -> None:
    """Lesson 05: ``ResidualBlock(channels)`` maps (B, C, H, W) to the same shape as x + F(x)."""
    block = build_from_class(ResidualBlock, "ResidualBlock(6)", 6)
    x = torch.randn(2, 6, 14, 14, generator=torch.Generator().manual_seed(0))
    out = call(block, x, what="ResidualBlock(6) on a (2, 6, 14, 14) input",
               hints={"size of tensor": "pad by 1 pixel (reflection) before each 3x3 convolution so H and W stay "
                                        "the same, and the sum with x is defined"})
    if not isinstance(out, torch.Tensor):
        fail(f"ResidualBlock(6) returned {shape_of(out)}, expected a tensor", "forward returns the block's output")
    if tuple(out.shape) != (2, 6, 14, 14):
        fail(f"ResidualBlock(6) turned (2, 6, 14, 14) into {shape_of(out)}, expected the same shape",
             "3x3 convolutions with 6 -> 6 channels and 1 pixel of padding keep the shape")
    silent = copy.deepcopy(block)
    with torch.no_grad():
        for p in silent.parameters():
            p.zero_()  # F(x) = 0 now, so a residual block must return x itself
        out = silent(x)
    if not torch.allclose(out, x, atol=1e-5):
        how = ("it returns 2x: the input is added twice" if torch.allclose(out, 2 * x, atol=1e-5) else
               "it returns 0: the input is never added (no skip connection, or a product instead of a sum)"
               if torch.allclose(out, torch.zeros_like(x)) else
               "it returns x without its negative part: an activation follows the sum" if torch.allclose(out, x.relu())
               else "the skip connection x + F(x) is missing")
        fail(f"with every weight set to 0 (so F(x) = 0) the block should return its input unchanged; {how}",
             "return the input plus the body's output, adding the input once, with no activation after the sum")
    compare_layers(block, cyclegan.ResidualBlock(6), [x], "ResidualBlock(6)", CYCLEGAN_RULES)
    passed("residual_block", "(2, 6, 14, 14) -> (2, 6, 14, 14), and x + F(x)")


def _without_normalisation(module: nn.Module) -> nn.Module:
    """A copy with every normalisation layer replaced by the identity: what the convolutions alone can see."""
    probe = copy.deepcopy(module)
    for name, child in list(probe.named_modules()):
        if isinstance(child, (nn.InstanceNorm2d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)):
            parent_name, _, attr = name.rpartition(".")
            setattr(probe.get_submodule(parent_name) if parent_name else probe, attr, nn.Identity())
    return probe


@exercise_check
def check_patch_discriminator(PatchDiscriminator_: type) -> None:
    """Lesson 05: ``PatchDiscriminator(in_channels, channels)`` maps (B, 1, 28, 28) to a (B, 1, 7, 7) map of raw
    scores, each seeing only part of the image."""
    D = build_from_class(PatchDiscriminator_, "PatchDiscriminator(1, 8)", 1, 8).eval()
    x = random_images(2, 4)
    out = call(D, x, what="PatchDiscriminator(1, 8) on a (2, 1, 28, 28) input")
    if out.dim() != 4 or tuple(out.shape) != (2, 1, 7, 7):
        fail(f"D returned {shape_of(out)} for two 28x28 images, expected a (2, 1, 7, 7) map: one score per patch",
             "two stride-2 convolutions (28 -> 14 -> 7), then a 3x3, stride-1 convolution to 1 channel; no flatten, "
             "no pooling to a single number")
    rgb = build_from_class(PatchDiscriminator_, "PatchDiscriminator(3, 8)", 3, 8).eval()
    out = call(rgb, random_images(6, 5).view(2, 3, 28, 28), what="PatchDiscriminator(3, 8) on a (2, 3, 28, 28) input",
               hints={"expected input": "the first convolution takes in_channels input channels, whatever they are"})
    if tuple(out.shape) != (2, 1, 7, 7):
        fail(f"PatchDiscriminator(3, 8) returned {shape_of(out)} for two 3-channel images, expected (2, 1, 7, 7)",
             "build every layer from the constructor's arguments")
    if ends_in_sigmoid(D, x):
        fail("D ends in a sigmoid, but the least-squares loss compares raw scores with 1 and 0",
             "remove the final sigmoid: LSGAN scores are any real number")
    local = _without_normalisation(D)  # instance norm's mean couples every position; the convolutions alone do not
    nudged = x.clone()
    nudged[:, :, :4, :4] = 1.0  # change only the top-left corner
    with torch.no_grad():
        changed = (local(nudged) - local(x)).abs()[0, 0] > 1e-6  # (7, 7)
    if changed.float().mean() > 0.6:  # the reference: a corner reaches 9 of the 49 patches
        fail(f"changing a 4x4 corner of the image changed {int(changed.sum())} of 49 patch scores: each score sees "
             "(nearly) the whole image",
             "keep the network shallow (receptive field about 18 pixels): it should judge local texture, not the digit")
    compare_layers(D, cyclegan.PatchDiscriminator(1, 8), [x], "PatchDiscriminator(1, 8)", CYCLEGAN_RULES)
    passed("patch_discriminator", f"(2, 1, 28, 28) -> (2, 1, 7, 7) raw scores; a corner reaches {int(changed.sum())} of 49 patches")


@exercise_check
def check_lsgan_losses(discriminator_lsgan_loss: Callable, generator_lsgan_loss: Callable) -> None:
    """Lesson 05: D: 0.5 * [(D(x) - 1)^2 + D(G(z))^2]; G: (D(G(z)) - 1)^2, each a mean over every patch score."""
    real = torch.randn(4, 1, 7, 7, generator=torch.Generator().manual_seed(0))
    fake = torch.randn(4, 1, 7, 7, generator=torch.Generator().manual_seed(1))
    d = call(discriminator_lsgan_loss, real, fake, what="discriminator_lsgan_loss(real_scores, fake_scores)")
    expected = losses.discriminator_lsgan_loss(real, fake)
    if not isinstance(d, torch.Tensor) or d.dim() != 0:
        fail(f"discriminator_lsgan_loss returned {shape_of(d)}, expected one number (a 0-dim tensor)", "take .mean() of each squared term")
    if not close(d, expected):
        wrong = {
            "the targets are swapped (real scored against 0, fake against 1)": 0.5 * ((real.square()).mean() + (fake - 1).square().mean()),
            "the 0.5 is missing": 2 * expected,
            "it uses BCE, not least squares": losses.discriminator_loss(real, fake),
            "it sums over the patch scores instead of averaging": 0.5 * ((real - 1).square().sum() + fake.square().sum()),
            "the fake scores' target is -1, not 0": 0.5 * ((real - 1).square().mean() + (fake + 1).square().mean()),
        }
        found = next((why for why, value in wrong.items() if close(d, value)), None)
        fail(f"discriminator_lsgan_loss gave {d.item():.4f}, expected {expected.item():.4f}" + (f": {found}" if found else ""),
             "half the sum of two means: the squared distance of the real scores from 1, and of the fake scores from 0")
    g = call(generator_lsgan_loss, fake, what="generator_lsgan_loss(fake_scores)")
    expected = losses.generator_lsgan_loss(fake)
    if not isinstance(g, torch.Tensor) or not close(g, expected):
        wrong = {": G pushes its scores to 0, D's target for fakes": fake.square().mean(),
                 ": its sign is flipped, so G would push its scores away from 1": -expected,
                 ": the 0.5 belongs to D's loss only": 0.5 * expected,
                 ": it sums over the patch scores instead of averaging": (fake - 1).square().sum(),
                 ": the difference is not squared": (fake - 1).mean()}
        found = next((why for why, v in wrong.items() if isinstance(g, torch.Tensor) and close(g, v)), "")
        fail(f"generator_lsgan_loss gave {shape_of(g) if not isinstance(g, torch.Tensor) or g.dim() else f'{g.item():.4f}'}, "
             f"expected {expected.item():.4f}" + found,
             "G wants D to score its fakes as real: the mean squared distance of the fake scores from 1")
    passed("lsgan_losses", "D: 0.5[(D(x)-1)^2 + D(G(z))^2], G: (D(G(z))-1)^2, on 4x7x7 patch scores")


def _check_l1(fn: Callable, name: str, reference: Callable, first: str, second: str) -> None:
    a, b = random_images(3, 9).requires_grad_(True), random_images(3, 10).requires_grad_(True)
    value = call(fn, a, b, what=f"{name}({first}, {second})")
    expected = reference(a, b)
    if not isinstance(value, torch.Tensor) or value.dim() != 0:
        fail(f"{name} returned {shape_of(value)}, expected one number (a 0-dim tensor)", "end with .mean()")
    if not close(value, expected):
        wrong = {"it squares the differences (L2); CycleGAN uses L1, which blurs less": (a - b).square().mean(),
                 "it sums instead of averaging, so its weight depends on the image size": (a - b).abs().sum(),
                 "it adds the two images instead of taking their difference": (a + b).abs().mean(),
                 "it averages the signed difference before taking its absolute value, so errors of opposite sign "
                 "cancel": (a - b).mean().abs()}
        found = next((why for why, v in wrong.items() if close(value, v)), None)
        fail(f"{name} gave {value.item():.4f}, expected {expected.item():.4f}" + (f": {found}" if found else ""),
             "the mean, over every pixel of every image, of the absolute difference between the two batches")
    got = torch.autograd.grad(value, [a, b], allow_unused=True)
    for g, e, which in zip(got, torch.autograd.grad(expected, [a, b]), (first, second)):
        if g is None or not close(g, e):
            fail(f"{name} has the right value, but no gradient reaches {which}: the generator producing it "
                 "would get no signal from this loss", "compute the difference from both inputs as they are, "
                 "without .detach(), .item() or .data")


@exercise_check
def check_cycle_loss(cycle_loss: Callable) -> None:
    """Lesson 05: ``cycle_loss(real, reconstructed)`` is the mean absolute difference (L1)."""
    _check_l1(cycle_loss, "cycle_loss", losses.cycle_loss, "real", "reconstructed")
    passed("cycle_loss", "mean |F(G(x)) - x| (L1) on (3, 1, 28, 28) images")


@exercise_check
def check_identity_loss(identity_loss: Callable) -> None:
    """Lesson 05: ``identity_loss(target_images, translated)`` is the mean absolute difference (L1)."""
    _check_l1(identity_loss, "identity_loss", losses.identity_loss, "target_images", "translated")
    passed("identity_loss", "mean |G(y) - y| (L1) on (3, 1, 28, 28) images")


_BUFFER_HINTS = {"index out of range": "store each new fake while fewer than capacity are held; only a full buffer swaps, "
                                        "and it picks a slot among the stored images"}


@exercise_check
def check_history_buffer(History: type) -> None:
    """Lesson 05: ``History(capacity)`` with ``query(fakes)``: returns new fakes while filling, then each image is,
    with probability 1/2, a stored earlier fake (replaced by the new one)."""
    if not isinstance(History, type):
        fail(f"expected the class itself, got {type(History).__name__}", "pass the class, without brackets")
    torch.manual_seed(0)
    buffer = call(History, 8, what="History(8)")
    first = torch.arange(8.0).view(8, 1, 1, 1)
    out = call(buffer.query, first, what="history.query(fakes) on the first 8 fakes", hints=_BUFFER_HINTS)
    if not isinstance(out, torch.Tensor) or out.shape != first.shape:
        fail(f"query returned {shape_of(out)} for 8 fakes of shape (8, 1, 1, 1), expected the same shape",
             "every path through the loop adds exactly one image to the answer; stack them into one batch")
    if not torch.equal(out, first):
        fail("while the buffer is filling, query should return the new fakes themselves", "append each new image and return it")
    new = torch.arange(100.0, 164.0).view(64, 1, 1, 1)
    out = call(buffer.query, new, what="history.query(fakes) on 64 more fakes, with the buffer full", hints=_BUFFER_HINTS)
    if not isinstance(out, torch.Tensor) or out.shape != new.shape:
        fail(f"query returned {shape_of(out)} for 64 fakes of shape (64, 1, 1, 1), expected the same shape",
             "every path through the loop (filling, swapping, keeping the new image) adds exactly one image")
    stored = getattr(buffer, "images", None)
    if isinstance(stored, list) and len(stored) > 8:
        fail(f"a History(8) holds {len(stored)} images after 72 fakes, expected 8: it keeps filling past its capacity",
             "add new images only while fewer than capacity are stored; after that, swap")
    if isinstance(stored, list) and len(stored) < 8:
        fail(f"a History(8) holds {len(stored)} images after 72 fakes, expected 8: it returns new fakes while filling "
             "but never keeps them", "while filling, store each new fake (a copy) as well as returning it")
    old_share = (out.flatten() != new.flatten()).float().mean().item()  # an earlier fake in place of the new one
    if old_share == 0:
        fail("once the buffer is full, query still returns only the new fakes: D never sees an earlier generator's "
             "images, and the buffer does nothing",
             "with probability 0.5, return a random stored image and put the new one in its place")
    if not 0.3 <= old_share <= 0.7:
        fail(f"{old_share:.0%} of a full buffer's answers were earlier fakes, expected about half",
             "draw the coin once per image, with probability 0.5")
    global_state = torch.get_rng_state()
    later = call(buffer.query, torch.arange(200.0, 264.0).view(64, 1, 1, 1), what="history.query(fakes)").flatten()
    if not torch.equal(global_state, torch.get_rng_state()):
        fail("the buffer's coin flips or slot choices draw from PyTorch's global random numbers, so every query shifts "
             "the random numbers the rest of training uses (a seed no longer gives the same run)",
             "draw them from the buffer's own seeded generator, self.generator (generator=... in torch.rand and "
             "torch.randint)")
    if not ((later >= 100) & (later < 164)).any():
        fail("a full buffer never takes in new fakes: its answers are always the first fakes it stored, so D keeps "
             "seeing the generator's earliest images", "when an old image is returned, store the new one in its slot")
    if buffer.query(torch.ones(2, 1, 1, 1, requires_grad=True)).requires_grad:
        fail("query returns images that still carry gradients back to G",
             "work on the fakes detached from G's graph, for what you store and what you return")
    passed("history_buffer", f"new fakes while filling, then {old_share:.0%} earlier fakes; detached")
