"""Lesson 05's hand-written mutants: the mistakes students make in each exercise (numbered as the stubs are)."""

import torch

from mutants.harness import Mutant as M

MUTANTS = {
    1: [M("zero padding", "nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels), nn.ReLU()",
          "nn.Conv2d(channels, channels, 3, padding=1), nn.InstanceNorm2d(channels), nn.ReLU()"),
        M("BatchNorm", "nn.InstanceNorm2d(channels), nn.ReLU(),", "nn.BatchNorm2d(channels), nn.ReLU(),"),
        M("ReLU at the end", "nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels),\n",
          "nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels), nn.ReLU(),\n"),
        M("no middle ReLU", "nn.InstanceNorm2d(channels), nn.ReLU(),", "nn.InstanceNorm2d(channels),"),
        M("one convolution", "            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels),\n", ""),
        M("5x5 kernels", "nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels), nn.ReLU()",
          "nn.ReflectionPad2d(2), nn.Conv2d(channels, channels, 5), nn.InstanceNorm2d(channels), nn.ReLU()")],
    2: [M("no skip", "return x + self.body(x)", "return self.body(x)"),
        M("ReLU after the sum", "return x + self.body(x)", "return torch.relu(x + self.body(x))"),
        M("subtracted", "x + self.body(x)", "x - self.body(x)"),
        M("doubled input", "x + self.body(x)", "x + self.body(x) + x"),
        M("multiplied", "x + self.body(x)", "x * self.body(x)"),
        M("body applied twice", "x + self.body(x)", "x + self.body(self.body(x))")],
    3: [M("final sigmoid", "nn.Conv2d(2 * c, 1, 3, stride=1, padding=1),", "nn.Conv2d(2 * c, 1, 3, stride=1, padding=1), nn.Sigmoid(),"),
        M("norm on the input layer", "nn.Conv2d(in_channels, c, 4, stride=2, padding=1), nn.LeakyReLU(0.2)",
          "nn.Conv2d(in_channels, c, 4, stride=2, padding=1), nn.InstanceNorm2d(c), nn.LeakyReLU(0.2)"),
        M("ReLU in D", "nn.InstanceNorm2d(2 * c), nn.LeakyReLU(0.2)", "nn.InstanceNorm2d(2 * c), nn.ReLU()"),
        M("pooled to one score", "nn.Conv2d(2 * c, 1, 3, stride=1, padding=1),",
          "nn.Conv2d(2 * c, 1, 3, stride=1, padding=1), nn.AdaptiveAvgPool2d(1),"),
        M("whole-image head", "nn.Conv2d(2 * c, 1, 3, stride=1, padding=1),", "nn.Conv2d(2 * c, 49, 7), nn.Unflatten(1, (1, 7, 7)),"),
        M("in_channels ignored", "nn.Conv2d(in_channels, c, 4", "nn.Conv2d(1, c, 4")],
    4: [M("targets swapped", "(real_scores - 1).square().mean() + fake_scores.square().mean()",
          "real_scores.square().mean() + (fake_scores - 1).square().mean()"),
        M("no 0.5", "return 0.5 * (", "return ("),
        M("absolute instead of square", "(real_scores - 1).square()", "(real_scores - 1).abs()"),
        M("sum over patches", "fake_scores.square().mean()", "fake_scores.square().sum()"),
        M("fake target -1", "fake_scores.square().mean()", "(fake_scores + 1).square().mean()")],
    5: [M("target 0", "(fake_scores - 1)", "fake_scores"),
        M("negated", "return (fake_scores - 1).square().mean()", "return -(fake_scores - 1).square().mean()"),
        M("with 0.5", "return (fake_scores - 1).square().mean()", "return 0.5 * (fake_scores - 1).square().mean()"),
        M("not squared", ".square().mean()", ".mean()"),
        M("sum", ".square().mean()", ".square().sum()")],
    6: [M("L2", ".abs().mean()", ".square().mean()"),
        M("sum", ".abs().mean()", ".abs().sum()"),
        M("signed difference", "(reconstructed - real).abs().mean()", "(reconstructed - real).mean().abs()"),
        M("per image", ".abs().mean()", ".abs().mean(dim=(1, 2, 3))"),
        M("detached", "(reconstructed - real)", "(reconstructed.detach() - real)")],
    7: [M("L2", ".abs().mean()", ".square().mean()"),
        M("sum", ".abs().mean()", ".abs().sum()"),
        M("signed difference", "(translated - target_images).abs().mean()", "(translated - target_images).mean().abs()"),
        M("max", ".abs().mean()", ".abs().max()"),
        M("detached", "(translated - target_images)", "(translated.detach() - target_images)")],
    8: [M("cycle against the fake", "cycle_loss(real_a, G_ba(fake_b))", "cycle_loss(fake_b, G_ba(fake_b))"),
        M("identity fed its own domain", "identity_loss(real_b, G_ab(real_b))", "identity_loss(real_a, G_ab(real_a))"),
        M("Ds crossed", "generator_lsgan_loss(D_b(fake_b)) + generator_lsgan_loss(D_a(fake_a))",
          "generator_lsgan_loss(D_a(fake_b)) + generator_lsgan_loss(D_b(fake_a))"),
        M("weights swapped", "cycle_weight * parts[\"cycle\"] + identity_weight * parts[\"identity\"]",
          "identity_weight * parts[\"cycle\"] + cycle_weight * parts[\"identity\"]"),
        M("fakes detached", "fake_b, fake_a = G_ab(real_a), G_ba(real_b)", "fake_b, fake_a = G_ab(real_a).detach(), G_ba(real_b).detach()"),
        M("one direction of the cycle", "cycle_loss(real_a, G_ba(fake_b)) + cycle_loss(real_b, G_ab(fake_a))",
          "cycle_loss(real_a, G_ba(fake_b))"),
        M("fakes returned swapped", "return total, parts, fake_b, fake_a", "return total, parts, fake_a, fake_b")],
    9: [M("never swaps", "elif torch.rand(1, generator=self.generator).item() < 0.5:", "elif False:"),
        M("always swaps", "elif torch.rand(1, generator=self.generator).item() < 0.5:", "elif True:"),
        M("stored with gradients", "for image in fakes.detach():", "for image in fakes:"),
        M("returns the new image when swapping", "                out.append(self.images[slot])\n", "                out.append(image)\n"),
        M("grows without bound", "if len(self.images) < self.capacity:", "if True:"),
        M("never fills", "if len(self.images) < self.capacity:", "if False:")],
    10: [M("no freeze, no zero_grad for D", "    opt_D.zero_grad()\n    loss_D_a", "    loss_D_a"),
         M("no unfreeze", "        D.requires_grad_(True)\n", "        pass\n"),
         M("fresh fakes for D", "D_a(history_a.query(fake_a))", "D_a(fake_a.detach())"),
         M("buffers crossed", "history_a.query(fake_a)", "history_b.query(fake_a)"),
         M("default weights", "real_a, real_b, cycle_weight, identity_weight)", "real_a, real_b, 10.0, 5.0)"),
         M("adversarial term only", "    loss_G.backward()\n", "    parts[\"adversarial\"].backward()\n"),
         M("no G step", "    opt_G.step()\n", "    pass\n"),
         M("D_b's loss reported as D_a's", '"loss_D_a": loss_D_a.item()', '"loss_D_a": loss_D_b.item()'),
         M("D stepped before G", "    opt_G.step()\n    for D", "    opt_D.step()\n    for D")],
}

