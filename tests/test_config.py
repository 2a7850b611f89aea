import ast

import pytest

from gan_course import config


def test_mode_defaults_to_class(monkeypatch):
    monkeypatch.delenv("GAN_COURSE_MODE")
    assert config.mode() == "class"


@pytest.mark.parametrize("value", ["fast", "CLASSIC", "2"])
def test_unknown_mode_says_what_is_accepted(monkeypatch, value):
    monkeypatch.setenv("GAN_COURSE_MODE", value)
    with pytest.raises(config.ConfigError, match="quick, class, full"):
        config.mode()


def test_every_mode_of_a_lesson_has_the_same_budget_keys():
    for lesson, modes in config.BUDGETS.items():
        assert set(modes) == set(config.MODES), lesson
        keys = {mode: set(budget) for mode, budget in modes.items()}
        assert len({frozenset(k) for k in keys.values()}) == 1, f"{lesson}: {keys}"


def test_budgets_are_step_counts_that_grow_with_the_mode():
    b = {mode: config.budget("01_vanilla_gan", mode) for mode in config.MODES}
    assert b["quick"]["steps"] < b["class"]["steps"] <= b["full"]["steps"]
    assert all(isinstance(v, int) for budget in b.values() for v in budget.values())


def test_describe_names_mode_seed_and_budget(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_SEED", "3")
    line = config.describe("01_vanilla_gan")
    assert line.startswith("mode=quick seed=3 | budget: ") and "steps=" in line


def test_bad_seed_and_lesson_are_explained(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_SEED", "abc")
    with pytest.raises(config.ConfigError, match="non-negative integer, got 'abc'"):
        config.seed()
    with pytest.raises(config.ConfigError, match="expected a lesson in"):
        config.budget("99_nope")


def test_checkpoints_are_keyed_by_mode_and_seed(monkeypatch, tmp_path):
    quick = config.checkpoint_path("x")
    monkeypatch.setenv("GAN_COURSE_MODE", "class")
    assert config.checkpoint_path("x") != quick
    assert quick.parent == tmp_path / "cache" / "checkpoints"


def test_colab_links_are_derived_from_the_one_repo_url():
    url = config.colab_url("01_vanilla_gan.ipynb")
    assert url.startswith("https://colab.research.google.com/github/")
    assert config.REPO_URL.removeprefix("https://github.com/") in url
    assert config.REPO_URL in config.pip_install_target()


def test_child_environment_sets_the_course_variables_and_keeps_the_rest(tmp_path):
    env = config.child_environment(mode="class", seed=2, cache=tmp_path / "c", results=tmp_path / "r",
                                   base={"PATH": "/bin", "GAN_COURSE_SEED": "9"})
    assert env == {"PATH": "/bin", "GAN_COURSE_MODE": "class", "GAN_COURSE_SEED": "2",
                   "GAN_COURSE_CACHE": str(tmp_path / "c"), "GAN_COURSE_RESULTS": str(tmp_path / "r")}
    assert config.child_environment(mode="quick", base={"GAN_COURSE_SEED": "9"}) == {
        "GAN_COURSE_SEED": "9", "GAN_COURSE_MODE": "quick"}  # what is not given is inherited


@pytest.mark.parametrize("kwargs, message", [(dict(mode="fast"), "expected a mode in"),
                                             (dict(seed=-1), "non-negative integer, got -1"),
                                             (dict(seed="0"), "non-negative integer, got '0'")])
def test_child_environment_refuses_bad_settings(kwargs, message):
    with pytest.raises(config.ConfigError, match=message):
        config.child_environment(**kwargs)


def code_strings(source: str) -> list[str]:
    """The string literals of a source file's code: docstrings (and comments) excluded."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def reads_the_environment(source: str) -> bool:
    """True if code reads the environment (os.environ, os.getenv) or names a GAN_COURSE_ variable."""
    reads = any(isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") for node in ast.walk(ast.parse(source)))
    return reads or any("GAN_COURSE_" in text for text in code_strings(source))


def test_only_config_reads_or_names_the_course_variables(root):
    readers = [path.relative_to(root).as_posix() for path in sorted((root / "gan_course").rglob("*.py"))
               if reads_the_environment(path.read_text())]
    assert readers == ["gan_course/config.py"]
    harness = (root / "benchmarks" / "run.py").read_text()
    assert not any("GAN_COURSE_" in text for text in code_strings(harness))  # it asks config.child_environment


def test_the_environment_finder_ignores_docstrings():
    assert not reads_the_environment('"""Sets GAN_COURSE_MODE."""\ndef f():\n    """GAN_COURSE_SEED"""\n')
    assert reads_the_environment("x = 'GAN_COURSE_MODE'") and reads_the_environment("import os\nos.environ.get('A')")
