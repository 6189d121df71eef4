"""Datasets and the paper's preprocessing, with torchvision's datasets and transforms.

Pre-training data (the profile's `dataset`):
- fashion-scenes: Fashion-MNIST's garments placed on cluttered 72x72 canvases (`scenes.py`), made
  once from torchvision's `FashionMNIST` layout (`ROOT/FashionMNIST/raw/*-ubyte`, read from
  `--data-dir`, or decompressed once from the Debian package `dataset-fashion-mnist` into the
  cache; torchvision's download only on request, `zfcompanion data --download`) and cached. The
  profile pre-trains on some of the ten classes (`Profile.pretraining_classes`); the others are
  held out for transfer (Tables 4-7).
- imagenet: ILSVRC 2012 in class-folder layout, `ROOT/train/<wnid>/*.JPEG` and `ROOT/val/<wnid>/*.JPEG`.

Every image is first brought to the profile's stored size (ImageNet: short side resized to 256,
center 256x256 crop; the scenes are made at 72x72), kept on the paper's 0-255 pixel scale,
and the per-pixel mean image of the training split is subtracted. All splits yield these stored
images: training takes a random `input_size` crop of each, flipped with probability 1/2, batch by
batch (`random_crops`, on the training device); evaluation crops in `evaluation.py`.
Fashion-MNIST is small enough to be preprocessed once, as one tensor, when it is loaded; ImageNet
is preprocessed image by image in the DataLoader's workers, with its mean image computed once and cached.
Its workers hand over uint8 images (a quarter of float32's bytes: moving images between processes
cost more than decoding them); `Loader` makes them float and subtracts the mean image, a batch at a
time, in the main process or on the training device. JPEGs whose short side is at least four times
the stored size are decoded at a half, a quarter or an eighth of their size (libjpeg's DCT scaling,
Pillow's `draft`), never below twice the stored size, which keeps the stored image within a grey
level of a full-size decode for almost every pixel (`test_data.py` measures it).

Transfer data (Caltech-101, Caltech-256, PASCAL VOC 2012, torchvision's layouts) get the
evaluation preprocessing: the center crop of the stored image, minus the pre-training mean image.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import math
import os
import shutil
import struct
import zlib
from xml.etree import ElementTree
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset, Subset
from torchvision import datasets
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F
from tqdm import tqdm

from . import scenes
from .errors import UserError
from .files import FULL, atomic_write_bytes, cache_dir, disk_full, temporary_beside, torch_bytes
from .profiles import Profile

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_CLASSES = datasets.FashionMNIST.classes


class DatasetError(UserError):
    """A dataset is missing, incomplete or corrupt."""


@dataclass
class Splits:
    """The pre-training data of a profile: stored-size images, mean subtracted, and their labels."""

    train: Dataset
    val: Dataset
    test: Dataset | None
    mean_image: torch.Tensor  # (C, stored_size, stored_size), 0-255 scale
    classes: list[str]


class SubtractMean(torch.nn.Module):
    """Subtract the per-pixel mean image (the paper's only input normalization) from an image or a
    batch of them, uint8 or float, giving float32."""

    def __init__(self, mean_image: torch.Tensor) -> None:
        super().__init__()
        self.mean_image = mean_image

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        # In place on a new float copy: one fresh tensor, not two (allocating costs more than subtracting).
        return image.to(torch.float32, copy=True).sub_(self.mean_image.to(image.device))


class Transformed(Dataset):
    """`dataset` (a torchvision dataset or a Subset of one) with `transform` applied to its images,
    then `finish`: a step that works on whole batches as well (`Loader` runs it on them)."""

    def __init__(self, dataset: Dataset, transform, finish=None) -> None:
        self.dataset, self.transform, self.finish = dataset, transform, finish

    def __len__(self) -> int:
        return len(self.dataset)

    def unfinished(self, index: int):
        """Item `index` before `finish`."""
        try:
            image, target = self.dataset[index]
        except OSError as error:  # PIL: an unreadable or truncated image file
            raise DatasetError(f"Image {_file_of(self.dataset, index)} cannot be read ({error}): replace it with "
                               f"a whole copy, or delete it from the folder.") from None
        return self.transform(image), target

    def __getitem__(self, index: int):
        image, target = self.unfinished(index)
        return (self.finish(image) if self.finish else image), target


class _Unfinished(Dataset):
    """What `Loader`'s workers load: a Transformed's items before their `finish`, each image as a
    height x width x channels view. Decoded and resized images are laid out so in memory, and stacking
    them into a batch in that order copies rows of pixels, where stacking them as channels x height x
    width would gather every byte apart (a fifth of a worker's time at ImageNet's size)."""

    def __init__(self, dataset: Transformed) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        image, target = self.dataset.unfinished(index)
        return image.permute(1, 2, 0), target


def _split_finish(dataset: Dataset) -> tuple[Dataset, object]:
    """(what workers should load, the step left for the batches) for `dataset`, through Subsets."""
    if isinstance(dataset, Subset):
        inner, finish = _split_finish(dataset.dataset)
        return Subset(inner, dataset.indices), finish
    if isinstance(dataset, Transformed) and dataset.finish is not None:
        return _Unfinished(dataset), dataset.finish
    return dataset, None


class Loader:
    """A DataLoader over one of the profiles' datasets whose workers stop before the dataset's `finish`
    step (ImageNet: uint8 images, mean not subtracted), which runs here on each batch, after the batch
    is moved to `device` when one is given. Yields what `DataLoader(dataset, **options)` would, its images
    channels_last in memory."""

    def __init__(self, dataset: Dataset, device: str | torch.device | None = None, **options) -> None:
        loaded, self.finish = _split_finish(dataset)
        self.device = device
        self.loader = DataLoader(loaded, **options)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self):
        for images, targets in self.loader:
            if self.finish:  # the workers' N x H x W x C batch, seen as N x C x H x W (channels_last in memory)
                images = images.permute(0, 3, 1, 2)
            if self.device is not None:
                images = images.to(self.device, non_blocking=True)
            yield (self.finish(images) if self.finish else images), targets


def _file_of(dataset: Dataset, index: int) -> str:
    """The file behind item `index` of a folder dataset, through any Subsets."""
    while isinstance(dataset, Subset):
        dataset, index = dataset.dataset, dataset.indices[index]
    samples = getattr(dataset, "samples", None)
    return str(samples[index][0]) if samples else f"number {index}"


class StoredImages(Dataset):
    """Images already preprocessed, in memory; `indices` are their positions in the source dataset,
    `placements` (scenes only) where each scene's garment lies (rows of `scenes.scenes`' placements)."""

    def __init__(self, images: torch.Tensor, targets: torch.Tensor, indices: list[int],
                 placements: torch.Tensor | None = None) -> None:
        self.images, self.targets, self.indices, self.placements = images, targets, indices, placements

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.images[index], int(self.targets[index])


def center_offset(profile: Profile) -> int:
    """Where the center view starts in a stored image (pixels from its top and left edges)."""
    return (profile.stored_size - profile.input_size) // 2


def input_boxes(dataset: Dataset, profile: Profile) -> torch.Tensor | None:
    """Each image's object box (top, left, bottom, right; bottom and right exclusive) in the pixels of the
    network input's center view, (N, 4); None for a dataset that records no object boxes (ImageNet's
    are not loaded)."""
    placements = getattr(dataset, "placements", None)
    if placements is None:
        return None
    return placements[:, 3:7] - center_offset(profile)


def labels(dataset: Dataset) -> torch.Tensor:
    """The class of every image of one of the profiles' datasets, without loading the images."""
    source = dataset.dataset if isinstance(dataset, Transformed) else dataset
    return torch.as_tensor(source.targets)


