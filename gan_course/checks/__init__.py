"""Exercise checks. Every notebook says ``from gan_course import checks`` and calls ``checks.check_<exercise>``.

- ``core``: the framework: ``ExerciseError`` (the one exception type), ``fail``, ``passed``, ``call``,
  ``build_from_class``; ``probes``: shared inputs and wiring tests; ``architecture``: a network against the
  lesson's (the layers it runs, its output from the same weights); ``gradient_spy``: gradient-level step checks;
  ``step_report``: the numbers a step returns;
- one module per lesson topic: ``vanilla_gan`` and ``train_step`` (01), ``dcgan`` (02), ``mode_collapse`` (03),
  ``conditional_gan`` and ``conditional_step`` (04), ``cyclegan``, ``cyclegan_objective`` and
  ``cyclegan_step`` (05), ``clinic`` (06).

A check prints one deterministic line when the answer is right; otherwise it raises ``ExerciseError`` whose
message names the mistake and hints at the fix.
"""

from gan_course.checks.clinic import (check_diagnosis, check_fixed_step, check_optimizers, check_prepare,
                                      check_separate_batches)
from gan_course.checks.conditional_gan import (check_concat_discriminator, check_conditional_generator,
                                               check_projection_discriminator)
from gan_course.checks.conditional_step import check_cgan_step
from gan_course.checks.core import NOT_WRITTEN, ExerciseError
from gan_course.checks.cyclegan import (check_cycle_loss, check_history_buffer, check_identity_loss,
                                        check_lsgan_losses, check_patch_discriminator, check_residual_block)
from gan_course.checks.cyclegan_objective import check_generator_objective
from gan_course.checks.cyclegan_step import check_cyclegan_step
from gan_course.checks.dcgan import check_dcgan, check_discriminator_block, check_generator_block, check_weights_init
from gan_course.checks.mode_collapse import check_gradient_penalty, check_mode_counts, check_packed_scores
from gan_course.checks.train_step import check_train_step
from gan_course.checks.vanilla_gan import (check_discriminator, check_discriminator_loss, check_generator,
                                           check_generator_loss)

__all__ = [
    "ExerciseError", "NOT_WRITTEN",
    # lesson 01
    "check_generator", "check_discriminator", "check_discriminator_loss", "check_generator_loss", "check_train_step",
    # lesson 02
    "check_generator_block", "check_discriminator_block", "check_weights_init", "check_dcgan",
    # lesson 03
    "check_mode_counts", "check_gradient_penalty", "check_packed_scores",
    # lesson 04
    "check_conditional_generator", "check_concat_discriminator", "check_projection_discriminator", "check_cgan_step",
    # lesson 05
    "check_residual_block", "check_patch_discriminator", "check_lsgan_losses", "check_cycle_loss", "check_identity_loss",
    "check_generator_objective", "check_history_buffer", "check_cyclegan_step",
    # lesson 06
    "check_diagnosis", "check_fixed_step", "check_prepare", "check_separate_batches", "check_optimizers",
]
