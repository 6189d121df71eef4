"""Dataset layouts, the paper's preprocessing and clear messages, on generated fixtures."""

import gzip
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import datasets

from zfcompanion import data
from zfcompanion.data import DatasetError
from zfcompanion.profiles import MINI, PAPER

from . import fixtures


def test_fashion_mnist_layout_splits_and_preprocessing(tmp_path):
    root = fixtures.fashion_mnist(tmp_path, train=600, test=100)
    profile = fixtures.mini_profile(600)
    splits = data.pretraining_splits(profile, root)
    # six of the ten classes (60 images each of the 600) are pre-trained on, relabelled 0..5
    assert (len(splits.train), len(splits.val), len(splits.test)) == (288, 72, 60)
    assert splits.classes == [data.FASHION_MNIST_CLASSES[c] for c in MINI.pretraining_classes]
    raw_train, raw_test = (datasets.FashionMNIST(root, train=train) for train in (True, False))
    kept = torch.tensor(MINI.pretraining_classes)
    assert torch.equal(kept[splits.train.targets], raw_train.targets[splits.train.indices])
    assert not torch.isin(raw_test.targets[splits.test.indices], kept).logical_not().any()
    # The held-out validation split is fixed by the seed and disjoint from training.
    assert splits.val.indices == data.pretraining_splits(profile, root).val.indices
    assert not set(splits.val.indices) & set(splits.train.indices)
    # Stored images: the scenes of the 28x28 sources on the 0-255 scale, minus the training split's mean image.
    scenes_of_test = data.fashion_scenes(root, train=False, seed=profile.split_seed)
    image, label = splits.test[3]
    source = splits.test.indices[3]
    assert image.shape == (1, 72, 72) and kept[label] == raw_test.targets[source]
    assert torch.allclose(image[0] + splits.mean_image[0], scenes_of_test.images[source].float())
    assert torch.equal(splits.test.placements[3], scenes_of_test.placements[source])
    mean = data.fashion_scenes(root, train=True, seed=profile.split_seed).images[splits.train.indices].double().mean(0)
    assert torch.allclose(splits.mean_image[0], mean.float(), atol=1e-3)
    assert type(splits.mean_image) is torch.Tensor  # loadable with weights_only=True


def test_random_crops_are_crops_or_mirrored_crops_of_each_image():
    torch.manual_seed(0)
    images = torch.randn(64, 2, 8, 8)
    crops = data.random_crops(images, 5)
    assert crops.shape == (64, 2, 5, 5)
    found = set()
    for image, crop in zip(images, crops):  # brute force over every window and mirror
        matches = [(top, left, mirror) for top in range(4) for left in range(4) for mirror in (False, True)
                   if torch.equal(crop, (image[:, top:top + 5, left:left + 5].flip(-1) if mirror
                                         else image[:, top:top + 5, left:left + 5]))]
        assert len(matches) == 1
        found.add(matches[0])
    assert len(found) > 20 and {m for _, _, m in found} == {False, True}


def test_missing_fashion_mnist_names_path_and_command(tmp_path):
    with pytest.raises(DatasetError, match=r"Fashion-MNIST is not in .*FashionMNIST/raw: run `zfcompanion data --download"):
        data.pretraining_splits(MINI, tmp_path / "empty")


def test_missing_debian_package_names_the_apt_command(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFCOMPANION_CACHE", str(tmp_path / "cache"))  # no copy decompressed by an earlier test
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
    assert (len(splits.train), len(splits.val), len(splits.test)) == (7, 5, 6)  # 12 and 6 of the pre-training classes
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


def test_a_failed_write_while_decompressing_is_not_called_corruption(tmp_path, monkeypatch):
    """Only gzip's own errors mean a corrupt archive; a write refused (here: permission) is itself."""
    def refused(source, target):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", gz_fixture(tmp_path))
    monkeypatch.setenv("ZFCOMPANION_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(data.shutil, "copyfileobj", refused)
    with pytest.raises(PermissionError):
        data.pretraining_splits(MINI)
    assert not list((tmp_path / "cache").rglob("*.partial"))


def test_truncated_idx_file_is_named(tmp_path):
    root = fixtures.fashion_mnist(tmp_path, train=20, test=10)
    images = root / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:500])
    with pytest.raises(DatasetError, match=r"Fashion-MNIST file .*raw/t10k-images-idx3-ubyte is truncated or corrupt: "
                                           r"replace it with a whole copy"):
        data.pretraining_splits(replace(MINI, val_size=5), root)


