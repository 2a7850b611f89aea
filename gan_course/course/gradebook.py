"""Grade a whole class: every notebook in a folder, in parallel, into one CSV and a summary an instructor can read.

    gan-course grade SUBMISSIONS --out grades.csv [--jobs N] [--timeout S] [--mode quick] [--seed 0]

Each submission is rebuilt around the course's own check cells (``submission``), run in its own sandbox
(``sandbox``), and read (``grading.read_checks``). A bad file becomes a row with a clear status; it never stops the
others. A row is reused from an earlier grades.csv when nothing that decides it changed: the file's content, the
course's commit, the mode and the seed. The course checkout is compared (``git status``) before and after each run,
and a run that changed it is flagged.
"""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from gan_course.course import sandbox, submission
from gan_course.course.grading import read_checks

FIXED_COLUMNS = ("file", "lesson", "status", "passed", "total", "seconds", "error", "flags")
HASH_COLUMN = "hash"
GRADED = "graded"  # the notebook ran to its end (its checks may still fail)
# Rows a re-run may reuse: their outcome depends only on what the hash covers (not on the time limit, the load on
# the machine, or the grader's own environment, as "timed out", "kernel died" and "grader error" may).
REUSABLE = (GRADED, "unreadable", "not a notebook", "unknown lesson")
CHECKOUT_FLAG = "the course checkout"  # how the flags that a row's run changed the checkout begin: never reused


@dataclass
class Row:
    """One submission's line in the grade book."""

    file: str
    lesson: str = ""
    status: str = ""
    checks: dict[str, str] = field(default_factory=dict)  # check name -> passed / failed / not attempted / ...
    seconds: float = 0.0
    error: str = ""
    flags: list[str] = field(default_factory=list)
    hash: str = ""
    reused: bool = False

    @property
    def passed(self) -> int:
        return sum(status == "passed" for status in self.checks.values())

    def as_csv(self) -> dict[str, str]:
        row = {"file": self.file, "lesson": self.lesson, "status": self.status, "passed": str(self.passed),
               "total": str(len(self.checks)), "seconds": f"{self.seconds:.1f}", "error": self.error,
               "flags": "\n".join(self.flags), HASH_COLUMN: self.hash}
        return row | {f"{self.lesson} {name}": status for name, status in self.checks.items()}

    @classmethod
    def from_csv(cls, line: dict[str, str]) -> Row:
        prefix = f"{line['lesson']} "
        checks = {key.removeprefix(prefix): value for key, value in line.items()
                  if line["lesson"] and key.startswith(prefix) and value}
        return cls(line["file"], line["lesson"], line["status"], checks, float(line["seconds"] or 0), line["error"],
                   [f for f in line["flags"].split("\n") if f], line.get(HASH_COLUMN) or "", reused=True)


def git(root: Path, *args: str) -> str | None:
    """git's output in the checkout, or None without a working git (no .git, no git, or a folder git refuses)."""
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    except FileNotFoundError:
        return None
    return result.stdout if result.returncode == 0 else None


def course_version(root: Path) -> str:
    """The course's commit, plus a digest of uncommitted changes to what decides a grade (solutions, package)."""
    commit = (git(root, "rev-parse", "HEAD") or "").strip()
    if not commit:  # not a git checkout: the solutions and the package's code decide
        digest = hashlib.sha256()
        for path in sorted([*root.glob("solutions/*.ipynb"), *root.glob("gan_course/**/*.py")]):
            digest.update(path.read_bytes())
        return "files-" + digest.hexdigest()[:16]
    changes = git(root, "diff", "HEAD", "--", "solutions", "gan_course") or ""
    return commit + ("+" + hashlib.sha256(changes.encode()).hexdigest()[:12] if changes else "")


def checkout_state(root: Path) -> str | None:
    """``git status`` of the course checkout (every changed or new file), or None without a working git."""
    return git(root, "status", "--porcelain", "--untracked-files=all")


def _changed_paths(before: str, after: str) -> list[str]:
    return sorted(set(after.splitlines()) ^ set(before.splitlines()))


