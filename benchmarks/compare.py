"""Compare two benchmark runs: did a change alter any number? Every metric (measured times aside) and every
saved sample array of one notebook seed, lesson by lesson.

    python benchmarks/compare.py BEFORE AFTER [--seed 0]

BEFORE and AFTER are benchmark folders holding results/ and samples/: ``benchmarks`` itself, or the folder of a
``make benchmark BENCH_OUT=DIR`` run. Class-mode CPU records are compared (the top of results/ and samples/).
Exits 1 if anything differs or a lesson is missing from either run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import records


def compare_samples(before: Path, after: Path) -> list[str]:
    """Each saved array that differs, bit for bit, between two samples/NN_topic*.npz files."""
    a, b = np.load(before), np.load(after)
    out = [f"{name}: only in {'the second' if name not in a else 'the first'}" for name in sorted(set(a) ^ set(b))]
    return out + [f"{name}: arrays differ" for name in sorted(set(a) & set(b)) if not np.array_equal(a[name], b[name])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--seed", type=int, default=0, help="the notebook seed whose rows are compared (default 0)")
    args = parser.parse_args(argv)
    problems = 0
    lessons = sorted({f.stem for run in (args.before, args.after) for f in (run / "results").glob("*.json")})
    for lesson in lessons:
        recs = [records.load(run / "results" / f"{lesson}.json") for run in (args.before, args.after)]
        rows = [next((r for r in rec["runs"] if r["seed"] == args.seed), None) if rec else None for rec in recs]
        if None in rows:
            print(f"{lesson}: seed {args.seed} is missing from the {'first' if rows[0] is None else 'second'} run")
            problems += 1
            continue
        diff = records.differences(rows[0]["metrics"], rows[1]["metrics"])
        for name in sorted({f.name for run in (args.before, args.after) for f in (run / "samples").glob(f"{lesson}*.npz")}):
            files = [run / "samples" / name for run in (args.before, args.after)]
            diff += [f"{name}: only in one run"] if not all(f.exists() for f in files) else \
                [f"{name} {line}" for line in compare_samples(*files)]
        problems += bool(diff)
        print(f"{lesson} (seed {args.seed}, {rows[0]['commit']} -> {rows[1]['commit']}): "
              + ("every metric and sample equal" if not diff else f"{len(diff)} differ"))
        for line in diff:
            print(f"    {line}")
    if not lessons:
        print(f"no records in {args.before / 'results'} or {args.after / 'results'}")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