def test_images_and_labels_that_do_not_belong_together_are_refused(tmp_path):
    """t10k's images copied over the training images would train on the wrong labels; so would a label
    outside the ten classes."""
    root = fixtures.fashion_mnist(tmp_path / "copied", train=20, test=10)
    raw = root / "FashionMNIST" / "raw"
    (raw / "train-images-idx3-ubyte").write_bytes((raw / "t10k-images-idx3-ubyte").read_bytes())
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte \(10 images\) and .*train-labels-idx1-ubyte "
                                           r"\(20 labels\) do not belong together"):
        data.pretraining_splits(replace(MINI, val_size=5), root)
    root = fixtures.fashion_mnist(tmp_path / "labels", train=20, test=10)
    labels = root / "FashionMNIST" / "raw" / "train-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-1] + bytes([12]))
    with pytest.raises(DatasetError, match=r"holds label 12, but the classes are numbered 0 to 9"):
        data.pretraining_splits(replace(MINI, val_size=5), root)


def test_idx_file_with_a_wrong_header_is_named(tmp_path):
    """torchvision meets a wrong magic number with a bare AssertionError."""
    root = fixtures.fashion_mnist(tmp_path, train=20, test=10)
    labels = root / "FashionMNIST" / "raw" / "train-labels-idx1-ubyte"
    labels.write_bytes(b"\x00\x00\x09\x01" + labels.read_bytes()[4:])
    with pytest.raises(DatasetError, match=r"Fashion-MNIST file .*train-labels-idx1-ubyte is truncated or corrupt"):
        data.pretraining_splits(replace(MINI, val_size=5), root)


def test_an_unexpected_error_reading_fashion_mnist_is_not_turned_into_advice(tmp_path, monkeypatch):
    """A bug (here a ValueError inside torchvision's reader of whole files) surfaces as itself, not as
    'delete that folder'."""
    import torchvision.datasets.mnist

    def broken(path):
        raise ValueError("a bug in the reader")

    monkeypatch.setattr(torchvision.datasets.mnist, "read_image_file", broken)
    root = fixtures.fashion_mnist(tmp_path, train=20, test=10)
    with pytest.raises(ValueError, match="a bug in the reader"):
        data.pretraining_splits(replace(MINI, val_size=5), root)


def test_check_data_finds_missing_data_without_loading_it(tmp_path):
    with pytest.raises(DatasetError, match=r"Fashion-MNIST is not in .*nowhere/FashionMNIST/raw"):
        data.check_data(MINI, tmp_path / "nowhere")
    (tmp_path / "imagenet" / "train").mkdir(parents=True)
    with pytest.raises(DatasetError, match=r"ImageNet val images are not in .*val: pass --data-dir"):
        data.check_data(PAPER, tmp_path / "imagenet")
    data.check_data(MINI, fixtures.fashion_mnist(tmp_path / "fashion", train=20, test=10))


def test_imagenet_layout_and_paper_preprocessing(tmp_path):
    root = fixtures.imagenet(tmp_path, classes=3, per_class=4)
    splits = data.pretraining_splits(PAPER, root)
    assert (len(splits.train), len(splits.val), splits.test) == (12, 6, None)
    assert splits.classes == ["n00000000", "n00000001", "n00000002"]
    assert splits.mean_image.shape == (3, 256, 256)
    stored, label = splits.val[0]
    assert stored.shape == (3, 256, 256) and label == 0
    assert data.random_crops(torch.stack([splits.train[0][0]]), 224).shape == (1, 3, 224, 224)
    # The mean image is cached: a second call reads it rather than recomputing.
    assert torch.equal(data.pretraining_splits(PAPER, root).mean_image, splits.mean_image)


