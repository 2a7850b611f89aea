"""Claims: statements about a run's numbers, printed and recorded in the run; markdown cites only those that held in
every seed of the latest benchmark."""

import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from gan_course import claims

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import records  # noqa: E402  (the harness's module, beside run.py)

ROOT = Path(__file__).resolve().parents[1]


def test_a_claim_prints_whether_it_held_with_its_numbers(capsys):
    ledger = claims.Ledger()
    assert ledger.claim("sn_lowers_fid", "spectral norm lowers FID", 40.0 < 50.0, "FID 50.0 -> 40.0") is None
    assert ledger["sn_lowers_fid"].holds is True
    assert capsys.readouterr().out == "[claim sn_lowers_fid] holds in this run: spectral norm lowers FID (FID 50.0 -> 40.0)\n"
    ledger.claim("ema_helps", "the EMA helps", torch.tensor(3.0) < torch.tensor(2.0))
    assert "[claim ema_helps] does NOT hold in this run: the EMA helps\n" == capsys.readouterr().out
    assert ledger.outcomes() == {
        "sn_lowers_fid": {"statement": "spectral norm lowers FID", "holds": True, "evidence": "FID 50.0 -> 40.0"},
        "ema_helps": {"statement": "the EMA helps", "holds": False, "evidence": ""},
    }


def test_re_running_a_cell_replaces_its_claim():
    ledger = claims.Ledger()
    ledger.claim("a", "first", False)
    ledger.claim("a", "first", True)
    assert len(ledger) == 1 and ledger["a"].holds is True


def test_truth_values_come_from_comparisons_only():
    ledger = claims.Ledger()
    ledger.claim("numpy", "numpy bool", np.float64(1.0) > 0)
    ledger.claim("one", "one-element tensor", torch.tensor([True]))
    assert ledger["numpy"].holds is True and ledger["one"].holds is True
    for bad in (torch.tensor([True, False]), "yes", None, 1, 0.5):
        with pytest.raises(TypeError, match="expected claim 'x' to be decided by a comparison"):
            ledger.claim("x", "bad", bad)


def test_ids_and_statements_are_checked():
    ledger = claims.Ledger()
    for bad in ("Has Caps", "1st", "with-dash", "", None):
        with pytest.raises(ValueError, match="expected a claim id of lowercase letters"):
            ledger.claim(bad, "a statement", True)
    with pytest.raises(ValueError, match="expected the claim's statement as a sentence"):
        ledger.claim("ok", "  ", True)


def test_markdown_cites_claims_in_backticks():
    text = "Spectral norm helped (`claim:sn_lowers_fid`), twice (`claim:sn_lowers_fid`); `claim:Bad` is no id."
    assert claims.cited(text) == ["sn_lowers_fid"]


def run(seed, outcomes):
    return {"seed": seed, "wall_s": 1.0, "commit": "abc", "dirty": False, "date": "", "machine": None,
            "metrics": {"claims": {cid: {"statement": f"statement {cid}", "holds": held, "evidence": f"e{seed}"}
                                   for cid, held in outcomes.items()}}}


def test_results_md_tables_claims_by_seed_and_a_missing_claim_did_not_hold():
    rec = {"runs": [run(0, {"a": True, "b": True}), run(1, {"a": True, "b": False}), run(2, {"a": True})]}
    table = "\n".join(records.claims_table(rec["runs"]))
    assert "| `a` | statement a | ✓ e0 | ✓ e1 | ✓ e2 |" in table
    assert "| `b` | statement b | ✓ e0 | ✗ e1 | – |" in table
    assert records.held_everywhere(rec) == {"a": True, "b": False}


def lesson_markdown(path: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_every_claim_a_lesson_cites_held_in_every_seed_of_its_benchmark(path):
    cited = claims.cited(lesson_markdown(path))
    if not cited:
        return
    record = records.load(ROOT / "benchmarks" / "results" / f"{path.stem}.json")
    assert record is not None, f"{path.name} cites claims {cited} but has no class-mode benchmark record"
    held = records.held_everywhere(record)
    unknown = [cid for cid in cited if cid not in held]
    assert not unknown, f"{path.name} cites claims its benchmark never recorded: {unknown}"
    failed = [cid for cid in cited if not held[cid]]
    assert not failed, f"{path.name} states as fact claims that failed in some seed of {record['seeds']}: {failed}"
