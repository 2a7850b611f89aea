import nbformat

from pathlib import Path

from gan_course.course import grading


def executed_cell(source, stdout=None, error=None):
    cell = nbformat.v4.new_code_cell(source)
    cell.execution_count = 1
    if stdout:
        cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=stdout))
    if error:
        cell.outputs.append(nbformat.v4.new_output("error", ename=error[0], evalue=error[1], traceback=[]))
    return cell


def test_read_checks_tells_passed_failed_unattempted_and_broken_apart():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        executed_cell("checks.check_generator(G, 64)", stdout="[ok] generator: fine\n"),
        executed_cell("checks.check_discriminator(D)", error=("ExerciseError", "D ends in a sigmoid")),
        executed_cell("checks.check_generator_loss(f)", error=("ExerciseError", "generator_loss(...) is not written yet")),
        executed_cell("checks.check_train_step(train_step)", error=("NameError", "name 'train_step' is not defined")),
        nbformat.v4.new_code_cell("checks.check_discriminator_loss(g)"),
        nbformat.v4.new_markdown_cell("checks.check_nothing() in prose is ignored"),
    ]
    results = grading.read_checks(nb)
    assert [(r.name, r.status) for r in results] == [
        ("generator", "passed"), ("discriminator", "failed"), ("generator_loss", "not attempted"),
        ("train_step", "error"), ("discriminator_loss", "not run"),
    ]
    report = grading.GradeReport(Path("01_x.ipynb"), results)
    assert "1/5 checks passed" in report.format() and not report.all_passed


def test_the_clinics_checks_are_named_by_their_drill():
    nb = nbformat.v4.new_notebook()
    nb.cells = [executed_cell('checks.check_diagnosis("drill_3", diagnosis_3)', stdout="[ok] drill_3 diagnosis: (a)\n"),
                executed_cell('checks.check_fixed_step("drill_3", fixed_step_3)', error=("ExerciseError", "labels"))]
    assert [(r.name, r.status) for r in grading.read_checks(nb)] == [("drill_3 diagnosis", "passed"),
                                                                    ("drill_3 fixed_step", "failed")]
