"""Fig. 4: features through training. For each snapshot, the strongest activation of some feature maps
across the training images, projected to pixel space; then, per feature, the epoch from which its
projection stays close to the final one.

A projection of the strongest activation changes for two reasons: the weights change, or another image
becomes the strongest (the paper's "sudden jumps"). So each map is also projected, at every snapshot,
on one fixed image (the one that drives it most at the last snapshot), where only the weights can
change what is seen; and the image that drove it at each snapshot is kept, so that jumps can be told apart."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset

from torch import nn

from .. import checkpoints, memo
from ..evaluation import views
from ..images import correlations, stored_batch
from ..topk import TopActivations, mine, project_top


@dataclass
class Evolution:
    epochs: list[int]
    channels: dict[int, list[int]]  # layer -> the feature maps followed
    projections: dict[int, torch.Tensor]  # layer -> (features, epochs, C, field, field), cut to the field
    fixed: dict[int, torch.Tensor]  # the same, each map projected on its last snapshot's strongest image
    images: dict[int, torch.Tensor]  # layer -> (features, epochs): the dataset index of the strongest image


@torch.no_grad()
def _on_images(features: nn.Sequential, dataset: Dataset, layer: int, channels: list[int], images: list[int],
               input_size: int) -> TopActivations:
    """Each of `channels`' strongest activation within one given image (channels[i] in images[i]), in
    the rows of those channels (the others left empty), as `topk.project_top` reads them."""
    maps = features[: layer + 1](views(stored_batch(dataset, images), input_size, 1)[0].to(next(features.parameters()).device))
    chosen = torch.tensor(channels)
    values, flat = maps[torch.arange(len(channels)), chosen].flatten(1).max(dim=1)
    rows = maps.shape[1]
    top = TopActivations(torch.zeros(rows, 1), torch.zeros(rows, 1, dtype=torch.long),
                         torch.zeros(rows, 1, 2, dtype=torch.long), maps.shape[-1])
    top.values[chosen, 0], top.images[chosen, 0] = values.cpu(), torch.tensor(images)
    top.positions[chosen, 0] = torch.stack([flat // maps.shape[-1], flat % maps.shape[-1]], dim=-1).cpu()
    return top


def projected_on(features: nn.Sequential, dataset: Dataset, layer: int, channels: list[int], images: list[int],
                 input_size: int, mean_image: torch.Tensor, device: str | torch.device = "cpu") -> torch.Tensor:
    """(channels, C, field, field): each channel's strongest activation within its own image (channels[i]
    in images[i]), projected and cut to its receptive field."""
    found = _on_images(features, dataset, layer, channels, images, input_size)
    return project_top(features, dataset, found, layer, channels, input_size, mean_image, device).projections[:, 0]


def follow(snapshots: list[tuple[int, Path]], dataset: Dataset, channels: dict[int, list[int]], input_size: int,
           mean_image: torch.Tensor, device: str | torch.device = "cpu") -> Evolution:
    """Project each followed feature map's strongest activation over `dataset`, and its activation on
    one fixed image, at every snapshot (kept by `memo`, keyed by the snapshots' sha256)."""
    def measure() -> dict[str, dict[int, torch.Tensor]]:
        networks = [checkpoints.load_model(path)[0].features.to(device) for _, path in snapshots]
        tops = [mine(features, dataset, list(channels), 1, input_size, device=device) for features in networks]
        strongest = [{layer: project_top(features, dataset, top[layer], layer, chosen, input_size, mean_image, device)
                      .projections[:, 0] for layer, chosen in channels.items()} for features, top in zip(networks, tops)]
        last = {layer: tops[-1][layer].images[chosen, 0].tolist() for layer, chosen in channels.items()}
        fixed = [{layer: projected_on(features, dataset, layer, chosen, last[layer], input_size, mean_image, device)
                  for layer, chosen in channels.items()} for features in networks]
        stacked = lambda per_epoch: {layer: torch.stack([epoch[layer] for epoch in per_epoch], dim=1)
                                     for layer in channels}
        return {"projections": stacked(strongest), "fixed": stacked(fixed),
                "images": {layer: torch.stack([top[layer].images[chosen, 0].cpu() for top in tops], dim=1)
                           for layer, chosen in channels.items()}}

    key = ([checkpoints.entry(path)["sha256"] for _, path in snapshots], memo.digest(dataset), channels, input_size,
           memo.digest(mean_image), str(device))
    found = memo.remembered("evolution-fixed", key, measure)
    return Evolution([epoch for epoch, _ in snapshots], channels, found["projections"], found["fixed"], found["images"])


def similarity_to_final(projections: torch.Tensor) -> torch.Tensor:
    """(features, epochs): correlation of each epoch's projection, cut to its receptive field, with the
    last epoch's: a feature whose strongest activation moves to another image or place but keeps its
    look counts as unchanged."""
    features, epochs = projections.shape[:2]
    final = projections[:, -1:].expand_as(projections)
    return correlations(projections.flatten(0, 1), final.flatten(0, 1)).view(features, epochs)


def settle_epochs(similarity: torch.Tensor, epochs: list[int], threshold: float) -> list[int | None]:
    """Per feature, the first epoch from which its similarity to the final projection stays at or above
    `threshold` at every later snapshot; None for a feature not yet settled by the last snapshot (close
    only to itself there): its settling epoch is censored, known only to lie beyond the snapshots."""
    settled = []
    for row in similarity.tolist():
        first = len(row) - 1
        while first > 0 and row[first - 1] >= threshold:
            first -= 1
        settled.append(epochs[first] if first < len(row) - 1 else None)
    return settled


def jumps(projections: torch.Tensor, images: torch.Tensor) -> dict[str, list[float]]:
    """For each feature map that has both kinds of step, the mean change of its strongest activation's
    projection (1 − correlation) from one snapshot to the next over the steps where the strongest image
    changed ("changed") and over those where it stayed ("unchanged"): the paper's "sudden jumps" come
    with a change of image."""
    features, epochs = projections.shape[:2]
    change = 1 - correlations(projections[:, 1:].flatten(0, 1), projections[:, :-1].flatten(0, 1)).view(features, epochs - 1)
    moved = images[:, 1:] != images[:, :-1]
    both = [f for f in range(features) if moved[f].any() and not moved[f].all()]
    return {"changed": [float(change[f][moved[f]].mean()) for f in both],
            "unchanged": [float(change[f][~moved[f]].mean()) for f in both]}


def rate_decays(snapshots: list[tuple[int, Path]]) -> list[int]:
    """The epochs of the `snapshots` (oldest first) that are the first trained at a lower learning rate."""
    rates = [(epoch, checkpoints.entry(path)["metrics"].get("lr")) for epoch, path in snapshots]
    return [epoch for (epoch, rate), (_, before) in zip(rates[1:], rates) if rate != before]


def before_first_decay(snapshots: list[tuple[int, Path]]) -> int:
    """How many of the `snapshots` (oldest first) were trained at the initial learning rate alone: the
    last of them is the last snapshot before the first decay, against which settling can be measured
    without mistaking a smaller learning rate's slower change for a feature that has settled."""
    rates = [checkpoints.entry(path)["metrics"].get("lr") for _, path in snapshots]
    count = 1
    while count < len(rates) and rates[count] == rates[0]:
        count += 1
    return count
