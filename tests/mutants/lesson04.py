"""Lesson 04's hand-written mutants: the mistakes students make in each exercise (numbered as the stubs are)."""

import torch

from mutants.harness import Mutant as M

MUTANTS = {
    1: [M("embedding sizes swapped", "nn.Embedding(n_classes, embed_dim)", "nn.Embedding(embed_dim, n_classes)"),
        M("body sized for z alone", "DCGANGenerator(z_dim + embed_dim, channels)", "DCGANGenerator(z_dim, channels)"),
        M("one-hot width instead of the embedding", "DCGANGenerator(z_dim + embed_dim, channels)",
          "DCGANGenerator(z_dim + n_classes, channels)"),
        M("hard-coded sizes", "nn.Embedding(n_classes, embed_dim)", "nn.Embedding(10, 16)"),
        M("hard-coded channels", "DCGANGenerator(z_dim + embed_dim, channels)", "DCGANGenerator(z_dim + embed_dim, 32)"),
        M("half the channels", "DCGANGenerator(z_dim + embed_dim, channels)", "DCGANGenerator(z_dim + embed_dim, channels // 2)"),
        M("a row too many", "nn.Embedding(n_classes, embed_dim)", "nn.Embedding(n_classes + 1, embed_dim)"),
        M("frozen embedding", "self.embed = nn.Embedding(n_classes, embed_dim)  # (B,) -> (B, embed_dim)",
          "self.embed = nn.Embedding(n_classes, embed_dim).requires_grad_(False)"),
        M("twice the channels", "DCGANGenerator(z_dim + embed_dim, channels)", "DCGANGenerator(z_dim + embed_dim, 2 * channels)")],
    2: [M("label ignored", "torch.cat([z, self.embed(labels)], dim=1)", "torch.cat([z, torch.zeros_like(self.embed(labels))], dim=1)"),
        M("joined along the batch", "dim=1)", "dim=0)"),
        M("added instead of joined", "torch.cat([z, self.embed(labels)], dim=1)", "z + self.embed(labels).sum(1, keepdim=True)"),
        M("raw labels joined", "torch.cat([z, self.embed(labels)], dim=1)",
          "torch.cat([z, labels[:, None].float().expand(-1, self.embed.embedding_dim)], dim=1)"),
        M("embedding detached", "self.embed(labels)]", "self.embed(labels).detach()]"),
        M("noise ignored", "torch.cat([z, self.embed(labels)], dim=1)", "torch.cat([torch.zeros_like(z), self.embed(labels)], dim=1)"),
        M("labels of the wrong rows", "self.embed(labels)", "self.embed(labels.flip(0))"),
        M("first label for all", "self.embed(labels)", "self.embed(labels[:1]).expand(len(z), -1)")],
    3: [M("labels as one plane", "F.one_hot(labels, n_classes).float()[:, :, None, None].expand(-1, -1, size, size)",
          "labels.float()[:, None, None, None].expand(-1, n_classes, size, size)"),
        M("planes scaled", "F.one_hot(labels, n_classes).float()", "(2 * F.one_hot(labels, n_classes).float())"),
        M("every plane on", "F.one_hot(labels, n_classes).float()", "torch.ones(len(labels), n_classes)"),
        M("fixed size", "expand(-1, -1, size, size)", "expand(-1, -1, 28, 28)"),
        M("class count from the batch", "F.one_hot(labels, n_classes)", "F.one_hot(labels)"),
        M("planes negated", "F.one_hot(labels, n_classes).float()", "(1 - F.one_hot(labels, n_classes).float())"),
        M("label off by one", "F.one_hot(labels, n_classes)", "F.one_hot((labels + 1) % n_classes, n_classes)"),
        M("first label for all", "F.one_hot(labels, n_classes)", "F.one_hot(labels[:1].expand(len(labels)), n_classes)")],
    4: [M("image left out", "torch.cat([x, label_planes(", "torch.cat([label_planes("),
        M("label not joined", "x = torch.cat([x, label_planes(labels, self.n_classes, x.shape[-1])], dim=1)",
          "x = torch.cat([x, torch.zeros_like(label_planes(labels, self.n_classes, x.shape[-1]))], dim=1)"),
        M("final sigmoid", "return self.out(self.features(x)).squeeze(1)", "return torch.sigmoid(self.out(self.features(x))).squeeze(1)"),
        M("no squeeze", "return self.out(self.features(x)).squeeze(1)", "return self.out(self.features(x))"),
        M("squeeze everything", "return self.out(self.features(x)).squeeze(1)", "return self.out(self.features(x)).squeeze()")],
    5: [M("scalar per class", "nn.Embedding(n_classes, 2 * channels * 49)", "nn.Embedding(n_classes, 1)"),
        M("sizes swapped", "nn.Embedding(n_classes, 2 * channels * 49)", "nn.Embedding(2 * channels * 49, n_classes)"),
        M("width of one channel", "nn.Embedding(n_classes, 2 * channels * 49)", "nn.Embedding(n_classes, channels * 49)"),
        M("hard-coded width", "nn.Embedding(n_classes, 2 * channels * 49)", "nn.Embedding(n_classes, 3136)")],
    6: [M("no unconditional term", "return self.out(h).squeeze(1) + (self.embed(labels) * h).sum(dim=1)",
          "return (self.embed(labels) * h).sum(dim=1)"),
        M("sum over the batch", ".sum(dim=1)", ".sum(dim=0)"),
        M("mean instead of the inner product", ".sum(dim=1)", ".mean(dim=1)"),
        M("projection subtracted", "+ (self.embed(labels) * h)", "- (self.embed(labels) * h)"),
        M("final sigmoid", "return self.out(h).squeeze(1) + (self.embed(labels) * h).sum(dim=1)",
          "return torch.sigmoid(self.out(h).squeeze(1) + (self.embed(labels) * h).sum(dim=1))"),
        M("label ignored", "(self.embed(labels) * h)", "(self.embed.weight[0] * h)")],
    7: [M("G trained towards fake", "loss_G = losses.generator_hinge_loss(D(fake, fake_labels))",
          "loss_G = -losses.generator_hinge_loss(D(fake, fake_labels))"),
        M("no ema update", "        ema.update_parameters(G)\n", "        pass\n"),
        M("ema before G's step", "    opt_G.step()\n    if ema is not None:\n        ema.update_parameters(G)\n",
          "    if ema is not None:\n        ema.update_parameters(G)\n    opt_G.step()\n"),
        M("fakes judged with the real labels", "D(fake.detach(), fake_labels)", "D(fake.detach(), labels)"),
        M("fake labels miss 9", "torch.randint(0, n_classes,", "torch.randint(0, n_classes - 1,"),
        M("no detach in D's update", "D(fake.detach(), fake_labels)", "D(fake, fake_labels)"),
        M("D's loss as G's", "loss_G = losses.generator_hinge_loss(D(fake, fake_labels))",
          "loss_G = losses.discriminator_hinge_loss(D(real, labels), D(fake, fake_labels))"),
        M("uniform noise", "z = torch.randn(B, z_dim", "z = torch.rand(B, z_dim"),
        M("reported the raw scores", '"D_x": torch.sigmoid(real_logits).mean().item()', '"D_x": real_logits.mean().item()'),
        M("ema given D", "ema.update_parameters(G)", "ema.update_parameters(D)")],
}

