"""Lesson 05's checks pass on the reference and fail, with a specific message, on realistic bugs."""

import pytest

import wrong_lesson05 as wrong
from checkhelp import assert_check_fails
from gan_course import checks, losses, training
from gan_course.models.cyclegan import PatchDiscriminator, ResidualBlock
from gan_course.models.image_pool import ImagePool


def test_checks_pass_on_the_reference(capsys):
    checks.check_residual_block(ResidualBlock)
    checks.check_patch_discriminator(PatchDiscriminator)
    checks.check_lsgan_losses(losses.discriminator_lsgan_loss, losses.generator_lsgan_loss)
    checks.check_cycle_loss(losses.cycle_loss)
    checks.check_identity_loss(losses.identity_loss)
    checks.check_generator_objective(training.cyclegan_generator_loss)
    checks.check_history_buffer(ImagePool)
    checks.check_cyclegan_step(training.cyclegan_step)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 8 and all(line.startswith("[ok] ") for line in lines)


@pytest.mark.parametrize("cls, message", [
    (wrong.BlockWithoutSkip, "the input is never added"),
    (wrong.BlockWithReluAfterSum, "an activation follows the sum"),
    (wrong.BlockWithoutPadding, "1 pixel of padding"),
])
def test_residual_block_check_names_the_bug(cls, message):
    assert_check_fails(checks.check_residual_block, cls, message=message)


@pytest.mark.parametrize("cls, message", [
    (wrong.WholeImageDiscriminator, "one score per patch"),
    (wrong.DeepPatchDiscriminator, "the whole image"),
    (wrong.SigmoidPatchDiscriminator, "ends in a sigmoid"),
])
def test_patch_discriminator_check_names_the_bug(cls, message):
    assert_check_fails(checks.check_patch_discriminator, cls, message=message)


@pytest.mark.parametrize("d_loss, g_loss, message", [
    (wrong.lsgan_d_swapped, losses.generator_lsgan_loss, "targets are swapped"),
    (wrong.lsgan_d_without_half, losses.generator_lsgan_loss, "the 0.5 is missing"),
    (losses.discriminator_loss, losses.generator_lsgan_loss, "BCE, not least squares"),
    (losses.discriminator_lsgan_loss, wrong.lsgan_g_towards_zero, "pushes its scores to 0"),
])
def test_lsgan_check_names_the_bug(d_loss, g_loss, message):
    assert_check_fails(checks.check_lsgan_losses, d_loss, g_loss, message=message)


@pytest.mark.parametrize("fn, message", [
    (wrong.objective_cycle_against_fake, "compares the reconstruction with the translated image"),
    (wrong.objective_cycle_against_other_domain, "compares the reconstruction with an image of the other domain"),
    (wrong.objective_identity_wrong_domain, "identity loss feeds each generator its own input domain"),
])
def test_generator_objective_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_generator_objective, fn, message=message)


@pytest.mark.parametrize("cls, message", [
    (wrong.HistoryOnlyNew, "returns only the new fakes"),
    (wrong.HistoryAlwaysOld, "expected about half"),
])
def test_history_check_names_the_bug(cls, message):
    assert_check_fails(checks.check_history_buffer, cls, message=message)


@pytest.mark.parametrize("fn, message", [
    (wrong.step_d_with_generator_loss, "updated with the generator's loss"),
    (wrong.step_without_history, "judged the fresh fakes"),
])
def test_cyclegan_step_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_cyclegan_step, fn, message=message)


@pytest.mark.parametrize("check, fn, message", [
    (checks.check_cycle_loss, lambda real, rec: (rec - real).square().mean(), "squares the differences"),
    (checks.check_cycle_loss, lambda real, rec: (rec - real).abs().sum(), "sums instead of averaging"),
    (checks.check_identity_loss, lambda y, g: (g - y).square().mean(), "squares the differences"),
])
def test_l1_loss_checks_name_the_bug(check, fn, message):
    assert_check_fails(check, fn, message=message)
