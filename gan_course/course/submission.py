"""One student's submission, made ready to grade: read it, tell its lesson, and rebuild it from the course's own
cells so that only the exercises come from the student.

A grade is read from the outputs of the check cells. If those cells came from the submission, a student could
comment a check out, or print "[ok]" in its place. So ``rebuild`` starts from the lesson's pristine student
notebook and takes from the submission only its exercise cells (and any cells the student added); every other
cell, the check cells included, is the course's. ``suspicious_cells`` names the student's cells that reach for the
checker itself, which a rebuilt notebook cannot rule out: student code runs in the same kernel as the checks.
"""

from __future__ import annotations

import collections
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from gan_course.course import exercises
from gan_course.course.grading import CHECK_CALL

# Code (comments stripped) that names the checker, prints a check's line, or reaches into the kernel, its input, its
# modules or its process: what a forgery needs. A heuristic: it points an instructor at cells worth reading.
_TOUCHES_CHECKER = re.compile(
    r"\bchecks\b|gan_course\s*\.\s*checks|\[ok\]|ExerciseError|get_ipython|input_transformers|events\.register|"
    r"showtraceback|sys\.modules|builtins|JPY_PARENT_PID|os\.kill|ctypes|\bsignal\b|__import__|importlib")
_COMMENT = re.compile(r"(^|\s)#.*$", re.MULTILINE)


class SubmissionError(ValueError):
    """A file that cannot be graded; ``status`` is the row's status in the grade book."""

    def __init__(self, status: str, detail: str):
        super().__init__(detail)
        self.status = status