def submission_files(folder: Path, exclude: tuple[Path, ...] = ()) -> list[Path]:
    """Every file under ``folder`` but ``exclude`` (the grade book), skipping hidden ones (Jupyter's checkpoints
    too), in a stable order."""
    if not folder.is_dir():
        raise FileNotFoundError(f"expected a folder of submissions, got {folder}")
    skip = {p.resolve() for p in exclude}
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.resolve() not in skip
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def cores() -> int:
    """The cores this process may use (a container's CPU set, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Grader:
    """The settings of one grading run, shared by its jobs."""

    def __init__(self, root: Path, folder: Path, mode: str, seed: int, timeout: float, jobs: int,
                 ignore: tuple[Path, ...] = ()):
        self.root, self.folder, self.mode, self.seed, self.timeout = root, folder, mode, seed, timeout
        self.jobs = max(1, jobs)
        self.threads = max(1, cores() // self.jobs)
        self.version = course_version(root)
        self.ignore = {str(p.resolve()) for p in ignore}  # the grade book itself may live in the checkout
        self.baseline = self._state()  # the checkout as grading found it
        self.running: set[str] = set()  # the submissions running now, to name who overlapped a change
        self.workers: set = set()  # their worker processes, to stop them on Ctrl-C
        self.lock = threading.Lock()

    def key(self, path: Path) -> str:
        digest = hashlib.sha256(path.read_bytes())
        digest.update(f"|{self.version}|{self.mode}|{self.seed}".encode())
        return digest.hexdigest()

    def _state(self) -> str | None:
        state = checkout_state(self.root)
        if state is None:
            return None
        return "\n".join(line for line in state.splitlines()
                         if str((self.root / line[3:].strip('"')).resolve()) not in self.ignore)

    def grade(self, path: Path) -> Row:
        """One submission's row; never raises for a bad submission."""
        row = Row(str(path.relative_to(self.folder)), hash=self.key(path))
        try:
            nb = submission.read_submission(path)
            solution = submission.identify_lesson(nb, path, self.root)
            row.lesson = solution.stem[:2]
            rebuilt = submission.rebuild(nb, nbformat.read(solution, as_version=4), solution.name)
        except submission.SubmissionError as err:
            row.status, row.error = err.status, str(err)
            return row
        row.flags += submission.flags(path, solution, rebuilt, self.root)
        with self.lock:
            before, others = self._state(), sorted(self.running)
            self.running.add(row.file)
        try:
            with tempfile.TemporaryDirectory(prefix="gan-course-grade-") as tmp:
                outcome = sandbox.run_isolated(rebuilt.notebook, Path(tmp) / "run", self.mode, self.seed,
                                               self.threads, self.timeout, started=self.workers.add)
        finally:
            with self.lock:
                self.running.discard(row.file)
                others = sorted(set(others) | self.running)
                after = self._state()
        row.flags += self._checkout_flags(before, after, others)
        row.status = GRADED if outcome.status == sandbox.FINISHED else outcome.status
        row.seconds, row.error = outcome.seconds, outcome.detail
        for result in read_checks(outcome.notebook or rebuilt.notebook, rebuilt.check_cells):
            name, n = result.name, 2
            while name in row.checks:  # the same check twice in a lesson: keep both
                name, n = f"{result.name} #{n}", n + 1
            row.checks[name] = result.status
        return row

    def _checkout_flags(self, before: str | None, after: str | None, others: list[str]) -> list[str]:
        if before is None or after is None:
            return []
        flags = []
        if after != before:
            shared = f" (also running: {', '.join(others)})" if others else ""
            flags.append(f"{CHECKOUT_FLAG} changed while this ran" + shared + ": "
                         + ", ".join(_changed_paths(before, after)))
        elif after != self.baseline:  # a change that lasts can alter every later grade: regrade once it is undone
            flags.append(f"{CHECKOUT_FLAG} differs from when grading started (restore it, then grade again): "
                         + ", ".join(_changed_paths(self.baseline or "", after)))
        return flags


def read_gradebook(path: Path) -> dict[str, Row]:
    """The rows of an earlier grade book, by file (empty if there is none; a row it cannot read is regraded).

    Raises ValueError for a folder, or a file that is not a grade book: it is not ours to overwrite."""
    if path.is_dir():
        raise ValueError(f"expected --out to be a CSV file, got the folder {path}")
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: a spreadsheet may have re-saved it
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        if not set(FIXED_COLUMNS) <= set(columns):
            raise ValueError(f"expected {path} to be a grade book (columns {', '.join(FIXED_COLUMNS)}, ...), got "
                             f"columns {', '.join(columns[:8]) or 'none'}: it was left alone; choose another --out")
        rows = {}
        for line in reader:
            try:
                rows[line["file"]] = Row.from_csv(line)
            except (AttributeError, TypeError, ValueError, KeyError):  # a hand-edited line: grade that file again
                continue
        return rows


