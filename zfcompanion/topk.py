"""Streaming top-k mining (Fig. 2, 4): one pass over a dataset keeps, for every channel of every chosen
layer, the k strongest activations (value, image index, position), holding k entries per channel and
never the activations themselves. Each image counts once per channel, at its strongest position, so
the k come from k different images. Ties go to the image that comes first in the dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import Dataset
from tqdm import tqdm

from . import checkpoints, memo
from .checkpoints import load_model
from .data import Loader, Splits, pretraining_splits
from .deconvnet import DeconvNet
from .evaluation import views
from .images import cut, stored_batch
from .models import feature_map_layers
from .profiles import Profile
from .receptive_field import receptive_fields


@dataclass
class TopActivations:
    """The k strongest activations of each channel of one layer, strongest first."""

    values: torch.Tensor  # (channels, k)
    images: torch.Tensor  # (channels, k) index in the dataset
    positions: torch.Tensor  # (channels, k, 2) row, col in the layer's output
    map_size: int  # the layer's output is map_size x map_size

    def live(self) -> torch.Tensor:
        """The channels that fire at all (their strongest activation is above zero): what is shown."""
        return (self.values[:, 0] > 0).nonzero().flatten()

    def live_in_all_k(self) -> torch.Tensor:
        """The channels whose every one of the k strongest activations is above zero: what is measured,
        since a group padded with silent images would say nothing about what the channel responds to."""
        return (self.values[:, -1] > 0).nonzero().flatten()

    def strongest(self, n: int) -> "TopActivations":
        """Only the `n` strongest of each channel."""
        return TopActivations(self.values[:, :n], self.images[:, :n], self.positions[:, :n], self.map_size)

    def merge(self, values: torch.Tensor, images: torch.Tensor, positions: torch.Tensor) -> "TopActivations":
        """Keep the k strongest of these and the new (channels, n) candidates, which come later in the dataset."""
        k = self.values.shape[1]
        all_values = torch.cat([self.values, values], dim=1)
        # A stable sort keeps dataset order among equal values: the earlier image wins a tie.
        order = all_values.sort(dim=1, descending=True, stable=True).indices[:, :k]
        return TopActivations(all_values.gather(1, order), torch.cat([self.images, images], 1).gather(1, order),
                              torch.cat([self.positions, positions], 1).gather(1, order[..., None].expand(-1, -1, 2)),
                              self.map_size)


def _empty(channels: int, k: int, map_size: int, device) -> TopActivations:
    return TopActivations(torch.full((channels, k), -torch.inf, device=device),
                          torch.full((channels, k), -1, dtype=torch.long, device=device),
                          torch.zeros(channels, k, 2, dtype=torch.long, device=device), map_size)


@torch.no_grad()
def mine(features: nn.Sequential, dataset: Dataset, layers: list[int], k: int, input_size: int,
         batch_size: int = 256, device: str | torch.device = "cpu") -> dict[int, TopActivations]:
    """The k strongest activations of every channel of `features[layer]` for each of `layers`, over
    the center crops of `dataset`'s images (stored-size tensors, as the profiles' datasets hold)."""
    features = features.eval().to(device)
    wanted, deepest = set(layers), max(layers)
    top: dict[int, TopActivations] = {}
    start = 0
    for images, _ in tqdm(Loader(dataset, batch_size=batch_size), desc="top-k mining", unit="batch",
                          leave=False, disable=None):
        x = views(images.to(device), input_size, 1)[0]
        image_indices = torch.arange(start, start + len(x), device=device)
        for index, module in enumerate(features[: deepest + 1]):
            x = module(x)
            if index in wanted:
                strongest, flat = x.flatten(2).max(dim=2)  # (batch, channels): each image's best position
                positions = torch.stack([flat // x.shape[-1], flat % x.shape[-1]], dim=-1)
                top.setdefault(index, _empty(x.shape[1], k, x.shape[-1], device))
                top[index] = top[index].merge(strongest.T, image_indices.expand(x.shape[1], -1),
                                              positions.transpose(0, 1))
        start += len(images)
    return top


def mine_checkpoint(checkpoint: Path, profile: Profile, data_dir: Path | None, k: int, device: str | torch.device = "cpu",
                    ) -> tuple[nn.Sequential, Splits, list[int], dict[int, TopActivations]]:
    """What the feature-picture chapters start from: the `features` of the network in `checkpoint`, the
    profile's data `splits`, the indices of its `layers` 1-5 in `features`, and the `top` k activations
    of every map of those layers over the validation set."""
    model, _ = load_model(checkpoint)
    features = model.features.to(device)
    splits = pretraining_splits(profile, data_dir)
    layers = feature_map_layers(features)

    def measure() -> dict[int, dict]:
        return {layer: vars(top) for layer, top in mine(features, splits.val, layers, k, profile.input_size,
                                                         device=device).items()}

    key = (checkpoints.entry(checkpoint)["sha256"], memo.digest(splits.val), layers, k, profile.input_size, str(device))
    mined = memo.remembered("top-k", key, measure)
    return features, splits, layers, {layer: TopActivations(**fields) for layer, fields in mined.items()}


@dataclass
class Projections:
    """For each of some channels of one layer, its top-k activations projected to pixel space and the
    image patches they come from, both cut to the layer's receptive field."""

    channels: list[int]
    projections: torch.Tensor  # (channels, k, C, field, field)
    patches: torch.Tensor  # (channels, k, C, field, field), pixels with the mean image added back
    images: torch.Tensor  # (channels, k) dataset indices


