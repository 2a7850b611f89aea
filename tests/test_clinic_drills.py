"""Lesson 06's drills, on their real runs: the benchmark stores each drill's broken and fixed class-mode run
(benchmarks/samples/06_gan_clinic.npz: the four series, each network's gradient norm at each of its steps, 64 of G's
samples in 8 bits). Diagnosed again here, every broken run raises the findings the lesson expects of it
(checks.clinic.EXPECTED_CODES) and every fixed run raises none; the benchmark's records hold every seed to the same,
and to the lesson's coverage floor."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_course import data, health
from gan_course.checks.clinic import EXPECTED_CODES

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "benchmarks" / "samples" / "06_gan_clinic.npz"
RECORD = ROOT / "benchmarks" / "results" / "06_gan_clinic.json"


def diagnose(runs, drill: str, kind: str) -> list[str]:
    key = f"{drill}_{kind}"
    history = {name: runs[f"{key}_{name}"] for name in ("loss_D", "loss_G", "D_x", "D_G_z")}
    norms = {net: {"all layers": runs[f"{key}_{net}_grad_norm"]} for net in ("G", "D")}
    samples = torch.as_tensor(runs[f"{key}_samples"]).float() / 127.5 - 1
    real, _ = data.load_mnist("train")
    if drill == "drill_4" and kind == "broken":  # this run trained on the pixels scaled to [0, 1]
        real = ((real + 1) * 127.5).round() / 255
    return health.diagnose(history, samples=samples, real=real[:1000], grad_norms=norms, loss="bce").codes


@pytest.fixture(scope="module")
def runs():
    if not RUNS.exists():
        pytest.skip("no recorded drills: run `make benchmark LESSONS=06`")
    return dict(np.load(RUNS))


@pytest.mark.parametrize("drill", sorted(EXPECTED_CODES))
def test_the_broken_run_raises_its_findings_and_the_fixed_run_none(runs, drill):
    broken = diagnose(runs, drill, "broken")
    assert set(EXPECTED_CODES[drill]) <= set(broken), f"{drill}: expected {EXPECTED_CODES[drill]}, raised {broken}"
    assert diagnose(runs, drill, "fixed") == []


def test_every_benchmark_seed_flags_every_broken_run_and_clears_every_fixed_one():
    if not RECORD.exists():
        pytest.skip("no benchmark record for lesson 06")
    record = json.loads(RECORD.read_text())
    assert record["runs"], "an empty record"
    for run in record["runs"]:
        metrics = run["metrics"]
        assert set(metrics["drills"]) == set(EXPECTED_CODES)
        for drill, outcome in metrics["drills"].items():
            assert set(EXPECTED_CODES[drill]) <= set(outcome["broken"]), (run["seed"], drill, outcome)
            assert outcome["fixed"] == [], (run["seed"], drill, outcome)
            assert outcome["fixed_min_class_share"] >= metrics["coverage_floor"], (run["seed"], drill, outcome)
        assert metrics["patient_findings"] == []
