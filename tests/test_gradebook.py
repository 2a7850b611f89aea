"""Grading a whole class: a folder of lesson 01 submissions, friendly and hostile, graded in parallel into a CSV.

Each submission's row must say exactly what happened to it, a forged notebook must not pass, the checkout must be
left as it was, and a second run must reuse the rows of unchanged files."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gan_course.course import exercises, gradebook, submission

ROOT = Path(__file__).resolve().parents[1]
LESSON = "01_vanilla_gan"
CHECKS = ["generator", "discriminator", "discriminator_loss", "generator_loss", "train_step"]
EXERCISE_CELLS = [9, 13, 17, 21, 25]  # lesson 01's exercise cells, each followed by its check


def student():
    return nbformat.read(ROOT / "notebooks" / f"{LESSON}.ipynb", as_version=4)


def solution():
    return nbformat.read(ROOT / "solutions" / f"{LESSON}.ipynb", as_version=4)


def with_exercises(nb, sources):
    """``nb`` with the exercise cells at the given indices replaced (the student's answers)."""
    for index, source in sources.items():
        nb.cells[index].source = source
    return nb


def solved_source(index, old="", new=""):
    source = solution().cells[index].source
    assert old in source, f"expected {old!r} in lesson 01's cell {index}"
    return source.replace(old, new) if old else source


def write(folder: Path, name: str, nb) -> None:
    (folder / name).write_text(nbformat.writes(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def checkout_before():
    return gradebook.checkout_state(ROOT)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory, checkout_before):
    """The class folder, graded once (2 jobs), and the grade book read back."""
    folder = tmp_path_factory.mktemp("submissions")
    write(folder, f"ana_{LESSON}.ipynb", solution())  # the stored solution, as a student who finished would hand in
    write(folder, "ben.ipynb", student())  # untouched: the metadata says which lesson
    write(folder, "cleo.ipynb", with_exercises(student(), {i: solved_source(i) for i in EXERCISE_CELLS[:2]}))
    broken = {i: solved_source(i) for i in EXERCISE_CELLS}
    broken[17] = solved_source(17, "real + fake", "real - fake")  # a wrong formula: the check names it
    broken[21] = solved_source(21, "return F.", "return F.(")  # a syntax error
    write(folder, "dan.ipynb", with_exercises(student(), broken))
    (folder / "eve.ipynb").write_text("my answers are in the PDF\n", encoding="utf-8")
    (folder / "fay.ipynb").write_text(json.dumps(["not", "a", "notebook"]), encoding="utf-8")
    stranger = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])
    write(folder, "gus_homework.ipynb", stranger)
    forged = student()  # checks commented out and their lines printed instead, and one check patched to pass
    for index in EXERCISE_CELLS:
        forged.cells[index + 1].source = f"# {forged.cells[index + 1].source}\nprint('[ok] it all works')"
    forged.cells[9].source += ("\n\nimport gan_course.checks as real\n"
                               "real.check_generator = lambda *a, **k: print('[ok] generator: fine')\n")
    write(folder, "hal.ipynb", forged)
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    rows = gradebook.grade_folder(folder, out, ROOT, mode="quick", timeout=300, jobs=2, progress=lambda _: None)
    with out.open(newline="") as handle:
        table = list(csv.DictReader(handle))
    return folder, out, {row.file: row for row in rows}, {line["file"]: line for line in table}


def statuses(row):
    return [row.checks.get(name) for name in CHECKS]


def test_a_solved_notebook_passes_every_check(classroom):
    row = classroom[2][f"ana_{LESSON}.ipynb"]
    assert (row.lesson, row.status, statuses(row), row.flags) == ("01", "graded", ["passed"] * 5, [])


def test_an_untouched_notebook_has_every_exercise_not_attempted(classroom):
    row = classroom[2]["ben.ipynb"]
    assert (row.lesson, row.status, statuses(row)) == ("01", "graded", ["not attempted"] * 5)


def test_a_partly_solved_notebook_gets_credit_for_what_it_solved(classroom):
    row = classroom[2]["cleo.ipynb"]
    assert statuses(row) == ["passed", "passed", "not attempted", "not attempted", "not attempted"]


