"""Record the mutation harness's catch rates (tests/mutants) in benchmarks/mutation.json and RESULTS.md.

    python benchmarks/mutation.py        (or: make mutants)

For every lesson: the exercises, the mutants run (automatic one-place edits and hand-written mistakes), how many
the checks caught, how many are listed as equivalent (shown so by tests/test_mutants.py), and whether every correct
alternative passed. `make test` runs the same harness and prints the rates; this script only records them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests"))  # the harness and the lessons' mutants live beside the tests

import records  # noqa: E402
from mutants import harness  # noqa: E402
from run import code_changed, git, machine  # noqa: E402


def measure(lesson: str) -> dict:
    """One lesson's row: counts of mutants, caught, equivalent, and of correct alternatives rejected."""
    catalog = harness.catalog(lesson)
    row = {"lesson": lesson, "exercises": 0, "automatic": 0, "hand_written": 0, "caught": 0, "equivalent": 0,
           "survived": [], "alternatives": 0, "alternatives_rejected": []}
    for ex in harness.exercises(lesson):
        row["exercises"] += 1
        if ex.number in getattr(catalog, "CHOICES", {}):  # multiple choice: the other options and non-answers
            automatic, hand = harness.choice_mutants(ex, catalog.CHOICES[ex.number]), []
        else:
            automatic, hand = harness.automatic(ex), catalog.MUTANTS.get(ex.number, [])
        row["automatic"], row["hand_written"] = row["automatic"] + len(automatic), row["hand_written"] + len(hand)
        for mutant in automatic + hand:
            outcome = harness.run(ex, mutant)
            if outcome.caught:
                row["caught"] += 1
            elif (ex.number, mutant.name) in catalog.EQUIVALENT:
                row["equivalent"] += 1
            else:
                row["survived"].append(f"{lesson}.{ex.number}: {mutant.name}")
        for alternative in catalog.ALTERNATIVES.get(ex.number, []):
            row["alternatives"] += 1
            if harness.run(ex, alternative).caught:
                row["alternatives_rejected"].append(f"{lesson}.{ex.number}: {alternative.name}")
    real = row["automatic"] + row["hand_written"] - row["equivalent"]
    row["catch_rate"] = round(row["caught"] / real, 4) if real else None
    return row


def main() -> int:
    os.environ.setdefault("GAN_COURSE_MODE", "quick")
    start = time.perf_counter()
    rows = [measure(lesson) for lesson in harness.lessons()]
    for r in rows:
        print(f"lesson {r['lesson']}: {r['caught']}/{r['automatic'] + r['hand_written'] - r['equivalent']} "
              f"non-equivalent mutants caught ({r['catch_rate'] or 0:.0%}) in {r['exercises']} exercises; "
              f"{r['equivalent']} equivalent; {r['alternatives'] - len(r['alternatives_rejected'])}/{r['alternatives']} "
              "correct alternatives pass")
    record = {"commit": git("rev-parse", "--short", "HEAD") or "unknown", "dirty": code_changed(),
              "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
              "seconds": round(time.perf_counter() - start, 1), "lessons": rows}
    (BENCH / "mutation.json").write_text(json.dumps(record, indent=1) + "\n")
    (BENCH / "RESULTS.md").write_text(records.render_results_md(BENCH / "results"))
    failed = any(r["survived"] or r["alternatives_rejected"] for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
