"""Solutions -> student notebooks: each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region becomes a stub
that raises ``NotImplementedError`` with its hint, and every output is stripped.

A student notebook remembers a fingerprint of the cell sources it was generated with, so regenerating
can tell a pristine notebook (safe to replace) from one a student has edited (never overwritten).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

BEGIN, END, HINT = "### BEGIN SOLUTION", "### END SOLUTION", "### HINT:"
STUB_ERROR = "NotImplementedError"
_NOTEBOOK_NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


class ExerciseSourceError(ValueError):
    """A solution notebook's solution markers are malformed."""


class StudentWorkError(RuntimeError):
    """Regenerating would overwrite a notebook that a student has edited."""


def stub_source(source: str, where: str = "cell") -> str:
    """Replace each solution region of one cell's source with a stub carrying the region's hints."""
    out, region, hints, indent = [], None, [], ""
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if region is not None:
                raise ExerciseSourceError(f"{where}, line {number}: expected {END!r} before another {BEGIN!r}")
            region, hints, indent = number, [], line[: len(line) - len(line.lstrip())]
        elif stripped.startswith(END):
            if region is None:
                raise ExerciseSourceError(f"{where}, line {number}: expected {BEGIN!r} before {END!r}")
            out.append(f"{indent}# YOUR CODE HERE")
            out.extend(f"{indent}# Hint: {hint}" for hint in hints)
            message = hints[0] if hints else "fill in this part"
            out.append(f"{indent}raise {STUB_ERROR}({json.dumps('Exercise: ' + message)})")
            region = None
        elif region is not None:
            if stripped.startswith(HINT):
                hints.append(stripped[len(HINT):].strip())
        else:
            out.append(line)
    if region is not None:
        raise ExerciseSourceError(f"{where}, line {region}: {BEGIN!r} has no matching {END!r}")
    return "\n".join(out)


def sources_fingerprint(nb: nbformat.NotebookNode) -> str:
    """sha256 of the cells' types and sources: what a student edits (outputs and metadata excluded)."""
    cells = [[c.cell_type, c.source] for c in nb.cells]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def make_student_notebook(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The student version of a solution notebook: stubs instead of solutions, no outputs, stable metadata."""
    nb = copy.deepcopy(solution)
    for index, cell in enumerate(nb.cells):
        cell.pop("id", None)
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        if cell.cell_type == "code":
            cell.source = stub_source(cell.source, where=f"{name} cell {index}")
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
