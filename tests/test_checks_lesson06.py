"""Lesson 06 (the GAN clinic): every diagnosis check accepts its right letter and explains why each wrong one does
not fit without naming the right one; every fix check passes the reference fix and fails, with a message naming
the bug, on the drill's own broken code (taken from the solution notebook, so the tests follow the lesson)."""

from pathlib import Path

import nbformat
import pytest
import torch

from checkhelp import assert_check_fails
from gan_course import checks, data, training
from gan_course.checks import ExerciseError
from gan_course.checks.clinic import DIAGNOSES, EXPECTED_CODES
from gan_course.health import CODES
from mutants.harness import definitions

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "06_gan_clinic.ipynb"


@pytest.fixture(scope="module")
def lesson():
    """The functions and classes the lesson's cells define (the drills' broken code and the fixes)."""
    namespace = {}
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.cell_type == "code" and ("def step_" in cell.source or "def make_optimizers_" in cell.source
                                         or "def prepare" in cell.source or "class BatchNorm" in cell.source):
            exec("import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"
                 "from gan_course import losses\n" + definitions(cell.source), namespace)
    return namespace


@pytest.mark.parametrize("drill", DIAGNOSES)
def test_the_right_letter_passes_and_explains_the_chain(drill, capsys):
    right, table = DIAGNOSES[drill]
    for written in (right, right.upper(), f"({right})", f" {right} "):
        checks.check_diagnosis(drill, written)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(set(lines)) == 1 and lines[0].startswith(f"[ok] {drill} diagnosis: ({right})")


@pytest.mark.parametrize("drill", DIAGNOSES)
def test_a_wrong_letter_says_why_it_does_not_fit_and_not_what_does(drill):
    right, table = DIAGNOSES[drill]
    right_cause = table[right][0]
    assert len(table) >= 4
    for letter, (cause, why) in table.items():
        if letter == right:
            continue
        with pytest.raises(ExerciseError) as err:
            checks.check_diagnosis(drill, letter)
        text = str(err.value)
        assert cause in text and why in text and "\n  Hint: " in text
        assert right_cause not in text and f"({right})" not in text, f"{drill}: the message for {letter} names the answer"


@pytest.mark.parametrize("answer, message", [(..., "not given yet"), (None, "not given yet"), ("e", "expected one letter"),
                                             (2, "expected one letter"), ("b and c", "expected one letter")])
def test_an_answer_that_is_not_a_letter_says_what_is_expected(answer, message):
    assert_check_fails(checks.check_diagnosis, "drill_1", answer, message=message)


def test_an_unknown_drill_says_which_exist():
    assert_check_fails(checks.check_diagnosis, "drill_9", "a", message="expected a drill among drill_1")


def test_every_drill_expects_known_codes_and_has_options():
    assert set(EXPECTED_CODES) == set(DIAGNOSES)
    assert all(code in CODES for codes in EXPECTED_CODES.values() for code in codes)


def test_the_lesson_lists_each_drills_options_as_the_check_has_them():
    text = "\n".join(c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "markdown")
    for drill, (_, table) in DIAGNOSES.items():
        for letter, (cause, _) in table.items():
            assert f"- **({letter})** {cause}\n" in text + "\n", f"{drill} ({letter}) is not listed as the check has it"


@pytest.mark.parametrize("drill", ["drill_1", "drill_2", "drill_3", "drill_6", "drill_7"])
def test_the_fixed_step_check_passes_lesson_01s_step(drill, capsys):
    checks.check_fixed_step(drill, training.gan_step)
    assert capsys.readouterr().out.startswith(f"[ok] {drill} fix: ")


@pytest.mark.parametrize("broken, message", [
    ("step_1", "back-propagated into G"),
    ("step_2", "labels swapped"),
    ("step_3", "double sigmoid"),
    ("step_6", "a zero_grad() is missing"),
    ("step_7", "no gradient reached G"),
])
def test_each_broken_step_fails_its_fix_check_naming_the_bug(lesson, broken, message):
    assert_check_fails(checks.check_fixed_step, f"drill_{broken[-1]}", lesson[broken], message=message)


def test_a_mixed_real_and_fake_batch_fails_the_batchnorm_check(lesson, capsys):
    assert_check_fails(checks.check_separate_batches, lesson["step_5"], message="real and 16 fake images together")
    checks.check_separate_batches(training.gan_step)
    assert capsys.readouterr().out.startswith("[ok] drill_5 fix: ")


def test_a_step_that_scores_separately_but_swaps_labels_still_fails(lesson):
    assert_check_fails(checks.check_separate_batches, lesson["step_2"], message="labels swapped")


def test_the_pixel_scaling_check(lesson, capsys):
    assert_check_fails(checks.check_prepare, lesson["prepare"], message="in [0, 1], but G ends in tanh")
    assert_check_fails(checks.check_prepare, lambda p: p.float() / 255 * 2, message="expected pixel 0 -> -1")
    assert_check_fails(checks.check_prepare, lambda p: p / 127.5 - 1 > 0, message="floating-point")
    assert_check_fails(checks.check_prepare, lambda p: (p.float() / 127.5 - 1).flatten(1), message="of shape")
    for right in (data.to_unit_range, lambda p: (p.float() / 255 - 0.5) / 0.5, lambda p: p / 127.5 - 1):
        checks.check_prepare(right)
    assert capsys.readouterr().out.count("[ok] drill_4 fix: ") == 3


def test_the_optimizer_check(lesson, capsys):
    assert_check_fails(checks.check_optimizers, "drill_8", lesson["make_optimizers_8"], message="G's learning rate is 0.02")
    adam = lambda net, lr: torch.optim.Adam(net.parameters(), lr=lr, betas=(0.5, 0.999))
    assert_check_fails(checks.check_optimizers, "drill_8", lambda G, D: (adam(G, 1e-3), adam(D, 1e-4)),
                       message="10x faster")
    assert_check_fails(checks.check_optimizers, "drill_8", lambda G, D: (adam(D, 4e-4), adam(G, 2e-4)),
                       message="opt_G does not hold exactly G's parameters")
    assert_check_fails(checks.check_optimizers, "drill_8", lambda G, D: adam(G, 4e-4), message="expected a pair")
    checks.check_optimizers("drill_8", lambda G, D: (adam(G, 4e-4), adam(D, 2e-4)))
    checks.check_optimizers("drill_8", lambda G, D: (torch.optim.SGD(G.parameters(), lr=1e-3),
                                                      torch.optim.SGD(D.parameters(), lr=1e-3)))
    assert capsys.readouterr().out.count("[ok] drill_8 fix: ") == 2
