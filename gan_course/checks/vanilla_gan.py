"""Lesson 01's exercise checks: the losses (from logits), the generator and the discriminator.

Wrong answers are diagnosed by computing the realistic wrong formulas and comparing: swapped labels, a sigmoid
before BCEWithLogits, one missing term, the saturating minimax loss, a wrong sign. The train step's check is in
``train_step``.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import torch
from torch import nn

from gan_course.checks.architecture import compare_layers, infer
from gan_course.checks.core import call, exercise_check, fail, passed
from gan_course.checks.probes import assert_trainable, bce, close, ends_in_sigmoid, random_images, shape_of
from gan_course.models.mlp import MLPDiscriminator, MLPGenerator

# Why each layer of lesson 01's tables is there: the message for a network that differs at that layer.
MLP_RULES = {
    "BatchNorm1d": "the table puts a BatchNorm1d after G's second and third Linear layers: it keeps the activations "
                   "on scale, so G learns faster and draws more varied samples",
    "LeakyReLU": "the tables use LeakyReLU with slope 0.2 after each hidden Linear layer: unlike ReLU it keeps a "
                 "gradient for negative inputs",
    "Dropout": "D has a Dropout(p) after each hidden LeakyReLU: with 4,500 real digits, D could otherwise memorise them",
    "Tanh": "G ends in tanh, which puts every pixel in [-1, 1], the range of the data",
    "Linear": "the widths come from the table: G goes z_dim -> h -> 2h -> 4h -> 784, D goes 784 -> 2h -> h -> 1",
}


def _fixed_logits(seed: int, n: int = 32) -> torch.Tensor:
    # Spread over [-4, 4]: confident and unsure scores alike, so different formulas give different values.
    return (torch.randn(n, generator=torch.Generator().manual_seed(seed)) * 2.0).requires_grad_(True)


def _scalar_loss(fn: Callable, args: Sequence[torch.Tensor], exercise: str) -> torch.Tensor:
    """Call a loss function and insist on a differentiable scalar tensor."""
    out = call(
        fn, *args, what=f"{exercise}(...)",
        hints={"between 0 and 1": "inputs are raw logits of any sign; the logits version of BCE accepts those, "
                                  "nn.BCELoss / F.binary_cross_entropy only accept probabilities in [0, 1]"},
    )
    if not isinstance(out, torch.Tensor):
        fail(f"{exercise} returned a {type(out).__name__}, expected a scalar torch.Tensor",
             "return the loss tensor itself, without .item(), so that .backward() can run through it")
    if out.dim() != 0:
        fail(f"{exercise} returned shape {shape_of(out)}, expected a scalar (shape ())",
             "average over the batch: BCEWithLogits' default reduction='mean' does it")
    if not out.requires_grad:
        fail(f"{exercise} returned a loss that does not depend on the logits' graph",
             "build the loss with torch operations on the logits (no .detach(), .item() or numpy)")
    return out


def _same_gradient(out: torch.Tensor, right: torch.Tensor, logits: Sequence[torch.Tensor], exercise: str) -> None:
    """The right value is not enough: the gradient reaching each batch of logits must be the right one's too."""
    got = torch.autograd.grad(out, logits, allow_unused=True, retain_graph=True)
    expected = torch.autograd.grad(right, logits, retain_graph=True)
    for g, e, which in zip(got, expected, ("the first", "the second")):
        if g is None or not close(g, e):
            fail(f"{exercise} has the right value, but {which} logits get {'no' if g is None else 'the wrong'} "
                 "gradient: part of the loss is cut off from the graph (.detach(), .item(), numpy) or computed from "
                 "probabilities", "compute every term from the logits themselves, with the logits version of BCE")


def _diagnose(value: torch.Tensor, candidates: Mapping[str, tuple[torch.Tensor, str]]) -> None:
    """Raise the message of the first wrong formula whose value matches ``value``."""
    for problem, (expected, hint) in candidates.items():
        if close(value.detach(), expected.detach()):
            fail(problem, hint)


