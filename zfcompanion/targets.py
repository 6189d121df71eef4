"""The transfer targets of Tables 4-7: the datasets a pre-trained network is carried to.

The paper profile uses the real ones (Caltech-101, Caltech-256, PASCAL VOC 2012, through
`data.transfer_dataset`). The mini profile has offline stand-ins, each made the same way on every
machine. The paper carries an ImageNet network to new classes of the same kind of photographs; so
does the mini profile, from the garments it pre-trains on to those it never saw:

- **held-out garments** for Caltech-101: scenes (`scenes.py`) of the Fashion-MNIST test images of
  the classes held out of pre-training (`Profile.pretraining_classes`), center view;
- **held-out pairs** for Caltech-256, the harder set: scenes of two held-out garments, one class per
  unordered pair of held-out classes (ten classes from four), so more classes and finer ones;
- **garment scenes** for PASCAL VOC: scenes of two or three Fashion-MNIST test garments of any of the
  ten classes, the held-out ones included, labelled with every class present (multi-label);
- **digits** and **letters**, a far transfer to another domain: scikit-learn's 1,797 handwritten
  digits (8x8) scaled up, and the 26 capital letters rendered from the fonts that matplotlib ships,
  each at a seeded random font, size, angle and offset.

Every target is a `data.TransferSet`: network-input-sized images with the pre-training mean image
subtracted, class indices (or multi-hot labels), and class names.
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont
from torch.utils.data import TensorDataset

from . import scenes
from .data import TRANSFER_LAYOUTS, TransferSet, fashion_mnist_split, fashion_scenes, transfer_dataset
from .errors import UserError
from .evaluation import views
from .profiles import Profile

PLACEMENT_TRIES = 100  # draws of places for a scene whose garments must all fit
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
LETTER_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSerif.ttf",
                "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
                "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "cmr10.ttf", "cmss10.ttf")


def _as_target(pixels: torch.Tensor, labels: torch.Tensor, classes: list[str], profile: Profile,
               mean_image: torch.Tensor) -> TransferSet:
    """Input-sized pixels (N, 1, input, input), 0-255 -> a TransferSet the pre-trained network reads.
    Every stand-in's pixels are whole grey levels computed in exact arithmetic, so that they are the
    same on every CPU (float resizing differs in its last bits, and rounding a value that sits on .5
    then differs by a whole level; HOG's orientation bins and the classifiers carry that into printed
    numbers)."""
    mean_input = views(mean_image[None], profile.input_size, 1)[0][0]
    return TransferSet(TensorDataset(pixels - mean_input, labels), classes, labels)


def digits_pixels(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's digits as (N, 1, size, size) 0-255 pixels with a 2/28 border, and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    grey = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)  # exact: 17 grey levels, rounded once
    inner = size - 2 * round(size * 2 / 28)
    # Pillow resizes 8-bit images in integer arithmetic, the same on every CPU
    images = np.stack([np.asarray(Image.fromarray(image).resize((inner, inner), Image.BILINEAR)) for image in grey])
    border = (size - inner) // 2
    images = torch.tensor(images, dtype=torch.float32)[:, None]
    return F.pad(images, (border, size - inner - border) * 2), torch.tensor(digits.target)


def letter_pixels(size: int, per_class: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`per_class` renderings of each capital letter, white on black, as (N, 1, size, size) 0-255 pixels."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label, letter in enumerate(string.ascii_uppercase):
        for _ in range(per_class):
            font = ImageFont.truetype(str(FONT_DIR / LETTER_FONTS[rng.integers(len(LETTER_FONTS))]),
                                      int(rng.integers(size * 5 // 2, size * 7 // 2)))
            canvas = Image.new("L", (size * 4, size * 4))
            ImageDraw.Draw(canvas).text((size * 2, size * 2), letter, fill=255, font=font, anchor="mm")
            canvas = canvas.rotate(float(rng.uniform(-15, 15)), resample=Image.BILINEAR)
            shift = rng.integers(-size // 2, size // 2 + 1, size=2)
            canvas = canvas.transform(canvas.size, Image.AFFINE, (1, 0, shift[0], 0, 1, shift[1]))
            images.append(np.asarray(canvas.resize((size, size), Image.BILINEAR), dtype=np.float32))
            labels.append(label)
    return torch.tensor(np.stack(images))[:, None], torch.tensor(labels)


def held_out_garments(profile: Profile, data_dir: Path | None) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """The center views of the test scenes of the classes the profile holds out of pre-training:
    (N, 1, input, input) 0-255 pixels, labels 0..k-1, class names."""
    test = fashion_scenes(data_dir, train=False, seed=profile.split_seed)
    held_out = [c for c in range(len(test.classes)) if c not in profile.pretraining_classes]
    chosen = torch.isin(test.targets, torch.tensor(held_out)).nonzero().flatten()
    relabel = {c: k for k, c in enumerate(held_out)}
    pixels = test.images[chosen][:, None, scenes.MARGIN : scenes.MARGIN + scenes.INPUT, scenes.MARGIN : scenes.MARGIN + scenes.INPUT]
    labels = torch.tensor([relabel[int(c)] for c in test.targets[chosen]])
    return pixels.float(), labels, [test.classes[c] for c in held_out]


def held_out_pairs(profile: Profile, data_dir: Path | None, per_class: int = 150) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """`per_class` center views of scenes of two held-out test garments for each unordered pair of the
    held-out classes, a class repeated included ("coat & shirt", "coat & coat"), labelled by the pair:
    more classes than the held-out garments themselves, and finer ones, since telling a pair needs both
    garments seen. (N, 1, input, input) 0-255 pixels, labels, class names."""
    test = fashion_mnist_split(data_dir, train=False)
    held_out = [c for c in range(len(test.classes)) if c not in profile.pretraining_classes]
    pairs = list(itertools.combinations_with_replacement(held_out, 2))
    of_class = {c: (test.targets == c).nonzero().flatten().numpy() for c in held_out}
    if min(len(images) for images in of_class.values()) < 2:
        raise UserError(f"a held-out class has fewer than 2 test images in {data_dir}: a pair of one class needs two "
                        f"different images; use the full Fashion-MNIST test set")
    crop = slice(scenes.MARGIN, scenes.MARGIN + scenes.INPUT)
    pixels = torch.zeros(len(pairs) * per_class, 1, scenes.INPUT, scenes.INPUT)
    for label, pair in enumerate(pairs):
        for index in range(per_class):
            rng = np.random.default_rng([profile.split_seed, 4, label, index])
            chosen = [int(rng.choice(of_class[c])) for c in pair]
            while len(set(chosen)) < 2:  # two different images of a class repeated (it has two or more)
                chosen[1] = int(rng.choice(of_class[pair[1]]))
            canvas = _placed_together([test.data[i].numpy() for i in chosen], rng)
            pixels[label * per_class + index, 0] = torch.from_numpy(canvas[crop, crop].astype(np.float32))
    labels = torch.arange(len(pairs)).repeat_interleave(per_class)
    return pixels, labels, [f"{test.classes[a]} & {test.classes[b]}" for a, b in pairs]


def _placed_together(sources: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A scene holding every one of `sources`, their places drawn again until all fit."""
    for _ in range(PLACEMENT_TRIES):
        canvas, placed = scenes.multi_object_scene(sources, rng)
        if None not in placed:
            return canvas
    raise RuntimeError(f"{len(sources)} garments found no places together in {PLACEMENT_TRIES} draws: the scene "
                       f"layout of scenes.py leaves them too little room")


