"""Benchmark harness: run each solution notebook headless from an empty cache, time it, collect its metrics
and samples, and record them (``records``): one row per seed, replacing only the rows of the seeds that ran.

    python benchmarks/run.py [--mode class|quick|full] [--seeds 0,1,2] [--lessons 01,02] [--out DIR]

A class-mode run on the CPU that includes seed 0 writes seed 0's executed notebook back to solutions/ and its
samples to samples/; RESULTS.md and the README's results block are rendered from every record. With ``--out DIR``
(a comparison run) everything goes under DIR (results/, samples/, solutions/, RESULTS.md) and the repository is
left alone; ``benchmarks/compare.py`` then lists the metrics that differ.

Everything is trained in the run: GAN_COURSE_CACHE points at a fresh temporary folder, so no checkpoint
or weight from an earlier run can leak in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

import records
import widget_views
from gan_course import config

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> dict:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    device = "cpu"
    if torch.cuda.is_available():
        device = f"cuda ({torch.cuda.get_device_name(0)})"
    elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        device = "mps"
    return {"cores": os.cpu_count(), "cpu": cpu, "device": device, "torch": torch.__version__,
            "python": platform.python_version(), "platform": platform.platform()}


def run_notebook(path: Path, mode: str, seed: int, timeout: int) -> tuple[nbformat.NotebookNode, float, dict, dict[str, dict]]:
    """Execute one notebook from an empty cache; return (executed notebook, seconds, metrics, samples)."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="gan-course-bench-") as tmp:
        cache, results = Path(tmp) / "cache", Path(tmp) / "results"
        env = config.child_environment(mode=mode, seed=seed, cache=cache, results=results)
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        client.execute(env=env)
        seconds = time.perf_counter() - start
        stem = path.stem
        metrics_file = results / f"{stem}.metrics.json"
        metrics = json.loads(metrics_file.read_text()) if metrics_file.exists() else {}
        # NN_topic.npz (the headline samples) and any NN_topic_*.npz (e.g. lesson 03's 2-D samples)
        samples = {f.stem: dict(np.load(f)) for f in sorted(results.glob(f"{stem}*.npz"))}
    return nb, seconds, metrics, samples


def second_opinions(stem: str, mode: str, seed: int, metrics: dict, samples: dict[str, dict]) -> dict:
    """Scores from outside the notebook: the independent reader's FID and rarest digit on the lesson's saved digit
    samples, and for lesson 02 in class mode its pre-issue-15 recipe retrained with the same seed (the reference
    the headline model is held to: FID at most 0.7 of the reference's)."""
    import torch

    from dcgan_recipes import reference
    from independent_reader import load, score

    out = {}
    if "images" in samples.get(stem, {}):
        independent = score(torch.from_numpy(samples[stem]["images"]), load())
        out |= {"independent_fid": round(independent["fid"], 2),
                "independent_fid_vs_floor": round(independent["fid_vs_floor"], 2),
                "independent_min_class_share": round(independent["min_class_share"], 4)}
    if stem == "02_dcgan" and mode == "class":
        ref = reference(seed)
        out |= {"reference_fid": ref["fid"], "reference_independent_fid": ref["independent_fid"],
                "reference_min_class_share": ref["min_class_share"], "reference_train_seconds": ref["train_seconds"]}
        if "fid" in metrics:
            out["fid_vs_reference"] = round(metrics["fid"] / ref["fid"], 3)
        if "independent_fid" in out:
            out["independent_fid_vs_reference"] = round(out["independent_fid"] / ref["independent_fid"], 3)
    print(f"[{stem}]   second opinions: {json.dumps(out)}", flush=True)
    return out


def code_changed() -> bool:
    """True if what a run executes differs from the commit: the package, the harness, or a solution's code cells.

    The outputs the harness itself writes (executed notebooks, results, samples) do not count."""
    if git("status", "--porcelain", "--untracked-files=no", "--", "gan_course", "benchmarks/*.py"):
        return True
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        committed = git("show", f"HEAD:solutions/{path.name}")
        if not committed:
            return True
        code = [[c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "code"]
                for text in (committed, path.read_text())]
        if code[0] != code[1]:
            return True
    return False


