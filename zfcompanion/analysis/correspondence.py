"""Fig. 8 and Table 1: does the network establish correspondence between parts of different images
of one class? Occlude the same part in several images; for a layer l, ε_i = x_i^l − x̃_i^l is how
image i's features change. If the part means the same thing to the network in every image, the
changes agree in sign: the Hamming distance between sign(ε_i) and sign(ε_j), divided by the feature
length, is low for every pair of images; Δ_i is image i's mean over the others and the paper's Δ_l
the mean of the Δ_i. Random object parts (squares of the same size at random places on the object)
give the reference. The pairs share images, so the statistics resample and permute images, never
pairs (`verdicts.pairwise_difference`).

On the mini profile the parts of every boot are located from its silhouette (`parts.py`); otherwise
they come from a JSON file (see data/annotations/): each image by its index in the profile's test set
(`"index"`; on the scenes, the index of its Fashion-MNIST source) or by a file beside the JSON
(`"file"`), with each part as the centre (row, col) of the occluding square. With `"coordinates":
"source centre"` the centres and the square's side are in the 28x28 source image, and each scene's
placement carries them onto the scene; otherwise they are in the network input."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import torch
from PIL import Image
from torch import nn
from torch.utils.data import Dataset

from .. import scenes
from ..data import SubtractMean, center_offset, fashion_mnist_split, stored_transform
from ..errors import UserError
from ..evaluation import views
from ..models import layer_vectors
from ..profiles import Profile
from .parts import SIDE, boot_parts

RANDOM = "random"
UNCHANGED = 1e-4  # a feature change below this share of the layer's largest value counts as no change
SOURCE_CENTRE = "source centre"  # parts annotated on the scene's 28x28 source image
INPUT_CENTRE = "input centre"  # parts annotated on the network input itself


@dataclass
class Annotations:
    path: Path | None  # the file they were read from; None: located by `located`
    occluder_size: int  # the square's side, in the annotated image's pixels
    images: list[dict]  # each {"index": int} or {"file": str}
    parts: dict[str, torch.Tensor]  # part name -> (images, 2) centres (row, col)
    how: str
    coordinates: str  # SOURCE_CENTRE or INPUT_CENTRE


@dataclass
class Squares:
    """Where the squares go on each image, in the network input's pixels."""

    centres: dict[str, torch.Tensor]  # part name -> (images, 2) centres (row, col)
    sizes: torch.Tensor  # (images,) each image's square side
    boxes: torch.Tensor  # (images, 4) the object's box (top, left, bottom, right): random parts fall in it

    def spread(self) -> float:
        """How far the least-moving part moves from image to image: over the parts, the smallest of
        each one's larger standard deviation (row or column) of its position (pixels)."""
        return min(float(centres.double().std(0).max()) for centres in self.centres.values())


def annotations_for(profile: Profile, given: str | Path | None, data_dir: Path | None, count: int) -> Annotations:
    """A chapter's images and parts: the annotation file it was given, else the first `count` test images
    of the profile's correspondence class with their parts located from the silhouette."""
    if given:
        return load_annotations(given)
    if profile.correspondence_class is None:
        raise UserError(f"The {profile.name} profile has no correspondence images of its own: pass the parameter "
                        f"`annotations` (a JSON file laid out as data/annotations/fashion_mnist_boots.json, "
                        f"listing images of one class and their parts).")
    return located(profile, data_dir, count)


def located(profile: Profile, data_dir: Path | None, count: int) -> Annotations:
    """The first `count` Fashion-MNIST test images of the profile's correspondence class (ankle boots,
    the class `parts.boot_parts` knows), every one of them, with their parts read off the silhouette."""
    source = fashion_mnist_split(data_dir, train=False)
    indices = (source.targets == profile.correspondence_class).nonzero().flatten()[:count].tolist()
    found = [boot_parts(source.data[index].numpy()) for index in indices]
    parts = {name: torch.tensor([image[name] for image in found], dtype=torch.float64) for name in found[0]}
    how = (f"The first {len(indices)} images of class {profile.correspondence_class} "
           f"({source.classes[profile.correspondence_class]}) of the Fashion-MNIST test split, none skipped; each "
           f"part located from the garment's silhouette by the rules of zfcompanion/analysis/parts.py.")
    return Annotations(None, SIDE, [{"index": index} for index in indices], parts, how, SOURCE_CENTRE)


