"""Lesson 04's exercise checks: the conditional generator, the two conditional discriminators, the train step.

Each prints one line when it is right and otherwise raises ``checks.ExerciseError`` naming the bug: a label that
never reaches D, fakes scored with the real batch's labels, an embedding of the wrong size, one-hot labels joined
along the wrong dimension. Networks are passed as classes, so a check can build them with sizes of its own and
catch numbers written in by hand.
"""

from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from gan_course.checks.core import ExerciseError, build_from_class, call, exercise_check, fail, passed
from gan_course.checks.probes import assert_trainable, ends_in_sigmoid, random_images, shape_of
from gan_course.models.conditional import ConditionalGenerator, ProjectionDiscriminator

N_CLASSES = 10
WRONG_DIM_HINT = ("join along dim=1, the feature (or channel) dimension: torch.cat([a, b], dim=1). "
                  "dim=0 is the batch, and stacking there adds rows instead of widening each one")


def _labels(n: int, seed: int) -> torch.Tensor:
    return torch.randint(0, N_CLASSES, (n,), generator=torch.Generator().manual_seed(seed))  # (n,)


def _other_labels(labels: torch.Tensor) -> torch.Tensor:
    return (labels + 1 + _labels(len(labels), 99) % (N_CLASSES - 1)) % N_CLASSES  # (n,), each differs from labels


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
        fail(f"{name} has no nn.Embedding", f"store the label table as self.embed = nn.Embedding({N_CLASSES}, {expected_dim})")
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
    z, labels = torch.randn(6, z_dim, generator=torch.Generator().manual_seed(0)), _labels(6, 1)
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
             "use the labels in forward: torch.cat([z, self.embed(labels)], dim=1)")
    G.train()
    embed = next(e for e in _embeddings(G) if (e.num_embeddings, e.embedding_dim) == (N_CLASSES, embed_dim))
    assert_trainable(embed, "G's label embedding", G(z, labels).square().mean())
    passed("conditional_generator", f"(z (6, {z_dim}), labels (6,)) -> (6, 1, 28, 28) in [-1, 1]; the label changes the image")


def _check_conditional_discriminator(D: nn.Module, name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Shape, no sigmoid, and a score that depends on the label; returns (x, labels, scores)."""
    x, labels = random_images(8, 2), _labels(8, 3)
    D.eval()
    out = _forward(D, x, labels, what=f"{name}(x, labels) with x (8, 1, 28, 28) and labels (8,)")
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (8,):
        fail(f"{name}(x, labels) for 8 images returned {shape_of(out)}, expected one logit per image, shape (8,)",
             ".squeeze(1) the (B, 1) output" if isinstance(out, torch.Tensor) and tuple(out.shape) == (8, 1)
             else "keep the batch dimension: one score per (image, label) pair")
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


@exercise_check
def check_concat_discriminator(Discriminator: type) -> None:
    """Lesson 04: ``Discriminator(n_classes, channels)`` scores (x, labels) with one-hot label planes stacked
    beside the image as extra input channels."""
    D = build_from_class(Discriminator, "Discriminator(n_classes=10, channels=4)", n_classes=N_CLASSES, channels=4)
    first = next((m for m in D.modules() if isinstance(m, nn.Conv2d)), None)
    if first is not None and first.in_channels != 1 + N_CLASSES:
        fail(f"D's first convolution takes {first.in_channels} input channels, expected 1 + n_classes = {1 + N_CLASSES}: "
             "the image plus one plane per class; the label planes never reach D",
             "build it as nn.Conv2d(1 + n_classes, ...) and feed it torch.cat([x, label_planes], dim=1)")
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
        hint = ("add the unconditional term self.out(h).squeeze(1)" if torch.allclose(scores, expected - unconditional, atol=1e-5)
                else "compute h = self.features(x) once, then self.out(h).squeeze(1) + (self.embed(labels) * h).sum(dim=1)")
        fail("D(x, labels) is not out(phi(x)) + <embed(labels), phi(x)>, the projection discriminator's score", hint)
    assert_trainable(D, "D", out.square().mean())
    passed("projection_discriminator", "(x (8, 1, 28, 28), labels (8,)) -> out(phi) + <embed(y), phi>, shape (8,)")


# ---------------------------------------------------------------- the train step

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


@exercise_check
def check_cgan_step(cgan_step: Callable, z_dim: int = 8) -> None:
    """Lesson 04: ``cgan_step(G, D, opt_G, opt_D, real, labels, z_dim, n_classes)`` updates D on real images with
    their labels and fakes with the labels G drew them for, then updates G; returns a dict of floats."""
    torch.manual_seed(0)
    G = _Recorder(ConditionalGenerator(z_dim=z_dim, embed_dim=4, channels=4), "G")
    D = _Recorder(ProjectionDiscriminator(channels=4), "D")
    opt_G, opt_D = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    real, labels = random_images(16, 5), _labels(16, 6)
    before = {n: [p.detach().clone() for p in m.parameters()] for n, m in (("G", G), ("D", D))}
    result = call(cgan_step, G, D, opt_G, opt_D, real, labels, z_dim, N_CLASSES,
                  what="cgan_step(G, D, opt_G, opt_D, real, labels, z_dim, n_classes)")
    if not G.calls:
        fail("cgan_step never called G", "draw fakes with fake = G(z, fake_labels)")
    fakes = torch.cat([out for _, _, out in G.calls])  # (K, 1, 28, 28)
    fake_labels = torch.cat([y for _, y, _ in G.calls])  # (K,)
    if len(fake_labels) >= 8 and len(torch.unique(fake_labels)) == 1:
        fail(f"every fake was drawn for the same label ({int(fake_labels[0])})",
             "draw fake labels from every class: torch.randint(0, n_classes, (B,))")
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
                     "pass D the labels the fakes were drawn for: D(fake.detach(), fake_labels) and D(fake, fake_labels)")
            fail(f"{int(wrong.sum())} {kind} images were scored with a label that is not theirs",
                 "real images go with labels; each fake goes with the label it was generated for")
    if not judged["real"]:
        fail("D never scored the real batch", "compute D(real, labels) in the D update")
    if not judged["fake"]:
        fail("D never scored the fakes G drew", "compute D(fake.detach(), fake_labels) in the D update and D(fake, fake_labels) for G")
    for name, module in (("D", D), ("G", G)):
        if all(torch.equal(a, p) for a, p in zip(before[name], module.parameters())):
            fail(f"{name}'s weights did not change", f"call opt_{name}.zero_grad(), the loss's .backward() and opt_{name}.step()")
    if not isinstance(result, dict) or not all(isinstance(v, float) for v in result.values()):
        fail(f"cgan_step returned {type(result).__name__}, expected a dict of floats such as {{'loss_D': 0.7, 'loss_G': 1.2}}",
             "return {'loss_D': loss_D.item(), 'loss_G': loss_G.item(), ...}")
    passed("cgan_step", "real images judged with their labels, fakes with the labels they were drawn for; both nets updated")
