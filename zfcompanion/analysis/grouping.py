"""Fig. 2's claims as numbers: how alike are a feature map's top-k image patches, in class and in
appearance, against the same measures on patches drawn at random."""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn
from torch.utils.data import Dataset

from .. import topk
from ..evaluation import views
from ..images import cut, stored_batch
from ..receptive_field import Field
from ..topk import TopActivations


def class_agreement(labels: torch.Tensor) -> torch.Tensor:
    """Per row (a group of k labels), the fraction of its labels that belong to its most common class."""
    majority = torch.stack([row.bincount().max() for row in labels])
    return majority.double() / labels.shape[1]




def pairwise_correlation(patches: torch.Tensor) -> torch.Tensor:
    """Per group, the mean Pearson correlation between the pixels of every pair of its patches: `patches`
    is (groups, k, ...). Flat patches (no variance) count as uncorrelated."""
    flat = patches.flatten(2).double()
    flat = flat - flat.mean(dim=2, keepdim=True)
    flat = flat / flat.norm(dim=2, keepdim=True).clamp_min(1e-9)
    k = flat.shape[1]
    gram = flat @ flat.transpose(1, 2)
    return (gram.sum(dim=(1, 2)) - gram.diagonal(dim1=1, dim2=2).sum(1)) / (k * (k - 1))


def random_groups(dataset: Dataset, targets: torch.Tensor, groups: int, k: int, field: Field, map_size: int,
                  input_size: int, mean_image: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`groups` groups of k patches, each from a random image at the receptive field of a random unit of
    a layer whose maps are `map_size` on a side: (labels (groups, k), patches (groups, k, C, size, size)),
    the chance level of the measures above."""
    generator = torch.Generator().manual_seed(seed)
    indices = torch.randint(len(dataset), (groups * k,), generator=generator)
    rows, cols = (torch.randint(map_size, (groups * k,), generator=generator) for _ in range(2))
    pixels = views(stored_batch(dataset, indices.tolist()) + mean_image, input_size, 1)[0]
    size = min(field.size, input_size)
    patches = torch.stack([cut(image, field.box(int(r), int(c), input_size), size)
                           for image, r, c in zip(pixels, rows, cols)])
    return targets[indices].view(groups, k), patches.view(groups, k, *patches.shape[1:])


def object_share(top: TopActivations, field: Field, boxes: torch.Tensor, input_size: int) -> torch.Tensor:
    """Per channel, the mean over its top k of the share of the object's box that the patch (the unit's
    receptive field, clipped to the input) holds: 1 when every patch shows the whole object, small when
    the patches show parts of it. `boxes` (images, 4): each image's object box (top, left, bottom, right)
    in input pixels, indexed like `top.images`."""
    rows, cols = top.positions[..., 0], top.positions[..., 1]
    patch_top = (field.start + rows * field.stride).clamp(min=0)
    patch_left = (field.start + cols * field.stride).clamp(min=0)
    patch_bottom = (field.start + rows * field.stride + field.size).clamp(max=input_size)
    patch_right = (field.start + cols * field.stride + field.size).clamp(max=input_size)
    box = boxes[top.images].double()  # (channels, k, 4)
    height = (torch.minimum(patch_bottom, box[..., 2]) - torch.maximum(patch_top, box[..., 0])).clamp(min=0)
    width = (torch.minimum(patch_right, box[..., 3]) - torch.maximum(patch_left, box[..., 1])).clamp(min=0)
    area = ((box[..., 2] - box[..., 0]) * (box[..., 3] - box[..., 1])).clamp(min=1)
    return (height * width / area).mean(1)


def measures(networks: dict[str, tuple[nn.Sequential, dict[int, TopActivations]]], dataset: Dataset,
             targets: torch.Tensor, fields: dict[int, Field], maps: int, groups: int, generator: torch.Generator,
             input_size: int, mean_image: torch.Tensor, seed: int) -> dict[str, dict[int, list[float]]]:
    """Fig. 2's grouping, measured: for each layer (numbered from 1) and each network's mined top-k
    (`networks`: name -> features and top activations per layer), the class agreement and appearance
    similarity of the top k of `maps` live feature maps drawn with `generator`, and of `groups` random
    groups of k patches (the chance level). Returns measure -> layer number -> one value per map or group."""
    per_map: dict[str, dict[int, list[float]]] = {}
    layers = list(next(iter(networks.values()))[1])
    for number, layer in enumerate(layers, start=1):
        measured = {}
        for name, (features, top) in networks.items():
            live = top[layer].live_in_all_k()
            live = live[torch.randperm(len(live), generator=generator)[:maps]].sort().values
            patches = topk.patches(features, dataset, top[layer], layer, live.tolist(), input_size, mean_image)
            measured[f"class agreement, {name}"] = class_agreement(targets[top[layer].images[live]])
            measured[f"appearance similarity, {name}"] = pairwise_correlation(patches)
        any_top = next(iter(networks.values()))[1][layer]
        labels, patches = random_groups(dataset, targets, groups, any_top.images.shape[1], fields[layer],
                                        any_top.map_size, input_size, mean_image, seed)
        measured[f"class agreement, random {any_top.images.shape[1]}"] = class_agreement(labels)
        measured[f"appearance similarity, random {any_top.images.shape[1]}"] = pairwise_correlation(patches)
        for measure, values in measured.items():
            per_map.setdefault(measure, {})[number] = values.tolist()
    return per_map


def object_masks(features: nn.Sequential, top: TopActivations, layer: int, channels: list[int],
                 boxes: torch.Tensor, input_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(channels, k, 1, field, field) masks cut like the projections: of each image's object box
    (`boxes`, per dataset image, in input pixels), and of the image itself (where the field is inside)."""
    fields, size = topk.field_boxes(features, top, layer, channels, input_size)
    on_object, inside = [], []
    for image, field in zip(top.images[channels].flatten().tolist(), fields):
        whole = torch.zeros(1, input_size, input_size)
        box_top, box_left, box_bottom, box_right = boxes[image].tolist()
        whole[:, box_top:box_bottom, box_left:box_right] = 1.0
        on_object.append(cut(whole, field, size))
        inside.append(cut(torch.ones(1, input_size, input_size), field, size))
    shape = (len(channels), top.images.shape[1], 1, size, size)
    return torch.stack(on_object).view(shape), torch.stack(inside).view(shape)


