"""Dataset layouts, the paper's preprocessing and clear messages, on generated fixtures."""

import gzip
from dataclasses import replace

import pytest
import torch

from zfcompanion import data
from zfcompanion.data import DatasetError
from zfcompanion.profiles import MINI, PAPER

from . import fixtures


def test_fashion_mnist_layout_splits_and_preprocessing(tmp_path):
    root = fixtures.fashion_mnist(tmp_path, train=600, test=100)
    profile = fixtures.mini_profile(600)
    splits = data.pretraining_splits(profile, root)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (480, 120, 100)
    assert splits.classes == list(data.FASHION_MNIST_CLASSES)
    # The held-out validation split is fixed by the seed and disjoint from training.
    again = data.pretraining_splits(profile, root)
    assert splits.val.dataset.indices == again.val.dataset.indices
    assert not set(splits.val.dataset.indices) & set(splits.train.dataset.indices)
    # Stored images: 28x28 padded to 32x32 on the 0-255 scale, minus the training split's mean image.
    image, label = splits.test[3]
    raw = splits.test.dataset.data[3].float()
    assert image.shape == (1, 32, 32) and label == 3
    assert torch.allclose(image[0, 2:30, 2:30] + splits.mean_image[0, 2:30, 2:30], raw)
    train_images = splits.train.dataset.dataset.data[splits.train.dataset.indices].float()
    assert torch.allclose(splits.mean_image[0, 2:30, 2:30], train_images.mean(0), atol=1e-3)
    # Training crops are the network's input size.
    crop, _ = splits.train[0]
    assert crop.shape == (1, 28, 28)


def test_training_crops_move_and_flip(tmp_path):
    root = fixtures.fashion_mnist(tmp_path, train=50, test=10)
    splits = data.pretraining_splits(fixtures.mini_profile(50), root)
    torch.manual_seed(0)
    crops = torch.stack([splits.train[0][0] for _ in range(40)])
    assert len(torch.unique(crops.flatten(1), dim=0)) > 10


def test_missing_fashion_mnist_names_path_and_command(tmp_path):
    with pytest.raises(DatasetError, match=r"Fashion-MNIST is not in .*FashionMNIST/raw: run `zfcompanion data --download"):
        data.pretraining_splits(MINI, tmp_path / "empty")


def test_missing_debian_package_names_the_apt_command(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", tmp_path / "not-installed")
    with pytest.raises(DatasetError, match=r"Fashion-MNIST is not in .*not-installed: install it with `apt-get install dataset-fashion-mnist`"):
        data.pretraining_splits(MINI)


def gz_fixture(tmp_path):
    """The Debian package's layout: the four .gz files in one folder."""
    plain = fixtures.fashion_mnist(tmp_path / "plain", train=20, test=10) / "FashionMNIST" / "raw"
    debian = tmp_path / "debian"
    debian.mkdir()
    for file in plain.iterdir():
        (debian / f"{file.name}.gz").write_bytes(gzip.compress(file.read_bytes()))
    return debian


def test_debian_gz_files_are_decompressed_into_torchvision_layout(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", gz_fixture(tmp_path))
    monkeypatch.setenv("ZFCOMPANION_CACHE", str(tmp_path / "cache"))
    splits = data.pretraining_splits(replace(MINI, val_size=5))
    assert (len(splits.train), len(splits.val), len(splits.test)) == (15, 5, 10)
    assert (tmp_path / "cache" / "datasets" / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").exists()


def test_corrupt_gz_file_is_named(tmp_path, monkeypatch):
    debian = gz_fixture(tmp_path)
    archive = debian / "train-labels-idx1-ubyte.gz"
    archive.write_bytes(archive.read_bytes()[:-12])  # cut off the CRC and length
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", debian)
    monkeypatch.setenv("ZFCOMPANION_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DatasetError, match=r"Fashion-MNIST file .*train-labels-idx1-ubyte.gz is corrupt"):
        data.pretraining_splits(MINI)
    assert not list((tmp_path / "cache").rglob("*.partial"))


def test_truncated_idx_file_is_named(tmp_path):
    root = fixtures.fashion_mnist(tmp_path, train=20, test=10)
    images = root / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:500])
    with pytest.raises(DatasetError, match=r"Fashion-MNIST in .*FashionMNIST/raw could not be read"):
        data.pretraining_splits(replace(MINI, val_size=5), root)


def test_imagenet_layout_and_paper_preprocessing(tmp_path):
    root = fixtures.imagenet(tmp_path, classes=3, per_class=4)
    splits = data.pretraining_splits(PAPER, root)
    assert (len(splits.train), len(splits.val), splits.test) == (12, 6, None)
    assert splits.classes == ["n00000000", "n00000001", "n00000002"]
    assert splits.mean_image.shape == (3, 256, 256)
    stored, label = splits.val[0]
    assert stored.shape == (3, 256, 256) and label == 0
    crop, _ = splits.train[0]
    assert crop.shape == (3, 224, 224)
    # The mean image is cached: a second call reads it rather than recomputing.
    assert torch.equal(data.pretraining_splits(PAPER, root).mean_image, splits.mean_image)


def test_imagenet_missing_says_what_layout_to_provide(tmp_path):
    with pytest.raises(DatasetError, match=r"ImageNet train images are not in .*train: pass --data-dir"):
        data.pretraining_splits(PAPER, tmp_path)
    with pytest.raises(DatasetError, match="The paper profile needs ImageNet: pass --data-dir"):
        data.pretraining_splits(PAPER, None)
