"""Realistic wrong answers to lesson 04's exercises: the conditional networks and the conditional train step."""

import torch
import torch.nn.functional as F
from torch import nn

from gan_course import losses
from gan_course.models.conditional import ConcatDiscriminator, ConditionalGenerator, ProjectionDiscriminator
from gan_course.models.dcgan import DCGANGenerator


class GeneratorEmbeddingSwapped(ConditionalGenerator):
    """nn.Embedding(embed_dim, n_classes): the two sizes the wrong way round."""

    def __init__(self, z_dim=64, n_classes=10, embed_dim=16, channels=32):
        super().__init__(z_dim, n_classes, embed_dim, channels)
        self.embed = nn.Embedding(embed_dim, n_classes)


class GeneratorEmbeddingAsWideAsZ(ConditionalGenerator):
    """nn.Embedding(n_classes, z_dim) while the body was sized for z_dim + embed_dim."""

    def __init__(self, z_dim=64, n_classes=10, embed_dim=16, channels=32):
        super().__init__(z_dim, n_classes, embed_dim, channels)
        self.embed = nn.Embedding(n_classes, z_dim)


class GeneratorJoinedAlongBatch(ConditionalGenerator):
    def forward(self, z, labels):
        return self.body(torch.cat([z, self.embed(labels)], dim=0))


class GeneratorIgnoresLabel(ConditionalGenerator):
    def __init__(self, z_dim=64, n_classes=10, embed_dim=16, channels=32):
        super().__init__(z_dim, n_classes, embed_dim, channels)
        self.body = DCGANGenerator(z_dim, channels)

    def forward(self, z, labels):
        return self.body(z) + 0 * self.embed(labels).sum()  # the label is looked up, then thrown away


class ConcatIgnoresLabel(ConcatDiscriminator):
    """The label planes are built, but D is the unconditional one: one input channel."""

    def __init__(self, n_classes=10, channels=32):
        super().__init__(n_classes, channels)
        self.features[0] = nn.utils.parametrizations.spectral_norm(nn.Conv2d(1, channels, 4, 2, 1))

    def forward(self, x, labels):
        return self.out(self.features(x)).squeeze(1)


class ConcatAlongBatch(ConcatDiscriminator):
    def forward(self, x, labels):
        planes = F.one_hot(labels, self.n_classes).float()[:, :, None, None].expand(-1, -1, 28, 28)
        return self.out(self.features(torch.cat([x, planes], dim=0))).squeeze(1)


class ConcatAlongWidth(ConcatDiscriminator):
    def forward(self, x, labels):
        planes = F.one_hot(labels, self.n_classes).float()[:, :, None, None].expand(-1, -1, 28, 28)
        return self.out(self.features(torch.cat([x, planes], dim=3))).squeeze(1)


class ConcatWithSigmoid(ConcatDiscriminator):
    def forward(self, x, labels):
        return torch.sigmoid(super().forward(x, labels))


class ProjectionWithoutLabel(ProjectionDiscriminator):
    def forward(self, x, labels):
        return self.out(self.features(x)).squeeze(1)


class ProjectionEmbeddingTooSmall(ProjectionDiscriminator):
    """An embedding as wide as D's channel count instead of its flattened features."""

    def __init__(self, n_classes=10, channels=32):
        super().__init__(n_classes, channels)
        self.embed = nn.Embedding(n_classes, 2 * channels)


class ProjectionWithoutUnconditionalTerm(ProjectionDiscriminator):
    def forward(self, x, labels):
        h = self.features(x)
        return (self.embed(labels) * h).sum(dim=1)


def _step(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, d_labels_fake, g_labels_fake, d_labels_real=None):
    B = len(real)
    fake_labels = torch.randint(0, n_classes, (B,))
    fake = G(torch.randn(B, z_dim), fake_labels)
    chosen = {"fake": fake_labels, "real": labels}
    opt_D.zero_grad()
    real_logits = D(real, chosen[d_labels_real or "real"]) if d_labels_real != "none" else D(real)
    loss_D = losses.discriminator_hinge_loss(real_logits, D(fake.detach(), chosen[d_labels_fake]))
    loss_D.backward()
    opt_D.step()
    opt_G.zero_grad()
    loss_G = losses.generator_hinge_loss(D(fake, chosen[g_labels_fake]))
    loss_G.backward()
    opt_G.step()
    return {"loss_D": loss_D.item(), "loss_G": loss_G.item()}


def step_fakes_scored_with_real_labels(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, ema=None):
    return _step(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, "real", "real")


def step_fakes_scored_with_real_labels_for_G(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, ema=None):
    return _step(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, "fake", "real")


def step_reals_scored_with_fake_labels(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, ema=None):
    return _step(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, "fake", "fake", d_labels_real="fake")


def step_label_not_given_to_D(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, ema=None):
    return _step(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, "fake", "fake", d_labels_real="none")


def step_without_D_update(G, D, opt_G, opt_D, real, labels, z_dim, n_classes, ema=None):
    fake_labels = torch.randint(0, n_classes, (len(real),))
    fake = G(torch.randn(len(real), z_dim), fake_labels)
    D(real, labels)
    opt_G.zero_grad()
    loss_G = losses.generator_hinge_loss(D(fake, fake_labels))
    loss_G.backward()
    opt_G.step()
    return {"loss_G": loss_G.item()}
