"""Grade a student's notebook: run it headless and read each exercise check's outcome from its outputs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from gan_course import config

CHECK_CALL = re.compile(r"checks\.(check_\w+)\(")
_DRILL = re.compile(r"checks\.check_\w+\(\s*\"(drill_\d+)\"")  # lesson 06's checks name their drill first


@dataclass
class CheckResult:
    name: str
    status: str  # "passed", "failed", "not attempted", "error", "not run"
    detail: str = ""


@dataclass
class GradeReport:
    notebook: Path
    results: list[CheckResult] = field(default_factory=list)

    @property
    def all_passed(self) -> bool:
        return bool(self.results) and all(r.status == "passed" for r in self.results)

    def format(self) -> str:
        """A table an instructor can read: one line per check, then the count."""
        width = max([len(r.name) for r in self.results] + [10])
        lines = [f"{self.notebook.name}"]
        for r in self.results:
            detail = r.detail.strip().splitlines()[0] if r.detail.strip() else ""
            lines.append(f"  {r.name:<{width}}  {r.status.upper():<13} {detail}")
        n_ok = sum(r.status == "passed" for r in self.results)
        lines.append(f"{n_ok}/{len(self.results)} checks passed")
        return "\n".join(lines)


def _error(cell) -> tuple[str, str] | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out.get("ename", ""), out.get("evalue", "")
    return None


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def read_checks(nb: nbformat.NotebookNode, cells: list[int] | None = None) -> list[CheckResult]:
    """Each check cell's outcome, from an executed notebook's outputs: the cells at ``cells``, or (by default) every
    code cell that calls a check."""
    from gan_course.checks import NOT_WRITTEN

    results = []
    for cell in nb.cells if cells is None else [nb.cells[i] for i in cells]:
        names = CHECK_CALL.findall(cell.source) if cell.cell_type == "code" else []
        if not names:
            continue
        name, error, out = names[0].removeprefix("check_"), _error(cell), _stdout(cell)
        drill = _DRILL.search(cell.source)
        name = f"{drill[1]} {name}" if drill else name
        if error is None and "[ok]" in out:
            results.append(CheckResult(name, "passed", out))
        elif error is not None and (error[0] == "NotImplementedError" or NOT_WRITTEN in error[1]):
            results.append(CheckResult(name, "not attempted", "the exercise still raises NotImplementedError"))
        elif error is not None and error[0] == "ExerciseError":
            results.append(CheckResult(name, "failed", error[1]))
        elif error is not None:
            results.append(CheckResult(name, "error", f"{error[0]}: {error[1]}"))
        else:
            results.append(CheckResult(name, "not run", "the cell did not run"))
    return results


def grade_notebook(path: Path, mode: str = "quick", timeout: int = 600) -> GradeReport:
    """Execute ``path`` in a fresh kernel (errors allowed, so every check gets its turn) and read the checks."""
    from nbclient import NotebookClient

    if not path.is_file():
        raise FileNotFoundError(f"expected a notebook file, got {path}")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    client.execute(env=config.child_environment(mode=mode))  # the kernel's config reads the mode
    return GradeReport(path, read_checks(nb))
