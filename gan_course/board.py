"""The training board: the live figure of a run, a grid of samples from fixed inputs beside the loss curves and
D's mean outputs, redrawn in place as training goes.

It is the ``callback`` of ``training.train``. Every call keeps a snapshot (``board.snapshots``, for a film strip
afterwards); the figure is redrawn at most every ``min_seconds`` and always at the last step, so the final figure
is what stays in the notebook, in a headless run (nbclient, a benchmark) too. Outside IPython nothing is drawn.
The first call of a run prints one line saying how it began (``history.status``): "resumed from step 800 of a saved
run with the same setup", or "started fresh: ..." and why, since training itself never prints.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import matplotlib.pyplot as plt
import torch

from gan_course.plotting import image_grid, plot_history
from gan_course.training.history import History


class TrainingBoard:
    """``snapshot()`` returns the images to show (N, C, H, W) in [-1, 1], e.g. ``lambda: sample(G, fixed_z)``;
    ``nrow`` of them per row, titled ``title``; the loss panel plots ``loss_keys`` (default every ``loss*``)."""

    def __init__(self, snapshot: Callable[[], torch.Tensor], total_steps: int, nrow: int = 8, title: str = "fixed noise",
                 loss_keys: Sequence[str] | None = None, log_loss: bool = False, window: int | None = None,
                 min_seconds: float = 2.0, figsize: tuple[float, float] = (13, 3.6)):
        if not isinstance(total_steps, int) or total_steps < 1:
            raise ValueError(f"expected total_steps to be a positive integer, got {total_steps!r}")
        self.snapshot, self.total_steps, self.nrow, self.title = snapshot, total_steps, nrow, title
        self.loss_keys, self.log_loss, self.window = loss_keys, log_loss, window
        self.min_seconds, self.figsize = min_seconds, figsize
        self.snapshots: dict[int, torch.Tensor] = {}  # step -> what snapshot() returned then
        self._handle, self._last = None, -float("inf")
        self._announced = None  # the history whose status line was printed: one line per run

    def take(self, step: int) -> torch.Tensor:
        """Keep a snapshot for ``step`` (e.g. step 0, before training) and return it."""
        self.snapshots[step] = self.snapshot()
        return self.snapshots[step]

    def __call__(self, step: int, history: History) -> None:
        if history is not self._announced:
            self._announced = history
            if history.status is not None:
                status = history.status
                print(f"{status.desc}: {status.line()}" if status.desc else status.line())
        self.take(step)
        if step < self.total_steps and time.monotonic() - self._last < self.min_seconds:
            return  # the wall-clock throttle only skips redraws; training itself never depends on time
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is None:  # a plain script or a test: nowhere to draw
            return
        fig = self.figure(step, history)
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        plt.close(fig)
        self._last = time.monotonic()

    def figure(self, step: int, history: History):
        """The board at ``step`` as a static figure: the snapshot, the losses, and D's outputs if the run has them."""
        fig = plt.figure(figsize=self.figsize)
        has_d = any(key.startswith("D_") for key in history.values)
        ratios = [1, 1.3, 1.3] if has_d else [1.1, 1.4]
        ax_img, *curve_axes = fig.subplots(1, len(ratios), gridspec_kw={"width_ratios": ratios})
        image_grid(self.snapshots[step], nrow=self.nrow, ax=ax_img, title=f"step {step}: {self.title}")
        plot_history(history, window=self.window, axes=curve_axes, loss_keys=self.loss_keys, log_loss=self.log_loss)
        return fig
