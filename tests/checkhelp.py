"""One assertion for every wrong-answer test: the check fails, names the bug, and hints at the fix."""

import pytest

from gan_course.checks import ExerciseError


def assert_check_fails(check, *args, message: str, **kwargs) -> None:
    with pytest.raises(ExerciseError) as err:
        check(*args, **kwargs)
    text = str(err.value)
    assert message in text, f"expected the feedback to mention {message!r}, got:\n{text}"
    assert "\n  Hint: " in text, f"expected a hint in the feedback, got:\n{text}"