def limited(dataset, limit: int | None):
    """`limit` items of `dataset` spread evenly over it (all of them when `limit` is None): a folder
    dataset lists its images class by class, so the first items would all be of the first classes."""
    if not limit or limit >= len(dataset):
        return dataset
    return Subset(dataset, [index * len(dataset) // limit for index in range(limit)])


def one_per_class(labels: torch.Tensor, count: int, seed: int) -> list[int]:
    """Indices of one image from each of `count` classes, classes and images drawn with `seed`."""
    generator = torch.Generator().manual_seed(seed)
    classes = torch.randperm(int(labels.max()) + 1, generator=generator)[:count]
    return [int((labels == c).nonzero()[torch.randint(int((labels == c).sum()), (1,), generator=generator)])
            for c in classes]


def per_class(labels: torch.Tensor, count: int, seed: int) -> list[int]:
    """Indices of `count` images, the classes taking turns (so that each has its share), each class's
    images drawn in an order set by `seed`; sorted."""
    generator = torch.Generator().manual_seed(seed)
    queues = [members[torch.randperm(len(members), generator=generator)].tolist()
              for members in ((labels == c).nonzero().flatten() for c in labels.unique().tolist())]
    chosen = [queue[turn] for turn in range(max(map(len, queues))) for queue in queues if turn < len(queue)]
    return sorted(chosen[:count])


def random_crops(images: torch.Tensor, size: int) -> torch.Tensor:
    """The paper's training augmentation for a batch of stored images: each image's own random
    `size` x `size` crop, mirrored left-right with probability 1/2 (torch's global RNG)."""
    count, _, height, width = images.shape
    top = torch.randint(0, height - size + 1, (count,))
    left = torch.randint(0, width - size + 1, (count,))
    mirrored = torch.rand(count) < 0.5
    offsets = torch.arange(size)
    rows = top[:, None] + offsets
    cols = torch.where(mirrored[:, None], left[:, None] + offsets.flip(0), left[:, None] + offsets)
    batch = torch.arange(count)[:, None, None]
    rows, cols, batch = rows.to(images.device), cols.to(images.device), batch.to(images.device)
    return images.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


class StoredImage:
    """PIL image or uint8 tensor -> uint8 tensor at the stored size: the paper's resize of the short side
    (antialiased) and center crop, in RGB where the network takes colour. torchvision's functional ops,
    without v2.Compose's per-call dispatch (a twentieth of a loading worker's time at ImageNet's size)."""

    def __init__(self, size: int, rgb: bool) -> None:
        self.size, self.rgb = size, rgb

    def __call__(self, image: Image.Image | torch.Tensor) -> torch.Tensor:
        image = F.pil_to_tensor(image) if isinstance(image, Image.Image) else image
        if self.rgb and image.shape[0] == 1:
            image = F.grayscale_to_rgb(image)
        return F.center_crop(F.resize(image, [self.size], antialias=True), [self.size, self.size])


def stored_transform(profile: Profile) -> StoredImage:
    """The profile's `StoredImage`."""
    return StoredImage(profile.stored_size, profile.zf.in_channels == 3)


def workers(profile: Profile) -> int:
    """The profile's data-loading processes, never more than this machine's cores."""
    return min(profile.num_workers, os.cpu_count() or 1)


def center_input_transform(profile: Profile, mean_image: torch.Tensor) -> v2.Compose:
    """What the network sees at test time with one view: the center crop of the stored image, minus
    the mean image's center crop."""
    return v2.Compose([stored_transform(profile), SubtractMean(mean_image), v2.CenterCrop(profile.input_size)])


# --- Fashion-MNIST ------------------------------------------------------------------------------

def fashion_mnist_root(data_dir: Path | None) -> Path:
    """A folder in torchvision's FashionMNIST layout with whole files, made from the Debian package if need be."""
    if data_dir is not None:
        root = Path(data_dir)
        source = raw = root / "FashionMNIST" / "raw"
        if not (raw / "train-images-idx3-ubyte").exists() and not (raw / "train-images-idx3-ubyte.gz").exists():
            raise DatasetError(f"Fashion-MNIST is not in {raw}: run `zfcompanion data --download --data-dir {data_dir}` "
                               f"or `apt-get install dataset-fashion-mnist` and leave out --data-dir.")
    else:
        root, source = cache_dir() / "datasets", DEBIAN_FASHION_MNIST
        raw = root / "FashionMNIST" / "raw"
        if not DEBIAN_FASHION_MNIST.is_dir() and not all((raw / name[:-3]).exists() for name, _ in datasets.FashionMNIST.resources):
            raise DatasetError(f"Fashion-MNIST is not in {DEBIAN_FASHION_MNIST}: install it with "
                               f"`apt-get install dataset-fashion-mnist` or run `zfcompanion data --download`.")
    _decompress(source, raw)
    for name, _ in datasets.FashionMNIST.resources:
        _check_idx(raw / name[:-3])
    for split in ("train", "t10k"):
        _check_pair(raw / f"{split}-images-idx3-ubyte", raw / f"{split}-labels-idx1-ubyte")
    return root


def _decompress(source: Path, raw: Path) -> None:
    """Decompress each Fashion-MNIST .gz of `source` into `raw` once; gzip's CRC catches corruption."""
    for name, _ in datasets.FashionMNIST.resources:
        target = raw / name[:-3]
        if target.exists():
            continue
        archive = source / name
        if not archive.exists():
            raise DatasetError(f"Fashion-MNIST file {archive} is missing: reinstall `dataset-fashion-mnist` "
                               f"or run `zfcompanion data --download`.")
        raw.mkdir(parents=True, exist_ok=True)
        # A name of its own: processes started together (`make checkpoints`) each decompress beside the others.
        descriptor, partial_name = temporary_beside(target, suffix=".partial")
        partial = Path(partial_name)
        try:
            with gzip.open(archive) as compressed, open(descriptor, "wb") as plain:
                shutil.copyfileobj(compressed, plain)
        except BaseException as error:
            partial.unlink(missing_ok=True)
            if isinstance(error, (gzip.BadGzipFile, EOFError, zlib.error)):  # not gzip, cut short, or failing its CRC
                raise DatasetError(f"Fashion-MNIST file {archive} is corrupt ({error}): delete it and run "
                                   f"`zfcompanion data --download`, or reinstall `dataset-fashion-mnist`.") from None
            if isinstance(error, OSError) and error.errno in FULL:
                raise disk_full(target, error) from None
            raise
        partial.replace(target)


def _check_idx(path: Path) -> None:
    """Refuse a Fashion-MNIST file that is not a whole idx file of bytes (3 dimensions for images, 1 for
    labels): torchvision would fail on it with an assertion or a reshape error naming neither file nor fix."""
    ndim = 3 if "images" in path.name else 1
    header = 4 * (ndim + 1)
    with open(path, "rb") as file:
        head = file.read(header)
    whole = (len(head) == header and head[:4] == bytes((0, 0, 8, ndim))
             and path.stat().st_size == header + math.prod(struct.unpack(f">{ndim}I", head[4:])))
    if not whole:
        raise DatasetError(f"Fashion-MNIST file {path} is truncated or corrupt: replace it with a whole copy (if "
                           f"zfcompanion decompressed it from a .gz file, deleting it makes the next command do so afresh).")


def _idx_count(path: Path) -> int:
    with open(path, "rb") as file:
        return struct.unpack(">I", file.read(8)[4:8])[0]


def _check_pair(images: Path, labels: Path) -> None:
    """Refuse an images file and a labels file that do not belong together (t10k images copied over the
    training images, say), and labels outside the ten classes: either would train on wrong labels."""
    count_images, count_labels = _idx_count(images), _idx_count(labels)
    if count_images != count_labels:
        raise DatasetError(f"Fashion-MNIST files {images} ({count_images} images) and {labels} ({count_labels} "
                           f"labels) do not belong together: put the matching pair of files in {images.parent}.")
    values = np.fromfile(labels, dtype=np.uint8, offset=8)
    if values.size and int(values.max()) >= len(datasets.FashionMNIST.classes):
        raise DatasetError(f"Fashion-MNIST labels file {labels} holds label {int(values.max())}, but the classes are "
                           f"numbered 0 to {len(datasets.FashionMNIST.classes) - 1}: put a whole copy in {labels.parent}.")


@dataclass
class SceneSet:
    """Every Fashion-MNIST image of one split as a scene: uint8 pixels (N, STORED, STORED), the
    placements (N, 7), the labels (N,) over all ten classes."""

    images: torch.Tensor
    placements: torch.Tensor
    targets: torch.Tensor
    classes: list[str]


def scene_seed(seed: int, train: bool) -> int:
    """The seed of `scenes.scenes` for one split: the training and test scenes draw apart."""
    return seed * 2 + int(train)


def fashion_mnist_split(data_dir: Path | None, train: bool) -> datasets.FashionMNIST:
    """Fashion-MNIST's training or test split as torchvision holds it: `.data` (N, 28, 28) uint8, the
    scenes' sources, `.targets` and `.classes`."""
    return datasets.FashionMNIST(fashion_mnist_root(data_dir), train=train, download=False)


def fashion_scenes(data_dir: Path | None, train: bool, seed: int) -> SceneSet:
    """The scenes of Fashion-MNIST's training or test split, generated once (`scenes.scenes`) and
    cached, keyed by the source pixels, the seed and the recipe's version."""
    source = fashion_mnist_split(data_dir, train)
    pixels = source.data.numpy()
    key = hashlib.sha256(pixels.tobytes()).hexdigest()[:16]
    path = cache_dir() / "datasets" / f"fashion-scenes-v{scenes.VERSION}-{seed}-{key}.npz"
    if not path.exists():
        images, placements = scenes.scenes(pixels, seed=scene_seed(seed, train))
        atomic_write_bytes(path, scenes.to_bytes(images, placements))
    with np.load(path) as stored:
        images, placements = torch.from_numpy(stored["images"]), torch.from_numpy(stored["placements"])
    return SceneSet(images, placements, source.targets.clone(), list(source.classes))


def download(profile: Profile, data_dir: Path) -> Path:
    """Download the profile's pre-training data with torchvision (needs the internet)."""
    if profile.dataset != "fashion-scenes":
        raise DatasetError("ImageNet cannot be downloaded automatically: get ILSVRC 2012 from image-net.org "
                           "and arrange it as DATA_DIR/train/<wnid>/*.JPEG and DATA_DIR/val/<wnid>/*.JPEG.")
    datasets.FashionMNIST(data_dir, train=True, download=True)
    datasets.FashionMNIST(data_dir, train=False, download=True)
    return Path(data_dir)


# --- ImageNet -----------------------------------------------------------------------------------

SYNSET_NAMES = "LOC_synset_mapping.txt"  # ImageNet's "wnid name, other names" lines, as Kaggle ships them


def class_names(root: Path, wnids: list[str]) -> list[str]:
    """Readable names for ImageNet's class folders (synset ids): from `root`/LOC_synset_mapping.txt when it is
    there, else, for the 1000 classes in their usual order, the names torchvision's weights carry; else
    the ids themselves."""
    mapping = root / SYNSET_NAMES
    if mapping.is_file():
        names = dict(line.strip().split(" ", 1) for line in mapping.read_text().splitlines() if " " in line.strip())
        return [names.get(wnid, wnid).split(",")[0] for wnid in wnids]
    if len(wnids) == 1000 and wnids == sorted(wnids):
        from torchvision.models import AlexNet_Weights

        return list(AlexNet_Weights.IMAGENET1K_V1.meta["categories"])
    return wnids


def _imagenet_root(data_dir: Path | None) -> Path:
    """`data_dir`, checked to hold ImageNet's train/ and val/ folders (their images are not read)."""
    if data_dir is None:
        raise DatasetError("The paper profile needs ImageNet: pass --data-dir pointing to a folder with "
                           "train/<wnid>/*.JPEG and val/<wnid>/*.JPEG.")
    for split in ("train", "val"):
        folder = Path(data_dir) / split
        if not folder.is_dir():
            raise DatasetError(f"ImageNet {split} images are not in {folder}: pass --data-dir pointing to a folder with "
                               f"train/<wnid>/*.JPEG and val/<wnid>/*.JPEG (see the README's paper-profile section).")
    _check_same_classes(Path(data_dir))
    return Path(data_dir)


def _check_same_classes(root: Path) -> None:
    """Refuse val/ and train/ with different class folders: each split numbers its classes in sorted order,
    so a val/ without some of train's classes would give its images another class's label."""
    train, val = ({entry.name for entry in (root / split).iterdir() if entry.is_dir()} for split in ("train", "val"))
    if train != val:
        only = [f"{len(names)} only in {root / split} ({', '.join(sorted(names)[:3])}{', …' if len(names) > 3 else ''})"
                for split, names in (("train", train - val), ("val", val - train)) if names]
        raise DatasetError(f"ImageNet's train and val folders hold different classes: {'; '.join(only)}: give val/ "
                           f"one folder for each of train's classes, with the same names.")


# JPEG's start-of-frame markers (baseline, progressive, lossless...): their segment holds the image's size.
START_OF_FRAME = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_size(encoded: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG file's frame header, by walking its marker segments (a few bytes
    read, where opening it with Pillow parses every table); None for anything else."""
    if encoded[:2] != b"\xff\xd8":
        return None
    at = 2
    while at + 9 <= len(encoded) and encoded[at] == 0xFF:
        marker = encoded[at + 1]
        if marker == 0xFF:  # a fill byte before a marker
            at += 1
        elif marker in START_OF_FRAME:
            height, width = struct.unpack(">HH", encoded[at + 5:at + 9])
            return width, height
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a segment
            at += 2
        else:
            at += 2 + struct.unpack(">H", encoded[at + 2:at + 4])[0]
    return None


def decode(path: str, stored_size: int) -> Image.Image | torch.Tensor:
    """A file's image in RGB: a JPEG at least four times `stored_size` on its short side as a PIL image
    decoded at the smallest of 1/2, 1/4, 1/8 of its size that keeps twice `stored_size` (see the
    module's docstring); any other JPEG as a uint8 tensor decoded by TorchCodec (libjpeg-turbo, the same
    pixels as Pillow's without Pillow's copy into an array: `test_data.py`) from the bytes read once;
    other formats through Pillow."""
    from torchcodec.decoders import decode_jpeg  # the paper profile's dependency only

    encoded = Path(path).read_bytes()
    size = jpeg_size(encoded)
    if size is None or min(size) >= 4 * stored_size:
        with Image.open(io.BytesIO(encoded)) as image:
            image.draft("RGB", (2 * stored_size, 2 * stored_size))  # a no-op for other formats
            return image.convert("RGB")
    try:
        return decode_jpeg(encoded, mode="RGB")
    except RuntimeError as error:  # TorchCodec's word for a corrupt or truncated JPEG
        raise OSError(str(error)) from None


def _image_folder(root: Path, split: str, stored_size: int) -> datasets.ImageFolder:
    folder = Path(root) / split
    try:
        return datasets.ImageFolder(str(folder), loader=functools.partial(decode, stored_size=stored_size))
    except FileNotFoundError as error:  # ImageFolder's word for a folder without class folders of images
        raise DatasetError(f"ImageNet {split} folder {folder} holds no images ({error}): put them in class "
                           f"folders, {folder}/<wnid>/*.JPEG.") from None


# --- Splits and the mean image ------------------------------------------------------------------

def _held_out(count: int, profile: Profile) -> tuple[list[int], list[int]]:
    """(train, validation) indices: a fixed, seeded split of a training set without its own validation."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(profile.split_seed)).tolist()
    return sorted(order[profile.val_size:]), sorted(order[: profile.val_size])


def _fashion_scenes_splits(profile: Profile, data_dir: Path | None) -> Splits:
    """The scenes of the profile's pre-training classes, relabelled 0..n-1, as whole tensors."""
    full_train, test = (fashion_scenes(data_dir, train, profile.split_seed) for train in (True, False))
    kept = torch.tensor(profile.pretraining_classes)
    relabel = torch.full((len(full_train.classes),), -1, dtype=torch.long)
    relabel[kept] = torch.arange(len(kept))
    train_pool = torch.isin(full_train.targets, kept).nonzero().flatten().tolist()
    train_indices, val_indices = (sorted(train_pool[i] for i in part) for part in _held_out(len(train_pool), profile))
    test_indices = torch.isin(test.targets, kept).nonzero().flatten().tolist()
    # summed in float64: a float32 sum of tens of thousands of images ends in last bits that depend on
    # the CPU's vector kernels, and every input of every chapter inherits them
    mean = full_train.images[train_indices].double().mean(dim=0)[None].float()

    def split(source: SceneSet, indices: list[int]) -> StoredImages:
        images = source.images[indices][:, None].float() - mean
        return StoredImages(images, relabel[source.targets[indices]], indices, source.placements[indices])

    return Splits(train=split(full_train, train_indices), val=split(full_train, val_indices),
                  test=split(test, test_indices), mean_image=mean,
                  classes=[full_train.classes[c] for c in profile.pretraining_classes])


def dataset_key(dataset: Dataset) -> str:
    """A short fingerprint of a folder dataset (its root and its files, through Transformed and Subset
    wrappers), for cache names."""
    chosen = ""
    while isinstance(dataset, (Transformed, Subset)):
        if isinstance(dataset, Subset):
            chosen += hashlib.sha256(np.asarray(dataset.indices, dtype=np.int64).tobytes()).hexdigest()[:16]
        dataset = dataset.dataset
    source = str(getattr(dataset, "root", "")) + str(len(dataset)) + str(getattr(dataset, "samples", [])[:5]) + chosen
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def mean_image(profile: Profile, train: Dataset, batch_size: int = 256) -> torch.Tensor:
    """The per-pixel mean of a folder dataset's images at the stored size, computed once and cached."""
    path = cache_dir() / "mean_images" / f"{profile.dataset}-{profile.stored_size}-{dataset_key(train)}.pt"
    if path.exists():
        return torch.load(path, weights_only=True)
    loader = Loader(Transformed(train, stored_transform(profile)), batch_size=batch_size, num_workers=workers(profile))
    total = torch.zeros(profile.zf.in_channels, profile.stored_size, profile.stored_size, dtype=torch.float64)
    for images, _ in tqdm(loader, desc="mean image", unit="batch", leave=False, disable=None):
        total += images.double().sum(0)
    mean = (total / len(train)).float()
    atomic_write_bytes(path, torch_bytes(mean))
    return mean


def _imagenet_splits(profile: Profile, data_dir: Path | None, mean_of: int | None) -> Splits:
    root = _imagenet_root(data_dir)
    train, val = (_image_folder(root, split, profile.stored_size) for split in ("train", "val"))
    mean = mean_image(profile, limited(train, mean_of))
    stored, finish = stored_transform(profile), SubtractMean(mean)
    return Splits(train=Transformed(train, stored, finish), val=Transformed(val, stored, finish), test=None,
                  mean_image=mean, classes=class_names(root, list(train.classes)))


def check_data(profile: Profile, data_dir: Path | None = None) -> None:
    """Raise DatasetError unless the profile's pre-training data is in place; cheap (no image is read),
    for commands that must check their inputs before anything else."""
    data_dir = Path(data_dir) if data_dir else None
    if profile.dataset == "fashion-scenes":
        fashion_mnist_root(data_dir)
    elif profile.dataset == "imagenet":
        _imagenet_root(data_dir)
    else:
        raise ValueError(f"Unknown dataset {profile.dataset!r}.")


def check_class_count(profile: Profile, data_dir: Path | None) -> None:
    """Refuse to train the profile's network on a folder dataset with another number of classes: its
    last layer has `profile.num_classes` outputs, and the extra ones would never be trained."""
    if profile.dataset != "imagenet":
        return
    train = Path(data_dir) / "train"
    found = sum(1 for entry in train.iterdir() if entry.is_dir())
    if found != profile.num_classes:
        raise DatasetError(f"{train} holds {found} classes, but the {profile.name} profile's network has "
                           f"{profile.num_classes} outputs: train on ImageNet's {profile.num_classes} classes, as the paper did.")


def pretraining_splits(profile: Profile, data_dir: Path | None = None, mean_of: int | None = None) -> Splits:
    """The profile's pre-training data with the paper's preprocessing. A folder dataset's mean image is
    that of `mean_of` training images spread over the set (a smoke run's `--limit`), else of all."""
    data_dir = Path(data_dir) if data_dir else None
    if profile.dataset == "fashion-scenes":
        return _fashion_scenes_splits(profile, data_dir)
    if profile.dataset == "imagenet":
        return _imagenet_splits(profile, data_dir, mean_of)
    raise ValueError(f"Unknown dataset {profile.dataset!r}.")


# --- Transfer datasets (Tables 4-7) -------------------------------------------------------------

VOC_CLASSES = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
               "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
               "train", "tvmonitor")

CALTECH256_CLUTTER = "257.clutter"
TRANSFER_LAYOUTS = {
    "caltech101": "ROOT/caltech101/101_ObjectCategories/<class>/image_0001.jpg",
    "caltech256": "ROOT/caltech256/256_ObjectCategories/001.ak47/001_0001.jpg",
    "voc2012": "ROOT/VOCdevkit/VOC2012/{JPEGImages,Annotations,ImageSets/Main}",
}


class VOCLabels:
    """VOC annotation dict -> multi-hot tensor over the 20 classes present in the image."""

    def __call__(self, annotation: dict) -> torch.Tensor:
        labels = torch.zeros(len(VOC_CLASSES))
        for obj in annotation["annotation"]["object"]:
            labels[VOC_CLASSES.index(obj["name"])] = 1.0
        return labels


@dataclass
class TransferSet:
    dataset: Dataset  # (image at input size, mean subtracted; class index or multi-hot labels)
    classes: list[str]
    labels: torch.Tensor  # every item's class index (N,) or multi-hot labels (N, 20), without loading images


def transfer_dataset(name: str, root: Path, profile: Profile, mean_image: torch.Tensor,
                     image_set: str = "trainval") -> TransferSet:
    """Caltech-101, Caltech-256 or PASCAL VOC 2012 (`image_set` of VOC), preprocessed for a network
    pre-trained under `profile` with `mean_image`."""
    if name not in TRANSFER_LAYOUTS:
        raise DatasetError(f"Unknown transfer dataset {name!r}: choose one of {', '.join(TRANSFER_LAYOUTS)}.")
    _check_transfer_layout(name, Path(root), image_set)
    transform = center_input_transform(profile, mean_image)
    if name == "caltech101":
        dataset = datasets.Caltech101(str(root), target_type="category", transform=transform)
        return TransferSet(dataset, list(dataset.categories), torch.tensor(dataset.y))
    if name == "caltech256":
        dataset = datasets.Caltech256(str(root), transform=transform)
        # The 256 object classes: the clutter folder (torchvision's last category) is background, not a class.
        kept = [index for index, label in enumerate(dataset.y) if dataset.categories[label] != CALTECH256_CLUTTER]
        classes = [name for name in dataset.categories if name != CALTECH256_CLUTTER]
        return TransferSet(Subset(dataset, kept), classes, torch.tensor(dataset.y)[kept])
    to_labels = VOCLabels()
    dataset = datasets.VOCDetection(str(root), year="2012", image_set=image_set, transform=transform,
                                    target_transform=to_labels)
    labels = torch.stack([to_labels(dataset.parse_voc_xml(ElementTree.parse(path).getroot()))
                          for path in dataset.annotations]) if len(dataset) else torch.zeros(0, len(VOC_CLASSES))
    return TransferSet(dataset, list(VOC_CLASSES), labels)


def _check_transfer_layout(name: str, root: Path, image_set: str) -> None:
    """Raise DatasetError unless `root` holds what torchvision's dataset `name` opens first."""
    needed = {"caltech101": root / "caltech101" / "101_ObjectCategories",
              "caltech256": root / "caltech256" / "256_ObjectCategories",
              "voc2012": root / "VOCdevkit" / "VOC2012" / "ImageSets" / "Main" / f"{image_set}.txt"}[name]
    if not needed.exists():
        raise DatasetError(f"{name} is not in {root} (no {needed}): it must be laid out as {TRANSFER_LAYOUTS[name]} "
                           f"(torchvision.datasets downloads it there with download=True).")
