"""Static and executed properties of the lesson notebooks (nbval runs the solutions themselves)."""

import re

import nbformat
import pytest
import torch
from torch import nn

from gan_course import config, losses, training
from gan_course.course import exercises, grading
from gan_course.models import MLPDiscriminator, MLPGenerator


def notebooks(root, folder):
    return sorted((root / folder).glob("[0-9][0-9]_*.ipynb"))


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_every_lesson_has_a_solution_and_a_student_version(root):
    assert [p.name for p in notebooks(root, "solutions")] == [p.name for p in notebooks(root, "notebooks")]
    assert len(notebooks(root, "solutions")) >= 2


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
def test_badges_and_setup_cells_use_the_one_repo_url(root, folder):
    for path in notebooks(root, folder):
        nb = nbformat.read(path, as_version=4)
        assert config.colab_url(path.name) in nb.cells[0].source, f"{path.name}: Colab badge"
        setup = nb.cells[1].source
        assert "google.colab" in setup and config.pip_install_target() in setup, f"{path.name}: setup cell"
        assert "config.describe(LESSON)" in setup and "get_device()" in setup, f"{path.name}: prints mode and device"
        urls = set(re.findall(r"github\.com/[\w.-]+/[\w.-]+", "".join(c.source for c in nb.cells)))
        assert urls <= {config.REPO_URL.removeprefix("https://")}, f"{path.name}: other repository URLs {urls}"


def test_check_cells_are_compared_and_training_cells_ignored(root):
    for path in notebooks(root, "solutions"):
        for cell in code_cells(path):
            if "checks.check_" in cell.source:
                assert cell.source.startswith("# NBVAL_CHECK_OUTPUT"), f"{path.name}: {cell.source[:60]}"
            if trains_at_top_level(cell.source):
                assert cell.source.startswith("# NBVAL_IGNORE_OUTPUT"), f"{path.name}: training cell {cell.source[:60]}"


def trains_at_top_level(source):
    """True if the cell itself runs a training loop (not just defines a function that would)."""
    import ast

    lines = [line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
             for line in source.splitlines()]  # IPython magics are not Python
    tree = ast.parse("\n".join(lines))
    calls = []

    def visit(node, in_function):
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            in_function = True
        if isinstance(node, ast.Call) and not in_function:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            calls.append(name)
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(tree, False)
    return any(name in ("train", "train_gan") for name in calls)


def solution_namespace(root, name, wanted):
    """Execute the solution cells that define ``wanted`` names, with the lesson's imports."""
    from torch.nn.utils.parametrizations import spectral_norm

    from gan_course.packing import pack

    from gan_course.models.dcgan import DCGANGenerator, dcgan_init

    namespace = {"torch": torch, "nn": nn, "F": torch.nn.functional, "Z_DIM": 64, "spectral_norm": spectral_norm,
                 "pack": pack, "losses": losses, "DCGANGenerator": DCGANGenerator, "dcgan_init": dcgan_init}
    for cell in code_cells(root / "solutions" / name):
        if any(re.search(rf"^(class|def) {w}\b", cell.source, re.M) for w in wanted):
            exec(cell.source, namespace)
    missing = [w for w in wanted if w not in namespace]
    assert not missing, f"{name} defines no {missing}"
    return namespace


def test_lesson01_networks_build_the_same_as_the_package(root):
    ns = solution_namespace(root, "01_vanilla_gan.ipynb", ["Generator", "Discriminator"])
    assert_same_network(ns["Generator"], MLPGenerator, torch.randn(8, 64))
    assert_same_network(ns["Discriminator"], MLPDiscriminator, torch.rand(8, 1, 28, 28) * 2 - 1)


def assert_same_network(build_mine, build_reference, x):
    """Built from the same seed, both have the same parameters (names, shapes, values) and outputs."""
    torch.manual_seed(0)
    a = build_mine().eval()
    torch.manual_seed(0)
    b = build_reference().eval()
    assert [(k, v.shape) for k, v in a.state_dict().items()] == [(k, v.shape) for k, v in b.state_dict().items()]
    assert all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())
    assert torch.equal(a(x), b(x))


