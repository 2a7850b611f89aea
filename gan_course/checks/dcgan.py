"""Lesson 02's exercise checks: the DCGAN blocks, Radford et al.'s initialisation and the assembled pair."""

from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from gan_course.checks.architecture import compare_layers, infer
from gan_course.checks.core import call, exercise_check, fail, passed
from gan_course.checks.probes import shape_of
from gan_course.checks.vanilla_gan import validate_discriminator, validate_generator
from gan_course.models import dcgan
from gan_course.models.dcgan import DCGANDiscriminator, DCGANGenerator

# Radford et al.'s guidelines, as lesson 02 states them: the message for a network that breaks one.
DCGAN_RULES = {
    "bias": "a convolution followed by BatchNorm needs no bias (bias=False): BatchNorm subtracts the mean right "
            "after, which cancels it; one without BatchNorm keeps its bias",
    "BatchNorm2d": "BatchNorm goes in both networks except G's output and D's input layer: without it G tends to "
                   "collapse early; on D's input it made samples oscillate",
    "LeakyReLU": "D uses LeakyReLU with slope 0.2 (Radford et al.): a plain ReLU gives zero gradient for negative inputs",
    "ReLU": "G uses ReLU after each BatchNorm (Radford et al.); D uses LeakyReLU(0.2)",
    "Tanh": "G ends in tanh, so that it can draw the data's whole range, [-1, 1]",
    "stride": "G's first layer turns 1x1 into 7x7 (kernel 7, stride 1, no padding); each later one doubles the size "
              "(kernel 4, stride 2, padding 1)",
    "ConvTranspose2d": "kernel_size=4, stride=2, padding=1 doubles the size; the table gives the first layer (7, 1, 0)",
    "Conv2d": "kernel_size=4, stride=2, padding=1 halves the size; D's last layer is a 7x7 convolution to one channel",
}


def _layers(module: nn.Module, kind) -> list[nn.Module]:
    return [m for m in module.modules() if isinstance(m, kind)]


def _size_hint(kind: str) -> str:
    formula = ("out = (in - 1) * stride - 2 * padding + kernel" if kind == "transposed"
               else "out = floor((in + 2 * padding - kernel) / stride) + 1")
    return f"{formula}; kernel_size=4, stride=2, padding=1 gives exactly {'2x' if kind == 'transposed' else '1/2x'} the size"


CONV_HINTS = {
    "G": {"expected input": "each layer's in_channels must equal the out_channels of the layer before it: "
                            "z_dim -> 4c -> 2c -> 1",
          "running_mean": "each BatchNorm2d's size must equal the channels of the convolution before it",
          "is invalid for input of size": "G's output must already be (B, 1, 28, 28)", "_flat": "G's output must already be (B, 1, 28, 28)",
          "_shape": "the sizes go 1 -> 7 -> 14 -> 28: a 7x7 kernel with stride 1 first, then kernel 4, stride 2, "
                   "padding 1 twice, ending with 1 channel"},
    "D": {"expected input": "each convolution's in_channels must equal the out_channels of the one before it: "
                            "1 -> c -> 2c -> 1",
          "running_mean": "each BatchNorm2d's size must equal the channels of the convolution before it",
          "_shape": "the sizes go 28 -> 14 -> 7 -> 1: two kernel-4, stride-2, padding-1 convolutions, then a 7x7 "
                   "convolution to ONE channel, flattened to (B,)"},
}


