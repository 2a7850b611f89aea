"""Lesson 03's checks pass on the reference and fail, with a specific message, on realistic bugs."""

import pytest
import torch

import wrong_lesson03 as wrong
from checkhelp import assert_check_fails
from gan_course import checks, losses
from gan_course.metrics.modes import mode_histogram
from gan_course.packing import pack


def reference_packed_scores(D, real, fake, m):
    return D(pack(real, m)), D(pack(fake, m))


def reference_mode_counts(samples, centers, std):
    from gan_course.data import GaussianMixture2D

    return mode_histogram(samples, GaussianMixture2D("x", centers, std))


def test_checks_pass_on_the_reference(capsys):
    checks.check_gradient_penalty(losses.gradient_penalty)
    checks.check_packed_scores(reference_packed_scores)
    checks.check_mode_counts(reference_mode_counts)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("[ok] ") for line in lines)


@pytest.mark.parametrize("fn, message", [
    (wrong.gp_on_real, "real samples only"),
    (wrong.gp_on_fake, "fake samples only"),
    (wrong.gp_without_create_graph, "create_graph=True"),
    (wrong.gp_without_weight, "missing its weight of 10"),
])
def test_gradient_penalty_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_gradient_penalty, fn, message=message)


@pytest.mark.parametrize("fn, message", [
    (wrong.packed_shuffled_together, "mix real and fake"),
    (wrong.packed_interleaved, "mix real and fake"),
    (wrong.packed_not_packed, "one score per pack"),
])
def test_packed_scores_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_packed_scores, fn, message=message)


@pytest.mark.parametrize("fn, message", [
    (wrong.counts_every_sample, "far from every mode is not evidence"),
    (wrong.counts_within_one_std, "<= 3 * std"),
    (wrong.counts_without_minlength, "one count per mode"),
])
def test_mode_counts_check_names_the_bug(fn, message):
    assert_check_fails(checks.check_mode_counts, fn, message=message)


def test_reference_gradient_penalty_trains_a_critic_towards_unit_gradients():
    torch.manual_seed(0)
    critic = torch.nn.Sequential(torch.nn.Linear(2, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1), torch.nn.Flatten(0))
    with torch.no_grad():
        critic[0].weight.mul_(5)
    real, fake = torch.randn(256, 2), torch.randn(256, 2) + 2
    opt = torch.optim.Adam(critic.parameters(), 1e-2)
    before = losses.gradient_penalty(critic, real, fake).item()
    for _ in range(100):
        opt.zero_grad()
        losses.gradient_penalty(critic, real, fake).backward()
        opt.step()
    assert losses.gradient_penalty(critic, real, fake).item() < 0.2 * before
