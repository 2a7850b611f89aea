"""The exercise pipeline: stubs, stable student notebooks, never overwriting a student's edits, reset, CLI."""

import shutil
import subprocess

import nbformat
import pytest

from gan_course.course import cli, exercises

SOLVED = '''def f(x):
    """Doubles x."""
    ### BEGIN SOLUTION
    ### EXERCISE: return twice the input
    return 2 * x
    ### END SOLUTION
'''


def test_a_solution_region_becomes_a_numbered_stub_that_says_what_to_write():
    stub = exercises.stub_source(SOLVED)
    assert "return 2 * x" not in stub and "### " not in stub
    assert ('    # YOUR CODE HERE: exercise 1\n'
            '    raise NotImplementedError("Exercise 1: return twice the input; hints are below the check")') in stub
    namespace = {}
    exec(stub, namespace)
    with pytest.raises(NotImplementedError, match="Exercise 1: return twice the input"):
        namespace["f"](1)


def test_exercises_are_numbered_through_the_whole_notebook():
    nb = nbformat.v4.new_notebook()
    two = "### BEGIN SOLUTION\n### EXERCISE: set y to one\ny = 1\n### END SOLUTION\nz = 0\n" \
          "### BEGIN SOLUTION\n### EXERCISE: set w to two\nw = 2\n### END SOLUTION"
    nb.cells = [nbformat.v4.new_code_cell(SOLVED), nbformat.v4.new_markdown_cell("prose"), nbformat.v4.new_code_cell(two)]
    student_nb = exercises.make_student_notebook(nb, "01_demo.ipynb")
    assert "exercise 1" in student_nb.cells[0].source
    assert student_nb.cells[2].source.splitlines() == [
        "# YOUR CODE HERE: exercise 2",
        'raise NotImplementedError("Exercise 2: set y to one; hints are below the check")',
        "z = 0",
        "# YOUR CODE HERE: exercise 3",
        'raise NotImplementedError("Exercise 3: set w to two; hints are below the check")',
    ]
    assert [r.number for r in exercises.solution_regions(nb)] == [1, 2, 3]


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\n### EXERCISE: one\nx = 1\n", "line 1: '### BEGIN SOLUTION' has no matching"),
    ("x = 1\n### END SOLUTION\n", "line 2: expected '### BEGIN SOLUTION' before"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "line 2: .* before another"),
    ("y = 0\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "line 2: the region has no '### EXERCISE:' line"),
    ("### BEGIN SOLUTION\n### EXERCISE: one\n### EXERCISE: two\nx = 1\n### END SOLUTION\n",
     "line 3: a second '### EXERCISE:' line .*first is line 2"),
    ("### BEGIN SOLUTION\n### EXERCISE:\nx = 1\n### END SOLUTION\n", "line 2: '### EXERCISE:' says nothing"),
    ("### BEGIN SOLUTION\n### HINT: x = 1\nx = 1\n### END SOLUTION\n", "line 2: '### HINT:' is no longer read"),
])
def test_malformed_markers_name_the_cell_and_line(source, message):
    with pytest.raises(exercises.ExerciseSourceError, match=f"^demo cell 3, {message}"):
        exercises.stub_source(source, where="demo cell 3")


