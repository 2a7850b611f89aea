"""Realistic wrong answers to lesson 05's exercises: CycleGAN's pieces and its training step."""

import random

import torch
from torch import nn

from gan_course import losses
from gan_course.models.cyclegan import ResidualBlock
from gan_course.models.image_pool import ImagePool
from gan_course.training import cyclegan_generator_loss


class BlockWithoutSkip(ResidualBlock):
    def forward(self, x):
        return self.body(x)


class BlockWithReluAfterSum(ResidualBlock):
    def forward(self, x):
        return torch.relu(x + self.body(x))


class BlockWithoutPadding(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels), nn.ReLU(),
                                  nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels))

    def forward(self, x):
        return x[:, :, 2:-2, 2:-2] + self.body(x)


class WholeImageDiscriminator(nn.Module):
    """A DCGAN-style D: one score for the whole image."""

    def __init__(self, in_channels=1, channels=32):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(in_channels, channels, 4, 2, 1), nn.LeakyReLU(0.2),
                                 nn.Conv2d(channels, 2 * channels, 4, 2, 1), nn.LeakyReLU(0.2),
                                 nn.Conv2d(2 * channels, 1, 7), nn.Flatten(0))

    def forward(self, x):
        return self.net(x)


class DeepPatchDiscriminator(nn.Module):
    """Still a 7x7 map, but so deep that every score sees the whole image."""

    def __init__(self, in_channels=1, channels=32):
        super().__init__()
        c = channels
        self.net = nn.Sequential(nn.Conv2d(in_channels, c, 4, 2, 1), nn.LeakyReLU(0.2),
                                 nn.Conv2d(c, c, 4, 2, 1), nn.LeakyReLU(0.2),
                                 *[m for _ in range(4) for m in (nn.Conv2d(c, c, 3, 1, 1), nn.LeakyReLU(0.2))],
                                 nn.Conv2d(c, 1, 3, 1, 1))

    def forward(self, x):
        return self.net(x)


class SigmoidPatchDiscriminator(nn.Module):
    def __init__(self, in_channels=1, channels=32):
        super().__init__()
        from gan_course.models.cyclegan import PatchDiscriminator

        self.inner = PatchDiscriminator(in_channels, channels)

    def forward(self, x):
        return torch.sigmoid(self.inner(x))


def lsgan_d_swapped(real, fake):
    return 0.5 * (real.square().mean() + (fake - 1).square().mean())


def lsgan_d_without_half(real, fake):
    return (real - 1).square().mean() + fake.square().mean()


def lsgan_g_towards_zero(fake):
    return fake.square().mean()


def _objective(G_ab, G_ba, D_a, D_b, real_a, real_b, cw, iw, cycle_target, identity_input):
    fake_b, fake_a = G_ab(real_a), G_ba(real_b)
    adv = losses.generator_lsgan_loss(D_b(fake_b)) + losses.generator_lsgan_loss(D_a(fake_a))
    targets = {"real": (real_a, real_b), "fake": (fake_b, fake_a), "other": (real_b, real_a)}[cycle_target]
    cyc = losses.cycle_loss(targets[0], G_ba(fake_b)) + losses.cycle_loss(targets[1], G_ab(fake_a))
    to_ab, to_ba = (real_b, real_a) if identity_input == "output domain" else (real_a, real_b)
    idt = losses.identity_loss(to_ab, G_ab(to_ab)) + losses.identity_loss(to_ba, G_ba(to_ba))
    total = adv + cw * cyc + iw * idt
    return total, {"adversarial": adv, "cycle": cyc, "identity": idt}, fake_b, fake_a


def objective_cycle_against_fake(*args):
    return _objective(*args, cycle_target="fake", identity_input="output domain")


def objective_cycle_against_other_domain(*args):
    return _objective(*args, cycle_target="other", identity_input="output domain")


def objective_identity_wrong_domain(*args):
    return _objective(*args, cycle_target="real", identity_input="input domain")


class HistoryOnlyNew(ImagePool):
    """Stores the fakes but always returns the new ones."""

    def query(self, fakes):
        super().query(fakes)
        return fakes.detach()


class HistoryAlwaysOld:
    """Once full, always swaps: D sees only stale fakes."""

    def __init__(self, capacity=50):
        self.capacity, self.images = capacity, []

    def query(self, fakes):
        out = []
        for image in fakes.detach():
            if len(self.images) < self.capacity:
                self.images.append(image)
                out.append(image)
            else:
                i = random.randrange(self.capacity)
                out.append(self.images[i])
                self.images[i] = image
        return torch.stack(out)


def step_d_with_generator_loss(G_ab, G_ba, D_a, D_b, opt_G, opt_D, real_a, real_b, history_a, history_b,
                               cycle_weight=10.0, identity_weight=5.0):
    """Zeroes all grads once, then backs the G loss up into D too (D not frozen, opt_D not zeroed again)."""
    opt_G.zero_grad()
    opt_D.zero_grad()
    loss_G, _, fake_b, fake_a = cyclegan_generator_loss(G_ab, G_ba, D_a, D_b, real_a, real_b,
                                                       cycle_weight, identity_weight)
    loss_G.backward()
    opt_G.step()
    loss_D = (losses.discriminator_lsgan_loss(D_a(real_a), D_a(history_a.query(fake_a)))
              + losses.discriminator_lsgan_loss(D_b(real_b), D_b(history_b.query(fake_b))))
    loss_D.backward()
    opt_D.step()
    return {"loss_G": loss_G.item(), "loss_D": loss_D.item()}


def step_without_history(G_ab, G_ba, D_a, D_b, opt_G, opt_D, real_a, real_b, history_a, history_b,
                         cycle_weight=10.0, identity_weight=5.0):
    for D in (D_a, D_b):
        D.requires_grad_(False)
    opt_G.zero_grad()
    loss_G, _, fake_b, fake_a = cyclegan_generator_loss(G_ab, G_ba, D_a, D_b, real_a, real_b,
                                                       cycle_weight, identity_weight)
    loss_G.backward()
    opt_G.step()
    for D in (D_a, D_b):
        D.requires_grad_(True)
    opt_D.zero_grad()
    loss_D = (losses.discriminator_lsgan_loss(D_a(real_a), D_a(fake_a.detach()))
              + losses.discriminator_lsgan_loss(D_b(real_b), D_b(fake_b.detach())))
    loss_D.backward()
    opt_D.step()
    return {"loss_G": loss_G.item(), "loss_D": loss_D.item()}
