"""Benchmark records: one JSON file per lesson and mode, ``results/[gpu/][mode/]NN_topic.json``, holding one row per
notebook seed. Each row keeps the commit, date and machine that produced it, so a run over some seeds replaces
only those seeds' rows and the others stay as they were measured. RESULTS.md and the README's table are rendered
from every row of every record.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import nbformat

TIME_START, TIME_END = "<!-- compute-time -->", "<!-- /compute-time -->"  # where a lesson's Time line is generated
GUIDE_START, GUIDE_END = "<!-- lesson-times:start -->", "<!-- lesson-times:end -->"  # docs/instructors.md's table
ROW_STAMP = ("commit", "dirty", "date", "machine")  # what a row says about where and when it was measured
TIMING = ("wall_s", "seconds", "steps_per_second")  # parts of a key that name a measured time: they vary run to run


def load(path: Path) -> dict | None:
    """The record in ``path`` (None if there is none), each row carrying its own stamp.

    Records written before rows were stamped kept the stamp once, at the top: every row inherits it.
    """
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    for row in record["runs"]:
        for key in ROW_STAMP:
            row.setdefault(key, record.get(key))
    return record


def merge(old: dict | None, lesson: str, mode: str, rows: list[dict]) -> dict:
    """``old``'s rows with this run's ``rows`` in place of those of the same seeds, sorted by seed, and their spread."""
    by_seed = {row["seed"]: row for row in (old or {}).get("runs", [])}
    by_seed.update({row["seed"]: row for row in rows})
    runs = [by_seed[seed] for seed in sorted(by_seed)]
    extra = {k: v for k, v in (old or {}).items() if k not in ("lesson", "mode", "seeds", "runs", "spread", *ROW_STAMP)}
    return {"lesson": lesson, "mode": mode, **extra, "seeds": [row["seed"] for row in runs], "runs": runs,
            "spread": spread(runs)}


def save(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def spread(runs: list[dict]) -> dict:
    """Mean and standard deviation over the rows of the wall time and of every numeric metric all rows report."""
    keys = [k for k, v in runs[0]["metrics"].items() if is_number(v) and all(is_number(r["metrics"].get(k)) for r in runs)]
    out = {}
    for key in ["wall_s", *keys]:
        values = [r["wall_s"] if key == "wall_s" else r["metrics"][key] for r in runs]
        out[key] = {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0}
    return out


def all_records(results: Path) -> list[tuple[Path, dict]]:
    """Every record below ``results`` except quick-mode ones (smoke tests of the harness), in path order."""
    return [(f, load(f)) for f in sorted(results.rglob("*.json")) if "quick" not in f.relative_to(results).parts]


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def _details(title: str, value) -> list[str]:
    """A collapsed block of JSON: a list of plain numbers on one line, anything nested indented."""
    flat = isinstance(value, list) and all(is_number(v) or isinstance(v, str) for v in value)
    text = json.dumps(value) if flat else json.dumps(value, indent=1)
    return ["", f"<details><summary>{title}</summary>", "", "```", text, "```", "", "</details>"]


def _machine(m: dict | None) -> str:
    return "unknown machine" if not m else f"{m['cores']} cores, {m['cpu']}, device {m['device']}, torch {m['torch']}"


def _commit(stamped: dict) -> str:
    """The commit a row or record ran at, as RESULTS.md shows it: `abc1234`, flagged if the tree was dirty."""
    return f"`{stamped['commit']}`" + (" (uncommitted changes)" if stamped["dirty"] else "")


def render_results_md(results: Path) -> str:
    """RESULTS.md: for every record, a row per seed (with its commit) of every number it reports, their mean ± std,
    the machines, and each seed's tables and lists (what a lesson records beyond single numbers)."""
    lines = ["# Measured results", "",
             "Written by `make benchmark` (`benchmarks/run.py`) from `benchmarks/results/`; every number comes from the",
             "notebook run it names. Wall time is the whole notebook, executed headless from an empty cache (all training",
             "included). A run over some seeds replaces only those seeds' rows; each row names the commit it ran.", ""]
    for file, rec in all_records(results):
        where = file.parent.relative_to(results).as_posix()
        lines += [f"## {rec['lesson']} — {rec['mode']} mode" + (f" ({where})" if where != "." else ""), ""]
        machines = sorted({_machine(r["machine"]) for r in rec["runs"]})
        lines += [f"Measured on {'; '.join(machines)}.", ""]
        numeric = {k: None for r in rec["runs"] for k, v in r["metrics"].items() if is_number(v)}  # every row's, in order
        keys = ["wall_s", *numeric]
        lines.append("| seed | commit | " + " | ".join(keys) + " |")
        lines.append("|---" * (len(keys) + 2) + "|")
        for run in rec["runs"]:
            commit = _commit(run)
            row = [run["wall_s"]] + [run["metrics"].get(k, "–") for k in keys[1:]]
            lines.append(f"| {run['seed']} | {commit} | " + " | ".join(_fmt(v) for v in row) + " |")
        if len(rec["runs"]) > 1:
            sp = rec["spread"]
            cells = [f"{_fmt(sp[k]['mean'])} ± {_fmt(sp[k]['std'])}" if k in sp else "–" for k in keys]
            lines.append("| mean ± std | | " + " | ".join(cells) + " |")
        lines += claims_table(rec["runs"])
        for run in rec["runs"]:
            for name, value in run["metrics"].items():
                if not is_number(value) and not isinstance(value, str) and name != "claims":
                    lines += _details(f"<code>{name}</code> (seed {run['seed']})", value)
        extra = {k: v for k, v in rec.items() if k not in ("lesson", "mode", "seeds", "runs", "spread", *ROW_STAMP)}
        for name, value in extra.items():
            lines += _details(f"<code>{name}</code>", value)
        lines.append("")
    return "\n".join(lines + mutation_section(results.parent / "mutation.json")
                     + throughput_section(results.parent / "throughput.json"))


