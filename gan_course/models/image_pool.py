"""CycleGAN's history buffer of earlier fakes, an image pool (Shrivastava et al. 2017; Zhu et al. 2017, §4): D is
shown a mix of the newest fakes and fakes from earlier generators, so it cannot chase only G's latest trick and G
cannot oscillate between two tricks unnoticed."""

from __future__ import annotations

import torch


class ImagePool:
    """Keeps up to ``capacity`` earlier fakes. ``query(fakes)`` returns a batch of the same shape in which each
    image is, once the buffer is full, an old fake with probability ``p_old`` (the new one takes its place) and
    otherwise the new fake. Seeded, so a run repeats."""

    def __init__(self, capacity: int = 50, p_old: float = 0.5, seed: int = 0):
        if not isinstance(capacity, int) or capacity < 0:
            raise ValueError(f"expected capacity to be a non-negative integer, got {capacity!r}")
        if not 0 <= p_old <= 1:
            raise ValueError(f"expected p_old in [0, 1], got {p_old!r}")
        self.capacity, self.p_old = capacity, p_old
        self.images: list[torch.Tensor] = []
        self.generator = torch.Generator().manual_seed(seed)

    def query(self, fakes: torch.Tensor) -> torch.Tensor:
        """fakes (B, C, H, W) -> (B, C, H, W), detached: the buffer never carries gradients back to G."""
        if self.capacity == 0:
            return fakes.detach()
        out = []
        for image in fakes.detach():
            if len(self.images) < self.capacity:
                self.images.append(image.clone())
                out.append(image)
            elif torch.rand(1, generator=self.generator).item() < self.p_old:
                slot = int(torch.randint(self.capacity, (1,), generator=self.generator))
                out.append(self.images[slot])
                self.images[slot] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)
