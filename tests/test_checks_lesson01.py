"""Every lesson 01 check passes on the reference and fails, with a specific message, on realistic bugs."""

import pytest

import wrong_lesson01 as wrong
from checkhelp import assert_check_fails
from gan_course import checks, losses, training
from gan_course.checks import ExerciseError
from gan_course.models import MLPDiscriminator, MLPGenerator


def test_checks_pass_on_the_reference(capsys):
    checks.check_discriminator_loss(losses.discriminator_loss)
    checks.check_generator_loss(losses.generator_loss)
    checks.check_generator(MLPGenerator(z_dim=64), z_dim=64)
    checks.check_discriminator(MLPDiscriminator())
    checks.check_train_step(training.gan_step)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and all(line.startswith("[ok] ") for line in lines)


def test_a_check_prints_the_same_line_every_time(capsys):
    checks.check_train_step(training.gan_step)
    first = capsys.readouterr().out
    checks.check_train_step(training.gan_step)
    assert capsys.readouterr().out == first


def test_exercise_error_is_an_assertion_error():
    assert issubclass(ExerciseError, AssertionError)


@pytest.mark.parametrize("fn, message", [
    (wrong.d_loss_swapped_labels, "labels swapped"),
    (wrong.d_loss_sigmoid_into_bce_with_logits, "sigmoid is applied twice"),
    (wrong.d_loss_bce_on_logits, "the logits version of BCE accepts"),
    (wrong.d_loss_real_term_only, "only scores the real"),
    (wrong.d_loss_returns_item, "without .item()"),
    (wrong.d_loss_no_reduction, "expected a scalar"),
])
def test_discriminator_loss_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_discriminator_loss, fn, message=message)


@pytest.mark.parametrize("fn, message", [
    (wrong.g_loss_minimax, "saturating minimax"),
    (wrong.g_loss_wrong_label, "look fake"),
    (wrong.g_loss_sigmoid_into_bce_with_logits, "sigmoid is applied twice"),
    (wrong.g_loss_negated, "wrong sign"),
])
def test_generator_loss_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_generator_loss, fn, message=message)


@pytest.mark.parametrize("cls, message", [
    (wrong.GeneratorNoTanh, "outside [-1, 1]"),
    (wrong.GeneratorSigmoid, "not nn.Sigmoid()"),
    (wrong.GeneratorFlat, "reshape"),
    (wrong.GeneratorWrongInput, "the first takes z_dim inputs"),
    (wrong.GeneratorDetached, "no gradient reaches G"),
])
def test_generator_check_names_the_bug(cls, message):
    assert_check_fails(checks.check_generator, cls(z_dim=64), z_dim=64, message=message)


@pytest.mark.parametrize("cls, message", [
    (wrong.DiscriminatorSigmoid, "ends in a sigmoid"),
    (wrong.DiscriminatorFunctionalSigmoid, "ends in a sigmoid"),
    (wrong.DiscriminatorNoSqueeze, "drop the trailing dimension of size 1"),
    (wrong.DiscriminatorNoFlatten, "flatten each image to 784 numbers"),
])
def test_discriminator_check_names_the_bug(cls, message):
    assert_check_fails(checks.check_discriminator, cls(), message=message)


@pytest.mark.parametrize("fn, message", [
    (wrong.step_missing_detach, "score fakes detached from G's graph"),
    (wrong.step_missing_detach_fresh_fakes, "back-propagated into G"),
    (wrong.step_swapped_labels, "labels swapped"),
    (wrong.step_sigmoid_into_bce_with_logits, "double sigmoid"),
    (wrong.step_generator_on_discriminator_loss, "trained on D's objective"),
    (wrong.step_minimax_generator, "saturating minimax"),
    (wrong.step_forgot_zero_grad_D, "D's gradients when its optimizer stepped include leftovers"),
    (wrong.step_forgot_zero_grad_G, "G's gradients when its optimizer stepped include leftovers"),
    (wrong.step_zero_grad_after_backward, "its zero_grad() came after the backward pass"),
    (wrong.step_reports_logits, "not a logit"),
    (wrong.step_reports_tensors, "expected a Python float"),
])
def test_train_step_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_train_step, fn, message=message)


def test_checks_reject_what_is_not_a_network():
    with pytest.raises(ExerciseError, match="expected an nn.Module"):
        checks.check_generator(lambda z: z, z_dim=64)


def test_an_unwritten_stub_is_reported_as_not_written():
    def stub(real, fake):
        raise NotImplementedError("Exercise: ...")

    with pytest.raises(ExerciseError, match=checks.NOT_WRITTEN):
        checks.check_discriminator_loss(stub)


def test_checks_leave_the_notebooks_random_numbers_alone(capsys):
    import torch

    G = MLPGenerator(z_dim=64)
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    checks.check_train_step(training.gan_step)
    checks.check_generator(G, z_dim=64)
    assert torch.equal(torch.rand(3), expected)
