"""``diagnose``: read a training run's history (and, where given, G's samples, real data and gradient norms) and
return the symptoms it shows, each with the numbers behind it, plus what could not be judged and why."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from gan_course.health import gradients, samples as sample_checks, series as checks, thresholds as th
from gan_course.health.findings import Diagnosis, Finding

KEYS = ("loss_D", "loss_G", "D_x", "D_G_z")


def as_series(history: Any) -> dict[str, np.ndarray]:
    """{name: (T,) float64 array} from a ``training.History`` (its ``.values``), its ``state_dict()``, or a plain
    dict of per-step lists."""
    values = history if isinstance(history, Mapping) else getattr(history, "values", None)
    if isinstance(values, Mapping) and "values" in values and isinstance(values["values"], Mapping):
        values = values["values"]  # a History.state_dict()
    if not isinstance(values, Mapping):
        raise TypeError(f"expected a History or a dict of per-step lists, got {type(history).__name__}")
    out = {name: np.asarray(v, dtype=np.float64).reshape(-1) for name, v in values.items()}
    lengths = {len(v) for v in out.values()}
    if len(lengths) > 1:
        raise ValueError(f"expected every series to have one value per record, got lengths "
                         f"{ {k: len(v) for k, v in out.items()} }")
    return out


def _missing(series: dict, needed: tuple[str, ...]) -> str | None:
    absent = [k for k in needed if k not in series]
    return f"needs {', '.join(absent)}, which the history does not record" if absent else None


def diagnose(history: Any, samples: Any = None, real: Any = None,
             grad_norms: Mapping[str, Mapping[str, list[float]]] | None = None, loss: str = "bce") -> Diagnosis:
    """The symptoms a run shows, as a ``Diagnosis``: a list of ``Finding`` (empty when nothing looks wrong) with
    ``.skipped`` {code: why not judged}, ``.too_short`` and ``.steps``. See ``thresholds`` for every number used.

    history: ``training.History`` or a dict of per-step lists with keys among loss_D, loss_G, D_x, D_G_z (other
        keys are checked for NaN only); D_x and D_G_z are sigma(logit), a probability only for ``loss="bce"``.
    samples: G's samples (N, C, H, W) (or any (N, ...)); real: real data (N, ...), for range and diversity.
    grad_norms: ``GradientNorms(...).norms``, {"G": {layer: [norm per step]}, "D": {...}}.
    loss: "bce", "hinge", "lsgan" or "wasserstein" (which skips the checks on D's outputs).
    """
    if loss not in th.LOSSES:
        raise ValueError(f"expected loss among {th.LOSSES}, got {loss!r}")
    series = as_series(history)
    steps = len(next(iter(series.values()))) if series else 0
    found, skipped = [], {}
    diverged = checks.first_non_finite(series)
    if diverged:
        found.append(Finding.of("diverged", **diverged))
    too_short = steps < th.MIN_STEPS
    result = lambda: Diagnosis(found, skipped=skipped, too_short=too_short, steps=steps, min_steps=th.MIN_STEPS,
                               loss=loss)
    if too_short or diverged:  # too short to judge, or series that no mean or slope can be read from
        return result()

    p = th.PROBABILITY.get(loss)
    probability_codes = ("discriminator_wins", "generator_fools_discriminator", "oscillating")
    no_probability = "D's outputs are not probabilities with the Wasserstein loss" if p is None else None
    for code in probability_codes:  # Wasserstein runs are checked for oscillation on the critic's loss instead
        why = (_missing(series, ("loss_D",)) if code == "oscillating" and p is None
               else no_probability or _missing(series, ("D_x", "D_G_z")))
        if why:
            skipped[code] = why
    if "discriminator_wins" not in skipped:
        evidence = checks.discriminator_wins(series["D_x"], series["D_G_z"], series.get("loss_G"), p)
        if evidence:
            found.append(Finding.of("discriminator_wins", **evidence))
    if "generator_fools_discriminator" not in skipped:
        evidence = checks.generator_fools_discriminator(series["D_x"], series["D_G_z"], p)
        if evidence:
            found.append(Finding.of("generator_fools_discriminator", **evidence))

    known = {k: series[k] for k in KEYS if k in series}
    if "loss_D" in known or "loss_G" in known:
        evidence = checks.not_learning(known)
        if evidence:
            found.append(Finding.of("not_learning", **evidence))
    else:
        skipped["not_learning"] = _missing(series, ("loss_D", "loss_G")).replace(", ", " or ", 1)

    if loss in th.DOUBLE_SIGMOID_LOSSES:
        evidence = checks.double_sigmoid(series, loss)
        if evidence:
            found.append(Finding.of("double_sigmoid", **evidence))

    if "oscillating" not in skipped:
        evidence = (checks.oscillating_wasserstein(series["loss_D"]) if p is None
                    else checks.oscillating({k: series[k] for k in ("D_x", "D_G_z")}, p))
        if evidence:
            found.append(Finding.of("oscillating", **evidence))

    if samples is not None:
        batch = sample_checks.as_batch(samples, "samples")
        reference = sample_checks.as_batch(real, "real") if real is not None else None
        if reference is not None:
            evidence = sample_checks.range_mismatch(batch, reference)
            if evidence:
                found.append(Finding.of("range_mismatch", **evidence))
        evidence = sample_checks.low_diversity(batch, reference)
        if evidence:
            found.append(Finding.of("low_diversity", **evidence))

    if grad_norms is not None:
        if "G" not in grad_norms:
            raise ValueError(f"expected grad_norms with a 'G' entry ({{'G': {{layer: [norms]}}}}), "
                             f"got keys {sorted(grad_norms)}")
        why = None if p is None else _missing(series, ("D_G_z",))
        if why:
            skipped["vanishing_generator_gradient"] = why
        else:
            evidence = gradients.vanishing_generator_gradient(grad_norms["G"])
            confident = p is None or float(checks.tail(series["D_G_z"]).mean()) < p.fake_low
            if evidence and confident:
                if p is not None:
                    evidence["D_G_z_tail_mean"] = float(checks.tail(series["D_G_z"]).mean())
                found.append(Finding.of("vanishing_generator_gradient", **evidence))
    return result()