def garment_scenes(profile: Profile, data_dir: Path | None, count: int = 3000) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """`count` center views of scenes of two or three test garments of any class, and their multi-hot
    labels over the ten classes."""
    test = fashion_mnist_split(data_dir, train=False)
    sources = test.data.numpy()
    pixels, multi_hot = torch.zeros(count, 1, scenes.INPUT, scenes.INPUT), torch.zeros(count, len(test.classes))
    crop = slice(scenes.MARGIN, scenes.MARGIN + scenes.INPUT)
    for index in range(count):
        rng = np.random.default_rng([profile.split_seed, 2, index])
        chosen = rng.choice(len(sources), size=int(rng.integers(2, 4)), replace=False)
        canvas, placed = scenes.multi_object_scene([sources[i] for i in chosen], rng)
        pixels[index, 0] = torch.from_numpy(canvas[crop, crop].astype(np.float32))
        for source, where in zip(chosen, placed):
            if where is not None:
                multi_hot[index, int(test.targets[source])] = 1.0
    return pixels, multi_hot, list(test.classes)


@dataclass
class GarmentPairs:
    """Scenes of two garments of different pre-training classes (Fig. 7's label switches), each beside
    the same scene with one of its garments alone: center views, 0-255."""
    pairs: torch.Tensor  # (N, 1, input, input)
    alone: torch.Tensor  # (N, 2, 1, input, input): garment k alone on the same background, at the same place
    labels: torch.Tensor  # (N, 2): the garments' classes, numbered as in pre-training
    boxes: torch.Tensor  # (N, 2, 4): their ink boxes (top, left, bottom, right) in input pixels


