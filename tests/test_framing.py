"""What every lesson gives a reader around its content (issue 16): the time it takes, generated from the benchmark's
records; prerequisites; 3-5 check-your-understanding questions with collapsed answers; a glossary; references with
arXiv IDs or DOIs; and, for a lesson that trains, claims recorded for its headline comparisons."""

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import records  # noqa: E402  (the harness's module, beside run.py)

LESSONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
QUESTION = re.compile(r"^(\d+)\. ", re.M)
ANSWER = re.compile(r"<details>\s*<summary>\s*Answer\s*</summary>")
DETAILS = re.compile(r"<details>.*?</details>", re.S)
REFERENCE_ID = re.compile(r"arXiv:\s*\d{4}\.\d{4,5}|doi:\s*10\.\d{4,9}/\S+|https://\S+|the GitHub repository [\w.-]+/[\w.-]+",
                          re.I)
# Terms issue 16 names: a lesson that uses one defines it in its glossary.
TERMS = {"JSD": r"\bJSD\b|Jensen", "Lipschitz": r"Lipschitz", "singular value": r"singular value",
         "MMD": r"\bMMD\b", "Fréchet distance": r"Fréchet"}
# The comparisons each training lesson's benchmark must record as claims, in every seed.
HEADLINE_CLAIMS = {
    "00_gans_in_context": ["g_loss_moves_without_g"],
    "01_vanilla_gan": ["toy_generator_matches_data", "neither_network_wins", "every_digit_generated", "health_check_clean"],
    "02_dcgan": ["dcgan_beats_mlp_at_equal_cost", "ladder_top_beats_plain", "fixes_beat_plain_long_run",
                 "ema_beats_raw_long_run", "final_covers_every_digit", "final_not_copying"],
    "03_mode_collapse": ["best_ring_all_modes", "best_grid_modes_twice_vanilla", "best_ring_sharper_than_vanilla",
                         "best_grid_sharper_than_vanilla", "mnist_fix_covers_rarest_digit", "mnist_fix_halves_fid"],
    "04_conditional_gan": ["projection_teaches_labels_better", "projection_lowers_fid", "final_obeys_labels",
                           "final_keeps_variety", "final_not_copying", "cgan_samples_hurt", "augmentation_helps"],
    "05_cyclegan": ["b2a_beats_source_only", "a2b_beats_source_only", "b2a_about_90", "full_beats_no_cycle",
                    "full_beats_no_identity", "full_beats_neither"],
    "06_gan_clinic": ["patient_healthy", *(f"drill_{k}_{what}" for k in range(1, 9) for what in ("flagged", "fix_clean"))],
}


def cells(path: Path) -> list:
    return nbformat.read(path, as_version=4).cells


def markdown(path: Path) -> str:
    return "\n\n<!-- cell -->\n".join(c.source for c in cells(path) if c.cell_type == "markdown")


