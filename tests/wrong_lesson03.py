"""Realistic wrong answers to lesson 03's exercises: gradient penalty, packing, mode counts."""

import torch

from gan_course.packing import pack


def _penalty_at(D, points, create_graph=True, weight=10.0):
    points = points.detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(D(points).sum(), points, create_graph=create_graph)
    return weight * (grads.flatten(1).norm(dim=1) - 1).square().mean()


def gp_on_real(D, real, fake):
    return _penalty_at(D, real)


def gp_on_fake(D, real, fake):
    return _penalty_at(D, fake)


def gp_without_create_graph(D, real, fake):
    alpha = torch.rand(len(real), 1)
    return _penalty_at(D, alpha * real + (1 - alpha) * fake, create_graph=False)


def gp_without_weight(D, real, fake):
    alpha = torch.rand(len(real), 1)
    return _penalty_at(D, alpha * real + (1 - alpha) * fake, weight=1.0)


def packed_shuffled_together(D, real, fake, m):
    both = torch.cat([real, fake])
    order = torch.randperm(len(both))  # shuffles reals and fakes into the same packs
    scores = D(pack(both[order], m))
    half = len(scores) // 2
    return scores[:half], scores[half:]


def packed_interleaved(D, real, fake, m):
    both = torch.stack([real, fake], dim=1).flatten(0, 1)  # real, fake, real, fake, ...
    scores = D(pack(both, m))
    return scores[::2], scores[1::2]


def packed_not_packed(D, real, fake, m):
    return D(real.repeat(1, m)), D(fake.repeat(1, m))  # right width, but one sample copied m times


def counts_every_sample(samples, centers, std):
    return torch.bincount(torch.cdist(samples, centers).argmin(1), minlength=len(centers))


def counts_within_one_std(samples, centers, std):
    d = torch.cdist(samples, centers)
    nearest, dist = d.argmin(1), d.min(1).values
    return torch.bincount(nearest[dist <= std], minlength=len(centers))


def counts_without_minlength(samples, centers, std):
    d = torch.cdist(samples, centers)
    nearest, dist = d.argmin(1), d.min(1).values
    return torch.bincount(nearest[dist <= 3 * std])
