import pytest
import torch

from gan_course import data


def test_embedded_mnist_splits_are_fixed_stratified_and_disjoint():
    train, train_labels = data.load_mnist("train")
    test, test_labels = data.load_mnist("test")
    everything, _ = data.load_mnist("all")
    assert train.shape == (4500, 1, 28, 28) and test.shape == (500, 1, 28, 28) and everything.shape == (5000, 1, 28, 28)
    assert train.dtype == torch.float32 and train_labels.dtype == torch.int64
    assert torch.bincount(test_labels).tolist() == [50] * 10
    assert torch.bincount(train_labels).tolist() == [450] * 10
    train_idx, test_idx = data.stratified_split(torch.arange(10).repeat_interleave(500), 50, seed=0)
    assert not set(train_idx.tolist()) & set(test_idx.tolist())
    again, _ = data.load_mnist("test")
    assert torch.equal(test, again)


def test_embedded_mnist_is_in_minus_one_to_one():
    images, _ = data.load_mnist("test")
    assert images.min() == -1 and images.max() == 1


def test_a_prefix_of_the_training_split_has_every_digit():
    _, labels = data.load_mnist("train")
    assert torch.bincount(labels[:200], minlength=10).min() >= 10


def test_bad_split_is_explained():
    with pytest.raises(ValueError, match=r"expected split to be one of \('train', 'test', 'all'\), got 'validation'"):
        data.load_mnist("validation")


def test_full_mnist_offline_names_the_embedded_default(monkeypatch):
    from torchvision.datasets import MNIST

    # A local port that refuses connections: torchvision's own download code fails as it does offline.
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])
    with pytest.raises(data.DatasetUnavailableError, match=r"load_mnist\(\) \(the default, full=False\)"):
        data.load_mnist(full=True)


def test_ring_and_grid_match_the_published_benchmarks():
    ring, grid = data.ring(), data.grid()
    assert ring.n_modes == 8 and ring.std == 0.02
    assert torch.allclose(ring.centers.norm(dim=1), torch.full((8,), 2.0))
    assert grid.n_modes == 25 and grid.std == 0.05
    assert sorted(set(grid.centers[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]


def test_mixture_samples_are_seeded_and_near_their_modes():
    ring = data.ring()
    a, b = ring.sample(2000, seed=1), ring.sample(2000, seed=1)
    assert torch.equal(a, b) and a.shape == (2000, 2)
    nearest = torch.cdist(a, ring.centers).min(dim=1).values
    assert nearest.max() < 6 * ring.std
    counts = torch.bincount(torch.cdist(a, ring.centers).argmin(dim=1), minlength=8)
    assert counts.min() > 150  # every mode used, roughly uniformly


@pytest.mark.parametrize("call, message", [
    (lambda: data.ring(n_modes=0), "n_modes to be a positive number, got 0"),
    (lambda: data.grid(std=-1), "std to be a positive number, got -1"),
    (lambda: data.ring().sample(0), "n to be a positive integer, got 0"),
    (lambda: data.ring().sample(2.5), "n to be a positive integer, got 2.5"),
])
def test_bad_mixture_arguments_are_explained(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_batches_are_addressed_by_step_and_cover_each_epoch():
    x = torch.arange(10).float()
    batches = data.Batches(x, batch_size=3, seed=0)
    epoch = torch.cat([batches[i] for i in range(3)])
    assert len(set(epoch.tolist())) == 9  # one item dropped per epoch, none repeated
    fresh = data.Batches(x, batch_size=3, seed=0)
    assert torch.equal(fresh[4], batches[4])  # a resumed run sees the same batch at the same step
    assert not torch.equal(data.Batches(x, batch_size=3, seed=1)[0], batches[0])


def test_batches_keep_tensors_aligned_and_reject_bad_sizes():
    x, y = torch.arange(8).float(), torch.arange(8) * 10
    bx, by = data.Batches(x, y, batch_size=4)[1]
    assert torch.equal(bx.long() * 10, by)
    with pytest.raises(ValueError, match=r"batch_size to be an integer in \[1, 8\], got 9"):
        data.Batches(x, batch_size=9)
    with pytest.raises(ValueError, match="equal length"):
        data.Batches(x, y[:5], batch_size=2)


@pytest.mark.parametrize("images, message", [
    (torch.zeros(4, 784), r"expected images of shape \(N, 1 or 3, H, W\) in \[-1, 1\], got \(4, 784\)"),
    (torch.full((2, 1, 28, 28), 255.0), r"expected images in \[-1, 1\] \(a tanh output\), got values in \[255, 255\]"),
    ([[0.0]], "expected images as a torch.Tensor"),
])
def test_check_images_says_what_was_expected(images, message):
    with pytest.raises((ValueError, TypeError), match=message):
        data.check_images(images)


@pytest.mark.parametrize("labels, message", [
    (torch.zeros(4, 1, dtype=torch.long), r"one label per image, shape \(4,\), got \(4, 1\)"),
    (torch.zeros(3, dtype=torch.long), r"one label per image, shape \(4,\), got \(3,\)"),
    ([0, 1, 2, 3], r"got list"),
    (torch.zeros(4), "integer labels"),
])
def test_check_labels_wants_one_integer_label_per_image(labels, message):
    with pytest.raises(ValueError, match=message):
        data.check_labels(labels, 4)
    assert data.check_labels(torch.arange(4), 4).tolist() == [0, 1, 2, 3]