def claims_table(runs: list[dict]) -> list[str]:
    """The lesson's claims (``gan_course.claims``) by seed: whether each held, and the numbers that decided it."""
    ids = claim_ids(runs)
    if not ids:
        return []
    lines = ["", "Claims checked in the run (✓ held, ✗ did not; markdown states as fact only those that held in every "
                 "seed):", "", "| claim | statement | " + " | ".join(f"seed {r['seed']}" for r in runs) + " |",
             "|---" * (len(runs) + 2) + "|"]
    for cid in ids:
        made = [run["metrics"].get("claims", {}).get(cid) for run in runs]
        statement = next(m["statement"] for m in made if m)
        cells = ["–" if m is None else ("✓ " if m["holds"] else "✗ ") + m["evidence"] for m in made]
        lines.append(" | ".join(["", f"`{cid}`", *(c.replace("|", "/") for c in [statement, *cells])]).strip() + " |")
    return lines


def held_everywhere(record: dict) -> dict[str, bool]:
    """{claim id: whether it held in every seed of the record} (a claim missing from a seed did not hold there)."""
    return {cid: all(run["metrics"].get("claims", {}).get(cid, {}).get("holds", False) for run in record["runs"])
            for cid in claim_ids(record["runs"])}


def claim_ids(runs: list[dict]) -> list[str]:
    """Every claim id any row recorded, in the order first recorded."""
    return list(dict.fromkeys(cid for run in runs for cid in run["metrics"].get("claims", {})))


def mutation_section(path: Path) -> list[str]:
    """The exercise checks' catch rates, as `benchmarks/mutation.py` recorded them (nothing if it never ran)."""
    if not path.exists():
        return []
    rec = json.loads(path.read_text())
    commit = _commit(rec)
    lines = ["## Exercise checks — the mutation harness", "",
             f"Written by `make mutants` (`benchmarks/mutation.py`) at {commit}, {rec['date']}, in {rec['seconds']} s on "
             f"{_machine(rec['machine'])}. Each mutant is a realistic mistake in one exercise (automatic one-place edits "
             "and hand-written ones, `tests/mutants/`); caught means the lesson's check rejected it with a message. "
             "Equivalent mutants compute the same outputs and gradients (shown in `tests/test_mutants.py`).", "",
             "| lesson | exercises | mutants (automatic + hand-written) | equivalent | caught | catch rate | "
             "correct alternatives passing |", "|---|---|---|---|---|---|---|"]
    for r in rec["lessons"]:
        total = r["automatic"] + r["hand_written"]
        rate = "–" if r["catch_rate"] is None else f"{r['catch_rate']:.1%}"
        lines.append(f"| {r['lesson']} | {r['exercises']} | {total} ({r['automatic']} + {r['hand_written']}) | "
                     f"{r['equivalent']} | {r['caught']} | {rate} | "
                     f"{r['alternatives'] - len(r['alternatives_rejected'])}/{r['alternatives']} |")
    return lines + [""]


