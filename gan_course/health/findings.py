"""What a diagnosis returns and how it reads: ``Finding`` (one symptom, with the numbers behind it), ``Diagnosis``
(the list of findings plus what could not be judged) and ``report`` (a readable summary)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What each code means and what to try, in plain words; the evidence dict carries the numbers.
ADVICE = {
    "diverged": ("A series holds NaN or inf: the run blew up, and nothing after that point means anything.",
                 "Lower the learning rates (e.g. halve them), check the data for NaN, and clip or penalise huge "
                 "gradients; restart from before the blow-up."),
    "discriminator_wins": ("D tells real from fake almost perfectly (D(x) near 1, D(G(z)) near 0): whatever G learns "
                           "no longer fools it, and G's loss usually climbs. When the evidence says saturated=True, "
                           "D's scores are past +-4.6 logits on both sides: D has won outright, whatever G's loss does.",
                           "First rule out a bug on G's side: G's loss must reach G (no .detach() there) and be G's own "
                           "loss, and D must see the same kind of batch in both updates. Then weaken D or strengthen "
                           "G: lower D's learning rate, add dropout or label smoothing to D, use the non-saturating G "
                           "loss, or update G more often than D."),
    "generator_fools_discriminator": ("D scores G's samples as more real than the real data, or D never learned to "
                                      "tell them apart: look for swapped labels or a D that does not update.",
                                      "Check that D's loss labels real as 1 and fake as 0, that opt_D holds D's "
                                      "parameters and steps, and that the fakes are detached only for D's update."),
    "not_learning": ("The losses and D's outputs stay flat within noise for the whole run: nothing is being learned.",
                     "Check the learning rates are not 0, that each optimizer holds its own network's parameters, "
                     "that zero_grad/backward/step are all called, and that no parameters are frozen."),
    "oscillating": ("D's outputs (or the losses) swing widely and keep swinging in the last part of the run.",
                    "Lower the learning rates, use Adam with beta1 = 0.5, or add a gradient penalty or spectral "
                    "norm to D."),
    "range_mismatch": ("G's samples and the real data lie in different ranges: D can tell them apart by range alone.",
                       "Make G's output layer match the data: tanh for data in [-1, 1], sigmoid for [0, 1]; or "
                       "rescale the data (x * 2 - 1 takes [0, 1] to [-1, 1])."),
    "low_diversity": ("G's samples are nearly copies of one another (mode collapse).",
                      "Try a smaller learning rate for G, minibatch discrimination or a minibatch-std layer, "
                      "a different loss (hinge, WGAN-GP), or restart with another seed."),
    "double_sigmoid": ("D's scores went through a sigmoid before a loss that applies one itself (BCEWithLogits): the "
                       "recorded D outputs never leave [0.5, 0.731] (a sigmoid of a probability), or the losses never "
                       "cross the bounds BCEWithLogits of a probability has (G's at most ln 2, D's at least 1.006). "
                       "D then barely learns, and little gradient reaches G.",
                       "Pass D's raw logits to binary_cross_entropy_with_logits (or BCEWithLogitsLoss); take "
                       "torch.sigmoid only of what you log, and remove any Sigmoid layer at D's end."),
    "vanishing_generator_gradient": ("G's gradients are close to zero while D is confident: G has stopped receiving "
                                     "a signal (a saturated loss, or saturated output units).",
                                     "Check that G's loss reaches G (no .detach() on G's side), that D's raw logits "
                                     "reach the loss, and that G uses the non-saturating -log D(G(z)) rather than "
                                     "log(1 - D(G(z))); then weaken D, or check G's output is not stuck at its limits."),
}
CODES = tuple(ADVICE)


@dataclass(frozen=True)
class Finding:
    """One symptom: its ``code`` (a key of ``ADVICE``), the numbers that triggered it, and what they mean."""

    code: str
    evidence: dict[str, Any] = field(default_factory=dict)
    explanation: str = ""
    try_next: str = ""

    @classmethod
    def of(cls, code: str, **evidence: Any) -> "Finding":
        """A finding with the standard explanation and advice for ``code``."""
        if code not in ADVICE:
            raise ValueError(f"expected a code among {sorted(ADVICE)}, got {code!r}")
        explanation, try_next = ADVICE[code]
        return cls(code, {k: _rounded(v) for k, v in evidence.items()}, explanation, try_next)


def _rounded(value: Any) -> Any:
    return float(f"{value:.4g}") if isinstance(value, float) else value


class Diagnosis(list):
    """The findings (a list of ``Finding``; empty when nothing looks wrong), plus what could not be judged:

    - ``skipped``: {code: why it was not judged}, e.g. "needs D_G_z, which the run did not record";
    - ``too_short``: True when the run had fewer than ``min_steps`` records; then no symptom is judged except
      ``diverged`` (a NaN needs no window to be seen);
    - ``steps``: how many records the history held; ``loss``: the loss the thresholds were set for.

    A plain list passed to ``report`` reads as having skipped nothing."""

    def __init__(self, findings=(), *, skipped=None, too_short=False, steps=0, min_steps=0, loss="bce"):
        super().__init__(findings)
        self.skipped: dict[str, str] = dict(skipped or {})
        self.too_short, self.steps, self.min_steps, self.loss = too_short, steps, min_steps, loss

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self]


def report(findings: list[Finding]) -> str:
    """A readable summary: one paragraph per finding, then what was not judged and why."""
    lines = []
    too_short, steps, min_steps = (getattr(findings, name, None) for name in ("too_short", "steps", "min_steps"))
    if too_short:
        lines.append(f"Too short to judge: {steps} records, the checks need at least {min_steps}.")
    skipped = getattr(findings, "skipped", None) or {}
    if not findings:
        lines.append("No sign of divergence." if too_short else
                     "Nothing looks wrong in what could be checked." if skipped else "Nothing looks wrong.")
    for f in findings:
        numbers = ", ".join(f"{k}={v}" for k, v in f.evidence.items())
        lines += [f"[{f.code}] {f.explanation}", f"  evidence: {numbers}", f"  try next: {f.try_next}"]
    for code, why in skipped.items():
        lines.append(f"Skipped {code}: {why}.")
    return "\n".join(lines)
