"""Optional photo pairs for CycleGAN's full mode (horse2zebra, summer2winter), downloaded only when asked.

Each archive has a pinned URL, size and sha256 (the values TensorFlow Datasets publishes in
``tensorflow_datasets/url_checksums/cycle_gan.txt``). A download that fails says so and points back to the
embedded digit pair, which needs no network; a file whose checksum differs is deleted, never used.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from gan_course import config
from gan_course.data import DatasetUnavailableError

_HOST = "https://people.eecs.berkeley.edu/~taesung_park/CycleGAN/datasets"


@dataclass(frozen=True)
class Archive:
    url: str
    size: int  # bytes
    sha256: str


PHOTO_PAIRS = {
    "horse2zebra": Archive(f"{_HOST}/horse2zebra.zip", 116867962,
                           "a74d9d392eecca9966b51287a76ca126af473d9de4f3e8fc0e9cda08fa1730a1"),
    "summer2winter_yosemite": Archive(f"{_HOST}/summer2winter_yosemite.zip", 132640856,
                                      "167fe1726807a9d22bd106b4a6c0bd7953b688af924ac1bf967439c4961e49f9"),
}
OFFLINE_HINT = ("The lesson runs without it on the embedded pair, MNIST <-> scikit-learn digits: "
                "data.load_mnist() and data.load_sklearn_digits(), which need no network.")


class ChecksumError(DatasetUnavailableError):
    """A downloaded file is not the file that was pinned."""


def sha256_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: str | os.PathLike, archive: Archive) -> Path:
    """``path`` if its size and sha256 are the pinned ones; otherwise delete it and raise ChecksumError."""
    path = Path(path)
    size = path.stat().st_size
    digest = sha256_of(path) if size == archive.size else None
    if digest != archive.sha256:
        path.unlink()
        got = f"sha256 {digest}" if digest else f"{size} bytes"
        raise ChecksumError(f"expected {archive.url} to be {archive.size} bytes with sha256 {archive.sha256}, got {got}; "
                            f"the file was deleted. Try again later, or: {OFFLINE_HINT}")
    return path


def download_photo_pair(name: str, folder: Path | None = None) -> Path:
    """Download (once) and unpack photo pair ``name``; return its folder (trainA, trainB, testA, testB inside)."""
    if name not in PHOTO_PAIRS:
        raise ValueError(f"expected a photo pair in {sorted(PHOTO_PAIRS)}, got {name!r}")
    archive = PHOTO_PAIRS[name]
    folder = Path(folder) if folder else config.cache_dir() / "data"
    target = folder / name
    if (target / "trainA").is_dir():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    zipped = folder / f"{name}.zip"
    if not zipped.exists():
        partial = zipped.with_name(zipped.name + ".part")
        try:
            urllib.request.urlretrieve(archive.url, partial)
        except OSError as err:  # URLError and timeouts are OSErrors
            partial.unlink(missing_ok=True)
            raise DatasetUnavailableError(f"could not download {archive.url} ({type(err).__name__}: {err}). "
                                          f"{OFFLINE_HINT}") from err
        os.replace(partial, zipped)
    verify(zipped, archive)
    with zipfile.ZipFile(zipped) as z:
        z.extractall(folder)
    return target


def load_photo_pair(name: str, split: str = "train", size: int = 64, limit: int | None = None,
                    folder: Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Domains A and B of a photo pair as (N, 3, size, size) in [-1, 1] (downloads on first use)."""
    from PIL import Image
    from torchvision.transforms import v2

    if split not in ("train", "test"):
        raise ValueError(f"expected split 'train' or 'test', got {split!r}")
    root = download_photo_pair(name, folder)
    to_tensor = v2.Compose([v2.PILToTensor(), v2.Resize(size, antialias=True), v2.CenterCrop(size),
                            v2.ToDtype(torch.float32, scale=True)])
    domains = []
    for side in ("A", "B"):
        files = sorted((root / f"{split}{side}").glob("*.jpg"))[:limit]
        domains.append(torch.stack([to_tensor(Image.open(f).convert("RGB")) for f in files]) * 2 - 1)
    return domains[0], domains[1]
