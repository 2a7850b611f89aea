"""Stubs say what to write and hints teach, but neither gives away a line of the answer.

The student notebooks are generated here from solutions/ (not read from notebooks/), so a student's own answers in
their checkout never fail these tests.
"""

import re
from pathlib import Path

import nbformat
import pytest

from gan_course.course import exercises

ROOT = Path(__file__).resolve().parents[1]

LESSONS = [p.name for p in exercises.solution_paths(ROOT)]
STUB_COMMENT = re.compile(r"^(?P<indent>\s*)# YOUR CODE HERE: exercise (?P<number>\d+)$")
STUB_RAISE = re.compile(r'^(?P<indent>\s*)raise NotImplementedError\("Exercise (?P<number>\d+): (?P<what>[^"\\]+); '
                        r'hints are below the check"\)$')
# Code in a description: brackets, operators, backticks, snake_case names, attribute access, library names.
CODE_LOOKING = re.compile(r"[()\[\]{}=<>*+/\\`_#]|[A-Za-z]\.[A-Za-z]|\b(nn|torch|self|F|def|lambda|None)\b")
HINT_HEADER = re.compile(r"^\*\*Stuck on exercise (\d+)\?\*\* \S.*$", re.M)
ASSIGNED = re.compile(r"^[A-Za-z_][\w,]*=(?!=)(?P<value>.+)$")
DICT_ENTRY = re.compile(r"^([\"'])\w+\1:(?P<value>.+)$")


def solution(name):
    return nbformat.read(ROOT / "solutions" / name, as_version=4)


def student(name):
    return exercises.make_student_notebook(solution(name), name)


