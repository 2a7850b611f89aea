"""Every threshold the health checks use, in one place, each with the reason for its value.

The series checks read the last ``TAIL_FRACTION`` of the run (a run's start says little about where it ended up);
``not_learning`` reads the whole run, since a healthy run can be flat within noise once it has settled.
D's outputs are recorded as sigma(logit) for every loss, which is a probability only for BCE, so the thresholds on
``D_x`` / ``D_G_z`` are set per loss (``PROBABILITY``), and Wasserstein runs skip the checks that need them.
"""

from __future__ import annotations

LOSSES = ("bce", "hinge", "lsgan", "wasserstein")

# Fewer records than this is "too short to judge": quick mode runs 10-30 steps, and a tail of 20 % of 50 records
# (10 points) is about the least a mean and a slope can be read from.
MIN_STEPS = 50
TAIL_FRACTION = 0.2  # the part of the run the symptoms are read over ...
MIN_TAIL = 10  # ... but never fewer records than this

# not_learning: the run is cut into NOT_LEARNING_WINDOWS windows; a series is flat when the range of the window
# means is within NOT_LEARNING_Z standard errors (within-window std / sqrt(window length)). For pure noise the range
# of 10 means is about 3 standard errors and above 5.5 once in a thousand runs; a learning run (D learning to tell
# real from fake in its first hundred steps, G's loss drifting) sits tens of standard errors apart.
NOT_LEARNING_WINDOWS = 10
NOT_LEARNING_Z = 6.0


class ProbabilityThresholds:
    """Thresholds on sigma(logit) for one loss (a plain namespace, so each number keeps its comment)."""

    def __init__(self, real_high: float, fake_low: float, fooled_margin: float, swing: float):
        self.real_high = real_high  # discriminator_wins: mean D_x over the tail above this ...
        self.fake_low = fake_low  # ... and mean D_G_z below this (also "D is confident" for a vanishing G gradient)
        self.fooled_margin = fooled_margin  # generator_fools_discriminator: mean D_G_z above mean D_x by this much
        self.swing = swing  # oscillating: smoothed D_x or D_G_z spans more than this over the tail


PROBABILITY = {
    # BCE: D(x) > 0.9 with D(G(z)) < 0.1 means D tells them apart almost always; a healthy run sits near 1/2,
    # and a swing of 0.4 in the smoothed curve is D flipping between winning and losing.
    "bce": ProbabilityThresholds(real_high=0.9, fake_low=0.1, fooled_margin=0.05, swing=0.4),
    # hinge: D is trained to push logits past +-1 (sigma = 0.73 / 0.27), so a healthy hinge D sits there or
    # closer; logits past +-3 (sigma 0.95 / 0.05) are far beyond the margin, where D gets no more gradient.
    "hinge": ProbabilityThresholds(real_high=0.95, fake_low=0.05, fooled_margin=0.05, swing=0.4),
    # LSGAN (targets 1 and 0): a raw score of 1 is sigma = 0.73, 0 is 0.5, the equilibrium 1/2 is 0.62; D wins
    # when real scores pass 0.9 (sigma 0.71) and fake scores fall under 0.1 (sigma 0.525). The scale is 4x smaller.
    "lsgan": ProbabilityThresholds(real_high=0.71, fake_low=0.525, fooled_margin=0.02, swing=0.1),
}