def field_boxes(features: nn.Sequential, top: TopActivations, layer: int, channels: list[int], input_size: int):
    """The receptive-field box (top, left, bottom, right) of each mined activation of `channels`, in
    order (channel by channel, k each), and the side of the canvas `images.cut` places them on."""
    field = receptive_fields(features)[layer]
    positions = top.positions[channels].reshape(-1, 2).tolist()
    return [field.box(row, col, input_size) for row, col in positions], min(field.size, input_size)


def patches(features: nn.Sequential, dataset: Dataset, top: TopActivations, layer: int, channels: list[int],
            input_size: int, mean_image: torch.Tensor) -> torch.Tensor:
    """(channels, k, C, field, field): the image patches under the mined activations of `channels`,
    in pixels (the mean image added back)."""
    boxes, size = field_boxes(features, top, layer, channels, input_size)
    stored = stored_batch(dataset, top.images[channels].flatten().tolist())
    pixels = views(stored + mean_image, input_size, 1)[0]
    cut_all = torch.stack([cut(image, box, size) for image, box in zip(pixels, boxes)])
    return cut_all.view(len(channels), top.images.shape[1], *cut_all.shape[1:])


@torch.no_grad()
def project_top(features: nn.Sequential, dataset: Dataset, top: TopActivations, layer: int, channels: list[int],
                input_size: int, mean_image: torch.Tensor, device: str | torch.device = "cpu",
                batch_size: int = 64, down: nn.Sequential | None = None) -> Projections:
    """Project the mined activations of `channels` with the deconvnet, `batch_size` at a time, each
    on its receptive field's crop of the image (`DeconvNet.project_in_field`), in an order that puts
    equal crop shapes into one batch. `down`: other filters for the way down (`DeconvNet`)."""
    k = top.values.shape[1]
    chosen = torch.tensor(channels, dtype=torch.long)
    indices, targets = top.images[chosen].flatten().cpu(), chosen.repeat_interleave(k)
    positions = top.positions[chosen].reshape(-1, 2).cpu()
    deconvnet = DeconvNet(features.to(device), None if down is None else down.to(device))
    boxes, size = field_boxes(features, top, layer, channels, input_size)
    crops = deconvnet.crops(layer, positions.tolist(), input_size, input_size)
    order = sorted(range(len(indices)), key=lambda i: (crops[i][1] - crops[i][0], crops[i][3] - crops[i][2]))
    cut_projections = [None] * len(indices)
    for start in range(0, len(indices), batch_size):
        part = order[start:start + batch_size]
        x = views(stored_batch(dataset, indices[part].tolist()), input_size, 1)[0].to(device)
        projected = deconvnet.project_in_field(x, layer, targets[part].to(device), positions[part].to(device)).cpu()
        for i, image in zip(part, projected):
            cut_projections[i] = cut(image, boxes[i], size)
    shape = (len(channels), k, *cut_projections[0].shape)
    return Projections(channels, torch.stack(cut_projections).view(shape),
                       patches(features, dataset, top, layer, channels, input_size, mean_image),
                       indices.view(len(channels), k))


@torch.no_grad()
def beside_top(features: nn.Sequential, dataset: Dataset, top: TopActivations, layer: int, x: torch.Tensor,
               channels: list[int], projections: torch.Tensor, input_size: int, mean_image: torch.Tensor,
               device: str | torch.device = "cpu") -> torch.Tensor:
    """(N, 1 + k, C, field, field), Fig. 7 (c): each image's own projection of its channel (`projections`,
    N whole images), cut to the receptive field of that channel's strongest unit in the image, followed
    by the channel's top-k projections over `dataset`."""
    maps = features[: layer + 1](x)
    others = project_top(features, dataset, top, layer, channels, input_size, mean_image, device).projections
    field, width = receptive_fields(features)[layer], maps.shape[-1]
    strongest = [int(maps[i, channel].argmax()) for i, channel in enumerate(channels)]
    own = torch.stack([cut(projections[i], field.box(flat // width, flat % width, input_size), others.shape[-1])
                       for i, flat in enumerate(strongest)])
    return torch.cat([own[:, None], others], dim=1)