def read_submission(path: Path) -> nbformat.NotebookNode:
    """The notebook in ``path``; SubmissionError("unreadable" or "not a notebook") if it is neither JSON nor one."""
    try:
        text = path.read_bytes().decode("utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SubmissionError("unreadable", f"expected a notebook (JSON), got a file that is not JSON: {err}") from None
    if not isinstance(data, dict) or data.get("nbformat") != 4:
        got = f"nbformat {data.get('nbformat')!r}" if isinstance(data, dict) else f"a JSON {type(data).__name__}"
        raise SubmissionError("not a notebook", f"expected a Jupyter notebook (nbformat 4), got {got}")
    try:
        nb = nbformat.reads(text, as_version=4)  # joins multi-line sources, as Jupyter does
        nbformat.validate(nb, relax_add_props=True)
    except Exception as err:  # nbformat's ValidationError, or KeyError/TypeError on odd JSON
        raise SubmissionError("not a notebook", f"expected a valid Jupyter notebook, got one that does not validate: "
                                                f"{str(err).splitlines()[0][:200]}") from None
    return nb


def identify_lesson(nb: nbformat.NotebookNode, path: Path, root: Path) -> Path:
    """The solution notebook ``nb`` belongs to: from the metadata the course writes into student notebooks, else
    from a lesson's name (``01_vanilla_gan``) in the file name; SubmissionError("unknown lesson") otherwise."""
    solutions = exercises.solution_paths(root)
    generated_from = nb.metadata.get("gan_course", {}).get("generated_from", "")
    for solution in solutions:
        if Path(str(generated_from)).name == solution.name:
            return solution
    for solution in solutions:
        if solution.stem in path.name:
            return solution
    known = ", ".join(s.stem for s in solutions)
    raise SubmissionError("unknown lesson", f"expected a notebook of one of the lessons ({known}): its metadata or "
                                            f"its file name says which; got neither in {path.name}")


def name_mismatch(solution: Path, path: Path, root: Path) -> str | None:
    """A warning if the file name names another lesson than the notebook is (a student handed in the wrong file)."""
    named = [s.stem for s in exercises.solution_paths(root) if s.stem in path.name and s != solution]
    return f"the file name says {named[0]}, the notebook is {solution.stem}" if named else None


def older_version(submission: nbformat.NotebookNode, template: nbformat.NotebookNode) -> bool:
    """True if the submission was generated from another version of the lesson than the course's current one."""
    theirs = submission.metadata.get("gan_course", {}).get("sources_sha256")
    return theirs is not None and theirs != template.metadata["gan_course"]["sources_sha256"]


@dataclass
class Rebuilt:
    """A notebook ready to run: the course's cells around the student's exercise cells."""

    notebook: nbformat.NotebookNode
    check_cells: list[int]  # indices of the course's check cells in ``notebook``
    student_cells: list[int]  # indices of the cells that came from the submission
    missing_exercises: list[int]  # exercise numbers whose cell was not found (the stub runs instead)
    older_version: bool = False  # generated from another version of the lesson (cells may have moved)


def _first_line(source: str) -> str:
    return source.strip().splitlines()[0] if source.strip() else ""


def _squashed(source: str) -> str:
    return re.sub(r"\s+", "", source)


def rebuild(submission: nbformat.NotebookNode, solution: nbformat.NotebookNode, name: str) -> Rebuilt:
    """The lesson's pristine student notebook with the submission's exercise cells (and added cells) put in.

    A student's exercise cell is found by its first line, e.g. ``def generator_loss(...)``, else by the id the course
    gave it; an exercise cell found neither way keeps its stub."""
    template = exercises.make_student_notebook(solution, name)
    exercise_numbers: dict[int, list[int]] = {}
    for region in exercises.solution_regions(solution):
        exercise_numbers.setdefault(region.cell_index, []).append(region.number)
    theirs = [cell for cell in submission.cells if cell.cell_type == "code"]
    by_id = {cell.get("id"): cell for cell in theirs if cell.get("id")}
    by_source = {_squashed(cell.source): cell.id for cell in template.cells if cell.source.strip()}
    matched: dict[int, nbformat.NotebookNode] = {}  # template index -> the student's cell for that exercise

    def free(cell) -> bool:
        return all(cell is not m for m in matched.values())

    def not_a_course_cell(cell) -> bool:  # neither a copy of another course cell nor a check
        return by_source.get(_squashed(cell.source)) in (None, cell.get("id")) and not CHECK_CALL.search(cell.source)

    for index in exercise_numbers:
        first = _first_line(template.cells[index].source)
        cell = next((c for c in theirs if first and _first_line(c.source) == first and free(c)), None)
        if cell is None:  # rewritten from its first line on: the cell with the course's id, unless that is a course
            cell = by_id.get(template.cells[index].id)  # cell (ids follow positions, which a newer lesson may move)
            if cell is not None and not (free(cell) and not_a_course_cell(cell)):
                cell = None
        if cell is not None:
            matched[index] = cell

    # The student's other cells: a copy of a course cell (an editor that dropped the ids, e.g. Colab) or of a check
    # is the course's and runs once, from the course; anything else is a cell the student added, kept after the
    # course cell it follows, so a helper they wrote still runs.
    course = {id(cell): template.cells[index].id for index, cell in matched.items()}
    ids = {cell.id for cell in template.cells}
    # an edited course cell in a notebook without ids: known by a first line no other course cell has
    firsts = collections.Counter(_first_line(cell.source) for cell in template.cells)
    by_first = {_first_line(cell.source): cell.id for index, cell in enumerate(template.cells)
                if cell.cell_type == "code" and index not in exercise_numbers and firsts[_first_line(cell.source)] == 1}
    added: dict[str | None, list] = {}
    anchor = None
    for cell in submission.cells:
        known = course.get(id(cell)) or (cell.get("id") if cell.get("id") in ids else None) \
            or by_source.get(_squashed(cell.source)) or by_first.get(_first_line(cell.source))
        if known:
            anchor = known
        elif cell.cell_type == "code" and cell.source.strip() and not CHECK_CALL.search(cell.source):
            added.setdefault(anchor, []).append(cell)

    cells, checks, students, missing = [], [], [], []

    def put_student(cell) -> None:
        students.append(len(cells))
        cells.append(nbformat.v4.new_code_cell(cell.source))

    pending = added.get(None, [])
    for index, cell in enumerate(template.cells):
        if index in exercise_numbers and index not in matched:
            missing += exercise_numbers[index]
            cells.append(cell)  # the stub goes first: a student's answer in a cell of their own must not be undone
        for extra in pending:
            put_student(extra)
        if index in matched:
            put_student(matched[index])
        elif index not in exercise_numbers:
            if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
                checks.append(len(cells))
            cells.append(cell)
        pending = added.get(cell.id, [])
    for extra in pending:
        put_student(extra)
    rebuilt = nbformat.v4.new_notebook(metadata=template.metadata, cells=cells)
    for position, cell in enumerate(rebuilt.cells):
        cell.id = f"graded-{position:03d}"
    return Rebuilt(rebuilt, checks, students, missing, older_version(submission, template))


def suspicious_cells(rebuilt: Rebuilt) -> list[int]:
    """Positions of the student's cells that name the checker or print a check's line (worth an instructor's look)."""
    return [i for i in rebuilt.student_cells
            if _TOUCHES_CHECKER.search(_COMMENT.sub("", rebuilt.notebook.cells[i].source))]


def flags(path: Path, solution: Path, rebuilt: Rebuilt, root: Path) -> list[str]:
    """What an instructor should look at in a submission before trusting its row."""
    found = [f"exercise {n}'s cell was not found (graded as not attempted)" for n in rebuilt.missing_exercises]
    if rebuilt.older_version:
        found.append(f"made from another version of {solution.stem} than the course's (cells may have moved)")
    mismatch = name_mismatch(solution, path, root)
    found += [mismatch] if mismatch else []
    found += [f"a cell of the student's may reach for the checker: {_first_line(rebuilt.notebook.cells[i].source)[:60]}"
              for i in suspicious_cells(rebuilt)]
    return found
