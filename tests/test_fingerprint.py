"""A run's fingerprint: what it counts (code as a notebook edits it, optimizer settings, initial weights, batches),
what it ignores (comments, logs, torch's own code), how it reports a change, and that it costs little."""

import dataclasses
import time

import pytest
import torch
from torch import nn

from gan_course import data, losses, training
from gan_course.models.dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_init
from gan_course.training.fingerprint import (CodeWalk, batches_fingerprint, describe_change, digest, fingerprint_run,
                                             network_digest)


def cell(source: str, namespace=None) -> dict:
    """Run a notebook cell in a kernel's globals (``__main__``) and return them."""
    namespace = {"__name__": "__main__", "torch": torch, "losses": losses} if namespace is None else namespace
    exec(source, namespace)
    return namespace


def code_of(fn) -> dict:
    walk = CodeWalk()
    walk.visit(fn)
    return walk.digests


def test_a_comment_does_not_count_and_an_edited_line_does():
    base = code_of(cell("def f(x):\n    return x * 2\n")["f"])
    assert code_of(cell("def f(x):\n    # doubled\n\n    return x * 2  # why\n")["f"]) == base
    assert code_of(cell("def f(x):\n    return x * 3\n")["f"]) != base
    assert code_of(cell("def f(x):\n    return x + 2\n")["f"]) != base


def test_the_walk_follows_globals_closures_and_defaults_into_our_code_only():
    kernel = cell("def inner(x):\n    return torch.tanh(x)\n"
                  "def middle(x):\n    return inner(x) + 1\n"
                  "def outer(x, d_loss=losses.discriminator_loss):\n    return middle(x)\n")
    names = set(code_of(kernel["outer"]))
    assert {"__main__:outer", "__main__:middle", "__main__:inner", "gan_course.losses:discriminator_loss"} <= names
    assert not any(name.startswith("torch") for name in names)  # torch is not ours: not walked
    before = code_of(kernel["outer"])
    cell("def inner(x):\n    return torch.sigmoid(x)\n", kernel)  # two calls away, edited in another cell
    after = code_of(kernel["outer"])
    assert [n for n in before if before[n] != after.get(n)] == ["__main__:inner"]

    def closing_over(weight):
        return lambda x: weight * x

    assert code_of(closing_over(10.0)) != code_of(closing_over(0.0))  # a cycle-loss weight of 0 is an ablation


def test_hyperparameters_count_by_content_and_logs_do_not():
    @dataclasses.dataclass
    class Hyper:
        gp_weight: float = 10.0

    kernel = cell("def step(x):\n    log.append(x)\n    return x * H.gp_weight * SETTINGS['scale']\n")
    kernel.update(log=[], H=Hyper(), SETTINGS={"scale": 1.0})
    base = code_of(kernel["step"])
    kernel["log"].extend(range(500))
    assert code_of(kernel["step"]) == base  # a log the step appends to is not the setup
    kernel["H"] = Hyper(gp_weight=0.1)
    assert code_of(kernel["step"]) != base
    kernel.update(H=Hyper(), SETTINGS={"scale": 2.0})
    assert code_of(kernel["step"]) != base


def test_the_networks_count_their_weights_structure_and_an_emas_decay():
    torch.manual_seed(0)
    G = DCGANGenerator(channels=8)
    first = network_digest(G)
    assert network_digest(G) == first
    G.apply(dcgan_init)
    assert network_digest(G) != first
    torch.manual_seed(0)
    assert network_digest(DCGANGenerator(channels=8)) == first  # the same seed, the same network
    ema = [network_digest(torch.optim.swa_utils.AveragedModel(
        G, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(decay))) for decay in (0.998, 0.99, 0.998)]
    assert ema[0] != ema[1] and ema[0] == ema[2]


