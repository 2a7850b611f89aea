"""Training, with no plotting and no printing: each piece returns what it measured.

- ``loop``: ``train``, the loop indexed by step, with one progress bar, a callback every N steps and resumable
  checkpoints, reused only for the same setup (``fingerprint``); ``history`` (``History``, ``RunStatus``) and
  ``checkpoints`` (with ``load_snapshot``) are what it records and saves;
- ``update_steps``: one update of each network per batch, per lesson: ``gan_step`` (01, 02),
  ``conditional_gan_step`` (04), ``cyclegan_step`` and its generators' objective (05);
- ``seed_ensemble``: lesson 03's 2-D trainer, several seeds of one recipe at once;
- ``classifier``: ``fit_classifier``, the digit readers of the metrics and of lessons 04 and 05.
"""

from gan_course.training.checkpoints import load_checkpoint, load_snapshot, save_checkpoint
from gan_course.training.classifier import AUGMENT, SHEAR_AUGMENT, fit_classifier
from gan_course.training.history import History, RunStatus
from gan_course.training.loop import train
from gan_course.training.update_steps import conditional_gan_step, cyclegan_generator_loss, cyclegan_step, gan_step

__all__ = ["train", "History", "RunStatus", "load_snapshot", "save_checkpoint", "load_checkpoint", "gan_step",
           "conditional_gan_step", "cyclegan_step", "cyclegan_generator_loss", "fit_classifier", "AUGMENT", "SHEAR_AUGMENT"]