def locator_errors(found: Annotations, hand: Annotations) -> dict[str, np.ndarray]:
    """Per part, over the images both hold, how far (source pixels, the larger of the row and column
    offsets) the located part lies from the hand-annotated one."""
    where = {image["index"]: row for row, image in enumerate(found.images)}
    shared = [(where[image["index"]], row) for row, image in enumerate(hand.images) if image.get("index") in where]
    return {name: np.array([float((found.parts[name][a] - hand.parts[name][b]).abs().max()) for a, b in shared])
            for name in hand.parts}


def load_annotations(path: str | Path) -> Annotations:
    """Read and check a correspondence annotation file."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"Annotation file {path} does not exist: pass `annotations` pointing to a JSON file "
                        f"laid out as data/annotations/fashion_mnist_boots.json.")
    try:
        record = json.loads(path.read_text())
        names = list(record["images"][0]["parts"])
        parts = {name: torch.tensor([image["parts"][name] for image in record["images"]], dtype=torch.float64)
                 for name in names}
        coordinates = record.get("coordinates", INPUT_CENTRE)
        if coordinates not in (SOURCE_CENTRE, INPUT_CENTRE):
            raise ValueError(f"coordinates must be {SOURCE_CENTRE!r} or {INPUT_CENTRE!r}")
        return Annotations(path, int(record["occluder_size"]), [{k: v for k, v in image.items() if k != "parts"}
                                                                for image in record["images"]], parts,
                           record.get("how", ""), coordinates)
    except (KeyError, IndexError, TypeError, ValueError) as error:  # ValueError: also JSON's syntax errors
        raise UserError(f"Annotation file {path} is not laid out as data/annotations/fashion_mnist_boots.json "
                        f"({type(error).__name__}: {error}): every image needs an index or a file and the same parts.") from error


def _position(probe_set: Dataset, index: int) -> int:
    """Where image `index` (its source's index, for a split that keeps them) sits in `probe_set`."""
    indices = getattr(probe_set, "indices", None)
    if indices is None:
        return index
    try:
        return list(indices).index(index)
    except ValueError:
        raise UserError(f"Image {index} is not among the profile's test images (it is of a class held out of "
                        f"pre-training, or out of range): annotate images of the pre-training classes.") from None


def annotated_images(annotations: Annotations, probe_set: Dataset, profile: Profile, mean_image: torch.Tensor) -> torch.Tensor:
    """The annotated images at the stored size, mean subtracted, as one batch."""
    stored = []
    for image in annotations.images:
        if "file" in image:
            file = annotations.path.parent / image["file"]
            if not file.is_file():
                raise UserError(f"Image {file}, listed in {annotations.path}, does not exist.")
            stored.append(SubtractMean(mean_image)(stored_transform(profile)(Image.open(file).convert("RGB" if profile.zf.in_channels == 3 else "L"))))
        else:
            stored.append(probe_set[_position(probe_set, image["index"])][0])
    return torch.stack(stored)


def squares(annotations: Annotations, probe_set: Dataset, profile: Profile) -> Squares:
    """The annotated parts carried into the network input (the center view): through each scene's
    placement for source-centre annotations, as they are otherwise."""
    count, offset = len(annotations.images), center_offset(profile)
    if annotations.coordinates == INPUT_CENTRE:
        whole = torch.tensor([0, 0, profile.input_size, profile.input_size])
        return Squares(dict(annotations.parts), torch.full((count,), annotations.occluder_size), whole.repeat(count, 1))
    placements = getattr(probe_set, "placements", None)
    if placements is None or any("index" not in image for image in annotations.images):
        raise UserError(f"{annotations.path} gives parts on source images ({SOURCE_CENTRE!r}), which only the scenes "
                        f"of the mini profile record: give them in the network input ({INPUT_CENTRE!r}).")
    where = [scenes.placement(placements[_position(probe_set, image["index"])].numpy()) for image in annotations.images]
    centres = {name: torch.tensor([[value - offset for value in place.to_scene(*point.tolist())]
                                   for place, point in zip(where, points)], dtype=torch.float64)
               for name, points in annotations.parts.items()}
    sizes = torch.tensor([max(1, round(annotations.occluder_size * place.scale)) for place in where])
    boxes = torch.tensor([[value - offset for value in place.box] for place in where])
    return Squares(centres, sizes, boxes)


def occlude(x: torch.Tensor, corners: torch.Tensor, sizes: torch.Tensor, fill: float = 0.0) -> torch.Tensor:
    """A copy of each image with a square of `fill`, of its own side, at its own top-left corner."""
    occluded = x.clone()
    for image, (top, left), size in zip(occluded, corners.tolist(), sizes.tolist()):
        image[:, top : top + size, left : left + size] = fill
    return occluded


def signs(original: torch.Tensor, occluded: torch.Tensor) -> torch.Tensor:
    """sign(ε), ε = original − occluded, per image (row); a change below `UNCHANGED` of the layer's
    largest value counts as none, so rounding that differs from CPU to CPU flips no sign."""
    change = (original - occluded).double()
    floor = UNCHANGED * float(original.abs().max())
    return torch.where(change.abs() <= floor, 0.0, torch.sign(change))


def sign_distances(signs: torch.Tensor) -> np.ndarray:
    """(images, images): the Hamming distance between two rows of signs, divided by their length;
    counted exactly (a product of one-hot codes, whole numbers in float64)."""
    codes = torch.stack([signs == value for value in (-1.0, 0.0, 1.0)], -1).flatten(1).double()
    return (signs.shape[1] - codes @ codes.T).numpy() / signs.shape[1]


def per_image(distances: np.ndarray) -> np.ndarray:
    """Δ_i: each image's mean distance to the other images."""
    return distances.sum(1) / (len(distances) - 1)


def trial_corners(where: Squares, part: str, input_size: int, generator: torch.Generator, jitter: int) -> torch.Tensor:
    """One repeat's top-left corners: the annotated part moved by up to `jitter` pixels, or a random
    place on the object (inside its box); every square stays inside the input."""
    count = len(where.sizes)
    if part == RANDOM:
        top, left, bottom, right = where.boxes.T.double()
        centres = torch.stack([top + torch.rand(count, generator=generator, dtype=torch.float64) * (bottom - top),
                               left + torch.rand(count, generator=generator, dtype=torch.float64) * (right - left)], 1)
    else:
        centres = where.centres[part] + torch.randint(-jitter, jitter + 1, (count, 2), generator=generator)
    corners = torch.round(centres - where.sizes[:, None] / 2).long()
    return torch.minimum(corners.clamp(min=0), (input_size - where.sizes)[:, None])


@torch.no_grad()
def correspondence(model: nn.Module, stored: torch.Tensor, where: Squares, input_size: int, repeats: int,
                   seed: int, jitter: int = 1, layers: tuple[str, ...] = ("layer 5", "layer 7"),
                   device: str | torch.device = "cpu") -> dict[str, dict[str, np.ndarray]]:
    """layer -> part -> (2N, 2N) sign distances among the N images occluded at the part, then at random
    object parts, averaged over the repeats (`verdicts.swap_test`'s layout). Each repeat moves each
    part by up to `jitter` pixels and draws one random place per image, shared by every part. The
    network runs in float64: a change then differs from CPU to CPU by far less than `UNCHANGED`, so no
    sign and no printed statistic does."""
    generator = torch.Generator().manual_seed(seed)
    model = copy.deepcopy(model).double()
    x = views(stored, input_size, 1)[0].double().to(device)
    original = layer_vectors(model, x)
    total = {layer: {part: 0.0 for part in where.centres} for layer in layers}
    for _ in range(repeats):
        hidden = {part: layer_vectors(model, occlude(x, trial_corners(where, part, input_size, generator, jitter), where.sizes))
                  for part in [RANDOM, *where.centres]}
        for layer in layers:
            random = signs(original[layer], hidden[RANDOM][layer])
            for part in where.centres:
                total[layer][part] += sign_distances(torch.cat([signs(original[layer], hidden[part][layer]), random]))
    return {layer: {part: value / repeats for part, value in parts.items()} for layer, parts in total.items()}


def part_and_random(distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Δ_i of each image occluded at the part, and at random object parts, from `correspondence`'s matrix."""
    n = len(distances) // 2
    return per_image(distances[:n, :n]), per_image(distances[n:, n:])


def scores(distances: Mapping[str, Mapping[str, np.ndarray]]) -> pd.DataFrame:
    """Table 1's layout from `correspondence`'s distances: per part, and random, each layer's mean Δ
    and its standard deviation over the images."""
    rows = {}
    for layer, parts in distances.items():
        for part, matrix in parts.items():
            for name, values in zip((part, RANDOM), part_and_random(matrix)):
                rows.setdefault(name, {}).update({f"layer{layer[-1]}_mean": values.mean(), f"layer{layer[-1]}_std": values.std(ddof=1)})
    order = [name for name in rows if name != RANDOM] + [RANDOM]  # as the paper: the parts, then random
    return pd.DataFrame([{"occlusion_location": name, **rows[name]} for name in order])