def test_the_batches_count_their_seed_size_and_data_but_a_range_not_its_end():
    images = torch.rand(100, 1, 28, 28)
    base = data.Batches(images, batch_size=10, seed=0).fingerprint()
    assert data.Batches(images.clone(), batch_size=10, seed=0).fingerprint() == base
    assert data.Batches(images, batch_size=10, seed=1).fingerprint()["seed"] == 1
    assert data.Batches(images, batch_size=20, seed=0).fingerprint() != base
    other = images.clone()
    other[7, 0, 3, 3] += 0.5
    assert data.Batches(other, batch_size=10, seed=0).fingerprint()["tensors"] != base["tensors"]
    assert batches_fingerprint(range(100)) == batches_fingerprint(range(5000))  # the end of a range is the budget


def test_a_change_is_described_in_one_clause():
    images = torch.rand(64, 1, 28, 28)
    G, D = nn.Linear(4, 4), nn.Linear(4, 1)

    def components(lr=2e-4, betas=(0.5, 0.999), seed=0):
        state = {"G": G, "opt_G": torch.optim.Adam(G.parameters(), lr=lr, betas=betas),
                 "opt_D": torch.optim.Adam(D.parameters(), lr=2e-4)}
        return fingerprint_run(lambda real: None, data.Batches(images, batch_size=8, seed=seed), state)

    base = components()
    assert digest(components()) == digest(base) and len(digest(base)) == 16
    assert describe_change(base, components(lr=4e-4)) == ("the optimizer settings changed since the saved run "
                                                          "(opt_G lr 0.0002 -> 0.0004)")
    assert describe_change(base, components(lr=4e-4, betas=(0.0, 0.9), seed=1)) == (
        "the optimizer settings and the batches changed since the saved run "
        "(opt_G betas (0.5, 0.999) -> (0.0, 0.9); opt_G lr 0.0002 -> 0.0004; seed 0 -> 1)")


def test_fingerprinting_a_lesson_size_run_costs_well_under_a_second():
    torch.manual_seed(0)
    G, D = DCGANGenerator(), DCGANDiscriminator()
    ema = torch.optim.swa_utils.AveragedModel(G, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.998))
    state = {"G": G, "D": D, "ema": ema, "opt_G": torch.optim.Adam(G.parameters(), 4e-4, betas=(0.0, 0.9)),
             "opt_D": torch.optim.Adam(D.parameters(), 8e-4, betas=(0.0, 0.9))}
    mnist_size = torch.rand(60_000, 1, 28, 28) * 2 - 1  # full MNIST: 188 MB of float32
    batches = data.Batches(mnist_size, torch.zeros(60_000, dtype=torch.long), batch_size=64, seed=0)
    step = lambda real: training.gan_step(G, D, state["opt_G"], state["opt_D"], real, 64,  # noqa: E731
                                          losses.discriminator_hinge_loss, losses.generator_hinge_loss, ema)
    start = time.perf_counter()
    components = fingerprint_run(step, batches, state)
    seconds = time.perf_counter() - start
    assert seconds < 1.0, f"fingerprinting took {seconds:.2f} s"
    assert set(components["networks"]) == {"G", "D", "ema"} and set(components["optimizers"]) == {"opt_G", "opt_D"}
    assert "gan_course.losses:discriminator_hinge_loss" in components["step"]


@pytest.mark.parametrize("batches", [range(10), lambda step: torch.zeros(2)], ids=["range", "function"])
def test_other_kinds_of_batches_have_a_fingerprint(batches):
    assert batches_fingerprint(batches) == batches_fingerprint(batches)
    assert digest({"batches": batches_fingerprint(batches)})


def test_a_global_named_like_an_attribute_the_step_uses_is_not_part_of_the_setup():
    """`opt.step()` uses the attribute name `step`; a notebook global called `step` (a loop variable) must not count."""
    from gan_course.training.fingerprint import fingerprint_run
    namespace = {"__name__": "__main__"}
    exec("def train_step(opt):\n    opt.step()\n    return {}\n", namespace)
    fn = namespace["train_step"]
    namespace["step"] = 200
    first = fingerprint_run(lambda b: fn(None), range(3), {})
    namespace["step"] = 300
    assert fingerprint_run(lambda b: fn(None), range(3), {}) == first