# discriminator_wins also wants G's loss climbing: its tail mean above its mean over the first TAIL_FRACTION;
# except when D is saturated, sigma(logit) past SATURATED on real and under 1 - SATURATED on fakes (logits past
# +-4.6) over the whole tail: then D has won whatever G's loss does (a G that descends the wrong loss can make
# its own loss fall while D wins, as in lesson 01's "no detach, G through D's loss" mistake).
SATURATED = 0.99
# oscillating: the tail is smoothed by a running mean of 1/OSCILLATION_SMOOTHING of its length (at least 3 points,
# so per-step noise does not count as a swing), and the smoothed curve must cross its own mean at least
# OSCILLATION_CROSSINGS times (a swing that does not settle, not one drift).
OSCILLATION_SMOOTHING = 25
OSCILLATION_CROSSINGS = 4
# Wasserstein runs have no probabilities: their critic loss oscillates when its tail, smoothed over
# 1/OSCILLATION_W_SMOOTHING of the tail and detrended, spans more than OSCILLATION_W_FRACTION of the smoothed run's
# span (a healthy critic loss moves most at the start) and more than OSCILLATION_W_NOISE times the std smoothed noise
# would have (pure noise spans about 5). Untested on real Wasserstein runs: none was recorded yet.
OSCILLATION_W_FRACTION = 0.25
OSCILLATION_W_NOISE = 10.0
OSCILLATION_W_SMOOTHING = 10

# range_mismatch: the 0.5 % and 99.5 % quantiles of samples and real data (so a few outliers do not count) differ by
# more than this fraction of the real data's span: [0, 1] against [-1, 1] is 0.5 at the low end.
RANGE_QUANTILE = 0.005
RANGE_TOLERANCE = 0.25

# low_diversity: the mean pairwise distance between samples (the first DIVERSITY_SAMPLES of them, flattened) under
# this fraction of real data's; a collapsed G draws near-copies, which still differ by speckle (lesson 06's drill 8,
# one repeated image: 0.25), a healthy one is near 1 (lessons 01, 02 and 04: 0.98-1.01), and even real digits of a
# single class stay above 0.6 (the 1s: 0.65). Without real data of the same size: under DIVERSITY_SCALE of the
# samples' RMS norm (two different digits are about 0.5 of it apart).
DIVERSITY_SAMPLES = 256
DIVERSITY_RATIO = 0.4
DIVERSITY_SCALE = 0.05

# double_sigmoid: D's scores were squashed into [0, 1] before a loss that applies its own sigmoid. Two signatures,
# each over the whole run (the bug is there from the first step):
# - every recorded D_x and D_G_z (bce and hinge record sigma(score)) lies in [0.5, sigma(1)] = [0.5, 0.7311], give or
#   take DOUBLE_SIGMOID_SLACK: sigma of a probability can be nothing else (a step that logs sigma of what it fed the
#   loss). A healthy BCE D puts fakes under 0.5 within its first steps. LSGAN scores in [0, 1] are healthy: not checked.
#   Both signatures count only for a D that learns (its D_x, or its loss, not flat within noise: see not_learning):
#   an untrained or frozen D sits near 1/2, inside both.
# - BCE only: BCEWithLogits of a probability p is bounded on both sides: G's loss softplus(-p) in
#   [softplus(-1), ln 2] = [0.3133, 0.6931], D's loss softplus(-p_real) + softplus(p_fake) in
#   [softplus(-1) + ln 2, ln 2 + softplus(1)] = [1.0064, 2.0064], or half that for a step that logs the mean of the two terms. A healthy
#   non-saturating G loss is above ln 2 whenever D(G(z)) < 1/2, which is almost always, and a frozen D fooled by G
#   gives G losses under 0.31; so a whole run inside these bounds is a squashed score.
DOUBLE_SIGMOID_RANGE = (0.5, 0.7311)
DOUBLE_SIGMOID_LOSS_G = (0.3133, 0.6931)  # (softplus(-1), ln 2)
DOUBLE_SIGMOID_LOSS_D = (0.5032, 2.0064)  # the mean's lower bound, the sum's upper: (softplus(-1) + ln 2) / 2, ln 2 + softplus(1)
DOUBLE_SIGMOID_SLACK = 1e-3
DOUBLE_SIGMOID_LOSSES = ("bce", "hinge")

# vanishing_generator_gradient: G's total gradient norm (over all its layers) has a tail median under
# VANISH_ABSOLUTE, or under VANISH_RELATIVE of its largest value in the run; with D confident (mean D_G_z under
# fake_low), or on the norms alone for Wasserstein runs. A learning MLP G's norm is about 0.1-10.
VANISH_ABSOLUTE = 1e-4
VANISH_RELATIVE = 1e-3