def test_a_broken_notebook_shows_which_exercise_is_wrong_and_which_does_not_run(classroom):
    row = classroom[2]["dan.ipynb"]
    # the train step's check runs the student's step, which calls their broken losses: it fails too
    assert statuses(row) == ["passed", "passed", "failed", "error", "failed"]


@pytest.mark.parametrize("name, status, says", [
    ("eve.ipynb", "unreadable", "not JSON"),
    ("fay.ipynb", "not a notebook", "a JSON list"),
    ("gus_homework.ipynb", "unknown lesson", "01_vanilla_gan"),
])
def test_a_file_that_cannot_be_graded_gets_a_row_that_says_why(classroom, name, status, says):
    row = classroom[2][name]
    assert (row.status, row.checks) == (status, {}) and says in row.error


def test_a_forged_notebook_does_not_pass_and_its_patch_is_flagged(classroom):
    row = classroom[2]["hal.ipynb"]
    # the course's own check cells ran: the commented-out checks and printed lines count for nothing
    assert statuses(row)[1:] == ["not attempted"] * 4
    # patching the checker from an exercise cell can fool its check; the row says where to look
    assert any("may reach for the checker" in flag and "Z_DIM" in flag for flag in row.flags)


def test_the_csv_has_one_row_per_submission_with_each_checks_status(classroom):
    folder, _, rows, table = classroom
    assert sorted(table) == sorted(p.name for p in folder.iterdir())
    line = table["cleo.ipynb"]
    assert (line["passed"], line["total"], line["01 discriminator"], line["01 train_step"]) == \
        ("2", "5", "passed", "not attempted")
    assert float(line["seconds"]) > 0 and len(line["hash"]) == 64


def test_the_summary_lists_every_row_and_the_counts(classroom):
    text = gradebook.summary(list(classroom[2].values()))
    assert "hal.ipynb" in text and "unknown lesson" in text
    assert "8 submissions: 1 with every check passed and no flag, 3 that could not be graded or did not finish" in text


def test_a_second_run_reuses_unchanged_rows_and_regrades_a_changed_file(classroom):
    folder, out, _, _ = classroom
    (folder / "eve.ipynb").write_text("still in the PDF\n", encoding="utf-8")
    messages = []
    rows = gradebook.grade_folder(folder, out, ROOT, mode="quick", timeout=300, jobs=2, progress=messages.append)
    assert messages[0].startswith("grading 1 of 8 submissions (7 unchanged")
    assert [r.file for r in rows if not r.reused] == ["eve.ipynb"]
    assert {r.file: statuses(r) for r in rows}["cleo.ipynb"][:2] == ["passed", "passed"]


def test_the_hash_changes_with_the_mode_and_the_seed(classroom, tmp_path):
    path = classroom[0] / "ben.ipynb"
    keys = {gradebook.Grader(ROOT, classroom[0], mode, seed, 60, 1).key(path)
            for mode, seed in [("quick", 0), ("quick", 1), ("class", 0)]}
    assert len(keys) == 3


