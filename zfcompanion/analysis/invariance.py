"""Fig. 5: how features and output change as an image is translated vertically, scaled and rotated.

On the scenes, each transform moves the garment over the scene's own background (`scenes.moved`),
so translation and scale move the object within the canvas. Elsewhere they act on the image's pixels
(the mean image added back) before the network's own preprocessing, and fill what they uncover with
the image's background colour. Distances between the
original's and the transformed image's feature vectors are divided by the original vector's length,
so that layer 1 and layer 7 read on one scale."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import Dataset
from torchvision.transforms.v2 import functional as TF

from .. import data, scenes
from ..evaluation import views
from ..images import background_colour, correlations
from ..models import layer_vectors
from ..profiles import Profile

TRANSFORMS = ("vertical translation", "scale", "rotation")
AMOUNTS = {"vertical translation": np.round(np.linspace(-0.3, 0.3, 13), 3).tolist(),  # Fig. 5's ranges
           "scale": np.round(np.linspace(0.6, 1.6, 11), 3).tolist(),
           "rotation": list(range(0, 361, 10))}
UNITS = {"vertical translation": "fraction of the height", "scale": "scale factor", "rotation": "degrees"}


def transform(pixels: torch.Tensor, kind: str, amount: float) -> torch.Tensor:
    """(C, H, W) pixels moved by `amount`: a fraction of the height (translation, down is positive),
    a scale factor, or degrees counter-clockwise; uncovered pixels take the border's median colour."""
    fill = background_colour(pixels[None])[0].tolist()
    height = pixels.shape[-2]
    if kind == "vertical translation":
        return TF.affine(pixels, angle=0.0, translate=[0, round(amount * height)], scale=1.0, shear=[0.0], fill=fill)
    if kind == "scale":
        return TF.affine(pixels, angle=0.0, translate=[0, 0], scale=amount, shear=[0.0], fill=fill,
                         interpolation=TF.InterpolationMode.BILINEAR)
    if kind == "rotation":
        return TF.rotate(pixels, amount, interpolation=TF.InterpolationMode.BILINEAR, fill=fill)
    raise ValueError(f"Unknown transform {kind!r}: choose one of {', '.join(TRANSFORMS)}.")


@dataclass
class Curves:
    amounts: list[float]
    distance: dict[str, torch.Tensor]  # "layer 1", "layer 7" -> (images, amounts), relative to the original's length
    true_probability: torch.Tensor  # (images, amounts)
    pictures: torch.Tensor  # (images, amounts, C, input, input) what the network saw, pixels


def transformed(pixels: torch.Tensor, kind: str, amounts: list[float]) -> torch.Tensor:
    """(images, amounts, C, H, W): each (C, H, W) picture of `pixels` under `transform` at each amount."""
    return torch.stack([torch.stack([transform(image, kind, amount) for amount in amounts]) for image in pixels])


def moved_scenes(sources: np.ndarray, indices: list[int], seed: int, kind: str, amounts: list[float]) -> torch.Tensor:
    """(images, amounts, 1, H, W): scenes `indices` (of `scenes.scenes(sources, seed)`) with the garment
    moved over its own background at each amount."""
    return torch.stack([torch.stack([torch.from_numpy(scenes.moved(sources[index], seed, index, kind, amount)).float()[None]
                                     for amount in amounts]) for index in indices])


def moved_probes(probe_set: Dataset, chosen: list[int], mean_image: torch.Tensor, profile: Profile,
                 data_dir: Path | None) -> dict[str, torch.Tensor]:
    """Per transform of `AMOUNTS`, the images `chosen` of `probe_set` moved by each amount (images,
    amounts, C, H, W; 0-255 pixels): on the scenes the garment moves over its own background, elsewhere
    the whole picture moves."""
    if getattr(probe_set, "placements", None) is not None:
        sources = data.fashion_mnist_split(data_dir, train=False).data.numpy()
        seed = data.scene_seed(profile.split_seed, train=False)
        indices = [probe_set.indices[i] for i in chosen]
        return {kind: moved_scenes(sources, indices, seed, kind, steps) for kind, steps in AMOUNTS.items()}
    pixels = torch.stack([probe_set[i][0] for i in chosen]) + mean_image
    return {kind: transformed(pixels, kind, steps) for kind, steps in AMOUNTS.items()}


def curves(model: nn.Module, stored: torch.Tensor, moved: torch.Tensor, targets: torch.Tensor, mean_image: torch.Tensor,
           input_size: int, amounts: list[float], device: str | torch.device = "cpu") -> Curves:
    """Fig. 5's curves for stored images (mean subtracted) and their `moved` pictures (images, amounts,
    C, H, W; 0-255 pixels at the stored size), one per amount of one transform."""
    seen = views(moved.flatten(0, 1), input_size, 1)[0]
    inputs = seen - views(mean_image[None], input_size, 1)[0]
    original = layer_vectors(model, views(stored, input_size, 1)[0].to(device))
    result = layer_vectors(model, inputs.to(device))
    count, steps = len(stored), len(amounts)
    distance = {}
    for layer in ("layer 1", "layer 7"):
        reference = original[layer].repeat_interleave(steps, 0)
        distance[layer] = ((result[layer] - reference).norm(dim=1) / reference.norm(dim=1).clamp_min(1e-12)).view(count, steps).cpu()
    true = result["probabilities"].view(count, steps, -1)[torch.arange(count), :, targets].cpu()
    return Curves(list(amounts), distance, true, seen.view(count, steps, *seen.shape[1:]))


