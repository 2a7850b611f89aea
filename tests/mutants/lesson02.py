"""Lesson 02's hand-written mutants: the mistakes students make in each exercise (numbered as the stubs are)."""

from mutants.harness import Mutant as M

MUTANTS = {
    1: [M("LeakyReLU in G", "nn.ReLU()", "nn.LeakyReLU(0.2)"),
        M("kernel 3", "kernel_size=4, stride=2, padding=1, bias=False", "kernel_size=3, stride=2, padding=1, bias=False"),
        M("no BatchNorm", "        nn.BatchNorm2d(out_channels),\n", ""),
        M("upsample and conv", "nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1, bias=False)",
          "nn.Upsample(scale_factor=2), nn.Conv2d(in_channels, out_channels, 3, 1, 1, bias=False)"),
        M("BatchNorm of the input width", "nn.BatchNorm2d(out_channels)", "nn.BatchNorm2d(in_channels)"),
        M("stride 1", "stride=2, padding=1, bias=False", "stride=1, padding=1, bias=False")],
    2: [M("BatchNorm always", "    if batchnorm:\n        layers.append", "    if True:\n        layers.append"),
        M("ReLU in D", "nn.LeakyReLU(0.2)", "nn.ReLU()"),
        M("pooling", "kernel_size=4, stride=2, padding=1, bias=not batchnorm)]",
          "kernel_size=3, stride=1, padding=1, bias=not batchnorm), nn.MaxPool2d(2)]"),
        M("slope 0.01", "nn.LeakyReLU(0.2)", "nn.LeakyReLU()"),
        M("bias kept before BatchNorm", "bias=not batchnorm", "bias=True"),
        M("BatchNorm never", "    if batchnorm:\n        layers.append", "    if not batchnorm:\n        layers.append")],
    3: [M("only Conv2d", "(nn.Conv2d, nn.ConvTranspose2d)", "nn.Conv2d"),
        M("std 0.2", "nn.init.normal_(module.weight, 0.0, 0.02)", "nn.init.normal_(module.weight, 0.0, 0.2)"),
        M("BatchNorm scale mean 0", "nn.init.normal_(module.weight, 1.0, 0.02)", "nn.init.normal_(module.weight, 0.0, 0.02)"),
        M("not in place", "nn.init.normal_(module.weight, 0.0, 0.02)", "module.weight = nn.Parameter(module.weight.clone())"),
        M("BatchNorm1d", "elif isinstance(module, nn.BatchNorm2d)", "elif isinstance(module, nn.BatchNorm1d)"),
        M("BatchNorm scale constant", "nn.init.normal_(module.weight, 1.0, 0.02)", "nn.init.ones_(module.weight)")],
    4: [M("no BatchNorm in G", "            nn.BatchNorm2d(4 * c),\n", ""),
        M("sigmoid output", "nn.Tanh()", "nn.Sigmoid()"),
        M("LeakyReLU in G", "            nn.ReLU(),\n            generator_block", "            nn.LeakyReLU(0.2),\n            generator_block"),
        M("first layer 4x4", "kernel_size=7, stride=1, padding=0", "kernel_size=4, stride=1, padding=0"),
        M("BatchNorm on the output", "nn.ConvTranspose2d(2 * c, 1, kernel_size=4, stride=2, padding=1),",
          "nn.ConvTranspose2d(2 * c, 1, kernel_size=4, stride=2, padding=1), nn.BatchNorm2d(1),"),
        M("wrong block widths", "generator_block(4 * c, 2 * c)", "generator_block(4 * c, 4 * c)")],
    5: [M("BatchNorm on D's input", "discriminator_block(1, c, batchnorm=False)", "discriminator_block(1, c)"),
        M("final sigmoid", "nn.Flatten(0),  # (B,)", "nn.Flatten(0), nn.Sigmoid(),"),
        M("pooled head", "nn.Conv2d(2 * c, 1, kernel_size=7)", "nn.Conv2d(2 * c, 1, kernel_size=3, padding=1), nn.AdaptiveAvgPool2d(1)"),
        M("no flatten", "            nn.Flatten(0),  # (B,)\n", ""),
        M("flatten from dim 1", "nn.Flatten(0)", "nn.Flatten(1)"),
        M("widths swapped", "discriminator_block(c, 2 * c)", "discriminator_block(c, c)")],
    6: [M("G not initialised", "    G.apply(weights_init)\n", ""),
        M("D not initialised", "\n    D.apply(weights_init)", ""),
        M("init called on the top module only", "G.apply(weights_init)", "weights_init(G)"),
        M("D initialised twice, G never", "G.apply(weights_init)", "D.apply(weights_init)"),
        M("init of a copy", "G.apply(weights_init)", "Generator().apply(weights_init)"),
        M("first layer only", "G.apply(weights_init)", "G.net[0].apply(weights_init)"),
        M("the top module only", "D.apply(weights_init)", "weights_init(D.net)")],
}

ALTERNATIVES = {
    6: [M("through the Sequential", "G.apply(weights_init)", "G.net.apply(weights_init)"),
        M("reassigned", "G.apply(weights_init)", "G = G.apply(weights_init)"),
        M("a loop over modules", "G.apply(weights_init)", "[weights_init(m) for m in G.modules()]")],
    3: [M("init.zeros_ as fill_", "            nn.init.zeros_(module.bias)\n    elif",
          "            with torch.no_grad():\n                module.bias.fill_(0.0)\n    elif"),
        M("BatchNorm first", "    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):",
          "    if isinstance(module, nn.BatchNorm2d):\n        nn.init.normal_(module.weight, 1.0, 0.02)\n"
          "        nn.init.zeros_(module.bias)\n    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):"),
        M("class name test", "isinstance(module, (nn.Conv2d, nn.ConvTranspose2d))", "type(module).__name__.startswith(('Conv', 'ConvTranspose'))")],
}

EQUIVALENT: dict = {}
PROBES: dict = {}