@exercise_check
def check_discriminator_loss(discriminator_loss: Callable) -> None:
    """Lesson 01: D's loss -[log D(x) + log(1 - D(G(z)))] from logits, as a scalar."""
    real, fake = _fixed_logits(1), _fixed_logits(2)
    out = _scalar_loss(discriminator_loss, (real, fake), "discriminator_loss")
    right = bce(real, 1) + bce(fake, 0)
    if close(out, right) or close(out, right / 2):  # a sum or a mean of the two terms: Adam doesn't mind
        _same_gradient(out, right if close(out, right) else right / 2, (real, fake), "discriminator_loss")
        passed("discriminator_loss", "real logits scored against 1, fake logits against 0")
        return
    sig = torch.sigmoid
    _diagnose(out, {
        "discriminator_loss has the labels swapped: it scores real images as 0 and fakes as 1":
            (bce(real, 0) + bce(fake, 1), "real images are scored against target 1, fakes against target 0"),
        "discriminator_loss scores the real images against 0 as well: both terms use the fakes' target":
            (bce(real, 0) + bce(fake, 0), "the real term's target is a tensor of ones shaped like the real logits"),
        "discriminator_loss scores the fakes against 1 as well: both terms use the real images' target":
            (bce(real, 1) + bce(fake, 1), "the fake term's target is a tensor of zeros shaped like the fake logits"),
        "discriminator_loss sums over the batch instead of averaging: its scale grows with the batch size":
            (len(real) * right, "keep BCE's default mean reduction"),
        "discriminator_loss applies a sigmoid before BCEWithLogits, so the sigmoid is applied twice":
            (bce(sig(real), 1) + bce(sig(fake), 0),
             "pass the raw logits: the logits version of BCE applies the sigmoid itself"),
        "discriminator_loss applies a sigmoid to the real logits before BCEWithLogits (a double sigmoid)":
            (bce(sig(real), 1) + bce(fake, 0), "pass the raw logits: the logits version of BCE applies the sigmoid itself"),
        "discriminator_loss applies a sigmoid to the fake logits before BCEWithLogits (a double sigmoid)":
            (bce(real, 1) + bce(sig(fake), 0), "pass the raw logits: the logits version of BCE applies the sigmoid itself"),
        "discriminator_loss only scores the real images":
            (bce(real, 1), "add the fake term: the fake logits against target 0"),
        "discriminator_loss only scores the fake images":
            (bce(fake, 0), "add the real term: the real logits against target 1"),
        "discriminator_loss has the wrong sign: minimising it would make D worse":
            (-right, "BCE is already the negative log-likelihood; don't negate it"),
    })
    fail(f"discriminator_loss returned {out.item():.4f} on test logits, expected {right.item():.4f}",
         "two terms, each the logits version of BCE averaged over its batch: the real logits against target 1, the "
         "fake logits against target 0, added")


@exercise_check
def check_generator_loss(generator_loss: Callable) -> None:
    """Lesson 01: the non-saturating generator loss -log D(G(z)) from logits, as a scalar."""
    fake = _fixed_logits(3)
    out = _scalar_loss(generator_loss, (fake,), "generator_loss")
    right = bce(fake, 1)
    if close(out, right):
        _same_gradient(out, right, (fake,), "generator_loss")
        passed("generator_loss", "non-saturating: fake logits scored against 1")
        return
    _diagnose(out, {
        "generator_loss is the saturating minimax form log(1 - D(G(z))): its gradient vanishes "
        "exactly when D confidently rejects the fakes, at the start of training":
            (-bce(fake, 0), "use the non-saturating loss: the fake logits against target 1"),
        "generator_loss scores the fakes against 0: that is D's goal, and would teach G to look fake":
            (bce(fake, 0), "G wants D to call its fakes real: target 1, a tensor of ones shaped like the logits"),
        "generator_loss sums over the batch instead of averaging: its scale grows with the batch size":
            (len(fake) * right, "keep BCE's default mean reduction"),
        "generator_loss applies a sigmoid before BCEWithLogits, so the sigmoid is applied twice":
            (bce(torch.sigmoid(fake), 1), "pass the raw logits: the logits version of BCE applies the sigmoid itself"),
        "generator_loss has the wrong sign":
            (-right, "BCE is already the negative log-likelihood; don't negate it"),
    })
    fail(f"generator_loss returned {out.item():.4f} on test logits, expected {right.item():.4f}",
         "the logits version of BCE, averaged over the batch, with the fake logits against target 1")


# ---------------------------------------------------------------- the networks

@exercise_check
def check_generator(G: nn.Module, z_dim: int) -> None:
    """Lesson 01: G maps z of shape (B, z_dim) to images (B, 1, 28, 28) in [-1, 1], differentiably."""
    validate_generator(G, z_dim)
    reference = MLPGenerator(z_dim=z_dim, hidden=infer(G, nn.Linear, "out_features", 0, default=256))
    compare_layers(G, reference, [torch.randn(4, z_dim, generator=torch.Generator().manual_seed(3))], "G", MLP_RULES)
    passed("generator", f"z (16, {z_dim}) -> images (16, 1, 28, 28) in [-1, 1], trainable")


MLP_HINTS = {
    "G": {"mat1 and mat2": "G's Linear layers: the first takes z_dim inputs, each next one takes what the one before "
                           "gives (h, 2h, 4h), and the last gives 784 = 1*28*28",
          "running_mean": "each BatchNorm1d's size must equal the outputs of the Linear layer before it",
          "is invalid for input of size": "each image needs 784 = 1*28*28 values for the reshape to (B, 1, 28, 28)",
          "_shape": "the last Linear layer needs 784 = 1*28*28 outputs, then a reshape to (B, 1, 28, 28)",
          "_flat": "reshape the last layer's (B, 784) output to (B, 1, 28, 28) with .view"},
    "D": {"mat1 and mat2": "flatten each image to 784 numbers first, and give each Linear layer the size the layer "
                           "before it gives (784 -> 2h -> h -> 1)",
          "_shape": "end with a Linear layer to ONE output, then drop that last dimension of size 1, keeping the batch "
                   "dimension"},
}


