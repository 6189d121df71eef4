"""Fig. 5: how features and output change as an image is translated vertically, scaled and rotated.

On the scenes, each transform moves the garment over the scene's own background (`scenes.moved`),
so translation and scale move the object within the canvas. Elsewhere they act on the image's pixels
(the mean image added back) before the network's own preprocessing, and fill what they uncover with
the image's background colour. Distances between the
original's and the transformed image's feature vectors are divided by the original vector's length,
so that layer 1 and layer 7 read on one scale."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torchvision.transforms.v2 import functional as TF

from .. import scenes
from ..evaluation import views
from ..models import feature_map_layers
from .occlusion import background_colour

TRANSFORMS = ("vertical translation", "scale", "rotation")


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


@torch.no_grad()
def layer_vectors(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per image, the flattened rectified output of layer 1 and layer 5 (conv1's and conv5's maps) and
    of layer 7 (fc7), and the class probabilities."""
    features, classifier = model.features, model.classifier
    relu1, relu5 = feature_map_layers(features)[0], feature_map_layers(features)[-1]
    layer1 = features[: relu1 + 1](x)
    layer5 = features[relu1 + 1 : relu5 + 1](layer1)
    hidden = torch.flatten(features[relu5 + 1 :](layer5), 1)
    relus = [i for i, m in enumerate(classifier) if isinstance(m, nn.ReLU)]
    layer7 = classifier[: relus[-1] + 1](hidden)
    return {"layer 1": layer1.flatten(1), "layer 5": layer5.flatten(1), "layer 7": layer7,
            "probabilities": classifier[relus[-1] + 1 :](layer7).softmax(1)}


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
    from .grouping import correlations

    turned = [i for i, angle in enumerate(rotated.amounts) if angle % 360 != 0]
    upright = rotated.amounts.index(next(angle for angle in rotated.amounts if angle % 360 == 0))
    pictures = rotated.pictures
    return torch.stack([correlations(pictures[:, upright], pictures[:, i]) for i in turned], dim=1).mean(1)
