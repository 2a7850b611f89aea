"""Realistic wrong answers to lesson 02's exercises (DCGAN blocks, init, assembly)."""

from torch import nn

from gan_course.models.dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_init


# ---- generator_block(in, out)

def gblock_no_batchnorm(i, o):
    return nn.Sequential(nn.ConvTranspose2d(i, o, 4, 2, 1), nn.ReLU())


def gblock_stride_one(i, o):
    return nn.Sequential(nn.ConvTranspose2d(i, o, 4, 1, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU())


def gblock_no_padding(i, o):
    return nn.Sequential(nn.ConvTranspose2d(i, o, 4, 2, 0, bias=False), nn.BatchNorm2d(o), nn.ReLU())


def gblock_upsample_conv(i, o):  # shape right, but not the transposed convolution the lesson builds
    return nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(i, o, 3, 1, 1), nn.BatchNorm2d(o), nn.ReLU())


def gblock_leaky(i, o):
    return nn.Sequential(nn.ConvTranspose2d(i, o, 4, 2, 1, bias=False), nn.BatchNorm2d(o), nn.LeakyReLU(0.2))


# ---- discriminator_block(in, out, batchnorm)

def dblock_pooling(i, o, batchnorm=True):
    return nn.Sequential(nn.Conv2d(i, o, 3, 1, 1), *([nn.BatchNorm2d(o)] if batchnorm else []), nn.LeakyReLU(0.2), nn.MaxPool2d(2))


def dblock_no_padding(i, o, batchnorm=True):
    return nn.Sequential(nn.Conv2d(i, o, 4, 2, 0), *([nn.BatchNorm2d(o)] if batchnorm else []), nn.LeakyReLU(0.2))


def dblock_ignores_batchnorm_flag(i, o, batchnorm=True):
    return nn.Sequential(nn.Conv2d(i, o, 4, 2, 1), nn.LeakyReLU(0.2))  # never adds BatchNorm


def dblock_relu(i, o, batchnorm=True):
    return nn.Sequential(nn.Conv2d(i, o, 4, 2, 1), *([nn.BatchNorm2d(o)] if batchnorm else []), nn.ReLU())


# ---- weights_init(module)

def init_forgets_transposed(m):
    if isinstance(m, nn.Conv2d):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def init_wrong_std(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.2)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def init_not_in_place(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        m.weight.detach().clone().normal_(0.0, 0.02)  # changes a copy: the layer keeps its default init
    elif isinstance(m, nn.BatchNorm2d):
        m.weight.detach().clone().normal_(1.0, 0.02)


def init_batchnorm_skipped(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)


# ---- assembled networks

def dcgan_init_not_applied():
    return DCGANGenerator(z_dim=64), DCGANDiscriminator()


def dcgan_sigmoid_discriminator():
    G, D = DCGANGenerator(z_dim=64), DCGANDiscriminator()
    D.net.append(nn.Sigmoid())
    G.apply(dcgan_init), D.apply(dcgan_init)
    return G, D


class GeneratorNoBatchNorm(DCGANGenerator):
    def __init__(self, z_dim=64, c=32):
        super().__init__(z_dim, c)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(z_dim, 4 * c, 7, 1, 0), nn.ReLU(),
            nn.ConvTranspose2d(4 * c, 2 * c, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(2 * c, 1, 4, 2, 1), nn.Tanh(),
        )


def dcgan_generator_without_batchnorm():
    G, D = GeneratorNoBatchNorm(), DCGANDiscriminator()
    G.apply(dcgan_init), D.apply(dcgan_init)
    return G, D


def dcgan_wrong_output_size():
    G, D = DCGANGenerator(z_dim=64), DCGANDiscriminator()
    G.net[4] = nn.ConvTranspose2d(64, 1, 4, 2, 0)  # padding 0: 30x30 instead of 28x28
    G.apply(dcgan_init), D.apply(dcgan_init)
    return G, D
