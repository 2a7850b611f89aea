"""The training loop: runs a step function for a budget of steps, records a history, checkpoints atomically.

It never plots and never prints: it owns one tqdm progress bar and calls ``callback(step, history)`` every
``every`` steps (and after the last), which is where a notebook hangs its live figure. What it did at the start
(resumed a saved run, or started fresh and why) is ``history.status``, for the board to say.

A checkpoint is reused only for the same setup (``fingerprint``: the step function's code and the functions it
calls, the optimizers' settings, the networks' structure and initial weights, the batches). ``steps``, ``every``,
``callback``, ``desc`` and ``progress`` are not part of it: asking a finished run for more steps extends it.
A restored run calls ``callback(start, history)`` once before going on. A number measured at an intermediate step
must come from ``snapshot_at`` (the state's modules at those steps: files beside the checkpoint, or copies in memory
without one) and ``load_snapshot``, never from a callback, which a resumed run skips for the steps it restored.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from torch import nn
from tqdm.auto import tqdm

from gan_course.training import checkpoints
from gan_course.training.fingerprint import describe_change, digest, fingerprint_run
from gan_course.training.history import History, RunStatus


def train(
    step_fn: Callable[[Any], Mapping[str, float]],
    batches: Any,
    steps: int,
    *,
    state: Mapping[str, Any] | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 500,
    every: int = 0,
    callback: Callable[[int, History], None] | None = None,
    desc: str = "training",
    progress: bool = True,
    snapshot_at: Iterable[int] = (),
) -> History:
    """Run ``step_fn(batches[step])`` for steps 0..steps-1 and return the history.

    With ``checkpoint`` (a path) and ``state`` ({name: model or optimizer}), the run saves every
    ``checkpoint_every`` steps and at the end; the same call with the same setup resumes from the last save (and
    calls ``callback(start, history)`` once before going on); a changed setup starts fresh.
    ``snapshot_at`` (steps): keep the state's modules at those steps, for ``load_snapshot(history, step, modules)``.
    """
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"expected steps to be a non-negative integer, got {steps!r}")
    if checkpoint is not None and not state:
        raise ValueError("expected state={name: module or optimizer} to go with checkpoint=, got none")
    snapshot_at = sorted(set(snapshot_at))
    if any(not isinstance(k, int) or not 0 <= k <= steps for k in snapshot_at):
        raise ValueError(f"expected snapshot_at to hold steps in [0, {steps}], got {snapshot_at}")
    modules = {name: obj for name, obj in (state or {}).items() if isinstance(obj, nn.Module)}
    if snapshot_at and not modules:
        raise ValueError("expected state={name: module} to go with snapshot_at=, got no modules")

    if checkpoint is None:
        start, history, setup = 0, History(), None
        history.status = RunStatus(resumed=False, start=0, reason="this run keeps no checkpoint")
    else:
        start, history, setup = _resume_or_start(step_fn, batches, steps, state, checkpoint, snapshot_at)
    history.status = dataclasses.replace(history.status, desc=desc)
    run_file = history.status.checkpoint

    clock, base = time.perf_counter(), history.seconds  # seconds go on from where a resumed run stopped

    def elapsed() -> float:
        return base + time.perf_counter() - clock

    def snapshot(step: int) -> None:
        history.seconds_at[step] = history.seconds = elapsed()
        if run_file is None:  # in memory: copies, since training goes on changing the modules
            history.snapshots[step] = {name: copy.deepcopy(m.state_dict()) for name, m in modules.items()}
        else:
            checkpoints.save_snapshot(checkpoints.snapshot_path(run_file, step), step, modules)

    # A fresh run always takes its own snapshot at its start (a stale file of an interrupted run may be there);
    # a resumed one only if the saved run lacks it.
    if start in snapshot_at and (not history.status.resumed or start not in history.seconds_at or run_file is None
                                 or not checkpoints.snapshot_path(run_file, start).exists()):
        snapshot(start)
    if history.status.resumed and callback is not None:
        callback(start, history)  # a restored run: the board shows where it stands before going on
    get_batch = batches if callable(batches) else batches.__getitem__
    bar = tqdm(total=steps, initial=min(start, steps), desc=desc, disable=not progress, mininterval=0.5)
    try:
        for step in range(start, steps):
            history.append(step + 1, step_fn(get_batch(step)))
            bar.update(1)
            done = step + 1
            if done % 50 == 0 or done == steps:
                bar.set_postfix({k: f"{v[-1]:.3f}" for k, v in history.values.items()}, refresh=False)
            # Saved only between steps: an interrupted run resumes exactly as if it had never stopped.
            if done in snapshot_at:
                snapshot(done)
            if run_file is not None and (done % checkpoint_every == 0 or done == steps):
                history.seconds = elapsed()
                checkpoints.save_checkpoint(run_file, done, history, state, setup)
            if callback is not None and ((every and done % every == 0) or done == steps):
                callback(done, history)
    finally:
        history.seconds = elapsed()
        bar.close()
    return history


def _resume_or_start(step_fn: Callable, batches: Any, steps: int, state: Mapping[str, Any],
                     checkpoint: str | os.PathLike, snapshot_at: list[int]) -> tuple[int, History, dict]:
    """Resume the saved run of this setup if there is a usable one; else start fresh and say why."""
    components = fingerprint_run(step_fn, batches, state)  # before anything is loaded: the initial weights count
    setup = {"digest": digest(components), "components": components}
    run_file = checkpoints.run_path(checkpoint, setup["digest"])
    saved = checkpoints.read_saved(run_file)
    reason = _why_not_resume(checkpoint, run_file, saved, setup, steps, snapshot_at)
    history, start = History(), 0
    if reason is None:
        start, history = checkpoints.restore_checkpoint(saved, state, run_file)
        run_file.touch()  # the setup used last is the one a change is described against, and pruned last
    history.status = RunStatus(resumed=reason is None, start=start, reason=reason or "", checkpoint=run_file)
    checkpoints.prune_runs(checkpoint, current=run_file)
    return start, history, setup


def _why_not_resume(checkpoint: str | os.PathLike, run_file: Path, saved: Mapping[str, Any] | None,
                    setup: Mapping[str, Any], steps: int, snapshot_at: list[int]) -> str | None:
    """None when the ``saved`` run (read from ``run_file``) can go on; else why not, as the status line says it."""
    if not run_file.exists():  # compare with the newest run of another setup, to say what changed
        earlier = [p for p in checkpoints.earlier_runs(checkpoint) if p != run_file]
        old = checkpoints.read_saved(earlier[0]) if earlier else None
        if old is None or "components" not in old.get("setup", {}):
            return "no saved run"
        return describe_change(old["setup"]["components"], setup["components"])
    if saved is None or saved.get("setup", {}).get("digest") != setup["digest"]:
        return f"the saved run {run_file.name} could not be read"
    if saved["step"] > steps:
        return f"the saved run with this setup is at step {saved['step']}, past the {steps} asked for"
    missing = [k for k in snapshot_at if k < saved["step"] and not checkpoints.snapshot_path(run_file, k).exists()]
    untimed = [k for k in snapshot_at if k < saved["step"] and k not in saved["history"].get("seconds_at", {})]
    if "seconds" not in saved["history"] or (untimed and not missing):  # saved before times were kept
        return "the saved run comes from an older version of the course, which did not keep its training time"
    if missing:
        return f"the saved run is past step {missing[0]} and kept no snapshot of it"
    return None
