"""Benchmark records: a run over some seeds replaces only those seeds' rows, each row keeps its commit, and
RESULTS.md is rendered from every row."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import records  # noqa: E402  (the harness's module, beside run.py)


def row(seed, commit, fid, **extra):
    return {"seed": seed, "wall_s": 10.0 + seed, "metrics": {"fid": fid, "steps": 100, "table": [{"seconds": 1.5}], **extra},
            "commit": commit, "dirty": False, "date": "2026-11-30T00:00:00+00:00",
            "machine": {"cores": 2, "cpu": "test cpu", "device": "cpu", "torch": "2.x"}}


def test_a_run_over_one_seed_replaces_only_that_seeds_row():
    old = records.merge(None, "01_x", "class", [row(0, "aaa", 3.0), row(1, "aaa", 4.0), row(2, "aaa", 5.0)])
    new = records.merge(old, "01_x", "class", [row(0, "bbb", 3.5)])
    assert [(r["seed"], r["commit"], r["metrics"]["fid"]) for r in new["runs"]] == [
        (0, "bbb", 3.5), (1, "aaa", 4.0), (2, "aaa", 5.0)]
    assert new["seeds"] == [0, 1, 2]
    assert new["spread"]["fid"]["mean"] == pytest.approx(4.1666666) and "table" not in new["spread"]


def test_a_record_written_before_rows_were_stamped_gives_each_row_its_stamp(tmp_path):
    legacy = {"lesson": "01_x", "mode": "class", "commit": "old", "dirty": True, "date": "2026-11-01",
              "machine": {"cores": 2, "cpu": "c", "device": "cpu", "torch": "t"}, "seeds": [0, 1],
              "runs": [{"seed": s, "wall_s": 1.0, "metrics": {"fid": 1.0}} for s in (0, 1)], "spread": {}}
    (tmp_path / "01_x.json").write_text(json.dumps(legacy))
    loaded = records.load(tmp_path / "01_x.json")
    assert [(r["commit"], r["dirty"]) for r in loaded["runs"]] == [("old", True), ("old", True)]
    merged = records.merge(loaded, "01_x", "class", [row(1, "new", 2.0)])
    assert [r["commit"] for r in merged["runs"]] == ["old", "new"] and "commit" not in merged


def test_results_md_shows_every_seeds_row_with_its_commit_and_tables(tmp_path):
    records.save(tmp_path / "01_x.json", records.merge(None, "01_x", "class", [row(0, "aaa", 3.0), row(1, "bbb", 4.0)]))
    records.save(tmp_path / "quick" / "01_x.json", records.merge(None, "01_x", "quick", [row(0, "ccc", 9.0)]))
    text = records.render_results_md(tmp_path)
    assert "| 0 | `aaa` | 10 | 3 | 100 |" in text and "| 1 | `bbb` | 11 | 4 | 100 |" in text
    assert "| mean ± std | | 10.5 ± 0.707 | 3.5 ± 0.707 | 100 ± 0 |" in text
    assert "<code>table</code> (seed 1)" in text and "quick" not in text and "`ccc`" not in text


def test_differences_ignore_measured_times_and_name_what_changed():
    a, b = row(0, "a", 3.0)["metrics"], row(0, "b", 3.0)["metrics"]
    b["table"][0]["seconds"] = 99.0
    assert records.differences(a, b) == []
    b["fid"], b["new"] = 3.25, 1
    assert records.differences(a, b) == ["fid: 3.0 != 3.25", "new: only in the second"]


def test_the_throughput_measurement_and_its_section(tmp_path):
    import throughput  # noqa: E402  (benchmarks/throughput.py)
    from gan_course import data

    images, _ = data.load_mnist("train")
    row = throughput.measure(images[:256], batch_size=8, channels=4, steps=2)
    assert row["steps"] == 2 and row["steps_per_second"] > 0
    assert row["images_per_second"] == pytest.approx(8 * row["steps_per_second"], rel=0.01)
    record = {"commit": "abc1234", "dirty": False, "date": "2026-11-30", "threads": 2, "recipe": "SN D, hinge",
              "machine": {"cores": 2, "cpu": "CPU", "device": "cpu", "torch": "2", "python": "3"}, "rows": [row]}
    (tmp_path / "throughput.json").write_text(json.dumps(record))
    lines = records.throughput_section(tmp_path / "throughput.json")
    assert "`abc1234`" in lines[2] and lines[-2].startswith("| 4 | 8 | ")
    assert records.throughput_section(tmp_path / "missing.json") == []


def test_the_independent_reader_is_kept_and_reads_digits():
    import independent_reader  # noqa: E402  (benchmarks/independent_reader.py)
    from gan_course import data

    reader = independent_reader.load()
    images, labels = data.load_mnist("test")
    with __import__("torch").no_grad():
        accuracy = float((reader(images).argmax(1) == labels).float().mean())
    card = json.loads(independent_reader.CARD.read_text())
    assert accuracy == pytest.approx(card["held_out_accuracy"], abs=0.005) and accuracy > 0.97
    assert reader.features(images[:4]).shape == (4, reader.num_features)


def test_second_opinions_score_the_saved_digits_and_retrain_the_reference_for_lesson_02(monkeypatch):
    import numpy as np

    import dcgan_recipes
    import independent_reader
    import run

    monkeypatch.setattr(independent_reader, "load", lambda: "reader")
    monkeypatch.setattr(independent_reader, "score",
                        lambda images, reader: {"fid": 60.0, "fid_vs_floor": 14.0, "min_class_share": 0.08})
    monkeypatch.setattr(dcgan_recipes, "reference", lambda seed: {"fid": 90.0 + seed, "independent_fid": 120.0,
                                                                  "min_class_share": 0.06, "train_seconds": 55.0})
    samples = {"02_dcgan": {"images": np.zeros((4, 1, 28, 28), np.float32)}}
    out = run.second_opinions("02_dcgan", "class", 0, {"fid": 45.0}, samples)
    assert out == {"independent_fid": 60.0, "independent_fid_vs_floor": 14.0, "independent_min_class_share": 0.08,
                   "reference_fid": 90.0, "reference_independent_fid": 120.0, "reference_min_class_share": 0.06,
                   "reference_train_seconds": 55.0, "fid_vs_reference": 0.5, "independent_fid_vs_reference": 0.5}
    assert "reference_fid" not in run.second_opinions("02_dcgan", "quick", 0, {"fid": 45.0}, samples)
    assert run.second_opinions("03_mode_collapse", "class", 0, {}, {"03_mode_collapse_ring": {"x": np.zeros(2)}}) == {}


def test_the_readme_headline_columns_are_in_the_records():
    import run

    for lesson, (_, columns) in run.HEADLINES.items():
        record = records.load(Path(run.BENCH) / "results" / f"{lesson}.json")
        missing = [key for key, *_ in columns if key not in record["spread"]]
        assert not missing, f"{lesson}: the README's columns {missing} are not in every seed of its record"


def test_the_instructors_guide_times_are_the_records():
    guide = (ROOT / "docs" / "instructors.md").read_text()
    lines = records.lesson_times(ROOT / "benchmarks" / "results", ROOT / "solutions")
    assert records.stamp_block(guide, records.GUIDE_START, records.GUIDE_END, lines) == guide, (
        "docs/instructors.md's lesson times differ from the benchmark's records: run make benchmark")
    assert len([line for line in lines if line.startswith("| 0")]) == len(list((ROOT / "solutions").glob("0*.ipynb")))
    with pytest.raises(ValueError, match="expected one <!-- lesson-times:start --> followed by one"):
        records.stamp_block("no markers", records.GUIDE_START, records.GUIDE_END, lines)
