"""Lesson 04's exercise checks: the conditional generator, the two conditional discriminators, the train step.

Each prints one line when it is right and otherwise raises ``checks.ExerciseError`` naming the bug: a label that
never reaches D, fakes scored with the real batch's labels, an embedding of the wrong size, one-hot labels joined
along the wrong dimension. Networks are passed as classes, so a check can build them with sizes of its own and
catch numbers written in by hand.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from gan_course.checks.architecture import compare_layers
from gan_course.checks.core import ExerciseError, build_from_class, call, exercise_check, fail, passed
from gan_course.checks.probes import assert_trainable, ends_in_sigmoid, random_images, shape_of
from gan_course.checks.vanilla_gan import one_image
from gan_course.models.conditional import ConditionalGenerator

N_CLASSES = 10
WRONG_DIM_HINT = ("join along dim=1, the feature (or channel) dimension: torch.cat([a, b], dim=1). "
                  "dim=0 is the batch, and stacking there adds rows instead of widening each one")


def fixed_labels(n: int, seed: int) -> torch.Tensor:
    return torch.randint(0, N_CLASSES, (n,), generator=torch.Generator().manual_seed(seed))  # (n,)


def _other_labels(labels: torch.Tensor) -> torch.Tensor:
    return (labels + 1 + fixed_labels(len(labels), 99) % (N_CLASSES - 1)) % N_CLASSES  # (n,), each differs from labels


def _forward(module: nn.Module, *args, what: str) -> torch.Tensor:
    """Call a conditional network; a concatenation along the wrong dimension gets its own hint."""
    try:
        return call(module, *args, what=what)
    except ExerciseError as err:
        if "Sizes of tensors must match" in str(err) or "Tensors must have same number of dimensions" in str(err):
            raise ExerciseError(f"{what} failed while joining the label to its input: "
                                f"{str(err).splitlines()[0].split(': ', 1)[-1]}\n  Hint: {WRONG_DIM_HINT}",
                                err.student_frames) from None  # still points at the student's torch.cat
        raise


def _randomised(module: nn.Module) -> nn.Module:
    """A copy with every parameter redrawn from N(0, 0.05), seeded: label tests then probe the wiring, not an
    initialisation that happens to hide the label (the projection D's class vectors start at zero)."""
    copy_ = copy.deepcopy(module)
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for p in copy_.parameters():
            p.normal_(0.0, 0.05, generator=generator)
    return copy_


def _embeddings(module: nn.Module) -> list[nn.Embedding]:
    return [m for m in module.modules() if isinstance(m, nn.Embedding)]


def _check_embedding(module: nn.Module, name: str, expected_dim: int, why: str) -> None:
    found = _embeddings(module)
    if not found:
        fail(f"{name} has no nn.Embedding", f"store the label table as an nn.Embedding with {N_CLASSES} rows of {expected_dim} numbers, in self.embed")
    sizes = [(e.num_embeddings, e.embedding_dim) for e in found]
    if (N_CLASSES, expected_dim) not in sizes:
        fail(f"{name}'s embedding has the wrong size: {', '.join(f'nn.Embedding{s}' for s in sizes)}; expected "
             f"nn.Embedding({N_CLASSES}, {expected_dim}): {N_CLASSES} rows, one per class, {expected_dim} numbers each, {why}",
             "the first argument is the number of classes (n_classes), the second the length of each label vector")


@exercise_check
def check_conditional_generator(Generator: type) -> None:
    """Lesson 04: ``Generator(z_dim, n_classes, embed_dim, channels)`` maps (z (B, z_dim), labels (B,)) to
    images (B, 1, 28, 28) in [-1, 1], joining a label embedding of size embed_dim to z."""
    z_dim, embed_dim = 8, 5
    G = build_from_class(Generator, f"Generator(z_dim={z_dim}, n_classes=10, embed_dim={embed_dim}, channels=4)",
                         z_dim=z_dim, n_classes=N_CLASSES, embed_dim=embed_dim, channels=4)
    _check_embedding(G, "G", embed_dim, f"the size that joins z (so the first layer sees z_dim + embed_dim = {z_dim + embed_dim})")
    z, labels = torch.randn(6, z_dim, generator=torch.Generator().manual_seed(0)), fixed_labels(6, 1)
    G.eval()  # BatchNorm uses running statistics: each image depends on its own z and label only
    out = _forward(G, z, labels, what=f"G(z, labels) with z {tuple(z.shape)} and labels {tuple(labels.shape)}")
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (6, 1, 28, 28):
        fail(f"G(z, labels) for 6 noise vectors returned {shape_of(out)}, expected images (6, 1, 28, 28)",
             "join [z, embed(labels)] along dim=1, then run the DCGAN body")
    if out.min() < -1 or out.max() > 1 or out.min() >= 0:
        fail(f"G's images lie in [{out.min():.2f}, {out.max():.2f}], expected [-1, 1]", "keep the DCGAN body's final nn.Tanh()")
    with torch.no_grad():
        relabelled = G(z, _other_labels(labels))
    if torch.allclose(out, relabelled):
        fail("G draws the same image whatever label it is given: the label never reaches the generator",
             "use the labels in forward: join their embedding to z along the feature dimension")
    compare_layers(G, ConditionalGenerator(z_dim, N_CLASSES, embed_dim, channels=4), [z, labels], "G",
                   {"Embedding": "an embedding of n_classes rows, embed_dim numbers each",
                    "ConvTranspose2d": "the DCGAN body takes z_dim + embed_dim inputs and the channels it is given"},
                   outputs=False)  # [z, embedding] or [embedding, z]: either order is a conditional G
    with torch.no_grad():
        alone = G(z[:1], labels[:1])  # (1, 1, 28, 28): eval mode, so the rest of the batch must not matter
        other_z = G(torch.randn(6, z_dim, generator=torch.Generator().manual_seed(9)), labels)
        last_relabelled = G(z, torch.cat([labels[:-1], _other_labels(labels)[-1:]]))
    if not torch.allclose(alone, out[:1], atol=1e-5):
        fail("G's first image changes when the rest of the batch changes: each image should depend only on its own "
             "z and its own label", "join each z with the embedding of its own label, row by row, along dim=1")
    if torch.allclose(last_relabelled[-1], out[-1], atol=1e-6):
        fail("changing only the last image's label does not change the last image: each image must be drawn from "
             "its own label", "embed the whole batch of labels, one embedding per row, and join row i to z's row i")
    if torch.allclose(other_z, out, atol=1e-6):
        fail("G draws the same image for a label whatever z is: the noise never reaches the generator",
             "join z itself with the label's embedding")
    G.train()
    embed = next(e for e in _embeddings(G) if (e.num_embeddings, e.embedding_dim) == (N_CLASSES, embed_dim))
    assert_trainable(embed, "G's label embedding", G(z, labels).square().mean())
    passed("conditional_generator", f"(z (6, {z_dim}), labels (6,)) -> (6, 1, 28, 28) in [-1, 1]; the label changes the image")


def _check_conditional_discriminator(D: nn.Module, name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Shape, no sigmoid, and a score that depends on the label; returns (x, labels, scores)."""
    x, labels = random_images(8, 2), fixed_labels(8, 3)
    D.eval()
    out = _forward(D, x, labels, what=f"{name}(x, labels) with x (8, 1, 28, 28) and labels (8,)")
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (8,):
        fail(f"{name}(x, labels) for 8 images returned {shape_of(out)}, expected one logit per image, shape (8,)",
             ".squeeze(1) the (B, 1) output" if isinstance(out, torch.Tensor) and tuple(out.shape) == (8, 1)
             else "keep the batch dimension: one score per (image, label) pair")
    one_image(D, x[:1], f"{name}(x, labels)", labels[:1])
    probe = _randomised(D).eval()
    if ends_in_sigmoid(_LabelsBound(probe, labels), x):  # the probe works on its own copy: probe stays as it is
        fail(f"{name} ends in a sigmoid, but the hinge and BCEWithLogits losses expect raw scores",
             "return the last layer's output as it is")
    with torch.no_grad():
        same, relabelled = probe(x, labels), probe(x, _other_labels(labels))
    if torch.allclose(same, relabelled):
        fail(f"{name} gives the same score whatever the label: the label was not given to the discriminator, so it "
             "can only ask 'is this a digit?', never 'is this the digit it claims to be?'",
             "use the labels in forward; a D that ignores them lets G draw any digit for any label")
    D.train()
    return x, labels, out


class _LabelsBound(nn.Module):
    """D(x, labels) with the labels fixed, so the lesson-01 sigmoid probe can call it as D(x)."""

    def __init__(self, D: nn.Module, labels: torch.Tensor):
        super().__init__()
        self.D, self.labels = D, labels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.D(x, self.labels)


def _check_planes_seen(D: nn.Module, first: nn.Module, x: torch.Tensor, labels: torch.Tensor) -> None:
    """What D's first convolution receives: the image as channel 0, then plane y all ones and the others zeros."""
    seen = []
    hook = first.register_forward_pre_hook(lambda m, args: seen.append(args[0].detach().clone()))
    try:
        with torch.no_grad():
            _forward(D.eval(), x, labels, what="D(x, labels) with x (8, 1, 28, 28) and labels (8,)")
    finally:
        hook.remove()
        D.train()
    if not seen:
        fail("D never ran its first convolution on the image and its label planes", "feed the joined input to "
             "D's layers")
    image_first = torch.equal(seen[0][:, :1], x)  # the image, then the planes; or the planes, then the image
    if not image_first and not torch.equal(seen[0][:, -1:], x):
        fail("the image is not among the channels D's first convolution sees, as channel 0 or as the last channel",
             "join the image and its label planes along the channel dimension, unchanged")
    planes = seen[0][:, 1:] if image_first else seen[0][:, :-1]  # (8, n_classes, 28, 28)
    expected = torch.eye(N_CLASSES)[labels][:, :, None, None].expand_as(planes)
    if torch.equal(planes, 1 - expected):
        fail("the label planes D sees are inverted: plane y is all zeros and every other plane all ones",
             "one-hot: a 1 in the label's own plane, 0 in the others")
    if torch.allclose(planes, planes[:1].expand_as(planes)) and len(torch.unique(labels)) > 1:
        fail("the label planes D sees are the same for every image, whatever its label: the planes ignore the labels",
             "build the planes from the labels themselves: one-hot encode each image's own label")
    if not torch.equal(planes, expected):
        fail("the label planes D sees are not one-hot: for label y, plane y should be all ones and every other "
             f"plane all zeros (got values from {planes.min().item():g} to {planes.max().item():g})",
             "one-hot encode the labels (F.one_hot gives (B, n_classes)), then stretch each number over a size x "
             "size plane")


@exercise_check
def check_concat_discriminator(Discriminator: type) -> None:
    """Lesson 04: ``Discriminator(n_classes, channels)`` scores (x, labels) with one-hot label planes stacked
    beside the image as extra input channels."""
    D = build_from_class(Discriminator, "Discriminator(n_classes=10, channels=4)", n_classes=N_CLASSES, channels=4)
    first = next((m for m in D.modules() if isinstance(m, nn.Conv2d)), None)
    if first is not None and first.in_channels != 1 + N_CLASSES:
        fail(f"D's first convolution takes {first.in_channels} input channels, expected 1 + n_classes = {1 + N_CLASSES}: "
             "the image plus one plane per class; the label planes never reach D",
             "give the first convolution 1 + n_classes input channels, and feed it the image joined with the label planes along dim=1")
    if first is not None:
        _check_planes_seen(D, first, random_images(8, 2), fixed_labels(8, 3))
    x, labels, out = _check_conditional_discriminator(D, "D")
    assert_trainable(D, "D", out.square().mean())
    passed("concat_discriminator", "(x (8, 1, 28, 28), labels (8,)) -> (8,) logits; 11 input channels; the label changes the score")


@exercise_check
def check_projection_discriminator(Discriminator: type) -> None:
    """Lesson 04: ``Discriminator(n_classes, channels)`` returns out(phi(x)) + <embed(y), phi(x)>, with
    ``self.features`` (phi), ``self.out`` (psi) and ``self.embed`` as the lesson builds them."""
    D = build_from_class(Discriminator, "Discriminator(n_classes=10, channels=4)", n_classes=N_CLASSES, channels=4)
    missing = [a for a in ("features", "out", "embed") if not isinstance(getattr(D, a, None), nn.Module)]
    if missing:
        fail(f"D has no {', '.join('self.' + a for a in missing)}",
             "keep the lesson's names: self.features (phi), self.out (psi), self.embed (the class vectors)")
    with torch.no_grad():
        h = call(D.features, random_images(8, 2), what="D.features(x) with x (8, 1, 28, 28)")
    if h.dim() != 2:
        fail(f"D.features(x) returned {shape_of(h)}, expected a flat feature vector per image, (8, F)",
             "end self.features with nn.Flatten()")
    _check_embedding(D, "D", h.shape[1], f"as wide as the features phi(x) ({h.shape[1]}), so <embed(y), phi(x)> is defined")
    x, labels, out = _check_conditional_discriminator(D, "D")
    probe = _randomised(D).eval()
    with torch.no_grad():
        h = probe.features(x)
        expected = probe.out(h).squeeze(1) + (probe.embed(labels) * h).sum(dim=1)
        unconditional = probe.out(h).squeeze(1)
        scores = probe(x, labels)
    if not torch.allclose(scores, expected, atol=1e-5):
        hint = ("add the unconditional term: the score self.out gives the features" if torch.allclose(scores, expected - unconditional, atol=1e-5)
                else "compute the features once; the score is the unconditional score of the features plus, per image, the dot product of its class vector with its features")
        fail("D(x, labels) is not out(phi(x)) + <embed(labels), phi(x)>, the projection discriminator's score", hint)
    assert_trainable(D, "D", out.square().mean())
    passed("projection_discriminator", "(x (8, 1, 28, 28), labels (8,)) -> out(phi) + <embed(y), phi>, shape (8,)")
