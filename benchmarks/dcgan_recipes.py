"""Trials for lesson 02's headline model (issue 15): the full recipe (spectral-norm D, hinge loss, Adam (0, 0.9),
TTUR, EMA of G) at several batch sizes and budgets, each scored by the metrics' classifier (FID, rarest digit) and
by the independent reader (benchmarks/independent_reader.py), on 2,000 samples of the EMA generator.

    .venv/bin/python benchmarks/dcgan_recipes.py today:32:3800 b64:64:5000 b128_lr2:128:3000:lr_G=8e-4:lr_D=1.6e-3

Each argument is name:batch:steps[:key=value...] with keys lr_G, lr_D, decay (EMA) and channels. Results are
appended to benchmarks/dcgan_recipes.json with the commit and the machine. Seed 0 only: a trial, not the lesson.

``reference(seed)`` retrains lesson 02's headline recipe as it was before issue 15 (batch 32, 3,800 steps, Adam
4e-4/8e-4): ``benchmarks/run.py`` scores it beside the lesson in every class-mode seed, as the reference row the
lesson's model is held to.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import torch

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from independent_reader import load, score  # noqa: E402
from run import code_changed, git, machine  # noqa: E402

from gan_course import data, losses, metrics, training  # noqa: E402
from gan_course.models.dcgan import DCGANGenerator, SNDiscriminator, dcgan_init  # noqa: E402
from gan_course.sampling import sample  # noqa: E402

OUT = BENCH / "dcgan_recipes.json"
KEYS = {"lr_G": float, "lr_D": float, "decay": float, "channels": int}
# Lesson 02's headline recipe before issue 15 (commit 59edfec): 3,800 steps of 32 images, G 4e-4, D 8e-4.
REFERENCE = {"name": "before issue 15 (batch 32 x 3,800)", "batch": 32, "steps": 3800, "lr_G": 4e-4, "lr_D": 8e-4}


def full_recipe(channels: int = 32, lr_G: float = 4e-4, lr_D: float = 8e-4, decay: float = 0.998, seed: int = 0):
    """Lesson 02's full recipe, seeded: a step function of one real batch, and the EMA of G it updates."""
    torch.manual_seed(seed)
    G, D = DCGANGenerator(channels=channels), SNDiscriminator(channels=channels)
    G.apply(dcgan_init)
    opt_G = torch.optim.Adam(G.parameters(), lr=lr_G, betas=(0.0, 0.9))
    opt_D = torch.optim.Adam(D.parameters(), lr=lr_D, betas=(0.0, 0.9))
    ema = torch.optim.swa_utils.AveragedModel(G, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(decay),
                                              use_buffers=True)

    def step(real: torch.Tensor) -> dict:
        return training.gan_step(G, D, opt_G, opt_D, real, G.z_dim, losses.discriminator_hinge_loss,
                                 losses.generator_hinge_loss, ema)
    return step, ema


def trial(images: torch.Tensor, reader, name: str, batch: int, steps: int, lr_G: float = 4e-4, lr_D: float = 8e-4,
          decay: float = 0.998, channels: int = 32, seed: int = 0) -> dict:
    """Train the full recipe once and score its EMA generator both ways, on 2,000 samples from the noise seed the
    lesson evaluates on (seed + 2)."""
    step, ema = full_recipe(channels, lr_G, lr_D, decay, seed)
    batches = data.Batches(images, batch_size=batch, seed=seed)
    start = time.perf_counter()
    training.train(step, batches, steps, progress=False)
    seconds = time.perf_counter() - start
    samples = sample(ema.module, torch.randn(2000, ema.module.z_dim, generator=torch.Generator().manual_seed(seed + 2)))
    ours, independent = metrics.fid_report(samples), score(samples, reader)
    return {"name": name, "seed": seed, "batch": batch, "steps": steps, "images": batch * steps, "lr_G": lr_G, "lr_D": lr_D,
            "decay": decay, "channels": channels, "train_seconds": round(seconds, 1), "fid": round(ours["fid"], 2),
            "min_class_share": round(metrics.class_coverage(samples)["min_share"], 4),
            "independent_fid": round(independent["fid"], 1),
            "independent_min_class_share": round(independent["min_class_share"], 4)}


def reference(seed: int) -> dict:
    """Lesson 02's headline recipe before issue 15, retrained with ``seed`` and scored as ``trial`` scores.

    Approximately that lesson's run: the same recipe, budget and data, but built from the package's models in this
    script's random order, so its numbers are close to, not equal to, what the lesson printed then."""
    return trial(data.load_mnist("train")[0], load(), seed=seed, **REFERENCE)


def parse(spec: str) -> dict:
    """name:batch:steps[:key=value...] -> keyword arguments of ``trial``."""
    name, batch, steps, *rest = spec.split(":")
    extra = dict(item.split("=", 1) for item in rest)
    unknown = set(extra) - set(KEYS)
    if unknown:
        raise SystemExit(f"expected keys among {sorted(KEYS)}, got {sorted(unknown)} in {spec!r}")
    return {"name": name, "batch": int(batch), "steps": int(steps), **{k: KEYS[k](v) for k, v in extra.items()}}


def main(argv: list[str] | None = None) -> int:
    specs = [parse(s) for s in (sys.argv[1:] if argv is None else argv)]
    if not specs:
        raise SystemExit(__doc__)
    images, reader = data.load_mnist("train")[0], load()
    record = json.loads(OUT.read_text()) if OUT.exists() else {"trials": []}
    for spec in specs:
        row = trial(images, reader, **spec)
        row |= {"commit": git("rev-parse", "--short", "HEAD") or "unknown", "dirty": code_changed(),
                "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": machine()}
        record["trials"].append(row)
        OUT.write_text(json.dumps(record, indent=1) + "\n")
        print(f"{row['name']}: batch {row['batch']} x {row['steps']} steps in {row['train_seconds']:.0f} s: FID "
              f"{row['fid']:.1f}, independent {row['independent_fid']:.1f}, rarest digit {row['min_class_share']:.1%}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
