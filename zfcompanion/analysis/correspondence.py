"""Fig. 8 and Table 1: does the network establish correspondence between parts of different images
of one class? Occlude the same part in five images; for a layer l, ε_i = x_i^l − x̃_i^l is how
image i's features change. If the part means the same thing to the network in every image, the
changes agree in sign: Δ_l = mean over pairs i ≠ j of the Hamming distance between sign(ε_i) and
sign(ε_j), divided by the feature length, is low. Random occlusions give the reference.

Parts come from a JSON file (see data/annotations/): each image by its index in the profile's test set
(`"index"`) or by a file beside the JSON (`"file"`), with each part as the occluder's top-left corner
(row, col) in the network's input."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from torch import nn
from torch.utils.data import Dataset

from ..data import eval_transform
from ..errors import UserError
from ..evaluation import views
from ..files import ROOT
from ..profiles import Profile
from .invariance import layer_vectors

RANDOM = "random"


@dataclass
class Annotations:
    path: Path
    occluder_size: int
    images: list[dict]  # each {"index": int} or {"file": str}
    parts: dict[str, torch.Tensor]  # part name -> (images, 2) top-left corners
    how: str


def annotation_path(profile: Profile, given: str | Path | None) -> Path:
    """The annotation file a chapter uses: the one it was given, else the profile's own."""
    if given:
        return Path(given)
    if profile.correspondence_annotations is None:
        raise UserError(f"The {profile.name} profile has no correspondence images of its own: pass the parameter "
                        f"`annotations` (a JSON file laid out as data/annotations/fashion_mnist_boots.json, "
                        f"listing five images of one class and their parts).")
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
        parts = {name: torch.tensor([image["parts"][name] for image in record["images"]]) for name in names}
        return Annotations(path, int(record["occluder_size"]), [{k: v for k, v in image.items() if k != "parts"}
                                                                for image in record["images"]], parts, record.get("how", ""))
    except (KeyError, IndexError, TypeError, ValueError) as error:  # ValueError: also JSON's syntax errors
        raise UserError(f"Annotation file {path} is not laid out as data/annotations/fashion_mnist_boots.json "
                        f"({type(error).__name__}: {error}): every image needs an index or a file and the same parts.") from error


def annotated_images(annotations: Annotations, probe_set: Dataset, profile: Profile, mean_image: torch.Tensor) -> torch.Tensor:
    """The annotated images at the stored size, mean subtracted, as one batch."""
    stored = []
    for image in annotations.images:
        if "file" in image:
            file = annotations.path.parent / image["file"]
            if not file.is_file():
                raise UserError(f"Image {file}, listed in {annotations.path}, does not exist.")
            stored.append(eval_transform(profile, mean_image)(Image.open(file).convert("RGB" if profile.zf.in_channels == 3 else "L")))
        else:
            stored.append(probe_set[image["index"]][0])
    return torch.stack(stored)


def occlude(x: torch.Tensor, corners: torch.Tensor, size: int, fill: float = 0.0) -> torch.Tensor:
    """A copy of each image with a size x size square of `fill` at its own top-left corner."""
    occluded = x.clone()
    for image, (top, left) in zip(occluded, corners.tolist()):
        image[:, top : top + size, left : left + size] = fill
    return occluded


def sign_change(original: torch.Tensor, occluded: torch.Tensor) -> float:
    """Δ: the mean over ordered pairs i ≠ j of the Hamming distance between sign(ε_i) and sign(ε_j),
    divided by the feature length, where ε = original − occluded (rows are images)."""
    signs = torch.sign(original - occluded)
    count, length = signs.shape
    differ = (signs[:, None, :] != signs[None, :, :]).sum(-1).double()
    return float(differ.sum() / (count * (count - 1) * length))


def trial_corners(annotations: Annotations, part: str, input_size: int, generator: torch.Generator,
                  jitter: int) -> torch.Tensor:
    """One repeat's corners: the annotated part moved by up to `jitter` pixels, or random places."""
    count, size = len(annotations.images), annotations.occluder_size
    if part == RANDOM:
        return torch.randint(0, input_size - size + 1, (count, 2), generator=generator)
    shift = torch.randint(-jitter, jitter + 1, (count, 2), generator=generator)
    return (annotations.parts[part] + shift).clamp(0, input_size - size)


@torch.no_grad()
def correspondence(model: nn.Module, stored: torch.Tensor, annotations: Annotations, input_size: int,
                   repeats: int, seed: int, jitter: int = 1, layers: tuple[str, ...] = ("layer 5", "layer 7"),
                   device: str | torch.device = "cpu") -> dict[str, dict[str, torch.Tensor]]:
    """part (and "random") -> layer -> (repeats,) values of Δ."""
    generator = torch.Generator().manual_seed(seed)
    x = views(stored, input_size, 1)[0].to(device)
    original = layer_vectors(model, x)
    result = {}
    for part in [*annotations.parts, RANDOM]:
        values = {layer: [] for layer in layers}
        for _ in range(repeats):
            corners = trial_corners(annotations, part, input_size, generator, jitter)
            occluded = layer_vectors(model, occlude(x, corners.to(device), annotations.occluder_size))
            for layer in layers:
                values[layer].append(sign_change(original[layer], occluded[layer]))
        result[part] = {layer: torch.tensor(v) for layer, v in values.items()}
    return result
