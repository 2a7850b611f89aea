"""The check framework: a failed check shows its message and the student's own lines, not the machinery."""

import pytest
import torch
from torch import nn

from gan_course import checks
from gan_course.checks.core import build_from_class, call, fail


def test_fail_raises_without_a_chained_exception():
    with pytest.raises(checks.ExerciseError) as err:
        try:
            raise KeyError("inside the check")
        except KeyError:
            fail("the problem", "the fix")
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert str(err.value) == "the problem\n  Hint: the fix"


def broken_forward(x):
    return x @ torch.ones(3, 3)  # the student's bug: a (2, 4) input cannot meet a (3, 3) weight


def test_an_error_in_student_code_shows_the_message_then_only_the_students_lines():
    with pytest.raises(checks.ExerciseError) as err:
        call(broken_forward, torch.ones(2, 4), what="G(z)", hints={"mat1 and mat2": "check the first layer's input size"})
    lines = err.value._render_traceback_()
    assert lines[0] == f"\x1b[0;31mExerciseError\x1b[0m: {err.value}"
    assert str(err.value).startswith("G(z) raised RuntimeError: mat1 and mat2 shapes cannot be multiplied")
    assert str(err.value).endswith("\n  Hint: check the first layer's input size")
    shown = "\n".join(lines)
    assert "It happened here, in your code:" in shown and "test_checks_core.py" in shown and "broken_forward" in shown
    assert "gan_course" not in shown.replace("gan_course.checks", "")  # no frame from the package


def test_a_check_failure_without_student_code_renders_as_its_message_alone():
    with pytest.raises(checks.ExerciseError) as err:
        build_from_class(nn.Linear(2, 2), "Generator(z_dim=8)")
    assert err.value._render_traceback_() == [f"\x1b[0;31mExerciseError\x1b[0m: {err.value}"]
    assert type(err.value).__name__ == "ExerciseError"  # nbval and the grader read this name


def test_a_crash_gets_the_hint_for_what_it_says_not_the_checks_expected_one():
    def misspelt(x):
        return eval("undefined_name") + x  # a NameError, as a misspelt name gives

    with pytest.raises(checks.ExerciseError) as err:
        call(misspelt, 1, what="f(x)", hint="the hint for the mistake the check expects",
             hints={"mat1 and mat2": "the hint for a size mismatch"})
    assert "NameError" in str(err.value) and "a name is used before it is defined" in str(err.value)
