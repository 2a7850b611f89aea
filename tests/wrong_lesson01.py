"""Realistic wrong answers to lesson 01's exercises, each a bug students actually write.

The check tests run every check on the reference (it must pass) and on these (each must fail, helpfully).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from gan_course import losses

BCE = nn.BCEWithLogitsLoss()


# ---- discriminator_loss(real_logits, fake_logits)

def d_loss_swapped_labels(real, fake):
    return BCE(real, torch.zeros_like(real)) + BCE(fake, torch.ones_like(fake))


def d_loss_sigmoid_into_bce_with_logits(real, fake):
    return BCE(torch.sigmoid(real), torch.ones_like(real)) + BCE(torch.sigmoid(fake), torch.zeros_like(fake))


def d_loss_bce_on_logits(real, fake):
    return F.binary_cross_entropy(real, torch.ones_like(real)) + F.binary_cross_entropy(fake, torch.zeros_like(fake))


def d_loss_real_term_only(real, fake):
    return BCE(real, torch.ones_like(real))


def d_loss_returns_item(real, fake):
    return (BCE(real, torch.ones_like(real)) + BCE(fake, torch.zeros_like(fake))).item()


def d_loss_no_reduction(real, fake):
    return F.binary_cross_entropy_with_logits(real, torch.ones_like(real), reduction="none")


# ---- generator_loss(fake_logits)

def g_loss_minimax(fake):
    return -BCE(fake, torch.zeros_like(fake))  # log(1 - D(G(z))): saturates


def g_loss_wrong_label(fake):
    return BCE(fake, torch.zeros_like(fake))


def g_loss_sigmoid_into_bce_with_logits(fake):
    return BCE(torch.sigmoid(fake), torch.ones_like(fake))


def g_loss_negated(fake):
    return -BCE(fake, torch.ones_like(fake))


# ---- Generator(z_dim) -> (B, 1, 28, 28) in [-1, 1]

class GeneratorNoTanh(nn.Module):
    def __init__(self, z_dim=64, hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z_dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 784))

    def forward(self, z):
        return self.net(z).view(len(z), 1, 28, 28)


class GeneratorSigmoid(GeneratorNoTanh):
    def forward(self, z):
        return torch.sigmoid(self.net(z)).view(len(z), 1, 28, 28)  # [0, 1], but the data are in [-1, 1]


class GeneratorFlat(GeneratorNoTanh):
    def forward(self, z):
        return torch.tanh(self.net(z))  # (B, 784): forgot to reshape


class GeneratorWrongInput(nn.Module):
    def __init__(self, z_dim=64, hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(100, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 784), nn.Tanh())

    def forward(self, z):
        return self.net(z).view(len(z), 1, 28, 28)


class GeneratorDetached(GeneratorNoTanh):
    def forward(self, z):
        return torch.tanh(self.net(z)).detach().view(len(z), 1, 28, 28)


# ---- Discriminator -> logits (B,)

class DiscriminatorSigmoid(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x).squeeze(1)


class DiscriminatorFunctionalSigmoid(DiscriminatorSigmoid):
    def __init__(self, hidden=32):
        super().__init__(hidden)
        self.net = self.net[:-1]

    def forward(self, x):
        return torch.sigmoid(self.net(x)).squeeze(1)


class DiscriminatorNoSqueeze(DiscriminatorFunctionalSigmoid):
    def forward(self, x):
        return self.net(x)  # (B, 1)


class DiscriminatorNoFlatten(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(784, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x).squeeze(1)


# ---- train_step(G, D, opt_G, opt_D, real, z_dim) -> dict

def _report(loss_D, loss_G, real_logits, fake_logits):
    return {"loss_D": loss_D.item(), "loss_G": loss_G.item(),
            "D_x": torch.sigmoid(real_logits).mean().item(), "D_G_z": torch.sigmoid(fake_logits).mean().item()}


def step_missing_detach(G, D, opt_G, opt_D, real, z_dim):
    fake = G(torch.randn(len(real), z_dim))
    opt_D.zero_grad()
    real_logits, fake_logits = D(real), D(fake)  # no .detach(): D's backward runs through G and frees its graph
    loss_D = losses.discriminator_loss(real_logits, fake_logits)
    loss_D.backward()
    opt_D.step()
    opt_G.zero_grad()
    loss_G = losses.generator_loss(D(fake))
    loss_G.backward()
    opt_G.step()
    return _report(loss_D, loss_G, real_logits, fake_logits)


def step_missing_detach_fresh_fakes(G, D, opt_G, opt_D, real, z_dim):
    opt_D.zero_grad()
    real_logits, fake_logits = D(real), D(G(torch.randn(len(real), z_dim)))  # no .detach(), G gets D's gradient
    loss_D = losses.discriminator_loss(real_logits, fake_logits)
    loss_D.backward()
    opt_D.step()
    opt_G.zero_grad()
    loss_G = losses.generator_loss(D(G(torch.randn(len(real), z_dim))))
    loss_G.backward()
    opt_G.step()
    return _report(loss_D, loss_G, real_logits, fake_logits)


def _step(G, D, opt_G, opt_D, real, z_dim, *, d_loss=losses.discriminator_loss, g_loss=losses.generator_loss,
          zero_D=True, zero_G=True, squash=False):
    fake = G(torch.randn(len(real), z_dim))
    if zero_D is True:
        opt_D.zero_grad()
    real_logits, fake_logits = D(real), D(fake.detach())
    if squash:
        real_logits, fake_logits = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    loss_D = d_loss(real_logits, fake_logits)
    loss_D.backward()
    if zero_D == "after backward":
        opt_D.zero_grad()
    opt_D.step()
    if zero_G:
        opt_G.zero_grad()
    gen_logits = D(fake)
    loss_G = g_loss(torch.sigmoid(gen_logits) if squash else gen_logits)
    loss_G.backward()
    opt_G.step()
    return _report(loss_D, loss_G, real_logits, fake_logits)


def step_swapped_labels(*args):
    return _step(*args, d_loss=lambda r, f: losses.discriminator_loss(f, r))


def step_sigmoid_into_bce_with_logits(*args):
    return _step(*args, squash=True)


def step_generator_on_discriminator_loss(*args):
    return _step(*args, g_loss=lambda g: F.binary_cross_entropy_with_logits(g, torch.zeros_like(g)))


def step_minimax_generator(*args):
    return _step(*args, g_loss=losses.generator_loss_minimax)


def step_forgot_zero_grad_D(*args):
    return _step(*args, zero_D=False)


def step_forgot_zero_grad_G(*args):
    return _step(*args, zero_G=False)


def step_zero_grad_after_backward(*args):
    return _step(*args, zero_D="after backward")  # wipes the gradients just computed


def step_reports_logits(*args):
    out = _step(*args)
    out["D_x"] = math.log(out["D_x"] / (1 - out["D_x"]))
    return out


def step_reports_tensors(G, D, opt_G, opt_D, real, z_dim):
    out = _step(G, D, opt_G, opt_D, real, z_dim)
    return {k: torch.tensor(v) for k, v in out.items()}
