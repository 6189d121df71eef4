"""Fig. 8 and Table 1: does the network establish correspondence between parts of different images
of one class? Occlude the same part in several images; for a layer l, ε_i = x_i^l − x̃_i^l is how
image i's features change. If the part means the same thing to the network in every image, the
changes agree in sign: Δ_i, the mean over the other images j of the Hamming distance between
sign(ε_i) and sign(ε_j) divided by the feature length, is low; the paper's Δ_l is the mean of the
Δ_i. Random object parts (squares of the same size at random places on the object) give the reference.

Parts come from a JSON file (see data/annotations/): each image by its index in the profile's test set
(`"index"`; on the scenes, the index of its Fashion-MNIST source) or by a file beside the JSON
(`"file"`), with each part as the centre (row, col) of the occluding square. With `"coordinates":
"source centre"` the centres and the square's side are in the 28x28 source image, and each scene's
placement carries them onto the scene; otherwise they are in the network input."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from torch import nn
from torch.utils.data import Dataset

from .. import scenes
from ..data import SubtractMean, center_offset, stored_transform
from ..errors import UserError
from ..evaluation import views
from ..files import ROOT
from ..models import layer_vectors
from ..profiles import Profile

RANDOM = "random"
SOURCE_CENTRE = "source centre"  # parts annotated on the scene's 28x28 source image
INPUT_CENTRE = "input centre"  # parts annotated on the network input itself


@dataclass
class Annotations:
    path: Path
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
        """The largest standard deviation over the images of a part's position (pixels)."""
        return max(float(centres.double().std(0).max()) for centres in self.centres.values())


def annotation_path(profile: Profile, given: str | Path | None) -> Path:
    """The annotation file a chapter uses: the one it was given, else the profile's own."""
    if given:
        return Path(given)
    if profile.correspondence_annotations is None:
        raise UserError(f"The {profile.name} profile has no correspondence images of its own: pass the parameter "
                        f"`annotations` (a JSON file laid out as data/annotations/fashion_mnist_boots.json, "
                        f"listing images of one class and their parts).")
    return ROOT / profile.correspondence_annotations


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


def sign_changes(original: torch.Tensor, occluded: torch.Tensor) -> torch.Tensor:
    """Δ_i per image (row): the mean over the other images j of the Hamming distance between sign(ε_i)
    and sign(ε_j), divided by the feature length, where ε = original − occluded."""
    signs = torch.sign(original - occluded)
    count, length = signs.shape
    differ = (signs[:, None, :] != signs[None, :, :]).sum(-1).double()
    return differ.sum(1) / ((count - 1) * length)


def sign_change(original: torch.Tensor, occluded: torch.Tensor) -> float:
    """The paper's Δ: the mean of the images' Δ_i."""
    return float(sign_changes(original, occluded).mean())


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
                   device: str | torch.device = "cpu") -> dict[str, dict[str, torch.Tensor]]:
    """part (and "random") -> layer -> (repeats, images) values of Δ_i."""
    generator = torch.Generator().manual_seed(seed)
    x = views(stored, input_size, 1)[0].to(device)
    original = layer_vectors(model, x)
    result = {}
    for part in [*where.centres, RANDOM]:
        values = {layer: [] for layer in layers}
        for _ in range(repeats):
            corners = trial_corners(where, part, input_size, generator, jitter)
            occluded = layer_vectors(model, occlude(x, corners, where.sizes))
            for layer in layers:
                values[layer].append(sign_changes(original[layer], occluded[layer]))
        result[part] = {layer: torch.stack(v) for layer, v in values.items()}
    return result