def _temporary(path: Path) -> Path:
    """Where ``write_gradebook`` writes before it replaces ``path`` (so a crash never leaves half a grade book)."""
    return path.with_name(path.name + ".tmp")


def write_gradebook(path: Path, rows: list[Row]) -> None:
    """One row per submission: the fixed columns, then each lesson's checks in the order the lesson runs them."""
    check_columns: list[str] = []
    for row in sorted(rows, key=lambda r: r.lesson):
        check_columns += [c for c in row.as_csv() if c not in FIXED_COLUMNS and c != HASH_COLUMN
                          and c not in check_columns]
    columns = [*FIXED_COLUMNS, *check_columns, HASH_COLUMN]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary(path)
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(row.as_csv() for row in rows)
    os.replace(temporary, path)


def grade_folder(folder: Path, out: Path, root: Path, mode: str = "quick", seed: int = 0, timeout: float = 600,
                 jobs: int = 1, progress=print) -> list[Row]:
    """Grade every file in ``folder`` (``jobs`` at a time) into the CSV ``out``, saved after each row; reuse the
    rows of ``out`` whose file, course, mode and seed are unchanged. Ctrl-C stops the runs and keeps what is done."""
    earlier = read_gradebook(out)  # first: a wrong --out fails before any grading
    own_files = (out, _temporary(out))  # the grade book may sit in the folder, or in the checkout
    grader = Grader(root, folder, mode, seed, timeout, jobs, ignore=own_files)
    paths = submission_files(folder, exclude=own_files)
    rows: dict[Path, Row] = {}
    todo = []
    for path in paths:
        old = earlier.get(str(path.relative_to(folder)))
        if old is not None and old.status in REUSABLE and old.hash == grader.key(path) \
                and not any(flag.startswith(CHECKOUT_FLAG) for flag in old.flags):
            rows[path] = old
        else:
            todo.append(path)
    progress(f"grading {len(todo)} of {len(paths)} submissions ({len(paths) - len(todo)} unchanged since {out.name}), "
             f"{grader.jobs} at a time, {grader.threads} torch thread{'s' if grader.threads > 1 else ''} each, "
             f"mode {mode}, seed {seed}, at most {timeout:g} s each")
    if grader.baseline is None:
        progress(f"warning: {root} is not a working git checkout, so changes to it are not watched")

    def save() -> None:
        with grader.lock:
            write_gradebook(out, [rows[path] for path in paths if path in rows])

    def job(path: Path) -> None:
        try:
            row = grader.grade(path)
        except Exception as err:  # a bug of ours, or a file that vanished: one row, never the whole class
            row = Row(str(path.relative_to(folder)), status=sandbox.GRADER_ERROR, error=f"{type(err).__name__}: {err}")
        rows[path] = row
        save()
        progress(f"  {row.file}: {row.status}, {row.passed}/{len(row.checks)} checks ({row.seconds:.0f} s)")

    pool = ThreadPoolExecutor(max_workers=grader.jobs)
    try:
        for future in [pool.submit(job, path) for path in todo]:
            future.result()
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in list(grader.workers):
            sandbox.stop(worker)
        save()
        progress(f"stopped: {len(rows)} of {len(paths)} rows saved in {out}; run again to grade the rest")
        raise
    pool.shutdown()
    save()
    return [rows[path] for path in paths]


def summary(rows: list[Row]) -> str:
    """The grade book as a table for the terminal, then the counts."""
    header = ("file", "lesson", "status", "checks", "seconds", "note")
    lines = [(r.file, r.lesson or "-", r.status + (" (reused)" if r.reused else ""), f"{r.passed}/{len(r.checks)}",
              f"{r.seconds:.0f}", (r.error or "; ".join(r.flags)).splitlines()[0][:70] if (r.error or r.flags) else "")
             for r in rows]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    table = [fmt.format(*header), fmt.format(*("-" * w for w in widths)), *(fmt.format(*line) for line in lines)]
    complete = sum(r.status == GRADED and bool(r.checks) and r.passed == len(r.checks) and not r.flags for r in rows)
    table.append(f"{len(rows)} submissions: {complete} with every check passed and no flag, "
                 f"{sum(r.status != GRADED for r in rows)} that could not be graded or did not finish, "
                 f"{sum(bool(r.flags) for r in rows)} flagged")
    return "\n".join(table)
