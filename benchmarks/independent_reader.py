"""An independent reader of generated digits: a second classifier, of another architecture than the metrics' own
(LeNet-style: 5x5 convolutions, max pooling, a 64-wide feature layer; no BatchNorm), trained with another seed and
no augmentation, kept here beside the benchmark. It scores saved samples with an FID in *its* features and with
its class shares, so that a lesson's model cannot look good only to the classifier it was tuned against (issue 15).

    .venv/bin/python benchmarks/independent_reader.py train          # refits it and rewrites its card (about 20 s)
    .venv/bin/python benchmarks/independent_reader.py score benchmarks/samples/02_dcgan.npz [...]

Its weights are not committed (weights outside gan_course/assets never are): ``load`` fits it on first use, in
about 20 s, deterministically (seed, data and recipe fixed), and caches them in the course's cache folder; the card
beside this file records the held-out accuracy every fit must reproduce.

``score`` prints, per file: FID against the course's 3,000 reference digits (``metrics.fid_split``), the floor on the
same scale (as many of the other 2,000 real digits as there are samples), and the rarest digit's share of the samples.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from gan_course import config, data
from gan_course.metrics.fid import fid, fid_split, floor_images

BENCH = Path(__file__).resolve().parent
CARD = BENCH / "independent_reader.json"
SEED = 1234  # not the metrics' classifier's seed (0)


class IndependentReader(nn.Module):
    """images (B, 1, 28, 28) in [-1, 1] -> logits (B, 10); ``features`` gives the 64-wide layer before them."""

    def __init__(self, feature_dim: int = 64):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2),  # (B, 20, 12, 12)
            nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2),  # (B, 50, 4, 4)
            nn.Flatten(),  # (B, 800)
            nn.Linear(800, feature_dim), nn.ReLU(),  # (B, feature_dim): what its FID compares
        )
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(feature_dim, 10))
        self.num_features = feature_dim

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def train(steps: int = 1500, batch_size: int = 128) -> tuple[IndependentReader, float]:
    """Fit the reader on the 4,500 embedded training digits; return it (eval mode) and its held-out accuracy."""
    torch.manual_seed(SEED)
    images, labels = data.load_mnist("train")
    model = IndependentReader()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = data.Batches(images, labels, batch_size=batch_size, seed=SEED)
    model.train()
    for step in range(steps):
        x, y = batches[step]
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    test_images, test_labels = data.load_mnist("test")
    with torch.no_grad():
        accuracy = float((model(test_images).argmax(1) == test_labels).float().mean())
    return model, accuracy


def weights_path() -> Path:
    return config.cache_dir() / "independent_reader.pt"


def save(model: IndependentReader) -> Path:
    """Keep the weights in float16, as every score reads them (atomic: a half-written file is never loaded)."""
    path = weights_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.half() for k, v in model.state_dict().items()}, path.with_suffix(".pt.tmp"))
    path.with_suffix(".pt.tmp").replace(path)
    return path


def load() -> IndependentReader:
    """The reader, in eval mode: from the cache, or fitted (and cached) on first use."""
    if not weights_path().exists():
        save(train()[0])
    model = IndependentReader()
    model.load_state_dict({k: v.float() for k, v in torch.load(weights_path(), weights_only=True).items()})
    return model.eval()


@torch.no_grad()
def score(samples: torch.Tensor, reader: IndependentReader) -> dict[str, float]:
    """FID of ``samples`` (N, 1, 28, 28) in [-1, 1] in the reader's features, against the course's 3,000 reference
    digits, with the floor (as many of the other 2,000 real digits, ``metrics.fid_split``), and the class shares the
    reader gives the samples."""
    reference, floor = fid_split()[0], floor_images(len(samples))
    shares = torch.bincount(reader(samples).argmax(1), minlength=10).float() / len(samples)
    value, floor_fid = fid(samples, reference, reader), fid(floor, reference, reader)
    return {"fid": value, "fid_floor": floor_fid, "fid_vs_floor": value / floor_fid, "min_class_share": float(shares.min()),
            "rarest_digit": int(shares.argmin())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("train", help="fit the reader and keep its weights and card here")
    scoring = sub.add_parser("score", help="score saved samples (.npz files with an 'images' array)")
    scoring.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "train":
        model, accuracy = train()
        path = save(model)
        CARD.write_text(json.dumps({"architecture": "LeNet-style, 64 features, no BatchNorm", "seed": SEED,
                                    "trained_on": "embedded MNIST training split (4,500 digits), no augmentation",
                                    "held_out_accuracy": round(accuracy, 4), "held_out_images": 500,
                                    "stored_as": "float16", "torch": torch.__version__}, indent=2) + "\n")
        print(f"held-out accuracy {accuracy:.1%}; weights in {path}")
        return 0
    reader = load()
    for file in args.files:
        if not file.exists():
            parser.error(f"expected a samples file, got {file} (no such file)")
        arrays = np.load(file)
        if "images" not in arrays.files:
            parser.error(f"expected an 'images' array in {file}, got {arrays.files}")
        result = score(torch.as_tensor(arrays["images"]).float(), reader)
        print(f"{file.name}: independent FID {result['fid']:.1f} ({result['fid_vs_floor']:.1f} × its floor "
              f"{result['fid_floor']:.1f}); rarest digit {result['rarest_digit']}, {result['min_class_share']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
