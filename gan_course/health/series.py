"""The symptoms read from a run's per-step series (loss_D, loss_G, D_x, D_G_z): each check takes the series as
float arrays (T,) and returns the evidence dict that triggered it, or None. Thresholds live in ``thresholds``."""

from __future__ import annotations

import numpy as np

from gan_course.health import thresholds as th


def tail(x: np.ndarray) -> np.ndarray:
    """The last TAIL_FRACTION of a series (at least MIN_TAIL points)."""
    return x[-max(th.MIN_TAIL, int(round(len(x) * th.TAIL_FRACTION))):]


def head(x: np.ndarray) -> np.ndarray:
    """The first TAIL_FRACTION of a series (at least MIN_TAIL points)."""
    return x[:max(th.MIN_TAIL, int(round(len(x) * th.TAIL_FRACTION)))]


def first_non_finite(series: dict[str, np.ndarray]) -> dict | None:
    """diverged: the first record where any series is NaN or inf."""
    bad = {name: int(np.flatnonzero(~np.isfinite(x))[0]) for name, x in series.items() if not np.isfinite(x).all()}
    if not bad:
        return None
    name = min(bad, key=bad.get)
    return {"series": name, "first_bad_record": bad[name], "series_affected": sorted(bad)}


def discriminator_wins(d_x: np.ndarray, d_g_z: np.ndarray, loss_g: np.ndarray | None, p) -> dict | None:
    """D(x) near 1 and D(G(z)) near 0 over the tail, and (where recorded) G's loss higher than at the start, unless
    D is saturated (then G's loss may not be the loss G should have: a G descending D's own loss makes D win with
    both losses near 0)."""
    real, fake = float(tail(d_x).mean()), float(tail(d_g_z).mean())
    if not (real > p.real_high and fake < p.fake_low):
        return None
    saturated = real > th.SATURATED and fake < 1 - th.SATURATED
    evidence = {"D_x_tail_mean": real, "D_G_z_tail_mean": fake, "saturated": saturated}
    if loss_g is not None:
        start, end = float(head(loss_g).mean()), float(tail(loss_g).mean())
        if end <= start and not saturated:
            return None
        evidence |= {"loss_G_start_mean": start, "loss_G_tail_mean": end}
    return evidence


def generator_fools_discriminator(d_x: np.ndarray, d_g_z: np.ndarray, p) -> dict | None:
    """D(G(z)) above D(x) over the tail (D rates fakes as more real than real data)."""
    real, fake = float(tail(d_x).mean()), float(tail(d_g_z).mean())
    if fake - real > p.fooled_margin:
        return {"D_x_tail_mean": real, "D_G_z_tail_mean": fake, "margin": p.fooled_margin}
    return None


def _within(x: np.ndarray, bounds: tuple[float, float]) -> bool:
    return bool(x.min() >= bounds[0] - th.DOUBLE_SIGMOID_SLACK and x.max() <= bounds[1] + th.DOUBLE_SIGMOID_SLACK)


def double_sigmoid(series: dict[str, np.ndarray], loss: str) -> dict | None:
    """D's scores squashed into [0, 1] before a loss with its own sigmoid, over the whole run: the recorded D
    outputs of a D that learns all in [0.5, sigma(1)], or (BCE) every loss inside the bounds BCEWithLogits of a
    probability has (``thresholds``)."""
    # Only a D that learns: an untrained or frozen D sits near 1/2, inside both bands (its D_x, else its loss, flat).
    if flatness(series["D_x"] if "D_x" in series else series.get("loss_D", np.zeros(2))) <= th.NOT_LEARNING_Z:
        return None
    if "D_x" in series and "D_G_z" in series:
        seen = np.concatenate([series["D_x"], series["D_G_z"]])
        if _within(seen, th.DOUBLE_SIGMOID_RANGE):
            return {"check": "D outputs", "D_outputs_range": (float(seen.min()), float(seen.max())),
                    "sigmoid_of_a_probability": th.DOUBLE_SIGMOID_RANGE}
    if loss == "bce" and "loss_D" in series and "loss_G" in series:
        g, d = series["loss_G"], series["loss_D"]
        if _within(g, th.DOUBLE_SIGMOID_LOSS_G) and _within(d, th.DOUBLE_SIGMOID_LOSS_D):
            return {"check": "loss bounds", "loss_G_range": (float(g.min()), float(g.max())),
                    "loss_D_range": (float(d.min()), float(d.max())), "G_bounds": th.DOUBLE_SIGMOID_LOSS_G,
                    "D_bounds": th.DOUBLE_SIGMOID_LOSS_D}
    return None