def stubs(nb):
    """(cell index, number, comment line, raise line) for every stub of a student notebook, in order."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            comment = STUB_COMMENT.match(line)
            if comment:
                assert i + 1 < len(lines), f"cell {index}: a stub comment with no raise after it"
                found.append((index, int(comment["number"]), line, lines[i + 1]))
    return found


def hint_cells(nb):
    return [(i, c.source) for i, c in enumerate(nb.cells)
            if c.cell_type == "markdown" and HINT_HEADER.search(c.source)]


def answer_lines(nb):
    """The normalised lines of every solution region of ``nb``, plus each one's expression alone (without a leading
    ``return``, ``name =`` or dict key ``"name":``), so that a hint quoting ``F.f(x, torch.ones_like(x))`` from
    ``return F.f(...)``, ``loss = F.f(...)`` or ``"loss": F.f(...),`` counts as a leak too."""
    lines = set()
    for region in exercises.solution_regions(nb):
        lines |= exercises.normalised_lines(region.source)
    cores = set()
    for line in lines:
        core = line.removeprefix("return")
        assigned = ASSIGNED.match(core)
        core = assigned["value"] if assigned else core
        entry = DICT_ENTRY.match(core)
        core = entry["value"] if entry else core
        if len(core) >= exercises.MIN_LEAK_CHARS and not core.endswith(("(", "[", "{")):
            cores.add(core)
    return lines | cores


def test_normalised_lines_strip_comments_whitespace_and_short_lines():
    source = '''    x = 1  # a comment
    # a comment line with enough characters
    loss = F.binary_cross_entropy_with_logits(  real,  ones )  # why
        nn.Linear(z_dim, hidden),
    text = "a # inside a string"
    return y
'''
    assert exercises.normalised_lines(source) == {
        "loss=F.binary_cross_entropy_with_logits(real,ones)", "nn.Linear(z_dim,hidden)", 'text="a#insideastring"'}


def test_leaked_lines_ignore_whitespace_and_backticks():
    lines = exercises.normalised_lines("return self.net(z).view(len(z), 1, 28, 28)\nnn.LeakyReLU(0.2),\n")
    assert exercises.leaked_lines("Try `return self.net(z).view(len(z), 1, 28, 28)`.", lines) == \
        ["returnself.net(z).view(len(z),1,28,28)"]
    assert exercises.leaked_lines("end with `nn.LeakyReLU( 0.2 )`", lines) == ["nn.LeakyReLU(0.2)"]
    assert exercises.leaked_lines("`nn.LeakyReLU` with slope 0.2; `.view` to (B, 1, 28, 28)", lines) == []


def test_solution_regions_are_numbered_through_the_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\n### EXERCISE: one\nx = 1\n### END SOLUTION"),
        nbformat.v4.new_markdown_cell("### BEGIN SOLUTION in prose is not a region"),
        nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    ### EXERCISE: two\n    return 2\n"
                                  "    ### END SOLUTION\n\ny = 3\n### BEGIN SOLUTION\n### EXERCISE: three\n"
                                  "z = 4  # four\n### END SOLUTION"),
    ]
    assert exercises.solution_regions(nb) == [
        exercises.Region(1, 0, "x = 1"), exercises.Region(2, 2, "    return 2"), exercises.Region(3, 2, "z = 4  # four"),
    ]
    student_nb = exercises.make_student_notebook(nb, "01_demo.ipynb")
    assert [number for _, number, _, _ in stubs(student_nb)] == [1, 2, 3]


@pytest.mark.parametrize("name", LESSONS)
def test_no_stub_or_hint_gives_away_a_line_of_the_answer(name):
    lines = answer_lines(solution(name))
    nb = student(name)
    for index, number, comment, raise_line in stubs(nb):
        leaked = exercises.leaked_lines(comment + "\n" + raise_line, lines)
        assert not leaked, f"{name}: the stub of exercise {number} (cell {index}) gives away {leaked}"
    for index, source in hint_cells(nb):
        leaked = exercises.leaked_lines(source, lines)
        assert not leaked, f"{name}: the hint cell {index} gives away {leaked}: say it in words, or name the API only"


@pytest.mark.parametrize("name", LESSONS)
def test_stub_messages_say_in_words_what_to_write(name):
    found = stubs(student(name))
    assert [number for _, number, _, _ in found] == list(range(1, len(found) + 1)), f"{name}: numbered 1, 2, 3 ..."
    assert len(found) == len(exercises.solution_regions(solution(name)))
    for index, number, comment, raise_line in found:
        match = STUB_RAISE.match(raise_line)
        assert match, f"{name} cell {index}: {raise_line.strip()!r} is not the stub format"
        assert match["number"] == str(number) and match["indent"] == STUB_COMMENT.match(comment)["indent"]
        what = match["what"]
        assert len(what.split()) >= 4 and not CODE_LOOKING.search(what), \
            f"{name}, exercise {number}: {what!r} should say in words what to write, with no code"


@pytest.mark.parametrize("name", LESSONS)
def test_every_exercise_has_its_hints_right_after_its_check(name):
    nb = student(name)
    hinted = {}
    for index, number, _, _ in stubs(nb):
        check = next((i for i in range(index + 1, len(nb.cells))
                      if nb.cells[i].cell_type == "code" and "checks.check_" in nb.cells[i].source), None)
        assert check is not None, f"{name}: exercise {number} (cell {index}) has no check after it"
        after = nb.cells[check + 1] if check + 1 < len(nb.cells) else None
        assert after is not None and after.cell_type == "markdown", \
            f"{name}: the check of exercise {number} (cell {check}) should be followed by its hint cell"
        assert re.search(rf"\*\*Stuck on exercise {number}\?\*\*", after.source), \
            f"{name}: the hint cell after cell {check} does not mention exercise {number}"
        hinted.setdefault(check + 1, []).append(number)
    for index, source in hint_cells(nb):
        numbers = [int(n) for n in HINT_HEADER.findall(source)]
        assert numbers == hinted.get(index), \
            f"{name}: hint cell {index} covers exercises {numbers}, its check covers {hinted.get(index)}"
        for block in re.split(r"(?=^\*\*Stuck on exercise)", source, flags=re.M)[1:]:
            assert block.count("<details><summary>Hint 1: the idea</summary>") == 1, block[:60]
            assert block.count("<details><summary>Hint 2: the API</summary>") == 1, block[:60]
            assert block.count("</details>") == 2, block[:60]


def test_hint_cells_are_in_the_solutions_too():
    """The hints are written in solutions/ and copied, unchanged, into the student notebooks."""
    for name in LESSONS:
        assert [s for _, s in hint_cells(solution(name))] == [s for _, s in hint_cells(student(name))]


@pytest.mark.parametrize("name", LESSONS)
def test_no_lesson_prose_gives_away_a_line_of_the_answer(name):
    """The answer lives only in solutions/: the markdown around the exercises may name the API and give shapes and
    formulas, but holds no line of the solution (checked as strictly as the hints)."""
    lines = answer_lines(solution(name))
    nb = student(name)
    leaks = [(index, exercises.leaked_lines(cell.source, lines)) for index, cell in enumerate(nb.cells)
             if cell.cell_type == "markdown"]
    leaks = [(index, leaked) for index, leaked in leaks if leaked]
    assert not leaks, f"{name}: markdown cells give away solution lines {leaks}: say it in words, or name the API only"