def test_grading_leaves_the_checkout_as_it_was(classroom, checkout_before):
    assert gradebook.checkout_state(ROOT) == checkout_before


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Submissions that loop for ever, kill their kernel, or write into the course checkout (short time limit)."""
    folder = tmp_path_factory.mktemp("hostile")
    canary = ROOT / "notebooks" / "graded-canary.txt"
    write(folder, "loop.ipynb", with_exercises(student(), {9: "while True:\n    pass"}))
    write(folder, "quit.ipynb", with_exercises(student(), {9: "import os\nos._exit(1)"}))
    write(folder, "zed.ipynb", student())
    write(folder, "writer.ipynb", with_exercises(student(), {
        9: f"open('scratch.txt', 'w').write('relative writes land in the sandbox')\nopen({str(canary)!r}, 'w')"}))
    try:
        rows = gradebook.grade_folder(folder, tmp_path_factory.mktemp("grades") / "grades.csv", ROOT, mode="quick",
                                      timeout=20, jobs=1, progress=lambda _: None)
        left_behind = canary.exists()
    finally:
        canary.unlink(missing_ok=True)
    return {row.file: row for row in rows}, left_behind


def test_an_infinite_loop_is_stopped_at_the_time_limit(hostile):
    row = hostile[0]["loop.ipynb"]
    assert row.status == "timed out" and "20 s" in row.error and row.seconds < 20 + 30
    assert statuses(row) == ["not run"] * 5


def test_a_notebook_that_kills_its_kernel_gets_its_own_status(hostile):
    row = hostile[0]["quit.ipynb"]
    assert row.status == "kernel died" and statuses(row) == ["not run"] * 5


def test_a_write_into_the_checkout_is_flagged_and_a_relative_write_stays_in_the_sandbox(hostile):
    rows, left_behind = hostile
    assert left_behind  # the write did happen: grading is not a security boundary
    assert any("checkout changed while this ran: ?? notebooks/graded-canary.txt" in flag
               for flag in rows["writer.ipynb"].flags)
    # the file stayed: a later row is told its grade may be affected
    assert any("differs from when grading started" in flag for flag in rows["zed.ipynb"].flags)
    assert not (ROOT / "notebooks" / "scratch.txt").exists() and not (ROOT / "scratch.txt").exists()


def test_the_rebuilt_notebook_keeps_the_courses_check_cells_and_the_students_added_cells():
    nb = student()
    nb.cells.insert(10, nbformat.v4.new_code_cell("def helper():\n    return 1"))  # the student's own cell
    nb.cells[9].id = "renamed-by-an-editor"  # found by its first line instead
    nb.cells[9].source = solved_source(9)
    rebuilt = submission.rebuild(nb, solution(), f"{LESSON}.ipynb")
    sources = [cell.source for cell in rebuilt.notebook.cells]
    assert sources.index(solved_source(9)) + 1 == sources.index("def helper():\n    return 1")
    assert [sources[i] for i in rebuilt.check_cells] == [student().cells[i + 1].source for i in EXERCISE_CELLS]
    assert rebuilt.missing_exercises == []


def rebuilt_sources(nb):
    rebuilt = submission.rebuild(nb, solution(), f"{LESSON}.ipynb")
    return rebuilt, [cell.source for cell in rebuilt.notebook.cells]


def test_a_notebook_saved_without_cell_ids_runs_each_course_cell_once():
    """Colab saves notebooks without ids: the kept course cells are the course's, not cells the student added."""
    nb = with_exercises(student(), {i: solved_source(i) for i in EXERCISE_CELLS})
    for cell in nb.cells:
        cell.pop("id", None)
    rebuilt, sources = rebuilt_sources(nb)
    assert len(sources) == len(student().cells) and rebuilt.student_cells == EXERCISE_CELLS
    assert [sources[i] for i in EXERCISE_CELLS] == [solved_source(i) for i in EXERCISE_CELLS]
    assert submission.suspicious_cells(rebuilt) == []


def test_an_edited_course_cell_in_a_notebook_without_ids_runs_once_as_the_courses():
    nb = with_exercises(student(), {i: solved_source(i) for i in EXERCISE_CELLS})
    setup = next(i for i, cell in enumerate(nb.cells) if cell.source.startswith("# Setup."))
    nb.cells[setup].source += "\nprint('my own line')"  # an edit that does not count
    for cell in nb.cells:
        cell.pop("id", None)
    rebuilt, sources = rebuilt_sources(nb)
    assert len(sources) == len(student().cells) and sources[setup] == student().cells[setup].source


def test_a_notebook_from_an_older_lesson_whose_cells_moved_keeps_its_answers():
    """Ids follow positions: after the course inserts a cell, an old submission's ids point at other cells."""
    nb = with_exercises(student(), {i: solved_source(i) for i in EXERCISE_CELLS})
    newer = solution()
    newer.cells.insert(2, nbformat.v4.new_markdown_cell("A paragraph added in a later version."))
    rebuilt = submission.rebuild(nb, newer, f"{LESSON}.ipynb")
    sources = [cell.source for cell in rebuilt.notebook.cells]
    assert [sources[i] for i in rebuilt.student_cells] == [solved_source(i) for i in EXERCISE_CELLS]
    assert rebuilt.older_version and submission.suspicious_cells(rebuilt) == []


