"""Run one notebook headless in a throwaway folder, so that one student's notebook cannot harm another's grade.

Each run gets its own process, kernel, working folder (relative writes land there), checkpoint cache (no
checkpoint is shared between students or jobs) and torch thread count, and a time limit for the whole notebook. The
notebook is saved after every cell, so a run that loops for ever or kills its kernel still shows how far it got.

This is isolation between submissions, not a security boundary: the code runs with the grader's rights. Grade
untrusted notebooks in a container.

    python -m gan_course.course.sandbox NOTEBOOK EXECUTED SECONDS   (what ``run_isolated`` starts)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from gan_course import config

FINISHED, TIMED_OUT, KERNEL_DIED = "finished", "timed out", "kernel died"
STOPPED, GRADER_ERROR = "stopped", "grader error"  # Ctrl-C; the grader's own trouble
# How the worker tells the grader how a run ended: its exit code.
_RAN, _EXPIRED, _DIED, _NO_KERNEL, _TERMINATED = 0, 3, 4, 5, 6  # _NO_KERNEL: the grader's trouble, not the student's
_EXIT_CODES = {_RAN: FINISHED, _EXPIRED: TIMED_OUT, _DIED: KERNEL_DIED, _TERMINATED: STOPPED}
_GRACE_S = 60  # the worker stops its own kernel at the limit; past this margin the grader stops the worker too


@dataclass
class Outcome:
    status: str  # FINISHED, TIMED_OUT, KERNEL_DIED, STOPPED or GRADER_ERROR
    notebook: nbformat.NotebookNode | None  # executed as far as it got (None if it never started or the grader failed)
    seconds: float
    detail: str = ""


def stop(worker: subprocess.Popen) -> None:
    """Stop a worker started by ``run_isolated``: it kills its kernel on SIGTERM; SIGKILL if it does not exit."""
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def run_isolated(nb: nbformat.NotebookNode, workdir: Path, mode: str, seed: int, threads: int,
                 timeout: float, started: Callable[[subprocess.Popen], None] = lambda worker: None) -> Outcome:
    """Execute ``nb`` in a fresh process and kernel inside ``workdir`` (created; the caller removes it).

    The kernel works in ``workdir/kernel``; the notebook and its executed copy stay outside it, out of the student
    code's relative reach. ``started`` is handed the worker process (to stop it on Ctrl-C, with ``stop``)."""
    kernel_dir = workdir / "kernel"
    kernel_dir.mkdir(parents=True, exist_ok=False)
    source, executed, log = workdir / "submission.ipynb", workdir / "executed.ipynb", workdir / "worker.log"
    nbformat.write(nb, source)
    # results="": no benchmark collects a student's metrics, even if the grader runs inside a benchmark's shell
    env = config.child_environment(mode=mode, seed=seed, cache=workdir / "cache", results="")
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))  # torch in the kernel reads them
    command = [sys.executable, "-m", "gan_course.course.sandbox", str(source), str(executed), str(timeout)]
    start = time.perf_counter()
    with log.open("w") as handle:
        worker = subprocess.Popen(command, cwd=kernel_dir, env=env, stdin=subprocess.DEVNULL, stdout=handle,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        started(worker)
        try:
            worker.wait(timeout=timeout + _GRACE_S)
        except subprocess.TimeoutExpired:
            stop(worker)
    seconds = time.perf_counter() - start
    status = _EXIT_CODES.get(worker.returncode, GRADER_ERROR)
    if status == GRADER_ERROR:  # outputs of a run the grader lost track of are not to be trusted
        what = "the kernel did not start" if worker.returncode == _NO_KERNEL else f"exit {worker.returncode}"
        return Outcome(status, None, seconds, f"the grader's worker failed ({what}): {_tail(log)}")
    notebook = nbformat.read(executed, as_version=4) if executed.exists() else None
    detail = {TIMED_OUT: f"stopped after the time limit of {timeout:g} s for the whole notebook",
              KERNEL_DIED: "the kernel died (the notebook exited Python or ran out of memory); later cells did not run",
              STOPPED: "stopped by the grader (Ctrl-C) before the notebook finished"}.get(status, "")
    return Outcome(status, notebook, seconds, detail)


def _tail(log: Path, lines: int = 5) -> str:
    """The end of the worker's log, without the kernel's routine warnings."""
    kept = [line for line in log.read_text(errors="replace").splitlines() if line.strip() and "WARNING" not in line]
    return " | ".join(kept[-lines:])[-500:] or "(no output)"


def _execute(source: Path, executed: Path, timeout: float) -> int:
    """Run every cell (errors allowed, so each check gets its turn), saving after each; the exit code says how it
    ended (see ``_EXIT_CODES``)."""
    from nbclient import NotebookClient

    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": os.getcwd()}},  # the kernel's folder (run_isolated)
                            on_cell_executed=lambda **_: nbformat.write(nb, executed))
    expired = threading.Event()

    def stop_kernel() -> None:  # the kernel runs in its own session: kill its whole process group
        expired.set()
        provisioner = getattr(client.km, "provisioner", None)
        if provisioner is not None and getattr(provisioner, "pgid", None):
            os.killpg(provisioner.pgid, signal.SIGKILL)

    def terminated(*_) -> None:  # the grader is stopping this run (Ctrl-C, or past its margin): take the kernel too
        stop_kernel()
        nbformat.write(nb, executed)
        os._exit(_TERMINATED)

    signal.signal(signal.SIGTERM, terminated)
    watchdog = threading.Timer(timeout, stop_kernel)
    code, started = _RAN, False
    try:
        with client.setup_kernel():
            started = True
            watchdog.start()
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    except Exception as err:  # DeadKernelError, nbclient's timeout on a cell that never returns, a failed start
        if not started:
            print(f"the kernel did not start: {type(err).__name__}: {err}", file=sys.stderr)
            return _NO_KERNEL
        code = _EXPIRED if expired.is_set() or "timed out" in str(err).lower() else _DIED
    finally:
        watchdog.cancel()
        nbformat.write(nb, executed)
    return code


if __name__ == "__main__":
    sys.exit(_execute(Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])))
