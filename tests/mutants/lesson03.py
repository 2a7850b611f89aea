"""Lesson 03's hand-written mutants: the mistakes students make in each exercise (numbered as the stubs are)."""

import torch

from mutants.harness import Mutant as M

MUTANTS = {
    1: [M("no threshold", "nearest.indices[high_quality]", "nearest.indices"),
        M("threshold of 3, not 3 std", "nearest.values <= 3 * std", "nearest.values <= 3"),
        M("no minlength", "torch.bincount(nearest.indices[high_quality], minlength=len(centers))",
          "torch.bincount(nearest.indices[high_quality])"),
        M("farthest centre", ".min(dim=1)", ".max(dim=1)"),
        M("threshold of 1 std", "<= 3 * std", "<= std"),
        M("counts of distances, not of centres", "torch.bincount(nearest.indices[high_quality], minlength=len(centers))",
          "torch.histc(nearest.values[high_quality], bins=len(centers))")],
    2: [M("no weight 10", "return 10 * ((grads.norm(dim=1) - 1) ** 2).mean()", "return ((grads.norm(dim=1) - 1) ** 2).mean()"),
        M("at the real samples", "x_hat = (a * real + (1 - a) * fake)", "x_hat = (real + 0 * a)"),
        M("no create_graph", ", create_graph=True)", ")"),
        M("norm over the batch", "grads.norm(dim=1)", "grads.norm(dim=0)"),
        M("one weight for the batch", "a = torch.rand(len(real), 1)", "a = torch.rand(1)"),
        M("squared norm", "(grads.norm(dim=1) - 1) ** 2", "(grads.norm(dim=1) ** 2 - 1) ** 2"),
        M("fakes only", "(a * real + (1 - a) * fake)", "(fake + 0 * a)")],
    3: [M("mixed packs", "return D(pack(real, m)), D(pack(fake, m))",
          "both = D(pack(torch.stack([real, fake], 1).flatten(0, 1), m))\n"
          "    return both[: len(both) // 2], both[len(both) // 2:]"),
        M("not packed", "return D(pack(real, m)), D(pack(fake, m))", "return D(real.repeat(1, m)), D(fake.repeat(1, m))"),
        M("swapped", "return D(pack(real, m)), D(pack(fake, m))", "return D(pack(fake, m)), D(pack(real, m))"),
        M("packs of 2", "D(pack(real, m)), D(pack(fake, m))", "D(pack(real, 2)), D(pack(fake, 2))"),
        M("real twice", "D(pack(fake, m))", "D(pack(real, m))")],
}

ALTERNATIVES = {
    3: [M("one call on both batches", "return D(pack(real, m)), D(pack(fake, m))",
          "both = D(pack(torch.cat([real, fake]), m))  # packs never straddle: len(real) % m == 0\n"
          "    return both[: len(real) // m], both[len(real) // m:]"),
        M("packs by reshape", "return D(pack(real, m)), D(pack(fake, m))",
          "return D(real.reshape(len(real) // m, -1)), D(fake.reshape(len(fake) // m, -1))")],
}

EQUIVALENT = {
    (1, "<= -> < #1, line 2: high_quality = nearest.values <= 3 * std"):
        "< and <= differ only for a sample at exactly 3 std from its centre, which has probability 0",
    (2, "real -> fake #1, line 1: a = torch.rand(len(real), 1)"):
        "real and fake batches have the same length",
}


def _mode_counts(ns):
    from gan_course.data import ring
    mixture = ring()
    samples = torch.cat([mixture.sample(800, seed=0), mixture.centers[1] + torch.tensor([[3 * mixture.std, 0.0]])])
    return [ns["mode_counts"](samples, mixture.centers, mixture.std)]


def _gradient_penalty(ns):
    torch.manual_seed(0)
    D = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1), torch.nn.Flatten(0))
    real, fake = torch.randn(64, 2), torch.randn(64, 2) + 2
    out = ns["gradient_penalty"](D, real, fake)
    return [out, *(g for g in torch.autograd.grad(out, list(D.parameters()), allow_unused=True) if g is not None)]


PROBES = {1: _mode_counts, 2: _gradient_penalty}