ALTERNATIVES = {
    10: [M("zero_grad for D first, no freeze", "    for D in (D_a, D_b):\n        D.requires_grad_(False)\n    opt_G.zero_grad()\n",
           "    opt_G.zero_grad()\n"),
         M("two backward passes for D", "    (loss_D_a + loss_D_b).backward()\n", "    loss_D_a.backward()\n    loss_D_b.backward()\n"),
         M("mean of the two D losses", "(loss_D_a + loss_D_b).backward()", "((loss_D_a + loss_D_b) / 2).backward()"),
         M("freeze through parameters", "    for D in (D_a, D_b):\n        D.requires_grad_(False)\n",
           "    for p in [*D_a.parameters(), *D_b.parameters()]:\n        p.requires_grad = False\n")],
}

EQUIVALENT = {
    (3, "* -> / #2, line 3: nn.Conv2d(c, 2 * c, 4, stride=2, padding=1), nn.InstanceNorm2d(2 * c), nn.LeakyReLU(0.2),"):
        "InstanceNorm2d without affine weights ignores num_features",
    (3, "constant 2 -> 3 #5, line 3: nn.Conv2d(c, 2 * c, 4, stride=2, padding=1), nn.InstanceNorm2d(2 * c), nn.LeakyReLU(0.2),"):
        "InstanceNorm2d without affine weights ignores num_features",
    (9, "< -> <= #1, line 6: elif torch.rand(1, generator=self.generator).item() < 0.5:"):
        "a uniform draw equals 0.5 exactly with probability 0",
    (10, "removed, line 3: D.requires_grad_(False)"):
        "D's gradients from G's update are zeroed before D's own backward pass, so D's update is the same",
    (10, "False -> True #1, line 3: D.requires_grad_(False)"):
        "D's gradients from G's update are zeroed before D's own backward pass, so D's update is the same",
}


def _patch(ns):
    torch.manual_seed(0)
    D = ns["PatchDiscriminator"](1, 8)
    out = D(torch.rand(2, 1, 28, 28) * 2 - 1)
    return [out, *torch.autograd.grad(out.square().sum(), list(D.parameters()))]


def _buffer(ns):
    torch.manual_seed(0)
    buffer = ns["History"](8, seed=0)
    return [buffer.query(torch.arange(start, start + 16.0).view(16, 1, 1, 1)) for start in (0, 100, 200)]


def _step(ns):
    from gan_course.models.cyclegan import CycleGenerator, PatchDiscriminator
    torch.manual_seed(0)
    nets = [CycleGenerator(channels=4, n_blocks=1), CycleGenerator(channels=4, n_blocks=1),
            PatchDiscriminator(channels=4), PatchDiscriminator(channels=4)]
    opt_G = torch.optim.Adam([*nets[0].parameters(), *nets[1].parameters()], lr=1e-3)
    opt_D = torch.optim.Adam([*nets[2].parameters(), *nets[3].parameters()], lr=1e-3)
    real_a, real_b = torch.rand(4, 1, 28, 28) * 2 - 1, torch.rand(4, 1, 28, 28) * 2 - 1
    buffers = ns["History"](4, seed=0), ns["History"](4, seed=1)
    for _ in range(2):
        ns["cyclegan_step"](*nets, opt_G, opt_D, real_a, real_b, *buffers, 10.0, 5.0)
    return [p.detach() for net in nets for p in net.parameters()]


PROBES = {3: _patch, 9: _buffer, 10: _step}

MUTANTS[9] += [M("global random coin", "torch.rand(1, generator=self.generator)", "torch.rand(1)"),
               M("global random slot", "torch.randint(self.capacity, (1,), generator=self.generator)",
                 "torch.randint(self.capacity, (1,))")]