def test_an_answer_written_in_a_new_cell_is_not_undone_by_the_stub_it_replaced():
    nb = student()
    answer = solved_source(17).replace("def discriminator_loss(", "def discriminator_loss(  ")  # another first line
    del nb.cells[17]
    nb.cells.insert(17, nbformat.v4.new_code_cell(answer))
    rebuilt, sources = rebuilt_sources(nb)
    assert rebuilt.missing_exercises == [r.number for r in exercises.solution_regions(solution()) if r.cell_index == 17]
    assert sources.index(answer) > sources.index(student().cells[17].source)  # the stub first, then the answer


def test_a_comment_does_not_flag_a_cell_and_kernel_tricks_do():
    nb = with_exercises(student(), {9: solved_source(9) + "\n# sanity checks pass",
                                    13: solved_source(13) + "\nget_ipython().input_transformers_cleanup.append(f)"})
    rebuilt, sources = rebuilt_sources(nb)
    assert [sources[i] for i in submission.suspicious_cells(rebuilt)] == [nb.cells[13].source]


def test_a_file_named_for_one_lesson_holding_another_is_flagged(tmp_path):
    path = tmp_path / f"ana_{LESSON}.ipynb"
    assert submission.name_mismatch(ROOT / "solutions" / "02_dcgan.ipynb", path, ROOT) == \
        f"the file name says {LESSON}, the notebook is 02_dcgan"
    assert submission.name_mismatch(ROOT / "solutions" / f"{LESSON}.ipynb", path, ROOT) is None


def test_a_grade_book_round_trips_and_only_settled_rows_are_reused(tmp_path):
    folder, out = tmp_path / "subs", tmp_path / "subs" / "grades.csv"  # the grade book inside the folder
    folder.mkdir()
    (folder / "eve.ipynb").write_text("not json", encoding="utf-8")
    (folder / "fay.ipynb").write_text("not json either", encoding="utf-8")
    (folder / "gus.ipynb").write_text("nor this", encoding="utf-8")
    grader = gradebook.Grader(ROOT, folder, "quick", 0, 60, 1)
    flags = ["one; with a semicolon", "two"]
    changed = [gradebook.CHECKOUT_FLAG + " changed while this ran: ?? notebooks/x.txt"]
    gradebook.write_gradebook(out, [
        gradebook.Row("eve.ipynb", "01", "timed out", {"generator": "passed"}, 3.0, "", flags, grader.key(folder / "eve.ipynb")),
        gradebook.Row("fay.ipynb", "", "unreadable", {}, 0.0, "old", [], grader.key(folder / "fay.ipynb")),
        gradebook.Row("gus.ipynb", "", "unreadable", {}, 0.0, "old", changed, grader.key(folder / "gus.ipynb"))])
    back = gradebook.read_gradebook(out)
    assert (back["eve.ipynb"].flags, back["eve.ipynb"].checks) == (flags, {"generator": "passed"})
    messages = []
    rows = gradebook.grade_folder(folder, out, ROOT, progress=messages.append)
    # the timed-out row and the row whose run changed the checkout are graded again; grades.csv itself is no row
    assert [(r.file, r.status, r.reused) for r in rows] == [("eve.ipynb", "unreadable", False),
                                                            ("fay.ipynb", "unreadable", True),
                                                            ("gus.ipynb", "unreadable", False)]
    assert messages[0].startswith("grading 2 of 3 submissions")


@pytest.mark.parametrize("make, says", [
    (lambda p: p.write_text("name,email\nana,ana@example.org\n"), "expected"),
    (lambda p: p.mkdir(), "folder"),
])
def test_grading_refuses_an_out_that_is_not_a_grade_book(tmp_path, make, says):
    out = tmp_path / "roster.csv"
    make(out)
    before = out.read_text() if out.is_file() else None
    with pytest.raises(ValueError, match=says):
        gradebook.grade_folder(tmp_path, out, ROOT, progress=lambda _: None)
    assert (out.read_text() if out.is_file() else None) == before


def test_the_cli_grades_a_folder_and_prints_the_summary(tmp_path):
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "eve.ipynb").write_text("not json", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "gan_course.course.cli", "grade", str(tmp_path / "subs"), "--out", str(tmp_path / "g.csv"),
                             "--root", str(ROOT)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "eve.ipynb" in result.stdout and "unreadable" in result.stdout and (tmp_path / "g.csv").is_file()