def section(text: str, heading: str) -> str:
    """The text under ``## heading`` up to the next level-2 heading or the end of its cell."""
    match = re.search(rf"^## {re.escape(heading)}[ \t]*\n(.*?)(?=^## |<!-- cell -->|\Z)", text, re.M | re.S)
    assert match, f"expected a '## {heading}' section"
    return match.group(1)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_the_time_line_is_generated_from_the_benchmark_record(path):
    first = cells(path)[0].source
    assert first.count(records.TIME_START) == 1 and "**Time:**" in first, "expected a **Time:** line with its markers"
    record = records.load(ROOT / "benchmarks" / "results" / f"{path.stem}.json")
    assert record is not None, f"{path.name} has no class-mode benchmark record to time it"
    assert records.stamp_compute_time(first, records.compute_time(record)) == first, (
        "the compute time in the first cell differs from the benchmark's record: run make benchmark")
    assert re.search(r"\*\*Time:\*\*[^*]*reading", first), "expected the Time line to estimate the reading time too"
    assert "**Prerequisites:**" in first, "expected a **Prerequisites:** line in the lesson's first cell"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_three_to_five_questions_each_with_a_collapsed_answer(path):
    text = section(markdown(path), "Check your understanding")
    answers = DETAILS.findall(text)
    questions = DETAILS.sub("<answer>", text)  # a numbered list inside an answer is not a question
    numbers = [int(n) for n in QUESTION.findall(questions)]
    assert 3 <= len(numbers) <= 5 and numbers == list(range(1, len(numbers) + 1)), (
        f"expected 3-5 questions numbered 1, 2, ..., got numbers {numbers}")
    items = QUESTION.split(questions)[2::2]  # the text after each number
    for number, item in enumerate(items, 1):
        assert item.count("<answer>") == 1, f"question {number}: expected one collapsed answer, got {item.count('<answer>')}"
    for number, block in enumerate(answers, 1):
        assert ANSWER.match(block), f"answer {number}: expected <summary>Answer</summary>, got {block[:60]!r}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_glossary_that_defines_the_terms_the_lesson_uses(path):
    text = markdown(path)
    glossary = section(text, "Glossary")
    entries = re.findall(r"^- \*\*(.+?):?\*\*", glossary, re.M)
    assert len(entries) >= 5, f"expected a glossary of at least 5 terms, got {entries}"
    body = text.replace(glossary, "")
    missing = [term for term, pattern in TERMS.items()
               if re.search(pattern, body, re.I) and not any(re.search(pattern, e, re.I) for e in entries)]
    assert not missing, f"{path.name} uses {missing} but its glossary does not define them"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_references_carry_an_arxiv_id_or_a_doi(path):
    bullets = [" ".join(b.split()) for b in re.split(r"^- ", section(markdown(path), "References"), flags=re.M)[1:]]
    assert len(bullets) >= 2, f"expected at least 2 references, got {len(bullets)}"
    bare = [b for b in bullets if not REFERENCE_ID.search(b)]
    assert not bare, f"references without an arXiv ID, DOI or address: {bare}"
    assert any(re.search(r"arXiv:|doi:", b, re.I) for b in bullets), "expected at least one arXiv ID or DOI"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_summary_questions_glossary_and_references_close_the_lesson_in_that_order(path):
    text = markdown(path)
    headings = ("Summary", "Check your understanding", "Glossary", "References")
    found = [re.search(rf"^## {h}[ \t]*$", text, re.M) for h in headings]
    assert all(found), f"expected the sections {headings}, missing {[h for h, m in zip(headings, found) if not m]}"
    positions = [m.start() for m in found]
    assert positions == sorted(positions), f"expected them in the order {headings}"


@pytest.mark.parametrize("stem", HEADLINE_CLAIMS)
def test_each_training_lesson_records_its_headline_comparisons_in_every_seed(stem):
    record = records.load(ROOT / "benchmarks" / "results" / f"{stem}.json")
    assert record is not None and len(record["runs"]) >= 3, f"{stem}: expected a benchmark over at least 3 seeds"
    for run in record["runs"]:
        made = run["metrics"].get("claims", {})
        missing = [cid for cid in HEADLINE_CLAIMS[stem] if cid not in made]
        assert not missing, f"{stem} seed {run['seed']} did not record the claims {missing}"
        silent = [cid for cid, c in made.items() if not c["evidence"].strip()]
        assert not silent, f"{stem} seed {run['seed']}: claims with no numbers behind them: {silent}"


def test_the_time_line_is_stamped_between_its_markers_and_says_what_it_measured():
    rec = {"runs": [{"seed": s, "wall_s": w, "machine": {"cores": 2}} for s, w in ((0, 80.0), (1, 100.0))],
           "spread": {"wall_s": {"mean": 90.0}}}
    assert records.compute_time(rec) == "about 2 minutes of compute on 2 CPU cores in class mode (the benchmark's mean over seeds 0, 1)"
    rec["spread"]["wall_s"]["mean"] = 20.0
    assert records.compute_time(rec).startswith("under a minute")
    line = f"**Time:** {records.TIME_START}old{records.TIME_END}, and reading."
    stamped = records.stamp_compute_time(line, "new")
    assert stamped == f"**Time:** {records.TIME_START}new{records.TIME_END}, and reading."
    assert records.stamp_compute_time(stamped, "new") == stamped
    for bad in ("no markers", f"{records.TIME_END}x{records.TIME_START}", line + records.TIME_START):
        with pytest.raises(ValueError, match="expected one <!-- compute-time --> followed by one"):
            records.stamp_compute_time(bad, "new")