@exercise_check
def check_generator_block(generator_block: Callable) -> None:
    """Lesson 02: ``generator_block(in, out)`` doubles height and width: ConvTranspose2d, BatchNorm2d, ReLU."""
    block = call(generator_block, 8, 4, what="generator_block(8, 4)")
    if not isinstance(block, nn.Module):
        fail(f"generator_block returned a {type(block).__name__}, expected an nn.Module",
             "return the layers wrapped in one nn.Sequential")
    x = torch.randn(2, 8, 7, 7, generator=torch.Generator().manual_seed(0))
    out = call(block, x, what="generator_block(8, 4) on a (2, 8, 7, 7) input",
               hints={"expected input": "the transposed convolution takes in_channels (here 8) input channels"})
    if tuple(out.shape) != (2, 4, 14, 14):
        fail(f"generator_block(8, 4) turned (2, 8, 7, 7) into {shape_of(out)}, expected (2, 4, 14, 14): "
             "twice the height and width, out_channels channels", _size_hint("transposed"))
    if not _layers(block, nn.ConvTranspose2d):
        fail("generator_block has no nn.ConvTranspose2d", "DCGAN upsamples with a learned, strided transposed convolution")
    if not _layers(block, nn.BatchNorm2d):
        fail("generator_block has no BatchNorm2d after its transposed convolution",
             "add a BatchNorm2d over the out_channels channels: it keeps each layer's activations on scale and stops G collapsing early")
    if not _layers(block, nn.ReLU) or _layers(block, nn.LeakyReLU):
        fail("generator_block should end in nn.ReLU()", "Radford et al. use ReLU in G (LeakyReLU in D)")
    compare_layers(block, dcgan.generator_block(8, 4), [x], "generator_block(8, 4)", DCGAN_RULES)
    passed("generator_block", "(2, 8, 7, 7) -> (2, 4, 14, 14) with ConvTranspose2d, BatchNorm2d, ReLU")


@exercise_check
def check_discriminator_block(discriminator_block: Callable) -> None:
    """Lesson 02: ``discriminator_block(in, out, batchnorm)`` halves height and width: Conv2d, [BatchNorm2d], LeakyReLU."""
    x = torch.randn(2, 4, 14, 14, generator=torch.Generator().manual_seed(0))
    for batchnorm in (True, False):
        block = call(discriminator_block, 4, 8, batchnorm, what=f"discriminator_block(4, 8, batchnorm={batchnorm})")
        if not isinstance(block, nn.Module):
            fail(f"discriminator_block returned a {type(block).__name__}, expected an nn.Module",
                 "return the layers wrapped in one nn.Sequential")
        out = call(block, x, what=f"discriminator_block(4, 8, batchnorm={batchnorm}) on a (2, 4, 14, 14) input")
        if tuple(out.shape) != (2, 8, 7, 7):
            fail(f"discriminator_block(4, 8) turned (2, 4, 14, 14) into {shape_of(out)}, expected (2, 8, 7, 7)",
                 _size_hint("conv"))
        if _layers(block, (nn.MaxPool2d, nn.AvgPool2d)):
            fail("discriminator_block downsamples with pooling", "use a strided convolution (stride=2) instead: D learns how to downsample")
        has_bn = bool(_layers(block, nn.BatchNorm2d))
        if batchnorm and not has_bn:
            fail("discriminator_block(..., batchnorm=True) has no BatchNorm2d", "add a BatchNorm2d over the output channels when batchnorm is True")
        if not batchnorm and has_bn:
            fail("discriminator_block(..., batchnorm=False) still has a BatchNorm2d",
                 "the input layer skips BatchNorm (Radford et al.): only add it when batchnorm is True")
        if not _layers(block, nn.LeakyReLU):
            fail("discriminator_block has no LeakyReLU", "end with a LeakyReLU of slope 0.2: a plain ReLU gives D dead units and G no gradient there")
        compare_layers(block, dcgan.discriminator_block(4, 8, batchnorm), [x],
                       f"discriminator_block(4, 8, batchnorm={batchnorm})", DCGAN_RULES)
    passed("discriminator_block", "(2, 4, 14, 14) -> (2, 8, 7, 7) with a strided Conv2d, optional BatchNorm2d, LeakyReLU")


def _init_problems(model: nn.Module) -> list[str]:
    """What differs from Radford et al.'s init in ``model`` (empty when it is right)."""
    problems = []
    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            w = m.weight.detach()
            if w.numel() >= 64 and not (0.012 < w.std().item() < 0.028 and abs(w.mean().item()) < 0.01):
                problems.append(f"{type(m).__name__} '{name}' has weights with std {w.std().item():.3f}, expected ~0.02")
        elif isinstance(m, nn.BatchNorm2d):
            w = m.weight.detach()
            if torch.all(w == 1):
                problems.append(f"BatchNorm2d '{name}' still has its default scale 1.0, expected ~N(1, 0.02)")
            elif not (0.005 < w.std().item() < 0.04 and abs(w.mean().item() - 1) < 0.02):
                problems.append(f"BatchNorm2d '{name}' has scale mean {w.mean().item():.3f} std {w.std().item():.3f}, expected ~N(1, 0.02)")
    return problems


