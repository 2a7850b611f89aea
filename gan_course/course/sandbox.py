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

import nbformat

from gan_course import config

FINISHED, TIMED_OUT, KERNEL_DIED = "finished", "timed out", "kernel died"
_EXIT_CODES = {0: FINISHED, 3: TIMED_OUT, 4: KERNEL_DIED}
_GRACE_S = 60  # the worker stops its own kernel at the limit; past this margin the grader kills the worker too


@dataclass
class Outcome:
    status: str  # FINISHED, TIMED_OUT, KERNEL_DIED, or "grader error"
    notebook: nbformat.NotebookNode | None  # executed as far as it got (None if it never started)
    seconds: float
    detail: str = ""


def run_isolated(nb: nbformat.NotebookNode, workdir: Path, mode: str, seed: int, threads: int,
                 timeout: float) -> Outcome:
    """Execute ``nb`` in a fresh process and kernel inside ``workdir`` (created; the caller removes it)."""
    workdir.mkdir(parents=True, exist_ok=False)
    source, executed = workdir / "submission.ipynb", workdir / "executed.ipynb"
    nbformat.write(nb, source)
    # results="": no benchmark collects a student's metrics, even if the grader runs inside a benchmark's shell
    env = config.child_environment(mode=mode, seed=seed, cache=workdir / "cache", results="")
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))  # torch in the kernel reads them
    command = [sys.executable, "-m", "gan_course.course.sandbox", str(source), str(executed), str(timeout)]
    start = time.perf_counter()
    worker = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True, text=True)
    try:
        log, _ = worker.communicate(timeout=timeout + _GRACE_S)
        status = _EXIT_CODES.get(worker.returncode, "grader error")
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        log, _ = worker.communicate()
        status = TIMED_OUT
    seconds = time.perf_counter() - start
    notebook = nbformat.read(executed, as_version=4) if executed.exists() else None
    detail = {TIMED_OUT: f"stopped after the time limit of {timeout:g} s for the whole notebook",
              KERNEL_DIED: "the kernel died (the notebook exited Python or ran out of memory); later cells did not run",
              FINISHED: ""}.get(status, f"the grader's worker failed (exit {worker.returncode}): {log.strip()[-500:]}")
    return Outcome(status, notebook, seconds, detail)


def _execute(source: Path, executed: Path, timeout: float) -> int:
    """Run every cell (errors allowed, so each check gets its turn), saving after each; the exit code says how it
    ended (see ``_EXIT_CODES``)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(source.parent)}},
                            on_cell_executed=lambda **_: nbformat.write(nb, executed))
    expired = threading.Event()

    def stop_kernel() -> None:  # the kernel runs in its own session: kill its whole process group
        expired.set()
        provisioner = getattr(client.km, "provisioner", None)
        if provisioner is not None and getattr(provisioner, "pgid", None):
            os.killpg(provisioner.pgid, signal.SIGKILL)

    watchdog = threading.Timer(timeout, stop_kernel)
    code = 0
    try:
        with client.setup_kernel():
            watchdog.start()
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    except DeadKernelError:
        code = 3 if expired.is_set() else 4
    except Exception as err:  # nbclient's timeout on a cell that never returns
        code = 3 if expired.is_set() or "timed out" in str(err).lower() else 4
    finally:
        watchdog.cancel()
        nbformat.write(nb, executed)
    return code


if __name__ == "__main__":
    sys.exit(_execute(Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])))
