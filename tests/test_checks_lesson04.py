"""Lesson 04's checks pass on the reference and fail, with a specific message, on realistic bugs."""

import pytest

import wrong_lesson04 as wrong
from checkhelp import assert_check_fails
from gan_course import checks, training
from gan_course.models.conditional import ConcatDiscriminator, ConditionalGenerator, ProjectionDiscriminator


def test_checks_pass_on_the_reference(capsys):
    checks.check_conditional_generator(ConditionalGenerator)
    checks.check_concat_discriminator(ConcatDiscriminator)
    checks.check_projection_discriminator(ProjectionDiscriminator)
    checks.check_cgan_step(training.conditional_gan_step)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("[ok] ") for line in lines)


@pytest.mark.parametrize("cls, message", [
    (wrong.GeneratorEmbeddingSwapped, "embedding has the wrong size"),
    (wrong.GeneratorEmbeddingAsWideAsZ, "embedding has the wrong size"),
    (wrong.GeneratorJoinedAlongBatch, "dim=1"),
    (wrong.GeneratorIgnoresLabel, "the label never reaches the generator"),
])
def test_generator_check_names_the_bug(cls, message):
    assert_check_fails(checks.check_conditional_generator, cls, message=message)


@pytest.mark.parametrize("cls, message", [
    (wrong.ConcatIgnoresLabel, "label planes never reach D"),
    (wrong.ConcatAlongBatch, "dim=1"),
    (wrong.ConcatAlongWidth, "dim=1"),
    (wrong.ConcatWithSigmoid, "ends in a sigmoid"),
])
def test_concat_discriminator_check_names_the_bug(cls, message):
    assert_check_fails(checks.check_concat_discriminator, cls, message=message)


@pytest.mark.parametrize("cls, message", [
    (wrong.ProjectionWithoutLabel, "the label was not given to the discriminator"),
    (wrong.ProjectionEmbeddingTooSmall, "embedding has the wrong size"),
    (wrong.ProjectionWithoutUnconditionalTerm, "add the unconditional term"),
])
def test_projection_discriminator_check_names_the_bug(cls, message):
    assert_check_fails(checks.check_projection_discriminator, cls, message=message)


@pytest.mark.parametrize("fn, message", [
    (wrong.step_fakes_scored_with_real_labels, "fake samples were scored with the real labels"),
    (wrong.step_fakes_scored_with_real_labels_for_G, "fake samples were scored with the real labels"),
    (wrong.step_reals_scored_with_fake_labels, "D scored the real batch with the fake labels"),
    (wrong.step_label_not_given_to_D, "the label was not given to the discriminator"),
    (wrong.step_without_D_update, "D's optimizer stepped 0 times"),
])
def test_cgan_step_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_cgan_step, fn, message=message)


def test_checks_want_the_class_not_an_instance():
    assert_check_fails(checks.check_conditional_generator, ConditionalGenerator(), message="expected the class itself")


def test_a_label_joined_along_the_wrong_dimension_points_at_the_students_line():
    with pytest.raises(checks.ExerciseError) as err:
        checks.check_concat_discriminator(wrong.ConcatAlongWidth)
    assert "joining the label to its input" in str(err.value)
    assert any(frame.filename.endswith("wrong_lesson04.py") for frame in err.value.student_frames)
    assert "wrong_lesson04.py" in "\n".join(err.value._render_traceback_())