def garment_pairs(profile: Profile, data_dir: Path | None, count: int) -> GarmentPairs | None:
    """`count` scenes of two test garments of different pre-training classes, placed apart; None for a
    profile whose images are not composed (photographs hold whatever they hold)."""
    if profile.pretraining_classes is None or profile.papers_data:
        return None
    test = fashion_mnist_split(data_dir, train=False)
    kept = torch.isin(test.targets, torch.tensor(profile.pretraining_classes)).nonzero().flatten().numpy()
    relabel = {c: k for k, c in enumerate(profile.pretraining_classes)}
    crop = slice(scenes.MARGIN, scenes.MARGIN + scenes.INPUT)
    found, index = [], 0
    while len(found) < count:
        chooser = np.random.default_rng([profile.split_seed, 3, index, 0])
        first, second = (int(i) for i in chooser.choice(kept, size=2, replace=False))
        index += 1
        if test.targets[first] == test.targets[second]:
            continue
        sources = [test.data[i].numpy() for i in (first, second)]
        canvas, placed = scenes.multi_object_scene(sources, np.random.default_rng([profile.split_seed, 3, index - 1, 1]))
        if None in placed:
            continue
        alone = []
        for source, where in zip(sources, placed):  # the same background, drawn again from the same seed
            single = scenes.background(np.random.default_rng([profile.split_seed, 3, index - 1, 1])).copy()
            scenes.paste(single, source, where.top, where.left, where.side)
            alone.append(single[crop, crop])
        found.append((canvas[crop, crop], np.stack(alone), [relabel[int(test.targets[i])] for i in (first, second)],
                      [np.array(where.box) - scenes.MARGIN for where in placed]))
    as_float = lambda arrays: torch.from_numpy(np.stack(arrays).astype(np.float32))
    return GarmentPairs(as_float([f[0] for f in found])[:, None], as_float([f[1] for f in found])[:, :, None],
                        torch.tensor([f[2] for f in found]), torch.from_numpy(np.stack([np.stack(f[3]) for f in found])))


def transfer_target(profile: Profile, role: str, mean_image: torch.Tensor, data_dir: Path | None = None,
                    transfer_dir: Path | None = None) -> TransferSet:
    """The profile's dataset for `role` ("caltech101", "caltech256" or "voc2012")."""
    name = profile.transfer_targets[role]
    if name in TRANSFER_LAYOUTS:
        if transfer_dir is None:
            raise UserError(f"The {profile.name} profile transfers to {name}: pass `zfcompanion book --transfer-dir "
                            f"ROOT` (the chapter's `transfer_dir`), the folder laid out as {TRANSFER_LAYOUTS[name]}.")
        return transfer_dataset(name, Path(transfer_dir), profile, mean_image)
    return stand_in(profile, name, mean_image, data_dir)


def stand_in(profile: Profile, name: str, mean_image: torch.Tensor, data_dir: Path | None = None) -> TransferSet:
    """The offline stand-in called `name`, preprocessed for a network pre-trained under `profile`."""
    size = profile.input_size
    if name == "held-out-garments":
        return _as_target(*held_out_garments(profile, data_dir), profile, mean_image)
    if name == "held-out-pairs":
        return _as_target(*held_out_pairs(profile, data_dir), profile, mean_image)
    if name == "garment-scenes":
        return _as_target(*garment_scenes(profile, data_dir), profile, mean_image)
    if name == "digits":
        pixels, labels = digits_pixels(size)
        return _as_target(pixels, labels, [str(d) for d in range(10)], profile, mean_image)
    if name == "letters":
        pixels, labels = letter_pixels(size, per_class=90, seed=profile.split_seed)
        return _as_target(pixels, labels, list(string.ascii_uppercase), profile, mean_image)
    raise ValueError(f"Unknown transfer target {name!r}.")