def test_lesson01_losses_and_step_match_the_package(root):
    ns = solution_namespace(root, "01_vanilla_gan.ipynb", ["discriminator_loss", "generator_loss", "train_step"])
    r, f = torch.randn(16), torch.randn(16)
    assert torch.equal(ns["discriminator_loss"](r, f), losses.discriminator_loss(r, f))
    assert torch.equal(ns["generator_loss"](f), losses.generator_loss(f))
    results = []
    for step in (ns["train_step"], training.gan_step):
        torch.manual_seed(0)
        G, D = MLPGenerator(z_dim=8, hidden=16), MLPDiscriminator(hidden=16)
        opts = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
        results.append(step(G, D, *opts, torch.rand(16, 1, 28, 28) * 2 - 1, 8))
    assert results[0] == results[1]


def test_student_notebooks_run_up_to_their_first_exercise(root):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    for path in notebooks(root, "notebooks"):
        nb = nbformat.read(path, as_version=4)
        stubs = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and exercises.STUB_ERROR in c.source]
        client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
        if not stubs:
            client.execute()  # a lesson without exercises runs to the end
            continue
        with pytest.raises(CellExecutionError, match="NotImplementedError|is not written yet"):
            client.execute()
        ran = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count")]
        check_of_first_exercise = stubs[0] + 1
        assert "checks.check_" in nb.cells[check_of_first_exercise].source
        assert max(ran) == check_of_first_exercise, \
            f"{path.name}: stopped at cell {max(ran)}, expected the first exercise's check, cell {check_of_first_exercise}"


def test_gan_course_judge_reports_each_exercise(root, tmp_path):
    """An instructor's view: one wrong answer, the rest untouched."""
    nb = nbformat.read(root / "notebooks" / "01_vanilla_gan.ipynb", as_version=4)
    first = next(c for c in nb.cells if "class Generator" in c.source)
    first.source = first.source.replace(
        'raise NotImplementedError("Exercise 1:',
        "self.net = nn.Sequential(nn.Linear(z_dim, 784), nn.Sigmoid())  #", 1,
    ).replace('raise NotImplementedError("Exercise 2:', "return self.net(z).view(len(z), 1, 28, 28)  #", 1)
    path = tmp_path / "01_vanilla_gan.ipynb"
    nbformat.write(nb, path)
    report = grading.grade_notebook(path, mode="quick")
    status = {r.name: r.status for r in report.results}
    assert status == {"generator": "failed", "discriminator": "not attempted", "discriminator_loss": "not attempted",
                      "generator_loss": "not attempted", "train_step": "not attempted"}
    assert "nn.Tanh()" in report.results[0].detail
    assert not report.all_passed and "0/5 checks passed" in report.format()


def test_lesson02_solution_builds_the_package_dcgan(root):
    from gan_course.models import dcgan

    ns = solution_namespace(root, "02_dcgan.ipynb", ["generator_block", "discriminator_block", "weights_init",
                                                       "Generator", "Discriminator", "SNDiscriminator"])
    pairs = [
        (lambda: ns["generator_block"](8, 4), lambda: dcgan.generator_block(8, 4), torch.randn(2, 8, 7, 7)),
        (lambda: ns["discriminator_block"](4, 8, False), lambda: dcgan.discriminator_block(4, 8, False), torch.randn(2, 4, 14, 14)),
        (lambda: ns["Generator"]().apply(ns["weights_init"]), lambda: dcgan.DCGANGenerator().apply(dcgan.dcgan_init), torch.randn(4, 64)),
        (lambda: ns["Discriminator"]().apply(ns["weights_init"]), lambda: dcgan.DCGANDiscriminator().apply(dcgan.dcgan_init),
         torch.rand(4, 1, 28, 28) * 2 - 1),
        (lambda: ns["SNDiscriminator"](), lambda: dcgan.SNDiscriminator(), torch.rand(4, 1, 28, 28) * 2 - 1),
    ]
    for mine, reference, x in pairs:
        assert_same_network(mine, reference, x)


def test_lesson03_solution_exercises_match_the_package(root):
    from gan_course import data
    from gan_course.metrics import modes
    from gan_course.packing import pack

    ns = solution_namespace(root, "03_mode_collapse.ipynb", ["mode_counts", "gradient_penalty", "packed_scores"])
    grid = data.grid()
    samples = grid.sample(500, seed=0) * 1.02  # some points drift out of their 3-std circle
    assert ns["mode_counts"](samples, grid.centers, grid.std).tolist() == modes.mode_report(samples, grid)["histogram"]
    critic = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    real, fake = torch.randn(32, 2), torch.randn(32, 2) + 1
    torch.manual_seed(0)
    mine = ns["gradient_penalty"](critic, real, fake)
    torch.manual_seed(0)
    reference = losses.gradient_penalty(lambda x: critic(x).squeeze(-1), real, fake, weight=10.0)
    assert torch.allclose(mine, reference)
    packed = nn.Linear(8, 1)
    assert all(torch.equal(a, b) for a, b in zip(ns["packed_scores"](packed, real, fake, 4), (packed(pack(real, 4)), packed(pack(fake, 4)))))


