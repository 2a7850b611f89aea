"""The mutation harness: realistic mistakes in each exercise, run against that exercise's check.

An exercise is one solution region of a solution notebook, numbered in notebook order (as the student's stubs are).
A mutant edits the region's source, the cell around it is executed on its own (its definitions only, on top of the
notebook's setup and the earlier cells' definitions, never the training), and the check cell that follows runs on
what it defined. The mutant is *caught* when the check raises ``ExerciseError``.

Mutants come from two places: hand-written edits per exercise (``lessonNN.py`` beside this file) and automatic
edits of every line (``automatic``): a removed line, a swapped operator or argument, a wrong axis, reduction,
label or constant, a ``.detach()`` added or removed.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import nbformat
import torch

from gan_course.checks.core import ExerciseError
from gan_course.course import exercises as course_exercises

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


@dataclass(frozen=True)
class Exercise:
    lesson: str  # "01"
    number: int  # 1, 2, ... in notebook order
    cell: int  # index of the cell holding the region
    check_cell: int  # index of the check cell that follows
    region: str  # the region's solution lines (marker lines removed), with their indentation


@dataclass(frozen=True)
class Mutant:
    name: str
    old: str  # text of the region to replace (its first occurrence) ...
    new: str  # ... by this
    automatic: bool = False


@dataclass
class Outcome:
    exercise: Exercise
    mutant: Mutant
    caught: bool
    message: str = ""
    raised: bool = False  # the mutated code raised an exception of its own (a crash proves less)
    output: list[str] = field(default_factory=list)


def notebook_path(lesson: str) -> Path:
    (path,) = sorted((ROOT / "solutions").glob(f"{lesson}_*.ipynb"))
    return path


@lru_cache(maxsize=None)
def _notebook(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(notebook_path(lesson), as_version=4)


def _region_lines(source: str) -> list[tuple[int, int]]:
    """(begin, end) line indices of each region of a cell (the marker lines themselves)."""
    spans, start = [], None
    for i, line in enumerate(source.splitlines()):
        if line.strip().startswith(BEGIN):
            start = i
        elif line.strip().startswith(END):
            spans.append((start, i))
    return spans


@lru_cache(maxsize=None)
def exercises(lesson: str) -> tuple[Exercise, ...]:
    """The lesson's exercises, numbered as the student's stubs are (``course.exercises.solution_regions``), each
    with the check cell that follows it."""
    nb = _notebook(lesson)
    checks = [j for j, c in enumerate(nb.cells) if c.cell_type == "code" and "checks.check_" in c.source]
    return tuple(Exercise(lesson, r.number, r.cell_index, next(j for j in checks if j > r.cell_index), r.source)
                 for r in course_exercises.solution_regions(nb))


def exercise(lesson: str, number: int) -> Exercise:
    return exercises(lesson)[number - 1]


def _code_only(source: str) -> str:
    """A cell without IPython magics, and without solution markers: plain Python."""
    lines = [l[: len(l) - len(l.lstrip())] + "pass" if l.lstrip().startswith(("%", "!")) else l for l in source.splitlines()]
    return "\n".join(l for l in lines if not l.lstrip().startswith("###"))


def _is_definition(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
        return True
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
    names = [n for t in targets for n in (t.elts if isinstance(t, ast.Tuple) else [t])]
    return bool(names) and all(isinstance(n, ast.Name) and n.id.isupper() for n in names)


def definitions(source: str) -> str:
    """The imports, functions, classes and CONSTANTS of a cell: what later cells use, without running anything."""
    tree = ast.parse(_code_only(source))
    return ast.unparse(ast.Module([n for n in tree.body if _is_definition(n)], type_ignores=[]))


@lru_cache(maxsize=None)
def _context(lesson: str, upto: int) -> dict:
    """The namespace the exercise cell ``upto`` sees: the setup cell run, then every earlier cell's definitions."""
    nb = _notebook(lesson)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    namespace: dict = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(_code_only(nb.cells[code[0]].source), f"{lesson} setup", "exec"), namespace)
        for i in code[1:]:
            if i >= upto:
                break
            exec(compile(definitions(nb.cells[i].source), f"{lesson} cell {i}", "exec"), namespace)
    return namespace


