"""Fig. 4: features through training. For each snapshot, the strongest activation of some feature maps
across the training images, projected to pixel space; then, per feature, the epoch from which its
projection stays close to the final one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset

from .. import checkpoints, memo
from ..images import correlations
from ..topk import mine, project_top


@dataclass
class Evolution:
    epochs: list[int]
    channels: dict[int, list[int]]  # layer -> the feature maps followed
    projections: dict[int, torch.Tensor]  # layer -> (features, epochs, C, field, field), cut to the field


def follow(snapshots: list[tuple[int, Path]], dataset: Dataset, channels: dict[int, list[int]], input_size: int,
           mean_image: torch.Tensor, device: str | torch.device = "cpu") -> Evolution:
    """Project each followed feature map's strongest activation over `dataset`, at every snapshot
    (kept by `memo`, keyed by the snapshots' sha256)."""
    def measure() -> dict[int, torch.Tensor]:
        per_epoch = []
        for _, path in snapshots:
            model, _ = checkpoints.load_model(path)
            features = model.features.to(device)
            top = mine(features, dataset, list(channels), 1, input_size, device=device)
            per_epoch.append({layer: project_top(features, dataset, top[layer], layer, chosen, input_size, mean_image,
                                                 device) for layer, chosen in channels.items()})
        return {layer: torch.stack([epoch[layer].projections[:, 0] for epoch in per_epoch], dim=1) for layer in channels}

    key = ([checkpoints.entry(path)["sha256"] for _, path in snapshots], memo.digest(dataset), channels, input_size,
           memo.digest(mean_image), str(device))
    return Evolution([epoch for epoch, _ in snapshots], channels, memo.remembered("evolution", key, measure))


def similarity_to_final(projections: torch.Tensor) -> torch.Tensor:
    """(features, epochs): correlation of each epoch's projection, cut to its receptive field, with the
    last epoch's: a feature whose strongest activation moves to another image or place but keeps its
    look counts as unchanged."""
    features, epochs = projections.shape[:2]
    final = projections[:, -1:].expand_as(projections)
    return correlations(projections.flatten(0, 1), final.flatten(0, 1)).view(features, epochs)


def settle_epochs(similarity: torch.Tensor, epochs: list[int], threshold: float) -> list[int]:
    """Per feature, the first epoch from which its similarity to the final projection stays at or above
    `threshold` at every later snapshot."""
    settled = []
    for row in similarity.tolist():
        first = len(row) - 1
        while first > 0 and row[first - 1] >= threshold:
            first -= 1
        settled.append(epochs[first])
    return settled


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
