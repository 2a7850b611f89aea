"""Solutions -> student notebooks: each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region becomes a numbered
stub that raises ``NotImplementedError`` saying, in words, what to write, and every output is stripped. The hints
live in markdown cells of the solution notebook (after each check), never in the stub.

A solution region looks like::

    ### BEGIN SOLUTION
    ### EXERCISE: what to write, in words, no code
    ...the solution lines...
    ### END SOLUTION

A student notebook remembers a fingerprint of the cell sources it was generated with, so regenerating
can tell a pristine notebook (safe to replace) from one a student has edited (never overwritten).

``solution_regions``, ``normalised_lines`` and ``leaked_lines`` let a test prove that no stub or hint gives away a
line of the answer.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import nbformat

BEGIN, END, EXERCISE = "### BEGIN SOLUTION", "### END SOLUTION", "### EXERCISE:"
OLD_HINT = "### HINT:"  # the former marker, which held code: refused with advice
STUB_ERROR = "NotImplementedError"
STUB_COMMENT = "# YOUR CODE HERE: exercise {number}"
STUB_MESSAGE = "Exercise {number}: {what}; hints are below the check"
MIN_LEAK_CHARS = 12  # a normalised solution line shorter than this ("x=1", "nn.ReLU()") gives nothing away
_NOTEBOOK_NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


class ExerciseSourceError(ValueError):
    """A solution notebook's solution markers are malformed."""


class StudentWorkError(RuntimeError):
    """Regenerating would overwrite a notebook that a student has edited."""


class Region(NamedTuple):
    """One solution region: its exercise number in the notebook, the index of its cell, and its solution lines
    (the lines between the markers, without the marker lines)."""

    number: int
    cell_index: int
    source: str


@dataclass
class _RegionText:
    """A region while parsing: its indentation, its ``### EXERCISE:`` text and its solution lines."""

    indent: str
    what: str
    lines: list[str]


def _parse(source: str, where: str) -> list:
    """The lines of ``source`` outside solution regions (str) and the regions (_RegionText), in order."""
    pieces: list = []
    region: _RegionText | None = None
    start = marker_line = 0
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if region is not None:
                raise ExerciseSourceError(f"{where}, line {number}: expected {END!r} before another {BEGIN!r}")
            region, start, marker_line = _RegionText(line[: len(line) - len(line.lstrip())], "", []), number, 0
        elif stripped.startswith(END):
            if region is None:
                raise ExerciseSourceError(f"{where}, line {number}: expected {BEGIN!r} before {END!r}")
            if not region.what:
                raise ExerciseSourceError(f"{where}, line {start}: the region has no {EXERCISE!r} line; expected "
                                          f"one, saying in words (no code) what to write")
            pieces.append(region)
            region = None
        elif region is None:
            pieces.append(line)
        elif stripped.startswith(EXERCISE):
            if region.what:
                raise ExerciseSourceError(f"{where}, line {number}: a second {EXERCISE!r} line in the region "
                                          f"(the first is line {marker_line}); expected exactly one")
            region.what, marker_line = stripped[len(EXERCISE):].strip(), number
            if not region.what:
                raise ExerciseSourceError(f"{where}, line {number}: {EXERCISE!r} says nothing; expected what to "
                                          f"write, in words")
        elif stripped.startswith(OLD_HINT):
            raise ExerciseSourceError(f"{where}, line {number}: {OLD_HINT!r} is no longer read; expected one "
                                      f"{EXERCISE!r} line saying in words what to write, and the hints in a "
                                      f"markdown cell after the check")
        else:
            region.lines.append(line)
    if region is not None:
        raise ExerciseSourceError(f"{where}, line {start}: {BEGIN!r} has no matching {END!r}")
    return pieces


def stub_source(source: str, where: str = "cell", numbers: Iterator[int] | None = None) -> str:
    """Replace each solution region of one cell's source with a numbered stub that says what to write.

    ``numbers`` hands out the exercise numbers; share one iterator across a notebook's cells so they count
    1, 2, 3 ... through the whole notebook (the default starts at 1)."""
    numbers = itertools.count(1) if numbers is None else numbers
    out = []
    for piece in _parse(source, where):
        if isinstance(piece, str):
            out.append(piece)
            continue
        number = next(numbers)
        message = STUB_MESSAGE.format(number=number, what=piece.what)
        out.append(piece.indent + STUB_COMMENT.format(number=number))
        out.append(f"{piece.indent}raise {STUB_ERROR}({json.dumps(message, ensure_ascii=False)})")
    return "\n".join(out)


def solution_regions(nb: nbformat.NotebookNode) -> list[Region]:
    """Every solution region of a solution notebook, numbered as the student notebook numbers its exercises."""
    regions, numbers = [], itertools.count(1)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for piece in _parse(cell.source, f"cell {index}"):
            if not isinstance(piece, str):
                regions.append(Region(next(numbers), index, "\n".join(piece.lines)))
    return regions


_WHITESPACE = re.compile(r"\s+")


def _strip_comment(line: str) -> str:
    """``line`` without its comment: a line starting with ``#``, or the part from ``  #`` on."""
    if line.lstrip().startswith("#"):
        return ""
    return line.split("  #", 1)[0]


def normalised_lines(source: str) -> set[str]:
    """The lines of ``source`` that would give the answer away: comments stripped, all whitespace and a trailing
    comma removed, kept if MIN_LEAK_CHARS characters or more remain."""
    kept = set()
    for line in source.splitlines():
        text = _WHITESPACE.sub("", _strip_comment(line)).removesuffix(",")
        if len(text) >= MIN_LEAK_CHARS:
            kept.add(text)
    return kept


