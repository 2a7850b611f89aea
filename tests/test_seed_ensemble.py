"""Lesson 03's seeds-at-once toy training: shapes, reproducibility, each recipe's code path, clear errors."""

import numpy as np
import pytest
import torch

from gan_course import data, metrics, results
from gan_course.packing import pack
from gan_course.training import seed_ensemble


@pytest.mark.parametrize("recipe", [
    seed_ensemble.Recipe("vanilla"),
    seed_ensemble.Recipe("pac", pack=4),
    seed_ensemble.Recipe("wgan", loss="wgan-gp", d_activation="relu", n_critic=5, betas=(0.5, 0.9)),
    seed_ensemble.Recipe("fast", d_activation="relu", lr_d=1e-3, lr_g=2e-3, decay=True),
])
def test_every_recipe_trains_all_seeds_and_each_can_be_measured(recipe):
    run = seed_ensemble.train_toy(recipe, data.ring(), n_seeds=2, steps=10, batch_size=16, n_snapshots=2, n_eval=100)
    assert run.samples.shape == (2, 100, 2) and torch.isfinite(run.samples).all()
    assert run.snapshots.shape == (2, 2, 100, 2) and torch.equal(run.snapshots[-1], run.samples)
    assert run.snapshot_steps[-1] == 10 and len(run.samples) == 2
    assert all(0 <= metrics.modes.mode_report(samples, run.mixture)["modes_captured"] <= 8 for samples in run.samples)


def test_the_same_seed_gives_the_same_samples_and_another_seed_does_not():
    recipe = seed_ensemble.Recipe("vanilla", pack=2)
    a, b, c = (seed_ensemble.train_toy(recipe, data.grid(), 2, 8, seed=s, batch_size=16, n_eval=50).samples for s in (0, 0, 1))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert not torch.equal(a[0], a[1])  # the seeds of a row are different models


def test_every_recipe_uses_the_same_generator():
    g = seed_ensemble.toy_generator(3, seed=1)
    assert [tuple(p.shape) for p in g.parameters()] == [(3, 32, 128), (3, 1, 128), (3, 128, 128), (3, 1, 128), (3, 128, 2), (3, 1, 2)]
    assert seed_ensemble.toy_generator(3, seed=1)(torch.zeros(3, 4, 32)).shape == (3, 4, 2)


@pytest.mark.parametrize("kwargs, message", [
    (dict(d_activation="sigmoid"), "d_activation"),
    (dict(loss="hinge"), "loss"),
    (dict(pack=0), "pack >= 1"),
])
def test_bad_recipes_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        seed_ensemble.Recipe("bad", **kwargs)


def test_bad_training_arguments_are_refused():
    with pytest.raises(ValueError, match="divisible by pack=4"):
        seed_ensemble.train_toy(seed_ensemble.Recipe("p", pack=4), data.ring(), 1, 5, batch_size=10)
    with pytest.raises(ValueError, match="n_critic=5"):
        seed_ensemble.train_toy(seed_ensemble.Recipe("w", loss="wgan-gp", n_critic=5), data.ring(), 1, 3)


def test_pack_along_the_batch_of_an_ensemble_equals_packing_each_model():
    x = torch.randn(3, 8, 2)
    packed = pack(x, 4, batch_dims=2)
    assert packed.shape == (3, 2, 8)
    assert all(torch.equal(packed[s], pack(x[s], 4)) for s in range(3))
    with pytest.raises(ValueError, match="divisible by m=3"):
        pack(x, 3, batch_dims=2)


def test_record_arrays_writes_only_in_a_benchmark_run(tmp_path, monkeypatch):
    arrays = {"vanilla_ring_seed0": torch.zeros(5, 2), "fast_d_grid_seed1": np.ones((5, 2))}
    monkeypatch.delenv("GAN_COURSE_RESULTS", raising=False)
    assert results.record_arrays("03_x_2d", arrays) is False
    monkeypatch.setenv("GAN_COURSE_RESULTS", str(tmp_path))
    assert results.record_arrays("03_x_2d", arrays) is True
    saved = np.load(tmp_path / "03_x_2d.npz")
    assert sorted(saved.files) == sorted(arrays) and saved["fast_d_grid_seed1"].dtype == np.float32


@pytest.mark.parametrize("arrays, message", [
    ({"wgan-gp_ring": np.zeros(2)}, "array names like"),
    ({"x": np.array([np.nan])}, "finite numbers"),
    ({}, "at least one array"),
])
def test_record_arrays_refuses_bad_input(arrays, message):
    with pytest.raises(ValueError, match=message):
        results.record_arrays("03_x_2d", arrays)


def test_snapshots_of_one_seed_are_keyed_by_step():
    run = seed_ensemble.train_toy(seed_ensemble.Recipe("vanilla"), data.ring(), n_seeds=2, steps=8, batch_size=16,
                                  n_snapshots=4, n_eval=20)
    frames = run.snapshots_of(1)
    assert list(frames) == run.snapshot_steps and torch.equal(frames[run.snapshot_steps[-1]], run.samples[1])