def mutated_cell(ex: Exercise, mutant: Mutant | None) -> str:
    """The exercise cell's source with its region replaced by the (mutated) solution."""
    source = _notebook(ex.lesson).cells[ex.cell].source
    lines = source.splitlines()
    nth = sum(e.cell == ex.cell and e.number < ex.number for e in exercises(ex.lesson))  # its place in the cell
    begin, end = _region_lines(source)[nth]
    region = ex.region
    if mutant is not None:
        if mutant.old not in region:
            raise ValueError(f"exercise {ex.lesson}.{ex.number}: mutant {mutant.name!r} expects {mutant.old!r} "
                             "in the solution region, and it is not there")
        region = region.replace(mutant.old, mutant.new, 1)
    return "\n".join([*lines[:begin], region, *lines[end + 1:]])


def run(ex: Exercise, mutant: Mutant | None) -> Outcome:
    """Define the (mutated) exercise cell in a copy of its context and run its check cell."""
    namespace = dict(_context(ex.lesson, ex.cell))
    check = _notebook(ex.lesson).cells[ex.check_cell].source
    out = io.StringIO()
    torch.manual_seed(0)  # check cells build networks outside the check: the same weights whatever ran before
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(definitions(mutated_cell(ex, mutant)), f"{ex.lesson} exercise {ex.number}", "exec"), namespace)
            exec(compile(check, f"{ex.lesson} check", "exec"), namespace)
    except ExerciseError as err:
        return Outcome(ex, mutant, True, str(err), raised=err.student_frames is not None and len(err.student_frames) > 0,
                       output=out.getvalue().splitlines())
    except SyntaxError as err:
        raise ValueError(f"exercise {ex.lesson}.{ex.number}: mutant {mutant.name if mutant else None!r} is not "
                         f"valid Python: {err}") from err
    except Exception as err:  # the student's own code raised in the check cell (e.g. building G): they see it there
        if any("gan_course/checks" in frame.filename for frame in traceback.extract_tb(err.__traceback__)):
            raise  # the check itself crashed: a bug in the check, never a catch
        return Outcome(ex, mutant, True, f"{type(err).__name__}: {err}", raised=True, output=out.getvalue().splitlines())
    return Outcome(ex, mutant, False, "", output=out.getvalue().splitlines())


# ---------------------------------------------------------------- automatic mutants

_SWAPS = [  # (pattern, replacement, what): each applied at one occurrence at a time
    (r" \+ ", " - ", "+ -> -"), (r" - ", " + ", "- -> +"), (r" \* ", " / ", "* -> /"),
    (r"ones_like", "zeros_like", "ones_like -> zeros_like"), (r"zeros_like", "ones_like", "zeros_like -> ones_like"),
    (r"dim=1", "dim=0", "dim=1 -> dim=0"), (r"dim=0", "dim=1", "dim=0 -> dim=1"),
    (r"\.mean\(\)", ".sum()", "mean -> sum"), (r"\.sum\(dim=1\)", ".mean(dim=1)", "sum -> mean"),
    (r"\.abs\(\)", ".square()", "abs -> square"), (r"\.square\(\)", ".abs()", "square -> abs"),
    (r"\.detach\(\)", "", ".detach() removed"), (r"<=", "<", "<= -> <"), (r"(?<![<>=])< ", "<= ", "< -> <="),
    (r"\.min\(", ".max(", "min -> max"), (r"\bTrue\b", "False", "True -> False"), (r"\bFalse\b", "True", "False -> True"),
    (r"\breal\b", "fake", "real -> fake"), (r"\bfake\b", "real", "fake -> real"),
    (r"\.squeeze\(1\)", ".squeeze()", "squeeze(1) -> squeeze()"),
]
_NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+|\d+)(?![\w.])")


