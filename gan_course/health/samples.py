"""The symptoms read from G's samples, against real data where it is given: ``range_mismatch`` (different value
ranges) and ``low_diversity`` (near-identical samples). Both take tensors (or arrays) with the batch first."""

from __future__ import annotations

import torch

from gan_course.health import thresholds as th


def as_batch(x, name: str) -> torch.Tensor:
    """``x`` as a float tensor (N, ...) on the CPU, detached."""
    t = torch.as_tensor(x).detach().float().cpu()
    if t.dim() < 2 or len(t) < 2:
        raise ValueError(f"expected {name} with a batch of at least 2 first, (N, ...), got shape {tuple(t.shape)}")
    return t


def value_range(x: torch.Tensor) -> tuple[float, float]:
    """The RANGE_QUANTILE and 1 - RANGE_QUANTILE quantiles of all values (on at most ~1M of them)."""
    flat = x.flatten()
    flat = flat[::max(1, len(flat) // 1_000_000)]
    lo, hi = torch.quantile(flat, torch.tensor([th.RANGE_QUANTILE, 1 - th.RANGE_QUANTILE]))
    return float(lo), float(hi)


def range_mismatch(samples: torch.Tensor, real: torch.Tensor) -> dict | None:
    """The samples' range differs from the real data's by more than RANGE_TOLERANCE of the real span at either end."""
    (s_lo, s_hi), (r_lo, r_hi) = value_range(samples), value_range(real)
    span = max(r_hi - r_lo, 1e-12)
    off = max(abs(s_lo - r_lo), abs(s_hi - r_hi)) / span
    if off > th.RANGE_TOLERANCE:
        return {"samples_range": (round(s_lo, 4), round(s_hi, 4)), "real_range": (round(r_lo, 4), round(r_hi, 4)),
                "offset_over_real_span": off, "tolerance": th.RANGE_TOLERANCE}
    return None


def mean_pairwise_distance(x: torch.Tensor) -> float:
    """Mean L2 distance between distinct rows of the first DIVERSITY_SAMPLES of ``x`` flattened to (N, D)."""
    flat = x[:th.DIVERSITY_SAMPLES].flatten(1).double()  # (N, D)
    d = torch.cdist(flat, flat)  # (N, N), zeros on the diagonal
    n = len(flat)
    return float(d.sum() / (n * (n - 1)))


def low_diversity(samples: torch.Tensor, real: torch.Tensor | None) -> dict | None:
    """Samples far closer to one another than real data are (or than their own scale, without comparable real)."""
    spread = mean_pairwise_distance(samples)
    if real is not None and real[0].numel() == samples[0].numel():
        real_spread = mean_pairwise_distance(real)
        ratio = spread / max(real_spread, 1e-12)
        if ratio < th.DIVERSITY_RATIO:
            return {"samples_mean_pairwise_distance": spread, "real_mean_pairwise_distance": real_spread,
                    "ratio": ratio, "threshold": th.DIVERSITY_RATIO}
        return None
    scale = float(samples[:th.DIVERSITY_SAMPLES].flatten(1).double().norm(dim=1).mean())
    ratio = spread / max(scale, 1e-12)
    if ratio < th.DIVERSITY_SCALE:
        return {"samples_mean_pairwise_distance": spread, "samples_mean_norm": scale, "ratio": ratio,
                "threshold": th.DIVERSITY_SCALE}
    return None
