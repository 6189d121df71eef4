"""The transfer targets of Tables 4-7: the datasets a pre-trained network is carried to.

The paper profile uses the real ones (Caltech-101, Caltech-256, PASCAL VOC 2012, through
`data.transfer_dataset`). The mini profile has offline stand-ins, each made the same way on every
machine:

- **digits** for Caltech-101: scikit-learn's 1,797 handwritten digits (8x8), scaled up to 28x28;
- **letters** for Caltech-256: the 26 capital letters rendered from the fonts that matplotlib ships
  (so every machine has the same ones), each at a seeded random font, size, angle and offset: more
  classes, fewer images each, and no stroke style shared with the pre-training data;
- **fashion mosaics** for PASCAL VOC: 2x2 mosaics of held-out Fashion-MNIST test images, each cell
  filled with probability 3/4 (at least one), labelled with every class present (multi-label).

Every target is a `data.TransferSet`: network-input-sized images with the pre-training mean image
subtracted, class indices (or multi-hot labels), and class names.
"""

from __future__ import annotations

import string
from pathlib import Path

import matplotlib
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont
from torch.utils.data import TensorDataset

from .data import TRANSFER_LAYOUTS, TransferSet, pretraining_splits, transfer_dataset
from .errors import UserError
from .evaluation import views
from .profiles import Profile

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


def mosaic_pixels(pixels: torch.Tensor, labels: torch.Tensor, count: int, num_classes: int,
                  seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`count` 2x2 mosaics of half-size copies of `pixels` (N, 1, size, size); multi-hot labels."""
    generator = torch.Generator().manual_seed(seed)
    size = pixels.shape[-1]
    whole = pixels.double().round()  # whole grey levels, whatever rounding brought them here
    half = F.avg_pool2d(whole, 2).round().float()  # means of four whole numbers: exact, the same on every CPU
    mosaics, multi_hot = torch.zeros(count, 1, size, size), torch.zeros(count, num_classes)
    for index in range(count):
        filled = torch.rand(4, generator=generator) < 0.75
        filled[torch.randint(4, (1,), generator=generator)] = True
        for cell in filled.nonzero().flatten().tolist():
            source = int(torch.randint(len(pixels), (1,), generator=generator))
            top, left = (cell // 2) * (size // 2), (cell % 2) * (size // 2)
            mosaics[index, :, top : top + size // 2, left : left + size // 2] = half[source]
            multi_hot[index, labels[source]] = 1.0
    return mosaics, multi_hot


def transfer_target(profile: Profile, role: str, mean_image: torch.Tensor, data_dir: Path | None = None,
                    transfer_dir: Path | None = None) -> TransferSet:
    """The profile's stand-in for `role` ("caltech101", "caltech256" or "voc2012")."""
    name = profile.transfer_targets[role]
    if name in TRANSFER_LAYOUTS:
        if transfer_dir is None:
            raise UserError(f"The {profile.name} profile transfers to {name}: pass `transfer_dir`, the folder laid "
                            f"out as {TRANSFER_LAYOUTS[name]}.")
        return transfer_dataset(name, Path(transfer_dir), profile, mean_image)
    size = profile.input_size
    if name == "digits":
        pixels, labels = digits_pixels(size)
        return _as_target(pixels, labels, [str(d) for d in range(10)], profile, mean_image)
    if name == "letters":
        pixels, labels = letter_pixels(size, per_class=90, seed=profile.split_seed)
        return _as_target(pixels, labels, list(string.ascii_uppercase), profile, mean_image)
    if name == "fashion-mosaics":
        splits = pretraining_splits(profile, data_dir)  # the test set: held out of pre-training
        crops = views(splits.test.images + splits.mean_image, size, 1)[0]
        pixels, labels = mosaic_pixels(crops, splits.test.targets, 3000, profile.num_classes, profile.split_seed)
        return _as_target(pixels, labels, splits.classes, profile, mean_image)
    raise ValueError(f"Unknown transfer target {name!r}.")
