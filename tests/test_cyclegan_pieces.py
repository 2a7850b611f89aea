"""Lesson 05's foundations: the digit domains, the optional photo download, CycleGAN's networks, losses and buffer."""

import urllib.error
import urllib.request

import pytest
import torch

from gan_course import data, losses, photos
from gan_course.data import DatasetUnavailableError
from gan_course.models.cyclegan import CycleGenerator, PatchDiscriminator, ResidualBlock
from gan_course.models.image_pool import ImagePool
from gan_course.training import cyclegan_step


def test_sklearn_digits_sit_in_mnists_frame_with_a_fixed_stratified_split():
    train, test, everything = (data.load_sklearn_digits(s) for s in ("train", "test", "all"))
    assert (len(train[0]), len(test[0]), len(everything[0])) == (1437, 360, 1797)
    assert train[0].shape[1:] == (1, 28, 28) and train[0].min() == -1 and train[0].max() <= 1
    border = torch.ones(28, 28, dtype=torch.bool)
    border[4:24, 4:24] = False
    assert (everything[0][:, 0][:, border] == -1).all()  # the 4-pixel pad is background, as in MNIST
    shares = torch.bincount(test[1], minlength=10).float() / torch.bincount(everything[1], minlength=10).float()
    assert ((shares - 0.2).abs() < 0.02).all()  # stratified: 20 % of every digit
    assert torch.equal(data.load_sklearn_digits("test")[0], test[0])  # fixed
    with pytest.raises(ValueError, match="split"):
        data.load_sklearn_digits("valid")


def test_photo_download_offline_raises_a_clear_error(monkeypatch, tmp_path):
    def offline(url, filename):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlretrieve", offline)
    with pytest.raises(DatasetUnavailableError, match="load_sklearn_digits") as err:
        photos.download_photo_pair("horse2zebra", folder=tmp_path)
    assert "horse2zebra.zip" in str(err.value)
    assert not list(tmp_path.iterdir())  # no partial file left behind
    with pytest.raises(ValueError, match="expected a photo pair"):
        photos.download_photo_pair("horses", folder=tmp_path)


def test_checksum_accepts_the_pinned_file_and_deletes_any_other(tmp_path):
    good = tmp_path / "pair.zip"
    good.write_bytes(b"the pinned bytes")
    archive = photos.Archive("https://example.invalid/pair.zip", good.stat().st_size, photos.sha256_of(good))
    assert photos.verify(good, archive) == good
    abc = tmp_path / "abc"
    abc.write_bytes(b"abc")
    assert photos.sha256_of(abc) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"the pinned bytez")  # same size, different content
    with pytest.raises(photos.ChecksumError, match="sha256"):
        photos.verify(bad, archive)
    assert not bad.exists()


def test_cyclegan_networks_keep_the_image_size_and_range():
    x = torch.rand(3, 1, 28, 28) * 2 - 1
    G, D = CycleGenerator(channels=8, n_blocks=2), PatchDiscriminator(channels=8)
    assert G(x).shape == (3, 1, 28, 28) and G(x).abs().max() <= 1
    assert D(x).shape == (3, 1, 7, 7)
    block = ResidualBlock(4)
    for p in block.parameters():
        torch.nn.init.zeros_(p)
    h = torch.randn(2, 4, 14, 14)
    assert torch.equal(block(h), h)  # a residual block with a zero body is the identity


def test_lsgan_cycle_and_identity_losses_on_known_values():
    ones, zeros = torch.ones(4, 1, 7, 7), torch.zeros(4, 1, 7, 7)
    assert losses.discriminator_lsgan_loss(ones, zeros) == 0 and losses.discriminator_lsgan_loss(zeros, ones) == 1
    assert losses.generator_lsgan_loss(ones) == 0 and losses.generator_lsgan_loss(zeros) == 1
    x = torch.zeros(2, 1, 28, 28)
    assert losses.cycle_loss(x, x + 0.5) == pytest.approx(0.5) and losses.identity_loss(x, x - 0.25) == pytest.approx(0.25)


def test_history_buffer_fills_then_mixes_old_and_new_fakes():
    buffer = ImagePool(capacity=4, seed=0)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(buffer.query(first), first)  # filling: the new fakes come back
    new = torch.arange(10.0, 74.0).view(64, 1, 1, 1)
    out = buffer.query(new)
    old = out.flatten() != new.flatten()  # an earlier fake in place of this one
    assert out.shape == new.shape and 0.3 < old.float().mean() < 0.7  # about half are earlier fakes
    assert not buffer.query(torch.ones(2, 1, 1, 1, requires_grad=True)).requires_grad
    with pytest.raises(ValueError, match="capacity"):
        ImagePool(capacity=-1)


def test_cyclegan_step_updates_generators_and_discriminators_separately():
    torch.manual_seed(0)
    G_ab, G_ba = CycleGenerator(channels=4, n_blocks=1), CycleGenerator(channels=4, n_blocks=1)
    D_a, D_b = PatchDiscriminator(channels=4), PatchDiscriminator(channels=4)
    opt_G = torch.optim.Adam([*G_ab.parameters(), *G_ba.parameters()], 1e-3)
    opt_D = torch.optim.Adam([*D_a.parameters(), *D_b.parameters()], 1e-3)
    before = [p.detach().clone() for p in (*G_ab.parameters(), *D_a.parameters())]
    out = cyclegan_step(G_ab, G_ba, D_a, D_b, opt_G, opt_D, torch.rand(4, 1, 28, 28) * 2 - 1,
                        torch.rand(4, 1, 28, 28) * 2 - 1, ImagePool(8), ImagePool(8))
    after = [*G_ab.parameters(), *D_a.parameters()]
    assert all(not torch.equal(a, b) for a, b in zip(before, after))
    assert set(out) == {"loss_G", "loss_adversarial", "loss_cycle", "loss_identity", "loss_D_a", "loss_D_b"}
    assert all(p.requires_grad for p in D_a.parameters())  # unfrozen again after the G update
