"""How fast lesson 02's DCGAN trains on this machine, by batch size and width: steps and images per second of the
full recipe's step (spectral-norm D, hinge loss, EMA of G), the input to choosing the lesson's budget (issue 15).

    .venv/bin/python benchmarks/throughput.py [--batches 32,64,128,256] [--widths 32,64] [--steps 40]

Each setting runs a few warm-up steps, then ``--steps`` timed steps on the embedded digits, one thread per core.
Writes ``benchmarks/throughput.json`` (with the machine and the commit) and prints a table. Run it alone: other
work on the machine slows it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import torch

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import code_changed, git, machine  # noqa: E402

from dcgan_recipes import full_recipe  # noqa: E402

from gan_course import data  # noqa: E402

WARMUP = 5  # steps before timing: the first steps allocate memory and pick kernels


def measure(images: torch.Tensor, batch_size: int, channels: int, steps: int) -> dict:
    """Steps and images per second of the full recipe's step at one batch size and width."""
    step, _ = full_recipe(channels)
    batches = data.Batches(images, batch_size=batch_size, seed=0)
    for i in range(WARMUP):
        step(batches[i])
    start = time.perf_counter()
    for i in range(WARMUP, WARMUP + steps):
        step(batches[i])
    seconds = time.perf_counter() - start
    return {"batch_size": batch_size, "channels": channels, "steps": steps, "seconds": round(seconds, 3),
            "steps_per_second": round(steps / seconds, 2), "images_per_second": round(steps * batch_size / seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", default="32,64,128,256", help="batch sizes, e.g. 32,64,128")
    parser.add_argument("--widths", default="32,64", help="channel widths (c in the lesson's tables), e.g. 32,64")
    parser.add_argument("--steps", type=int, default=40, help="timed steps per setting")
    args = parser.parse_args(argv)
    batch_sizes = [int(b) for b in args.batches.split(",") if b.strip()]
    widths = [int(w) for w in args.widths.split(",") if w.strip()]
    if not batch_sizes or not widths or min(batch_sizes + widths) < 1 or args.steps < 1:
        parser.error(f"expected positive batch sizes, widths and steps, got {args.batches!r}, {args.widths!r}, "
                     f"{args.steps}")
    images, _ = data.load_mnist("train")
    rows = []
    for channels in widths:
        for batch_size in batch_sizes:
            rows.append(measure(images, batch_size, channels, args.steps))
            r = rows[-1]
            print(f"width {channels:>3}, batch {batch_size:>4}: {r['steps_per_second']:6.2f} steps/s, "
                  f"{r['images_per_second']:8.1f} images/s", flush=True)
    record = {"commit": git("rev-parse", "--short", "HEAD") or "unknown", "dirty": code_changed(),
              "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
              "threads": torch.get_num_threads(), "recipe": "SN D, hinge, Adam (0, 0.9) 4e-4/8e-4, EMA 0.998",
              "rows": rows}
    (BENCH / "throughput.json").write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
