"""Diagnosing a GAN training run: ``diagnose(history, samples, real, grad_norms, loss)`` returns the symptoms it
shows (``Finding``: code, evidence, explanation, try_next) and ``report(findings)`` reads them out.

- ``diagnose``: the entry point; ``findings``: ``Finding``, ``Diagnosis`` (the list, plus ``.skipped`` and
  ``.too_short``), ``report`` and the advice per code;
- ``series``: the checks on loss_D, loss_G, D_x, D_G_z; ``samples``: range and diversity of G's samples;
- ``gradients``: ``GradientNorms``, the per-layer gradient-norm recorder, and the vanishing-gradient check;
- ``thresholds``: every number the checks use, with why.

Codes: diverged, discriminator_wins, generator_fools_discriminator, not_learning, oscillating, range_mismatch,
low_diversity, vanishing_generator_gradient; and double_sigmoid (D's scores passed through a sigmoid twice).
"""

from gan_course.health.diagnose import diagnose
from gan_course.health.findings import CODES, Diagnosis, Finding, report
from gan_course.health.gradients import GradientNorms

__all__ = ["diagnose", "report", "Finding", "Diagnosis", "GradientNorms", "CODES"]