def test_lesson04_solution_builds_the_package_networks_and_step(root):
    from gan_course.models import conditional

    ns = solution_namespace(root, "04_conditional_gan.ipynb",
                            ["ConditionalGenerator", "ConcatDiscriminator", "ProjectionDiscriminator", "cgan_step"])
    x, y, z = torch.rand(6, 1, 28, 28) * 2 - 1, torch.arange(6), torch.randn(6, 64)
    pairs = [(ns["ConditionalGenerator"], conditional.ConditionalGenerator, (z, y)),
             (ns["ConcatDiscriminator"], conditional.ConcatDiscriminator, (x, y)),
             (ns["ProjectionDiscriminator"], conditional.ProjectionDiscriminator, (x, y))]
    for mine, reference, inputs in pairs:
        torch.manual_seed(0)
        a = mine().eval()
        torch.manual_seed(0)
        b = reference().eval()
        assert [(k, v.shape) for k, v in a.state_dict().items()] == [(k, v.shape) for k, v in b.state_dict().items()]
        assert all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())
        assert torch.equal(a(*inputs), b(*inputs))
    outcomes = []
    for step in (ns["cgan_step"], training.conditional_gan_step):
        torch.manual_seed(0)
        G, D = conditional.ConditionalGenerator(channels=4), conditional.ProjectionDiscriminator(channels=4)
        opt_G, opt_D = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
        outcomes.append((step(G, D, opt_G, opt_D, x, y, 64, 10), [p.detach().clone() for p in G.parameters()]))
    assert outcomes[0][0] == outcomes[1][0]
    assert all(torch.equal(a, b) for a, b in zip(outcomes[0][1], outcomes[1][1]))


def test_lesson05_solution_builds_the_package_cyclegan(root):
    from gan_course.models.image_pool import ImagePool
    from gan_course.models import cyclegan

    names = ["ResidualBlock", "CycleGenerator", "PatchDiscriminator", "discriminator_lsgan_loss", "generator_lsgan_loss",
             "cycle_loss", "identity_loss", "generator_objective", "History", "cyclegan_step"]
    ns = solution_namespace(root, "05_cyclegan.ipynb", names)
    x = torch.rand(3, 1, 28, 28) * 2 - 1
    for mine, reference in [(lambda: ns["CycleGenerator"](channels=4, n_blocks=2, n_down=2),
                             lambda: cyclegan.CycleGenerator(channels=4, n_blocks=2, n_down=2)),
                            (lambda: ns["PatchDiscriminator"](channels=4), lambda: cyclegan.PatchDiscriminator(channels=4))]:
        assert_same_network(mine, reference, x)
    real, fake = torch.randn(2, 1, 7, 7), torch.randn(2, 1, 7, 7)
    assert torch.equal(ns["discriminator_lsgan_loss"](real, fake), losses.discriminator_lsgan_loss(real, fake))
    assert torch.equal(ns["generator_lsgan_loss"](fake), losses.generator_lsgan_loss(fake))
    assert torch.equal(ns["cycle_loss"](x, -x), losses.cycle_loss(x, -x))
    assert torch.equal(ns["identity_loss"](x, -x), losses.identity_loss(x, -x))
    torch.manual_seed(0)
    nets = [cyclegan.CycleGenerator(channels=4, n_blocks=1), cyclegan.CycleGenerator(channels=4, n_blocks=1),
            cyclegan.PatchDiscriminator(channels=4), cyclegan.PatchDiscriminator(channels=4)]
    mine = ns["generator_objective"](*nets, x, -x, 10.0, 5.0)
    reference = training.cyclegan_generator_loss(*nets, x, -x, 10.0, 5.0)
    assert torch.equal(mine[0], reference[0]) and torch.equal(mine[2], reference[2])
    a, b = ns["History"](4, seed=3), ImagePool(4, seed=3)
    for batch in (torch.arange(6.0).view(6, 1, 1, 1), torch.arange(10.0, 30.0).view(20, 1, 1, 1)):
        assert torch.equal(a.query(batch), b.query(batch))
