"""Mode-collapse metrics on 2-D Gaussian mixtures, defined as PacGAN (Lin et al. 2018) and VEEGAN
(Srivastava et al. 2017) define them, so that our numbers can be set beside their tables.

A sample is *high quality* if it lies within ``n_std`` standard deviations of its nearest mode centre; a mode is
*captured* if at least one high-quality sample belongs to it.
"""

from __future__ import annotations

import math

import torch

from gan_course.data import GaussianMixture2D


def _check_points(samples: torch.Tensor, name: str = "samples") -> torch.Tensor:
    if not isinstance(samples, torch.Tensor) or samples.dim() != 2 or samples.shape[1] != 2:
        shape = tuple(samples.shape) if isinstance(samples, torch.Tensor) else type(samples).__name__
        raise ValueError(f"expected {name} as a tensor of 2-D points, shape (N, 2), got {shape}")
    if len(samples) == 0:
        raise ValueError(f"expected at least one point in {name}, got none")
    samples = samples.detach().float().cpu()
    if not torch.isfinite(samples).all():
        raise ValueError(f"expected finite {name}, got NaN or inf (did training diverge?)")
    return samples


def nearest_modes(samples: torch.Tensor, mixture: GaussianMixture2D) -> tuple[torch.Tensor, torch.Tensor]:
    """For each point (N, 2): the index of its nearest mode centre (N,) and the distance to it (N,)."""
    distances = torch.cdist(_check_points(samples), mixture.centers)  # (N, K)
    best = distances.min(dim=1)
    return best.indices, best.values


def mode_histogram(samples: torch.Tensor, mixture: GaussianMixture2D, n_std: float = 3.0) -> torch.Tensor:
    """How many high-quality samples each mode has, (K,) integers; far-off samples are not counted."""
    modes, distance = nearest_modes(samples, mixture)
    high_quality = distance <= n_std * mixture.std
    return torch.bincount(modes[high_quality], minlength=mixture.n_modes)


def mode_report(samples: torch.Tensor, mixture: GaussianMixture2D, n_std: float = 3.0) -> dict[str, object]:
    """High-quality share, modes captured, reverse KL(q || uniform) in nats, and the mode histogram.

    With no high-quality sample at all, modes captured is 0 and the KL is log K (as far from uniform as can be).
    """
    counts = mode_histogram(samples, mixture, n_std)
    k, n_high = mixture.n_modes, int(counts.sum())
    if n_high == 0:
        reverse_kl = math.log(k)
    else:
        q = counts.double() / n_high
        nonzero = q > 0  # 0 log 0 = 0
        reverse_kl = float((q[nonzero] * torch.log(q[nonzero] * k)).sum())
    return {
        "high_quality_share": n_high / len(samples),
        "modes_captured": int((counts > 0).sum()),
        "reverse_kl": reverse_kl,
        "histogram": counts.tolist(),
    }


def mmd(samples: torch.Tensor, reference: torch.Tensor, bandwidths: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0)) -> float:
    """Squared maximum mean discrepancy with a sum of Gaussian kernels (unbiased estimate; Gretton et al. 2012).

    It compares the whole distributions, so shrinking every mode to a point (a perfect high-quality share)
    still costs: unlike the mode counts, it cannot be fooled by the variance. The smallest bandwidth sits below
    the ring's standard deviation (0.02), so a mode squeezed to a point differs measurably from a real one.
    """
    x, y = _check_points(samples), _check_points(reference, "reference")
    if len(x) < 2 or len(y) < 2:
        raise ValueError(f"expected at least 2 points on each side, got {len(x)} and {len(y)}")

    def kernel(a, b):
        d2 = torch.cdist(a.double(), b.double()).square()
        return sum(torch.exp(-d2 / (2 * h * h)) for h in bandwidths)

    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    n, m = len(x), len(y)
    term_x = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
    term_y = (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
    return float(term_x + term_y - 2 * kxy.mean())


def occupancy(snapshots: list[torch.Tensor], mixture: GaussianMixture2D, n_std: float = 3.0) -> torch.Tensor:
    """Mode-occupancy trace: (T, K) shares of each snapshot's samples that are high quality on each mode.

    Plotted as an image (time down, modes across), mode hopping shows up as a bright cell that wanders.
    """
    rows = [mode_histogram(s, mixture, n_std).float() / len(s) for s in snapshots]
    return torch.stack(rows) if rows else torch.zeros(0, mixture.n_modes)
