"""The package's layout keeps its promises: small modules, no private cross-imports, every model and every check
exported where the lessons look for them, and the classifier's weights inside the wheel that Colab installs."""

import ast
import inspect
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from torch import nn

import gan_course
from gan_course import checks, models

PACKAGE = Path(gan_course.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_300_lines(path):
    n = len(path.read_text().splitlines())
    assert n <= 300, f"{path.relative_to(PACKAGE)} has {n} lines; split it by concept"


def private_cross_imports(source: str, here: str) -> list[str]:
    """In module ``here``: ``from gan_course.x import _name`` and ``x._name`` on an imported gan_course module."""
    tree, found = ast.parse(source), []
    imported_modules = {}  # local name -> gan_course module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gan_course") and node.module != here:
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"from {node.module} import {alias.name}")
                elif (PACKAGE.parent / node.module.replace(".", "/") / f"{alias.name}.py").exists():
                    imported_modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("gan_course."):
                    imported_modules[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in imported_modules):
            found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_another_modules_private_names(path):
    assert private_cross_imports(path.read_text(), module_name(path)) == []


def test_the_private_import_finder_finds_both_forms():
    source = ("from gan_course.checks.core import _student_frames\nfrom gan_course.metrics import fid\n"
              "import gan_course.metrics.digits as digits\nx = fid._fid_metric, digits._x, fid.fid_report\n")
    assert private_cross_imports(source, "gan_course.checks.probes") == [
        "from gan_course.checks.core import _student_frames", "fid._fid_metric", "digits._x"]
    assert private_cross_imports("from gan_course.checks.core import _student_frames\n", "gan_course.checks.core") == []


# Data flows one way: a module imports only from its own rank or a lower one (training never plots or measures,
# no lesson-facing module reaches into the checks or the maintainers' tools).
RANKS = [{"config", "claims"}, {"device", "seeding", "data", "photos", "losses", "packing", "latent"}, {"models"},
         {"training", "sampling"},
         {"metrics", "plotting", "board", "tables", "widgets", "results", "environment", "health"},
         {"checks"}, {"course"}]
RANK = {name: rank for rank, names in enumerate(RANKS) for name in names}


def course_imports(source: str) -> set[str]:
    """The gan_course top-level modules or packages a source file imports, e.g. {"data", "models"}."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        names = ([node.module] + [f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom)
                 and node.module else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found |= {n.split(".")[1] for n in names if n.startswith("gan_course.")}
    return found & set(RANK)


@pytest.mark.parametrize("path", [p for p in MODULES if module_name(p) != "gan_course"],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_data_flows_one_way(path):
    own = module_name(path).split(".")[1]
    upstream = {name for name in course_imports(path.read_text()) if RANK[name] > RANK[own]}
    assert not upstream, f"{module_name(path)} (rank {RANK[own]}) imports {sorted(upstream)}, which come later in the flow"


def test_the_flow_finder_sees_both_import_forms():
    assert course_imports("from gan_course import metrics, data\nimport gan_course.training.loop\n"
                          "from gan_course.checks.core import fail\n") == {"metrics", "data", "training", "checks"}


def test_models_all_lists_every_model():
    classes = {name for module in MODULES if module.parent.name == "models" and module.stem != "__init__"
               for name, obj in inspect.getmembers(__import__(module_name(module), fromlist=["_"]), inspect.isclass)
               if obj.__module__ == module_name(module) and not name.startswith("_")
               and (issubclass(obj, nn.Module) or name == "ImagePool")}
    assert set(models.__all__) == classes
    assert all(hasattr(models, name) for name in models.__all__)


def test_every_check_is_importable_from_the_checks_package():
    defined = {node.name for module in MODULES if module.parent.name == "checks"
               for node in ast.parse(module.read_text()).body
               if isinstance(node, ast.FunctionDef) and node.name.startswith("check_")}
    assert len(defined) == 29  # lessons 01-06; a new exercise's check must be added to checks.__all__ too
    assert defined == {name for name in checks.__all__ if name.startswith("check_")}
    assert all(callable(getattr(checks, name)) for name in defined)


def test_the_wheel_ships_the_classifier_weights(tmp_path):
    """Colab installs with `pip install git+URL`, which builds a wheel: an editable install would hide a miss."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PACKAGE.parent / name, source / name)
    shutil.copytree(PACKAGE, source / "gan_course", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("gan_course-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"gan_course/assets/digit_classifier.pt", "gan_course/assets/digit_classifier.json"} <= names
    for package in ("checks", "course", "metrics", "models", "training"):
        assert f"gan_course/{package}/__init__.py" in names