def stabilise(nb: nbformat.NotebookNode, stamp: dict) -> nbformat.NotebookNode:
    """Stable metadata, so that re-running only changes what the run itself changed; progress bars as they ended
    and explorers' widget state (``widget_views``), so the stored notebook shows them without its kernel."""
    widgets = widget_views.freeze_widget_views(nb).metadata.get("widgets")
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "gan_course": {"benchmark_run": stamp},
    } | ({"widgets": widgets} if widgets else {})
    nb.metadata = nbformat.from_dict(nb.metadata)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:03d}"
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
    return nb


def stamp_time(path: Path, record: dict) -> None:
    """Rewrite the lesson's generated compute time (its first cell) from the class-mode record just saved."""
    nb = nbformat.read(path, as_version=4)
    try:
        nb.cells[0].source = records.stamp_compute_time(nb.cells[0].source, records.compute_time(record))
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default=os.environ.get("MODE") or "class", choices=("quick", "class", "full"))
    parser.add_argument("--seeds", default=os.environ.get("SEEDS") or "0", help="comma-separated, e.g. 0,1,2")
    parser.add_argument("--lessons", default=os.environ.get("LESSONS") or "", help="e.g. 01,02 (default: all)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per cell")
    parser.add_argument("--out", default="", help="a scratch folder for a comparison run: nothing in the repository "
                        "is written (make benchmark BENCH_OUT=...)")
    args = parser.parse_args(argv)
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        parser.error(f"expected --seeds as comma-separated integers such as 0,1,2, got {args.seeds!r}")
    if not seeds or min(seeds) < 0 or len(set(seeds)) != len(seeds):
        parser.error(f"expected at least one non-negative seed, each once, got {args.seeds!r}")
    wanted = {w.strip().zfill(2) for w in args.lessons.split(",") if w.strip()}
    paths = [p for p in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")) if not wanted or p.name[:2] in wanted]
    if not paths:
        parser.error(f"expected lessons among {[p.name[:2] for p in sorted((ROOT / 'solutions').glob('*.ipynb'))]}, got {args.lessons!r}")

    info = machine()
    on_gpu = not info["device"].startswith("cpu")
    scratch = Path(args.out).resolve() if args.out else None
    bench = scratch or BENCH
    # class-mode CPU results sit at the top; other modes and GPU runs get their own folders and never overwrite them
    sub = Path("gpu" if on_gpu else ".") / (args.mode if args.mode != "class" else ".")
    results_dir, samples_dir = (bench / "results" / sub).resolve(), (bench / "samples" / sub).resolve()
    samples_dir.mkdir(parents=True, exist_ok=True)
    # The stored notebooks and samples are seed 0's; a scratch run keeps its first seed's for comparison.
    solutions_dir = scratch / "solutions" if scratch else (ROOT / "solutions" if args.mode == "class" and not on_gpu else None)
    kept_seed = seeds[0] if scratch else (0 if 0 in seeds else None)
    if solutions_dir is not None:
        solutions_dir.mkdir(parents=True, exist_ok=True)
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = code_changed()
    for path in paths:  # before any run: a lesson whose Time line cannot be stamped would stop the benchmark midway
        try:
            records.check_time_markers(nbformat.read(path, as_version=4).cells[0].source)
        except ValueError as error:
            parser.error(f"{path.name}: {error}")

    for path in paths:
        rows = []
        for seed in seeds:
            print(f"[{path.stem}] mode={args.mode} seed={seed} on {info['device']} ...", flush=True)
            nb, seconds, metrics, samples = run_notebook(path, args.mode, seed, args.timeout)
            metrics |= second_opinions(path.stem, args.mode, seed, metrics, samples)
            print(f"[{path.stem}]   {seconds:.1f} s  {json.dumps(metrics)[:300]}", flush=True)
            rows.append({"seed": seed, "wall_s": round(seconds, 2), "metrics": metrics, "commit": commit, "dirty": dirty,
                         "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": info})
            if seed == kept_seed:
                stamp = {"commit": commit, "dirty": dirty, "mode": args.mode, "seed": seed,
                         "wall_s": round(seconds, 1), "device": info["device"]}
                if solutions_dir is not None:
                    nbformat.write(stabilise(nb, stamp), solutions_dir / path.name)
                for name, arrays in samples.items():
                    np.savez_compressed(samples_dir / f"{name}.npz", **arrays)
        file = results_dir / f"{path.stem}.json"
        record = records.merge(records.load(file), path.stem, args.mode, rows)
        records.save(file, record)
        if solutions_dir is not None and args.mode == "class" and not on_gpu and (solutions_dir / path.name).exists():
            stamp_time(solutions_dir / path.name, record)
    if kept_seed is None and solutions_dir is not None:
        print("seed 0 did not run: solutions/ and samples/ keep seed 0's earlier run", flush=True)
    (bench / "RESULTS.md").write_text(records.render_results_md(bench / "results"))
    if scratch is None:
        update_readme()
        update_guide()
    return 0


README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"


def spread_cell(rec: dict, key: str, scale: float = 1.0, fmt: str = "{:.2f}") -> str:
    """``key``'s mean over the record's seeds (± std when several ran), or – if the lesson does not report it."""
    if key not in rec["spread"]:
        return "–"
    mean, std = rec["spread"][key]["mean"] * scale, rec["spread"][key]["std"] * scale
    return fmt.format(mean) + (f" ± {fmt.format(std)}" if len(rec["runs"]) > 1 else "")


def commits(rec: dict) -> str:
    """The commits the record's rows ran, in order of first appearance, e.g. ```e3e2ef3`, `b21609e```."""
    return ", ".join(f"`{c}`" for c in dict.fromkeys(row["commit"] for row in rec["runs"]))


def summary_rows() -> list[str]:
    """One README row per class-mode CPU result: lesson, seeds, wall time and the headline metrics (mean ± std)."""
    rows = ["| lesson | seeds | wall time (s) | FID | FID ÷ floor | rarest digit's share | commits |", "|---" * 7 + "|"]
    for file in sorted((BENCH / "results").glob("*.json")):
        rec = records.load(file)

        def cell(key, scale=1.0, fmt="{:.2f}"):
            return spread_cell(rec, key, scale, fmt)

        rows.append(f"| {rec['lesson']} | {','.join(map(str, rec['seeds']))} | {cell('wall_s', fmt='{:.0f}')} | "
                    f"{cell('fid', fmt='{:.1f}')} | {cell('fid_vs_floor', fmt='{:.1f}')} | "
                    f"{cell('min_class_share', 100, '{:.1f}')} | {commits(rec)} |")
    return rows


HEADLINES = {  # lessons whose headline is not (only) FID: a note, then (key, column, scale, format) per column
    "02_dcgan": ("the reference is the lesson's recipe before issue 15, batch 32 x 3,800 steps, retrained in the same "
                 "benchmark run with the same seed; the independent reader is benchmarks/independent_reader.py", (
        ("fid", "FID, final model", 1, "{:.1f}"),
        ("reference_fid", "FID, reference", 1, "{:.1f}"),
        ("fid_vs_reference", "final / reference", 1, "{:.2f}"),
        ("independent_fid", "independent FID, final", 1, "{:.1f}"),
        ("reference_independent_fid", "independent FID, reference", 1, "{:.1f}"),
        ("independent_min_class_share", "rarest digit % (independent)", 100, "{:.1f}"),
        ("plain_long_fid", "plain DCGAN, same budget: FID", 1, "{:.1f}"),
    )),
    "03_mode_collapse": ("each run trains several model seeds per table row; these are their means", (
        ("best_ring_modes_min", "best remedy: ring modes (worst seed)", 1, "{:.1f}"),
        ("best_ring_hq_mean", "ring high-quality %", 100, "{:.1f}"),
        ("best_grid_modes_mean", "grid modes (mean)", 1, "{:.1f}"),
        ("best_grid_hq_mean", "grid high-quality %", 100, "{:.1f}"),
        ("vanilla_grid_modes_mean", "vanilla: grid modes", 1, "{:.1f}"),
        ("mnist_fixed_min_share", "MNIST rarest digit %, fixed", 100, "{:.1f}"),
        ("mnist_collapsing_min_share", "collapsing", 100, "{:.1f}"),
    )),
    "04_conditional_gan": ("the last four columns: held-out accuracy of a classifier given 20 labelled digits per class", (
        ("label_accuracy", "label accuracy %", 100, "{:.1f}"),
        ("fid", "FID", 1, "{:.1f}"),
        ("fid_vs_floor", "FID ÷ floor", 1, "{:.1f}"),
        ("spread_ratio", "spread within a class (real = 1)", 1, "{:.2f}"),
        ("few_real_only", "20/class: real only %", 100, "{:.1f}"),
        ("few_real_augmentation", "+ augmentation %", 100, "{:.1f}"),
        ("few_real_cgan", "+ cGAN samples %", 100, "{:.1f}"),
        ("few_real_both", "+ both %", 100, "{:.1f}"),
    )),
    "05_cyclegan": ("label preservation, read by a classifier of the target domain", (
        ("a2b_preservation", "MNIST -> UCI digits %", 100, "{:.1f}"),
        ("b2a_preservation", "UCI digits -> MNIST %", 100, "{:.1f}"),
        ("source_only_a2b", "untranslated: MNIST %", 100, "{:.1f}"),
        ("source_only_b2a", "UCI %", 100, "{:.1f}"),
        ("handmade_a2b", "hand-made: MNIST %", 100, "{:.1f}"),
        ("handmade_b2a", "UCI %", 100, "{:.1f}"),
        ("deskewed_a2b", "deskewed: MNIST %", 100, "{:.1f}"),
        ("a2b_second_reader", "2nd reader: MNIST -> UCI %", 100, "{:.1f}"),
        ("b2a_second_reader", "UCI -> MNIST %", 100, "{:.1f}"),
        ("steps_per_second", "steps/s", 1, "{:.2f}"),
    )),
    "06_gan_clinic": ("eight drills, each a broken and a fixed run from the same healthy patient", (
        ("broken_flagged", "broken runs raising their expected findings (of 8)", 1, "{:.0f}"),
        ("fixed_clean", "fixed runs with a clean report (of 8)", 1, "{:.0f}"),
        ("fixed_min_class_share", "rarest digit % in the worst fixed run", 100, "{:.1f}"),
        ("slowest_drill_seconds", "slowest drill, broken + fixed (s)", 1, "{:.0f}"),
        ("patient_seconds", "the patient's warm-up (s)", 1, "{:.0f}"),
    )),
}


def headline_rows() -> list[str]:
    """README tables for the lessons in HEADLINES that have a class-mode result."""
    rows = []
    for lesson, (note, columns) in HEADLINES.items():
        file = BENCH / "results" / f"{lesson}.json"
        if not file.exists():
            continue
        rec = records.load(file)
        cells = [spread_cell(rec, key, scale, fmt) for key, _, scale, fmt in columns]
        rows += ["", f"Lesson {lesson[:2]} (notebook seeds {','.join(map(str, rec['seeds']))}; {note}), "
                     f"commits {commits(rec)}:", "",
                 "| " + " | ".join(h for _, h, _, _ in columns) + " |", "|---" * len(columns) + "|",
                 "| " + " | ".join(cells) + " |"]
    return rows


def update_readme() -> None:
    """Replace the README's results block with the current class-mode numbers."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        return
    readme.write_text(records.stamp_block(text, README_START, README_END, [*summary_rows(), *headline_rows()]))


def update_guide() -> None:
    """Replace the instructors' guide's table of lesson times with the current class-mode records."""
    guide = ROOT / "docs" / "instructors.md"
    lines = records.lesson_times(BENCH / "results", ROOT / "solutions")
    guide.write_text(records.stamp_block(guide.read_text(), records.GUIDE_START, records.GUIDE_END, lines))


if __name__ == "__main__":
    sys.exit(main())
