"""Lesson 02's checks pass on the reference and fail, with a specific message, on realistic bugs."""

import pytest
import torch

import wrong_lesson02 as wrong
from checkhelp import assert_check_fails
from gan_course import checks
from gan_course.models.dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_init, discriminator_block, generator_block


def reference_dcgan():
    G, D = DCGANGenerator(z_dim=64), DCGANDiscriminator()
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    return G, D


def test_checks_pass_on_the_reference(capsys):
    checks.check_generator_block(generator_block)
    checks.check_discriminator_block(discriminator_block)
    checks.check_weights_init(dcgan_init)
    checks.check_dcgan(*reference_dcgan(), z_dim=64)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("[ok] ") for line in lines)


@pytest.mark.parametrize("fn, message", [
    (wrong.gblock_no_batchnorm, "no BatchNorm2d"),
    (wrong.gblock_stride_one, "expected (2, 4, 14, 14)"),
    (wrong.gblock_no_padding, "stride=2, padding=1"),
    (wrong.gblock_upsample_conv, "no nn.ConvTranspose2d"),
    (wrong.gblock_leaky, "should end in nn.ReLU()"),
])
def test_generator_block_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_generator_block, fn, message=message)


@pytest.mark.parametrize("fn, message", [
    (wrong.dblock_pooling, "downsamples with pooling"),
    (wrong.dblock_no_padding, "expected (2, 8, 7, 7)"),
    (wrong.dblock_ignores_batchnorm_flag, "batchnorm=True) has no BatchNorm2d"),
    (wrong.dblock_relu, "no LeakyReLU"),
])
def test_discriminator_block_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_discriminator_block, fn, message=message)


@pytest.mark.parametrize("fn, message", [
    (wrong.init_forgets_transposed, "left the weights of every ConvTranspose2d layer unchanged"),
    (wrong.init_wrong_std, "expected ~0.02"),
    (wrong.init_not_in_place, "unchanged"),
    (wrong.init_batchnorm_skipped, "left the weights of every BatchNorm2d layer unchanged"),
])
def test_weights_init_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_weights_init, fn, message=message)


@pytest.mark.parametrize("build, message", [
    (wrong.dcgan_init_not_applied, "apply weights_init to every submodule"),
    (wrong.dcgan_sigmoid_discriminator, "ends in a sigmoid"),
    (wrong.dcgan_generator_without_batchnorm, "G has no BatchNorm2d"),
    (wrong.dcgan_wrong_output_size, "expected images of shape (16, 1, 28, 28)"),
])
def test_dcgan_check_names_the_bug(build, message):
    torch.manual_seed(0)
    assert_check_fails(checks.check_dcgan, *build(), z_dim=64, message=message)