def make_course(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 01 · demo"), nbformat.v4.new_code_cell(SOLVED)]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="solved output")]
    nbformat.write(nb, tmp_path / "solutions" / "01_demo.ipynb")
    return tmp_path


def student(course):
    return course / "notebooks" / "01_demo.ipynb"


def test_student_notebooks_have_stubs_no_outputs_and_stable_text(tmp_path):
    course = make_course(tmp_path)
    assert [w.action for w in exercises.generate_all(course)] == ["created"]
    first = student(course).read_text()
    nb = nbformat.reads(first, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    assert "NotImplementedError" in nb.cells[1].source
    assert exercises.is_pristine(nb)
    assert [w.action for w in exercises.generate_all(course)] == ["unchanged"]
    assert student(course).read_text() == first


def test_a_pristine_notebook_is_updated_but_an_edited_one_is_refused(tmp_path):
    course = make_course(tmp_path)
    exercises.generate_all(course)
    # Running cells (outputs) is not an edit: the notebook is still replaced when the solution changes.
    nb = nbformat.read(student(course), as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="ran")]
    nbformat.write(nb, student(course))
    solution = nbformat.read(course / "solutions" / "01_demo.ipynb", as_version=4)
    solution.cells[0].source = "# 01 · demo, revised"
    nbformat.write(solution, course / "solutions" / "01_demo.ipynb")
    assert [w.action for w in exercises.generate_all(course)] == ["updated"]

    nb = nbformat.read(student(course), as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace("raise NotImplementedError", "return x + x  #")
    nbformat.write(nb, student(course))
    edited = student(course).read_text()
    solution.cells[0].source = "# 01 · demo, revised again"
    nbformat.write(solution, course / "solutions" / "01_demo.ipynb")
    with pytest.raises(exercises.StudentWorkError, match="has edits .* gan-course reset 01"):
        exercises.generate_all(course)
    assert student(course).read_text() == edited  # untouched

    written = exercises.generate_all(course, backup=True)
    assert written[0].action == "backed up and replaced"
    assert written[0].backup.read_text() == edited
    assert "revised again" in student(course).read_text()


def test_reset_gives_a_fresh_copy_and_keeps_the_students_work(tmp_path, capsys):
    course = make_course(tmp_path)
    exercises.generate_all(course)
    student(course).write_text(student(course).read_text().replace("YOUR CODE HERE", "my attempt"))
    mine = student(course).read_text()
    assert cli.main(["reset", "1", "--root", str(course)]) == 0
    out = capsys.readouterr().out
    backups = list((course / "notebooks").glob("01_demo.backup-*.ipynb"))
    assert len(backups) == 1 and backups[0].read_text() == mine
    assert "YOUR CODE HERE" in student(course).read_text() and backups[0].name in out


def test_cli_explains_an_unknown_lesson_and_a_missing_checkout(tmp_path, capsys):
    course = make_course(tmp_path)
    assert cli.main(["reset", "07", "--root", str(course)]) == 2
    assert "expected a lesson among 01_demo, got '07'" in capsys.readouterr().err
    empty = tmp_path.parent / f"{tmp_path.name}-not-a-course"
    empty.mkdir()
    assert cli.main(["exercises", "--root", str(empty)]) == 2
    assert "expected to run inside a gan-course checkout" in capsys.readouterr().err


def test_cli_exercises_refuses_edited_notebooks_with_advice(tmp_path, capsys):
    course = make_course(tmp_path)
    exercises.generate_all(course)
    student(course).write_text(student(course).read_text().replace("YOUR CODE HERE", "mine"))
    solution = nbformat.read(course / "solutions" / "01_demo.ipynb", as_version=4)
    solution.cells[0].source = "# changed"
    nbformat.write(solution, course / "solutions" / "01_demo.ipynb")
    assert cli.main(["exercises", "--root", str(course)]) == 1
    assert "--backup" in capsys.readouterr().err


def git_show(root, path):
    result = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=root, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def test_committed_student_notebooks_match_committed_solutions(root):
    """The sync test. It reads git's committed versions, so a student's edits in their checkout never fail it."""
    if shutil.which("git") is None or git_show(root, "README.md") is None:
        pytest.skip("not a git checkout: nothing committed to compare")
    listed = subprocess.run(["git", "ls-files", "solutions", "notebooks"], cwd=root, capture_output=True, text=True)
    files = listed.stdout.split()
    solutions = sorted(f for f in files if f.startswith("solutions/") and f.endswith(".ipynb"))
    students = sorted(f for f in files if f.startswith("notebooks/") and f.endswith(".ipynb"))
    assert solutions, "no solution notebooks are committed"
    assert [s.split("/")[1] for s in solutions] == [s.split("/")[1] for s in students], \
        "every solution needs its student notebook (run `make exercises` and commit notebooks/)"
    for path in solutions:
        name = path.split("/")[1]
        expected = exercises.dumps(exercises.make_student_notebook(nbformat.reads(git_show(root, path), as_version=4), name))
        assert git_show(root, f"notebooks/{name}") == expected, \
            f"notebooks/{name} is out of sync with solutions/{name}: run `make exercises` and commit notebooks/"