def energy_on(pictures: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per group (channels, k, ...): the mean over its k pictures of the share of each picture's energy
    (sum of squares) that lies inside `mask`; a blank picture counts as none."""
    energy = pictures.double().pow(2).sum(2, keepdim=True)
    total = energy.flatten(2).sum(2)
    inside = (energy * mask).flatten(2).sum(2)
    return torch.where(total > 0, inside / total.clamp_min(1e-300), 0.0).mean(1)


def projection_measures(features: nn.Sequential, switches_only: nn.Sequential | None, dataset: Dataset,
                        top: dict[int, TopActivations], maps: int, generator: torch.Generator, input_size: int,
                        mean_image: torch.Tensor, boxes: torch.Tensor | None,
                        device: str | torch.device = "cpu") -> dict[str, dict[int, list[float]]]:
    """Per layer (numbered from 1), over `maps` live maps drawn with `generator`, one value per map: the
    appearance similarity of its top-k deconvnet projections and of their image patches; the same for
    the activations projected with the image's switches but `switches_only`'s random filters on the way
    down (the control: what the switches alone do; None: left out); and, given each image's object box,
    the share of each picture's energy on the object against the share of the field the object covers."""
    measured: dict[str, dict[int, list[float]]] = {}
    for number, layer in enumerate(top, start=1):
        live = top[layer].live_in_all_k()
        live = live[torch.randperm(len(live), generator=generator)[:maps]].sort().values.tolist()
        values = {}
        if boxes is not None:  # the same masks serve the projections and their control
            on_object, inside = object_masks(features, top[layer], layer, live, boxes, input_size)
        downs = {"top 9": None, **({} if switches_only is None else {"switches only": switches_only})}
        for name, down in downs.items():
            found = topk.project_top(features, dataset, top[layer], layer, live, input_size, mean_image, device, down=down)
            values[f"projection similarity, {name}"] = pairwise_correlation(found.projections)
            if boxes is not None:
                values[f"object energy, {name}"] = energy_on(found.projections, on_object)
        values["patch similarity, top 9"] = pairwise_correlation(found.patches)
        if boxes is not None:
            values["object area, top 9"] = (on_object.flatten(2).sum(2) / inside.flatten(2).sum(2)).double().mean(1)
        for measure, per_map in values.items():
            measured.setdefault(measure, {})[number] = per_map.tolist()
    return measured


def layer_means(per_map: dict[str, dict[int, list[float]]]) -> pd.DataFrame:
    """`measures`' values averaged over the maps (or groups): one row per layer, one column per measure
    and group of patches (a two-level header: "class agreement" / "top 9")."""
    numbers = next(iter(per_map.values()))
    means = pd.DataFrame([{"layer": number, **{measure: sum(values[number]) / len(values[number])
                                               for measure, values in per_map.items()}} for number in numbers]).set_index("layer")
    return means.set_axis(pd.MultiIndex.from_tuples([tuple(name.split(", ", 1)) for name in means.columns]), axis=1)