def validate_generator(G: nn.Module, z_dim: int, hints: dict = MLP_HINTS["G"]) -> None:
    """Fail unless G maps (16, z_dim) noise to (16, 1, 28, 28) images in [-1, 1], depending on z, trainable.
    ``hints``: what to say about a crash or a wrong shape (lesson 01's MLP, or lesson 02's convolutions)."""
    if not isinstance(G, nn.Module):
        fail(f"expected an nn.Module instance, got {type(G).__name__}", "pass the network itself: G = Generator(...)")
    z = torch.randn(16, z_dim, generator=torch.Generator().manual_seed(0))
    G.train()
    out = call(G, z, what=f"G(z) with z of shape {tuple(z.shape)}", hints=hints)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (16, 1, 28, 28):
        flat = isinstance(out, torch.Tensor) and tuple(out.shape) == (16, 784)
        fail(f"G(z) for z of shape (16, {z_dim}) returned {shape_of(out)}, expected images of shape (16, 1, 28, 28)",
             hints["_flat"] if flat else hints["_shape"])
    with torch.no_grad():
        wide = G(z * 6)  # large z pushes the pre-activations out, revealing the output range
    lo, hi = min(out.min().item(), wide.min().item()), max(out.max().item(), wide.max().item())
    if lo >= 0 and hi <= 1:
        fail(f"G's images lie in [{lo:.2f}, {hi:.2f}], inside [0, 1], but the training images are in [-1, 1]",
             "end the generator with nn.Tanh(), not nn.Sigmoid(): tanh covers [-1, 1]")
    if lo < -1 or hi > 1:
        fail(f"G's images reach [{lo:.2f}, {hi:.2f}], outside [-1, 1], the range of the training images",
             "end the generator with nn.Tanh() so every pixel lands in [-1, 1]")
    if out.std(dim=0).mean().item() < 1e-4:
        fail("G returns the same image for every z", "the output must be computed from z, e.g. self.net(z)")
    assert_trainable(G, "G", out.square().mean())


@exercise_check
def check_discriminator(D: nn.Module) -> None:
    """Lesson 01: D maps images (B, 1, 28, 28) to one raw logit each, shape (B,), with no sigmoid."""
    validate_discriminator(D)
    reference = MLPDiscriminator(hidden=infer(D, nn.Linear, "in_features", -1, default=256), dropout=0.3)
    compare_layers(D, reference, [random_images(4, 3)], "D", MLP_RULES)
    passed("discriminator", "images (16, 1, 28, 28) -> logits (16,), no sigmoid, trainable")


def validate_discriminator(D: nn.Module, hints: dict = MLP_HINTS["D"]) -> None:
    """Fail unless D maps (16, 1, 28, 28) images to 16 raw logits (no sigmoid) that depend on x, trainable."""
    if not isinstance(D, nn.Module):
        fail(f"expected an nn.Module instance, got {type(D).__name__}", "pass the network itself: D = Discriminator(...)")
    x = random_images(16, 1)
    D.train()
    out = call(D, x, what="D(x) with x of shape (16, 1, 28, 28)", hints=hints)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (16,):
        squeeze = isinstance(out, torch.Tensor) and tuple(out.shape) == (16, 1)
        fail(f"D(x) for 16 images returned {shape_of(out)}, expected one logit per image, shape (16,)",
             "drop the trailing dimension of size 1 (and only that one)" if squeeze else hints["_shape"])
    if any(isinstance(m, nn.Sigmoid) for m in D.modules()) or ends_in_sigmoid(D, x):
        fail("D ends in a sigmoid, but the losses use BCEWithLogits, which applies the sigmoid itself",
             "remove the final sigmoid: D returns raw logits (any real number)")
    if out.std().item() < 1e-6:
        fail("D gives every image the same score", "the output must be computed from x")
    one_image(D, x[:1], "D(x)")
    assert_trainable(D, "D", out.square().mean())


def one_image(D: nn.Module, x: torch.Tensor, what: str, *extra: torch.Tensor) -> None:
    """A batch of one must still give shape (1,): a bare squeeze() would drop the batch dimension too."""
    D.eval()
    with torch.no_grad():
        out = call(D, x, *extra, what=f"{what} for a batch of one image")
    D.train()
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (1,):
        fail(f"{what} for a batch of ONE image returned {shape_of(out)}, expected (1,): a squeeze without a dimension "
             "also removes the batch dimension when the batch holds one image",
             "squeeze only the last dimension, the one of size 1 that the final layer adds")
