"""Compare two benchmark runs metric by metric, measured times aside: did a change alter any number?

    python benchmarks/compare.py BEFORE AFTER [--seed 0]

BEFORE and AFTER are results folders (``benchmarks/results``, or ``DIR/results`` of a ``run.py --out DIR`` run).
Every lesson recorded in both is compared for the seed given; exits 1 if any metric differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    found, changed = 0, 0
    for file in sorted(args.after.glob("*.json")):
        old, new = records.load(args.before / file.name), records.load(file)
        rows = [next((r for r in rec["runs"] if r["seed"] == args.seed), None) if rec else None for rec in (old, new)]
        if None in rows:
            print(f"{file.stem}: seed {args.seed} is not in both runs")
            continue
        found += 1
        diff = records.differences(rows[0]["metrics"], rows[1]["metrics"])
        changed += bool(diff)
        print(f"{file.stem} (seed {args.seed}, {rows[0]['commit']} -> {rows[1]['commit']}): "
              + ("every metric equal" if not diff else f"{len(diff)} differ"))
        for line in diff:
            print(f"    {line}")
    if not found:
        print(f"no lesson with seed {args.seed} in both {args.before} and {args.after}")
        return 1
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