ALTERNATIVES = {
    2: [M("embedding first", "torch.cat([z, self.embed(labels)], dim=1)", "torch.cat([self.embed(labels), z], dim=1)"),
        M("hstack", "torch.cat([z, self.embed(labels)], dim=1)", "torch.hstack([z, self.embed(labels)])")],
    4: [M("planes before the image", "torch.cat([x, label_planes(labels, self.n_classes, x.shape[-1])], dim=1)",
          "torch.cat([label_planes(labels, self.n_classes, x.shape[-1]), x], dim=1)")],
    3: [M("eye rows", "F.one_hot(labels, n_classes).float()", "torch.eye(n_classes)[labels]"),
        M("repeat", ".expand(-1, -1, size, size)", ".repeat(1, 1, size, size)")],
    7: [M("labels drawn first, zero_grad later", "    z = torch.randn(B, z_dim, device=real.device)  # (B, z_dim)\n"
          "    fake_labels = torch.randint(0, n_classes, (B,), device=real.device)  # (B,)\n",
          "    fake_labels = torch.randint(n_classes, (B,), device=real.device)\n"
          "    z = torch.randn(B, z_dim, device=real.device)\n"),
        M("fakes recomputed for G", "losses.generator_hinge_loss(D(fake, fake_labels))",
          "losses.generator_hinge_loss(D(G(z, fake_labels), fake_labels))"),
        M("fakes with the real batch's labels", "fake_labels = torch.randint(0, n_classes, (B,), device=real.device)",
          "fake_labels = labels.clone()"),
        M("zero_grad just before backward", "    opt_G.zero_grad()\n    loss_G = losses.generator_hinge_loss(D(fake, fake_labels))\n",
          "    loss_G = losses.generator_hinge_loss(D(fake, fake_labels))\n    opt_G.zero_grad()\n"),
        M("ema test by truth value", "if ema is not None:", "if ema:")],
}

EQUIVALENT = {
    (3, "fixed size"): "every image in the lesson, and every input of the check, is 28x28, so size is always 28",
    (4, "constant 1 -> 2 #1, line 1: x = torch.cat([x, label_planes(labels, self.n_classes, x.shape[-1])], dim=1)"):
        "the images are square, so x.shape[-2] == x.shape[-1]",
    (6, "squeeze(1) -> squeeze() #1, line 2: return self.out(h).squeeze(1) + (self.embed(labels) * h).sum(dim=1)"):
        "for a batch of one, the (1,) projection term broadcasts the 0-dim squeezed score back to (1,)",
}


def _discriminator(ns, name):
    def probe(ns):
        torch.manual_seed(0)
        D = ns[name](channels=4)
        with torch.no_grad():
            for p in D.parameters():
                p.normal_(0, 0.05)
        outs = []
        for n in (1, 8):
            x, labels = torch.rand(n, 1, 28, 28) * 2 - 1, torch.arange(n) % 10
            out = D.eval()(x, labels)
            outs += [out, *torch.autograd.grad(out.square().sum(), [p for p in D.parameters() if p.requires_grad])]
        return outs
    return probe


PROBES = {3: _discriminator(None, "ConcatDiscriminator"), 4: _discriminator(None, "ConcatDiscriminator"),
          6: _discriminator(None, "ProjectionDiscriminator")}
