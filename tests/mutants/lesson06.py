"""Lesson 06's hand-written mutants (numbered as the stubs are): the odd exercises are the drills' diagnoses
(multiple choice: every other letter, and answers that are not a letter, must be caught), the even ones their fixes,
where the mutants put the drill's own bug back, or another the fix could introduce."""

from mutants.harness import Mutant as M

# exercise -> drill, for the multiple-choice diagnoses (the test builds their mutants from the options)
CHOICES = {1: "drill_1", 3: "drill_2", 5: "drill_3", 7: "drill_4", 9: "drill_5", 11: "drill_6", 13: "drill_7",
           15: "drill_8"}

_NO_DETACH = M("fakes not detached for D", "D(fake.detach())", "D(fake)")
_G_ZERO_GRAD = M("no zero_grad for G", "    opt_G.zero_grad()\n", "")
_D_ZERO_GRAD = M("no zero_grad for D", "    opt_D.zero_grad()\n", "")
_G_FIRST = M("G stepped before D", "    opt_D.step()\n", "    opt_G.step()\n")

MUTANTS = {
    2: [_NO_DETACH, _G_ZERO_GRAD, _G_FIRST,
        M("the drill's bug: G steps on D's loss", "    opt_D.step()\n    opt_G.zero_grad()\n    loss_G = losses.generator_loss(D(fake))\n    loss_G.backward()\n    opt_G.step()\n",
          "    opt_D.step()\n    opt_G.step()\n    loss_G = losses.generator_loss(fake_logits)\n"),
        M("G trained on D's loss", "loss_G = losses.generator_loss(D(fake))", "loss_G = losses.discriminator_loss(D(real), D(fake))"),
        M("G scores detached fakes", "losses.generator_loss(D(fake))", "losses.generator_loss(D(fake.detach()))")],
    4: [M("the drill's bug: labels still swapped",
          "(real_logits, torch.ones_like(real_logits))\n              + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))",
          "(real_logits, torch.zeros_like(real_logits))\n              + F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))"),
        M("only the real target fixed", "(fake_logits, torch.zeros_like(fake_logits))", "(fake_logits, torch.ones_like(fake_logits))"),
        M("G's target changed too", "(g_logits, torch.ones_like(g_logits))", "(g_logits, torch.zeros_like(g_logits))"),
        _NO_DETACH, _D_ZERO_GRAD],
    6: [M("the drill's bug: sigmoid before D's loss", "real_logits, fake_logits = D(real), D(fake.detach())",
          "real_logits, fake_logits = torch.sigmoid(D(real)), torch.sigmoid(D(fake.detach()))"),
        M("sigmoid kept before G's loss", "g_logits = D(fake)", "g_logits = torch.sigmoid(D(fake))"),
        M("logits logged as D_x", '"D_x": torch.sigmoid(real_logits).mean().item()', '"D_x": real_logits.mean().item()'),
        M("plain BCE on logits", "loss_G = F.binary_cross_entropy_with_logits(g_logits,", "loss_G = F.binary_cross_entropy(torch.sigmoid(g_logits).detach(),"),
        _NO_DETACH],
    8: [M("the drill's bug: [0, 1]", "return pixels.float() / 127.5 - 1", "return pixels.float() / 255"),
        M("doubled without centring", "return pixels.float() / 127.5 - 1", "return pixels.float() / 255 * 2"),
        M("centred without doubling", "return pixels.float() / 127.5 - 1", "return pixels.float() / 255 - 0.5"),
        M("left as integers", "return pixels.float() / 127.5 - 1", "return pixels // 128 * 2 - 1"),
        M("scaled by 128", "127.5", "128")],
    10: [M("the drill's bug: one call on both", "real_logits, fake_logits = D(real), D(fake.detach())",
           "logits = D(torch.cat([real, fake.detach()]))\n    real_logits, fake_logits = logits[: len(real)], logits[len(real):]"),
         M("G's update scores a mixed batch", "loss_G = losses.generator_loss(D(fake))",
           "loss_G = losses.generator_loss(D(torch.cat([real, fake]))[len(real):])"),
         _NO_DETACH, _D_ZERO_GRAD, _G_FIRST],
    12: [_D_ZERO_GRAD,
         M("G's gradients cleared in D's update", "    opt_D.zero_grad()\n", "    opt_G.zero_grad()\n"),
         M("zero_grad after D's backward", "    opt_D.zero_grad()\n    real_logits, fake_logits = D(real), D(fake.detach())\n    loss_D = losses.discriminator_loss(real_logits, fake_logits)\n    loss_D.backward()\n",
           "    real_logits, fake_logits = D(real), D(fake.detach())\n    loss_D = losses.discriminator_loss(real_logits, fake_logits)\n    loss_D.backward()\n    opt_D.zero_grad()\n"),
         _G_ZERO_GRAD, _NO_DETACH],
    14: [M("the drill's bug: detached once", "fake = G(z)\n", "fake = G(z).detach()\n"),
         M("G scores detached fakes", "losses.generator_loss(D(fake))", "losses.generator_loss(D(fake.detach()))"),
         _NO_DETACH, _G_FIRST, _G_ZERO_GRAD],
    16: [M("the drill's bug: G 50x faster", "lr=4e-4", "lr=2e-2"),
         M("D sped up instead", "lr=2e-4", "lr=2e-2"),
         M("G's optimizer on D", "torch.optim.Adam(G.parameters(), lr=4e-4", "torch.optim.Adam(D.parameters(), lr=4e-4"),
         M("returned in the wrong order", "return opt_G, opt_D", "return opt_D, opt_G"),
         M("ten times apart", "lr=4e-4", "lr=2e-5"),
         M("one optimizer for both", "return opt_G, opt_D", "return opt_G, opt_G")],
}

# Correct code written differently: each must pass.
ALTERNATIVES = {
    2: [M("fakes recomputed for G", "loss_G = losses.generator_loss(D(fake))", "loss_G = losses.generator_loss(D(G(z)))"),
        M("lesson 01's reference step", "    z = torch.randn(len(real), z_dim, device=real.device)\n",
          "    return training.gan_step(G, D, opt_G, opt_D, real, z_dim)\n    z = torch.randn(len(real), z_dim, device=real.device)\n"),
        M("zero_grad right before D's backward", "    opt_D.zero_grad()\n    real_logits, fake_logits = D(real), D(fake.detach())\n",
          "    real_logits, fake_logits = D(real), D(fake.detach())\n    opt_D.zero_grad()\n"),
        M("set_to_none=False", "opt_G.zero_grad()", "opt_G.zero_grad(set_to_none=False)")],
    8: [M("the course's own scaling", "return pixels.float() / 127.5 - 1", "return data.to_unit_range(pixels)"),
        M("normalised as torchvision does", "return pixels.float() / 127.5 - 1", "return (pixels.float() / 255 - 0.5) / 0.5")],
    16: [M("the same learning rate for both", "lr=4e-4", "lr=2e-4"),
         M("Adam's default betas", "betas=(0.5, 0.999))\n    opt_D", "betas=(0.9, 0.999))\n    opt_D")],
}

EQUIVALENT: dict = {}
PROBES: dict = {}
