"""Lesson 01's hand-written mutants: the mistakes students make in each exercise (numbered as the stubs are)."""

from mutants.harness import Mutant as M

MUTANTS = {
    1: [M("ReLU instead of LeakyReLU", "nn.LeakyReLU(0.2),\n            nn.Linear(hidden, 2 * hidden)",
          "nn.ReLU(),\n            nn.Linear(hidden, 2 * hidden)"),
        M("sigmoid output", "nn.Tanh()", "nn.Sigmoid()"),
        M("no output activation", "            nn.Tanh(),\n", ""),
        M("BatchNorm after the activation", "nn.BatchNorm1d(2 * hidden),\n            nn.LeakyReLU(0.2),",
          "nn.LeakyReLU(0.2),\n            nn.BatchNorm1d(2 * hidden),"),
        M("widths not doubled", "nn.Linear(hidden, 2 * hidden),  # (B, 2h)\n            nn.BatchNorm1d(2 * hidden)",
          "nn.Linear(hidden, hidden),  # (B, 2h)\n            nn.BatchNorm1d(hidden)")],
    2: [M("no reshape", "self.net(z).view(len(z), 1, 28, 28)", "self.net(z)"),
        M("reshape to 28x28 without a channel", "view(len(z), 1, 28, 28)", "view(len(z), 28, 28)"),
        M("net skipped", "self.net(z).view(len(z), 1, 28, 28)", "z.view(len(z), 1, 8, 8)"),
        M("detached output", "self.net(z).view", "self.net(z).detach().view"),
        M("computed without grad", "return self.net(z)", "return self.net(z).data")],
    3: [M("final sigmoid", "nn.Linear(hidden, 1),  # (B, 1)", "nn.Linear(hidden, 1), nn.Sigmoid(),"),
        M("ReLU in D", "nn.LeakyReLU(0.2),\n            nn.Dropout(dropout),\n            nn.Linear(2 * hidden, hidden)",
          "nn.ReLU(),\n            nn.Dropout(dropout),\n            nn.Linear(2 * hidden, hidden)"),
        M("dropout hard-coded to 0.5", "nn.Dropout(dropout),\n            nn.Linear(2 * hidden, hidden)",
          "nn.Dropout(0.5),\n            nn.Linear(2 * hidden, hidden)"),
        M("no flatten", "            nn.Flatten(),  # (B, 784)\n", ""),
        M("two outputs", "nn.Linear(hidden, 1),", "nn.Linear(hidden, 2),")],
    4: [M("sigmoid in forward", "return self.net(x).squeeze(1)", "return torch.sigmoid(self.net(x)).squeeze(1)"),
        M("no squeeze", "return self.net(x).squeeze(1)", "return self.net(x)"),
        M("squeeze everything", ".squeeze(1)", ".squeeze()"),
        M("flattened to the batch", ".squeeze(1)", ".view(-1)[:1]"),
        M("detached logits", "self.net(x).squeeze(1)", "self.net(x).squeeze(1).detach()")],
    5: [M("labels swapped", "torch.ones_like(real_logits)", "torch.zeros_like(real_logits)"),
        M("sigmoid first", "F.binary_cross_entropy_with_logits(real_logits,",
          "F.binary_cross_entropy_with_logits(torch.sigmoid(real_logits),"),
        M("only the real term", "return real + fake", "return real"),
        M("negated", "return real + fake", "return -(real + fake)"),
        M("probability loss on logits", "F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like",
          "F.binary_cross_entropy(torch.sigmoid(fake_logits).detach(), torch.zeros_like"),
        M("per-sample losses", "torch.ones_like(real_logits))", "torch.ones_like(real_logits), reduction='none')")],
    6: [M("minimax", "return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))",
          "return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))"),
        M("target zero", "torch.ones_like(fake_logits)", "torch.zeros_like(fake_logits)"),
        M("sigmoid first", "(fake_logits, torch.ones_like", "(torch.sigmoid(fake_logits), torch.ones_like"),
        M("sum", "torch.ones_like(fake_logits))", "torch.ones_like(fake_logits), reduction='sum')"),
        M("negated", "return F.binary", "return -F.binary"),
        M("item", "torch.ones_like(fake_logits))", "torch.ones_like(fake_logits)).item()")],
    7: [M("no detach in D step", "D(fake.detach())", "D(fake)"),
        M("detach in G step", "generator_loss(D(fake))", "generator_loss(D(fake.detach()))"),
        M("G trained on D's loss", "loss_G = generator_loss(D(fake))",
          "loss_G = discriminator_loss(D(real), D(fake))"),
        M("no zero_grad for D", "    opt_D.zero_grad()\n", ""),
        M("zero_grad after backward", "    opt_G.zero_grad()\n    loss_G = generator_loss(D(fake))\n    loss_G.backward()\n",
          "    loss_G = generator_loss(D(fake))\n    loss_G.backward()\n    opt_G.zero_grad()\n"),
        M("G stepped before D", "opt_D.step()\n", "opt_G.step()\n"),
        M("reported logits", '"D_x": torch.sigmoid(real_logits).mean().item()', '"D_x": real_logits.mean().item()'),
        M("reported tensors", '"loss_D": loss_D.item()', '"loss_D": loss_D'),
        M("fake from real", "fake = G(z)", "fake = G(real.flatten(1)[:, :z_dim])")],
}

# Correct code written differently: each must pass.
ALTERNATIVES = {
    7: [M("zero_grad right before each backward", "    opt_D.zero_grad()\n    real_logits, fake_logits = D(real), D(fake.detach())\n",
          "    real_logits, fake_logits = D(real), D(fake.detach())\n    opt_D.zero_grad()\n"),
        M("fakes recomputed for G", "loss_G = generator_loss(D(fake))", "loss_G = generator_loss(D(G(z)))"),
        M("fakes drawn detached once, G's again", "fake = G(z)  # (B, 1, 28, 28)",
          "fake = G(z)  # (B, 1, 28, 28)\n    fake_for_D = fake.detach()"),
        M("two backward passes for D", "    loss_D = discriminator_loss(real_logits, fake_logits)\n    loss_D.backward()\n",
          "    loss_D = discriminator_loss(real_logits, fake_logits)\n"
          "    F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, 1.0)).backward()\n"
          "    F.binary_cross_entropy_with_logits(fake_logits, torch.full_like(fake_logits, 0.0)).backward()\n"),
        M("set_to_none=False", "opt_G.zero_grad()", "opt_G.zero_grad(set_to_none=False)")],
}

EQUIVALENT: dict = {}
PROBES: dict = {}
