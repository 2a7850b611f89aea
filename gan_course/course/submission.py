"""One student's submission, made ready to grade: read it, tell its lesson, and rebuild it from the course's own
cells so that only the exercises come from the student.

A grade is read from the outputs of the check cells. If those cells came from the submission, a student could
comment a check out, or print "[ok]" in its place. So ``rebuild`` starts from the lesson's pristine student
notebook and takes from the submission only its exercise cells (and any cells the student added); every other
cell, the check cells included, is the course's. ``suspicious_cells`` names the student's cells that reach for the
checker itself, which a rebuilt notebook cannot rule out: student code runs in the same kernel as the checks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from gan_course.course import exercises
from gan_course.course.grading import CHECK_CALL

# A student's cell that names the checks module, patches a function the checks call, or prints a check's line.
_TOUCHES_CHECKER = re.compile(r"\bchecks\b|gan_course\s*\.\s*checks|\[ok\]|ExerciseError")


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


@dataclass
class Rebuilt:
    """A notebook ready to run: the course's cells around the student's exercise cells."""

    notebook: nbformat.NotebookNode
    check_cells: list[int]  # indices of the course's check cells in ``notebook``
    student_cells: list[int]  # indices of the cells that came from the submission
    missing_exercises: list[int]  # exercise numbers whose cell was not found (the stub runs instead)


def _first_line(source: str) -> str:
    return source.strip().splitlines()[0] if source.strip() else ""


def rebuild(submission: nbformat.NotebookNode, solution: nbformat.NotebookNode, name: str) -> Rebuilt:
    """The lesson's pristine student notebook with the submission's exercise cells (and added cells) put in.

    A student's cell is found by the id the course gave it, else (an editor that renewed the ids) by its first
    line, e.g. ``def generator_loss(...)``; an exercise cell found neither way keeps its stub."""
    template = exercises.make_student_notebook(solution, name)
    exercise_numbers: dict[int, list[int]] = {}
    for region in exercises.solution_regions(solution):
        exercise_numbers.setdefault(region.cell_index, []).append(region.number)
    template_ids = {cell.id for cell in template.cells}
    theirs = [cell for cell in submission.cells if cell.cell_type == "code"]
    by_id = {cell.get("id"): cell for cell in theirs}
    matched: dict[int, nbformat.NotebookNode] = {}  # template index -> the student's cell for that exercise
    for index in exercise_numbers:
        cell = by_id.get(template.cells[index].id)
        if cell is None:
            first = _first_line(template.cells[index].source)
            cell = next((c for c in theirs if all(c is not m for m in matched.values()) and first
                         and c.get("id") not in template_ids and _first_line(c.source) == first), None)
        if cell is not None:
            matched[index] = cell

    # cells the student added: kept after the course cell they follow, so a helper they wrote still runs
    anchors = {id(cell): template.cells[index].id for index, cell in matched.items()}
    added: dict[str | None, list] = {}
    anchor = None
    for cell in submission.cells:
        if id(cell) in anchors or cell.get("id") in template_ids:
            anchor = anchors.get(id(cell), cell.get("id"))
        elif cell.cell_type == "code" and cell.source.strip():
            added.setdefault(anchor, []).append(cell)

    cells, checks, students, missing = [], [], [], []

    def put_student(cell) -> None:
        students.append(len(cells))
        cells.append(nbformat.v4.new_code_cell(cell.source))

    for cell in added.get(None, []):
        put_student(cell)
    for index, cell in enumerate(template.cells):
        if index in exercise_numbers and index not in matched:
            missing += exercise_numbers[index]
            cells.append(cell)
        elif index in exercise_numbers:
            put_student(matched[index])
        else:
            if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
                checks.append(len(cells))
            cells.append(cell)
        for extra in added.get(cell.id, []):
            put_student(extra)
    rebuilt = nbformat.v4.new_notebook(metadata=template.metadata, cells=cells)
    for position, cell in enumerate(rebuilt.cells):
        cell.id = f"graded-{position:03d}"
    return Rebuilt(rebuilt, checks, students, missing)


def suspicious_cells(rebuilt: Rebuilt) -> list[int]:
    """Positions of the student's cells that name the checker or print a check's line (worth an instructor's look)."""
    return [i for i in rebuilt.student_cells if _TOUCHES_CHECKER.search(rebuilt.notebook.cells[i].source)]
