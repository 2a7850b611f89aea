"""Shared fixtures: every test is seeded, CPU-only and isolated from the user's cache."""

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))  # the wrong-answer modules live beside the tests
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Seed torch, run in quick mode with the default seed, and keep checkpoints and downloads in a temporary
    cache, so no test reads or writes the user's and no benchmark run collects a test's results."""
    torch.manual_seed(0)
    monkeypatch.setenv("GAN_COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("GAN_COURSE_RESULTS", raising=False)
    monkeypatch.delenv("GAN_COURSE_SEED", raising=False)
    monkeypatch.setenv("GAN_COURSE_MODE", "quick")
    yield


@pytest.fixture(scope="session")
def root():
    return ROOT


def pytest_terminal_summary(terminalreporter):
    """The mutation harness's catch rate per lesson, when its tests ran (tests/test_mutants.py)."""
    from mutants import harness

    rates = harness.catch_rates()
    if not rates:
        return
    terminalreporter.section("mutation harness: mutants caught by each lesson's checks")
    for lesson, r in rates.items():
        real = r["mutants"] - r["equivalent"]
        terminalreporter.write_line(f"lesson {lesson}: {r['caught']}/{real} non-equivalent mutants caught "
                                    f"({r['caught'] / max(real, 1):.0%}); {r['equivalent']} listed as equivalent")