def test_a_smoke_runs_mean_image_is_that_of_its_limited_images_only(tmp_path):
    """`train --limit N` computes its mean image from its N images, spread over the classes, rather than
    reading the whole of ImageNet first."""
    root = fixtures.imagenet(tmp_path, classes=3, per_class=4)
    full = data.pretraining_splits(PAPER, root)
    limited = data.pretraining_splits(PAPER, root, mean_of=3)
    files = [path for path, _ in full.train.dataset.samples]
    chosen = [files[index] for index in data.limited(full.train, 3).indices]
    assert len({Path(path).parent.name for path in chosen}) == 3  # one image of each class
    by_hand = torch.stack([data.stored_transform(PAPER)(Image.open(path).convert("RGB")).double() for path in chosen])
    assert torch.allclose(limited.mean_image.double(), by_hand.mean(0), atol=1e-4)
    assert not torch.allclose(limited.mean_image, full.mean_image, atol=1)
    assert len(limited.train) == len(full.train)  # the splits themselves are whole


def test_loader_workers_hand_over_uint8_and_batches_equal_the_items(tmp_path):
    """ImageNet's loading workers stop before the mean image (uint8: a quarter of float32's bytes to move
    between processes); the batches that come out equal the dataset's own finished items, also through
    a Subset and on a worker process."""
    splits = data.pretraining_splits(PAPER, fixtures.imagenet(tmp_path, classes=3, per_class=4))
    subset = torch.utils.data.Subset(splits.train, [7, 2, 5, 11, 0])
    loader = data.Loader(subset, batch_size=3, num_workers=1)
    assert loader.loader.dataset[0][0].dtype == torch.uint8
    images, targets = map(torch.cat, zip(*loader))
    expected = [subset[i] for i in range(len(subset))]
    assert images.dtype == torch.float32
    assert torch.equal(images, torch.stack([image for image, _ in expected]))
    assert targets.tolist() == [target for _, target in expected]


@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
def test_jpegs_decode_to_pillows_pixels(tmp_path, mode):
    """Most JPEGs are decoded by torchvision's libjpeg-turbo binding: the same pixels as Pillow's."""
    path = tmp_path / "photo.JPEG"
    photograph(500, 375, seed=1).convert(mode).save(path, quality=90)
    decoded = data.decode(str(path), PAPER.stored_size)
    with Image.open(path) as image:
        pillow = torch.from_numpy(np.array(image.convert("RGB"))).permute(2, 0, 1)
    assert isinstance(decoded, torch.Tensor) and torch.equal(decoded, pillow)


def test_a_jpegs_size_is_read_from_its_header_as_pillow_reads_it():
    """`data.jpeg_size` against Pillow on JPEGs of ImageNet's kinds: baseline, progressive, greyscale,
    CMYK, with an EXIF segment in front, and on what is not a JPEG."""
    import io

    pictures = []
    for index, data_bytes in enumerate(fixtures.photograph_like_jpegs(10)):
        image = Image.open(io.BytesIO(data_bytes))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", progressive=index % 2 == 1, exif=Image.Exif() if index % 3 == 0 else b"")
        pictures += [data_bytes, buffer.getvalue()]
    assert {Image.open(io.BytesIO(picture)).mode for picture in pictures} == {"RGB", "L", "CMYK"}
    for picture in pictures:
        assert data.jpeg_size(picture) == Image.open(io.BytesIO(picture)).size
    png = io.BytesIO()
    Image.new("RGB", (5, 4)).save(png, format="PNG")
    assert data.jpeg_size(png.getvalue()) is None and data.jpeg_size(b"\xff\xd8") is None