def rotational_symmetry(rotated: Curves) -> torch.Tensor:
    """Per image, the mean correlation between the pixels it shows rotated by each angle that is not a
    whole turn and those it shows unrotated: 1 for an image that looks the same at every angle."""

    turned = [i for i, angle in enumerate(rotated.amounts) if angle % 360 != 0]
    upright = rotated.amounts.index(next(angle for angle in rotated.amounts if angle % 360 == 0))
    pictures = rotated.pictures
    return torch.stack([correlations(pictures[:, upright], pictures[:, i]) for i in turned], dim=1).mean(1)


def nearest_step(result: Curves, kind: str) -> int:
    """The index of the smallest step away from the untransformed image (scale 1, otherwise 0)."""
    steps = np.array(result.amounts)
    return int(np.argmin(np.abs(steps - (1.0 if kind == "scale" else 0.0)))) + 1


def other_class_partners(targets: torch.Tensor) -> list[int]:
    """Per image, the position of the next image (cyclically) of another class. The shuffled control
    asks each image's class of its partner's pictures: a network that keeps a class whatever the image
    shows keeps it there too."""
    if len(targets.unique()) < 2:
        raise ValueError("The shuffled control needs images of two classes or more.")
    count = len(targets)
    return [next((i + step) % count for step in range(1, count) if targets[(i + step) % count] != targets[i])
            for i in range(count)]


def kept_in_middle(result: Curves, kind: str) -> list[float]:
    """Per image, the share of the middle half of the range where p(true class) > 0.5."""
    return kept_class(result, middle_of_range(result, kind))


def linearities(trained: Curves, untrained: Curves, kind: str) -> dict[str, list[float]]:
    """`linearity` of layer 1 and layer 7, and of the untrained network's layer 7, per image."""
    return {"layer 1": linearity(trained, kind, "layer 1"), "layer 7": linearity(trained, kind, "layer 7"),
            "untrained layer 7": linearity(untrained, kind, "layer 7")}


def smallest_step_distances(result: Curves, kind: str) -> dict[str, list[float]]:
    """Per layer ("layer 1", "layer 7"), each image's distance from the original at the smallest step."""
    return {layer: distance[:, nearest_step(result, kind)].tolist() for layer, distance in result.distance.items()}


def named_untransformed(result: Curves, kind: str) -> list[bool]:
    """Per image, whether the network gives its true class p > 0.5 untransformed (scale 1, otherwise 0)."""
    return (result.true_probability[:, nearest_step(result, kind) - 1] > 0.5).tolist()


def linearity(result: Curves, kind: str, layer: str) -> list[float]:
    """Per image, how close `layer`'s distance from the original is to a straight line in the size of the
    step (|amount − the untransformed amount|, both sides of it together): R² of a least-squares line,
    1 for a quasilinear curve, low for one that jumps at the first step and then stays."""
    identity = 1.0 if kind == "scale" else 0.0
    step = torch.tensor([abs(a - identity) for a in result.amounts], dtype=torch.float64)
    design = torch.stack([step, torch.ones_like(step)], dim=1)
    found = []
    for curve in result.distance[layer].double():
        fitted = design @ torch.linalg.lstsq(design, curve[:, None]).solution
        residual, total = float(((curve[:, None] - fitted) ** 2).sum()), float(((curve - curve.mean()) ** 2).sum())
        found.append(1.0 - residual / total if total > 0 else 1.0)
    return found


def middle_of_range(result: Curves, kind: str) -> np.ndarray:
    """Which steps of `result` lie in the middle half of its range, around the untransformed image."""
    nearest = nearest_step(result, kind)
    return np.abs(np.arange(len(result.amounts)) - (nearest - 1)) <= len(result.amounts) // 4


def kept_class(result: Curves, steps: np.ndarray | None = None) -> list[float]:
    """Per image, the share of the `steps` (default all) at which the true class keeps p > 0.5."""
    correct = (result.true_probability > 0.5).double()
    return (correct if steps is None else correct[:, torch.from_numpy(steps)]).mean(1).tolist()


def summary(results: dict[str, Curves]) -> pd.DataFrame:
    """Per transform, averaged over the images: the layer-1 and layer-7 distances at the smallest step,
    and how often p(true class) > 0.5 over the middle half of the range and over all of it."""
    rows = []
    for kind, result in results.items():
        nearest, middle = nearest_step(result, kind), middle_of_range(result, kind)
        correct = (result.true_probability > 0.5).float()
        rows.append({"transform": kind, "smallest step": result.amounts[nearest],
                     "layer 1 distance at it": float(result.distance["layer 1"][:, nearest].mean()),
                     "layer 7 distance at it": float(result.distance["layer 7"][:, nearest].mean()),
                     "p(true) > 0.5, middle half": float(correct[:, middle].mean()),
                     "p(true) > 0.5, whole range": float(correct.mean())})
    return pd.DataFrame(rows).set_index("transform")