def throughput_section(path: Path) -> list[str]:
    """Lesson 02's DCGAN step speed by batch size and width, as `benchmarks/throughput.py` measured it."""
    if not path.exists():
        return []
    rec = json.loads(path.read_text())
    commit = _commit(rec)
    lines = ["## Lesson 02's DCGAN: steps and images per second", "",
             f"Written by `benchmarks/throughput.py` at {commit}, {rec['date']}, on {_machine(rec['machine'])}, "
             f"{rec['threads']} threads; the full recipe's step ({rec['recipe']}), timed alone.", "",
             "| width c | batch | steps/s | images/s |", "|---|---|---|---|"]
    lines += [f"| {r['channels']} | {r['batch_size']} | {r['steps_per_second']:.2f} | {r['images_per_second']:.0f} |"
              for r in rec["rows"]]
    return lines + [""]


def differences(a, b, path: str = "") -> list[str]:
    """Where two metric values differ, ignoring measured times; one line per difference, e.g. ``fid: 3.1 != 3.2``."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if any(t in key for t in TIMING):
                continue
            if key not in a or key not in b:
                out.append(f"{path}{key}: only in {'the second' if key not in a else 'the first'}")
            else:
                out += differences(a[key], b[key], f"{path}{key}.")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}{i}.")]
    return [] if a == b else [f"{path.rstrip('.')}: {json.dumps(a)[:80]} != {json.dumps(b)[:80]}"]


def compute_time(record: dict) -> str:
    """What a lesson's Time line says between its markers: the mean wall time of its class-mode benchmark rows, on
    the machine that ran them, so the line cannot go stale (``make benchmark`` rewrites it)."""
    runs = record["runs"]
    minutes = round(record["spread"]["wall_s"]["mean"] / 60)
    amount = "under a minute" if minutes < 1 else f"about {minutes} minute{'s' if minutes > 1 else ''}"
    cores = {(row.get("machine") or {}).get("cores") for row in runs}
    where = f"{cores.pop()} CPU cores" if len(cores) == 1 and None not in cores else "the benchmark's CPUs"
    seeds = ", ".join(str(row["seed"]) for row in runs)
    return f"{amount} of compute on {where} in class mode (the benchmark's mean over seed{'s' * (len(runs) > 1)} {seeds})"


def split_at_markers(text: str, start: str, end: str) -> tuple[str, str]:
    """(what comes before ``start``, what comes after ``end``): the text around its one pair of markers."""
    starts, ends = text.count(start), text.count(end)
    if starts != 1 or ends != 1 or text.index(start) > text.index(end):
        raise ValueError(f"expected one {start} followed by one {end}, got {starts} start and {ends} end marker(s)"
                         + (", in the wrong order" if starts == ends == 1 else ""))
    head, rest = text.split(start)
    return head, rest.split(end, 1)[1]


def check_time_markers(markdown: str) -> None:
    """Raise unless ``markdown`` (a lesson's first cell) holds one compute-time start marker, then one end marker."""
    split_at_markers(markdown, TIME_START, TIME_END)


def stamp_compute_time(markdown: str, text: str) -> str:
    """``markdown`` with ``text`` between its one pair of compute-time markers."""
    head, tail = split_at_markers(markdown, TIME_START, TIME_END)
    return head + TIME_START + text + TIME_END + tail


def lesson_times(results: Path, solutions: Path) -> list[str]:
    """The instructors' guide's table: each lesson's title, its measured compute time (the class-mode records in
    ``results``) and the reading and exercise estimate its Time line gives."""
    rows = ["| lesson | compute in class mode, measured (minutes, mean ± std over seeds) | reading and exercises, estimated |",
            "|---|---|---|"]
    total = 0.0
    for path in sorted(solutions.glob("[0-9][0-9]_*.ipynb")):
        first = nbformat.read(path, as_version=4).cells[0].source
        title = first.splitlines()[0].lstrip("# ").strip()
        after_time = split_at_markers(first, TIME_START, TIME_END)[1]
        estimate = re.match(r",?\s*(?:and\s+)?(.*?)\.\s*(?:\n|$)", after_time, re.S)
        record = load(results / f"{path.stem}.json")
        if record is None:
            compute = "not measured"
        else:
            wall = record["spread"]["wall_s"]
            total += wall["mean"]
            compute = f"{wall['mean'] / 60:.1f} ± {wall['std'] / 60:.1f} (seeds {', '.join(map(str, record['seeds']))})"
        rows.append(f"| {title} | {compute} | {' '.join(estimate.group(1).split()) if estimate else 'not given'} |")
    return rows + ["", f"All lessons together: about {round(total / 60)} minutes of compute on the benchmark's machine."]


def stamp_block(text: str, start: str, end: str, lines: list[str]) -> str:
    """``text`` with ``lines`` between its one ``start`` and ``end`` marker, each on its own line."""
    head, tail = split_at_markers(text, start, end)
    return head + start + "\n" + "\n".join(lines) + "\n" + end + tail