def _untouched(before: nn.Module, after: nn.Module) -> list[str]:
    """The kinds of layer whose weights weights_init left exactly as they were."""
    return sorted({type(a).__name__ for a, b in zip(after.modules(), before.modules())
                   if isinstance(a, (nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm2d)) and torch.equal(a.weight, b.weight)})


@exercise_check
def check_weights_init(weights_init: Callable) -> None:
    """Lesson 02: ``weights_init(module)`` sets conv weights ~N(0, 0.02), BatchNorm scale ~N(1, 0.02), shift 0."""
    torch.manual_seed(0)
    for model in (DCGANGenerator(z_dim=16, channels=16), DCGANDiscriminator(channels=16)):
        with torch.no_grad():  # as after some training: weights_init must set every value, not rely on defaults
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.bias.fill_(0.3)
        before = copy.deepcopy(model)
        call(model.apply, weights_init, what=f"{type(model).__name__}().apply(weights_init)",
             hints={"object has no attribute": "a branch ran on a module that lacks what it touches (a layer without a "
                                               "bias, or without weights?): test the module's class first"})
        untouched = _untouched(before, model)
        if untouched:
            fail(f"weights_init left the weights of every {', '.join(untouched)} layer unchanged",
                 "your class tests must match " + " and ".join(untouched) + " (check the class names), and the "
                 "in-place nn.init functions must change the module's own tensors, not a copy")
        problems = _init_problems(model)
        if problems:
            fail(f"after model.apply(weights_init): {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                 "convolution weights come from N(0, 0.02) and BatchNorm scales from N(1, 0.02): check the mean and "
                 "std you give the in-place normal init of each")
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d) and torch.any(m.bias != 0):
                fail("a BatchNorm2d shift (bias) is not zero after weights_init",
                     "set the shift to zero in place, as you set the scale")
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) and m.bias is not None and torch.any(m.bias != 0):
                fail(f"a {type(m).__name__}'s bias is not zero after weights_init: PyTorch's default bias is random",
                     "a convolution that has a bias (m.bias is not None) gets it set to zero, in place")
    passed("weights_init", "convolutions ~N(0, 0.02), BatchNorm scale ~N(1, 0.02), shift 0")


@exercise_check
def check_dcgan(G: nn.Module, D: nn.Module, z_dim: int) -> None:
    """Lesson 02: the assembled, initialised DCGAN: G (B, z_dim) -> (B, 1, 28, 28) in [-1, 1]; D -> logits (B,)."""
    validate_generator(G, z_dim, CONV_HINTS["G"])
    validate_discriminator(D, CONV_HINTS["D"])
    if not _layers(G, nn.ConvTranspose2d) or not _layers(D, nn.Conv2d):
        fail("G needs transposed convolutions and D convolutions", "build them from generator_block and discriminator_block")
    if not _layers(G, nn.BatchNorm2d):
        fail("G has no BatchNorm2d", "use generator_block, which has BatchNorm2d after each transposed convolution")
    z = torch.randn(4, z_dim, generator=torch.Generator().manual_seed(3))
    compare_layers(G, DCGANGenerator(z_dim, infer(G, nn.ConvTranspose2d, "out_channels", 0, default=128) // 4), [z],
                   "G", DCGAN_RULES)
    x = torch.rand(4, 1, 28, 28, generator=torch.Generator().manual_seed(4)) * 2 - 1
    compare_layers(D, DCGANDiscriminator(infer(D, nn.Conv2d, "out_channels", 0, default=32)), [x], "D", DCGAN_RULES)
    problems = _init_problems(G) + _init_problems(D)
    if problems:
        fail(f"the networks are not initialised as in DCGAN: {problems[0]}",
             "apply weights_init to every submodule of both networks (Module.apply), after building them")
    passed("dcgan", f"G: (B, {z_dim}) -> (B, 1, 28, 28) in [-1, 1]; D: -> logits (B,); DCGAN init applied")