def leaked_lines(text: str, lines: set[str]) -> list[str]:
    """Which of ``lines`` (from normalised_lines) occur in ``text``, compared without whitespace or backticks."""
    squashed = _WHITESPACE.sub("", text).replace("`", "")
    return sorted(line for line in lines if line in squashed)


def sources_fingerprint(nb: nbformat.NotebookNode) -> str:
    """sha256 of the cells' types and sources: what a student edits (outputs and metadata excluded)."""
    cells = [[c.cell_type, c.source] for c in nb.cells]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def make_student_notebook(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The student version of a solution notebook: stubs instead of solutions, no outputs, stable metadata."""
    nb = copy.deepcopy(solution)
    numbers = itertools.count(1)  # exercises are numbered through the whole notebook
    for index, cell in enumerate(nb.cells):
        cell.pop("id", None)
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        if cell.cell_type == "code":
            cell.source = stub_source(cell.source, where=f"{name} cell {index}", numbers=numbers)
            cell.outputs, cell.execution_count = [], None
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "gan_course": {"generated_from": f"solutions/{name}", "sources_sha256": sources_fingerprint(nb)},
    }
    nb.nbformat, nb.nbformat_minor = 4, 5
    for cell in nb.cells:  # nbformat 4.5 wants ids: derive them from the position so they never churn
        cell.id = f"cell-{nb.cells.index(cell):03d}"
    return nb


def dumps(nb: nbformat.NotebookNode) -> str:
    """The exact text written to disk (stable key order and indentation, trailing newline)."""
    return nbformat.writes(nb) + "\n"


def is_pristine(nb: nbformat.NotebookNode) -> bool:
    """True if no cell source changed since the notebook was generated (running cells does not count)."""
    stored = nb.metadata.get("gan_course", {}).get("sources_sha256")
    return stored is not None and stored == sources_fingerprint(nb)


def find_root(start: Path | None = None) -> Path:
    """The course checkout around ``start`` (default: the working directory): the folder holding solutions/."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "solutions").is_dir() and (folder / "notebooks").is_dir():
            return folder
    raise FileNotFoundError(f"expected to run inside a gan-course checkout (a folder with solutions/ and notebooks/), "
                            f"got {start}")


def solution_paths(root: Path) -> list[Path]:
    paths = sorted(p for p in (root / "solutions").glob("*.ipynb") if _NOTEBOOK_NAME.match(p.name))
    if not paths:
        raise FileNotFoundError(f"expected solution notebooks named NN_topic.ipynb in {root / 'solutions'}, got none")
    return paths


@dataclass
class Written:
    path: Path
    action: str  # "created", "updated", "unchanged", "backed up and replaced"
    backup: Path | None = None


def _backup_path(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.stem}.backup-{stamp}.ipynb")
    n = 1
    while candidate.exists():
        candidate, n = path.with_name(f"{path.stem}.backup-{stamp}-{n}.ipynb"), n + 1
    return candidate


def write_student_notebook(solution_path: Path, target: Path, backup: bool = False) -> Written:
    """Write the student version of ``solution_path`` to ``target``; an edited target is never overwritten:
    it is moved to a ``.backup-<time>.ipynb`` file when ``backup`` is true, else StudentWorkError is raised."""
    text = dumps(make_student_notebook(nbformat.read(solution_path, as_version=4), solution_path.name))
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return Written(target, "created")
    current = target.read_text(encoding="utf-8")
    if current == text:
        return Written(target, "unchanged")
    try:
        pristine = is_pristine(nbformat.reads(current, as_version=4))
    except Exception:  # unreadable JSON is still the student's file: treat it as edited
        pristine = False
    if pristine:
        target.write_text(text, encoding="utf-8")
        return Written(target, "updated")
    if not backup:
        raise StudentWorkError(
            f"{target} has edits (its cells differ from the version generated from {solution_path.name}); "
            f"it was left untouched. To keep your work and get a fresh copy, run: gan-course reset {target.name[:2]}"
        )
    kept = _backup_path(target)
    target.rename(kept)
    target.write_text(text, encoding="utf-8")
    return Written(target, "backed up and replaced", kept)


def generate_all(root: Path, backup: bool = False) -> list[Written]:
    """Regenerate every student notebook from solutions/ (edited ones are refused, or backed up)."""
    written, refused = [], []
    for path in solution_paths(root):
        try:
            written.append(write_student_notebook(path, root / "notebooks" / path.name, backup=backup))
        except StudentWorkError as err:
            refused.append(str(err))
    if refused:
        raise StudentWorkError("\n".join(refused))
    return written


def lesson_solution(root: Path, lesson: str) -> Path:
    """The solution notebook of lesson ``lesson`` ("01", "1" or "01_vanilla_gan")."""
    key = lesson.split("_")[0]
    if not key.isdigit():
        raise ValueError(f"expected a lesson number such as 01, got {lesson!r}")
    matches = [p for p in solution_paths(root) if p.name[:2] == f"{int(key):02d}"]
    if not matches:
        known = ", ".join(p.stem for p in solution_paths(root))
        raise FileNotFoundError(f"expected a lesson among {known}, got {lesson!r}")
    return matches[0]


def reset_lesson(root: Path, lesson: str) -> Written:
    """A fresh student copy of one lesson; the student's own notebook is kept as a backup if it differs."""
    path = lesson_solution(root, lesson)
    return write_student_notebook(path, root / "notebooks" / path.name, backup=True)