def _code_part(line: str) -> str:
    return line.split("  #")[0] if "  #" in line else line


def automatic(ex: Exercise) -> list[Mutant]:
    """Every one-place edit of the region that is still valid Python, named by what it changed."""
    lines, found = ex.region.splitlines(), []

    def add(name: str, index: int, new_line: str | None):
        candidate = lines[:index] + ([] if new_line is None else [new_line]) + lines[index + 1:]
        old = "\n".join(lines[max(0, index - 1):index + 2])
        new = "\n".join(candidate[max(0, index - 1):index + 1 + (new_line is not None)])
        if candidate == lines or ex.region.count(old) != 1:
            return
        mutant = Mutant(name, old, new, automatic=True)
        try:
            ast.parse(_code_only(mutated_cell(ex, mutant)))
        except SyntaxError:
            if new_line is None:  # the only line of a block: leave a `pass` in its place
                add(name, index, lines[index][: len(lines[index]) - len(lines[index].lstrip())] + "pass")
            return
        found.append(mutant)

    for i, line in enumerate(lines):
        code = _code_part(line)
        if not code.strip():
            continue
        label = f"line {i + 1}: {code.strip()}"
        add(f"removed, {label}", i, None)
        for pattern, replacement, what in _SWAPS:
            for k, match in enumerate(re.finditer(pattern, code)):
                add(f"{what} #{k + 1}, {label}", i, code[:match.start()] + replacement + code[match.end():])
        for k, match in enumerate(_NUMBER.finditer(code)):
            text = match.group(0)
            wrong = str(float(text) * 10) if "." in text else str(int(text) + 1)
            add(f"constant {text} -> {wrong} #{k + 1}, {label}", i, code[:match.start()] + wrong + code[match.end():])
    return found


def choice_mutants(ex: Exercise, drill: str) -> list[Mutant]:
    """A multiple-choice exercise's mutants: each option other than the region's own letter, and answers that are
    not a letter at all."""
    from gan_course.checks.clinic import DIAGNOSES
    right = DIAGNOSES[drill][0]
    old = f'"{right}"'
    if old not in ex.region:
        raise ValueError(f"exercise {ex.lesson}.{ex.number}: expected the answer {old} in its region")
    wrong = [f'"{letter}"' for letter in DIAGNOSES[drill][1] if letter != right]
    return [Mutant(f"answer {new}", old, new) for new in [*wrong, '""', '"z"', "None", "3"]]


def namespace(ex: Exercise, mutant: Mutant | None) -> dict:
    """What the (mutated) exercise cell defines, on top of its context, without running the check."""
    ns = dict(_context(ex.lesson, ex.cell))
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(definitions(mutated_cell(ex, mutant)), f"{ex.lesson} exercise {ex.number}", "exec"), ns)
    return ns


def lessons() -> list[str]:
    return [p.name[:2] for p in sorted((ROOT / "solutions").glob("0*_*.ipynb")) if exercises(p.name[:2])]


def catalog(lesson: str):
    """The lesson's hand-written mutants, correct alternatives, equivalences and equivalence probes."""
    import importlib
    return importlib.import_module(f"mutants.lesson{lesson}")


RESULTS: dict[str, list[Outcome]] = {}  # lesson -> outcomes, for the catch rates printed after the tests


def catch_rates() -> dict[str, dict[str, int]]:
    """Per lesson: mutants run, caught, and listed as equivalent."""
    rates = {}
    for lesson, outcomes in sorted(RESULTS.items()):
        equivalent = catalog(lesson).EQUIVALENT
        listed = sum((o.exercise.number, o.mutant.name) in equivalent for o in outcomes)
        rates[lesson] = {"mutants": len(outcomes), "caught": sum(o.caught for o in outcomes), "equivalent": listed}
    return rates