def test_a_truncated_jpeg_is_an_os_error_as_from_pillow(tmp_path):
    path = tmp_path / "photo.JPEG"
    photograph(500, 375, seed=1).save(path, quality=90)
    path.write_bytes(path.read_bytes()[:20_000])
    with pytest.raises(OSError, match="truncated"):
        data.decode(str(path), PAPER.stored_size)


def photograph(width: int, height: int, seed: int) -> Image.Image:
    """Smooth shapes with fine grain, which compresses and scales like a photograph."""
    rng = np.random.default_rng(seed)
    coarse = Image.fromarray(rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)).resize((width, height), Image.BICUBIC)
    grain = rng.integers(-20, 21, size=(height, width, 3))
    return Image.fromarray((np.asarray(coarse).astype(np.int16) + grain).clip(0, 255).astype(np.uint8))


@pytest.mark.parametrize("width, height, reduced", [
    (1000, 750, False),  # halving the short side would go below twice the stored size: full size
    (1200, 1024, True), (1600, 1200, True), (2000, 1500, True), (3000, 2000, True), (1100, 2200, True)])
def test_reduced_size_jpeg_decoding_stays_within_a_grey_level(tmp_path, width, height, reduced):
    """Large JPEGs are decoded at a fraction of their size (DCT scaling), never below twice the stored
    size: the stored image stays within one grey level of a full-size decode for almost every pixel."""
    path = tmp_path / "photo.JPEG"
    photograph(width, height, seed=width).save(path, quality=90)
    stored = data.stored_transform(PAPER)
    with Image.open(path) as image:
        full = stored(image.convert("RGB")).int()
    decoded = data.decode(str(path), PAPER.stored_size)
    size = decoded.size if isinstance(decoded, Image.Image) else tuple(decoded.shape[:0:-1])
    assert (size != (width, height)) == reduced
    assert min(size) >= 2 * PAPER.stored_size
    difference = (stored(decoded).int() - full).abs().float()
    assert difference.mean() < 0.5
    assert (difference <= 1).float().mean() >= 0.98


def test_imagenet_val_without_some_of_trains_classes_is_refused(tmp_path):
    import shutil

    root = fixtures.imagenet(tmp_path, classes=3, per_class=2)
    shutil.rmtree(root / "val" / "n00000000")  # val's folders would otherwise be numbered one off from train's
    with pytest.raises(DatasetError, match=r"train and val folders hold different classes: 1 only in .*train \(n00000000\)"):
        data.check_data(PAPER, root)
    (root / "val" / "n00000007").mkdir()
    with pytest.raises(DatasetError, match=r"1 only in .*train \(n00000000\); 1 only in .*val \(n00000007\)"):
        data.pretraining_splits(PAPER, root)


def test_imagenet_missing_says_what_layout_to_provide(tmp_path):
    with pytest.raises(DatasetError, match=r"ImageNet train images are not in .*train: pass --data-dir"):
        data.pretraining_splits(PAPER, tmp_path)
    with pytest.raises(DatasetError, match="The paper profile needs ImageNet: pass --data-dir"):
        data.pretraining_splits(PAPER, None)


@pytest.mark.parametrize("name, make", [("caltech101", fixtures.caltech101), ("caltech256", fixtures.caltech256)])
def test_caltech_layouts(tmp_path, name, make):
    root = make(tmp_path, classes=3, per_class=4)
    transfer = data.transfer_dataset(name, root, PAPER, torch.zeros(3, 256, 256))
    assert len(transfer.dataset) == 12 and len(transfer.classes) == 3
    assert "BACKGROUND_Google" not in transfer.classes and "257.clutter" not in transfer.classes
    assert transfer.labels.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    image, label = transfer.dataset[5]
    assert image.shape == (3, 224, 224) and label == 1


def test_voc_multilabel_targets(tmp_path):
    transfer = data.transfer_dataset("voc2012", fixtures.voc2012(tmp_path), PAPER, torch.zeros(3, 256, 256))
    present = [[transfer.classes[i] for i in row.nonzero().flatten()] for row in transfer.labels]
    assert present == [["dog", "person"], ["cat"], ["bus", "car"]]
    image, labels = transfer.dataset[2]
    assert image.shape == (3, 224, 224) and torch.equal(labels, transfer.labels[2])