def flatness(x: np.ndarray) -> float:
    """The range of the means of NOT_LEARNING_WINDOWS windows over the whole run, in standard errors of a window
    mean (within-window std / sqrt(window length)); inf when the windows differ but each is constant, 0 when the
    series is constant."""
    n = len(x) // th.NOT_LEARNING_WINDOWS
    windows = x[:n * th.NOT_LEARNING_WINDOWS].reshape(th.NOT_LEARNING_WINDOWS, n)  # (W, n)
    spread = float(np.ptp(windows.mean(axis=1)))
    se = float(np.sqrt(windows.var(axis=1, ddof=1).mean() / n))
    if spread <= 1e-9 * (1.0 + float(np.abs(x).mean())):  # identical values (up to float noise)
        return 0.0
    return spread / se if se > 0 else float("inf")


def not_learning(series: dict[str, np.ndarray]) -> dict | None:
    """Every recorded series flat within noise over the whole run (not "near its starting value": a healthy BCE
    run sits near D = 1/2 from its first steps, but its window means move far more than noise would)."""
    z = {name: flatness(x) for name, x in series.items()}
    if all(v <= th.NOT_LEARNING_Z for v in z.values()):
        return {f"{name}_spread_in_standard_errors": v for name, v in z.items()} | {"threshold": th.NOT_LEARNING_Z}
    return None


def smoothed(x: np.ndarray, width: int) -> np.ndarray:
    """Running mean of ``width`` points, (T - width + 1,)."""
    return np.convolve(x, np.ones(width) / width, mode="valid")


def swing(x: np.ndarray, smoothing: int = th.OSCILLATION_SMOOTHING) -> tuple[float, int]:
    """(span, number of crossings of its own mean) of the tail of ``x`` smoothed over 1/``smoothing`` of its length."""
    t = tail(x)
    s = smoothed(t, max(3, len(t) // smoothing))
    above = s > s.mean()
    return float(np.ptp(s)), int(np.count_nonzero(above[1:] != above[:-1]))


def oscillating(series: dict[str, np.ndarray], p) -> dict | None:
    """D's outputs (sigma(logit)) swing by more than ``p.swing`` over the tail, back and forth."""
    for name, x in series.items():
        span, crossings = swing(x)
        if span > p.swing and crossings >= th.OSCILLATION_CROSSINGS:
            return {"series": name, "tail_span": span, "mean_crossings": crossings, "threshold": p.swing}
    return None


def oscillating_wasserstein(loss_d: np.ndarray) -> dict | None:
    """The critic's loss keeps swinging over the tail: its smoothed, detrended tail spans a good part of the whole
    run's span, and far more than smoothed per-step noise would (noise from the tail's first differences)."""
    t = tail(loss_d)
    width = max(3, len(t) // th.OSCILLATION_W_SMOOTHING)
    s = smoothed(t, width)
    s = s - np.polyval(np.polyfit(np.arange(len(s)), s, 1), np.arange(len(s)))  # drift is not a swing
    above = s > 0
    span, crossings = float(np.ptp(s)), int(np.count_nonzero(above[1:] != above[:-1]))
    whole = float(np.ptp(smoothed(loss_d, width)))
    noise = float(np.diff(t).std() / np.sqrt(2 * width))  # std of a smoothed point if the tail were noise
    if (span > th.OSCILLATION_W_FRACTION * whole and span > th.OSCILLATION_W_NOISE * noise
            and crossings >= th.OSCILLATION_CROSSINGS):
        return {"series": "loss_D", "tail_span": span, "run_span": whole, "noise": noise, "mean_crossings": crossings}
    return None
