"""The mutation harness (tests/mutants): every realistic mistake in every exercise is caught by its check, with a
message that names it and gives away no line of the answer, or it is listed as equivalent and shown to be.

Each exercise gets its automatic mutants (every one-place edit of its region) and at least 4 hand-written ones;
correct code written differently (tests/mutants/lessonNN.py ALTERNATIVES) must pass. The catch rates are printed
after the tests; `python benchmarks/mutation.py` records them in benchmarks/RESULTS.md.
"""

import warnings

import pytest
import torch

from gan_course.course import exercises as course_exercises
from mutants import harness
from test_hints import answer_lines

EXERCISES = [(lesson, ex.number) for lesson in harness.lessons() for ex in harness.exercises(lesson)]
STEP_EXERCISES = [("01", 7), ("04", 7), ("05", 10), ("06", 2)]


def test_an_unmutated_exercise_cell_is_the_notebook_cell_without_its_markers():
    """The harness splices each region back where it came from: with no mutant, the cell is the solution's own."""
    for lesson in harness.lessons():
        for ex in harness.exercises(lesson):
            original = harness._notebook(lesson).cells[ex.cell].source
            assert harness._code_only(harness.mutated_cell(ex, None)) == harness._code_only(original), \
                f"{lesson}.{ex.number}"


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and torch.allclose(x, y, rtol=1e-5, atol=1e-6) for x, y in zip(a, b))


@pytest.mark.parametrize("lesson, number", EXERCISES, ids=[f"{l}.{n}" for l, n in EXERCISES])
def test_every_mutant_is_caught_or_shown_equivalent(lesson, number):
    ex, lessons_catalog = harness.exercise(lesson, number), harness.catalog(lesson)
    solution = harness.run(ex, None)
    assert not solution.caught, f"the check rejects the solution itself: {solution.message}"
    choices = getattr(lessons_catalog, "CHOICES", {})
    if number in choices:  # a multiple-choice answer: every other option, and answers that are not one, are mutants
        mutants = harness.choice_mutants(ex, choices[number])
    else:
        hand = lessons_catalog.MUTANTS.get(number, [])
        mutants = harness.automatic(ex) + hand
        assert len(hand) >= 4 and len(mutants) >= 8, f"{lesson}.{number}: {len(hand)} hand-written, {len(mutants)} in all"
    outcomes = [harness.run(ex, m) for m in mutants]
    harness.RESULTS.setdefault(lesson, []).extend(outcomes)
    assert sum(not o.raised for o in outcomes) >= min(6, len(outcomes)), \
        f"{lesson}.{number}: fewer than 6 mutants run without raising"

    equivalent = {name: why for (n, name), why in lessons_catalog.EQUIVALENT.items() if n == number}
    survivors = [o.mutant.name for o in outcomes if not o.caught and o.mutant.name not in equivalent]
    assert not survivors, f"{lesson}.{number}: mutants the check lets through: {survivors}"
    for name in equivalent:
        outcome = next((o for o in outcomes if o.mutant.name == name), None)
        assert outcome is not None and not outcome.caught, f"{lesson}.{number}: stale equivalence {name!r}"
        probe = lessons_catalog.PROBES[number]
        with warnings.catch_warnings():  # e.g. InstanceNorm2d's "num_features is not used", the very point
            warnings.simplefilter("ignore")
            same = _same(probe(harness.namespace(ex, None)), probe(harness.namespace(ex, outcome.mutant)))
        assert same, \
            f"{lesson}.{number}: {name!r} is listed as equivalent ({equivalent[name]}) but its outputs differ"

    answers = answer_lines(harness._notebook(lesson))
    for o in outcomes:
        if o.caught:
            assert o.message.strip(), f"{lesson}.{number}: {o.mutant.name!r} is caught without a message"
            leaked = course_exercises.leaked_lines(o.message, answers)
            assert not leaked, f"{lesson}.{number}: the message for {o.mutant.name!r} gives away {leaked}:\n{o.message}"


@pytest.mark.parametrize("lesson, number", STEP_EXERCISES, ids=[f"{l}.{n}" for l, n in STEP_EXERCISES])
def test_correct_steps_written_differently_pass(lesson, number):
    alternatives = harness.catalog(lesson).ALTERNATIVES.get(number, [])
    assert len(alternatives) >= 3
    for alternative in alternatives:
        outcome = harness.run(harness.exercise(lesson, number), alternative)
        assert not outcome.caught, f"{lesson}.{number}: correct code {alternative.name!r} is rejected:\n{outcome.message}"


@pytest.mark.parametrize("lesson", harness.lessons())
def test_other_correct_alternatives_pass(lesson):
    for number, alternatives in harness.catalog(lesson).ALTERNATIVES.items():
        if (lesson, number) in STEP_EXERCISES:
            continue
        for alternative in alternatives:
            outcome = harness.run(harness.exercise(lesson, number), alternative)
            assert not outcome.caught, f"{lesson}.{number}: correct code {alternative.name!r} is rejected:\n{outcome.message}"