def test_missing_transfer_dataset_names_layout(tmp_path):
    with pytest.raises(DatasetError, match=r"caltech101 is not in .*: it must be laid out as ROOT/caltech101/101_ObjectCategories"):
        data.transfer_dataset("caltech101", tmp_path, PAPER, torch.zeros(3, 256, 256))


def test_voc_without_the_image_set_list_names_it(tmp_path):
    root = fixtures.voc2012(tmp_path)  # lists trainval only
    with pytest.raises(DatasetError, match=r"voc2012 is not in .* \(no .*ImageSets/Main/val.txt\): it must be laid out"):
        data.transfer_dataset("voc2012", root, PAPER, torch.zeros(3, 256, 256), image_set="val")


def test_an_unexpected_error_in_a_transfer_dataset_is_not_called_missing(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the loader")

    monkeypatch.setattr(datasets, "Caltech101", broken)
    root = fixtures.caltech101(tmp_path, classes=2, per_class=1)
    with pytest.raises(RuntimeError, match="a bug in the loader"):
        data.transfer_dataset("caltech101", root, PAPER, torch.zeros(3, 256, 256))


def test_a_corrupt_jpeg_is_named_also_from_a_loading_worker(tmp_path):
    """The paper profile reads ImageNet with worker processes; torch wraps a worker's error in its
    traceback, and the CLI still prints the one sentence naming the file."""
    import subprocess
    import sys

    root = fixtures.imagenet(tmp_path / "imagenet")
    broken = sorted((root / "train").rglob("*.JPEG"))[5]
    broken.write_bytes(broken.read_bytes()[:200])  # truncated mid-header
    result = subprocess.run([sys.executable, "-m", "zfcompanion.cli", "data", "--profile", "paper", "--data-dir", str(root)],
                            capture_output=True, text=True, cwd=fixtures.REPO, timeout=300,
                            env={**fixtures.environment(), "ZFCOMPANION_CACHE": str(tmp_path / "cache")})
    assert result.returncode == 2
    assert result.stderr.startswith(f"zfcompanion data: Image {broken} cannot be read (")
    assert "replace it with a whole copy, or delete it from the folder." in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_one_image_of_each_of_several_classes_drawn_with_the_seed():
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 3])
    chosen = data.one_per_class(labels, 3, seed=0)
    assert len(chosen) == 3 and len({int(labels[i]) for i in chosen}) == 3
    assert chosen == data.one_per_class(labels, 3, seed=0) and data.one_per_class(labels, 4, seed=1) != chosen


def test_imagenet_classes_are_named_in_figures_not_numbered(tmp_path):
    wnids = ["n01440764", "n01443537"]
    assert data.class_names(tmp_path, wnids) == wnids  # nothing to name them with
    (tmp_path / data.SYNSET_NAMES).write_text("n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\n")
    assert data.class_names(tmp_path, wnids) == ["tench", "goldfish"]
    everything = sorted(f"n{index:08d}" for index in range(1000))
    names = data.class_names(tmp_path / "elsewhere", everything)
    assert names[:2] == ["tench", "goldfish"] and len(names) == 1000


def test_per_class_gives_each_class_its_turn():
    labels = torch.tensor([0] * 10 + [1] * 3 + [2] * 10)
    chosen = data.per_class(labels, 9, seed=0)
    assert len(chosen) == len(set(chosen)) == 9 and chosen == sorted(chosen)
    assert [int((labels[chosen] == c).sum()) for c in range(3)] == [3, 3, 3]
    chosen = data.per_class(labels, 15, seed=0)  # class 1 runs out after 3: the others share the rest
    assert [int((labels[chosen] == c).sum()) for c in range(3)] == [6, 3, 6]
    assert data.per_class(labels, 9, seed=0) == data.per_class(labels, 9, seed=0) != data.per_class(labels, 9, seed=1)
